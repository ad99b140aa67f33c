/*
 * endpoint.c — creating and destroying endpoints (the queue itself is kept
 * by ipc_queue.h, for the slow and fast paths alike).
 */
#include "bursar/errors.h"
#include "kernel/console.h"
#include "kernel/heap.h"
#include "kernel/ipc.h"
#include "kernel/irq.h"
#include "kernel/preempt.h"
#include "kernel/thread.h"

/* A field added to struct endpoint must be set below too: this breaks until the size is updated. */
_Static_assert(sizeof(struct endpoint) == offsetof(struct endpoint, pending_irqs) + sizeof(struct irq *),
               "endpoint_create sets every field: pending_irqs is the last");

int endpoint_create(struct heap *payer, struct endpoint **out)
{
    struct endpoint *endpoint = heap_allocate(payer, BURSAR_HEAP_ENDPOINT);

    if (!endpoint)
        return -BURSAR_E_OUT_OF_MEMORY;
    /* Every field set once: object_init writes the whole header. */
    object_init(&endpoint->header, payer, BURSAR_OBJECT_ENDPOINT);
    endpoint->queue_head = endpoint->queue_tail = NULL;
    endpoint->queue_kind = QUEUE_EMPTY;
    endpoint->pending_irqs = NULL;
    *out = endpoint;
    return BURSAR_OK;
}

/*
 * DEAD from the start: the fast path leaves the endpoint alone, and the
 * slow path's lookups refuse it (it is dying), so nobody joins the queue
 * while its waiters are woken, one per preemption unit (there may be any
 * number of them). Waking the last one makes the queue idle: DEAD again.
 */
void endpoint_begin_destroy(struct endpoint *endpoint)
{
    endpoint->queue_kind = QUEUE_DEAD;
    while (endpoint->queue_head) {
        ipc_cancel(endpoint->queue_head, -BURSAR_E_DESTROYED);
        endpoint->queue_kind = QUEUE_DEAD;
        preempt_work(1);
    }
}

void endpoint_destroy(struct endpoint *endpoint)
{
    KERNEL_ASSERT(endpoint->queue_kind == QUEUE_DEAD && !endpoint->queue_head);
    irq_endpoint_destroyed(endpoint);
    heap_free_to(endpoint->header.payer, endpoint);
}
