/*
 * irq.c — IRQ objects (irq.h): an interrupt on a claimed line becomes a
 * message from the kernel to the bound endpoint. If a thread is waiting
 * there it gets the message at once (and runs, if it preempts); otherwise
 * the interrupt waits on the endpoint for the next receive. Either way the
 * line is masked until the receiver acknowledges, so a device that keeps
 * interrupting cannot flood the kernel.
 */
#include "bursar/errors.h"
#include "bursar/message.h"
#include "kernel/console.h"
#include "kernel/endpoint.h"
#include "kernel/heap.h"
#include "kernel/ipc.h"
#include "kernel/irq.h"
#include "kernel/machine.h"
#include "kernel/scheduler.h"
#include "kernel/thread.h"
#include "kernel/trap_handlers.h"

struct object device_authority = { .type = BURSAR_OBJECT_DEVICES };
static struct irq *claimed[MACHINE_IRQ_LINES];

int irq_claim(struct heap *payer, uint32_t line, struct irq **out)
{
    struct irq *irq;

    if (!machine_irq_claimable(line))
        return -BURSAR_E_INVALID_ARGUMENT;
    if (claimed[line])
        return -BURSAR_E_BUSY;
    irq = heap_allocate(payer, BURSAR_HEAP_IRQ);
    if (!irq)
        return -BURSAR_E_OUT_OF_MEMORY;
    *irq = (struct irq){ .line = (uint8_t)line };
    object_init(&irq->header, payer, BURSAR_OBJECT_IRQ);
    claimed[line] = irq;
    machine_irq_claim(line);
    machine_irq_unmask(line);
    *out = irq;
    return BURSAR_OK;
}

static struct message message_of(const struct irq *irq)
{
    return (struct message){ .tag = BURSAR_TAG(BURSAR_LABEL_IRQ, 1, 0), .badge = irq->badge, .mr0 = irq->line };
}

/* The endpoint's pending list changed: with no thread queued, its kind says whether interrupts wait. */
static void pending_changed(struct endpoint *endpoint)
{
    if (endpoint->queue_kind == QUEUE_EMPTY || endpoint->queue_kind == QUEUE_INTERRUPTS)
        endpoint->queue_kind = endpoint_idle_kind(endpoint);
}

static void unqueue(struct irq *irq)
{
    if (!irq->endpoint)
        return;
    for (struct irq **link = &irq->endpoint->pending_irqs; *link; link = &(*link)->next_pending)
        if (*link == irq) {
            *link = irq->next_pending;
            irq->next_pending = NULL;
            pending_changed(irq->endpoint);
            return;
        }
}

/* To a waiting receiver now, or onto the endpoint for the next receive. */
static void deliver(struct irq *irq)
{
    struct message message = message_of(irq);
    struct thread *receiver;

    if (!irq->endpoint)
        return;                                  /* stays pending until it is bound */
    receiver = ipc_kernel_send(irq->endpoint, &message);
    if (!receiver) {
        irq->next_pending = irq->endpoint->pending_irqs;
        irq->endpoint->pending_irqs = irq;
        pending_changed(irq->endpoint);
        return;
    }
    irq->pending = false;
    irq->delivered = true;
    if (scheduler_preempts(receiver))
        schedule();
}

void kernel_user_irq(unsigned line)
{
    struct irq *irq = line < MACHINE_IRQ_LINES ? claimed[line] : NULL;

    if (!irq || irq->pending || irq->delivered)
        return;                                  /* masked meanwhile: nothing new to say */
    irq->pending = true;
    deliver(irq);
}

bool irq_take_pending(struct endpoint *endpoint, struct message *message)
{
    struct irq *irq = endpoint->pending_irqs;

    if (!irq)
        return false;
    endpoint->pending_irqs = irq->next_pending;
    irq->next_pending = NULL;
    pending_changed(endpoint);
    irq->pending = false;
    irq->delivered = true;
    *message = message_of(irq);
    return true;
}

void irq_set_endpoint(struct irq *irq, struct endpoint *endpoint, uint32_t badge)
{
    unqueue(irq);
    irq->endpoint = endpoint;
    irq->badge = badge;
    if (irq->pending)
        deliver(irq);
}

int irq_acknowledge(struct irq *irq)
{
    if (!irq->delivered)
        return -BURSAR_E_NOT_PENDING;
    irq->delivered = false;
    machine_irq_unmask(irq->line);
    return BURSAR_OK;
}

void irq_destroy(struct irq *irq)
{
    unqueue(irq);
    claimed[irq->line] = NULL;
    machine_irq_release(irq->line);
    heap_free_to(irq->header.payer, irq);
}

bool irq_check(void)
{
    bool ok = true;

    for (unsigned line = 0; line < MACHINE_IRQ_LINES; line++) {
        struct endpoint *endpoint = claimed[line] ? claimed[line]->endpoint : NULL;

        if (!endpoint || endpoint->queue_kind == QUEUE_DEAD)
            continue;
        if (endpoint->pending_irqs && endpoint->queue_kind != QUEUE_SENDERS &&
            endpoint->queue_kind != QUEUE_INTERRUPTS) {
            kprintf("irq: line %u's endpoint has interrupts pending but its queue kind is %u\n", line,
                    endpoint->queue_kind);
            ok = false;
        }
        if (!endpoint->pending_irqs && endpoint->queue_kind == QUEUE_INTERRUPTS) {
            kprintf("irq: line %u's endpoint says interrupts wait, but none does\n", line);
            ok = false;
        }
    }
    return ok;
}

void irq_endpoint_destroyed(struct endpoint *endpoint)
{
    for (unsigned line = 0; line < MACHINE_IRQ_LINES; line++)
        if (claimed[line] && claimed[line]->endpoint == endpoint) {
            unqueue(claimed[line]);
            claimed[line]->endpoint = NULL;
        }
}
