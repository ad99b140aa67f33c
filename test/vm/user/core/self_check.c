/*
 * self_check.c — the kernel's self-check (BURSAR_DUMP_CHECK) runs in chunks
 * with preemption points between them and still checks one state
 * (kernel/self_check.c; docs/abi.md SYS_DEBUG_DUMP), core_tests 1290-1292.
 *
 * A churner thread of the root task, at the root's priority, keeps
 * changing the kernel: it destroys and creates endpoints in a heap of the
 * test's own (several pages of them, so the heap's ledger walk spans
 * points) and creates and destroys a thread (the thread list changes).
 * The root asks for the check meanwhile, mostly in its yielding kind
 * (BURSAR_DUMP_CHECK_YIELDING), which gives the processor to the churner
 * at every point: the churner does change the kernel under the check.
 * Every answer must be 0 or BUSY; a check that looked at the heaps and
 * threads across a change would find their ledgers wrong (or follow a
 * freed thread) and say CHECK_FAILED.
 */
#include "core.h"

#include "libl4/errors.h"
#include "libl4/printf.h"

#define HEAP_FRAMES 16u
#define ENDPOINTS 64u               /* live at once: several pages of endpoints */
#define ROUNDS 24u

static struct {
    unsigned heap, thread_slot, endpoints[ENDPOINTS];
    volatile bool naps;             /* a nap every 512 changes: some checks find a quiet kernel */
    bool once;                      /* one change, then give the processor back (l4_yield) */
    volatile bool stop, stopped;
    volatile uint32_t changes;
    volatile int error;
} churn;

static void churner(void *unused)
{
    (void)unused;
    for (unsigned i = 0; !churn.stop && !churn.error; i = (i + 1) % ENDPOINTS) {
        /* A destroyed object's slot says REVOKED until a new capability goes there. */
        int error = l4_destroy(churn.endpoints[i]);
        if (!error)
            error = l4_create(churn.heap, BURSAR_OBJECT_ENDPOINT, churn.endpoints[i], 0);
        if (!error && i % 8 == 0)
            error = l4_create(churn.heap, BURSAR_OBJECT_THREAD, churn.thread_slot, BURSAR_SLOT_TASK);
        if (!error && i % 8 == 0)
            error = l4_destroy(churn.thread_slot);
        churn.error = error;
        churn.changes++;
        if (churn.naps && churn.changes % 512 == 0)
            core_sleep_ms(1);
        if (churn.once)
            l4_yield();
    }
    churn.stopped = true;
    for (;;)
        core_sleep_ms(1000);
}

static void start_churn(struct test_result *result, bool naps, bool once)
{
    unsigned thread;

    churn.heap = core_slot();
    churn.thread_slot = core_slot();
    churn.naps = naps;
    churn.once = once;
    churn.stop = churn.stopped = false;
    churn.changes = 0;
    churn.error = 0;
    TEST_CHECK_EQUAL(core_heap_create(churn.heap, HEAP_FRAMES), 0, "the churner's heap");
    for (unsigned i = 0; i < ENDPOINTS; i++) {
        churn.endpoints[i] = core_slot();
        TEST_CHECK_EQUAL_FMT(l4_create(churn.heap, BURSAR_OBJECT_ENDPOINT, churn.endpoints[i], 0), 0,
                             "endpoint %u", i);
    }
    TEST_CHECK_EQUAL(core_spawn(churner, NULL, BURSAR_ROOT_PRIORITY, &thread), 0, "the churner");
}

static void stop_churn(struct test_result *result)
{
    churn.stop = true;
    for (unsigned i = 0; i < 1000 && !churn.stopped; i++)
        core_sleep_ms(1);
    TEST_CHECK(churn.stopped, "the churner did not stop");
    TEST_CHECK_EQUAL(churn.error, 0, "the churner's calls");
    /* Quiet now (the churner naps): the check passes, in both kinds. */
    TEST_CHECK_EQUAL(l4_debug_dump(BURSAR_SLOT_DEBUG, BURSAR_DUMP_CHECK, 0), 0, "the check, quiet");
    TEST_CHECK_EQUAL(l4_debug_dump(BURSAR_SLOT_DEBUG, BURSAR_DUMP_CHECK_YIELDING, 0), 0,
                     "the yielding check, quiet");
}

/* A check is 0 or BUSY while the kernel changes under it, never CHECK_FAILED. */
USER_TEST(1290, the_check_under_a_changing_kernel_passes_or_is_busy_never_fails)
{
    unsigned passed = 0, busy = 0, changed_under = 0;

    start_churn(result, true, false);
    for (unsigned round = 0; round < ROUNDS; round++) {
        uint32_t changes;
        int check;

        churn.naps = round % 2 == 0;    /* every other round the churner never naps */
        core_sleep_ms(1 + round % 2);   /* it runs between checks too */
        changes = churn.changes;
        check = l4_debug_dump(BURSAR_SLOT_DEBUG, round % 4 ? BURSAR_DUMP_CHECK_YIELDING : BURSAR_DUMP_CHECK, 0);
        TEST_CHECK(check == 0 || check == -BURSAR_E_BUSY, "round %u: the check answered %d (%s), %u changes "
                   "during it", round, check, l4_error_name(check), churn.changes - changes);
        passed += check == 0;
        busy += check == -BURSAR_E_BUSY;
        changed_under += churn.changes != changes;
    }
    printf("  %u checks passed, %u busy; %u with changes made during them, %u changes in all\n", passed, busy,
           changed_under, churn.changes);
    TEST_CHECK(changed_under > 0 && busy > 0, "the churner never changed the kernel under a check (its last call: %d)",
               churn.error);
    stop_churn(result);
}

/*
 * The churner makes one change each time it gets the processor and gives
 * it back: each time the yielding check passes a point, the kernel has
 * changed, so every pass is abandoned. After BURSAR_CHECK_PASSES passes
 * the check gives up with BUSY; it never runs whole with interrupts off.
 */
USER_TEST(1291, the_check_gives_up_busy_after_its_passes_when_the_kernel_keeps_changing)
{
    start_churn(result, false, true);
    for (unsigned round = 0; round < 3; round++) {
        uint32_t changes = churn.changes;
        int check = l4_debug_dump(BURSAR_SLOT_DEBUG, BURSAR_DUMP_CHECK_YIELDING, 0);
        uint32_t during = churn.changes - changes;

        TEST_CHECK_EQUAL_FMT(check, -BURSAR_E_BUSY, "round %u: the check under a change at every point", round);
        /* At least one change per pass (its first point let the churner in); one more per tick at most. */
        TEST_CHECK(during >= BURSAR_CHECK_PASSES && during <= 4 * BURSAR_CHECK_PASSES,
                       "round %u: %u changes during the check (%u passes)", round, during, BURSAR_CHECK_PASSES);
    }
    stop_churn(result);
}

/* The check of a quiet kernel, in both kinds, passes: every point taken and nothing changed. */
USER_TEST(1292, the_check_of_a_quiet_kernel_passes_in_both_kinds)
{
    for (unsigned round = 0; round < 4; round++) {
        TEST_CHECK_EQUAL_FMT(l4_debug_dump(BURSAR_SLOT_DEBUG, BURSAR_DUMP_CHECK, 0), 0, "round %u", round);
        TEST_CHECK_EQUAL_FMT(l4_debug_dump(BURSAR_SLOT_DEBUG, BURSAR_DUMP_CHECK_YIELDING, 0), 0, "round %u, yielding",
                             round);
    }
}
