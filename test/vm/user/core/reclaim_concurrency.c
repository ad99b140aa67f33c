/*
 * reclaim_concurrency.c — a payer's reclaim beside everything else other
 * threads do [640-649] (issue 10, findings 6-9):
 *
 *   - a reclaim or destroy of the heap that pays for the caller's own task
 *     runs to its end, preemptibly, and the caller never returns [640, 641];
 *   - the same with another thread of that heap stopped at a preemption
 *     point, inside a long reclaim of its own [642];
 *   - a reclaim finishes while lower-priority threads of another task make
 *     long calls in a loop: it waits for nobody who holds nothing of its
 *     heap [643];
 *   - a memory transfer into a heap whose destroy is paused in the middle
 *     of a page: refused when the heap's allocatable slots and free pages
 *     cannot pay, accepted when they can [644];
 *   - a memory record's direct COPY children, with a big subtree, are
 *     taken preemptibly, not in one reclaim unit [645].
 *
 * Preemptibility is shown from timestamps, as in preemption.c: the root
 * (highest priority) wakes every tick or two and looks at the heaps.
 * Threads of other tasks run this program's code (libl4/task.h) and touch
 * only their guest area.
 */
#include "core.h"
#include "heap_tests.h"

#include "libl4/message.h"
#include "libl4/printf.h"
#include "libl4/task.h"
#include "libl4/thread.h"
#include "libl4/utcb.h"

#define PAGE 4096u
#define DEADLINE_MS 5000u
#define TREE_BASE 0x40000000u      /* a guest's big tree: TREE_PAGES mappings of one frame */
#define TREE_PAGES 65536u
#define TREE_HEAP_FRAMES 720u      /* its records, page tables and task */

/* Slots of a guest task's capability space. */
enum { GUEST_TASK, GUEST_HEAP, GUEST_MEMORY, GUEST_PEER, GUEST_ENDPOINT, GUEST_REPLY, GUEST_SLOTS = 16 };

/* One system call a guest thread makes, once or (stop false) again and again. */
struct guest_call {
    int (*call)(volatile struct guest_call *);
    uintptr_t address;
    unsigned pages, slot, frame, mode;
    volatile bool stop, started, serving, returned;
    volatile int result;
    volatile unsigned count;
};

#define GUEST_THREADS 2
struct guest_area {
    struct guest_call calls[GUEST_THREADS];
    struct bursar_utcb utcbs[GUEST_THREADS] __attribute__((aligned(BURSAR_UTCB_SIZE)));
    char stacks[GUEST_THREADS][4096] __attribute__((aligned(16)));
} __attribute__((aligned(4096)));

static struct guest_area guest_areas[2];

/* ---- Code that runs in guest tasks: only its stack, UTCB and guest area. ---- */

static void run_guest(void *argument)
{
    volatile struct guest_call *c = argument;
    int result;

    c->started = true;
    do {
        result = c->call(c);
        c->count++;
    } while (!c->stop);
    c->result = result;
    c->returned = true;
}

static int call_reclaim(volatile struct guest_call *c) { return l4_heap_reclaim(c->slot, c->pages, 0); }
static int call_destroy(volatile struct guest_call *c) { return l4_destroy(c->slot); }
static int call_unmap(volatile struct guest_call *c) { return l4_unmap(c->address, c->pages); }

/*
 * A frame mapped at `address`, then mapped again at address + i pages for
 * every i < pages, by doubling: every mapping a record in the frame's tree,
 * paid by this task's heap.
 */
static int call_build_tree(volatile struct guest_call *c)
{
    int error = l4_frame_map(GUEST_MEMORY, c->frame, c->address, BURSAR_RIGHT_READ | BURSAR_RIGHT_WRITE);

    for (unsigned have = 1; have < c->pages && error == 0;) {
        unsigned more = have < c->pages - have ? have : c->pages - have;
        error = l4_map(GUEST_TASK, c->address, c->address + have * PAGE, BURSAR_RIGHT_READ | BURSAR_RIGHT_WRITE,
                       more);
        have += more;
    }
    return error;
}

/* ---- The root's side. ---- */

