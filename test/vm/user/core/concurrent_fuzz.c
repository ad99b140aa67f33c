/*
 * concurrent_fuzz.c — random long operations from several threads at once
 * (docs/security.md, "Beyond the CPU"). The system-call fuzzer makes one
 * call at a time; here four threads at one priority, with a one-tick
 * timeslice, map and unmap ranges into three other tasks, map, unmap and
 * donate frames of a shared pool, revoke, copy and delete capabilities,
 * create and destroy objects, reclaim heaps and destroy and re-create the
 * tasks, while a fifth serves a heap's faults with frames of the same pool
 * (or refuses, or offers one it does not have). The timer interleaves them
 * between preemption points, so each call meets the others half done.
 * Every call must return 0 or a documented error, the kernel's own check
 * must pass whenever the root looks (every few ticks), and after the test
 * the ledger must be exact.
 */
#include "fault_pager.h"

#include "libl4/printf.h"
#include "libl4/thread_spawn.h"

#define WORKERS 4
#define TASKS 3
#define HEAPS 3
#define ENDPOINTS 4
#define POOL_FRAMES 48
#define OWN_BASE 0x30000000u          /* the workers' pages, in the root task */
#define OWN_PAGES 64u
#define THEIR_BASE 0x10000000u        /* where they map into the other tasks */
#define THEIR_PAGES 1024u
#define OBJECTS_PER_WORKER 4
#define RUN_MS 1500u
#define HEAP_FRAMES 64u
#define CALL_KINDS 14

struct fuzz_world {
    unsigned heaps[HEAPS], tasks[TASKS], endpoints[ENDPOINTS], fault_heap, bank, bank_reply;
    unsigned objects[WORKERS][OBJECTS_PER_WORKER];
    uint32_t frames[POOL_FRAMES];
    volatile bool stop;
};

struct worker {
    struct fuzz_world *world;
    uint32_t seed;
    volatile unsigned calls, refused_undocumented, stage;
    volatile uint32_t bad_call, bad_status;
    unsigned made[CALL_KINDS], succeeded[CALL_KINDS];
};

static struct fuzz_world world;
static struct worker workers[WORKERS + 1];
static struct bursar_utcb worker_utcbs[WORKERS + 1] __attribute__((aligned(BURSAR_UTCB_SIZE)));
static char worker_stacks[WORKERS + 1][4096] __attribute__((aligned(16)));

static uint32_t next_random(struct worker *w, uint32_t bound)
{
    return test_random(&w->seed) % bound;
}

static bool documented(int status)
{
    return status == 0 || (status < 0 && -status < BURSAR_ERROR_COUNT);
}

static uint32_t own_page(struct worker *w)   { return OWN_BASE + next_random(w, OWN_PAGES) * 4096u; }
static uint32_t their_page(struct worker *w) { return THEIR_BASE + next_random(w, THEIR_PAGES) * 4096u; }
static uint32_t some_pages(struct worker *w) { return 1 + next_random(w, next_random(w, 8) ? 2 : 32); }

