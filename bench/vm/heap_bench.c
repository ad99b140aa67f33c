/*
 * heap_bench.c — what funding a heap on demand costs, as the root task
 * under `qemu -icount shift=0` (figures are guest instructions;
 * docs/benchmarks.md).
 *
 * heap.fault.roundtrip: from before an SYS_CREATE on an empty heap to after
 * it returned: the allocation fails, the kernel makes the root a caller of
 * the bank's endpoint, the bank (a thread of this task) receives the fault
 * and replies with one frame, the kernel unmaps and donates it, and the
 * create restarts and succeeds. Between rounds (not timed) the endpoint is
 * destroyed and the page reclaimed, so the same frame goes round again.
 * heap.create.nofault is the same create when the heap has a free slot in a
 * page carved for endpoints (another endpoint stays alive there, so the
 * page is not handed back to the free pages between rounds).
 *
 * heap.amortised.KIND.wW: a batch of creates of one kind from an empty heap
 * whose high watermark is W (low 0): each fault asks the bank for what the
 * create needs plus W pages, which the bank gives, so a batch takes about
 * pages / (1 + W) faults. The row is the batch's cost divided by its
 * creates (faults and bank included), with the faults per batch and the
 * kernel entries per create beside it.
 * Endpoints are small (a page holds dozens); threads take a page each.
 *
 * The global-allocator kernel has no heaps and no faults: there the program
 * says so and prints no row.
 */
#include <stdbool.h>

#include "bench/vm/lib/bench.h"
#include "lib/format.h"
#include "libl4/l4.h"
#include "libl4/printf.h"
#include "libl4/thread_spawn.h"

#define ROUNDS 1000
#define WARM_UP 20
#define BATCH_ROUNDS 5
#define MAX_BATCH 900              /* slots FIRST_OBJECT.. of the root's 1024 */
#define ALL_PAGES 1024u            /* a reclaim of everything the heap holds */

enum { HEAP = BURSAR_SLOT_FIRST_FREE, BANK_ENDPOINT, BANK_REPLY, BANK_THREAD, OBJECT, KEEPER, FIRST_OBJECT };

static char bank_stack[4096] __attribute__((aligned(16)));
static struct bursar_utcb bank_utcb __attribute__((aligned(BURSAR_UTCB_SIZE)));
static uint32_t first_frame, next_frame;       /* the bank hands out frames from here, in order */
static uint32_t samples[ROUNDS];

/* Each fault gets the pages it wants (what it needs plus the high watermark), in frames that follow on. */
static void bank(void *unused)
{
    uint32_t tag = 0, mr0 = 0, mr1 = 0;

    (void)unused;
    l4_receive(BANK_ENDPOINT, BANK_REPLY, 0, &tag, &mr0, &mr1, BURSAR_TIMEOUT_NEVER);
    for (;;) {
        uint32_t wanted = l4_mr_get(3);
        tag = BURSAR_TAG(0, 2, 0);
        mr0 = BURSAR_HEAP_FAULT_REPLY(wanted, BURSAR_SLOT_MEMORY);
        mr1 = next_frame;
        next_frame += wanted;
        l4_reply_wait(BANK_ENDPOINT, BANK_REPLY, 0, &tag, &mr0, &mr1, BURSAR_TIMEOUT_NEVER);
    }
}

/* Everything back to the bank: the next fault starts from the same frames. */
static void empty_heap(void)
{
    l4_heap_reclaim(HEAP, ALL_PAGES, 0);
    next_frame = first_frame;
}

static uint32_t timed_create(bool fault)
{
    uint64_t start, end;
    int error;

    if (fault)
        empty_heap();
    start = l4_timestamp();
    error = l4_create(HEAP, BURSAR_OBJECT_ENDPOINT, OBJECT, 0);
    end = l4_timestamp();
    if (error)
        printf("bench: create failed (%d)\n", error);
    l4_destroy(OBJECT);
    l4_cap_delete(OBJECT);
    return (uint32_t)(end - start);
}

static void row(const char *name, bool fault)
{
    /* Kernel entries of the timed part: less the untimed destroy, delete (and reclaim) of each round. */
    struct bench_counts counts = { .operations = ROUNDS, .untimed_entries = (fault ? 3 : 2) * ROUNDS };

    for (unsigned i = 0; i < WARM_UP; i++)
        timed_create(fault);
    l4_system_info(&counts.before);
    for (unsigned i = 0; i < ROUNDS; i++)
        samples[i] = timed_create(fault);
    l4_system_info(&counts.after);
    bench_print_row(name, samples, ROUNDS, 1, &counts);
}

/* One batch of `count` creates on an empty heap; what it cost, the bank's replies included. */
static uint32_t timed_batch(enum bursar_object_type type, uint32_t argument, unsigned count, int *error)
{
    uint64_t start = l4_timestamp(), end;

    for (unsigned i = 0; i < count && !*error; i++)
        *error = l4_create(HEAP, type, FIRST_OBJECT + i, argument);
    end = l4_timestamp();
    for (unsigned i = 0; i < count; i++) {
        l4_destroy(FIRST_OBJECT + i);
        l4_cap_delete(FIRST_OBJECT + i);
    }
    empty_heap();
    return (uint32_t)(end - start) - bench_overhead;
}

