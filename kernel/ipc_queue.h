/*
 * ipc_queue.h — an endpoint's queue of blocked threads, shared by the slow
 * path (ipc.c) and the fast path (ipc_fastpath.c) so both keep it the same
 * way. Inline because the fast path counts every instruction.
 */
#ifndef KERNEL_IPC_QUEUE_H
#define KERNEL_IPC_QUEUE_H

#include "kernel/ipc.h"
#include "kernel/thread.h"

static inline void enqueue(struct endpoint *endpoint, struct thread *thread, enum endpoint_queue_kind kind)
{
    thread->blocked_on = endpoint;
    thread->queue_next = 0;
    thread->queue_prev = endpoint->queue_tail;
    if (__builtin_expect(!endpoint->queue_tail, 1))   /* a server loop's receive: nobody else waits */
        endpoint->queue_head = thread;
    else
        endpoint->queue_tail->queue_next = thread;
    endpoint->queue_tail = thread;
    endpoint->queue_kind = (uint8_t)kind;
}

/*
 * enqueue() onto an empty queue, for the fast path: a thread in no queue
 * (ready queue or endpoint queue) has no links, so only the endpoint's side
 * and blocked_on are written.
 */
static inline void enqueue_first(struct endpoint *endpoint, struct thread *thread, enum endpoint_queue_kind kind)
{
    thread->blocked_on = endpoint;
    endpoint->queue_head = endpoint->queue_tail = thread;
    endpoint->queue_kind = (uint8_t)kind;
}

static inline void dequeue(struct thread *thread)
{
    struct endpoint *endpoint = thread->blocked_on;

    if (thread->queue_prev)
        thread->queue_prev->queue_next = thread->queue_next;
    else
        endpoint->queue_head = thread->queue_next;
    if (thread->queue_next)
        thread->queue_next->queue_prev = thread->queue_prev;
    else
        endpoint->queue_tail = thread->queue_prev;
    if (!endpoint->queue_head)
        endpoint->queue_kind = endpoint_idle_kind(endpoint);
    thread->queue_next = thread->queue_prev = 0;
    thread->blocked_on = 0;
}

/*
 * dequeue() for the thread at the head, which the fast path always takes:
 * a receiver, so no interrupt is pending (a receive takes one first, and
 * one arriving goes to the receiver), and an emptied queue is EMPTY.
 */
static inline void dequeue_head(struct endpoint *endpoint)
{
    struct thread *head = endpoint->queue_head, *next = head->queue_next;

    endpoint->queue_head = next;
    if (__builtin_expect(!next, 1)) {   /* one waiting server thread: the usual case */
        endpoint->queue_tail = 0;
        endpoint->queue_kind = QUEUE_EMPTY;
    } else {
        next->queue_prev = 0;
        head->queue_next = 0;
    }
    head->blocked_on = 0;
}

#endif /* KERNEL_IPC_QUEUE_H */
