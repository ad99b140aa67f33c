/*
 * interrupts_off_bench.c — the longest stretch the kernel keeps interrupts
 * off during each long operation a user can make as big as it likes, as
 * the root task under `qemu -icount shift=0` (figures are guest
 * instructions; docs/benchmarks.md, "Interrupt-off windows").
 *
 * Each row builds a worst case (not measured), resets the kernel's
 * counters (SYS_PREEMPT_STATS), runs the operation, and prints the longest
 * window the kernel saw with interrupts off while it ran, the preemption
 * points it passed and how long the whole operation took:
 *
 *   bench interrupts-off.NAME instructions=LONGEST points=P total=T
 *
 * Every scenario pays with a heap of its own (HEAP), funded from a pool of
 * frames and destroyed afterwards, so the frames go back to the bank and
 * the next scenario donates them again. What the root maps or creates
 * itself is paid by its own heap, funded once at the start.
 */
#include <stdbool.h>

#include "bench/vm/lib/bench.h"
#include "libl4/kernel_stats.h"
#include "libl4/l4.h"
#include "libl4/printf.h"
#include "libl4/thread_spawn.h"
#include "libl4/utcb.h"

#define PAGE 4096u
#define LARGE_PAGE 0x400000u        /* what one page table covers */
#define POOL_FRAMES 16000u
#define ROOT_HEAP_FRAMES 1600u
#define TREE_BASE 0x40000000u       /* memory trees */
#define RANGE_BASE 0x10000000u      /* where a tree's range is mapped again */
#define DONATION_BASE 0x30000000u   /* the tree of a frame a bank donates */
#define CHAIN_BASE 0x38000000u      /* a chain of mappings 2000 deep */
#define SPREAD_BASE 0x50000000u     /* one mapping per page table, up to 0x9b000000 */
#define TREE_RECORDS 20000u
#define TASK_SLOTS 2048u            /* the most a task may have */
#define THREADS 1000u
#define THREAD_STACK 1024u

enum { HEAP = BURSAR_SLOT_FIRST_FREE, ENDPOINT, SECOND_ENDPOINT, REPLY, BANK_THREAD, SCRATCH, FIRST_FREE };

static const struct bursar_boot_info *boot;
static uint32_t pool[POOL_FRAMES];
static unsigned pool_size, pool_next;
static unsigned next_slot = FIRST_FREE;

/* ---- set-up helpers ---- */

static void take_pool(void)
{
    for (unsigned r = 0; r < boot->range_count; r++)
        for (unsigned f = 0; f < boot->free_ranges[r].frames && pool_size < POOL_FRAMES; f++)
            pool[pool_size++] = boot->free_ranges[r].first_frame + f;
}

/* A frame kept for good (mapped by the root, or its own heap's): from the top of the pool. */
static uint32_t kept_frame(void)
{
    return pool[--pool_size];
}

static unsigned slot(void)
{
    return next_slot++;
}

/* A new heap in `heap`, paid by `payer`, holding `frames` frames of the pool. */
static int funded_heap(unsigned payer, unsigned heap, unsigned frames)
{
    int error = l4_create(payer, BURSAR_OBJECT_HEAP, heap, 0);

    for (unsigned i = 0; i < frames && !error; i++)
        error = pool_next < pool_size ? l4_heap_donate(heap, BURSAR_SLOT_MEMORY, pool[pool_next++], 1)
                                      : -BURSAR_E_OUT_OF_MEMORY;
    return error;
}

/* The scenario's heap: everything it builds is paid from here, and goes when it is destroyed. */
static int scenario_heap(unsigned frames)
{
    return funded_heap(BURSAR_SLOT_HEAP, HEAP, frames);
}

static int scenario_end(void)
{
    int error = l4_destroy(HEAP);     /* every capability to it goes, the slot too */

    next_slot = FIRST_FREE;
    pool_next = 0;                    /* its frames are the bank's again */
    return error;
}

/* ---- threads of the root task, many of them ---- */

static char stacks[THREADS][THREAD_STACK] __attribute__((aligned(16)));
static struct bursar_utcb utcbs[THREADS] __attribute__((aligned(BURSAR_UTCB_SIZE)));