/* "N.NN": hundredths of `count` per `per`. */
static void print_hundredths(const char *key, uint32_t count, uint32_t per)
{
    uint32_t hundredths = (uint32_t)((uint64_t)count * 100 / per);

    printf(" %s=%u.%02u", key, hundredths / 100, hundredths % 100);
}

static void amortised_row(const char *kind, enum bursar_object_type type, uint32_t argument, unsigned count,
                          uint32_t high_water)
{
    static uint32_t batches[BATCH_ROUNDS];
    struct bursar_system_info before, after;
    struct bursar_heap_info info = { 0 };
    uint32_t faults_before;
    char name[48];
    int error = l4_heap_configure(HEAP, BURSAR_HEAP_WATERMARKS, 0, high_water);

    if (!error)
        error = l4_heap_info(HEAP, &info);
    faults_before = info.faults;
    l4_system_info(&before);
    for (unsigned r = 0; r < BATCH_ROUNDS && !error; r++)
        batches[r] = timed_batch(type, argument, count, &error);
    l4_system_info(&after);
    if (!error)
        error = l4_heap_info(HEAP, &info);
    if (error) {
        printf("bench: heap.amortised.%s.w%u: error %d\n", kind, high_water, error);
        return;
    }
    bench_sort(batches, BATCH_ROUNDS);
    format_to_buffer(name, sizeof name, "heap.amortised.%s.w%u", kind, high_water);
    /* Entries: the creates and the bank's replies; not the untimed destroys, deletes, reclaims, nor the info call. */
    printf("bench %s instructions=%u batch=%u", name, batches[BATCH_ROUNDS / 2] / count, count);
    print_hundredths("faults", info.faults - faults_before, BATCH_ROUNDS);
    print_hundredths("entries", after.kernel_entries - before.kernel_entries - 1 - BATCH_ROUNDS * (2 * count + 1),
                     BATCH_ROUNDS * count);
    printf("\n");
}

/* The largest run of free frames: the bank's donations follow on from its start. */
static uint32_t bank_frames(const struct bursar_boot_info *boot)
{
    uint32_t best = 0;

    for (uint32_t i = 1; i < boot->range_count && i < BURSAR_BOOT_MAX_RANGES; i++)
        if (boot->free_ranges[i].frames > boot->free_ranges[best].frames)
            best = i;
    return boot->free_ranges[best].first_frame;
}

int main(const struct bursar_boot_info *boot)
{
    static const uint32_t watermarks[] = { 0, 1, 2, 4, 8, 16, 32 };
    struct l4_thread_spec spec = {
        .heap = BURSAR_SLOT_HEAP, .task = BURSAR_SLOT_TASK, .slot = BANK_THREAD, .stack = bank_stack,
        .stack_size = sizeof bank_stack, .utcb = (uintptr_t)&bank_utcb, .priority = BURSAR_ROOT_PRIORITY,
        .entry = bank,
    };
    int error;

    first_frame = next_frame = bank_frames(boot);
    error = l4_create(BURSAR_SLOT_HEAP, BURSAR_OBJECT_HEAP, HEAP, 0);
    if (error == -BURSAR_E_NOT_SUPPORTED) {
        printf("bench: heap.* skipped: SYS_CREATE of a heap answers NOT_SUPPORTED on this kernel "
               "(one pool funded at boot: no heaps, no heap faults)\n");
        return 0;
    }
    if (!error)
        error = l4_create(BURSAR_SLOT_HEAP, BURSAR_OBJECT_ENDPOINT, BANK_ENDPOINT, 0);
    if (!error)
        error = l4_create(BURSAR_SLOT_HEAP, BURSAR_OBJECT_REPLY, BANK_REPLY, 0);
    if (!error)
        error = l4_thread_spawn(&spec);
    if (!error)
        error = l4_heap_configure(HEAP, BURSAR_HEAP_BANK, BANK_ENDPOINT, 0);
    if (error) {
        printf("bench: cannot set up the heap and its bank: error %d\n", error);
        return 1;
    }
    printf("heap benchmark: %u rounds, medians in instructions (TSC under -icount shift=0)\n", ROUNDS);
    bench_measure_overhead();
    row("heap.fault.roundtrip", true);
    if (l4_create(HEAP, BURSAR_OBJECT_ENDPOINT, KEEPER, 0) != 0)
        printf("bench: cannot keep an endpoint in the heap\n");
    row("heap.create.nofault", false);
    l4_destroy(KEEPER);
    l4_cap_delete(KEEPER);
    empty_heap();
    for (unsigned w = 0; w < sizeof watermarks / sizeof watermarks[0]; w++)
        amortised_row("endpoint", BURSAR_OBJECT_ENDPOINT, 0, MAX_BATCH, watermarks[w]);
    for (unsigned w = 0; w < sizeof watermarks / sizeof watermarks[0]; w++)
        amortised_row("thread", BURSAR_OBJECT_THREAD, BURSAR_SLOT_TASK, 64, watermarks[w]);
    return 0;
}
