# airlock_analyzer(NAME n CORE src...): the analyzer core as a static,
# position-independent library airlock_an_<n> (used by tests and bench) and
# the dlopen plugin <n>.so (target airlock_plugin_<n>) built from
# <n>_plugin.c through plugins/CMakeLists.txt's airlock_plugin().
include_guard(GLOBAL)
function(airlock_analyzer)
  cmake_parse_arguments(A "" "NAME" "CORE" ${ARGN})
  add_library(airlock_an_${A_NAME} STATIC ${A_CORE})
  set_target_properties(airlock_an_${A_NAME} PROPERTIES
    POSITION_INDEPENDENT_CODE ON C_VISIBILITY_PRESET hidden)
  target_include_directories(airlock_an_${A_NAME} PUBLIC ${CMAKE_CURRENT_SOURCE_DIR})
  target_link_libraries(airlock_an_${A_NAME} PUBLIC airlock_an_common)
  if(COMMAND airlock_plugin)
    airlock_plugin(NAME ${A_NAME} SOURCES ${A_NAME}_plugin.c
                   LIBS airlock_an_${A_NAME} airlock_an_plugin)
  endif()
endfunction()
