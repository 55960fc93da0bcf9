# airlock_test(NAME name SOURCES ... LIBS ... [LABELS ...] [TIMEOUT s])
# Builds a cmocka test executable and registers it with ctest.
function(airlock_test)
  cmake_parse_arguments(T "" "NAME;TIMEOUT" "SOURCES;LIBS;LABELS" ${ARGN})
  add_executable(${T_NAME} ${T_SOURCES})
  target_link_libraries(${T_NAME} PRIVATE ${T_LIBS} PkgConfig::CMOCKA)
  target_include_directories(${T_NAME} PRIVATE ${CMAKE_SOURCE_DIR} ${CMAKE_SOURCE_DIR}/tests/support)
  target_compile_definitions(${T_NAME} PRIVATE
    AIRLOCK_SOURCE_DIR="${CMAKE_SOURCE_DIR}" AIRLOCK_BUILD_DIR="${CMAKE_BINARY_DIR}")
  add_test(NAME ${T_NAME} COMMAND ${T_NAME})
  if(NOT T_TIMEOUT)
    set(T_TIMEOUT 300)
  endif()
  set_tests_properties(${T_NAME} PROPERTIES TIMEOUT ${T_TIMEOUT} SKIP_RETURN_CODE 77
    ENVIRONMENT "CMOCKA_MESSAGE_OUTPUT=stdout;ASAN_OPTIONS=detect_leaks=1:abort_on_error=0;UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1")
  if(T_LABELS)
    set_tests_properties(${T_NAME} PROPERTIES LABELS "${T_LABELS}")
  endif()
endfunction()

# airlock_fuzz(NAME target SOURCES ... LIBS ... RUNS n MAX_LEN n SEEDS dir... [LABELS ...] [TIMEOUT s])
# A libFuzzer target (AIRLOCK_FUZZ=ON with clang; nothing otherwise) and its
# ctest entry <NAME>_runs: a bounded number of runs (a count, not a duration)
# from the seed directories. libFuzzer writes new inputs into the FIRST
# directory, a scratch one in the build tree, so the seeds stay untouched.
function(airlock_fuzz)
  cmake_parse_arguments(F "" "NAME;RUNS;MAX_LEN;TIMEOUT" "SOURCES;LIBS;SEEDS;LABELS" ${ARGN})
  if(NOT (AIRLOCK_FUZZ AND CMAKE_C_COMPILER_ID MATCHES "Clang"))
    return()
  endif()
  add_executable(${F_NAME} ${F_SOURCES})
  target_include_directories(${F_NAME} PRIVATE ${CMAKE_SOURCE_DIR})
  target_compile_options(${F_NAME} PRIVATE -fsanitize=fuzzer,address,undefined -fno-omit-frame-pointer)
  target_link_options(${F_NAME} PRIVATE -fsanitize=fuzzer,address,undefined)
  target_link_libraries(${F_NAME} PRIVATE ${F_LIBS})
  if(NOT F_TIMEOUT)
    set(F_TIMEOUT 300)
  endif()
  set(scratch ${CMAKE_CURRENT_BINARY_DIR}/${F_NAME}_corpus)
  add_test(NAME ${F_NAME}_runs
           COMMAND sh -c "mkdir -p '${scratch}' && exec \"$0\" \"$@\"" $<TARGET_FILE:${F_NAME}>
                   -runs=${F_RUNS} -seed=1 -max_len=${F_MAX_LEN} ${scratch} ${F_SEEDS})
  set_tests_properties(${F_NAME}_runs PROPERTIES TIMEOUT ${F_TIMEOUT} LABELS "fuzz;${F_LABELS}"
    ENVIRONMENT "ASAN_OPTIONS=detect_leaks=1;UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1")
endfunction()
