/*
 * self_check.c — the kernel's self-check (SYS_DEBUG_DUMP, BURSAR_DUMP_CHECK),
 * in chunks with preemption points between them, still of one state.
 *
 * What it checks:
 *   fixed reservation + heap frames + bank frames = usable frames
 *   Σ pages held by heaps = heap frames + boot heap frames
 *   every heap's own ledger (kheap_check, in steps)
 *   no frame but a bank's is mapped in user space
 *   every thread's IPC links, the copies the fast path relies on, its
 *   slow-path bits; every claimed interrupt line's endpoint (irq_check);
 *   the scheduler's summary of its ready bitmap (scheduler_check).
 *
 * How it sees one state: the check is optimistic. A pass notes a stamp
 * (change_stamp) when it begins, and after every point it compares: the
 * stamp moves whenever anything but the checking thread could have
 * changed what the check reads. Then the pass is abandoned and another
 * begins, at most BURSAR_CHECK_PASSES of them; after that the check answers
 * BUSY. A pass that finishes with the stamp unmoved read everything from
 * the state it began in, as if it had run whole with interrupts off. A
 * problem is reported only while the stamp has not moved, so everything
 * printed comes from that one state; a problem seen means CHECK_FAILED
 * even if the kernel changes after it (the rest of that pass is not done).
 */
#include "bursar/errors.h"
#include "bursar/syscall.h"
#include "kernel/accounting.h"
#include "kernel/console.h"
#include "kernel/frame_table.h"
#include "kernel/heap.h"
#include "kernel/ipc.h"
#include "kernel/irq.h"
#include "kernel/machine.h"
#include "kernel/preempt.h"
#include "kernel/scheduler.h"
#include "kernel/self_check.h"
#include "kernel/task.h"
#include "kernel/thread.h"

/*
 * Work between points, in preemption units (preempt.h: about 200 to 270
 * instructions each), measured with debug.check.threads.1000
 * (docs/benchmarks.md): a frame costs about 30 instructions in the frame
 * loop, a thread's checks about 90 (ipc_check_thread, the transfer links
 * included), and a heap step of HEAP_STEP_BUDGET
 * kheap units (a page's own checks, KHEAP_CHECK_PAGE_UNITS, or a slot of
 * its free list each) up to about 2 000, when it checks four pages.
 */
#define FRAMES_PER_UNIT 4u
#define THREADS_PER_UNIT 2u
#define HEAP_STEP_BUDGET 32u
#define HEAP_STEP_UNITS 8u

struct pass {
    uint32_t stamp;       /* change_stamp() when the pass began */
    bool yielding;        /* give the processor away at each point (BURSAR_DUMP_CHECK_YIELDING) */
    bool failed;          /* a problem seen (and printed) */
    bool changed;         /* the kernel changed under the pass, or the caller was destroyed: it stops */
};

/*
 * Moves whenever code other than the checking thread's could have run and
 * changed what the check reads: a kernel entry from user mode (the slow
 * entry counts every trap, the fast path its own), any interrupt but a
 * timer tick, a thread switch (a thread stopped at a point of its own goes
 * on with no entry), a thread made ready (a tick that fires a timeout).
 * A tick that wakes nobody and switches nothing changes only the tick
 * count and the running thread's timeslice, which the check does not
 * read: it counts once in kernel_entries and once in the ticks, and
 * cancels out. Every counter only grows, so the sum moves if any does.
 */
static uint32_t change_stamp(void)
{
    return machine_counters.kernel_entries - (uint32_t)scheduler_ticks() + ipc_fast_path_count +
           fast_path_null_count + scheduler_switch_count() + scheduler_wakeup_count();
}

/* Count work done; after a point, is the state still the one the pass began with? */
static bool same_state(struct pass *pass, uint32_t units)
{
    if (preempt_work(units) && pass->yielding)
        preempt_yield();
    if (preempt_destroyed() || change_stamp() != pass->stamp)
        pass->changed = true;
    return !pass->changed;
}

