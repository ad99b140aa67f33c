/*
 * core.c — the shared helpers of the kernel-core tests (core.h). Nothing
 * here is clever: slots, threads, frames and scratch pages are handed out
 * by counters that the after-test hook resets once it has destroyed and
 * unmapped everything the test made.
 */
#include "core.h"

#include "libl4/frames.h"
#include "libl4/printf.h"
#include "libl4/string.h"
#include "libl4/thread_spawn.h"

const struct bursar_boot_info *core_boot;

static unsigned next_slot;
static unsigned next_thread;
static unsigned next_scratch;
/* The boot information's free frames, handed out in order, never twice (some stay in the boot heap). */
static struct l4_boot_frames free_frames;

static char thread_stacks[CORE_MAX_THREADS][4096] __attribute__((aligned(16)));
static struct bursar_utcb thread_utcbs[CORE_MAX_THREADS] __attribute__((aligned(BURSAR_UTCB_SIZE)));

/* What every test must leave behind. */
static struct bursar_heap_info boot_heap_baseline;
static struct bursar_system_info system_baseline;

unsigned core_slot(void)
{
    return CORE_FIRST_SLOT + next_slot++;
}

unsigned core_slots_mark(void)
{
    return CORE_FIRST_SLOT + next_slot;
}

static void empty_slots_from(unsigned first);

void core_slots_release(unsigned mark)
{
    empty_slots_from(mark);
    next_slot = mark - CORE_FIRST_SLOT;
}

void core_until_conclusive(struct test_result *result, core_try scenario, unsigned tries, const char *why_not)
{
    unsigned mark = core_slots_mark();
    bool conclusive = false;

    for (unsigned attempt = 0; attempt < tries && !conclusive; attempt++) {
        if (attempt)
            core_slots_release(mark);
        scenario(result, &conclusive);
        if (result->failed)
            return;
    }
    TEST_CHECK(conclusive, "%s in %u tries", why_not, tries);
}

int core_spawn_with_utcb(void (*entry)(void *), void *argument, unsigned priority, uintptr_t utcb,
                         unsigned *slot)
{
    struct l4_thread_spec spec = {
        .heap = BURSAR_SLOT_HEAP, .task = BURSAR_SLOT_TASK, .slot = core_slot(),
        .stack = thread_stacks[next_thread], .stack_size = sizeof thread_stacks[0],
        .utcb = utcb, .priority = priority, .entry = entry, .argument = argument,
    };

    if (next_thread >= CORE_MAX_THREADS)
        return -BURSAR_E_OUT_OF_MEMORY;
    next_thread++;
    *slot = spec.slot;
    return l4_thread_spawn(&spec);
}

int core_spawn(void (*entry)(void *), void *argument, unsigned priority, unsigned *slot)
{
    uintptr_t utcb = (uintptr_t)&thread_utcbs[next_thread < CORE_MAX_THREADS ? next_thread : 0];

    return core_spawn_with_utcb(entry, argument, priority, utcb, slot);
}

int core_spawn_raw(uintptr_t ip, unsigned priority, unsigned *slot)
{
    int error;

    if (next_thread >= CORE_MAX_THREADS)
        return -BURSAR_E_OUT_OF_MEMORY;
    *slot = core_slot();
    error = l4_create(BURSAR_SLOT_HEAP, BURSAR_OBJECT_THREAD, *slot, BURSAR_SLOT_TASK);
    if (!error)
        error = l4_thread_configure(*slot, BURSAR_THREAD_UTCB, (uintptr_t)&thread_utcbs[next_thread]);
    if (!error)
        error = l4_thread_configure(*slot, BURSAR_THREAD_PRIORITY, priority);
    if (!error)
        error = l4_thread_start(*slot, ip, (uintptr_t)(thread_stacks[next_thread] + sizeof thread_stacks[0]) - 4);
    next_thread++;
    return error;
}

void core_sleep_ms(unsigned ms)
{
    l4_receive(CORE_SLEEP_ENDPOINT, BURSAR_NO_CAPABILITY, 0, 0, 0, 0, BURSAR_TIMEOUT_MS(ms));
}