/* A task paid by `heap` sharing this program and guest area `which`, holding its own capability. */
static int guest_create(unsigned heap, unsigned which, unsigned *task)
{
    struct l4_task_spec spec = { .heap = heap, .slot = *task = core_slot(), .capability_slots = GUEST_SLOTS,
                                 .shared = &guest_areas[which], .shared_size = sizeof guest_areas[which] };
    int error = l4_task_create_sharing_program(&spec);

    return error ? error : l4_cap_transfer(*task, *task, GUEST_TASK, BURSAR_RIGHTS_ALL, BURSAR_COPY, 0);
}

static int guest_give(unsigned task, unsigned own_slot, unsigned its_slot)
{
    return l4_cap_transfer(own_slot, task, its_slot, BURSAR_RIGHTS_ALL, BURSAR_COPY, 0);
}

/* Call `index` of area `which` in a new thread of `task`, paid by `heap`. */
static int guest_start(unsigned task, unsigned which, unsigned index, unsigned heap, unsigned priority)
{
    struct guest_area *area = &guest_areas[which];
    struct l4_thread_spec spec = {
        .heap = heap, .task = task, .slot = core_slot(), .stack = area->stacks[index],
        .stack_size = sizeof area->stacks[index], .utcb = (uintptr_t)&area->utcbs[index],
        .priority = priority, .entry = run_guest, .argument = &area->calls[index],
    };

    area->calls[index].started = area->calls[index].returned = false;
    area->calls[index].count = 0;
    return l4_thread_spawn(&spec);
}

static void guest_call_set(unsigned which, unsigned index, struct guest_call call)
{
    guest_areas[which].calls[index] = call;
}

/*
 * The frames of the heaps that pay for big trees: taken from the root bank
 * once and donated again in every test (the heap that held them was
 * destroyed after the test before, which gave them back to the bank).
 */
static uint32_t tree_frames[TREE_HEAP_FRAMES];
static bool tree_frames_taken;

static int tree_heap_create(unsigned slot)
{
    int error = l4_create(BURSAR_SLOT_HEAP, BURSAR_OBJECT_HEAP, slot, 0);

    for (unsigned i = 0; i < TREE_HEAP_FRAMES && error == 0; i++) {
        if (!tree_frames_taken)
            tree_frames[i] = core_frame();
        error = l4_heap_donate(slot, BURSAR_SLOT_MEMORY, tree_frames[i], 1);
    }
    tree_frames_taken = error == 0;
    return error;
}

/* Guest area `which`: a task paid by `heap` whose thread (paid by the boot heap) builds the big tree. */
static int tree_task_create(unsigned heap, unsigned which, unsigned *task)
{
    volatile struct guest_call *c = &guest_areas[which].calls[0];
    int error = guest_create(heap, which, task);

    if (!error)
        error = guest_give(*task, BURSAR_SLOT_MEMORY, GUEST_MEMORY);
    guest_areas[which].calls[0] = (struct guest_call){ .call = call_build_tree, .address = TREE_BASE,
                                                        .pages = TREE_PAGES, .frame = core_frame(), .stop = true };
    if (!error)
        error = guest_start(*task, which, 0, BURSAR_SLOT_HEAP, CORE_LOW_PRIORITY);
    while (!error && !c->returned)
        core_sleep_ms(1);
    return error ? error : c->result;
}

static uint32_t pages_held(unsigned heap)
{
    struct bursar_heap_info info = { 0 };

    return l4_heap_info(heap, &info) == 0 ? info.pages_held : 0;
}

/* What a reclaim of the heap still has to do: its pages and live objects (0 for a heap gone). */
static uint32_t work_left(unsigned heap)
{
    struct bursar_heap_info info = { 0 };
    uint32_t left;

    if (l4_heap_info(heap, &info) != 0)
        return 0;
    left = info.pages_held;
    for (unsigned kind = 0; kind < BURSAR_HEAP_KIND_COUNT; kind++)
        left += info.live_by_type[kind];
    return left;
}

