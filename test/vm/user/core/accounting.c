/*
 * accounting.c — the ledger as a whole: the identity fixed + heaps + banks
 * = usable holds, the counts of live heaps, tasks and threads follow
 * creation and destruction, and the kernel's own full check passes. (The
 * after-test hook checks the identity after every other test too.)
 */
#include "core.h"

USER_TEST(195, system_info_accounts_for_all_memory_and_counts_objects)
{
    unsigned heap = core_slot(), task = core_slot(), thread = core_slot();
    struct bursar_system_info start, grown, end;

    TEST_CHECK_EQUAL(l4_system_info(&start), 0, "system info");
    TEST_CHECK(start.usable_frames > start.fixed_reservation_frames && start.bank_frames > 0,
               "usable %u, fixed %u, banks %u", start.usable_frames, start.fixed_reservation_frames,
               start.bank_frames);
    TEST_CHECK_EQUAL(start.fixed_reservation_frames + start.heap_frames + start.bank_frames, start.usable_frames,
                     "fixed + heaps + banks = usable");
    TEST_CHECK_EQUAL(start.timer_hz, core_boot->timer_hz, "timer rate agrees with the boot information");
    TEST_CHECK_EQUAL(start.tsc_khz, core_boot->tsc_khz, "TSC rate agrees with the boot information");
    TEST_CHECK(start.threads >= 1 && start.tasks >= 1 && start.heaps >= 1, "threads %u tasks %u heaps %u",
               start.threads, start.tasks, start.heaps);
    TEST_CHECK_EQUAL(core_heap_create(heap, 8), 0, "heap with 8 frames");
    TEST_CHECK_EQUAL(l4_create(heap, BURSAR_OBJECT_TASK, task, 16), 0, "task");
    /* A thread in that task, never started. */
    TEST_CHECK_EQUAL(l4_create(heap, BURSAR_OBJECT_THREAD, thread, task), 0, "thread");
    TEST_CHECK_EQUAL(l4_system_info(&grown), 0, "system info");
    TEST_CHECK(grown.heaps == start.heaps + 1 && grown.tasks == start.tasks + 1 && grown.threads == start.threads + 1,
               "heaps %u tasks %u threads %u", grown.heaps, grown.tasks, grown.threads);
    TEST_CHECK_EQUAL(grown.heap_frames, start.heap_frames + 8, "heap frames");
    TEST_CHECK_EQUAL(grown.fixed_reservation_frames + grown.heap_frames + grown.bank_frames, grown.usable_frames,
                     "the identity while grown");
    TEST_CHECK_EQUAL(l4_debug_dump(BURSAR_SLOT_DEBUG, BURSAR_DUMP_CHECK, 0), 0, "the kernel's check while grown");
    /* Destroying the task takes its threads with it. */
    TEST_CHECK_EQUAL(l4_destroy(task), 0, "destroy the task");
    TEST_CHECK_EQUAL(l4_destroy(heap), 0, "destroy the heap");
    TEST_CHECK_EQUAL(l4_system_info(&end), 0, "system info");
    TEST_CHECK(end.heaps == start.heaps && end.tasks == start.tasks && end.threads == start.threads,
               "heaps %u tasks %u threads %u", end.heaps, end.tasks, end.threads);
    TEST_CHECK_EQUAL(end.heap_frames, start.heap_frames, "heap frames back");
}
