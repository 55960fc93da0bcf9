/* test_config.c: defaults, file, environment and set precedence; validation; redaction. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/config.h"
#include "common/error.h"

static const al_config_def_t defs[] = {
    { "endpoint", AL_CFG_STR, "tcp://127.0.0.1:5555", 0, 0, 0, "worker endpoint" },
    { "slots", AL_CFG_INT, "2", 1, 64, 0, "concurrent tasks" },
    { "insecure", AL_CFG_BOOL, "false", 0, 0, 0, "allow host driver" },
    { "db_password", AL_CFG_STR, NULL, 0, 0, AL_CFG_SECRET, "database password" },
    { "name", AL_CFG_STR, NULL, 0, 0, AL_CFG_REQUIRED, "worker name" },
};
#define NDEFS (sizeof defs / sizeof defs[0])

static char *write_tmp(const char *text)
{
    char *path = strdup("/tmp/airlock-cfg-XXXXXX");
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
    return path;
}

static void precedence_default_file_env_set(void **state)
{
    (void)state;
    al_config_t *cfg = al_config_new(defs, NDEFS);
    char *path = write_tmp("# comment\nslots = 4\nname = \"w one\"\nendpoint=tcp://file:1\n");
    assert_int_equal(al_config_load_file(cfg, path), AL_OK);
    setenv("AIRLOCK_ENDPOINT", "tcp://env:2", 1);
    assert_int_equal(al_config_load_env(cfg), AL_OK);
    unsetenv("AIRLOCK_ENDPOINT");
    assert_int_equal(al_config_set(cfg, "insecure", "yes"), AL_OK);
    assert_int_equal(al_config_validate(cfg), AL_OK);
    assert_string_equal(al_config_str(cfg, "endpoint"), "tcp://env:2");
    assert_int_equal(al_config_int(cfg, "slots"), 4);
    assert_string_equal(al_config_str(cfg, "name"), "w one");
    assert_true(al_config_bool(cfg, "insecure"));
    unlink(path);
    free(path);
    al_config_destroy(&cfg);
    assert_null(cfg);
}

static void errors_name_key_and_source(void **state)
{
    (void)state;
    al_config_t *cfg = al_config_new(defs, NDEFS);
    char *path = write_tmp("name = x\nslots = 100\n");
    assert_int_equal(al_config_load_file(cfg, path), AL_OK);
    assert_int_equal(al_config_validate(cfg), AL_ECONFIG);
    assert_non_null(strstr(al_err_msg(), "slots"));
    assert_non_null(strstr(al_err_msg(), "outside [1, 64]"));
    assert_non_null(strstr(al_err_msg(), path));
    unlink(path);
    free(path);

    path = write_tmp("nmae = typo\n");
    assert_int_equal(al_config_load_file(cfg, path), AL_ECONFIG);
    assert_non_null(strstr(al_err_msg(), "unknown setting 'nmae'"));
    assert_non_null(strstr(al_err_msg(), ":1:"));
    unlink(path);
    free(path);

    path = write_tmp("just words\n");
    assert_int_equal(al_config_load_file(cfg, path), AL_ECONFIG);
    unlink(path);
    free(path);

    assert_int_equal(al_config_load_file(cfg, "/nonexistent/airlock.conf"), AL_EIO);
    assert_int_equal(al_config_set(cfg, "bogus", "1"), AL_ECONFIG);
    al_config_destroy(&cfg);
}

static void type_and_required_checks(void **state)
{
    (void)state;
    al_config_t *cfg = al_config_new(defs, NDEFS);
    assert_int_equal(al_config_validate(cfg), AL_ECONFIG);
    assert_non_null(strstr(al_err_msg(), "name: required"));
    al_config_set(cfg, "name", "w");
    al_config_set(cfg, "slots", "3x");
    assert_int_equal(al_config_validate(cfg), AL_ECONFIG);
    assert_non_null(strstr(al_err_msg(), "not an integer"));
    al_config_set(cfg, "slots", "3");
    al_config_set(cfg, "insecure", "maybe");
    assert_int_equal(al_config_validate(cfg), AL_ECONFIG);
    assert_non_null(strstr(al_err_msg(), "not a boolean"));
    al_config_destroy(&cfg);
}

static void secrets_are_redacted_when_printed(void **state)
{
    (void)state;
    al_config_t *cfg = al_config_new(defs, NDEFS);
    al_config_set(cfg, "name", "w");
    al_config_set(cfg, "db_password", "hunter2-very-secret");
    assert_int_equal(al_config_validate(cfg), AL_OK);
    char *buf = NULL;
    size_t len = 0;
    FILE *mem = open_memstream(&buf, &len);
    al_config_print(cfg, mem);
    fclose(mem);
    assert_null(strstr(buf, "hunter2"));
    assert_non_null(strstr(buf, "db_password = <redacted>"));
    assert_non_null(strstr(buf, "slots = 2  # default"));
    free(buf);
    al_config_destroy(&cfg);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(precedence_default_file_env_set),
        cmocka_unit_test(errors_name_key_and_source),
        cmocka_unit_test(type_and_required_checks),
        cmocka_unit_test(secrets_are_redacted_when_printed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