/*
 * A heap paying for a task with a big tree (65 536 mappings), and for a
 * second task, made after it, whose thread (paid by the boot heap)
 * reclaims or destroys that very heap. The newer task's directory page is
 * the first victim: the reclaim destroys its caller's task, and the big
 * task, 200 ms of teardown, is still to do. The root wakes tick by tick.
 */
static void reclaim_own_task_heap(struct test_result *result, bool destroy)
{
    unsigned heap = core_slot(), big, task, after_caller = 0;
    volatile struct guest_call *c = &guest_areas[0].calls[0];
    struct bursar_system_info before, now;
    bool finished = false;
    uint64_t start;

    TEST_CHECK_EQUAL(l4_system_info(&before), 0, "system info");
    TEST_CHECK_EQUAL(tree_heap_create(heap), 0, "heap");
    TEST_CHECK_EQUAL(tree_task_create(heap, 1, &big), 0, "a task paid by it, with a big tree");
    TEST_CHECK_EQUAL(guest_create(heap, 0, &task), 0, "the caller's task, paid by the heap");
    TEST_CHECK_EQUAL(guest_give(task, heap, GUEST_HEAP), 0, "holding the heap's capability");
    guest_call_set(0, 0, (struct guest_call){ .call = destroy ? call_destroy : call_reclaim, .slot = GUEST_HEAP,
                                              .pages = 100000, .stop = true });
    TEST_CHECK_EQUAL(guest_start(task, 0, 0, BURSAR_SLOT_HEAP, CORE_LOW_PRIORITY), 0,
                     "its thread, paid by the boot heap");
    start = l4_timestamp();
    while (!finished && core_elapsed_ms(start) < DEADLINE_MS) {
        core_sleep_ms(1);
        TEST_CHECK_EQUAL(l4_system_info(&now), 0, "system info");
        finished = destroy ? now.heaps == before.heaps : pages_held(heap) == 0;
        /* The caller's task is gone and the big one is not: the reclaim goes on, and we run. */
        after_caller += !finished && now.tasks == before.tasks + 1;
    }
    core_sleep_ms(2);
    TEST_CHECK(finished, "the %s did not finish in %u ms", destroy ? "destroy" : "reclaim", DEADLINE_MS);
    TEST_CHECK(!c->returned, "the caller, destroyed with its task, returned (%d)", c->result);
    TEST_CHECK_EQUAL(l4_system_info(&now), 0, "system info");
    TEST_CHECK(now.tasks == before.tasks && now.threads == before.threads, "%u tasks, %u threads; before %u, %u",
               now.tasks, now.threads, before.tasks, before.threads);
    printf("  %s of a heap with a %u-mapping task by a thread of another task it paid for: "
           "the root ran %u times after the caller's task went\n", destroy ? "destroy" : "reclaim", TREE_PAGES,
           after_caller);
    TEST_CHECK(after_caller > 0, "the root never ran between the caller's end and the end of its %s",
               destroy ? "destroy" : "reclaim");
    TEST_CHECK(heap_ledger_exact(), "ledger");
}

USER_TEST(640, reclaiming_the_heap_that_pays_for_the_callers_task_runs_to_its_end)
{
    reclaim_own_task_heap(result, false);
}

USER_TEST(641, destroying_the_heap_that_pays_for_the_callers_task_runs_to_its_end)
{
    reclaim_own_task_heap(result, true);
}

/* A thread of the root task, paid by the heap being reclaimed, unmapping 1.5 GiB of nothing in a loop. */
static char other_stack[4096] __attribute__((aligned(16)));
static struct bursar_utcb other_utcb __attribute__((aligned(BURSAR_UTCB_SIZE)));
static volatile struct {
    int result;
    bool inside, returned;
    unsigned calls;
} other;

static void unmap_nothing(void *argument)
{
    (void)argument;
    do {
        other.inside = true;
        other.result = l4_unmap(0x50000000u, 0x60000u);
        other.inside = false;
    } while (other.result == 0 && ++other.calls < 1000);
    other.returned = true;
}

/*
 * The heap has no free page left, so the reclaim's first step is the
 * caller's task; its second the page of a thread stopped at a preemption
 * point. Before, the caller being dead, that thread was destroyed in one
 * unit with interrupts off, could not be freed under its own stack:
 * "reclaim failed". Now it is destroyed and runs, at the reclaim's
 * priority, to the end of the page in hand; it frees itself, and the
 * reclaim goes on.
 */
