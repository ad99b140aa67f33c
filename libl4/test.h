/*
 * test.h — tests that run as user programs in the VM, in the same form as
 * the kernel's (test/vm/kernel_test.h). A test registers itself with
 * USER_TEST(id, name); user_tests_run_all() runs every registered test in
 * id order and prints the lines of bursar/test_protocol.h:
 *
 *     tests N
 *     ok ID name                  or   not ok ID name - file:line: reason
 *     tests done: N ran
 *
 *     USER_TEST(3, endpoint_round_trip)
 *     {
 *         TEST_CHECK_EQUAL(l4_create(...), 0, "create the endpoint");
 *         TEST_CHECK(tag == expected, "reply tag %x", tag);
 *     }
 *
 * A failed check records the reason and returns from the test.
 */
#ifndef LIBL4_TEST_H
#define LIBL4_TEST_H

#include <stdbool.h>
#include <stdint.h>

struct test_result {
    bool failed;
    char reason[160];
};

struct user_test {
    uint32_t id;
    const char *name;
    void (*run)(struct test_result *result);
    bool ran;
};

/* Tests live in the section .user_tests, which libl4/user.ld gathers. */
#define USER_TEST(id_, name_)                                                      \
    static void name_(struct test_result *result);                                 \
    static struct user_test user_test_##name_                                      \
        __attribute__((section(".user_tests"), used, aligned(4))) =                \
        { (id_), #name_, name_, false };                                           \
    static void name_(struct test_result *result)

/* Records the first failure with a reason; later ones are ignored. */
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

/*
 * If set, called after every test with that test's result, before its line
 * is printed: a place to check invariants that every test must keep (it may
 * use TEST_CHECK, and a failure there fails the test).
 */
extern void (*user_test_after)(struct test_result *result);

/* Runs every test; true if all ran and passed and no two share an id. */
bool user_tests_run_all(void);

#endif /* LIBL4_TEST_H */
