/*
 * preemption.c — long kernel operations are preemptible (kernel/preempt.h):
 * while a low-priority thread is inside one system call that revokes,
 * unmaps or destroys tens of thousands of records, the root thread (higher
 * priority) keeps waking up on timer ticks and running. Concurrent revokes,
 * deletes and destroys on a tree being revoked all succeed and every record
 * is refunded exactly once.
 *
 * No verdict rests on how fast the host is. The thread making the long call
 * reads the kernel's timer ticks and the root's wake-up count before and
 * after it. When the kernel took three ticks or more inside the call, one
 * of the root's wake-ups (it sleeps two ticks at a time) fell due inside
 * it: the root must have run there, and the kernel's preemption counters
 * must show a point that switched. A call that spanned fewer ticks (a
 * host fast enough to finish it between two wake-ups, or a kernel that
 * keeps interrupts off throughout, which takes its timer ticks only after
 * the call) proves nothing either way; the scenario is built again, up to
 * PREEMPTION_ATTEMPTS times, and the test fails if no try was conclusive.
 * The concurrency tests start their second call from the root when it
 * wakes and finds the first one inside, so the second is inside the first
 * by construction, not by a tick's timing.
 *
 * The records are paid by a per-test heap: the calls are made by threads
 * of a worker task (sharing this program, see libl4/task_sharing_program.h) paid by that
 * heap, so everything goes back to the bank when the heap is destroyed
 * (after the test, or between tries). Code run in the worker task touches
 * only the shared area.
 */
#include "core.h"

#include "libl4/kernel_stats.h"
#include "libl4/printf.h"
#include "libl4/task_sharing_program.h"
#include "libl4/thread_spawn.h"

#define PAGE 4096u
#define TREE_BASE 0x40000000u      /* 512 MiB of the worker's address space for the big trees */
/*
 * The root wakes every other 10 ms tick (a 1 ms sleep is two ticks), so a
 * try is conclusive when the call spans three ticks: each long call takes
 * 65-125 ms on these 2-core machines, 6-12 ticks.
 */
#define TREE_RECORDS 65536u
#define WORKER_HEAP_FRAMES 3000u
#define CONCLUSIVE_TICKS 3u
#define PREEMPTION_ATTEMPTS 4u

/* Slots of the worker task's capability space. */
enum { WORKER_TASK, WORKER_MEMORY, WORKER_ENDPOINT, WORKER_MIDDLE, WORKER_OTHER_TASKS };
#define CAP_TREE_TASKS 64u
#define CAP_TREE_TASK_SLOTS 2048u
#define CAP_TREE_SLOTS (CAP_TREE_TASKS * CAP_TREE_TASK_SLOTS)
#define WORKER_SLOTS (WORKER_OTHER_TASKS + CAP_TREE_TASKS)

/* One system call made by a thread, and what was seen around it. */
struct long_call {
    int (*call)(struct long_call *);
    uintptr_t address;
    unsigned pages, slot, frame;
    volatile int result;
    volatile uint32_t entered_tick, returned_tick;      /* the kernel's timer ticks */
    volatile unsigned wakes_entered, wakes_returned;     /* the root's wake-ups */
    volatile unsigned entered_order, returned_order;     /* area.order when it went in, came out */
    volatile uint64_t entered, returned;                 /* the TSC: printed, never judged */
    volatile bool inside, done;
};

#define WORKER_THREADS 2
struct worker_area {
    volatile unsigned root_wakes;    /* counted by the root each time it wakes */
    volatile unsigned order;         /* the calls' entries and returns, numbered */
    struct long_call calls[WORKER_THREADS];
    struct bursar_utcb utcbs[WORKER_THREADS] __attribute__((aligned(BURSAR_UTCB_SIZE)));
    char stacks[WORKER_THREADS][4096] __attribute__((aligned(16)));
};
static struct worker_area area __attribute__((aligned(4096)));

struct worker {
    unsigned heap, task;
};

/* ---- Code that runs in the worker task: only its stack and `area`. ---- */

