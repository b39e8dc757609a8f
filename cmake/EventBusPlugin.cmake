# eventbus_add_plugin(<name> SOURCES ... [LIBS ...])
# Builds a loadable plugin module build/plugins/<name>.so against the SDK. Symbols are hidden
# except the entry point, so two plugins never clash and a plugin never binds to host internals.
function(eventbus_add_plugin name)
  cmake_parse_arguments(P "" "" "SOURCES;LIBS" ${ARGN})
  set(target plugin-${name})
  add_library(${target} MODULE ${P_SOURCES})
  target_link_libraries(${target} PRIVATE eventbus_sdk ${P_LIBS})
  set_target_properties(${target} PROPERTIES
    PREFIX "" OUTPUT_NAME ${name}
    LIBRARY_OUTPUT_DIRECTORY ${EVENTBUS_PLUGIN_OUTPUT_DIR}
    CXX_VISIBILITY_PRESET hidden VISIBILITY_INLINES_HIDDEN ON)
  target_link_options(${target} PRIVATE -Wl,--no-undefined)
  install(TARGETS ${target} LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}/eventbus/plugins COMPONENT daemon)
endfunction()
