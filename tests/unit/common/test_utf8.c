/*
 * test_utf8.c: common/utf8.h: what is valid UTF-8, and the repair that
 * makes bytes text (U+FFFD for each stray byte, nothing else changed).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include <stdlib.h>

#include "common/utf8.h"

static void test_valid(void **state)
{
    (void)state;
    assert_true(al_utf8_valid(""));
    assert_true(al_utf8_valid("plain.txt"));
    assert_true(al_utf8_valid("caf\xc3\xa9/\xe2\x82\xac/\xf0\x9f\x98\x80"));
    assert_false(al_utf8_valid("bad\xffname.txt"));          /* a byte never in UTF-8 */
    assert_false(al_utf8_valid("latin1-caf\xe9.txt"));       /* a lead byte without its tail */
    assert_false(al_utf8_valid("\xc0\xaf"));                 /* overlong '/' */
    assert_false(al_utf8_valid("\xed\xa0\x80"));             /* a surrogate */
    assert_false(al_utf8_valid("\xf4\x90\x80\x80"));         /* over U+10FFFF */
    assert_false(al_utf8_valid("\xf5\x80\x80"));             /* never a lead byte (0xf5..0xff) */
    assert_false(al_utf8_valid("\xf7\x80\x80\x80"));
    assert_false(al_utf8_valid("\xe2\x82"));                 /* cut short */
}

static void test_repair(void **state)
{
    (void)state;
    char *r = al_utf8_repair("bad\xffname.txt");
    assert_string_equal(r, "bad\xef\xbf\xbdname.txt");
    free(r);
    r = al_utf8_repair("\xe9t\xc3\xa9\xc0\xaf");   /* each stray byte its own U+FFFD; valid ones kept */
    assert_string_equal(r, "\xef\xbf\xbdt\xc3\xa9\xef\xbf\xbd\xef\xbf\xbd");
    assert_true(al_utf8_valid(r));
    free(r);
    r = al_utf8_repair("ok \xe2\x82\xac");
    assert_string_equal(r, "ok \xe2\x82\xac");
    free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_valid),
        cmocka_unit_test(test_repair),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
