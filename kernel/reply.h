/*
 * reply.h — a reply object: bound by a receive to the caller it took, it
 * answers that caller exactly once.
 */
#ifndef KERNEL_REPLY_H
#define KERNEL_REPLY_H

#include "kernel/object.h"

struct thread;

struct reply {                          /* reply_create sets each field by name: add a new one there */
    struct object header;
    struct thread *caller;              /* bound caller, or NULL */
    struct thread *receiver;            /* the one receiver waiting to bind it, or NULL */
};

int reply_create(struct heap *payer, struct reply **out);
/*
 * When it begins to die: a bound caller, or a receiver waiting to bind it,
 * wakes with BURSAR_E_DESTROYED. Nothing binds it again (it is dying), so
 * a dying reply object has no caller: the fast path relies on that.
 */
void reply_begin_destroy(struct reply *reply);
void reply_destroy(struct reply *reply);

#endif /* KERNEL_REPLY_H */