/* Thread i, paid by HEAP, runs entry(argument) at `priority`; its capability is deleted (it lives on). */
static int spawn(unsigned i, void (*entry)(void *), void *argument, unsigned priority)
{
    struct l4_thread_spec spec = {
        .heap = HEAP, .task = BURSAR_SLOT_TASK, .slot = SCRATCH, .stack = stacks[i],
        .stack_size = THREAD_STACK, .utcb = (uintptr_t)&utcbs[i], .priority = priority,
        .entry = entry, .argument = argument,
    };
    int error = l4_thread_spawn(&spec);

    return error ? error : l4_cap_delete(SCRATCH);
}

/* ---- measuring ---- */

static int measured(const char *name, int (*operation)(uint32_t), uint32_t argument)
{
    struct l4_preempt_stats stats;
    uint64_t start;
    int error;

    l4_preempt_stats(BURSAR_SLOT_DEBUG, &stats, 1);
    start = l4_timestamp();
    error = operation(argument);
    uint64_t total = l4_timestamp() - start;
    l4_preempt_stats(BURSAR_SLOT_DEBUG, &stats, 0);
    if (error) {
        printf("bench: %s: error %d\n", name, error);
        return error;
    }
    printf("bench interrupts-off.%s instructions=%llu points=%u total=%llu\n", name,
           (unsigned long long)stats.longest_interrupts_off, stats.points, (unsigned long long)total);
    return 0;
}

#define STEP(expression) do { if (!error) error = (expression); } while (0)

/* ---- capability and memory trees, ranges ---- */

static unsigned tree_tasks[TREE_RECORDS / TASK_SLOTS + 1];

static int revoke_endpoint(uint32_t unused) { (void)unused; return l4_cap_revoke(ENDPOINT); }
static int unmap_derived(uint32_t page) { return l4_unmap_derived(page, 1); }
static int unmap_range(uint32_t pages) { return l4_unmap(TREE_BASE, pages); }
static int map_range(uint32_t pages) { return l4_map(BURSAR_SLOT_TASK, TREE_BASE, RANGE_BASE, BURSAR_RIGHT_READ, pages); }
static int destroy(uint32_t slot) { return l4_destroy(slot); }

/* The check walks every page before it finds the last one taken: refused is what is wanted. */
static int map_range_refused(uint32_t pages)
{
    int error = l4_map(BURSAR_SLOT_TASK, TREE_BASE, RANGE_BASE, BURSAR_RIGHT_READ, pages);

    return error == -BURSAR_E_ALREADY_MAPPED ? 0 : error ? error : -BURSAR_E_INVALID_ARGUMENT;
}

/* An endpoint and TREE_RECORDS REVOCABLE COPYs of it in the slots of other tasks. */
static int cap_tree(void)
{
    int error = scenario_heap(400);

    STEP(l4_create(HEAP, BURSAR_OBJECT_ENDPOINT, ENDPOINT, 0));
    for (unsigned t = 0; t * TASK_SLOTS < TREE_RECORDS && !error; t++)
        error = l4_create(HEAP, BURSAR_OBJECT_TASK, tree_tasks[t] = slot(), TASK_SLOTS);
    for (unsigned i = 0; i < TREE_RECORDS && !error; i++)
        error = l4_cap_transfer(ENDPOINT, tree_tasks[i / TASK_SLOTS], i % TASK_SLOTS, BURSAR_RIGHTS_ALL,
                                BURSAR_REVOCABLE_COPY, 0);
    return error;
}

static int tree_rows(void)
{
    int error = cap_tree();

    STEP(measured("revoke.cap.20000", revoke_endpoint, 0));
    STEP(measured("task.destroy.capabilities.2048", destroy, tree_tasks[0]));
    STEP(scenario_end());
    STEP(l4_frame_map(BURSAR_SLOT_MEMORY, kept_frame(), TREE_BASE, BURSAR_RIGHT_READ | BURSAR_RIGHT_WRITE));
    STEP(bench_derive_mappings(TREE_BASE, TREE_RECORDS));
    STEP(measured("revoke.memory.20000", unmap_derived, TREE_BASE));
    STEP(bench_derive_mappings(TREE_BASE, TREE_RECORDS));
    STEP(measured("map.range.20000", map_range, TREE_RECORDS));
    STEP(l4_unmap(RANGE_BASE, TREE_RECORDS - 1));
    STEP(measured("map.range.refused.20000", map_range_refused, TREE_RECORDS));
    STEP(l4_unmap(RANGE_BASE, TREE_RECORDS));
    STEP(measured("unmap.range.20000", unmap_range, TREE_RECORDS + 1));
    return error;
}

