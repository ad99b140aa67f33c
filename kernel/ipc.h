/*
 * ipc.h — endpoints, reply objects and the IPC operations.
 *
 * An endpoint has one queue: the threads blocked on it, all senders or all
 * receivers (FIFO). A reply object is bound by a receive to the caller it
 * took, and answers it exactly once.
 */
#ifndef KERNEL_IPC_H
#define KERNEL_IPC_H

#include "kernel/object.h"

struct thread;

enum endpoint_queue_kind { QUEUE_EMPTY = 0, QUEUE_SENDERS, QUEUE_RECEIVERS };

struct endpoint {
    struct object header;
    struct thread *queue_head, *queue_tail;
    uint8_t queue_kind;                 /* enum endpoint_queue_kind */
};

struct reply {
    struct object header;
    struct thread *caller;              /* bound caller, or NULL */
    struct thread *receiver;            /* the one receiver waiting to bind it, or NULL */
};

/* The message as it travels: tag, badge, the two register words. */
struct message {
    uint32_t tag, badge, mr0, mr1;
};

int endpoint_create(struct heap *payer, struct endpoint **out);
void endpoint_destroy(struct endpoint *endpoint);
int reply_create(struct heap *payer, struct reply **out);
void reply_destroy(struct reply *reply);

/* The system calls; each returns the caller's result (or blocks it). */
void ipc_send(struct thread *sender, struct endpoint *endpoint, uint32_t badge,
              const struct message *message, uint32_t send_timeout, bool is_call, uint32_t receive_timeout);
void ipc_receive(struct thread *receiver, struct endpoint *endpoint, struct reply *reply,
                 uint32_t receive_timeout);
int ipc_reply(struct thread *replier, struct reply *reply, const struct message *message);

/* How many calls and reply-waits the fast path completed (ipc_fastpath.c). */
extern uint32_t ipc_fast_path_count;

/* A blocked thread stops waiting (timeout, destroy): out of its queue, result set. */
void ipc_cancel(struct thread *thread, int result);
/* Timer: wake every thread whose timeout is due. */
void ipc_timeouts_tick(uint64_t now);

#endif /* KERNEL_IPC_H */
