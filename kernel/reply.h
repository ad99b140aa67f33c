/*
 * reply.h — a reply object: bound by a receive to the caller it took, it
 * answers that caller exactly once.
 */
#ifndef KERNEL_REPLY_H
#define KERNEL_REPLY_H

#include "kernel/object.h"

struct thread;

struct reply {
    struct object header;
    struct thread *caller;              /* bound caller, or NULL */
    struct thread *receiver;            /* the one receiver waiting to bind it, or NULL */
};

int reply_create(struct heap *payer, struct reply **out);
/* A bound caller, or a receiver waiting to bind it, wakes with BURSAR_E_DESTROYED. */
void reply_destroy(struct reply *reply);

#endif /* KERNEL_REPLY_H */