/* ---- tasks ---- */

#define TASKS 1000u
#define SPREAD 300u                 /* mappings, each alone in a page table */

static int create_task(uint32_t slots) { return l4_create(HEAP, BURSAR_OBJECT_TASK, SCRATCH, slots); }

static int system_info(uint32_t unused)
{
    struct bursar_system_info info;

    (void)unused;
    return l4_system_info(&info);
}

/*
 * With TASKS tasks about, a frame mapped at SPREAD_BASE and SPREAD pages
 * derived from it, each in a page table of its own: revoking them empties
 * a table per record (the kernel used to look for each table's task among
 * all tasks), then a task with a big tree is destroyed.
 */
static int task_rows(void)
{
    int error = scenario_heap(5000);

    for (unsigned t = 0; t < TASKS && !error; t++) {
        error = l4_create(HEAP, BURSAR_OBJECT_TASK, SCRATCH, 1);
        STEP(l4_cap_delete(SCRATCH));                 /* the task stays, paid by HEAP */
    }
    STEP(measured("task.create.2048-slots", create_task, TASK_SLOTS));
    STEP(l4_cap_delete(SCRATCH));
    STEP(measured("task.create.1-slot", create_task, 1));
    STEP(l4_cap_delete(SCRATCH));
    STEP(measured("system.info.tasks.1000", system_info, 0));
    STEP(l4_frame_map(BURSAR_SLOT_MEMORY, kept_frame(), SPREAD_BASE, BURSAR_RIGHT_READ | BURSAR_RIGHT_WRITE));
    for (unsigned i = 1; i <= SPREAD && !error; i++)
        error = l4_map(BURSAR_SLOT_TASK, SPREAD_BASE, SPREAD_BASE + i * (LARGE_PAGE + PAGE), BURSAR_RIGHT_READ, 1);
    STEP(measured("revoke.memory.spread-tables.300.tasks.1000", unmap_derived, SPREAD_BASE));
    /* A task of HEAP with a memory tree mapped into it. */
    STEP(l4_frame_map(BURSAR_SLOT_MEMORY, kept_frame(), TREE_BASE, BURSAR_RIGHT_READ | BURSAR_RIGHT_WRITE));
    STEP(bench_derive_mappings(TREE_BASE, TREE_RECORDS - 1));
    STEP(l4_create(HEAP, BURSAR_OBJECT_TASK, ENDPOINT, 16));
    STEP(l4_map(ENDPOINT, TREE_BASE, TREE_BASE, BURSAR_RIGHT_READ, TREE_RECORDS));
    STEP(measured("task.destroy.mappings.20000", destroy, ENDPOINT));
    STEP(measured("heap.destroy.tasks.1000", destroy, HEAP));
    next_slot = FIRST_FREE;
    pool_next = 0;
    return error;
}

/* ---- the other kinds' creation: each the first of its kind in a fresh heap, so kheap carves a page ---- */

static int create_kind(uint32_t type) { return l4_create(HEAP, type, SCRATCH, 0); }
static int create_thread_in(uint32_t task) { return l4_create(HEAP, BURSAR_OBJECT_THREAD, SCRATCH, task); }

static int creation_rows(void)
{
    unsigned task = slot();
    int error = scenario_heap(40);

    STEP(measured("endpoint.create", create_kind, BURSAR_OBJECT_ENDPOINT));
    STEP(l4_cap_delete(SCRATCH));
    STEP(measured("reply.create", create_kind, BURSAR_OBJECT_REPLY));
    STEP(l4_cap_delete(SCRATCH));
    STEP(measured("heap.create", create_kind, BURSAR_OBJECT_HEAP));
    STEP(l4_cap_delete(SCRATCH));
    /* A task none of whose slots was reached yet: the thread's creation zeroes its first capability page. */
    STEP(l4_create(HEAP, BURSAR_OBJECT_TASK, task, TASK_SLOTS));
    STEP(measured("thread.create.fresh-task", create_thread_in, task));
    STEP(l4_cap_delete(SCRATCH));
    STEP(scenario_end());
    return error;
}

