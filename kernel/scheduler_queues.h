/*
 * scheduler_queues.h — the ready queues, for the scheduler and for the IPC
 * fast path, which hands a thread's place over inline because it counts
 * every instruction. Nothing else should touch them.
 */
#ifndef KERNEL_SCHEDULER_QUEUES_H
#define KERNEL_SCHEDULER_QUEUES_H

#include "bursar/objects.h"
#include "kernel/thread.h"

extern struct thread *ready_queue_head[BURSAR_PRIORITY_MAX + 1], *ready_queue_tail[BURSAR_PRIORITY_MAX + 1];
/* A thread that destroyed itself, freed once we are off its stack. */
extern struct thread *thread_to_free_after_switch;

/* `to` takes `from`'s place in their (equal) priority's queue; `from` leaves it. */
static inline void scheduler_take_place(struct thread *from, struct thread *to)
{
    uint32_t p = from->priority;

    to->state = THREAD_READY;
    to->queue_prev = from->queue_prev;
    to->queue_next = from->queue_next;
    if (from->queue_prev)
        from->queue_prev->queue_next = to;
    else
        ready_queue_head[p] = to;
    if (from->queue_next)
        from->queue_next->queue_prev = to;
    else
        ready_queue_tail[p] = to;
    from->queue_next = from->queue_prev = 0;
}

#endif /* KERNEL_SCHEDULER_QUEUES_H */