static uint32_t worker_ticks(void)
{
    struct bursar_system_info info;

    return l4_system_info(&info) == 0 ? info.timer_ticks : 0;
}

static void run_long_call(void *argument)
{
    struct long_call *c = argument;

    c->entered_tick = worker_ticks();
    c->wakes_entered = area.root_wakes;
    c->entered_order = ++area.order;
    c->entered = l4_timestamp();
    c->inside = true;
    c->result = c->call(c);
    c->returned = l4_timestamp();
    c->returned_order = ++area.order;
    c->wakes_returned = area.root_wakes;
    c->returned_tick = worker_ticks();
    c->done = true;
}

static int call_unmap(struct long_call *c) { return l4_unmap(c->address, c->pages); }
static int call_destroy(struct long_call *c) { return l4_destroy(c->slot); }
static int call_map_into_victim(struct long_call *c)
{
    return l4_map(WORKER_OTHER_TASKS, c->address, c->address, BURSAR_RIGHT_READ, c->pages);
}
static int call_revoke(struct long_call *c) { return l4_cap_revoke(c->slot); }
static int call_frame_unmap(struct long_call *c) { return l4_frame_unmap(WORKER_MEMORY, c->frame, NULL); }
static int call_delete(struct long_call *c) { return l4_cap_delete(c->slot); }

/*
 * A frame mapped at `address`, then mapped again at address + i pages for
 * every i < pages, by doubling: each SYS_MAP maps the pages already there
 * to the next ones, so every mapping is a record in the frame's one tree.
 */
static int call_build_memory_tree(struct long_call *c)
{
    int error = l4_frame_map(WORKER_MEMORY, c->frame, c->address, BURSAR_RIGHT_READ | BURSAR_RIGHT_WRITE);

    for (unsigned have = 1; have < c->pages && error == 0;) {
        unsigned more = have < c->pages - have ? have : c->pages - have;
        error = l4_map(WORKER_TASK, c->address, c->address + have * PAGE, BURSAR_RIGHT_READ | BURSAR_RIGHT_WRITE,
                       more);
        have += more;
    }
    return error;
}

/* The endpoint's middle copy, and a REVOCABLE COPY of it in every slot of the other tasks. */
static int call_build_cap_tree(struct long_call *c)
{
    int error = l4_cap_transfer(WORKER_ENDPOINT, BURSAR_OWN_TASK, WORKER_MIDDLE, BURSAR_RIGHTS_ALL,
                                BURSAR_REVOCABLE_COPY, 0);

    (void)c;
    for (unsigned t = 0; t < CAP_TREE_TASKS && !error; t++)
        for (unsigned i = 0; i < CAP_TREE_TASK_SLOTS && !error; i++)
            error = l4_cap_transfer(WORKER_MIDDLE, WORKER_OTHER_TASKS + t, i, BURSAR_RIGHTS_ALL,
                                    BURSAR_REVOCABLE_COPY, 0);
    return error;
}

/* ---- The root's side. ---- */

static int give_worker(const struct worker *w, unsigned own_slot, unsigned its_slot, unsigned rights)
{
    return l4_cap_transfer(own_slot, w->task, its_slot, rights, BURSAR_COPY, 0);
}

/* The worker heaps' frames, the same in every test. */
static uint32_t worker_frames[WORKER_HEAP_FRAMES];
static struct core_frame_set worker_frame_set = { worker_frames, WORKER_HEAP_FRAMES, false };

static int worker_heap_create(unsigned slot)
{
    int error = l4_create(BURSAR_SLOT_HEAP, BURSAR_OBJECT_HEAP, slot, 0);

    return error ? error : core_heap_fund(slot, &worker_frame_set);
}