/* ---- threads, waiters, timeouts ---- */

static volatile unsigned woken;

/* The root blocks for a while (on SECOND_ENDPOINT, where nobody sends): its threads below it run. */
static void root_sleep_ms(unsigned ms)
{
    l4_receive(SECOND_ENDPOINT, BURSAR_NO_CAPABILITY, 0, 0, 0, 0, BURSAR_TIMEOUT_MS(ms));
}

/* Blocks on ENDPOINT until it is destroyed, then sleeps 100 ms: the sleeps all end at one tick. */
static void wait_then_sleep(void *unused)
{
    (void)unused;
    l4_receive(ENDPOINT, BURSAR_NO_CAPABILITY, 0, 0, 0, 0, BURSAR_TIMEOUT_NEVER);
    l4_receive(SECOND_ENDPOINT, BURSAR_NO_CAPABILITY, 0, 0, 0, 0, BURSAR_TIMEOUT_MS(100));
    woken++;
}

/* Sleeps for a minute: a long list of armed timeouts. */
static void sleep_long(void *unused)
{
    (void)unused;
    l4_receive(SECOND_ENDPOINT, BURSAR_NO_CAPABILITY, 0, 0, 0, 0, BURSAR_TIMEOUT_MS(60000));
}

/*
 * Sleeps 300 ms, then wakes the root. Started with the sleepers, so that
 * the kernel's window that arms the root's timeout ends where it is
 * measured (a new thread's first return to user mode is not).
 */
static void wake_the_root(void *unused)
{
    (void)unused;
    l4_receive(SECOND_ENDPOINT, BURSAR_NO_CAPABILITY, 0, 0, 0, 0, BURSAR_TIMEOUT_MS(300));
    l4_send(ENDPOINT, BURSAR_TAG(1, 0, 0), 0, 0, BURSAR_TIMEOUT_NEVER);
}

/* A timeout later than every other one armed (the kernel used to walk them all to place it). */
static int arm_a_timeout(uint32_t unused)
{
    (void)unused;
    return l4_receive(ENDPOINT, BURSAR_NO_CAPABILITY, 0, 0, 0, 0, BURSAR_TIMEOUT_MS(65000));
}

/* The root sleeps (its own timeout, after all the others) until every thread is done. */
static int wait_for_timeouts(uint32_t count)
{
    while (woken < count)
        l4_receive(SECOND_ENDPOINT, BURSAR_NO_CAPABILITY, 0, 0, 0, 0, BURSAR_TIMEOUT_MS(10));
    return 0;
}

static int thread_rows(void)
{
    int error = scenario_heap(THREADS + 40);

    STEP(l4_create(HEAP, BURSAR_OBJECT_ENDPOINT, ENDPOINT, 0));
    STEP(l4_create(HEAP, BURSAR_OBJECT_ENDPOINT, SECOND_ENDPOINT, 0));
    /* Below the root: they all block on ENDPOINT, and wake together when it is destroyed. */
    for (unsigned i = 0; i < THREADS && !error; i++)
        error = spawn(i, wait_then_sleep, 0, 150);
    woken = 0;
    root_sleep_ms(200);
    STEP(measured("endpoint.destroy.waiters.1000", destroy, ENDPOINT));
    STEP(measured("ipc.timeouts.1000-in-one-tick", wait_for_timeouts, THREADS));
    STEP(scenario_end());

    STEP(scenario_heap(THREADS + 40));
    STEP(l4_create(HEAP, BURSAR_OBJECT_ENDPOINT, ENDPOINT, 0));
    STEP(l4_create(HEAP, BURSAR_OBJECT_ENDPOINT, SECOND_ENDPOINT, 0));
    for (unsigned i = 0; i < THREADS - 1 && !error; i++)
        error = spawn(i, sleep_long, 0, 150);
    STEP(spawn(THREADS - 1, wake_the_root, 0, 150));
    root_sleep_ms(200);
    STEP(measured("ipc.timeout.arm.sleepers.1000", arm_a_timeout, 0));
    STEP(measured("heap.destroy.threads.1000", destroy, HEAP));
    next_slot = FIRST_FREE;
    pool_next = 0;

    /* A task with THREADS threads (never started) of its own, destroyed. */
    STEP(scenario_heap(THREADS + 40));
    STEP(l4_create(HEAP, BURSAR_OBJECT_TASK, ENDPOINT, 16));
    for (unsigned i = 0; i < THREADS && !error; i++) {
        error = l4_create(HEAP, BURSAR_OBJECT_THREAD, SCRATCH, ENDPOINT);
        STEP(l4_cap_delete(SCRATCH));
    }
    STEP(measured("task.destroy.threads.1000", destroy, ENDPOINT));
    STEP(scenario_end());
    return error;
}

