# airlock-worker: the task pipeline and the link to airlockd (a library, so
# tests can link pieces of it) and the daemon binary.
if(TARGET airlock_sandbox AND TARGET airlock_gitops AND TARGET airlock_egress AND TARGET airlock_env
   AND TARGET airlock_plugin_host AND TARGET airlock_jobspec AND TARGET airlock_wire)
  add_library(airlock_worker STATIC
    ${CMAKE_CURRENT_SOURCE_DIR}/executor.c
    ${CMAKE_CURRENT_SOURCE_DIR}/link.c
    ${CMAKE_CURRENT_SOURCE_DIR}/outbox.c
    ${CMAKE_CURRENT_SOURCE_DIR}/pipeline.c
    ${CMAKE_CURRENT_SOURCE_DIR}/pipeline_events.c
    ${CMAKE_CURRENT_SOURCE_DIR}/pipeline_analyze.c
    ${CMAKE_CURRENT_SOURCE_DIR}/pipeline_verdict.c
    ${CMAKE_CURRENT_SOURCE_DIR}/sandbox_pools.c
    ${CMAKE_CURRENT_SOURCE_DIR}/settings.c
    ${CMAKE_CURRENT_SOURCE_DIR}/stage_ahead.c
    ${CMAKE_CURRENT_SOURCE_DIR}/stage_exec.c
    ${CMAKE_CURRENT_SOURCE_DIR}/task.c
    ${CMAKE_CURRENT_SOURCE_DIR}/task_msg.c)
  target_include_directories(airlock_worker PUBLIC ${CMAKE_SOURCE_DIR})
  target_link_libraries(airlock_worker PUBLIC airlock_sandbox airlock_gitops airlock_egress airlock_env
    airlock_plugin_host airlock_jobspec airlock_wire airlock_common PkgConfig::CRYPTO Threads::Threads)
  target_compile_definitions(airlock_worker PRIVATE AIRLOCK_PLUGIN_DIR="${CMAKE_BINARY_DIR}/plugins")
  add_executable(airlock-worker ${CMAKE_CURRENT_SOURCE_DIR}/main.c)
  target_link_libraries(airlock-worker PRIVATE airlock_worker)
  # The analyzers the pipeline loads are built with the worker.
  get_property(_plugins GLOBAL PROPERTY AIRLOCK_PLUGIN_TARGETS)
  if(_plugins)
    add_dependencies(airlock-worker ${_plugins})
  endif()
endif()
