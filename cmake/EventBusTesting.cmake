# eventbus_add_test(<TestName> SOURCES ... [LIBS ...] [TIMEOUT seconds] [LABELS ...])
# One CppUnit test class per executable and per CTest test, so `ctest -R <Area>` runs one area.
# The shared CppUnit main (tests/unit/CppUnitMain.cpp) runs every registered suite.
function(eventbus_add_test name)
  cmake_parse_arguments(T "" "TIMEOUT" "SOURCES;LIBS;LABELS" ${ARGN})
  add_executable(${name} ${T_SOURCES} ${CMAKE_SOURCE_DIR}/tests/unit/CppUnitMain.cpp)
  target_link_libraries(${name} PRIVATE PkgConfig::CPPUNIT ${T_LIBS})
  target_include_directories(${name} PRIVATE ${CMAKE_SOURCE_DIR}/tests)
  set_target_properties(${name} PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/tests)
  add_test(NAME ${name} COMMAND ${name})
  if(NOT T_TIMEOUT)
    set(T_TIMEOUT 120)
  endif()
  set_tests_properties(${name} PROPERTIES TIMEOUT ${T_TIMEOUT}
    ENVIRONMENT "EVENTBUS_SOURCE_DIR=${CMAKE_SOURCE_DIR};EVENTBUS_BUILD_DIR=${CMAKE_BINARY_DIR};EVENTBUS_SHARED_DIR=${EVENTBUS_SHARED_DIR}")
  if(T_LABELS)
    set_tests_properties(${name} PROPERTIES LABELS "${T_LABELS}")
  endif()
endfunction()