/* ---- nested heaps ---- */

/*
 * Under HEAP, `teeth` chains of `depth` heaps each, every heap paying for
 * the next: a frame each (but the last) to pay for the heap object below.
 * The capabilities go once made: the heaps stay, paid for, until HEAP goes.
 */
static int heap_comb(unsigned teeth, unsigned depth)
{
    int error = funded_heap(BURSAR_SLOT_HEAP, HEAP, teeth / 3 + 2);   /* 3 heap objects a page */
    unsigned a = slot(), b = slot();

    for (unsigned t = 0; t < teeth && !error; t++) {
        unsigned payer = HEAP, here = a;
        for (unsigned d = 0; d < depth && !error; d++) {
            error = funded_heap(payer, here, d + 1 < depth ? 1 : 0);
            if (!error && payer != HEAP)
                error = l4_cap_delete(payer);
            payer = here;
            here = here == a ? b : a;
        }
        STEP(l4_cap_delete(payer));
    }
    return error;
}

/* `count` heaps made after everything else, paid by a heap of their own (the old search met them first). */
static int bystanders(unsigned count)
{
    unsigned holder = slot();
    int error = funded_heap(BURSAR_SLOT_HEAP, holder, count / 3 + 2);

    for (unsigned i = 0; i < count && !error; i++) {
        error = l4_create(holder, BURSAR_OBJECT_HEAP, SCRATCH, 0);
        STEP(l4_cap_delete(SCRATCH));
    }
    return error ? error : (int)holder;
}

static int heap_rows(void)
{
    int error = heap_comb(500, 8), holder = 0;

    if (!error)
        error = (holder = bystanders(2000)) < 0 ? holder : 0;
    STEP(measured("heap.destroy.comb.500x8.bystanders.2000", destroy, HEAP));
    STEP(l4_destroy((unsigned)holder));
    next_slot = FIRST_FREE;
    pool_next = 0;
    STEP(heap_comb(1, 2000));
    STEP(measured("heap.destroy.chain.2000", destroy, HEAP));
    next_slot = FIRST_FREE;
    pool_next = 0;
    return error;
}

/* ---- donations ---- */

static uint32_t donated_first;

static int donate(uint32_t frames) { return l4_heap_donate(HEAP, BURSAR_SLOT_MEMORY, donated_first, frames); }

/* The frame the bank gives: mapped by the root at TREE_BASE, with a tree of TREE_RECORDS derived from it. */
static uint32_t bank_frame;

static void bank_main(void *unused)
{
    uint32_t tag, mr0, mr1;

    (void)unused;
    if (l4_receive(ENDPOINT, REPLY, 0, &tag, &mr0, &mr1, BURSAR_TIMEOUT_NEVER) == 0)
        l4_reply(REPLY, BURSAR_TAG(0, 2, 0), BURSAR_HEAP_FAULT_REPLY(1, BURSAR_SLOT_MEMORY), bank_frame);
}

static int fault_on_empty_heap(uint32_t heap) { return l4_create(heap, BURSAR_OBJECT_ENDPOINT, SCRATCH, 0); }

