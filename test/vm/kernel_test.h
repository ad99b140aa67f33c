/*
 * kernel_test.h — in-VM tests that run inside the kernel image. A test
 * registers itself with KERNEL_TEST(id, name); the runner (runner.c) runs
 * every registered test in id order, prints one line each in the words of
 * bursar/test_protocol.h, and ends by checking that every one ran.
 */
#ifndef TEST_VM_KERNEL_TEST_H
#define TEST_VM_KERNEL_TEST_H

#include <stdbool.h>
#include <stdint.h>

struct test_result {
    bool failed;
    char reason[160];
};

struct kernel_test {
    uint32_t id;
    const char *name;
    void (*run)(struct test_result *result);
    bool ran;
};

#define KERNEL_TEST(id_, name_)                                                    \
    static void name_(struct test_result *result);                                 \
    static struct kernel_test kernel_test_##name_                                  \
        __attribute__((section(".kernel_tests"), used, aligned(4))) =              \
        { (id_), #name_, name_, false };                                           \
    static void name_(struct test_result *result)

/* Record the first failure with a reason; the test goes on (or returns). */
void test_fail(struct test_result *result, const char *file, int line, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

#define TEST_CHECK(condition, ...)                                                 \
    do {                                                                           \
        if (!(condition)) {                                                        \
            test_fail(result, __FILE__, __LINE__, __VA_ARGS__);                    \
            return;                                                                \
        }                                                                          \
    } while (0)

#define TEST_CHECK_EQUAL(actual, expected, what)                                   \
    TEST_CHECK((actual) == (expected), "%s: got %lld, expected %lld", (what),      \
               (long long)(actual), (long long)(expected))

#endif
