/*
 * helpers.c — the root task's side of the servers' end-to-end tests
 * (helpers.h): sleeping, helper threads, the per-test slots emptied and
 * the kernel's ledger checked after every test.
 */
#include "helpers.h"

#include "libl4/thread_spawn.h"

static char helper_stacks[ROOT_HELPER_STACKS][4096] __attribute__((aligned(16)));
static struct bursar_utcb helper_utcbs[ROOT_HELPER_STACKS] __attribute__((aligned(BURSAR_UTCB_SIZE)));
static unsigned next_helper;

void root_sleep_ms(unsigned ms)
{
    l4_receive(ROOT_SLEEP, BURSAR_NO_CAPABILITY, 0, 0, 0, 0, BURSAR_TIMEOUT_MS(ms));
}

int root_spawn(unsigned heap, unsigned slot, void (*entry)(void *), void *argument, unsigned priority)
{
    unsigned stack = next_helper++ % ROOT_HELPER_STACKS;
    struct l4_thread_spec spec = {
        .heap = heap, .task = BURSAR_SLOT_TASK, .slot = slot, .stack = helper_stacks[stack],
        .stack_size = sizeof helper_stacks[stack], .utcb = (uintptr_t)&helper_utcbs[stack], .priority = priority,
        .entry = entry, .argument = argument,
    };

    return l4_thread_spawn(&spec);
}

void root_helpers_reset(void)
{
    next_helper = 0;
}

void root_destroy_threads(unsigned first, unsigned count)
{
    for (unsigned slot = first; slot < first + count; slot++) {
        struct l4_cap_info cap;
        if (l4_cap_inspect(slot, &cap) == 0 && cap.type == BURSAR_OBJECT_THREAD && (cap.rights & BURSAR_RIGHT_CONTROL))
            l4_destroy(slot);
    }
}

void root_empty_slots(unsigned first, unsigned count)
{
    for (unsigned slot = first; slot < first + count; slot++) {
        struct l4_cap_info cap;
        if (l4_cap_inspect(slot, &cap) == 0 && cap.type != BURSAR_OBJECT_NONE && cap.type != BURSAR_OBJECT_HEAP &&
            (cap.rights & BURSAR_RIGHT_CONTROL))
            l4_destroy(slot);
        l4_cap_delete(slot);
    }
}

void root_check_kernel(struct test_result *result, const struct bursar_system_info *baseline,
                       struct bursar_system_info *info)
{
    TEST_CHECK_EQUAL(l4_system_info(info), 0, "after the test: SYS_SYSTEM_INFO");
    TEST_CHECK(info->tasks == baseline->tasks && info->threads == baseline->threads && info->heaps == baseline->heaps,
               "after the test: tasks %u threads %u heaps %u, expected %u %u %u", info->tasks, info->threads,
               info->heaps, baseline->tasks, baseline->threads, baseline->heaps);
    TEST_CHECK(info->fixed_reservation_frames + info->heap_frames + info->bank_frames == info->usable_frames,
               "after the test: fixed %u + heaps %u + banks %u != usable %u", info->fixed_reservation_frames,
               info->heap_frames, info->bank_frames, info->usable_frames);
    TEST_CHECK_EQUAL(l4_debug_dump(BURSAR_SLOT_DEBUG, BURSAR_DUMP_CHECK, 0), 0,
                     "after the test: the kernel's own check (BURSAR_DUMP_CHECK)");
}