/* A heap, and a task paid by it sharing this program and `area`, with the capabilities it needs. */
static int worker_create(struct worker *w)
{
    struct l4_task_spec spec = { .shared = &area, .shared_size = sizeof area, .capability_slots = WORKER_SLOTS };
    int error;

    w->heap = core_slot();
    w->task = core_slot();
    spec.heap = w->heap;
    spec.slot = w->task;
    error = worker_heap_create(w->heap);
    if (!error)
        error = l4_task_create_sharing_program(&spec);
    if (!error)
        error = give_worker(w, w->task, WORKER_TASK, BURSAR_RIGHTS_ALL);
    if (!error)
        error = give_worker(w, BURSAR_SLOT_MEMORY, WORKER_MEMORY, BURSAR_RIGHTS_ALL);
    return error;
}

/* Run area.calls[index] in a new thread of the worker task at `priority`; its capability in *slot. */
static int start_call_in(const struct worker *w, unsigned index, unsigned priority, unsigned *slot)
{
    struct l4_thread_spec spec = {
        .heap = w->heap, .task = w->task, .slot = core_slot(),
        .stack = area.stacks[index], .stack_size = sizeof area.stacks[index],
        .utcb = (uintptr_t)&area.utcbs[index], .priority = priority,
        .entry = run_long_call, .argument = &area.calls[index],
    };

    area.calls[index].inside = area.calls[index].done = false;
    *slot = spec.slot;
    return l4_thread_spawn(&spec);
}

/* Start area.calls[index] in a new thread of the worker at `priority`. */
static int start_call(const struct worker *w, unsigned index, unsigned priority)
{
    unsigned slot;

    return start_call_in(w, index, priority, &slot);
}

/* Run one call in the worker at low priority and wait (sleeping) until it is done. */
static int worker_run(const struct worker *w, struct long_call call)
{
    area.calls[0] = call;
    int error = start_call(w, 0, CORE_LOW_PRIORITY);
    while (!error && !area.calls[0].done)
        core_sleep_ms(1);
    return error ? error : area.calls[0].result;
}

static uint32_t live_in(unsigned heap, enum bursar_heap_kind kind)
{
    struct bursar_heap_info info = { 0 };

    l4_heap_info(heap, &info);
    return info.live_by_type[kind];
}

static uint32_t records_of(unsigned heap)
{
    return live_in(heap, BURSAR_HEAP_RECORD);
}

static unsigned elapsed_ms(const struct long_call *c)
{
    return (unsigned)((c->returned - c->entered) / core_boot->tsc_khz);
}

static uint32_t ticks_inside(const struct long_call *c)
{
    return c->returned_tick - c->entered_tick;
}

/* The root sleeps two ticks; it counts every wake-up where the worker's calls see it. */
static void root_nap(void)
{
    core_sleep_ms(1);
    area.root_wakes++;
}

/*
 * Run `call` as call 0 below the root's priority, the root waking every
 * other tick until it is done. Conclusive (*conclusive) when the kernel
 * took CONCLUSIVE_TICKS inside it; then the root must have run inside and
 * a preemption point must have switched.
 */
static void preempted_call(struct test_result *result, const struct worker *w, struct long_call call,
                           const char *what, unsigned records, bool *conclusive)
{
    const struct long_call *c = &area.calls[0];
    struct l4_preempt_stats stats;
    unsigned inside;

    l4_preempt_stats(BURSAR_SLOT_DEBUG, &stats, 1);
    area.calls[0] = call;
    TEST_CHECK_EQUAL(start_call(w, 0, CORE_LOW_PRIORITY), 0, "the helper");
    while (!c->done)
        root_nap();
    l4_preempt_stats(BURSAR_SLOT_DEBUG, &stats, 0);
    inside = c->wakes_returned - c->wakes_entered;
    printf("  %s: %u records in %u ms, %u ticks; the root ran %u times inside; %u preemption points, %u switched\n",
           what, records, elapsed_ms(c), ticks_inside(c), inside, stats.points, stats.switches);
    TEST_CHECK_EQUAL(c->result, 0, what);
    *conclusive = ticks_inside(c) >= CONCLUSIVE_TICKS;
    if (*conclusive) {
        TEST_CHECK(inside > 0, "the root thread never ran during the %u-tick %s", ticks_inside(c), what);
        TEST_CHECK(stats.switches > 0, "no preemption point of the %u-tick %s switched", ticks_inside(c), what);
    }
}

