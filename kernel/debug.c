/*
 * debug.c — what a person sees when asking the kernel what it is doing:
 * every task, every thread and its state, every heap and its use by kind,
 * and the accounting identity.
 */
#include "bursar/syscall.h"
#include "kernel/accounting.h"
#include "kernel/console.h"
#include "kernel/debug.h"
#include "kernel/heap.h"
#include "kernel/ipc.h"
#include "kernel/preempt.h"
#include "kernel/task.h"
#include "kernel/thread.h"

/*
 * Whoever holds a capability to it may look into the whole kernel: every
 * task, thread and heap, every frame's mappings, the ledger check, the
 * preemption statistics. Only the root task has one at boot.
 */
struct object debug_authority = { .type = BURSAR_OBJECT_DEBUG };

/*
 * From a system call the listing passes a preemption point after each
 * entry (there may be thousands), and stops, saying so, if a task, thread
 * or heap came or went meanwhile: the entry in hand may be gone.
 */
struct listing {
    bool preemptible;
    uint32_t generation;
};

static bool entry_done(struct listing *listing)
{
    if (!listing->preemptible)
        return true;
    preempt_work(PREEMPT_CHUNK);
    if (object_lists_generation == listing->generation && !preempt_destroyed())
        return true;
    kprintf("---- listing stopped: tasks, threads or heaps came or went meanwhile ----\n");
    return false;
}

static bool dump_threads(struct listing *listing)
{
    kprintf("tasks: %u\n", tasks_count());
    if (!entry_done(listing))
        return false;
    for (struct task *task = tasks_first(); task; task = task->next_task) {
        kprintf("  task %u: %u threads, %u capability slots, paid by heap %u\n", task->id, task->threads,
                task->cspace.slot_count, task->header.payer->id);
        if (!entry_done(listing))
            return false;
    }
    kprintf("threads: %u\n", threads_count());
    if (!entry_done(listing))
        return false;
    /* Two lines a thread, a point after each: a line costs about 90 instructions a character. */
    for (struct thread *t = threads_first(); t; t = t->next_thread) {
        kprintf("  thread %u (task %u): %s%s\n", t->id, t->task->id, thread_state_name(t->state),
                t == current_thread ? ", running" : "");
        if (!entry_done(listing))
            return false;
        kprintf("    priority %u, timeslice %u%s%s%s\n", t->priority, t->timeslice,
                t->wake_tick ? ", timeout armed" : "", t->fault_ipc.purpose ? ", a fault call to its " : "",
                t->fault_ipc.purpose ? t->fault_ipc.purpose->handler_name : "");
        if (!entry_done(listing))
            return false;
    }
    return true;
}

static bool dump_heaps(struct listing *listing)
{
    struct bursar_system_info info;

    for (struct heap *heap = heaps_first(); heap; heap = heap->next_heap) {
        heap_print(heap);
        if (!entry_done(listing))
            return false;
    }
    accounting_fill_info(&info);
    kprintf("accounting: fixed reservation %u + heaps %u + banks %u = %u of %u usable frames\n",
            info.fixed_reservation_frames, info.heap_frames, info.bank_frames,
            info.fixed_reservation_frames + info.heap_frames + info.bank_frames, info.usable_frames);
    return true;
}

void debug_dump(uint32_t what, bool preemptible)
{
    struct listing listing = { .preemptible = preemptible, .generation = object_lists_generation };
    bool going = true;

    kprintf("---- kernel state ----\n");
    going = entry_done(&listing);
    if (going && (what == BURSAR_DUMP_ALL || what == BURSAR_DUMP_THREADS))
        going = dump_threads(&listing);
    if (going && (what == BURSAR_DUMP_ALL || what == BURSAR_DUMP_HEAPS))
        dump_heaps(&listing);
    kprintf("----------------------\n");
}

void debug_console_key(char key)
{
    if (key == 'd')
        debug_dump(BURSAR_DUMP_ALL, false);     /* from the serial line's interrupt: no points */
}
