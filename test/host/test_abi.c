/*
 * test_abi.c — host checks of the encodings in include/bursar/ that user
 * code computes itself: message tags and timeout codes.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "bursar/fault.h"     /* its layout asserts, compiled for the host too */
#include "bursar/message.h"

/* What the kernel reads back from a code (kernel/ipc.c timeout_ticks, in ms). */
static unsigned decoded_ms(unsigned code)
{
    static const unsigned scale[4] = { 1, 10, 100, 1000 };

    return BURSAR_TIMEOUT_MANTISSA(code) * scale[BURSAR_TIMEOUT_SCALE(code)];
}

static void test_relative_timeouts_never_end_early(void **state)
{
    (void)state;
    for (unsigned ms = 1; ms <= 1023000; ms += 7) {
        unsigned code = BURSAR_TIMEOUT_MS(ms);
        assert_int_not_equal(code, BURSAR_TIMEOUT_NEVER);
        assert_int_not_equal(BURSAR_TIMEOUT_MANTISSA(code), 0);      /* not the zero timeout */
        assert_true(decoded_ms(code) >= ms);
        assert_true(decoded_ms(code) <= ms + ms / 100 + 1000);      /* and not much later */
    }
}

static void test_special_timeouts(void **state)
{
    (void)state;
    assert_int_equal(BURSAR_TIMEOUT_MS(0), BURSAR_TIMEOUT_ZERO);
    assert_int_equal(BURSAR_TIMEOUT_MANTISSA(BURSAR_TIMEOUT_ZERO), 0);
    assert_int_equal(BURSAR_TIMEOUT_MS(1023), 1023);
    assert_int_equal(decoded_ms(BURSAR_TIMEOUT_MS(5000000)), 1023000);   /* saturates */
}

static void test_tag_fields_round_trip(void **state)
{
    (void)state;
    unsigned tag = BURSAR_TAG(0xbeef, 64, 8);
    assert_int_equal(BURSAR_TAG_LABEL(tag), 0xbeef);
    assert_int_equal(BURSAR_TAG_UNTYPED(tag), 64);
    assert_int_equal(BURSAR_TAG_TYPED(tag), 8);
    assert_int_equal(tag & BURSAR_TAG_ERROR, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_relative_timeouts_never_end_early),
        cmocka_unit_test(test_special_timeouts),
        cmocka_unit_test(test_tag_fields_round_trip),
    };
    return cmocka_run_group_tests_name("abi", tests, NULL, NULL);
}
