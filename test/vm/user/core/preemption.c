/*
 * preemption.c — long kernel operations are preemptible (kernel/preempt.h):
 * while a low-priority thread is inside one system call that revokes,
 * unmaps or destroys tens of thousands of records, the root thread (higher
 * priority) keeps waking up on timer ticks and running. Each test proves it
 * from timestamps: some of the root's wake-ups fall strictly between the
 * helper's entry to and return from that one call. Concurrent revokes,
 * deletes and destroys on a tree being revoked all succeed and every record
 * is refunded exactly once.
 *
 * The records are paid by a per-test heap: the calls are made by threads
 * of a worker task (sharing this program, see libl4/task.h) paid by that
 * heap, so everything goes back to the bank when the heap is destroyed
 * after the test. Code run in the worker task touches only the shared area.
 */
#include "core.h"

#include "libl4/kernel_stats.h"
#include "libl4/printf.h"
#include "libl4/task.h"
#include "libl4/thread.h"

#define PAGE 4096u
#define TREE_BASE 0x40000000u      /* 512 MiB of the worker's address space for the big trees */
/*
 * The root wakes every other 10 ms tick (a 1 ms sleep is two ticks), so each
 * long call must last well over 20 ms even on a fast host for a wake-up to
 * fall inside it: about 60 ms on these 2-core machines.
 */
#define TREE_RECORDS 65536u
#define MAX_WAKES 256u
#define WORKER_HEAP_FRAMES 3000u

/* Slots of the worker task's capability space. */
enum { WORKER_TASK, WORKER_MEMORY, WORKER_SLEEP, WORKER_ENDPOINT, WORKER_MIDDLE, WORKER_OTHER_TASKS };
#define CAP_TREE_TASKS 64u
#define CAP_TREE_TASK_SLOTS 2048u
#define CAP_TREE_SLOTS (CAP_TREE_TASKS * CAP_TREE_TASK_SLOTS)
#define WORKER_SLOTS (WORKER_OTHER_TASKS + CAP_TREE_TASKS)

/* One system call made by a thread, and when it was inside it. */
struct long_call {
    int (*call)(struct long_call *);
    uintptr_t address;
    unsigned pages, slot, frame;
    bool late;                       /* wait a tick first */
    volatile int result;
    volatile uint64_t entered, returned;
    volatile bool done;
};

#define WORKER_THREADS 2
struct worker_area {
    struct long_call calls[WORKER_THREADS];
    struct bursar_utcb utcbs[WORKER_THREADS] __attribute__((aligned(BURSAR_UTCB_SIZE)));
    char stacks[WORKER_THREADS][4096] __attribute__((aligned(16)));
};
static struct worker_area area __attribute__((aligned(4096)));

struct worker {
    unsigned heap, task;
};

/* ---- Code that runs in the worker task: only its stack and `area`. ---- */

static void worker_sleep_a_tick(void)
{
    l4_receive(WORKER_SLEEP, BURSAR_NO_CAPABILITY, 0, 0, 0, 0, BURSAR_TIMEOUT_MS(1));
}

