/*
 * test.h — the one in-VM test framework, used in the kernel (KERNEL_TEST,
 * test/vm/kernel_test.h) and in user programs (USER_TEST, libl4/user_test.h).
 * A test registers itself in a linker section with an id; test_run_all()
 * runs every registered test in id order, prints the lines of
 * bursar/console_protocol.h and ends by checking that every test ran:
 *
 *     tests N
 *     ok ID name                  or   not ok ID name - file:line: reason
 *     tests done: N ran
 *
 * A failed check records the reason and returns from the test.
 */
#ifndef LIB_TEST_H
#define LIB_TEST_H

#include <stdbool.h>
#include <stdint.h>

struct test_result {
    bool failed;
    char reason[160];
};

struct test_case {
    uint32_t id;
    const char *name;
    void (*run)(struct test_result *result);
    bool ran;
};

/* Register a test in the section `section_name`, which a linker script gathers. */
#define TEST_CASE(section_name, id_, name_)                                           \
    static void name_(struct test_result *result);                                 \
    static struct test_case test_case_##name_                                      \
        __attribute__((section(section_name), used, aligned(4))) =                 \
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

/*
 * `actual` is evaluated once: it is often a system call, which a failure
 * message must not make a second time. `expected` (a value) is compared
 * as written, so the usual conversions apply as in a plain ==.
 */
#define TEST_CHECK_EQUAL(actual, expected, what)                                   \
    TEST_CHECK_EQUAL_FMT(actual, expected, "%s", (what))

/* The same with a printf-style description (at least one argument). */
#define TEST_CHECK_EQUAL_FMT(actual, expected, format, ...)                        \
    do {                                                                           \
        __typeof__(actual) actual_ = (actual);                                     \
        TEST_CHECK(actual_ == (expected), format ": got %lld, expected %lld",      \
                   __VA_ARGS__, (long long)actual_, (long long)(expected));        \
    } while (0)

struct test_suite {
    struct test_case *start, *end;                 /* the section's bounds */
    /* Optional: after every test, before its line; may fail the test. */
    void (*after)(struct test_result *result);
    int (*print)(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
};

/* Runs every test; true if all ran and passed and no two share an id. */
bool test_run_all(const struct test_suite *suite);

/*
 * xorshift32 for the fuzzing tests: a deterministic sequence from a seed, so
 * a failure can be replayed. *state must not be 0.
 */
static inline uint32_t test_random(uint32_t *state)
{
    *state ^= *state << 13;
    *state ^= *state >> 17;
    *state ^= *state << 5;
    return *state;
}

#endif /* LIB_TEST_H */
