# eventbus_sdk_add_plugin(<target> SOURCES ... [LIBS ...] [OUTPUT_NAME <name>] [INSTALL])
#
# Builds a loadable eventbusd plugin module <name>.so (default name: <target>) from SOURCES,
# linked with EventBusSDK::sdk. Only the entry symbol is exported (hidden visibility), so two
# plugins never clash and a plugin never binds to the host's internals; undefined symbols fail
# the link instead of failing at load time in the daemon. INSTALL installs the module into
# <libdir>/eventbus/plugins, where the packaged daemon looks for plugins.
include(GNUInstallDirs)

function(eventbus_sdk_add_plugin target)
  cmake_parse_arguments(P "INSTALL" "OUTPUT_NAME" "SOURCES;LIBS" ${ARGN})
  if(NOT P_SOURCES)
    message(FATAL_ERROR "eventbus_sdk_add_plugin(${target}): SOURCES is required")
  endif()
  if(NOT P_OUTPUT_NAME)
    set(P_OUTPUT_NAME ${target})
  endif()
  add_library(${target} MODULE ${P_SOURCES})
  target_link_libraries(${target} PRIVATE EventBusSDK::sdk ${P_LIBS})
  target_compile_features(${target} PRIVATE cxx_std_17)
  set_target_properties(${target} PROPERTIES
    PREFIX "" OUTPUT_NAME ${P_OUTPUT_NAME}
    POSITION_INDEPENDENT_CODE ON
    CXX_VISIBILITY_PRESET hidden VISIBILITY_INLINES_HIDDEN ON)
  target_link_options(${target} PRIVATE -Wl,--no-undefined)
  if(P_INSTALL)
    install(TARGETS ${target} LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}/eventbus/plugins)
  endif()
endfunction()