static int donation_rows(void)
{
    unsigned empty = slot();
    int error = scenario_heap(0);

    /* BURSAR_HEAP_DONATE_MAX_FRAMES frames in a row from the pool (it was taken in order). */
    for (donated_first = pool[pool_next]; !error && pool[pool_next + BURSAR_HEAP_DONATE_MAX_FRAMES - 1] != donated_first + BURSAR_HEAP_DONATE_MAX_FRAMES - 1;)
        donated_first = pool[++pool_next];
    pool_next += BURSAR_HEAP_DONATE_MAX_FRAMES;
    STEP(measured("heap.donate.8", donate, BURSAR_HEAP_DONATE_MAX_FRAMES));
    STEP(l4_create(HEAP, BURSAR_OBJECT_ENDPOINT, ENDPOINT, 0));
    STEP(l4_create(HEAP, BURSAR_OBJECT_REPLY, REPLY, 0));
    STEP(l4_create(HEAP, BURSAR_OBJECT_HEAP, empty, 0));
    STEP(l4_heap_configure(empty, BURSAR_HEAP_BANK, ENDPOINT, 0));
    STEP(l4_frame_map(BURSAR_SLOT_MEMORY, bank_frame = kept_frame(), DONATION_BASE,
                      BURSAR_RIGHT_READ | BURSAR_RIGHT_WRITE));
    STEP(bench_derive_mappings(DONATION_BASE, TREE_RECORDS));
    STEP(spawn(0, bank_main, 0, 150));
    STEP(measured("heap.fault.donation.tree.20000", fault_on_empty_heap, empty));
    STEP(l4_cap_delete(SCRATCH));
    STEP(scenario_end());
    return error;
}

/* ---- memory items of 1024 pages ---- */

#define ITEM_SOURCE 0x70000000u     /* 4 MiB aligned: the pages sent */
#define ITEM_WINDOW 0x74000000u     /* 4 MiB aligned: where they arrive */
#define ITEMS 8u                    /* BURSAR_MAX_TYPED_ITEMS */
#define ITEMS_SOURCE 0x60000000u    /* 32 MiB aligned: eight items of 4 MiB */
#define ITEMS_WINDOW 0x62000000u    /* 32 MiB aligned: where they arrive */
#define ITEMS_WINDOW_LOG2 25u

static void item_receiver(void *window_log2)
{
    uint32_t badge, tag, mr0, mr1, log2 = (uint32_t)(uintptr_t)window_log2;

    l4_set_receive_windows(0, 0, log2 == 22 ? ITEM_WINDOW : ITEMS_WINDOW, log2);
    l4_receive(ENDPOINT, BURSAR_NO_CAPABILITY, &badge, &tag, &mr0, &mr1, BURSAR_TIMEOUT_NEVER);
}

static int send_item(uint32_t log2)
{
    return l4_send(ENDPOINT, BURSAR_TAG(0, 0, 1), BURSAR_ITEM_MEMORY_WORD(log2, BURSAR_RIGHT_READ, BURSAR_REVOCABLE_COPY),
                   ITEM_SOURCE, BURSAR_TIMEOUT_NEVER);
}

/* Eight items of 4 MiB in one message: the words past MR1 go in the UTCB. */
static int send_items(uint32_t count)
{
    volatile struct bursar_utcb *utcb = l4_utcb();

    for (uint32_t n = 0; n < count; n++) {
        utcb->mr[2 * n] = BURSAR_ITEM_MEMORY_WORD(22, BURSAR_RIGHT_READ, BURSAR_REVOCABLE_COPY);
        utcb->mr[2 * n + 1] = ITEMS_SOURCE + n * LARGE_PAGE;
    }
    return l4_send(ENDPOINT, BURSAR_TAG(0, 0, count), utcb->mr[0], utcb->mr[1], BURSAR_TIMEOUT_NEVER);
}

/* Four one-page items, each landing under a page table of its own not made yet. */
static int send_pages_apart(uint32_t count)
{
    volatile struct bursar_utcb *utcb = l4_utcb();

    for (uint32_t n = 0; n < count; n++) {
        utcb->mr[2 * n] = BURSAR_ITEM_MEMORY_WORD(12, BURSAR_RIGHT_READ, BURSAR_REVOCABLE_COPY);
        utcb->mr[2 * n + 1] = ITEMS_SOURCE + n * LARGE_PAGE;
    }
    return l4_send(ENDPOINT, BURSAR_TAG(0, 0, count), utcb->mr[0], utcb->mr[1], BURSAR_TIMEOUT_NEVER);
}