/* One random call; its number and status. */
static int one_call(struct worker *w, uint32_t *number)
{
    struct fuzz_world *f = w->world;
    unsigned me = (unsigned)(w - workers), object = f->objects[me][next_random(w, OBJECTS_PER_WORKER)];
    unsigned task = f->tasks[next_random(w, TASKS)], heap = f->heaps[next_random(w, HEAPS)];
    unsigned endpoint = f->endpoints[next_random(w, ENDPOINTS)];
    uint32_t frame = f->frames[next_random(w, POOL_FRAMES)], rights = BURSAR_RIGHT_READ | next_random(w, 2) * 2;

    /* Weighted so that the world stays populated: more maps and creations than teardowns. */
    static const uint8_t kinds[] = { 0, 0, 0, 0, 0, 1, 2, 3, 3, 4, 5, 5, 6, 7, 7, 8, 9, 9, 10, 11, 11, 11, 12, 13 };

    switch (*number = kinds[next_random(w, sizeof kinds)]) {
    case 0:
        /* Into another task, or (a quarter of the time) into the workers' own pages, growing trees there. */
        if (next_random(w, 4) == 0)
            return l4_map(BURSAR_SLOT_TASK, own_page(w), own_page(w), rights, 1);
        return l4_map(task, own_page(w), their_page(w), rights, some_pages(w));
    case 1:
        return l4_unmap(own_page(w), some_pages(w));
    case 2:
        return l4_unmap_derived(own_page(w), some_pages(w));
    case 3:
        return l4_frame_map(BURSAR_SLOT_MEMORY, frame, own_page(w), rights);
    case 4:
        return l4_frame_unmap(BURSAR_SLOT_MEMORY, frame, 0);
    case 5:
        return l4_heap_donate(next_random(w, 2) ? heap : f->fault_heap, BURSAR_SLOT_MEMORY, frame, 1);
    case 6:
        return l4_heap_reclaim(next_random(w, 2) ? heap : f->fault_heap, 1 + next_random(w, 2), 0);
    case 7:
        return l4_cap_transfer(endpoint, task, 1 + next_random(w, 15), BURSAR_RIGHTS_ALL,
                               next_random(w, 2) ? BURSAR_REVOCABLE_COPY : BURSAR_COPY, 0);
    case 8:
        return l4_cap_revoke(next_random(w, 2) ? endpoint : task);
    case 9:
        return l4_create(next_random(w, 3) ? heap : f->fault_heap, BURSAR_OBJECT_ENDPOINT, object, 0);
    case 10:
        return l4_destroy(object);
    case 11:
        /* A task goes and (its slot empty or revoked) another takes its place, paid by some heap. */
        if (next_random(w, 8) == 0)
            return l4_destroy(task);
        return l4_create(heap, BURSAR_OBJECT_TASK, task, 16);
    case 12:
        return l4_cap_transfer(object, BURSAR_OWN_TASK, f->objects[me][next_random(w, OBJECTS_PER_WORKER)],
                               BURSAR_RIGHT_READ, BURSAR_REVOCABLE_COPY, 0);
    default: {
        uint32_t bits[BURSAR_UTCB_INFO_WORDS];
        return l4_frame_state(BURSAR_SLOT_MEMORY, f->frames[0] < frame ? f->frames[0] : frame, 64, bits, 0, 0);
    }
    }
}

static void work(void *argument)
{
    struct worker *w = argument;

    w->stage = 1;
    while (!w->world->stop) {
        uint32_t number = 0;
        int status = one_call(w, &number);
        w->calls++;
        w->made[number]++;
        w->succeeded[number] += status == 0;
        if (!documented(status)) {
            w->refused_undocumented++;
            w->bad_call = number;
            w->bad_status = (uint32_t)status;
        }
    }
    w->stage = 2;
}

/* The fault heap's bank: donates a random frame of the pool, or refuses, or offers one it does not hold. */
static void bank(void *argument)
{
    struct worker *w = argument;
    struct fuzz_world *f = w->world;
    uint32_t badge, tag, mr0, mr1;

    w->stage = 1;
    while (!f->stop) {
        int status = l4_receive(f->bank, f->bank_reply, &badge, &tag, &mr0, &mr1, BURSAR_TIMEOUT_MS(20));
        if (status != 0)
            continue;
        uint32_t choice = next_random(w, 4), frame = choice == 3 ? 0x100 : f->frames[next_random(w, POOL_FRAMES)];
        status = l4_reply(f->bank_reply, BURSAR_TAG(0, 2, 0), choice == 0 ? 0 : 1 | BURSAR_SLOT_MEMORY << 16, frame);
        w->calls++;
        if (!documented(status)) {
            w->refused_undocumented++;
            w->bad_status = (uint32_t)status;
        }
    }
    w->stage = 2;
}

static int spawn(unsigned index, void (*entry)(void *), unsigned *slot)
{
    struct l4_thread_spec spec = {
        .heap = BURSAR_SLOT_HEAP, .task = BURSAR_SLOT_TASK, .slot = *slot = core_slot(),
        .stack = worker_stacks[index], .stack_size = sizeof worker_stacks[index],
        .utcb = (uintptr_t)&worker_utcbs[index], .priority = CORE_LOW_PRIORITY, .entry = entry,
        .argument = &workers[index],
    };
    int error = l4_thread_spawn(&spec);

    return error ? error : l4_thread_configure(*slot, BURSAR_THREAD_TIMESLICE, 1);
}