/* The worker of the scenario under way (core_until_conclusive tries each afresh). */
static struct worker worker;

#define NO_TICKS_INSIDE "the kernel never took 3 timer ticks inside the call (interrupts held off throughout?)"

/* The tree of TREE_RECORDS mappings of one frame in the worker, at TREE_BASE. */
static int worker_memory_tree(const struct worker *w, unsigned pages)
{
    return worker_run(w, (struct long_call){ .call = call_build_memory_tree, .address = TREE_BASE,
                                             .pages = pages, .frame = core_frame() });
}

static void try_700(struct test_result *result, bool *conclusive)
{
    struct worker *w = &worker;
    struct l4_preempt_stats stats;

    TEST_CHECK_EQUAL(worker_create(w), 0, "the worker task");
    TEST_CHECK_EQUAL(worker_memory_tree(w, TREE_RECORDS), 0, "the tree");
    uint32_t records = records_of(w->heap);
    preempted_call(result, w, (struct long_call){ .call = call_unmap, .address = TREE_BASE, .pages = 1 },
                   "unmap of the tree's root mapping", TREE_RECORDS, conclusive);
    if (result->failed)
        return;
    l4_preempt_stats(BURSAR_SLOT_DEBUG, &stats, 0);
    /* Each record is entered, unmapped and freed, and a chunk is PREEMPT_CHUNK (16) units: points to spare. */
    TEST_CHECK(stats.points >= TREE_RECORDS * 2 / 64, "only %u preemption points", stats.points);
    TEST_CHECK_EQUAL(records_of(w->heap), records - (TREE_RECORDS - 1), "every derived record refunded");
}

USER_TEST(700, unmapping_a_frame_with_a_big_tree_is_preempted)
{
    core_until_conclusive(result, try_700, PREEMPTION_ATTEMPTS, NO_TICKS_INSIDE);
}

static void try_701(struct test_result *result, bool *conclusive)
{
    struct worker *w = &worker;
    TEST_CHECK_EQUAL(worker_create(w), 0, "the worker task");
    TEST_CHECK_EQUAL(worker_memory_tree(w, TREE_RECORDS), 0, "the tree");
    uint32_t records = records_of(w->heap);
    /* Everything but the frame's own mapping, page by page, each with what was derived from it. */
    preempted_call(result, w, (struct long_call){ .call = call_unmap, .address = TREE_BASE + PAGE,
                                                  .pages = TREE_RECORDS - 1 },
                   "unmap of a range", TREE_RECORDS - 1, conclusive);
    if (result->failed)
        return;
    TEST_CHECK_EQUAL(records_of(w->heap), records - (TREE_RECORDS - 1), "every record of the range refunded");
}

USER_TEST(701, unmapping_a_large_range_is_preempted)
{
    core_until_conclusive(result, try_701, PREEMPTION_ATTEMPTS, NO_TICKS_INSIDE);
}

/* SYS_FRAME_UNMAP, the bank's way to take a frame back: the same tree, started from the frame's root. */
static void try_972(struct test_result *result, bool *conclusive)
{
    struct worker *w = &worker;
    struct l4_preempt_stats stats;
    uint32_t frame = core_frame();

    TEST_CHECK_EQUAL(worker_create(w), 0, "the worker task");
    TEST_CHECK_EQUAL(worker_run(w, (struct long_call){ .call = call_build_memory_tree, .address = TREE_BASE,
                                                        .pages = TREE_RECORDS, .frame = frame }), 0, "the tree");
    uint32_t records = records_of(w->heap);
    preempted_call(result, w, (struct long_call){ .call = call_frame_unmap, .frame = frame },
                   "frame unmap of the tree", TREE_RECORDS, conclusive);
    if (result->failed)
        return;
    l4_preempt_stats(BURSAR_SLOT_DEBUG, &stats, 0);
    TEST_CHECK(stats.points >= TREE_RECORDS * 2 / 64, "only %u preemption points", stats.points);
    TEST_CHECK_EQUAL(records_of(w->heap), records - (TREE_RECORDS - 1), "every derived record refunded");
}