/* One item of 2^log2 bytes at ITEMS_SOURCE, landing under a page table not made yet. */
static int send_small_item(uint32_t log2)
{
    return l4_send(ENDPOINT, BURSAR_TAG(0, 0, 1), BURSAR_ITEM_MEMORY_WORD(log2, BURSAR_RIGHT_READ, BURSAR_REVOCABLE_COPY),
                   ITEMS_SOURCE, BURSAR_TIMEOUT_NEVER);
}

/*
 * The most a message moves at once, with no point (transfer.h,
 * TRANSFER_PAGES_AT_ONCE): four pages apart, or together, new tables.
 */
static int small_item_rows(void)
{
    int error = 0;

    STEP(l4_frame_map(BURSAR_SLOT_MEMORY, kept_frame(), ITEMS_SOURCE, BURSAR_RIGHT_READ | BURSAR_RIGHT_WRITE));
    for (uint32_t n = 1; n < 4; n++) {
        STEP(l4_map(BURSAR_SLOT_TASK, ITEMS_SOURCE, ITEMS_SOURCE + n * LARGE_PAGE, BURSAR_RIGHT_READ, 1));
        STEP(l4_map(BURSAR_SLOT_TASK, ITEMS_SOURCE, ITEMS_SOURCE + n * PAGE, BURSAR_RIGHT_READ, 1));
    }
    STEP(spawn(2, item_receiver, (void *)ITEMS_WINDOW_LOG2, 150));
    root_sleep_ms(20);
    STEP(measured("ipc.items.memory.4x1-page.new-tables", send_pages_apart, 4));
    for (uint32_t n = 0; n < 4; n++)
        STEP(l4_unmap(ITEMS_WINDOW + n * LARGE_PAGE, 1));
    STEP(spawn(3, item_receiver, (void *)ITEMS_WINDOW_LOG2, 150));
    root_sleep_ms(20);
    STEP(measured("ipc.item.memory.4-pages.new-table", send_small_item, 14));
    STEP(l4_unmap(ITEMS_WINDOW, 4));
    STEP(spawn(4, item_receiver, (void *)ITEMS_WINDOW_LOG2, 150));
    root_sleep_ms(20);
    STEP(measured("ipc.item.memory.1-page.new-table", send_small_item, 12));
    STEP(spawn(5, item_receiver, (void *)ITEMS_WINDOW_LOG2, 150));
    root_sleep_ms(20);
    STEP(l4_unmap(ITEMS_WINDOW, 1));
    STEP(l4_map(BURSAR_SLOT_TASK, ITEMS_SOURCE, ITEMS_WINDOW + 16 * PAGE, BURSAR_RIGHT_READ, 1));  /* its table stays */
    STEP(measured("ipc.item.memory.4-pages", send_small_item, 14));
    STEP(l4_unmap(ITEMS_WINDOW, 17));
    for (uint32_t n = 0; n < 4; n++)
        STEP(l4_unmap(ITEMS_SOURCE + n * LARGE_PAGE, 4));
    return error;
}

/*
 * One IPC carrying the largest memory item (4 MiB), and one carrying eight
 * of them: the pages move with preemption points between them.
 */
static int item_rows(void)
{
    int error = scenario_heap(40);

    STEP(l4_create(HEAP, BURSAR_OBJECT_ENDPOINT, ENDPOINT, 0));
    STEP(l4_frame_map(BURSAR_SLOT_MEMORY, kept_frame(), ITEM_SOURCE, BURSAR_RIGHT_READ | BURSAR_RIGHT_WRITE));
    STEP(bench_derive_mappings(ITEM_SOURCE, 1023));
    STEP(spawn(0, item_receiver, (void *)22, 150));
    root_sleep_ms(20);
    STEP(measured("ipc.item.memory.1024-pages", send_item, 22));
    STEP(l4_unmap(ITEM_WINDOW, 1024));
    STEP(l4_unmap(ITEM_SOURCE, 1024));
    STEP(l4_frame_map(BURSAR_SLOT_MEMORY, kept_frame(), ITEMS_SOURCE, BURSAR_RIGHT_READ | BURSAR_RIGHT_WRITE));
    STEP(bench_derive_mappings(ITEMS_SOURCE, ITEMS * 1024 - 1));
    STEP(spawn(1, item_receiver, (void *)ITEMS_WINDOW_LOG2, 150));
    root_sleep_ms(20);
    STEP(measured("ipc.items.memory.8x1024-pages", send_items, ITEMS));
    STEP(l4_unmap(ITEMS_WINDOW, ITEMS * 1024));
    STEP(l4_unmap(ITEMS_SOURCE, ITEMS * 1024));
    STEP(small_item_rows());
    STEP(scenario_end());
    return error;
}