uint32_t core_elapsed_ms(uint64_t since)
{
    return (uint32_t)((l4_timestamp() - since) / core_boot->tsc_khz);
}

uint32_t core_ticks(void)
{
    struct bursar_system_info info;

    return l4_system_info(&info) == 0 ? info.timer_ticks : 0;
}

uint32_t core_ticks_elapsed_ms(uint32_t since)
{
    struct bursar_system_info info;

    if (l4_system_info(&info) != 0)
        return 0;
    return (info.timer_ticks - since) * 1000 / info.timer_hz;
}

uint32_t core_tick_start(void)
{
    core_sleep_ms(1);           /* wakes in the timer interrupt, at the start of a tick */
    return core_ticks();
}

uint32_t core_timeout_ticks(unsigned ms)
{
    return (ms * core_boot->timer_hz + 999) / 1000 + 1;
}

uint32_t core_frame(void)
{
    uint32_t frame = 0;

    return l4_boot_frames_next(&free_frames, &frame) ? frame : 0;
}

uintptr_t core_scratch_page(void)
{
    return CORE_SCRATCH_BASE + 4096u * (next_scratch < CORE_SCRATCH_PAGES ? next_scratch++ : 0);
}

int core_map_fresh_page(uintptr_t *address, uint32_t *frame)
{
    *frame = core_frame();
    *address = core_scratch_page();
    return l4_frame_map(BURSAR_SLOT_MEMORY, *frame, *address, BURSAR_RIGHT_READ | BURSAR_RIGHT_WRITE);
}

int core_heap_create(unsigned slot, unsigned frames)
{
    int error = l4_create(BURSAR_SLOT_HEAP, BURSAR_OBJECT_HEAP, slot, 0);

    /* Frames come one at a time: the free ranges need not be contiguous. */
    for (unsigned i = 0; i < frames && error == 0; i++)
        error = l4_heap_donate(slot, BURSAR_SLOT_MEMORY, core_frame(), 1);
    return error;
}

int core_heap_fund(unsigned heap, struct core_frame_set *set)
{
    int error = 0;

    for (unsigned i = 0; i < set->count && error == 0; i++) {
        if (!set->taken)
            set->frames[i] = core_frame();
        error = l4_heap_donate(heap, BURSAR_SLOT_MEMORY, set->frames[i], 1);
    }
    set->taken = error == 0;
    return error;
}

int core_inspect(unsigned slot, struct l4_cap_info *info, bool *revoked)
{
    int error = l4_cap_inspect(slot, info);

    *revoked = error == 0 && info->revoked;
    return error;
}

void core_snapshot_take(struct core_snapshot *snapshot)
{
    memset(snapshot, 0, sizeof *snapshot);
    l4_system_info(&snapshot->system);
    l4_heap_info(BURSAR_SLOT_HEAP, &snapshot->boot_heap);
    for (unsigned i = 0; i < CORE_FIRST_SLOT + CORE_SLOT_COUNT; i++)
        l4_cap_inspect(i, &snapshot->slots[i]);
}

int core_snapshot_compare(const struct core_snapshot *a, const struct core_snapshot *b)
{
    /* Only the memory and object counts: other fields (event counters) move by themselves. */
    if (a->system.heap_frames != b->system.heap_frames || a->system.bank_frames != b->system.bank_frames ||
        a->system.heaps != b->system.heaps || a->system.tasks != b->system.tasks ||
        a->system.threads != b->system.threads)
        return -1;
    if (memcmp(&a->boot_heap, &b->boot_heap, sizeof a->boot_heap) != 0)
        return -2;
    for (unsigned i = 0; i < CORE_FIRST_SLOT + CORE_SLOT_COUNT; i++)
        if (memcmp(&a->slots[i], &b->slots[i], sizeof a->slots[i]) != 0)
            return 1 + (int)i;
    return 0;
}

/* ---- after every test ---- */

