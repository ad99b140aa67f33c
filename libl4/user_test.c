/*
 * user_test.c — runs the program's USER_TESTs (libl4/user_test.h) with lib/test.c,
 * printing through libl4's printf.
 */
#include "libl4/printf.h"
#include "libl4/user_test.h"

/* The bounds of the .user_tests section (libl4/user.ld). */
extern struct test_case user_tests_start[], user_tests_end[];

void (*user_test_after)(struct test_result *result);

bool user_tests_run_all(void)
{
    struct test_suite suite = { user_tests_start, user_tests_end, user_test_after, printf };
    bool passed = test_run_all(&suite);

    printf_flush();
    return passed;
}
