/*
 * test_redact.c: orchestrator/redact.c on its own: secrets of the secrets
 * analyzer's rules masked wherever they occur in a text (every occurrence,
 * several kinds, across lines), text without one untouched, every string of
 * a JSON document (nested values and keys) redacted and the JSON still valid.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <jansson.h>
#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>

#include "common/error.h"
#include "orchestrator/redact.h"

#define GH "ghp_ErQHQwjyaxErPZDS3MoJaQNjCxkv5ndK0meG"
#define AWS_ID "AKIAZ7QW3RT5YU8IOP2D"

static void text_masked_everywhere(void **state)
{
    (void)state;
    const char *in = "token " GH " again:" GH "\nexport AWS_ACCESS_KEY_ID=" AWS_ID "\nbye\n";
    char *out = NULL;
    assert_int_equal(redact_text(in, strlen(in), &out), AL_OK);
    assert_non_null(out);
    assert_null(strstr(out, GH));
    assert_null(strstr(out, AWS_ID));
    assert_non_null(strstr(out, "token ghp_" REDACT_MARK "secrets.github_token] again:ghp_" REDACT_MARK));
    assert_non_null(strstr(out, "\nbye\n"));
    free(out);
}

static void clean_text_untouched(void **state)
{
    (void)state;
    const char *in = "def add(a, b):\n    return a + b\nghp_short\n";
    char *out = (char *)1;
    assert_int_equal(redact_text(in, strlen(in), &out), AL_OK);
    assert_null(out);
    assert_int_equal(redact_json("{\"output\": \"all 3 tests passed\", \"n\": [1, 2]}", &out), AL_OK);
    assert_null(out);
}

static void json_strings_and_keys(void **state)
{
    (void)state;
    const char *in = "{\"argv\": [\"curl\", \"-H\", \"Authorization: token " GH "\"], "
                     "\"nested\": {\"" GH "\": {\"content\": \"x=1\\n" GH "\\n\"}}, \"exit\": 0}";
    char *out = NULL;
    assert_int_equal(redact_json(in, &out), AL_OK);
    assert_non_null(out);
    assert_null(strstr(out, GH));
    json_t *j = json_loads(out, 0, NULL);
    assert_non_null(j);
    assert_int_equal(json_integer_value(json_object_get(j, "exit")), 0);
    assert_string_equal(json_string_value(json_array_get(json_object_get(j, "argv"), 0)), "curl");
    json_decref(j);
    free(out);
    assert_int_equal(redact_json("{not json", &out), AL_EINVAL);
    char *keep = strdup("{\"a\": \"" GH "\"}");
    redact_json_inplace(&keep);
    assert_null(strstr(keep, GH));
    free(keep);
}

/* A job's patch_b64 (the bytes of a patch in Latin-1): the secret inside
 * the base64 is masked in the decoded bytes, which stay Latin-1. */
static void patch_b64_redacted_in_its_bytes(void **state)
{
    (void)state;
    const char *in = "{\"patch_b64\": \"Ky8qIEr8cmdlbiAqLwordG9rZW4gPSAiZ2hwX0VyUUhRd2p5YXhFclBaRFMzTW9KYVFOakN4a3Y1"
                     "bmRLMG1lRyIK\", \"test\": \"true\"}";
    char *out = NULL;
    assert_int_equal(redact_json(in, &out), AL_OK);
    assert_non_null(out);
    json_t *j = json_loads(out, 0, NULL);
    assert_non_null(j);
    const char *b64 = json_string_value(json_object_get(j, "patch_b64"));
    assert_non_null(b64);
    unsigned char bytes[256];
    int n = EVP_DecodeBlock(bytes, (const unsigned char *)b64, (int)strlen(b64));
    assert_true(n > 0);
    bytes[n] = '\0';
    assert_null(strstr((char *)bytes, GH));
    assert_non_null(strstr((char *)bytes, "token = \"ghp_" REDACT_MARK "secrets.github_token]\""));
    assert_non_null(strstr((char *)bytes, "+/* J\xfcrgen */\n"));
    json_decref(j);
    free(out);
    /* an event's file name's exact bytes (path_raw_b64): the same */
    assert_int_equal(redact_json("{\"path_raw_b64\": \"Z2hwX0VyUUhRd2p5YXhFclBaRFMzTW9KYVFOakN4a3Y1bmRLMG1lR/8udHh0\"}",
                                 &out), AL_OK);
    assert_non_null(out);
    assert_null(strstr(out, "Z2hwX0VyUUhRd2p5YXhFclBaRFMzTW9KYVFOakN4a3Y1bmRLMG1lR"));
    free(out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(text_masked_everywhere),
        cmocka_unit_test(clean_text_untouched),
        cmocka_unit_test(json_strings_and_keys),
        cmocka_unit_test(patch_b64_redacted_in_its_bytes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