/* Destroys (where the slot may) and deletes every capability of `type` in the per-test slots from `first` on. */
static void empty_slots_of_type(unsigned first, uint32_t type)
{
    for (unsigned slot = first; slot < CORE_FIRST_SLOT + CORE_SLOT_COUNT; slot++) {
        struct l4_cap_info cap;
        if (l4_cap_inspect(slot, &cap) != 0 || cap.type != type)
            continue;
        if (cap.rights & BURSAR_RIGHT_CONTROL)
            l4_destroy(slot);
        l4_cap_delete(slot);
    }
}

/*
 * Threads first (so nothing runs on into the teardown), then what they
 * used, then heaps, children before parents: a heap made from a test heap
 * is destroyed in an earlier round than its parent.
 */
static void empty_slots_from(unsigned first)
{
    static const uint32_t order[] = {
        BURSAR_OBJECT_THREAD, BURSAR_OBJECT_TASK, BURSAR_OBJECT_ENDPOINT, BURSAR_OBJECT_REPLY,
    };

    for (unsigned i = 0; i < sizeof order / sizeof order[0]; i++)
        empty_slots_of_type(first, order[i]);
    for (unsigned round = 0; round < 4; round++)
        empty_slots_of_type(first, BURSAR_OBJECT_HEAP);
    for (unsigned slot = first; slot < CORE_FIRST_SLOT + CORE_SLOT_COUNT; slot++)
        l4_cap_delete(slot);      /* anything left, e.g. a copy without CONTROL, or a revoked slot */
}

static void tear_down(void)
{
    empty_slots_from(CORE_FIRST_SLOT);
    l4_unmap(CORE_SCRATCH_BASE, CORE_SCRATCH_PAGES);
    l4_unmap(CORE_WIDE_SCRATCH_BASE, CORE_WIDE_SCRATCH_PAGES);
    next_slot = 0;
    next_thread = 0;
    next_scratch = 0;
}

void core_after_test(struct test_result *result)
{
    struct bursar_system_info info;
    struct bursar_heap_info heap;
    int check;

    tear_down();
    TEST_CHECK_EQUAL(l4_system_info(&info), 0, "after the test: SYS_SYSTEM_INFO");
    TEST_CHECK(info.fixed_reservation_frames + info.heap_frames + info.bank_frames == info.usable_frames,
               "after the test: fixed %u + heaps %u + banks %u != usable %u", info.fixed_reservation_frames,
               info.heap_frames, info.bank_frames, info.usable_frames);
    check = l4_debug_dump(BURSAR_SLOT_DEBUG, BURSAR_DUMP_CHECK, 0);
    TEST_CHECK_EQUAL(check, 0, "after the test: the kernel's own check (BURSAR_DUMP_CHECK)");
    TEST_CHECK(info.heaps == system_baseline.heaps && info.tasks == system_baseline.tasks &&
               info.threads == system_baseline.threads,
               "after the test: %u heaps, %u tasks, %u threads left, expected %u, %u, %u", info.heaps,
               info.tasks, info.threads, system_baseline.heaps, system_baseline.tasks, system_baseline.threads);
    TEST_CHECK_EQUAL(info.heap_frames, system_baseline.heap_frames, "after the test: heap frames back");
    TEST_CHECK_EQUAL(l4_heap_info(BURSAR_SLOT_HEAP, &heap), 0, "after the test: boot heap info");
    for (unsigned kind = 0; kind < BURSAR_HEAP_KIND_COUNT; kind++)
        TEST_CHECK(heap.live_by_type[kind] == boot_heap_baseline.live_by_type[kind],
                   "after the test: boot heap has %u live of kind %u, expected %u", heap.live_by_type[kind],
                   kind, boot_heap_baseline.live_by_type[kind]);
}

void core_init(const struct bursar_boot_info *boot)
{
    core_boot = boot;
    l4_boot_frames_init(&free_frames, boot, BURSAR_SLOT_MEMORY, BURSAR_SLOT_HEAP);
    l4_system_info(&system_baseline);
    l4_heap_info(BURSAR_SLOT_HEAP, &boot_heap_baseline);
    user_test_after = core_after_test;
}