USER_TEST(1240, random_long_operations_from_several_threads_at_once)
{
    unsigned threads[WORKERS + 1], checks = 0, calls = 0;
    uint64_t start;

    world = (struct fuzz_world){ .fault_heap = core_slot(), .bank = core_slot(), .bank_reply = core_slot() };
    for (unsigned i = 0; i < HEAPS; i++)
        TEST_CHECK_EQUAL(core_heap_create(world.heaps[i] = core_slot(), HEAP_FRAMES), 0, "a heap");
    for (unsigned i = 0; i < TASKS; i++)
        TEST_CHECK_EQUAL(l4_create(world.heaps[i], BURSAR_OBJECT_TASK, world.tasks[i] = core_slot(), 16), 0, "a task");
    for (unsigned i = 0; i < ENDPOINTS; i++)
        TEST_CHECK_EQUAL(l4_create(BURSAR_SLOT_HEAP, BURSAR_OBJECT_ENDPOINT, world.endpoints[i] = core_slot(), 0), 0,
                         "an endpoint");
    for (unsigned i = 0; i < WORKERS; i++)
        for (unsigned j = 0; j < OBJECTS_PER_WORKER; j++)
            world.objects[i][j] = core_slot();
    for (unsigned i = 0; i < POOL_FRAMES; i++)
        world.frames[i] = core_frame();
    /* The workers' pages: every frame of the pool, then again (mapped from the first ones) to the end. */
    for (unsigned i = 0; i < POOL_FRAMES; i++)
        TEST_CHECK_EQUAL(l4_frame_map(BURSAR_SLOT_MEMORY, world.frames[i], OWN_BASE + i * 4096u,
                                      BURSAR_RIGHT_READ | BURSAR_RIGHT_WRITE), 0, "a pool frame in the workers' pages");
    TEST_CHECK_EQUAL(l4_map(BURSAR_SLOT_TASK, OWN_BASE, OWN_BASE + POOL_FRAMES * 4096u,
                            BURSAR_RIGHT_READ | BURSAR_RIGHT_WRITE, OWN_PAGES - POOL_FRAMES), 0, "the rest of them");
    TEST_CHECK_EQUAL(l4_create(BURSAR_SLOT_HEAP, BURSAR_OBJECT_HEAP, world.fault_heap, 0), 0, "the fault heap");
    TEST_CHECK_EQUAL(l4_create(BURSAR_SLOT_HEAP, BURSAR_OBJECT_ENDPOINT, world.bank, 0), 0, "its bank's endpoint");
    TEST_CHECK_EQUAL(l4_create(BURSAR_SLOT_HEAP, BURSAR_OBJECT_REPLY, world.bank_reply, 0), 0, "its reply object");
    TEST_CHECK_EQUAL(l4_heap_configure(world.fault_heap, BURSAR_HEAP_BANK, world.bank, 0), 0, "the bank");
    TEST_CHECK_EQUAL(l4_heap_configure(world.fault_heap, BURSAR_HEAP_FAULT_TIMEOUT, BURSAR_TIMEOUT_MS(50), 0), 0,
                     "a fault timeout");
    for (unsigned i = 0; i <= WORKERS; i++) {
        workers[i] = (struct worker){ .world = &world, .seed = 0x1240u + i * 7919u };
        TEST_CHECK_EQUAL_FMT(spawn(i, i < WORKERS ? work : bank, &threads[i]), 0, "thread %u", i);
    }
    start = l4_timestamp();
    while (core_elapsed_ms(start) < RUN_MS) {
        core_sleep_ms(20);
        TEST_CHECK_EQUAL_FMT(l4_debug_dump(BURSAR_SLOT_DEBUG, BURSAR_DUMP_CHECK, 0), 0,
                             "the kernel's check after %u ms", core_elapsed_ms(start));
        checks++;
    }
    world.stop = true;
    for (unsigned i = 0; i <= WORKERS; i++) {
        TEST_CHECK(wait_for_stage(&workers[i].stage, 2, 3000), "thread %u never stopped", i);
        calls += workers[i].calls;
        TEST_CHECK(workers[i].refused_undocumented == 0, "thread %u: call %u returned %d, no documented error", i,
                   workers[i].bad_call, (int)workers[i].bad_status);
    }
    printf("  succeeded of made, by kind:");
    for (unsigned n = 0; n < CALL_KINDS; n++) {
        unsigned made = 0, ok = 0;
        for (unsigned i = 0; i < WORKERS; i++)
            made += workers[i].made[n], ok += workers[i].succeeded[n];
        printf(" %u/%u", ok, made);
    }
    printf("\n");
    printf("  %u calls by %u threads at once, the kernel's check passed %u times\n", calls, WORKERS + 1, checks);
    TEST_CHECK(calls > 100, "only %u calls", calls);
    TEST_CHECK_EQUAL(l4_debug_dump(BURSAR_SLOT_DEBUG, BURSAR_DUMP_CHECK, 0), 0, "the kernel's check at the end");
    /* The workers' pages: the after-test hook unmaps only the scratch pages. */
    TEST_CHECK_EQUAL(l4_unmap(OWN_BASE, OWN_PAGES), 0, "the workers' pages unmapped");
}
