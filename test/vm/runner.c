/*
 * runner.c — the hand-over of the test image: runs every registered
 * KERNEL_TEST in id order and leaves QEMU with the success code only if the
 * run finished, every test ran, and none failed.
 */
#include "bursar/test_protocol.h"
#include "kernel/boot.h"
#include "kernel/console.h"
#include "kernel/machine.h"
#include "lib/format.h"
#include "test/vm/kernel_test.h"

extern struct kernel_test kernel_tests_start[], kernel_tests_end[];

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

static uint32_t registered_test_count(void)
{
    return (uint32_t)(kernel_tests_end - kernel_tests_start);
}

/* The registered test with the smallest id above `after` (ids are unique). */
static struct kernel_test *next_test(uint32_t after, bool first)
{
    struct kernel_test *best = 0;

    for (struct kernel_test *t = kernel_tests_start; t < kernel_tests_end; t++)
        if ((first || t->id > after) && (!best || t->id < best->id))
            best = t;
    return best;
}

static void check_unique_ids(void)
{
    for (struct kernel_test *a = kernel_tests_start; a < kernel_tests_end; a++)
        for (struct kernel_test *b = a + 1; b < kernel_tests_end; b++)
            if (a->id == b->id)
                panic("tests %s and %s share id %u", a->name, b->name, a->id);
}

static bool run_one(struct kernel_test *test)
{
    struct test_result result = { 0 };

    test->run(&result);
    test->ran = true;
    if (result.failed)
        kprintf(BURSAR_TEST_NOT_OK " %u %s - %s\n", test->id, test->name, result.reason);
    else
        kprintf(BURSAR_TEST_OK " %u %s\n", test->id, test->name);
    return !result.failed;
}

void boot_hand_over(void)
{
    uint32_t failures = 0, ran = 0;
    struct kernel_test *test;

    check_unique_ids();
    kprintf(BURSAR_TEST_PLAN " %u\n", registered_test_count());
    for (test = next_test(0, true); test; test = next_test(test->id, false)) {
        if (!run_one(test))
            failures++;
    }
    for (test = kernel_tests_start; test < kernel_tests_end; test++) {
        if (test->ran)
            ran++;
        else
            kprintf("test %u %s never ran\n", test->id, test->name);
    }
    kprintf(BURSAR_TEST_DONE ": %u ran\n", ran);
    machine_exit(failures == 0 && ran == registered_test_count() ? BURSAR_EXIT_SUCCESS
                                                                  : BURSAR_EXIT_FAILURE);
}
