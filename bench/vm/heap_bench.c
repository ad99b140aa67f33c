/*
 * heap_bench.c — the heap-fault round trip, as the root task under
 * `qemu -icount shift=0` (figures are guest instructions; docs/benchmarks.md).
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
 */
#include <stdbool.h>

#include "bench/vm/lib/bench.h"
#include "libl4/l4.h"
#include "libl4/printf.h"
#include "libl4/thread.h"

#define ROUNDS 1000
#define WARM_UP 20

enum { HEAP = BURSAR_SLOT_FIRST_FREE, BANK_ENDPOINT, BANK_REPLY, BANK_THREAD, OBJECT, KEEPER };

static char bank_stack[4096] __attribute__((aligned(16)));
static struct bursar_utcb bank_utcb __attribute__((aligned(BURSAR_UTCB_SIZE)));
static uint32_t frame;
static uint32_t samples[ROUNDS];

static void bank(void *unused)
{
    uint32_t tag = 0, mr0 = 0, mr1 = 0;

    (void)unused;
    l4_receive(BANK_ENDPOINT, BANK_REPLY, 0, &tag, &mr0, &mr1, BURSAR_TIMEOUT_NEVER);
    for (;;) {
        tag = BURSAR_TAG(0, 2, 0);
        mr0 = BURSAR_HEAP_FAULT_REPLY(1, BURSAR_SLOT_MEMORY);
        mr1 = frame;
        l4_reply_wait(BANK_ENDPOINT, BANK_REPLY, 0, &tag, &mr0, &mr1, BURSAR_TIMEOUT_NEVER);
    }
}

static uint32_t timed_create(bool fault)
{
    uint64_t start, end;
    int error;

    if (fault)
        l4_heap_reclaim(HEAP, 1, 0);
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

int main(const struct bursar_boot_info *boot)
{
    struct l4_thread_spec spec = {
        .heap = BURSAR_SLOT_HEAP, .task = BURSAR_SLOT_TASK, .slot = BANK_THREAD, .stack = bank_stack,
        .stack_size = sizeof bank_stack, .utcb = (uintptr_t)&bank_utcb, .priority = BURSAR_ROOT_PRIORITY,
        .entry = bank,
    };
    int error;

    frame = boot->free_ranges[0].first_frame;
    error = l4_create(BURSAR_SLOT_HEAP, BURSAR_OBJECT_HEAP, HEAP, 0);
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
    return 0;
}