USER_TEST(972, frame_unmap_of_a_frame_with_a_big_tree_is_preempted)
{
    core_until_conclusive(result, try_972, PREEMPTION_ATTEMPTS, NO_TICKS_INSIDE);
}

/* The worker, and another task paid by its heap, which it holds in WORKER_OTHER_TASKS. */
static int worker_with_victim(struct worker *w)
{
    unsigned victim = core_slot();
    int error = worker_create(w);

    if (!error)
        error = l4_create(w->heap, BURSAR_OBJECT_TASK, victim, 16);
    return error ? error : give_worker(w, victim, WORKER_OTHER_TASKS, BURSAR_RIGHTS_ALL);
}

static void try_702(struct test_result *result, bool *conclusive)
{
    struct worker *w = &worker;
    TEST_CHECK_EQUAL(worker_with_victim(w), 0, "the worker, and the task to destroy");
    TEST_CHECK_EQUAL(worker_memory_tree(w, TREE_RECORDS), 0, "the worker's pages");
    uint32_t records = records_of(w->heap);
    TEST_CHECK_EQUAL(worker_run(w, (struct long_call){ .call = call_map_into_victim, .address = TREE_BASE,
                                                       .pages = TREE_RECORDS }), 0, "map them into the task");
    TEST_CHECK_EQUAL(records_of(w->heap), records + TREE_RECORDS, "one record a page");
    preempted_call(result, w, (struct long_call){ .call = call_destroy, .slot = WORKER_OTHER_TASKS },
                   "destroy of a task", TREE_RECORDS, conclusive);
    if (result->failed)
        return;
    TEST_CHECK_EQUAL(records_of(w->heap), records, "every record of its mappings refunded");
}

USER_TEST(702, destroying_a_task_with_many_mappings_is_preempted)
{
    core_until_conclusive(result, try_702, PREEMPTION_ATTEMPTS, NO_TICKS_INSIDE);
}

/*
 * A capability tree: an endpoint (its root record) held by the worker, a
 * REVOCABLE COPY of it in the worker's space (the middle record), and
 * CAP_TREE_SLOTS REVOCABLE COPYs of that middle one filling the capability
 * spaces of other tasks. Every record is paid by the worker's heap.
 */
static int worker_cap_tree(const struct worker *w, unsigned *endpoint)
{
    int error = l4_create(w->heap, BURSAR_OBJECT_ENDPOINT, *endpoint = core_slot(), 0);

    if (!error)
        error = give_worker(w, *endpoint, WORKER_ENDPOINT, BURSAR_RIGHTS_ALL);
    for (unsigned t = 0; t < CAP_TREE_TASKS && !error; t++) {
        unsigned task = core_slot();
        error = l4_create(w->heap, BURSAR_OBJECT_TASK, task, CAP_TREE_TASK_SLOTS);
        if (!error)
            error = give_worker(w, task, WORKER_OTHER_TASKS + t, BURSAR_RIGHTS_ALL);
    }
    return error ? error : worker_run(w, (struct long_call){ .call = call_build_cap_tree });
}

static void try_703(struct test_result *result, bool *conclusive)
{
    struct worker *w = &worker;
    unsigned endpoint;

    TEST_CHECK_EQUAL(worker_create(w), 0, "the worker task");
    uint32_t records = records_of(w->heap);
    TEST_CHECK_EQUAL(worker_cap_tree(w, &endpoint), 0, "the tree");
    TEST_CHECK_EQUAL(records_of(w->heap), records + CAP_TREE_SLOTS + 1, "one record per revocable copy");
    preempted_call(result, w, (struct long_call){ .call = call_revoke, .slot = WORKER_ENDPOINT },
                   "revoke of a capability tree", CAP_TREE_SLOTS + 1, conclusive);
    if (result->failed)
        return;
    TEST_CHECK_EQUAL(records_of(w->heap), records, "every record refunded exactly once");
    struct l4_cap_info info = { 0 };
    bool revoked = false;
    TEST_CHECK_EQUAL(core_inspect(endpoint, &info, &revoked), 0, "inspect the root's copy");
    TEST_CHECK(info.type == BURSAR_OBJECT_ENDPOINT && !revoked, "a COPY of the revoker's capability stays");
}

