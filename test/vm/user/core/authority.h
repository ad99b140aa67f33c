/*
 * authority.h — what the authority tests (authority_*.c, 830-879) share
 * besides the proxy task (proxy.h): the check that a refused call changed
 * nothing.
 */
#ifndef CORE_TESTS_AUTHORITY_H
#define CORE_TESTS_AUTHORITY_H

#include "core.h"

/*
 * Makes system call `eax` with a0-a3 in the root task and checks that it
 * fails with -`error` and leaves the root's slots, the memory counts, the
 * boot heap and the ledger of the heap in slot `heap` as they were.
 */
void authority_refused(struct test_result *result, const char *what, uint32_t eax, uint32_t a0, uint32_t a1,
                       uint32_t a2, uint32_t a3, int error, unsigned heap);

#endif /* CORE_TESTS_AUTHORITY_H */
