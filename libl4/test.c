/*
 * test.c — the runner for USER_TEST (libl4/test.h): every registered test
 * in id order, one line each in the words of bursar/test_protocol.h, and a
 * final check that every registered test ran.
 */
#include "libl4/test.h"

#include <stdarg.h>

#include "bursar/test_protocol.h"
#include "lib/format.h"
#include "libl4/printf.h"

/* The bounds of the .user_tests section (libl4/user.ld). */
extern struct user_test user_tests_start[], user_tests_end[];

void (*user_test_after)(struct test_result *result);

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

static unsigned registered_test_count(void)
{
    return (unsigned)(user_tests_end - user_tests_start);
}

/* The registered test with the smallest id above `after` (ids are unique). */
static struct user_test *next_test(uint32_t after, bool first)
{
    struct user_test *best = 0;

    for (struct user_test *t = user_tests_start; t < user_tests_end; t++)
        if ((first || t->id > after) && (!best || t->id < best->id))
            best = t;
    return best;
}

/* Two tests with one id would make one of them never run; say which. */
static bool ids_are_unique(void)
{
    bool unique = true;

    for (struct user_test *a = user_tests_start; a < user_tests_end; a++)
        for (struct user_test *b = a + 1; b < user_tests_end; b++)
            if (a->id == b->id) {
                printf("tests %s and %s share id %u\n", a->name, b->name, (unsigned)a->id);
                unique = false;
            }
    return unique;
}

static bool run_one(struct user_test *test)
{
    struct test_result result = { 0 };

    test->run(&result);
    if (user_test_after)
        user_test_after(&result);
    test->ran = true;
    if (result.failed)
        printf(BURSAR_TEST_NOT_OK " %u %s - %s\n", (unsigned)test->id, test->name, result.reason);
    else
        printf(BURSAR_TEST_OK " %u %s\n", (unsigned)test->id, test->name);
    return !result.failed;
}

static unsigned count_ran(void)
{
    unsigned ran = 0;

    for (struct user_test *test = user_tests_start; test < user_tests_end; test++) {
        if (test->ran)
            ran++;
        else
            printf("test %u %s never ran\n", (unsigned)test->id, test->name);
    }
    return ran;
}

bool user_tests_run_all(void)
{
    unsigned failures = 0, ran;

    if (!ids_are_unique())
        return false;
    printf(BURSAR_TEST_PLAN " %u\n", registered_test_count());
    for (struct user_test *test = next_test(0, true); test; test = next_test(test->id, false))
        if (!run_one(test))
            failures++;
    ran = count_ran();
    printf(BURSAR_TEST_DONE ": %u ran\n", ran);
    printf_flush();
    return failures == 0 && ran == registered_test_count();
}
