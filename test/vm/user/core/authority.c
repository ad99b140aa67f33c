/*
 * authority.c — the shared check of the authority tests (authority.h).
 */
#include "authority.h"

#include "libl4/string.h"

void authority_refused(struct test_result *result, const char *what, uint32_t eax, uint32_t a0, uint32_t a1,
                       uint32_t a2, uint32_t a3, int error, unsigned heap)
{
    static struct core_snapshot before, after;
    struct bursar_heap_info heap_before, heap_after;

    TEST_CHECK_EQUAL_FMT(l4_heap_info(heap, &heap_before), 0, "%s: heap info", what);
    core_snapshot_take(&before);
    TEST_CHECK_EQUAL_FMT(l4_sysenter(eax, a0, a1, a2, a3), -error, "%s", what);
    core_snapshot_take(&after);
    TEST_CHECK_EQUAL_FMT(l4_heap_info(heap, &heap_after), 0, "%s: heap info", what);
    TEST_CHECK_EQUAL_FMT(core_snapshot_compare(&before, &after), 0, "%s: changed something", what);
    TEST_CHECK(memcmp(&heap_before, &heap_after, sizeof heap_before) == 0, "%s: the heap's ledger changed", what);
}