USER_TEST(703, revoking_a_big_capability_tree_is_preempted)
{
    core_until_conclusive(result, try_703, PREEMPTION_ATTEMPTS, NO_TICKS_INSIDE);
}

/*
 * The root naps until call 0 (running below it) is inside its system call,
 * as seen at a wake-up: true then, with call 0 stopped in the kernel (the
 * root runs only when the timer let it in at a preemption point, or
 * in the moments before or after the call); false if call 0 finished
 * first.
 */
static bool root_sees_call_inside(void)
{
    const struct long_call *c = &area.calls[0];

    while (!c->done) {
        root_nap();
        if (c->inside && !c->done)
            return true;
    }
    return false;
}

#define NEVER_INSIDE "the root never ran while the first call was inside the kernel"

/*
 * Helper A (low priority) does call 0; once the root wakes and finds A
 * inside, it starts helper B (higher) to do call 1, which therefore runs
 * while A is stopped inside its call. Both must succeed, and `records` must
 * be what the heap holds afterwards.
 */
static void second_call_inside_first(struct test_result *result, const struct worker *w, struct long_call a_call,
                                     struct long_call b_call, uint32_t records, const char *what, bool *conclusive)
{
    const struct long_call *a = &area.calls[0], *b = &area.calls[1];

    area.calls[0] = a_call;
    area.calls[1] = b_call;
    TEST_CHECK_EQUAL(start_call(w, 0, CORE_LOW_PRIORITY), 0, "helper A");
    *conclusive = root_sees_call_inside();
    if (*conclusive)
        TEST_CHECK_EQUAL(start_call(w, 1, CORE_LOW_PRIORITY + 50), 0, "helper B");
    while (!a->done || (*conclusive && !b->done))
        root_nap();
    printf("  A inside its %s %u ms, %u ticks; %s\n", what, elapsed_ms(a), ticks_inside(a),
           *conclusive ? "B started from inside it" : "A done before the root saw it inside");
    TEST_CHECK_EQUAL(a->result, 0, "A's call");
    if (!*conclusive)
        return;
    TEST_CHECK_EQUAL(b->result, 0, "B's call");
    TEST_CHECK(b->entered_order > a->entered_order && b->entered_order < a->returned_order,
               "B did not run while A was inside its call");
    TEST_CHECK_EQUAL(records_of(w->heap), records, "every record refunded exactly once");
    TEST_CHECK_EQUAL(l4_debug_dump(BURSAR_SLOT_DEBUG, BURSAR_DUMP_CHECK, 0), 0, "the kernel's own check");
}

/* A revokes from `a_slot` of a capability tree; B does `second` to `b_slot` of the same tree meanwhile. */
static struct { unsigned a_slot, b_slot; int (*second)(struct long_call *); } tree_race;

static void try_tree_race(struct test_result *result, bool *conclusive)
{
    struct worker *w = &worker;
    unsigned endpoint;

    TEST_CHECK_EQUAL(worker_create(w), 0, "the worker task");
    uint32_t records = records_of(w->heap);
    TEST_CHECK_EQUAL(worker_cap_tree(w, &endpoint), 0, "the tree");
    second_call_inside_first(result, w, (struct long_call){ .call = call_revoke, .slot = tree_race.a_slot },
                             (struct long_call){ .call = tree_race.second, .slot = tree_race.b_slot }, records,
                             "revoke", conclusive);
}

static void concurrent_on_tree(struct test_result *result, unsigned a_slot, int (*second)(struct long_call *),
                               unsigned b_slot)
{
    tree_race.a_slot = a_slot;
    tree_race.b_slot = b_slot;
    tree_race.second = second;
    core_until_conclusive(result, try_tree_race, PREEMPTION_ATTEMPTS, NEVER_INSIDE);
}