static void check_identity(struct pass *pass)
{
    struct bursar_system_info info;

    accounting_fill_info(&info);
    if (info.fixed_reservation_frames + info.heap_frames + info.bank_frames != info.usable_frames) {
        kprintf("accounting: fixed %u + heaps %u + banks %u != usable %u\n", info.fixed_reservation_frames,
                info.heap_frames, info.bank_frames, info.usable_frames);
        pass->failed = true;
    }
}

/* Every heap's ledger, a step at a time, and the pages they hold against the frame table. */
static void check_heaps(struct pass *pass)
{
    uint32_t heap_pages = 0;

    for (struct heap *heap = heaps_first(); heap; heap = heap->next_heap) {
        struct kheap_check check;
        int status = kheap_check_start(&check, &heap->kheap);

        heap_pages += heap->kheap.stats.pages_held;
        while (status == KHEAP_CHECK_MORE) {
            status = kheap_check_step(&check, HEAP_STEP_BUDGET);
            if (!same_state(pass, HEAP_STEP_UNITS))
                return;
        }
        if (status != KHEAP_OK) {
            kprintf("accounting: heap %u fails its own ledger check\n", heap->id);
            pass->failed = true;
        }
        if (!same_state(pass, 1))
            return;
    }
    if (heap_pages != frame_table.count_by_type[FRAME_HEAP] + frame_table.count_by_type[FRAME_BOOT_HEAP]) {
        kprintf("accounting: heaps hold %u pages, frame table says %u + boot %u\n", heap_pages,
                frame_table.count_by_type[FRAME_HEAP], frame_table.count_by_type[FRAME_BOOT_HEAP]);
        pass->failed = true;
    }
}

/* Only a bank's frames are ever mapped in user space: never a heap page, never the kernel's. */
static void check_frames(struct pass *pass)
{
    for (uint32_t f = 0; f < frame_table.frame_count; f++) {
        if (frame_table.frames[f].type != FRAME_BANK && !mapdb_root_is_empty(&frame_table.frames[f].mappings)) {
            kprintf("accounting: frame %u (%s) is mapped in user space\n", f,
                    frame_type_name(frame_table.frames[f].type));
            pass->failed = true;
        }
        if (f % FRAMES_PER_UNIT == FRAMES_PER_UNIT - 1 && !same_state(pass, 1))
            return;
    }
}

/* The IPC invariants the fast path relies on (docs/architecture.md), for one thread. */
static void check_threads(struct pass *pass)
{
    uint32_t seen = 0;

    for (struct thread *thread = threads_first(); thread; thread = thread->next_thread) {
        if (!ipc_check_thread(thread))
            pass->failed = true;
        if (++seen % THREADS_PER_UNIT == 0 && !same_state(pass, 1))
            return;
    }
}

static void run_pass(struct pass *pass)
{
    check_identity(pass);
    if (same_state(pass, 1))
        check_heaps(pass);
    if (!pass->changed)
        check_frames(pass);
    if (!pass->changed)
        check_threads(pass);
    if (!pass->changed && !irq_check())          /* sixteen lines: no point needed */
        pass->failed = true;
    if (!pass->changed && !scheduler_check())    /* eight words */
        pass->failed = true;
}

int self_check(bool yielding)
{
    for (uint32_t tries = 0; tries < BURSAR_CHECK_PASSES && !preempt_destroyed(); tries++) {
        struct pass pass = { .stamp = change_stamp(), .yielding = yielding };

        run_pass(&pass);
        if (pass.failed) {
            if (pass.changed)
                kprintf("---- check stopped there: the kernel changed meanwhile ----\n");
            return -BURSAR_E_CHECK_FAILED;
        }
        if (!pass.changed)
            return BURSAR_OK;
    }
    return -BURSAR_E_BUSY;           /* (a destroyed caller never sees it) */
}
