/*
 * revoke_bench.c — what revoke, map and unmap cost, and the longest time the
 * kernel keeps interrupts off while revoking 10^5 records; as the root task
 * under `qemu -icount shift=0` (figures are guest instructions;
 * docs/benchmarks.md).
 *
 * revoke.cap.N: one SYS_CAP_REVOKE of an endpoint capability from which N
 * REVOCABLE COPYs were made into other tasks' slots (N records, N holders).
 * revoke.memory.N: one SYS_UNMAP in revoke mode of a page from which N
 * mappings were derived (a doubling tree in the own address space).
 * Each is printed whole and per record. map.page and unmap.page: one SYS_MAP
 * of 1024 pages into the own address space and the SYS_UNMAP of them, per
 * page (page tables included: the unmap frees them, the map takes them again).
 * interrupts-off.*: the longest interrupt-off window the kernel measured
 * (SYS_PREEMPT_STATS) during the 10^5 revoke, which is made preemptible in
 * chunks of PREEMPT_CHUNK (16) units (kernel/preempt.h).
 */
#include <stdbool.h>

#include "lib/format.h"
#include "libl4/frames.h"
#include "libl4/kernel_stats.h"
#include "bench/vm/lib/bench.h"
#include "libl4/l4.h"
#include "libl4/printf.h"

#define PAGE 4096u
#define TASK_SLOTS 2048u
#define BIG 100000u
#define TASKS ((BIG + TASK_SLOTS - 1) / TASK_SLOTS)
#define DONATED_FRAMES 3600u
#define TREE_BASE 0x40000000u      /* BIG pages of address space for the memory trees */
#define MAP_BASE 0x20000000u       /* 2 x 1024 pages for map and unmap */
#define MAP_PAGES 1024u
#define MAP_ROUNDS 21u

enum { ENDPOINT = BURSAR_SLOT_FIRST_FREE, FIRST_TASK };

static const struct bursar_boot_info *boot;
static struct l4_boot_frames frames;

static uint32_t next_frame(void)
{
    uint32_t frame = 0;

    if (frames.total == 0)
        l4_boot_frames_init(&frames, boot, BURSAR_SLOT_MEMORY, BURSAR_SLOT_HEAP);
    return l4_boot_frames_next(&frames, &frame) ? frame : 0;
}

/*
 * The root's own heap pays for the records, the tasks and the page tables:
 * fund it. The global-allocator kernel's pool was funded at boot and takes
 * no donations; it holds enough.
 */
static int fund_boot_heap(void)
{
    int error = 0;

    for (unsigned i = 0; i < DONATED_FRAMES && !error; i++)
        error = l4_heap_donate(BURSAR_SLOT_HEAP, BURSAR_SLOT_MEMORY, next_frame(), 1);
    if (error == -BURSAR_E_NOT_SUPPORTED) {
        printf("bench: SYS_HEAP_DONATE answers NOT_SUPPORTED: this kernel's objects come from one pool funded "
               "at boot; going on without donating\n");
        return 0;
    }
    return error;
}

static void print_row(const char *name, uint32_t instructions, unsigned per)
{
    printf("bench %s instructions=%u\n", name, instructions);
    if (per > 1)
        printf("bench %s.per-record instructions=%u\n", name, instructions / per);
}

static int build_cap_tree(unsigned records)
{
    int error = 0;

    for (unsigned i = 0; i < records && !error; i++)
        error = l4_cap_transfer(ENDPOINT, FIRST_TASK + i / TASK_SLOTS, i % TASK_SLOTS, BURSAR_RIGHTS_ALL,
                                BURSAR_REVOCABLE_COPY, 0);
    return error;
}

static uint32_t timed(int (*operation)(uint32_t), uint32_t argument, int *error)
{
    uint64_t start = l4_timestamp();

    *error = operation(argument);
    return (uint32_t)(l4_timestamp() - start) - bench_overhead;
}

static int revoke_endpoint(uint32_t unused) { (void)unused; return l4_cap_revoke(ENDPOINT); }
static int revoke_mapping(uint32_t page) { return l4_unmap_derived(page, 1); }

