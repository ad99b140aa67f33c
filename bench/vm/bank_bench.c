/*
 * bank_bench.c — what the space bank's services cost, as the root task
 * under `qemu -icount shift=0` (figures are guest instructions;
 * docs/benchmarks.md). The real bank server (servers/bank, booted as the
 * second module) runs with all of the boot memory.
 *
 * bank.buy.one-frame: bank_buy of one frame, from the call to the return:
 * the server maps the frame, zeroes it and grants it in its reply (the
 * buyer's page table there exists already: another page stays mapped in
 * the same 4 MiB).
 * bank.return.one-frame: bank_return_frames of that frame (the server's
 * SYS_FRAME_UNMAP included).
 * bank.buy.per-frame.b16: a block of 16, per frame.
 * bank.heap-fault.roundtrip: a thread whose own heap the bank funds makes
 * an endpoint in that empty heap: the create fails, the kernel makes the
 * thread a caller of the bank server, which gives one frame, and the create
 * restarts and succeeds (heap_bench's heap.fault.roundtrip is the same with
 * a thread of the root's own task as the bank).
 * bank.destroy.empty: destroying a bank that holds nothing (a child with its
 * bookkeeping heap). bank.destroy.per-frame: destroying a bank that bought
 * 512 frames, less the empty one, per frame. bank.destroy.per-heap-page:
 * a bank funding a heap of 512 pages, less one with an empty heap, per page.
 */
#include <stdbool.h>

#include "bench/vm/lib/bench.h"
#include "libl4/bank.h"
#include "libl4/l4.h"
#include "libl4/printf.h"
#include "libl4/task_sharing_program.h"
#include "libl4/thread_spawn.h"

#define ROUNDS 500
#define WARM_UP 10
#define DESTROY_ROUNDS 11
#define DESTROY_FRAMES 512u
#define PAGE_SIZE 4096u

enum {
    ROOT = BURSAR_SLOT_FIRST_FREE, SERVER_SLOTS, BANK = SERVER_SLOTS + 4, CHILD, HEAP, TASK, THREAD, SLEEP,
};
#define MODULE_AREA 0x20000000u
#define SERVER_WINDOW 0x28000000u
#define PAGES 0x30000000u

/* Slots of the task whose heap the bank funds. */
enum { FAULTER_BANK, FAULTER_HEAP, FAULTER_OBJECT };

static uint32_t samples[ROUNDS];

/* The kernel's counts over the timed parts only: each is read just around its operation. */
static struct bench_counts counts;

/*
 * A timed round's end, its `sample` taken by the caller right after the
 * operation: unless the round was a warm-up, the sample goes to
 * into_samples and the kernel's counts since `before` to `into`. It touches
 * only what it is given, so the faulter's task calls it too.
 */
static void round_end(unsigned round, uint32_t sample, const struct bursar_system_info *before,
                      uint32_t *into_samples, struct bench_counts *into)
{
    struct bursar_system_info after;

    l4_system_info(&after);
    if (round < WARM_UP)
        return;
    into_samples[round - WARM_UP] = sample;
    /* The SYS_SYSTEM_INFO that read `after` is the one entry of each stretch that is not the operation's. */
    into->after.kernel_entries += after.kernel_entries - before->kernel_entries - 1;
    into->after.address_space_switches += after.address_space_switches - before->address_space_switches;
    into->after.fast_path_ipcs += after.fast_path_ipcs - before->fast_path_ipcs;
}

static void counts_start(unsigned operations)
{
    counts = (struct bench_counts){ .operations = operations };
    counts.after.kernel_entries = 1;             /* bench_print_row takes one entry off for its own read */
}

/* ---- buying and returning ---- */

