# eventbus_add_fuzzer(<name> SOURCES ... LIBS ... [SEEDS dir...])
# Builds tests/fuzz/<name>/ as fuzz-<name>:
# - with EVENTBUS_FUZZ=ON and clang: a libFuzzer binary (-fsanitize=fuzzer,address,undefined); the
#   libraries it links get coverage instrumentation too, else the fuzzer would be blind inside them.
#   tests/fuzz/run-fuzzers runs these for a bounded time.
# - otherwise: the same harness with a replay main (FuzzInputReplay.cpp), registered with CTest as
#   <name>-fuzz-replay, which runs every seed and every saved regression input (corpus/) once, so
#   the normal and sanitizer suites keep crashes found by fuzzing fixed.
include_guard(GLOBAL)

# Every finding is fatal except pointer-overflow, which only reports, so that
# tests/sanitizers/ubsan.supp can silence RapidJSON's own (run-fuzzers sets halt_on_error=1, so an
# unsuppressed one still stops the fuzzer). A cache variable: directory variables of an included,
# guarded file are only seen by the first directory that includes it.
set(EVENTBUS_FUZZ_SANITIZE -fsanitize=address,undefined -fno-sanitize-recover=all -fsanitize-recover=pointer-overflow
    -fno-omit-frame-pointer CACHE INTERNAL "")

function(_eventbus_fuzz_instrument target)
  if(NOT TARGET ${target})
    return()
  endif()
  get_target_property(_imported ${target} IMPORTED)
  get_target_property(_done ${target} EVENTBUS_FUZZ_INSTRUMENTED)
  if(_imported OR _done)
    return()
  endif()
  get_target_property(_type ${target} TYPE)
  if(_type STREQUAL "INTERFACE_LIBRARY")
    return()
  endif()
  set_property(TARGET ${target} PROPERTY EVENTBUS_FUZZ_INSTRUMENTED TRUE)
  target_compile_options(${target} PRIVATE -fsanitize=fuzzer-no-link ${EVENTBUS_FUZZ_SANITIZE})
  get_target_property(_deps ${target} LINK_LIBRARIES)
  if(_deps)
    foreach(_dep ${_deps})
      _eventbus_fuzz_instrument(${_dep})
    endforeach()
  endif()
endfunction()

function(eventbus_add_fuzzer name)
  cmake_parse_arguments(F "" "" "SOURCES;LIBS;SEEDS" ${ARGN})
  set(_target fuzz-${name})
  set(_inputs ${F_SEEDS})
  if(EXISTS ${CMAKE_CURRENT_SOURCE_DIR}/corpus)
    list(APPEND _inputs ${CMAKE_CURRENT_SOURCE_DIR}/corpus)
  endif()
  if(EVENTBUS_FUZZ AND CMAKE_CXX_COMPILER_ID MATCHES "Clang")
    set(_flags -fsanitize=fuzzer ${EVENTBUS_FUZZ_SANITIZE})
    add_executable(${_target} ${F_SOURCES})
    target_compile_options(${_target} PRIVATE ${_flags})
    target_link_options(${_target} PRIVATE ${_flags})
    foreach(_lib ${F_LIBS})
      _eventbus_fuzz_instrument(${_lib})
    endforeach()
    # run-fuzzers reads the seed folders from here.
    string(REPLACE ";" "\n" _lines "${_inputs}")
    file(WRITE ${CMAKE_BINARY_DIR}/fuzz/${name}.seeds "${_lines}\n")
  else()
    add_executable(${_target} ${F_SOURCES} ${CMAKE_SOURCE_DIR}/tests/fuzz/FuzzInputReplay.cpp)
    add_test(NAME ${name}-fuzz-replay COMMAND ${_target} ${_inputs})
    set_tests_properties(${name}-fuzz-replay PROPERTIES TIMEOUT 120 LABELS fuzz)
  endif()
  target_link_libraries(${_target} PRIVATE ${F_LIBS})
  set_target_properties(${_target} PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/fuzz)
endfunction()
