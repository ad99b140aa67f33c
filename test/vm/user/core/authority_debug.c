/*
 * authority_debug.c — looking into the kernel needs the debug capability
 * (docs/abi.md §6 "Debugging", §7) [850-851]: SYS_DEBUG_DUMP of every kind,
 * the ledger check included, and SYS_PREEMPT_STATS. A task without it is
 * refused and learns nothing; the root task holds it at boot and passes it
 * on like any capability, with fewer rights or revocably.
 */
#include "core.h"
#include "proxy.h"

#include "libl4/kernel_stats.h"

static const uint32_t dump_kinds[] = {
    BURSAR_DUMP_ALL, BURSAR_DUMP_THREADS, BURSAR_DUMP_HEAPS, BURSAR_DUMP_CHECK, BURSAR_DUMP_CAPABILITY_TREE,
    BURSAR_DUMP_FRAME_TREE, BURSAR_DUMP_CHECK_YIELDING,
};
#define DUMP_KINDS (sizeof dump_kinds / sizeof dump_kinds[0])

/*
 * A task without the capability. Argument 0 names slot 3 (empty in the
 * proxy) and argument 1 is the dump kind: the same registers asked for the
 * check (ebx 3) in the ABI before the capability, so on a kernel without
 * it the first call succeeds.
 */
USER_TEST(850, looking_into_the_kernel_needs_the_debug_capability)
{
    static struct proxy stranger;
    static struct core_snapshot before, after;
    const unsigned empty = 3, endpoint = PROXY_ENDPOINT;

    TEST_CHECK_EQUAL(proxy_start(&stranger, 0), 0, "a task without the debug capability");
    core_snapshot_take(&before);
    TEST_CHECK_EQUAL(proxy_syscall(&stranger, SYS_DEBUG_DUMP, BURSAR_DUMP_CHECK, BURSAR_DUMP_CHECK, 0, 0, 0),
                     -BURSAR_E_EMPTY_SLOT, "the ledger check");
    for (unsigned i = 0; i < DUMP_KINDS; i++) {
        TEST_CHECK_EQUAL_FMT(proxy_syscall(&stranger, SYS_DEBUG_DUMP, empty, dump_kinds[i], 0, 0, 0),
                             -BURSAR_E_EMPTY_SLOT, "dump kind %u through an empty slot", dump_kinds[i]);
        TEST_CHECK_EQUAL_FMT(proxy_syscall(&stranger, SYS_DEBUG_DUMP, endpoint, dump_kinds[i], 0, 0, 0),
                             -BURSAR_E_WRONG_TYPE, "dump kind %u through an endpoint", dump_kinds[i]);
        TEST_CHECK_EQUAL_FMT(proxy_syscall(&stranger, SYS_DEBUG_DUMP, PROXY_SLOTS, dump_kinds[i], 0, 0, 0),
                             -BURSAR_E_INVALID_CAPABILITY, "dump kind %u past the last slot", dump_kinds[i]);
    }
    TEST_CHECK_EQUAL(proxy_syscall(&stranger, SYS_PREEMPT_STATS, 0, 0, 0, 0, 0), -BURSAR_E_WRONG_TYPE,
                     "preemption statistics through an endpoint");
    TEST_CHECK_EQUAL(proxy_syscall(&stranger, SYS_PREEMPT_STATS, empty, 1, 0, 0, 0), -BURSAR_E_EMPTY_SLOT,
                     "a reset of the statistics");
    core_snapshot_take(&after);
    TEST_CHECK_EQUAL(core_snapshot_compare(&before, &after), 0, "the refusals changed something");
}

USER_TEST(851, the_debug_capability_is_passed_on_with_its_rights_and_taken_back)
{
    static struct proxy helper;
    unsigned given = core_slot(), read_only = core_slot(), write_only = core_slot();
    const unsigned debug = PROXY_FIRST_FREE, reader = PROXY_FIRST_FREE + 1;
    struct l4_cap_info cap;
    struct l4_words out;

    TEST_CHECK_EQUAL(l4_cap_inspect(BURSAR_SLOT_DEBUG, &cap), 0, "inspect");
    TEST_CHECK(cap.type == BURSAR_OBJECT_DEBUG && cap.rights == BURSAR_RIGHTS_ALL, "the root's slot %u: type %u "
               "rights %x", BURSAR_SLOT_DEBUG, cap.type, cap.rights);
    TEST_CHECK_EQUAL(l4_destroy(BURSAR_SLOT_DEBUG), -BURSAR_E_BUSY, "the boot authority cannot be destroyed");
    TEST_CHECK_EQUAL(proxy_start(&helper, 0), 0, "a test program's task");
    /* A revocable copy, as a test program that runs the ledger check would get it. */
    TEST_CHECK_EQUAL(l4_cap_transfer(BURSAR_SLOT_DEBUG, BURSAR_OWN_TASK, given, BURSAR_RIGHTS_ALL,
                                     BURSAR_REVOCABLE_COPY, 0), 0, "a revocable copy");
    TEST_CHECK_EQUAL(proxy_give(&helper, given, debug, BURSAR_RIGHT_READ | BURSAR_RIGHT_WRITE), 0, "given");
    TEST_CHECK_EQUAL(proxy_syscall(&helper, SYS_DEBUG_DUMP, debug, BURSAR_DUMP_CHECK, 0, 0, 0), 0,
                     "the ledger check through the given copy");
    TEST_CHECK_EQUAL(proxy_syscall(&helper, SYS_PREEMPT_STATS, debug, 1, 0, 0, &out), 0, "read and reset");
    /* READ only: it looks, but resets nothing. */
    TEST_CHECK_EQUAL(l4_cap_copy(BURSAR_SLOT_DEBUG, read_only, BURSAR_RIGHT_READ | BURSAR_RIGHT_GRANT, 0), 0,
                     "a read-only copy");
    TEST_CHECK_EQUAL(proxy_give(&helper, read_only, reader, BURSAR_RIGHT_READ), 0, "given");
    TEST_CHECK_EQUAL(proxy_syscall(&helper, SYS_PREEMPT_STATS, reader, 0, 0, 0, 0), 0, "read through READ");
    TEST_CHECK_EQUAL(proxy_syscall(&helper, SYS_PREEMPT_STATS, reader, 1, 0, 0, 0), -BURSAR_E_NO_RIGHTS,
                     "a reset without WRITE");
    TEST_CHECK_EQUAL(proxy_syscall(&helper, SYS_DEBUG_DUMP, reader, BURSAR_DUMP_CHECK, 0, 0, 0), 0,
                     "the check through READ");
    TEST_CHECK_EQUAL(l4_cap_copy(BURSAR_SLOT_DEBUG, write_only, BURSAR_RIGHT_WRITE, 0), 0, "a copy without READ");
    TEST_CHECK_EQUAL(l4_debug_dump(write_only, BURSAR_DUMP_CHECK, 0), -BURSAR_E_NO_RIGHTS, "the check without READ");
    /* The root takes the revocable one back, and the COPY the helper got of it. */
    TEST_CHECK_EQUAL(l4_cap_revoke(BURSAR_SLOT_DEBUG), 0, "revoke the root's revocable copies");
    TEST_CHECK_EQUAL(proxy_syscall(&helper, SYS_DEBUG_DUMP, debug, BURSAR_DUMP_CHECK, 0, 0, 0), -BURSAR_E_REVOKED,
                     "the check after the revoke");
    TEST_CHECK_EQUAL(l4_debug_dump(BURSAR_SLOT_DEBUG, BURSAR_DUMP_CHECK, 0), 0, "the root's own still works");
}
