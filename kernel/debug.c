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
#include "kernel/task.h"
#include "kernel/thread.h"

/*
 * Whoever holds a capability to it may look into the whole kernel: every
 * task, thread and heap, every frame's mappings, the ledger check, the
 * preemption statistics. Only the root task has one at boot.
 */
struct object debug_authority = { .type = BURSAR_OBJECT_DEBUG };

static void dump_threads(void)
{
    kprintf("tasks: %u\n", tasks_count());
    for (struct task *task = tasks_first(); task; task = task->next_task)
        kprintf("  task %u: %u threads, %u capability slots, paid by heap %u\n", task->id, task->threads,
                task->cspace.slot_count, task->header.payer->id);
    kprintf("threads: %u\n", threads_count());
    for (struct thread *t = threads_first(); t; t = t->next_thread)
        kprintf("  thread %u (task %u): %s, priority %u, timeslice %u%s%s%s%s\n", t->id, t->task->id,
                thread_state_name(t->state), t->priority, t->timeslice, t == current_thread ? ", running" : "",
                t->wake_tick ? ", timeout armed" : "", t->fault_ipc.purpose ? ", a fault call to its " : "",
                t->fault_ipc.purpose ? t->fault_ipc.purpose->handler_name : "");
}

static void dump_heaps(void)
{
    struct bursar_system_info info;

    heaps_print();
    accounting_fill_info(&info);
    kprintf("accounting: fixed reservation %u + heaps %u + banks %u = %u of %u usable frames\n",
            info.fixed_reservation_frames, info.heap_frames, info.bank_frames,
            info.fixed_reservation_frames + info.heap_frames + info.bank_frames, info.usable_frames);
}

void debug_dump(uint32_t what)
{
    kprintf("---- kernel state ----\n");
    if (what == BURSAR_DUMP_ALL || what == BURSAR_DUMP_THREADS)
        dump_threads();
    if (what == BURSAR_DUMP_ALL || what == BURSAR_DUMP_HEAPS)
        dump_heaps();
    kprintf("----------------------\n");
}

void debug_console_key(char key)
{
    if (key == 'd')
        debug_dump(BURSAR_DUMP_ALL);
}
