/*
 * object_bench.c — what creating and destroying each kind of kernel object
 * costs, as the root task under `qemu -icount shift=0` (figures are guest
 * instructions; docs/benchmarks.md). It runs unchanged on the production
 * kernels and on the global-allocator baseline, where every object comes
 * from one pool: the pair of figures is what per-client heaps cost.
 *
 * object.KIND.create: one SYS_CREATE from the root's heap (BURSAR_SLOT_HEAP:
 * the boot heap, or the baseline's pool) into an empty slot.
 * object.KIND.destroy: one SYS_DESTROY of it (its capability revoked, the
 * object freed). Untimed between rounds: the destroy (or create) that is
 * not measured, and the SYS_CAP_DELETE that empties the slot again. Another
 * object of the kind stays alive, so its page stays carved (measure_kind).
 * object.page-table.map: one SYS_MAP of a page into an empty 4 MiB region
 * of the own address space, which takes a page table, its shadow and a
 * record; object.page-table.unmap: the SYS_UNMAP that frees all three.
 * object.mapping.map / .unmap: the same where the page table stays (a
 * neighbour page keeps it), so the difference is the table and its shadow.
 * A kind the kernel cannot create (a heap on the baseline) is skipped with
 * the kernel's answer printed, never measured.
 */
#include <stdbool.h>

#include "bench/vm/lib/bench.h"
#include "lib/format.h"
#include "libl4/errors.h"
#include "libl4/l4.h"
#include "libl4/printf.h"

#define ROUNDS 1000
#define WARM_UP 20
#define TASK_SLOTS 64              /* a small task: one capability-table page */
#define PAGE 4096u
#define SOURCE_PAGE 0x20000000u    /* a frame of the root's bank, mapped here */
#define EMPTY_REGION 0x30000000u   /* 4 MiB with nothing mapped: each map takes a new page table */
#define KEPT_REGION 0x30400000u    /* 4 MiB whose page table a neighbour keeps alive */

enum { OBJECT = BURSAR_SLOT_FIRST_FREE, KEEPER };

static uint32_t samples[ROUNDS];

struct kind {
    const char *name;
    enum bursar_object_type type;
    uint32_t argument;
};

static int create(const struct kind *kind)
{
    return l4_create(BURSAR_SLOT_HEAP, kind->type, OBJECT, kind->argument);
}

static int destroy(const struct kind *kind)
{
    (void)kind;
    return l4_destroy(OBJECT);
}

/*
 * ROUNDS of: `before` (untimed), `timed`, `after` (untimed), then the slot
 * emptied; one of `before` and `after` is a system call, the other nothing.
 * Kernel entries other than the timed call's are taken off the counts, so a
 * heap fault inside the timed call would show as more than one.
 */
static int measure(const char *row, const struct kind *kind, int (*before)(const struct kind *),
                   int (*timed)(const struct kind *), int (*after)(const struct kind *))
{
    /* Each round makes one untimed call besides the timed one (before or after), and the delete. */
    struct bench_counts counts = { .operations = ROUNDS, .untimed_entries = 2 * ROUNDS };
    char name[64];
    int error = 0;

    for (unsigned i = 0; i < WARM_UP + ROUNDS && !error; i++) {
        if (i == WARM_UP)
            l4_system_info(&counts.before);
        error = before(kind);
        if (!error) {
            uint64_t start = l4_timestamp();
            error = timed(kind);
            uint64_t end = l4_timestamp();
            if (i >= WARM_UP)
                samples[i - WARM_UP] = (uint32_t)(end - start);
        }
        if (!error)
            error = after(kind);
        l4_cap_delete(OBJECT);
    }
    l4_system_info(&counts.after);
    if (error) {
        printf("bench: object.%s.%s: error %d\n", kind->name, row, error);
        return error;
    }
    format_to_buffer(name, sizeof name, "object.%s.%s", kind->name, row);
    bench_print_row(name, samples, ROUNDS, 1, &counts);
    return 0;
}

static int nothing(const struct kind *kind)
{
    (void)kind;
    return 0;
}

/*
 * Another object of the kind stays alive meanwhile, so the page kheap
 * carved for the kind stays carved: a page whose last object goes is
 * uncarved, and carving threads every slot of it onto a free list.
 */
static void measure_kind(const struct kind *kind)
{
    int error = l4_create(BURSAR_SLOT_HEAP, kind->type, KEEPER, kind->argument);

    if (error) {
        /* One kind this kernel cannot create: say so, measure nothing. */
        printf("bench: object.%s.* skipped: SYS_CREATE of a %s answers %s on this kernel%s\n", kind->name,
               kind->name, l4_error_name(error), error == -BURSAR_E_NOT_SUPPORTED ? " (no heaps but its pool)" : "");
        return;
    }
    /* create: create timed, then destroy; destroy: create, then destroy timed. */
    if (measure("create", kind, nothing, create, destroy) == 0)
        measure("destroy", kind, create, destroy, nothing);
    l4_destroy(KEEPER);
    l4_cap_delete(KEEPER);
}

/* ---- page tables, through SYS_MAP ---- */

static uintptr_t map_target;

static int map_one(const struct kind *kind)
{
    (void)kind;
    return l4_map(BURSAR_SLOT_TASK, SOURCE_PAGE, map_target, BURSAR_RIGHT_READ, 1);
}

static int unmap_one(const struct kind *kind)
{
    (void)kind;
    return l4_unmap(map_target, 1);
}

static void measure_mappings(uint32_t frame)
{
    static const struct kind table = { "page-table", BURSAR_OBJECT_NONE, 0 };
    static const struct kind mapping = { "mapping", BURSAR_OBJECT_NONE, 0 };
    int error = l4_frame_map(BURSAR_SLOT_MEMORY, frame, SOURCE_PAGE, BURSAR_RIGHT_READ | BURSAR_RIGHT_WRITE);

    if (!error)
        error = l4_map(BURSAR_SLOT_TASK, SOURCE_PAGE, KEPT_REGION, BURSAR_RIGHT_READ, 1);
    if (error) {
        printf("bench: cannot set up the mapping rows: error %d\n", error);
        return;
    }
    map_target = EMPTY_REGION;
    if (measure("map", &table, nothing, map_one, unmap_one) == 0)
        measure("unmap", &table, map_one, unmap_one, nothing);
    map_target = KEPT_REGION + PAGE;
    if (measure("map", &mapping, nothing, map_one, unmap_one) == 0)
        measure("unmap", &mapping, map_one, unmap_one, nothing);
}

int main(const struct bursar_boot_info *boot)
{
    static const struct kind kinds[] = {
        { "endpoint", BURSAR_OBJECT_ENDPOINT, 0 },
        { "reply", BURSAR_OBJECT_REPLY, 0 },
        { "thread", BURSAR_OBJECT_THREAD, BURSAR_SLOT_TASK },
        { "task", BURSAR_OBJECT_TASK, TASK_SLOTS },
        { "heap", BURSAR_OBJECT_HEAP, 0 },
    };

    printf("object benchmark: %u rounds, medians in instructions (TSC under -icount shift=0)\n", ROUNDS);
    bench_measure_overhead();
    for (unsigned k = 0; k < sizeof kinds / sizeof kinds[0]; k++)
        measure_kind(&kinds[k]);
    measure_mappings(boot->free_ranges[0].first_frame);
    return 0;
}
