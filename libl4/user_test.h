/*
 * user_test.h — tests that run as user programs in the VM: USER_TEST(id, name)
 * registers a test (lib/test.h has the checks and the line format), and
 * user_tests_run_all() runs them all.
 *
 *     USER_TEST(3, endpoint_round_trip)
 *     {
 *         TEST_CHECK_EQUAL(l4_create(...), 0, "create the endpoint");
 *         TEST_CHECK(tag == expected, "reply tag %x", tag);
 *     }
 */
#ifndef LIBL4_USER_TEST_H
#define LIBL4_USER_TEST_H

#include "lib/test.h"

/* Tests live in the section .user_tests, which libl4/user.ld gathers. */
#define USER_TEST(id_, name_) TEST_CASE(".user_tests", id_, name_)

/*
 * If set, called after every test with that test's result, before its line
 * is printed: a place to check invariants that every test must keep (it may
 * use TEST_CHECK, and a failure there fails the test).
 */
extern void (*user_test_after)(struct test_result *result);

/* Runs every test; true if all ran and passed and no two share an id. */
bool user_tests_run_all(void);

#endif /* LIBL4_USER_TEST_H */