/* Two cursors walk the same tree from the same top. */
USER_TEST(704, a_second_revoke_of_a_tree_being_revoked)
{
    concurrent_on_tree(result, WORKER_ENDPOINT, call_revoke, WORKER_ENDPOINT);
}

/* The delete orphans the record A's revoke started at: both walk it; it is freed once. */
USER_TEST(705, deleting_the_capability_a_revoke_started_from)
{
    concurrent_on_tree(result, WORKER_MIDDLE, call_delete, WORKER_MIDDLE);
}

/* The destroy takes the whole tree, A's top with it, then the endpoint. */
USER_TEST(706, destroying_the_object_under_a_revoke)
{
    concurrent_on_tree(result, WORKER_MIDDLE, call_destroy, WORKER_ENDPOINT);
}

/*
 * Start call 0 (an unmap of the whole big tree) in a worker thread, wait
 * until the root sees it inside, then destroy `what` from the root. The
 * thread must never return to user mode; it finishes the mapdb work in hand
 * and then frees itself.
 */
static bool destroy_whole_task;

static void try_destroy_during_unmap(struct test_result *result, bool *conclusive)
{
    struct worker *w = &worker;
    const struct long_call *c = &area.calls[0];
    bool whole_task = destroy_whole_task;

    TEST_CHECK_EQUAL(worker_create(w), 0, "the worker task");
    TEST_CHECK_EQUAL(worker_memory_tree(w, TREE_RECORDS), 0, "the tree");
    /* The thread that built the tree has exited; its object stays until the worker goes. */
    uint32_t threads = whole_task ? 0 : live_in(w->heap, BURSAR_HEAP_THREAD), records = records_of(w->heap);
    unsigned thread;
    area.calls[0] = (struct long_call){ .call = call_unmap, .address = TREE_BASE, .pages = TREE_RECORDS };
    TEST_CHECK_EQUAL(start_call_in(w, 0, CORE_LOW_PRIORITY, &thread), 0, "the unmapping thread");
    *conclusive = root_sees_call_inside();
    if (!*conclusive)
        return;
    TEST_CHECK_EQUAL(l4_destroy(whole_task ? w->task : thread), 0, "destroy it while it is inside");
    /* It runs below the root: the root sleeps to let it finish. */
    for (unsigned tick = 0; tick < 500 && live_in(w->heap, BURSAR_HEAP_THREAD) != threads; tick++)
        core_sleep_ms(1);
    TEST_CHECK_EQUAL(live_in(w->heap, BURSAR_HEAP_THREAD), threads, "the destroyed thread freed itself");
    TEST_CHECK(!c->done, "a thread destroyed inside the kernel returned to user mode");
    if (whole_task)
        TEST_CHECK_EQUAL(records_of(w->heap), 0, "the task's every record refunded");
    else
        TEST_CHECK(records_of(w->heap) < records, "the page in hand was not finished");
    TEST_CHECK_EQUAL(l4_debug_dump(BURSAR_SLOT_DEBUG, BURSAR_DUMP_CHECK, 0), 0, "the kernel's own check");
}

USER_TEST(707, a_thread_destroyed_inside_a_long_unmap_finishes_its_page_and_frees_itself)
{
    destroy_whole_task = false;
    core_until_conclusive(result, try_destroy_during_unmap, PREEMPTION_ATTEMPTS, NEVER_INSIDE);
}

USER_TEST(708, a_task_destroyed_while_its_thread_is_inside_a_long_unmap)
{
    destroy_whole_task = true;
    core_until_conclusive(result, try_destroy_during_unmap, PREEMPTION_ATTEMPTS, NEVER_INSIDE);
}

/*
 * The heap that pays for a thread stopped inside a long unmap (and for its
 * task, its tree and its page tables) is destroyed from the root. The
 * destroy takes the thread with its task; the thread, stopped in the kernel,
 * finishes the page in hand (lent the destroy's priority, preempt_wait_for)
 * and frees itself; everything the heap paid for goes, and when the destroy
 * returns, nothing of it is left and its frames are back.
 */
