/*
 * test_proto_reject.c: every decoder rejection class, with hand-built msgpack
 * inputs (proto_cases.c), and the corpus of hostile inputs under
 * tests/corpus/proto/ (each file name says the channel and the expected
 * class). `test_proto_reject --write-corpus DIR` (re)writes the corpus from
 * the case table plus one valid seed per message type for the fuzzer.
 */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "common/error.h"
#include "common/proto/proto.h"
#include "proto_testlib.h"

#define CORPUS_DIR AIRLOCK_SOURCE_DIR "/tests/corpus/proto"

/* Decodes on ch and checks the outcome; a valid input must also survive
 * encode -> decode unchanged. Returns 0 when as expected. */
static int check_one(const char *what, proto_channel_t ch, proto_err_t expect, const char *msg, const char *buf,
                     size_t len)
{
    proto_msg_t *out = NULL, *again = NULL;
    char *bytes = NULL;
    size_t blen = 0;
    int rc = proto_decode(ch, buf, len, &out);
    if (expect == PROTO_ERR_NONE) {
        if (rc != 0) {
            print_error("%s: expected success, got %s\n", what, al_err_msg());
            return -1;
        }
        rc = proto_encode(out, &bytes, &blen);
        if (rc == 0)
            rc = proto_decode(ch, bytes, blen, &again);
        if (rc != 0 || !proto_msg_equal(out, again))
            print_error("%s: re-encode round trip failed: %s\n", what, al_err_msg());
        free(bytes);
        proto_msg_destroy(&out);
        proto_msg_destroy(&again);
        return rc != 0 ? -1 : 0;
    }
    if (rc != AL_EPROTO || out || proto_last_error() != expect) {
        print_error("%s: expected %s, got rc=%d class=%s msg=%s\n", what, proto_err_name(expect), rc,
                    proto_err_name(proto_last_error()), al_err_msg());
        proto_msg_destroy(&out);
        return -1;
    }
    if (msg && strcmp(msg, al_err_msg()) != 0) {
        print_error("%s: expected message \"%s\", got \"%s\"\n", what, msg, al_err_msg());
        return -1;
    }
    return 0;
}

static void test_every_case(void **state)
{
    (void)state;
    int failures = 0;
    bool seen[PROTO_ERR_MALFORMED + 1] = {0};
    for (size_t i = 0; i < ptest_ncases; i++) {
        char *buf = NULL;
        size_t len = 0;
        assert_int_equal(ptest_case_bytes(&ptest_cases[i], &buf, &len), 0);
        failures += check_one(ptest_cases[i].name, ptest_cases[i].ch, ptest_cases[i].expect, ptest_cases[i].msg,
                              buf, len) != 0;
        seen[ptest_cases[i].expect] = true;
        free(buf);
    }
    assert_int_equal(failures, 0);
    for (int e = PROTO_ERR_NONE; e <= PROTO_ERR_MALFORMED; e++) /* every class is exercised */
        if (!seen[e])
            fail_msg("no case for %s", proto_err_name((proto_err_t)e));
}

/* Every corpus file decodes as its name says (and the other channel never
 * crashes on it). */
static void test_corpus(void **state)
{
    (void)state;
    DIR *dir = opendir(CORPUS_DIR);
    struct dirent *e;
    size_t files = 0;
    int failures = 0;
    assert_non_null(dir);
    while ((e = readdir(dir)) != NULL) {
        proto_channel_t ch;
        proto_err_t expect;
        char path[1024];
        size_t len = 0;
        if (e->d_name[0] == '.' || ptest_corpus_parse(e->d_name, &ch, &expect) != 0)
            continue;
        snprintf(path, sizeof path, "%s/%s", CORPUS_DIR, e->d_name);
        char *buf = ptest_read_file(path, &len);
        assert_non_null(buf);
        failures += check_one(e->d_name, ch, expect, NULL, buf, len) != 0;
        proto_msg_t *out = NULL;
        (void)proto_decode(ch == PROTO_CH_WORKER ? PROTO_CH_CLIENT : PROTO_CH_WORKER, buf, len, &out);
        proto_msg_destroy(&out);
        free(buf);
        files++;
    }
    closedir(dir);
    assert_int_equal(failures, 0);
    assert_true(files >= ptest_ncases + PROTO_TYPE_COUNT);
}

/* The committed corpus holds exactly the bytes of the current case table. */
static void test_corpus_matches_cases(void **state)
{
    (void)state;
    for (size_t i = 0; i < ptest_ncases; i++) {
        const ptest_case_t *c = &ptest_cases[i];
        char name[256], path[1024], *want = NULL, *have;
        size_t want_len = 0, have_len = 0;
        ptest_corpus_name(name, sizeof name, c->ch, c->expect, c->name);
        snprintf(path, sizeof path, "%s/%s", CORPUS_DIR, name);
        have = ptest_read_file(path, &have_len);
        if (!have)
            fail_msg("%s missing: run test_proto_reject --write-corpus %s", path, CORPUS_DIR);
        assert_int_equal(ptest_case_bytes(c, &want, &want_len), 0);
        if (have_len != want_len || memcmp(have, want, want_len) != 0)
            fail_msg("%s differs from the case table: run test_proto_reject --write-corpus", path);
        free(want);
        free(have);
    }
}

static int write_file(const char *dir, const char *name, const char *buf, size_t len)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(buf, 1, len, f) != len) {
        fprintf(stderr, "cannot write %s\n", path);
        if (f)
            fclose(f);
        return -1;
    }
    return fclose(f) == 0 ? 0 : -1;
}

static int write_corpus(const char *dir)
{
    char name[256], *buf;
    size_t len;
    int rc = 0;
    for (size_t i = 0; i < ptest_ncases && rc == 0; i++) {
        const ptest_case_t *c = &ptest_cases[i];
        ptest_corpus_name(name, sizeof name, c->ch, c->expect, c->name);
        rc = ptest_case_bytes(c, &buf, &len) == 0 ? write_file(dir, name, buf, len) : -1;
        free(buf);
    }
    for (size_t i = 0; i < PROTO_TYPE_COUNT && rc == 0; i++) { /* one valid seed per type */
        proto_msg_t *m = proto_msg_new(proto_msg_table[i].type);
        char stem[64];
        snprintf(stem, sizeof stem, "full_%s", proto_msg_table[i].symbol + strlen("PROTO_"));
        ptest_corpus_name(name, sizeof name, proto_msg_table[i].channel, PROTO_ERR_NONE, stem);
        rc = (m && ptest_fill(m, 2) == 0 && proto_encode(m, &buf, &len) == 0) ? write_file(dir, name, buf, len) : -1;
        if (rc == 0)
            free(buf);
        proto_msg_destroy(&m);
    }
    return rc == 0 ? 0 : 1;
}

int main(int argc, char **argv)
{
    if (argc == 3 && strcmp(argv[1], "--write-corpus") == 0)
        return write_corpus(argv[2]);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_case),
        cmocka_unit_test(test_corpus),
        cmocka_unit_test(test_corpus_matches_cases),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
