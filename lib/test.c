/*
 * test.c — the runner behind KERNEL_TEST and USER_TEST (lib/test.h).
 */
#include "lib/test.h"

#include <stdarg.h>

#include "bursar/console_protocol.h"
#include "lib/format.h"

void test_fail(struct test_result *result, const char *file, int line, const char *fmt, ...)
{
    char message[120];
    va_list args;

    if (result->failed)
        return;
    result->failed = true;
    va_start(args, fmt);
    format_to_buffer_va(message, sizeof message, fmt, args);
    va_end(args);
    format_to_buffer(result->reason, sizeof result->reason, "%s:%d: %s", file, line, message);
}

static unsigned registered(const struct test_suite *suite)
{
    return (unsigned)(suite->end - suite->start);
}

/* The registered test with the smallest id above `after` (ids are unique). */
static struct test_case *next_test(const struct test_suite *suite, uint32_t after, bool first)
{
    struct test_case *best = 0;

    for (struct test_case *t = suite->start; t < suite->end; t++)
        if ((first || t->id > after) && (!best || t->id < best->id))
            best = t;
    return best;
}

/* Two tests with one id would make one of them never run; say which. */
static bool ids_are_unique(const struct test_suite *suite)
{
    bool unique = true;

    for (struct test_case *a = suite->start; a < suite->end; a++)
        for (struct test_case *b = a + 1; b < suite->end; b++)
            if (a->id == b->id) {
                suite->print("tests %s and %s share id %u\n", a->name, b->name, (unsigned)a->id);
                unique = false;
            }
    return unique;
}

static bool run_one(const struct test_suite *suite, struct test_case *test)
{
    struct test_result result = { 0 };

    test->run(&result);
    if (suite->after)
        suite->after(&result);
    test->ran = true;
    if (result.failed)
        suite->print(BURSAR_TEST_NOT_OK " %u %s - %s\n", (unsigned)test->id, test->name, result.reason);
    else
        suite->print(BURSAR_TEST_OK " %u %s\n", (unsigned)test->id, test->name);
    return !result.failed;
}

static unsigned count_ran(const struct test_suite *suite)
{
    unsigned ran = 0;

    for (struct test_case *test = suite->start; test < suite->end; test++) {
        if (test->ran)
            ran++;
        else
            suite->print("test %u %s never ran\n", (unsigned)test->id, test->name);
    }
    return ran;
}

bool test_run_all(const struct test_suite *suite)
{
    unsigned failures = 0, ran;

    if (!ids_are_unique(suite))
        return false;
    suite->print(BURSAR_TEST_PLAN " %u\n", registered(suite));
    for (struct test_case *test = next_test(suite, 0, true); test; test = next_test(suite, test->id, false))
        if (!run_one(suite, test))
            failures++;
    ran = count_ran(suite);
    suite->print(BURSAR_TEST_DONE ": %u ran\n", ran);
    return failures == 0 && ran == registered(suite);
}
