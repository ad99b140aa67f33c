/*
 * endpoint.h — an endpoint: the rendezvous of IPC. It has one queue: the
 * threads blocked on it, all senders or all receivers, in FIFO order.
 */
#ifndef KERNEL_ENDPOINT_H
#define KERNEL_ENDPOINT_H

#include "kernel/object.h"

struct thread;

/*
 * What waits on the endpoint. INTERRUPTS: no thread, but interrupts
 * (pending_irqs, irq.c). DEAD: the endpoint is being destroyed; its waiters
 * were woken when it began to die, and nothing queues on it again. The fast
 * path relies on both (ipc_fastpath.c): the kind alone tells it whether a
 * receiver may simply be queued, without looking at pending_irqs or
 * header.dying too.
 */
enum endpoint_queue_kind { QUEUE_EMPTY = 0, QUEUE_RECEIVERS, QUEUE_SENDERS, QUEUE_INTERRUPTS, QUEUE_DEAD };

struct endpoint {                       /* endpoint_create sets each field by name: add a new one there */
    struct object header;
    struct thread *queue_head, *queue_tail;
    uint8_t queue_kind;                 /* enum endpoint_queue_kind */
    struct irq *pending_irqs;           /* interrupts waiting for a receiver (irq.c) */
};

/* The kind of a queue with no thread in it (not for a dying endpoint). */
static inline uint8_t endpoint_idle_kind(const struct endpoint *endpoint)
{
    return endpoint->pending_irqs ? QUEUE_INTERRUPTS : QUEUE_EMPTY;
}

int endpoint_create(struct heap *payer, struct endpoint **out);
/* When it begins to die: every thread blocked on it wakes with BURSAR_E_DESTROYED; its queue is DEAD. */
void endpoint_begin_destroy(struct endpoint *endpoint);
/* Once no capability names it: its interrupts let go, its memory freed. */
void endpoint_destroy(struct endpoint *endpoint);

#endif /* KERNEL_ENDPOINT_H */
