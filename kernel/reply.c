/*
 * reply.c — creating and destroying reply objects.
 */
#include "bursar/errors.h"
#include "kernel/console.h"
#include "kernel/heap.h"
#include "kernel/ipc.h"
#include "kernel/thread.h"

/* A field added to struct reply must be set below too: this breaks until the size is updated. */
_Static_assert(sizeof(struct reply) == offsetof(struct reply, receiver) + sizeof(struct thread *),
               "reply_create sets every field: receiver is the last");

int reply_create(struct heap *payer, struct reply **out)
{
    struct reply *reply = heap_allocate(payer, BURSAR_HEAP_REPLY);

    if (!reply)
        return -BURSAR_E_OUT_OF_MEMORY;
    /* Every field set once: object_init writes the whole header. */
    object_init(&reply->header, payer, BURSAR_OBJECT_REPLY);
    reply->caller = reply->receiver = NULL;
    *out = reply;
    return BURSAR_OK;
}

void reply_begin_destroy(struct reply *reply)
{
    if (reply->caller)
        ipc_cancel(reply->caller, -BURSAR_E_DESTROYED);
    /* The receiver waiting to bind this reply object must not find it later. */
    if (reply->receiver)
        ipc_cancel(reply->receiver, -BURSAR_E_DESTROYED);
}

void reply_destroy(struct reply *reply)
{
    KERNEL_ASSERT(!reply->caller && !reply->receiver);
    heap_free_to(reply->header.payer, reply);
}