static void run_long_call(void *argument)
{
    struct long_call *c = argument;

    if (c->late)
        worker_sleep_a_tick();
    c->entered = l4_timestamp();
    c->result = c->call(c);
    c->returned = l4_timestamp();
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

/*
 * The worker heaps' frames: taken from the root bank once, then donated to
 * every test's worker heap again (the heap that held them was destroyed
 * after the test before, which gave them back to the bank), so that these
 * big tests do not use up the fresh frames the other tests draw from.
 */
static uint32_t worker_frames[WORKER_HEAP_FRAMES];
static bool worker_frames_taken;

static int worker_heap_create(unsigned slot)
{
    int error = l4_create(BURSAR_SLOT_HEAP, BURSAR_OBJECT_HEAP, slot, 0);

    for (unsigned i = 0; i < WORKER_HEAP_FRAMES && error == 0; i++) {
        if (!worker_frames_taken)
            worker_frames[i] = core_frame();
        error = l4_heap_donate(slot, BURSAR_SLOT_MEMORY, worker_frames[i], 1);
    }
    worker_frames_taken = error == 0;
    return error;
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
    if (!error)
        error = give_worker(w, CORE_SLEEP_ENDPOINT, WORKER_SLEEP, BURSAR_RIGHT_READ);
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

    area.calls[index].done = false;
    *slot = spec.slot;
    return l4_thread_spawn(&spec);
}

/* Run one call in the worker at low priority and wait (sleeping) until it is done. */
static int start_call(const struct worker *w, unsigned index, unsigned priority)
{
    unsigned slot;

    return start_call_in(w, index, priority, &slot);
}

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

/*
 * Start call 0 below the root's priority and sleep tick by tick until it is
 * done. Returns how many of the root's wake-ups fell inside the call.
 */
static unsigned wakes_during(const struct worker *w, struct long_call call, int *error)
{
    static uint64_t wakes[MAX_WAKES];
    const struct long_call *c = &area.calls[0];
    unsigned count = 0, inside = 0;

    area.calls[0] = call;
    *error = start_call(w, 0, CORE_LOW_PRIORITY);
    while (!*error && !c->done) {
        core_sleep_ms(1);
        if (count < MAX_WAKES)
            wakes[count++] = l4_timestamp();
    }
    for (unsigned i = 0; i < count; i++)
        if (wakes[i] > c->entered && wakes[i] < c->returned)
            inside++;
    return inside;
}

static void report(const char *what, unsigned records, unsigned inside)
{
    struct l4_preempt_stats stats;

    l4_preempt_stats(BURSAR_SLOT_DEBUG, &stats, 0);
    printf("  %s: %u records in %u ms; the root ran %u times inside; %u preemption points, %u switched\n",
           what, records, elapsed_ms(&area.calls[0]), inside, stats.points, stats.switches);
}

/* The tree of TREE_RECORDS mappings of one frame in the worker, at TREE_BASE. */
static int worker_memory_tree(const struct worker *w, unsigned pages)
{
    return worker_run(w, (struct long_call){ .call = call_build_memory_tree, .address = TREE_BASE,
                                             .pages = pages, .frame = core_frame() });
}

USER_TEST(700, unmapping_a_frame_with_a_big_tree_is_preempted)
{
    static struct worker w;
    struct l4_preempt_stats stats;
    unsigned inside;
    int error;

    TEST_CHECK_EQUAL(worker_create(&w), 0, "the worker task");
    TEST_CHECK_EQUAL(worker_memory_tree(&w, TREE_RECORDS), 0, "the tree");
    uint32_t records = records_of(w.heap);
    l4_preempt_stats(BURSAR_SLOT_DEBUG, &stats, 1);
    inside = wakes_during(&w, (struct long_call){ .call = call_unmap, .address = TREE_BASE, .pages = 1 }, &error);
    report("unmap of the tree's root mapping", TREE_RECORDS, inside);
    TEST_CHECK_EQUAL(error, 0, "the helper");
    TEST_CHECK_EQUAL(area.calls[0].result, 0, "the unmap");
    TEST_CHECK(inside > 0, "the root thread never ran during the %u ms unmap", elapsed_ms(&area.calls[0]));
    l4_preempt_stats(BURSAR_SLOT_DEBUG, &stats, 0);
    /* A chunk is 64 mapdb units; each record is entered, unmapped and freed. */
    TEST_CHECK(stats.points >= TREE_RECORDS * 2 / 64, "only %u preemption points", stats.points);
    TEST_CHECK(stats.switches > 0, "no preemption point switched");
    TEST_CHECK_EQUAL(records_of(w.heap), records - (TREE_RECORDS - 1), "every derived record refunded");
}

/* SYS_FRAME_UNMAP, the bank's way to take a frame back: the same tree, started from the frame's root. */
USER_TEST(972, frame_unmap_of_a_frame_with_a_big_tree_is_preempted)
{
    static struct worker w;
    struct l4_preempt_stats stats;
    uint32_t frame = core_frame();
    unsigned inside;
    int error;

    TEST_CHECK_EQUAL(worker_create(&w), 0, "the worker task");
    TEST_CHECK_EQUAL(worker_run(&w, (struct long_call){ .call = call_build_memory_tree, .address = TREE_BASE,
                                                         .pages = TREE_RECORDS, .frame = frame }), 0, "the tree");
    uint32_t records = records_of(w.heap);
    l4_preempt_stats(BURSAR_SLOT_DEBUG, &stats, 1);
    inside = wakes_during(&w, (struct long_call){ .call = call_frame_unmap, .frame = frame }, &error);
    report("frame unmap of the tree", TREE_RECORDS, inside);
    TEST_CHECK_EQUAL(error, 0, "the helper");
    TEST_CHECK_EQUAL(area.calls[0].result, 0, "the frame unmap");
    TEST_CHECK(inside > 0, "the root thread never ran during the %u ms frame unmap", elapsed_ms(&area.calls[0]));
    l4_preempt_stats(BURSAR_SLOT_DEBUG, &stats, 0);
    TEST_CHECK(stats.points >= TREE_RECORDS * 2 / 64, "only %u preemption points", stats.points);
    TEST_CHECK_EQUAL(records_of(w.heap), records - (TREE_RECORDS - 1), "every derived record refunded");
}

USER_TEST(701, unmapping_a_large_range_is_preempted)
{
    static struct worker w;
    unsigned inside;
    int error;

    TEST_CHECK_EQUAL(worker_create(&w), 0, "the worker task");
    TEST_CHECK_EQUAL(worker_memory_tree(&w, TREE_RECORDS), 0, "the tree");
    uint32_t records = records_of(w.heap);
    /* Everything but the frame's own mapping, page by page, each with what was derived from it. */
    inside = wakes_during(&w, (struct long_call){ .call = call_unmap, .address = TREE_BASE + PAGE,
                                                  .pages = TREE_RECORDS - 1 }, &error);
    report("unmap of a range", TREE_RECORDS - 1, inside);
    TEST_CHECK_EQUAL(error, 0, "the helper");
    TEST_CHECK_EQUAL(area.calls[0].result, 0, "the unmap");
    TEST_CHECK(inside > 0, "the root thread never ran during the %u ms unmap", elapsed_ms(&area.calls[0]));
    TEST_CHECK_EQUAL(records_of(w.heap), records - (TREE_RECORDS - 1), "every record of the range refunded");
}

USER_TEST(702, destroying_a_task_with_many_mappings_is_preempted)
{
    static struct worker w;
    unsigned victim = core_slot(), inside;
    int error;

    TEST_CHECK_EQUAL(worker_create(&w), 0, "the worker task");
    TEST_CHECK_EQUAL(l4_create(w.heap, BURSAR_OBJECT_TASK, victim, 16), 0, "the task to destroy");
    TEST_CHECK_EQUAL(give_worker(&w, victim, WORKER_OTHER_TASKS, BURSAR_RIGHTS_ALL), 0, "its capability");
    TEST_CHECK_EQUAL(worker_memory_tree(&w, TREE_RECORDS), 0, "the worker's pages");
    uint32_t records = records_of(w.heap);
    TEST_CHECK_EQUAL(worker_run(&w, (struct long_call){ .call = call_map_into_victim, .address = TREE_BASE,
                                                        .pages = TREE_RECORDS }), 0, "map them into the task");
    TEST_CHECK_EQUAL(records_of(w.heap), records + TREE_RECORDS, "one record a page");
    inside = wakes_during(&w, (struct long_call){ .call = call_destroy, .slot = WORKER_OTHER_TASKS }, &error);
    report("destroy of a task", TREE_RECORDS, inside);
    TEST_CHECK_EQUAL(error, 0, "the helper");
    TEST_CHECK_EQUAL(area.calls[0].result, 0, "the destroy");
    TEST_CHECK(inside > 0, "the root thread never ran during the %u ms destroy", elapsed_ms(&area.calls[0]));
    TEST_CHECK_EQUAL(records_of(w.heap), records, "every record of its mappings refunded");
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

USER_TEST(703, revoking_a_big_capability_tree_is_preempted)
{
    static struct worker w;
    unsigned endpoint, inside;
    int error;

    TEST_CHECK_EQUAL(worker_create(&w), 0, "the worker task");
    uint32_t records = records_of(w.heap);
    TEST_CHECK_EQUAL(worker_cap_tree(&w, &endpoint), 0, "the tree");
    TEST_CHECK_EQUAL(records_of(w.heap), records + CAP_TREE_SLOTS + 1, "one record per revocable copy");
    inside = wakes_during(&w, (struct long_call){ .call = call_revoke, .slot = WORKER_ENDPOINT }, &error);
    report("revoke of a capability tree", CAP_TREE_SLOTS + 1, inside);
    TEST_CHECK_EQUAL(error, 0, "the helper");
    TEST_CHECK_EQUAL(area.calls[0].result, 0, "the revoke");
    TEST_CHECK(inside > 0, "the root thread never ran during the %u ms revoke", elapsed_ms(&area.calls[0]));
    TEST_CHECK_EQUAL(records_of(w.heap), records, "every record refunded exactly once");
    struct l4_cap_info info = { 0 };
    bool revoked = false;
    TEST_CHECK_EQUAL(core_inspect(endpoint, &info, &revoked), 0, "inspect the root's copy");
    TEST_CHECK(info.type == BURSAR_OBJECT_ENDPOINT && !revoked, "a COPY of the revoker's capability stays");
}

/*
 * Helper A (low priority) revokes from one capability of the tree; a tick
 * later helper B (higher) does `second` to a capability of the same tree
 * while A is stopped inside its revoke. Both must succeed, and every record
 * must be refunded exactly once.
 */
static void concurrent_on_tree(struct test_result *result, unsigned a_slot, int (*second)(struct long_call *),
                               unsigned b_slot)
{
    static struct worker w;
    const struct long_call *a = &area.calls[0], *b = &area.calls[1];
    unsigned endpoint;

    TEST_CHECK_EQUAL(worker_create(&w), 0, "the worker task");
    uint32_t records = records_of(w.heap);
    TEST_CHECK_EQUAL(worker_cap_tree(&w, &endpoint), 0, "the tree");
    area.calls[0] = (struct long_call){ .call = call_revoke, .slot = a_slot };
    area.calls[1] = (struct long_call){ .call = second, .slot = b_slot, .late = true };
    TEST_CHECK_EQUAL(start_call(&w, 1, CORE_LOW_PRIORITY + 50), 0, "helper B");
    TEST_CHECK_EQUAL(start_call(&w, 0, CORE_LOW_PRIORITY), 0, "helper A");
    while (!a->done || !b->done)
        core_sleep_ms(1);
    printf("  A inside its revoke %u ms; B entered %u ms after A and took %u ms\n", elapsed_ms(a),
           (unsigned)((b->entered - a->entered) / core_boot->tsc_khz), elapsed_ms(b));
    TEST_CHECK_EQUAL(a->result, 0, "A's revoke");
    TEST_CHECK_EQUAL(b->result, 0, "B's operation");
    TEST_CHECK(b->entered > a->entered && b->entered < a->returned, "B did not run while A was inside its revoke");
    TEST_CHECK_EQUAL(records_of(w.heap), records, "every record refunded exactly once");
    TEST_CHECK_EQUAL(l4_debug_dump(BURSAR_SLOT_DEBUG, BURSAR_DUMP_CHECK, 0), 0, "the kernel's own check");
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
 * Start call 0 (an unmap of the whole big tree) in a worker thread, wait a
 * tick so that it is inside, then destroy `what` from the root. The thread
 * must never return to user mode; it finishes the mapdb work in hand and
 * then frees itself.
 */
static void destroy_during_unmap(struct test_result *result, bool whole_task)
{
    static struct worker w;
    const struct long_call *c = &area.calls[0];

    TEST_CHECK_EQUAL(worker_create(&w), 0, "the worker task");
    TEST_CHECK_EQUAL(worker_memory_tree(&w, TREE_RECORDS), 0, "the tree");
    /* The thread that built the tree has exited; its object stays until the worker goes. */
    uint32_t threads = whole_task ? 0 : live_in(w.heap, BURSAR_HEAP_THREAD), records = records_of(w.heap);
    unsigned thread;
    area.calls[0] = (struct long_call){ .call = call_unmap, .address = TREE_BASE, .pages = TREE_RECORDS };
    TEST_CHECK_EQUAL(start_call_in(&w, 0, CORE_LOW_PRIORITY, &thread), 0, "the unmapping thread");
    core_sleep_ms(1);
    while (c->entered == 0)
        core_sleep_ms(1);
    TEST_CHECK_EQUAL(l4_destroy(whole_task ? w.task : thread), 0, "destroy it while it is inside");
    TEST_CHECK(!c->done, "the unmap had already finished (%u ms): nothing was destroyed inside it",
               elapsed_ms(c));
    /* It runs below the root: the root sleeps to let it finish. */
    for (unsigned tick = 0; tick < 500 && live_in(w.heap, BURSAR_HEAP_THREAD) != threads; tick++)
        core_sleep_ms(1);
    TEST_CHECK_EQUAL(live_in(w.heap, BURSAR_HEAP_THREAD), threads, "the destroyed thread freed itself");
    TEST_CHECK(!c->done, "a thread destroyed inside the kernel returned to user mode");
    if (whole_task)
        TEST_CHECK_EQUAL(records_of(w.heap), 0, "the task's every record refunded");
    else
        TEST_CHECK(records_of(w.heap) < records, "the page in hand was not finished");
    TEST_CHECK_EQUAL(l4_debug_dump(BURSAR_SLOT_DEBUG, BURSAR_DUMP_CHECK, 0), 0, "the kernel's own check");
}

USER_TEST(707, a_thread_destroyed_inside_a_long_unmap_finishes_its_page_and_frees_itself)
{
    destroy_during_unmap(result, false);
}

USER_TEST(708, a_task_destroyed_while_its_thread_is_inside_a_long_unmap)
{
    destroy_during_unmap(result, true);
}

/*
 * The heap that pays for a thread stopped inside a long unmap (and for its
 * task, its tree and its page tables) is destroyed from the root. The
 * destroy takes the thread with its task; the thread, stopped in the kernel,
 * finishes the page in hand (lent the destroy's priority, preempt_wait_for)
 * and frees itself; everything the heap paid for goes, and when the destroy
 * returns, nothing of it is left and its frames are back.
 */
USER_TEST(709, destroying_the_heap_of_a_thread_inside_a_long_unmap)
{
    static struct worker w;
    const struct long_call *c = &area.calls[0];
    struct bursar_system_info before, after;

    TEST_CHECK_EQUAL(l4_system_info(&before), 0, "system info");
    TEST_CHECK_EQUAL(worker_create(&w), 0, "the worker task");
    TEST_CHECK_EQUAL(worker_memory_tree(&w, TREE_RECORDS), 0, "the tree");
    area.calls[0] = (struct long_call){ .call = call_unmap, .address = TREE_BASE, .pages = TREE_RECORDS };
    TEST_CHECK_EQUAL(start_call(&w, 0, CORE_LOW_PRIORITY), 0, "the unmapping thread");
    core_sleep_ms(1);
    while (c->entered == 0)
        core_sleep_ms(1);
    TEST_CHECK(!c->done, "the unmap had already finished: nothing was inside it");
    TEST_CHECK_EQUAL(l4_destroy(w.heap), 0, "destroy the heap while the thread is inside");
    TEST_CHECK_EQUAL(l4_system_info(&after), 0, "system info");
    TEST_CHECK(after.heaps == before.heaps && after.tasks == before.tasks && after.threads == before.threads,
               "left: %u heaps, %u tasks, %u threads; before %u, %u, %u", after.heaps, after.tasks, after.threads,
               before.heaps, before.tasks, before.threads);
    TEST_CHECK_EQUAL(after.heap_frames, before.heap_frames, "the heap's frames went back");
    TEST_CHECK_EQUAL(l4_debug_dump(BURSAR_SLOT_DEBUG, BURSAR_DUMP_CHECK, 0), 0, "the kernel's own check");
}

USER_TEST(710, mapping_a_large_range_is_preempted)
{
    static struct worker w;
    unsigned victim = core_slot(), inside;
    int error;

    TEST_CHECK_EQUAL(worker_create(&w), 0, "the worker task");
    TEST_CHECK_EQUAL(l4_create(w.heap, BURSAR_OBJECT_TASK, victim, 16), 0, "the task mapped into");
    TEST_CHECK_EQUAL(give_worker(&w, victim, WORKER_OTHER_TASKS, BURSAR_RIGHTS_ALL), 0, "its capability");
    /* Mapping is cheaper per page than unmapping: twice the pages, to span several ticks. */
    TEST_CHECK_EQUAL(worker_memory_tree(&w, 2 * TREE_RECORDS), 0, "the worker's pages");
    uint32_t records = records_of(w.heap);
    inside = wakes_during(&w, (struct long_call){ .call = call_map_into_victim, .address = TREE_BASE,
                                                  .pages = 2 * TREE_RECORDS }, &error);
    report("map of a range", 2 * TREE_RECORDS, inside);
    TEST_CHECK_EQUAL(error, 0, "the helper");
    TEST_CHECK_EQUAL(area.calls[0].result, 0, "the map");
    TEST_CHECK(inside > 0, "the root thread never ran during the %u ms map", elapsed_ms(&area.calls[0]));
    TEST_CHECK_EQUAL(records_of(w.heap), records + 2 * TREE_RECORDS, "one record a page");
}

/*
 * Two threads of the worker unmap the same big tree at once: A the frame's
 * own mapping (its whole tree goes), B, a tick later and while A is inside,
 * the range of derived pages page by page. Both succeed; every record is
 * freed exactly once.
 */
USER_TEST(711, two_unmaps_of_one_tree_at_once)
{
    static struct worker w;
    const struct long_call *a = &area.calls[0], *b = &area.calls[1];

    TEST_CHECK_EQUAL(worker_create(&w), 0, "the worker task");
    TEST_CHECK_EQUAL(worker_memory_tree(&w, TREE_RECORDS), 0, "the tree");
    uint32_t records = records_of(w.heap);
    area.calls[0] = (struct long_call){ .call = call_unmap, .address = TREE_BASE, .pages = 1 };
    area.calls[1] = (struct long_call){ .call = call_unmap, .address = TREE_BASE + PAGE, .pages = TREE_RECORDS - 1,
                                        .late = true };
    TEST_CHECK_EQUAL(start_call(&w, 1, CORE_LOW_PRIORITY + 50), 0, "helper B");
    TEST_CHECK_EQUAL(start_call(&w, 0, CORE_LOW_PRIORITY), 0, "helper A");
    while (!a->done || !b->done)
        core_sleep_ms(1);
    printf("  A inside its unmap %u ms; B entered %u ms after A and took %u ms\n", elapsed_ms(a),
           (unsigned)((b->entered - a->entered) / core_boot->tsc_khz), elapsed_ms(b));
    TEST_CHECK_EQUAL(a->result, 0, "A's unmap");
    TEST_CHECK_EQUAL(b->result, 0, "B's unmap");
    TEST_CHECK(b->entered > a->entered && b->entered < a->returned, "B did not run while A was inside its unmap");
    TEST_CHECK_EQUAL(records_of(w.heap), records - (TREE_RECORDS - 1), "every record freed exactly once");
    TEST_CHECK_EQUAL(l4_debug_dump(BURSAR_SLOT_DEBUG, BURSAR_DUMP_CHECK, 0), 0, "the kernel's own check");
}