/* Median of `rounds` revokes of a tree of `records`; the interrupt-off window of the last. */
static int revoke_row(const char *kind, unsigned records, unsigned rounds, bool memory)
{
    static uint32_t samples[101];
    struct l4_preempt_stats stats;
    char name[48];
    int error = 0;

    for (unsigned r = 0; r < rounds && !error; r++) {
        error = memory ? bench_derive_mappings(TREE_BASE, records) : build_cap_tree(records);
        l4_preempt_stats(BURSAR_SLOT_DEBUG, &stats, 1);
        if (!error)
            samples[r] = memory ? timed(revoke_mapping, TREE_BASE, &error) : timed(revoke_endpoint, 0, &error);
    }
    l4_preempt_stats(BURSAR_SLOT_DEBUG, &stats, 0);
    if (error) {
        printf("bench: %s tree of %u: error %d\n", kind, records, error);
        return error;
    }
    bench_sort(samples, rounds);
    format_to_buffer(name, sizeof name, "revoke.%s.%u", kind, records);
    print_row(name, samples[rounds / 2], records);
    if (records == BIG) {
        format_to_buffer(name, sizeof name, "interrupts-off.longest.revoke.%s.%u", kind, records);
        printf("bench %s instructions=%llu points=%u switches=%u\n", name,
               (unsigned long long)stats.longest_interrupts_off, stats.points, stats.switches);
    }
    return 0;
}

static int map_own(uint32_t pages) { return l4_map(BURSAR_SLOT_TASK, MAP_BASE, MAP_BASE + MAP_PAGES * PAGE,
                                                   BURSAR_RIGHT_READ, pages); }
static int unmap_own(uint32_t pages) { return l4_unmap(MAP_BASE + MAP_PAGES * PAGE, pages); }

static int map_rows(void)
{
    static uint32_t map_samples[MAP_ROUNDS], unmap_samples[MAP_ROUNDS];
    int error = l4_frame_map(BURSAR_SLOT_MEMORY, next_frame(), MAP_BASE, BURSAR_RIGHT_READ | BURSAR_RIGHT_WRITE);

    if (!error)
        error = bench_derive_mappings(MAP_BASE, MAP_PAGES - 1);
    for (unsigned r = 0; r < MAP_ROUNDS && !error; r++) {
        map_samples[r] = timed(map_own, MAP_PAGES, &error);
        if (!error)
            unmap_samples[r] = timed(unmap_own, MAP_PAGES, &error);
    }
    if (error) {
        printf("bench: map and unmap: error %d\n", error);
        return error;
    }
    bench_sort(map_samples, MAP_ROUNDS);
    bench_sort(unmap_samples, MAP_ROUNDS);
    printf("bench map.page instructions=%u (SYS_MAP of %u pages, per page)\n",
           map_samples[MAP_ROUNDS / 2] / MAP_PAGES, MAP_PAGES);
    printf("bench unmap.page instructions=%u (SYS_UNMAP of %u pages, per page)\n",
           unmap_samples[MAP_ROUNDS / 2] / MAP_PAGES, MAP_PAGES);
    return 0;
}

int main(const struct bursar_boot_info *boot_info)
{
    /* Tree sizes by powers of ten, for the plot of cost against size; fewer rounds for big trees. */
    static const struct { unsigned records, rounds; } trees[] = {
        { 10, 101 }, { 100, 51 }, { 1000, 11 }, { 10000, 3 }, { BIG, 1 },
    };
    int error;

    boot = boot_info;
    error = fund_boot_heap();
    if (!error)
        error = l4_create(BURSAR_SLOT_HEAP, BURSAR_OBJECT_ENDPOINT, ENDPOINT, 0);
    for (unsigned t = 0; t < TASKS && !error; t++)
        error = l4_create(BURSAR_SLOT_HEAP, BURSAR_OBJECT_TASK, FIRST_TASK + t, TASK_SLOTS);
    if (!error)
        error = l4_frame_map(BURSAR_SLOT_MEMORY, next_frame(), TREE_BASE, BURSAR_RIGHT_READ | BURSAR_RIGHT_WRITE);
    if (error) {
        printf("bench: cannot set up: error %d\n", error);
        return 1;
    }
    printf("revoke benchmark: instructions (TSC under -icount shift=0), medians where repeated\n");
    bench_measure_overhead();
    for (unsigned kind = 0; kind < 2; kind++)
        for (unsigned i = 0; i < sizeof trees / sizeof trees[0] && !error; i++)
            error = revoke_row(kind ? "memory" : "cap", trees[i].records, trees[i].rounds, kind == 1);
    if (!error)
        error = map_rows();
    return error ? 1 : 0;
}