/* ---- the debug listings ---- */

#define CHAIN 2000u

static int dump_frame(uint32_t frame) { return l4_debug_dump(BURSAR_SLOT_DEBUG, BURSAR_DUMP_FRAME_TREE, frame); }
static int dump(uint32_t what) { return l4_debug_dump(BURSAR_SLOT_DEBUG, what, 0); }

/* ---- SYS_FRAME_STATE over its most frames ---- */

static int frame_state_all(uint32_t first)
{
    uint32_t bits[BURSAR_FRAME_STATE_MAX / 32];

    return l4_frame_state(BURSAR_SLOT_MEMORY, first, BURSAR_FRAME_STATE_MAX, bits, NULL, NULL);
}

static int dump_rows(void)
{
    uint32_t frame = kept_frame();
    int error = l4_frame_map(BURSAR_SLOT_MEMORY, frame, CHAIN_BASE, BURSAR_RIGHT_READ | BURSAR_RIGHT_WRITE);

    for (unsigned i = 1; i < CHAIN && !error; i++)
        error = l4_map(BURSAR_SLOT_TASK, CHAIN_BASE + (i - 1) * PAGE, CHAIN_BASE + i * PAGE, BURSAR_RIGHT_READ, 1);
    STEP(measured("debug.dump.frame-tree.chain.2000", dump_frame, frame));
    STEP(l4_unmap(CHAIN_BASE, CHAIN));
    STEP(scenario_heap(THREADS + 40));
    STEP(l4_create(HEAP, BURSAR_OBJECT_TASK, ENDPOINT, 16));
    for (unsigned i = 0; i < THREADS && !error; i++) {
        error = l4_create(HEAP, BURSAR_OBJECT_THREAD, SCRATCH, ENDPOINT);
        STEP(l4_cap_delete(SCRATCH));
    }
    STEP(measured("debug.dump.threads.1000", dump, BURSAR_DUMP_THREADS));
    STEP(measured("debug.check.threads.1000", dump, BURSAR_DUMP_CHECK));
    STEP(scenario_end());
    return error;
}

/* The longest debug print (BURSAR_DEBUG_PUTS_MAX bytes, one line), over a page boundary. */
static char puts_text[2 * PAGE] __attribute__((aligned(4096)));

static int debug_puts_longest(uint32_t length)
{
    char *text = puts_text + PAGE - length / 2;
    static const char words[] = "debug.puts: the longest print a thread may make. ";

    for (uint32_t i = 0; i < length - 1; i++)
        text[i] = words[i % (sizeof words - 1)];
    text[length - 1] = '\n';
    return l4_debug_puts(text, length);
}

int main(const struct bursar_boot_info *boot_info)
{
    int error = 0;

    boot = boot_info;
    take_pool();
    printf("bench-about the longest interrupt-off window of each long operation a user can make as big as it "
           "likes (figures: that window; points: preemption points passed; total: the whole operation)\n");
    /* The root's own heap pays for the memory trees' records and tables. */
    for (unsigned i = 0; i < ROOT_HEAP_FRAMES && !error; i++)
        error = l4_heap_donate(BURSAR_SLOT_HEAP, BURSAR_SLOT_MEMORY, kept_frame(), 1);
    if (error == -BURSAR_E_NOT_SUPPORTED) {
        printf("bench: SYS_HEAP_DONATE answers NOT_SUPPORTED: this kernel has no heaps to build the cases with\n");
        return 0;
    }
    STEP(tree_rows());
    STEP(task_rows());
    STEP(creation_rows());
    STEP(thread_rows());
    STEP(heap_rows());
    STEP(donation_rows());
    STEP(item_rows());
    STEP(measured("frame.state.1536", frame_state_all, kept_frame()));
    STEP(measured("debug.puts.1024", debug_puts_longest, BURSAR_DEBUG_PUTS_MAX));
    STEP(dump_rows());
    if (error)
        printf("bench: failed with %d\n", error);
    return error ? 1 : 0;
}
