# airlockd: the orchestrator library (everything but main.c, so tests can link
# pieces of it) and the daemon binary.
if(TARGET airlock_store AND TARGET airlock_wire AND TARGET airlock_jobspec)
  add_library(airlock_orchestrator STATIC
    ${CMAKE_CURRENT_SOURCE_DIR}/client_api.c
    ${CMAKE_CURRENT_SOURCE_DIR}/client_reply.c
    ${CMAKE_CURRENT_SOURCE_DIR}/api_bridge.c
    ${CMAKE_CURRENT_SOURCE_DIR}/convert.c
    ${CMAKE_CURRENT_SOURCE_DIR}/daemon.c
    ${CMAKE_CURRENT_SOURCE_DIR}/dbcheck.c
    ${CMAKE_CURRENT_SOURCE_DIR}/env_api.c
    ${CMAKE_CURRENT_SOURCE_DIR}/leader.c
    ${CMAKE_CURRENT_SOURCE_DIR}/liveness.c
    ${CMAKE_CURRENT_SOURCE_DIR}/redact.c
    ${CMAKE_CURRENT_SOURCE_DIR}/registry.c
    ${CMAKE_CURRENT_SOURCE_DIR}/scheduler.c
    ${CMAKE_CURRENT_SOURCE_DIR}/settings.c
    ${CMAKE_CURRENT_SOURCE_DIR}/waiters.c
    ${CMAKE_CURRENT_SOURCE_DIR}/worker_api.c
    ${CMAKE_CURRENT_SOURCE_DIR}/worker_caps.c)
  target_include_directories(airlock_orchestrator PUBLIC ${CMAKE_SOURCE_DIR})
  target_link_libraries(airlock_orchestrator PUBLIC airlock_store airlock_wire airlock_jobspec airlock_envspec
    airlock_common PkgConfig::JANSSON PkgConfig::CZMQ PkgConfig::ZMQ PkgConfig::CRYPTO
    airlock_api airlock_report airlock_tenancy airlock_gitops PkgConfig::MHD airlock_an_secrets)   # redact.c: the secrets rules
  target_compile_definitions(airlock_orchestrator PRIVATE AIRLOCK_SQL_DIR="${CMAKE_SOURCE_DIR}/sql")
  add_executable(airlockd ${CMAKE_CURRENT_SOURCE_DIR}/main.c)
  target_link_libraries(airlockd PRIVATE airlock_orchestrator)
  # Everything that runs airlockd (tests, the demo) runs airlock-signer beside it.
  if(TARGET airlock-signer)
    add_dependencies(airlockd airlock-signer)
  endif()
endif()