static void buy_rows(void)
{
    struct bursar_system_info before;
    uint32_t frame = 0, anchor;
    /* A page kept mapped beside the ones bought: our page table there stays, as a real buyer's would. */
    int error = bank_buy(BANK, PAGES + 0x200000u, 0, PAGES + 0x200000u, 12, &anchor, NULL, NULL);

    counts_start(ROUNDS);
    for (unsigned i = 0; i < WARM_UP + ROUNDS && !error; i++) {
        uint64_t start;
        l4_system_info(&before);
        start = l4_timestamp();
        error = bank_buy(BANK, PAGES, 0, PAGES, 12, &frame, NULL, NULL);
        round_end(i, (uint32_t)(l4_timestamp() - start), &before, samples, &counts);
        if (!error)
            error = bank_return_frames(BANK, frame, 1);
    }
    if (error) {
        printf("bench: bank.buy.one-frame: %s\n", bank_error_name(error));
        return;
    }
    bench_print_row("bank.buy.one-frame", samples, ROUNDS, 1, &counts);

    counts_start(ROUNDS);
    for (unsigned i = 0; i < WARM_UP + ROUNDS && !error; i++) {
        uint64_t start;
        error = bank_buy(BANK, PAGES, 0, PAGES, 12, &frame, NULL, NULL);
        l4_system_info(&before);
        start = l4_timestamp();
        if (!error)
            error = bank_return_frames(BANK, frame, 1);
        round_end(i, (uint32_t)(l4_timestamp() - start), &before, samples, &counts);
    }
    if (!error)
        bench_print_row("bank.return.one-frame", samples, ROUNDS, 1, &counts);

    counts_start(ROUNDS * 16);
    for (unsigned i = 0; i < WARM_UP + ROUNDS && !error; i++) {
        uint64_t start;
        l4_system_info(&before);
        start = l4_timestamp();
        error = bank_buy(BANK, PAGES, 4, PAGES, 16, &frame, NULL, NULL);
        round_end(i, ((uint32_t)(l4_timestamp() - start) - bench_overhead) / 16, &before, samples, &counts);
        if (!error)
            error = bank_return_frames(BANK, frame, 16);
    }
    if (error)
        printf("bench: bank buy and return: %s\n", bank_error_name(error));
    else
        bench_print_row("bank.buy.per-frame.b16", samples, ROUNDS, 0, &counts);
}

/* ---- a heap fault served by the bank ---- */

struct faulter_area {
    uint32_t samples[ROUNDS];
    struct bench_counts counts;
    uint32_t handle;
    volatile int error;
    volatile bool done;
    struct bursar_utcb utcb __attribute__((aligned(BURSAR_UTCB_SIZE)));
    char stack[4096] __attribute__((aligned(16)));
};
static struct faulter_area area __attribute__((aligned(4096)));

/*
 * Runs in the task the bank's heap pays for (only its stack, UTCB and
 * `area`), whose heap has no free page left: each create faults; after it
 * (untimed) the endpoint goes and the page it emptied is reclaimed through
 * the bank, so the next one faults too.
 */
static void faulter(void *unused)
{
    struct bursar_system_info before;
    uint32_t returned, moved, destroyed;

    (void)unused;
    area.counts.after.kernel_entries = 1;
    for (unsigned i = 0; i < WARM_UP + ROUNDS && !area.error; i++) {
        uint64_t start;
        l4_system_info(&before);
        start = l4_timestamp();
        area.error = l4_create(FAULTER_HEAP, BURSAR_OBJECT_ENDPOINT, FAULTER_OBJECT, 0);
        round_end(i, (uint32_t)(l4_timestamp() - start), &before, area.samples, &area.counts);
        l4_destroy(FAULTER_OBJECT);
        l4_cap_delete(FAULTER_OBJECT);
        if (!area.error)
            area.error = bank_heap_reclaim(FAULTER_BANK, area.handle, 1, &returned, &moved, &destroyed);
    }
    area.done = true;
    l4_receive(FAULTER_OBJECT + 1, BURSAR_NO_CAPABILITY, 0, 0, 0, 0, BURSAR_TIMEOUT_NEVER);
}

static void fault_row(void)
{
    struct l4_task_spec task = { .heap = HEAP, .slot = TASK, .capability_slots = 16, .shared = &area,
                                 .shared_size = sizeof area };
    struct l4_thread_spec thread = {
        .heap = HEAP, .task = TASK, .slot = THREAD, .stack = area.stack, .stack_size = sizeof area.stack,
        .utcb = (uintptr_t)&area.utcb, .priority = 100, .entry = faulter,
    };
    struct bursar_heap_info info;
    uint32_t returned, moved, destroyed;
    int error = bank_heap_create(BANK, 16, 0, 0, BURSAR_TIMEOUT_NEVER, HEAP, &area.handle);

    if (!error)
        error = l4_task_create_sharing_program(&task);
    if (!error)
        error = l4_cap_transfer(BANK, TASK, FAULTER_BANK, BURSAR_RIGHT_WRITE, BURSAR_COPY, 0);
    if (!error)
        error = l4_cap_transfer(HEAP, TASK, FAULTER_HEAP, BURSAR_RIGHT_READ | BURSAR_RIGHT_WRITE, BURSAR_COPY, 0);
    /* The thread waits below our priority while every free page goes back: then its first create faults. */
    if (!error)
        error = l4_thread_spawn(&thread);
    if (!error)
        error = l4_heap_info(HEAP, &info);
    if (!error && info.pages_free > 0)
        error = bank_heap_reclaim(BANK, area.handle, info.pages_free, &returned, &moved, &destroyed);
    while (!error && !area.done)
        l4_receive(SLEEP, BURSAR_NO_CAPABILITY, 0, 0, 0, 0, BURSAR_TIMEOUT_MS(10));
    if (error || area.error) {
        printf("bench: bank.heap-fault.roundtrip: %s\n", bank_error_name(error ? error : area.error));
        return;
    }
    area.counts.operations = ROUNDS;
    bench_print_row("bank.heap-fault.roundtrip", area.samples, ROUNDS, 1, &area.counts);
    l4_destroy(THREAD);
    l4_cap_delete(THREAD);
    l4_destroy(TASK);
    l4_cap_delete(TASK);
    bank_heap_destroy(BANK, area.handle, NULL);
    l4_cap_delete(HEAP);
}

