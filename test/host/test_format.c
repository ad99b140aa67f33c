/*
 * test_format.c — host tests of lib/format.c, the printf engine shared by
 * the kernel and libl4.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "lib/format.h"

static void test_integers(void **state)
{
    (void)state;
    char b[64];
    format_to_buffer(b, sizeof b, "%d %i %u", -42, 7, 4000000000u);
    assert_string_equal(b, "-42 7 4000000000");
    format_to_buffer(b, sizeof b, "%x %X %08x", 0xbeefu, 0xbeefu, 0x1234u);
    assert_string_equal(b, "beef BEEF 00001234");
    format_to_buffer(b, sizeof b, "%lld %llu %llx", -9000000000LL, 18446744073709551615ULL, 0x123456789abcULL);
    assert_string_equal(b, "-9000000000 18446744073709551615 123456789abc");
    format_to_buffer(b, sizeof b, "%d", (int)INT32_MIN);
    assert_string_equal(b, "-2147483648");
}

static void test_padding(void **state)
{
    (void)state;
    char b[64];
    format_to_buffer(b, sizeof b, "[%5d][%-5d][%05d][%-4s][%4s]", 42, 42, -42, "ab", "ab");
    assert_string_equal(b, "[   42][42   ][-0042][ab  ][  ab]");
}

static void test_strings_chars_pointers(void **state)
{
    (void)state;
    char b[64];
    const char *volatile missing = NULL;   /* hidden from the format checker */
    format_to_buffer(b, sizeof b, "%s %c %%", "hi", 'x');
    assert_string_equal(b, "hi x %");
    format_to_buffer(b, sizeof b, "%s", missing);
    assert_string_equal(b, "(null)");
    format_to_buffer(b, sizeof b, "%p", (void *)(uintptr_t)0xc0100000u);
    assert_string_equal(b, "0xc0100000");
}

static void test_truncation_reports_full_length(void **state)
{
    (void)state;
    char b[6];
    int n = format_to_buffer(b, sizeof b, "%s", "0123456789");
    assert_int_equal(n, 10);
    assert_string_equal(b, "01234");
    assert_int_equal(format_to_buffer(b, 0, "abc"), 3);
}

/* The point of this test is a format the compiler would refuse as a literal. */
#pragma GCC diagnostic ignored "-Wformat-security"
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
static void test_unknown_conversion_is_printed(void **state)
{
    (void)state;
    char b[16];
    /* Through a variable: the compiler would rightly reject the literal. */
    const char *odd = "%q|%";
    format_to_buffer(b, sizeof b, odd);
    assert_string_equal(b, "%q|");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_integers),
        cmocka_unit_test(test_padding),
        cmocka_unit_test(test_strings_chars_pointers),
        cmocka_unit_test(test_truncation_reports_full_length),
        cmocka_unit_test(test_unknown_conversion_is_printed),
    };
    return cmocka_run_group_tests_name("format", tests, NULL, NULL);
}