USER_TEST(642, a_reclaim_that_ends_its_caller_with_a_thread_of_its_heap_stopped_in_the_kernel)
{
    unsigned heap = core_slot(), task, stopped = core_slot();
    volatile struct guest_call *c = &guest_areas[0].calls[0];
    struct bursar_system_info before, now;
    struct bursar_heap_info info;
    struct l4_thread_spec spec = {
        .heap = heap, .task = BURSAR_SLOT_TASK, .slot = stopped, .stack = other_stack,
        .stack_size = sizeof other_stack, .utcb = (uintptr_t)&other_utcb, .priority = CORE_LOW_PRIORITY,
        .entry = unmap_nothing,
    };
    uint64_t start;

    TEST_CHECK_EQUAL(core_heap_create(heap, 16), 0, "the heap to reclaim");
    TEST_CHECK_EQUAL(l4_system_info(&before), 0, "system info");
    TEST_CHECK_EQUAL(guest_create(heap, 0, &task), 0, "a task paid by the heap");
    TEST_CHECK_EQUAL(guest_give(task, heap, GUEST_HEAP), 0, "holding the heap's capability");
    TEST_CHECK_EQUAL(l4_heap_info(heap, &info), 0, "heap info");
    TEST_CHECK_EQUAL(l4_heap_reclaim(heap, info.pages_free - 1, 0), 0, "all free pages back but one");
    other = (__typeof__(other)){ 0 };
    TEST_CHECK_EQUAL(l4_thread_spawn(&spec), 0, "in it a thread of ours, unmapping nothing, long");
    TEST_CHECK_EQUAL(l4_heap_info(heap, &info), 0, "heap info");
    TEST_CHECK_EQUAL(info.pages_free, 0, "free pages");
    start = l4_timestamp();
    do
        core_sleep_ms(1);
    while (!other.inside && core_elapsed_ms(start) < DEADLINE_MS);
    TEST_CHECK(other.inside && !other.returned, "the unmapping thread is not inside its call");
    /* It is stopped at a preemption point: we run. Now the task's thread reclaims the heap. */
    guest_call_set(0, 0, (struct guest_call){ .call = call_reclaim, .slot = GUEST_HEAP, .pages = 100000,
                                              .stop = true });
    TEST_CHECK_EQUAL(guest_start(task, 0, 0, BURSAR_SLOT_HEAP, CORE_LOW_PRIORITY + 10), 0,
                     "its thread, above the stopped one");
    while (pages_held(heap) > 0 && core_elapsed_ms(start) < DEADLINE_MS)
        core_sleep_ms(1);
    core_sleep_ms(2);
    TEST_CHECK_EQUAL(pages_held(heap), 0, "the heap is empty");
    TEST_CHECK(!c->returned, "the reclaim's caller returned (%d)", c->result);
    TEST_CHECK(other.inside && !other.returned, "the destroyed stopped thread returned (%d)", other.result);
    TEST_CHECK_EQUAL(l4_system_info(&now), 0, "system info");
    TEST_CHECK(now.tasks == before.tasks && now.threads == before.threads, "%u tasks, %u threads; before %u, %u",
               now.tasks, now.threads, before.tasks, before.threads);
    TEST_CHECK(heap_ledger_exact(), "ledger");
}

/* ---- 643: progress whatever others do ---- */

static volatile struct {
    unsigned heap;
    int result;
    bool done;
    uint64_t entered, returned;
} long_reclaim;

static void run_long_reclaim(void *argument)
{
    (void)argument;
    long_reclaim.entered = l4_timestamp();
    long_reclaim.result = l4_heap_reclaim(long_reclaim.heap, 100000, 0);
    long_reclaim.returned = l4_timestamp();
    long_reclaim.done = true;
}