/* ---- destroy ---- */

/* A child bank holding `frames` bought frames, or a heap of `heap_pages` pages (or neither): its destroy, timed. */
static uint32_t timed_destroy(uint32_t frames, int heap_pages, int *error)
{
    uint32_t handle, first;
    uint64_t start;

    *error = bank_create_child(BANK, BANK_NO_LIMIT, 1, CHILD);
    for (uint32_t i = 0; i < frames && !*error; i += 512)
        *error = bank_buy(CHILD, PAGES + i * PAGE_SIZE, 9, PAGES + i * PAGE_SIZE, 21, &first, NULL, NULL);
    if (!*error && heap_pages >= 0)
        *error = bank_heap_create(CHILD, (uint32_t)heap_pages, 0, 0, BURSAR_TIMEOUT_NEVER, HEAP, &handle);
    start = l4_timestamp();
    if (!*error)
        *error = bank_destroy(CHILD);
    l4_cap_delete(CHILD);
    l4_cap_delete(HEAP);
    return (uint32_t)(l4_timestamp() - start) - bench_overhead;
}

static uint32_t median_destroy(uint32_t frames, int heap_pages, int *error)
{
    uint32_t times[DESTROY_ROUNDS];

    timed_destroy(frames, heap_pages, error);           /* warm up */
    for (unsigned i = 0; i < DESTROY_ROUNDS && !*error; i++)
        times[i] = timed_destroy(frames, heap_pages, error);
    bench_sort(times, DESTROY_ROUNDS);
    return times[DESTROY_ROUNDS / 2];
}

static void destroy_rows(void)
{
    int error = 0;
    uint32_t empty = median_destroy(0, -1, &error), with_frames = median_destroy(DESTROY_FRAMES, -1, &error);
    uint32_t empty_heap = median_destroy(0, 0, &error), full_heap = median_destroy(0, DESTROY_FRAMES, &error);

    if (error) {
        printf("bench: bank.destroy: %s\n", bank_error_name(error));
        return;
    }
    printf("bench bank.destroy.empty instructions=%u\n", empty);
    printf("bench bank.destroy.per-frame instructions=%u frames=%u\n", (with_frames - empty) / DESTROY_FRAMES,
           DESTROY_FRAMES);
    printf("bench bank.destroy.per-heap-page instructions=%u pages=%u\n", (full_heap - empty_heap) / DESTROY_FRAMES,
           DESTROY_FRAMES);
}

int main(const struct bursar_boot_info *boot)
{
    int error = l4_create(BURSAR_SLOT_HEAP, BURSAR_OBJECT_ENDPOINT, SLEEP, 0);

    if (!error)
        error = l4_bank_start_from_boot(boot, "bank.elf", MODULE_AREA, SERVER_WINDOW, SERVER_SLOTS, 150, ROOT);
    if (error == -BURSAR_E_NOT_SUPPORTED) {
        printf("bench: bank.* skipped: the bank server needs heaps (NOT_SUPPORTED on this kernel)\n");
        return 0;
    }
    if (!error)
        error = bank_create_child(ROOT, BANK_NO_LIMIT, 8, BANK);
    if (error) {
        printf("bench: cannot start the bank: %s\n", bank_error_name(error));
        return 1;
    }
    printf("bank benchmark: %u rounds, medians in instructions (TSC under -icount shift=0)\n", ROUNDS);
    bench_measure_overhead();
    buy_rows();
    fault_row();
    destroy_rows();
    return 0;
}