static void try_709(struct test_result *result, bool *conclusive)
{
    struct worker *w = &worker;
    struct bursar_system_info before, after;

    TEST_CHECK_EQUAL(l4_system_info(&before), 0, "system info");
    TEST_CHECK_EQUAL(worker_create(w), 0, "the worker task");
    TEST_CHECK_EQUAL(worker_memory_tree(w, TREE_RECORDS), 0, "the tree");
    area.calls[0] = (struct long_call){ .call = call_unmap, .address = TREE_BASE, .pages = TREE_RECORDS };
    TEST_CHECK_EQUAL(start_call(w, 0, CORE_LOW_PRIORITY), 0, "the unmapping thread");
    *conclusive = root_sees_call_inside();
    if (!*conclusive)
        return;
    TEST_CHECK_EQUAL(l4_destroy(w->heap), 0, "destroy the heap while the thread is inside");
    TEST_CHECK_EQUAL(l4_system_info(&after), 0, "system info");
    TEST_CHECK(after.heaps == before.heaps && after.tasks == before.tasks && after.threads == before.threads,
               "left: %u heaps, %u tasks, %u threads; before %u, %u, %u", after.heaps, after.tasks, after.threads,
               before.heaps, before.tasks, before.threads);
    TEST_CHECK_EQUAL(after.heap_frames, before.heap_frames, "the heap's frames went back");
    TEST_CHECK_EQUAL(l4_debug_dump(BURSAR_SLOT_DEBUG, BURSAR_DUMP_CHECK, 0), 0, "the kernel's own check");
}

USER_TEST(709, destroying_the_heap_of_a_thread_inside_a_long_unmap)
{
    core_until_conclusive(result, try_709, PREEMPTION_ATTEMPTS, NEVER_INSIDE);
}

static void try_710(struct test_result *result, bool *conclusive)
{
    struct worker *w = &worker;
    TEST_CHECK_EQUAL(worker_with_victim(w), 0, "the worker, and the task mapped into");
    /* Mapping is cheaper per page than unmapping: twice the pages, to span several ticks. */
    TEST_CHECK_EQUAL(worker_memory_tree(w, 2 * TREE_RECORDS), 0, "the worker's pages");
    uint32_t records = records_of(w->heap);
    preempted_call(result, w, (struct long_call){ .call = call_map_into_victim, .address = TREE_BASE,
                                                  .pages = 2 * TREE_RECORDS },
                   "map of a range", 2 * TREE_RECORDS, conclusive);
    if (result->failed)
        return;
    TEST_CHECK_EQUAL(records_of(w->heap), records + 2 * TREE_RECORDS, "one record a page");
}

USER_TEST(710, mapping_a_large_range_is_preempted)
{
    core_until_conclusive(result, try_710, PREEMPTION_ATTEMPTS, NO_TICKS_INSIDE);
}

/*
 * Two threads of the worker unmap the same big tree at once: A the frame's
 * own mapping (its whole tree goes), B, started from inside A's call, the
 * range of derived pages page by page. Both succeed; every record is freed
 * exactly once.
 */
static void try_711(struct test_result *result, bool *conclusive)
{
    struct worker *w = &worker;
    TEST_CHECK_EQUAL(worker_create(w), 0, "the worker task");
    TEST_CHECK_EQUAL(worker_memory_tree(w, TREE_RECORDS), 0, "the tree");
    uint32_t records = records_of(w->heap);
    second_call_inside_first(result, w, (struct long_call){ .call = call_unmap, .address = TREE_BASE, .pages = 1 },
                             (struct long_call){ .call = call_unmap, .address = TREE_BASE + PAGE,
                                                 .pages = TREE_RECORDS - 1 },
                             records - (TREE_RECORDS - 1), "unmap", conclusive);
}

USER_TEST(711, two_unmaps_of_one_tree_at_once)
{
    core_until_conclusive(result, try_711, PREEMPTION_ATTEMPTS, NEVER_INSIDE);
}