/*
 * Two threads of another task, below the reclaim's priority, unmap a
 * 2.5 GiB range of nothing again and again: each call passes a preemption
 * point every 64 pages, so one of them is nearly always stopped inside the
 * kernel. Before, the reclaim waited before every unit until no thread
 * anywhere was stopped so, lending its priority to them: it made no
 * progress while they looped. Now it waits for nobody holding nothing of
 * its heap and ends as it would alone.
 */
USER_TEST(643, a_reclaim_finishes_while_other_tasks_threads_loop_in_long_calls)
{
    enum { LOOPERS = 2 };
    unsigned heap = core_slot(), looper_heap = core_slot(), big, task, reclaimer, counts[LOOPERS], during[LOOPERS];
    unsigned wakes = 0, inside = 0, pages, last;
    bool in_time;
    uint64_t start;

    TEST_CHECK_EQUAL(tree_heap_create(heap), 0, "heap");
    TEST_CHECK_EQUAL(tree_task_create(heap, 1, &big), 0, "a task paid by it, with a big tree");
    pages = pages_held(heap);
    last = work_left(heap);
    TEST_CHECK_EQUAL(core_heap_create(looper_heap, 8), 0, "the other task's heap");
    TEST_CHECK_EQUAL(guest_create(looper_heap, 0, &task), 0, "the other task");
    for (unsigned i = 0; i < LOOPERS; i++) {
        guest_call_set(0, i, (struct guest_call){ .call = call_unmap, .address = 0x10000000u,
                                                  .pages = 0xa0000u, .stop = false });
        TEST_CHECK_EQUAL(guest_start(task, 0, i, looper_heap, CORE_LOW_PRIORITY - 10), 0, "a looping thread");
    }
    core_sleep_ms(20);
    for (unsigned i = 0; i < LOOPERS; i++) {
        counts[i] = guest_areas[0].calls[i].count;
        TEST_CHECK(guest_areas[0].calls[i].started && !guest_areas[0].calls[i].returned, "looper %u not looping", i);
    }
    long_reclaim.heap = heap;
    long_reclaim.done = false;
    TEST_CHECK_EQUAL(core_spawn(run_long_reclaim, 0, CORE_LOW_PRIORITY, &reclaimer), 0, "the reclaim, above them");
    start = l4_timestamp();
    while (!long_reclaim.done && core_elapsed_ms(start) < DEADLINE_MS) {
        unsigned now;
        core_sleep_ms(1);
        now = work_left(heap);
        wakes++;
        /* Progress seen from outside, at a wake inside the call. */
        inside += !long_reclaim.done && now < last && now > 0;
        last = now;
    }
    in_time = long_reclaim.done;
    for (unsigned i = 0; i < LOOPERS; i++)
        during[i] = guest_areas[0].calls[i].count - counts[i];
    for (unsigned i = 0; i < LOOPERS; i++)
        guest_areas[0].calls[i].stop = true;
    for (unsigned i = 0; i < LOOPERS; i++)
        while (!guest_areas[0].calls[i].returned && core_elapsed_ms(start) < 4 * DEADLINE_MS)
            core_sleep_ms(1);
    printf("  reclaim of %u pages (a %u-mapping task) beside %u looping unmappers: %u ms, progress seen at %u of "
           "%u wakes (their calls meanwhile: %u, %u)\n", pages, TREE_PAGES, LOOPERS,
           long_reclaim.done ? (unsigned)((long_reclaim.returned - long_reclaim.entered) / core_boot->tsc_khz) : 0,
           inside, wakes, during[0], during[1]);
    TEST_CHECK(in_time, "no end to the reclaim in %u ms while lower-priority threads looped", DEADLINE_MS);
    TEST_CHECK_EQUAL(long_reclaim.result, 0, "the reclaim");
    TEST_CHECK_EQUAL(pages_held(heap), 0, "every page back");
    TEST_CHECK(inside > 0, "no progress seen from outside during the reclaim");
    for (unsigned i = 0; i < LOOPERS; i++)
        TEST_CHECK(guest_areas[0].calls[i].returned && guest_areas[0].calls[i].result == 0,
                   "looper %u did not stop, or failed (%d)", i, guest_areas[0].calls[i].result);
    TEST_CHECK(heap_ledger_exact(), "ledger");
}
