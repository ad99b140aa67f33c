/*
 * endpoint.h — an endpoint: the rendezvous of IPC. It has one queue: the
 * threads blocked on it, all senders or all receivers, in FIFO order.
 */
#ifndef KERNEL_ENDPOINT_H
#define KERNEL_ENDPOINT_H

#include "kernel/object.h"

struct thread;

enum endpoint_queue_kind { QUEUE_EMPTY = 0, QUEUE_SENDERS, QUEUE_RECEIVERS };

struct endpoint {
    struct object header;
    struct thread *queue_head, *queue_tail;
    uint8_t queue_kind;                 /* enum endpoint_queue_kind */
    struct irq *pending_irqs;           /* interrupts waiting for a receiver (irq.c) */
};

int endpoint_create(struct heap *payer, struct endpoint **out);
/* Every thread blocked on it wakes with BURSAR_E_DESTROYED. */
void endpoint_destroy(struct endpoint *endpoint);

#endif /* KERNEL_ENDPOINT_H */
