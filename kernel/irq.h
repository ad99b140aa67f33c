/*
 * irq.h — IRQ objects: a device interrupt line handed to user space. The
 * kernel turns each interrupt on the line into a message to the endpoint
 * the IRQ object is bound to, masks the line, and unmasks it when the
 * holder acknowledges (SYS_IRQ_ACK). The timer stays the kernel's.
 *
 * Authority: claiming a line needs the devices capability (the root task
 * gets it at boot, BURSAR_SLOT_DEVICES); the IRQ object is paid by a heap
 * like every object. The same capability makes I/O port ranges
 * (io_ports.h), through which a user driver reaches its device's ports
 * (SYS_IO_PORT) to acknowledge it.
 */
#ifndef KERNEL_IRQ_H
#define KERNEL_IRQ_H

#include "kernel/object.h"

struct endpoint;
struct heap;
struct message;

struct irq {
    struct object header;
    uint8_t line;
    bool pending;                /* fired, waiting for a receiver on its endpoint (or for one) */
    bool delivered;              /* a receiver got it: the line stays masked until the ack */
    struct endpoint *endpoint;   /* where it goes; NULL: nowhere yet */
    uint32_t badge;
    struct irq *next_pending;    /* in endpoint->pending_irqs */
};

/* The object behind the devices capability (not heap-allocated, never destroyed). */
extern struct object device_authority;

/* A new IRQ object for `line`, paid by `payer`: INVALID_ARGUMENT, BUSY (claimed) or OUT_OF_MEMORY. */
int irq_claim(struct heap *payer, uint32_t line, struct irq **out);
/* Deliver to `endpoint` (NULL: nowhere) with `badge`; an interrupt already pending goes there. */
void irq_set_endpoint(struct irq *irq, struct endpoint *endpoint, uint32_t badge);
/* BURSAR_OK and the line is unmasked, or NOT_PENDING when nothing was delivered since the last ack. */
int irq_acknowledge(struct irq *irq);
/* SYS_DESTROY (capabilities already revoked): the line goes back to the kernel. */
void irq_destroy(struct irq *irq);
/* The endpoint goes: IRQ objects bound to it keep their interrupt pending for a new one. */
void irq_endpoint_destroyed(struct endpoint *endpoint);
/* Self-check: each bound endpoint's queue kind agrees with its pending interrupts. Prints what is wrong. */
bool irq_check(void);
/* For a receive on `endpoint`: take a pending interrupt's message, if there is one. */
bool irq_take_pending(struct endpoint *endpoint, struct message *message);

#endif /* KERNEL_IRQ_H */
