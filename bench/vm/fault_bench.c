/*
 * fault_bench.c — page-fault and exception round trips, as the root task
 * under `qemu -icount shift=0` (figures are guest instructions;
 * docs/benchmarks.md). The root thread faults; a handler thread of the same
 * task and priority serves it.
 *
 * fault.page.frame_map: from before a read of an unmapped page to after it:
 *   the fault, the kernel's call to the pager, the pager's SYS_FRAME_MAP,
 *   its reply-and-wait (RESUME), the retried read.
 * fault.page.item: the same, but the pager's RESUME carries the mapping as a
 *   memory item (a REVOCABLE COPY of a page it holds) instead of a call.
 * fault.exception.skip: a ud2 the exception handler skips by replying with
 *   the registers and eip + 2.
 * Between rounds (not timed) the root unmaps the page again; another page
 * in the same page table stays mapped throughout, so no row pays for making
 * and freeing a page table.
 */
#include <stdbool.h>

#include "bursar/fault.h"
#include "bench/vm/lib/bench.h"
#include "libl4/l4.h"
#include "libl4/message.h"
#include "libl4/printf.h"
#include "libl4/thread_spawn.h"

#define ROUNDS 1000
#define WARM_UP 20
#define FAULT_PAGE 0x30000000u      /* the page the root reads */
#define SOURCE_PAGE 0x30001000u     /* the pager's own mapping of the frame, for the item row */
#define KEEPER_PAGE 0x30002000u     /* stays mapped, so the page table is not freed and made each round */

enum { ENDPOINT = BURSAR_SLOT_FIRST_FREE, REPLY, HANDLER_THREAD };
enum mode { FRAME_MAP, ITEM, EXCEPTION };

static char handler_stack[4096] __attribute__((aligned(16)));
static struct bursar_utcb handler_utcb __attribute__((aligned(BURSAR_UTCB_SIZE)));
static uint32_t frame;
static volatile enum mode mode;
static uint32_t samples[ROUNDS];

/* The reply for what just arrived (the message is in the UTCB and registers). */
static void answer(uint32_t *tag, uint32_t *mr0, uint32_t *mr1)
{
    struct l4_msg m;

    switch (mode) {
    case FRAME_MAP:
        l4_frame_map(BURSAR_SLOT_MEMORY, frame, FAULT_PAGE, BURSAR_RIGHT_READ);
        *tag = BURSAR_TAG(BURSAR_LABEL_RESUME, 0, 0);
        return;
    case ITEM:
        l4_msg_start(&m, BURSAR_LABEL_RESUME);
        l4_msg_append_memory(&m, SOURCE_PAGE, 12, BURSAR_RIGHT_READ, BURSAR_REVOCABLE_COPY);
        *tag = m.tag, *mr0 = m.mr[0], *mr1 = m.mr[1];
        return;
    case EXCEPTION:
        /* Words 2.. are still in the UTCB as they came: only eip (word 2) changes. */
        l4_mr_set(2, l4_mr_get(2) + 2);
        *tag = BURSAR_TAG(BURSAR_LABEL_RESUME, BURSAR_EXCEPTION_WORDS, 0);
        return;
    }
}

static void handler(void *unused)
{
    uint32_t tag = 0, mr0 = 0, mr1 = 0;

    (void)unused;
    l4_receive(ENDPOINT, REPLY, 0, &tag, &mr0, &mr1, BURSAR_TIMEOUT_NEVER);
    for (;;) {
        answer(&tag, &mr0, &mr1);
        l4_reply_wait(ENDPOINT, REPLY, 0, &tag, &mr0, &mr1, BURSAR_TIMEOUT_NEVER);
    }
}

static uint32_t timed_fault(void)
{
    uint64_t start, end;

    if (mode == EXCEPTION) {
        start = l4_timestamp();
        __asm__ volatile("ud2" ::: "memory");
        end = l4_timestamp();
        return (uint32_t)(end - start);
    }
    start = l4_timestamp();
    (void)*(volatile uint32_t *)FAULT_PAGE;
    end = l4_timestamp();
    l4_unmap(FAULT_PAGE, 1);
    return (uint32_t)(end - start);
}

static void row(const char *name, enum mode what)
{
    /* Kernel entries of the timed part: less the untimed unmap of each page-fault round. */
    struct bench_counts counts = { .operations = ROUNDS, .untimed_entries = what == EXCEPTION ? 0 : ROUNDS };

    mode = what;
    for (unsigned i = 0; i < WARM_UP; i++)
        timed_fault();
    l4_system_info(&counts.before);
    for (unsigned i = 0; i < ROUNDS; i++)
        samples[i] = timed_fault();
    l4_system_info(&counts.after);
    bench_print_row(name, samples, ROUNDS, 1, &counts);
}

int main(const struct bursar_boot_info *boot)
{
    struct l4_thread_spec spec = {
        .heap = BURSAR_SLOT_HEAP, .task = BURSAR_SLOT_TASK, .slot = HANDLER_THREAD, .stack = handler_stack,
        .stack_size = sizeof handler_stack, .utcb = (uintptr_t)&handler_utcb, .priority = BURSAR_ROOT_PRIORITY,
        .entry = handler,
    };
    int error;

    frame = boot->free_ranges[0].first_frame;
    error = l4_create(BURSAR_SLOT_HEAP, BURSAR_OBJECT_ENDPOINT, ENDPOINT, 0);
    if (!error)
        error = l4_create(BURSAR_SLOT_HEAP, BURSAR_OBJECT_REPLY, REPLY, 0);
    if (!error)
        error = l4_thread_spawn(&spec);
    if (!error)
        error = l4_frame_map(BURSAR_SLOT_MEMORY, frame + 1, KEEPER_PAGE, BURSAR_RIGHT_READ);
    if (!error)
        error = l4_thread_configure(BURSAR_SLOT_THREAD, BURSAR_THREAD_PAGER, ENDPOINT);
    if (!error)
        error = l4_thread_configure(BURSAR_SLOT_THREAD, BURSAR_THREAD_EXCEPTION_HANDLER, ENDPOINT);
    if (error) {
        printf("bench: cannot set up the pager: error %d\n", error);
        return 1;
    }
    printf("fault benchmark: %u rounds, medians in instructions (TSC under -icount shift=0)\n", ROUNDS);
    bench_measure_overhead();
    row("fault.page.frame_map", FRAME_MAP);
    /* The item row: the pager holds the frame at SOURCE_PAGE and lends it for each fault. */
    error = l4_frame_map(BURSAR_SLOT_MEMORY, frame, SOURCE_PAGE, BURSAR_RIGHT_READ);
    if (error) {
        printf("bench: cannot map the source page: error %d\n", error);
        return 1;
    }
    row("fault.page.item", ITEM);
    row("fault.exception.skip", EXCEPTION);
    return 0;
}
