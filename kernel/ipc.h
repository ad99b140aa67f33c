/*
 * ipc.h — the IPC operations on endpoints (endpoint.h) and reply objects
 * (reply.h).
 */
#ifndef KERNEL_IPC_H
#define KERNEL_IPC_H

#include "kernel/endpoint.h"
#include "kernel/object.h"
#include "kernel/reply.h"

struct thread;
struct bursar_utcb;
struct fault_ipc_reply;

/* The message as it travels: tag, badge, the two register words. */
struct message {
    uint32_t tag, badge, mr0, mr1;
};

/* The system calls; each returns the caller's result (or blocks it). */
void ipc_send(struct thread *sender, struct endpoint *endpoint, uint32_t badge,
              const struct message *message, uint32_t send_timeout, bool is_call, uint32_t receive_timeout);
void ipc_receive(struct thread *receiver, struct endpoint *endpoint, struct reply *reply,
                 uint32_t receive_timeout);
/*
 * A message from the kernel itself (an interrupt) to the first thread
 * waiting on the endpoint, which becomes ready; NULL when none waits.
 */
struct thread *ipc_kernel_send(struct endpoint *endpoint, const struct message *message);
/*
 * The two halves of a reply-and-wait, for the direct switch: the reply
 * leaves the caller it woke ready but in no queue (*woken, else NULL), and
 * the receive that follows runs it at once if the replier blocks, or
 * queues it first if it does not. Nothing may run between the two.
 */
int ipc_reply_keeping_woken(struct thread *replier, struct reply *reply, const struct message *message,
                            struct fault_ipc_reply *answer, struct thread **woken);
void ipc_receive_after_reply(struct thread *receiver, struct endpoint *endpoint, struct reply *reply,
                             uint32_t receive_timeout, struct thread *woken);
/*
 * Whether the thread bound to the reply object would take this reply: a
 * thread waiting on a call the kernel made for it (fault_ipc.h) accepts only
 * the replies its purpose allows. BURSAR_OK or the replier's error; nothing
 * changes. For such a thread *answer keeps what the check found (its words,
 * its items' plan), and ipc_reply_keeping_woken acts on it without checking
 * again.
 */
int ipc_reply_check(struct thread *replier, struct reply *reply, const struct message *message,
                    struct fault_ipc_reply *answer);
/* The thread's UTCB in the kernel's view, or NULL if not mapped (writable, if asked). */
struct bursar_utcb *ipc_utcb_of(struct thread *thread, bool for_write);

/*
 * How many calls and reply-waits, and how many null calls, the fast path
 * completed (ipc_fastpath.c). Each was a kernel entry the entry code did not
 * count itself.
 */
extern uint32_t ipc_fast_path_count, fast_path_null_count;

/*
 * A thread is being killed: a transfer it holds (the receiver is told
 * DESTROYED) or is held by (the holder finds it gone) hears of it.
 */
void ipc_transfer_thread_gone(struct thread *thread);
/* A blocked thread stops waiting (timeout, destroy): out of its queue, result set. */
void ipc_cancel(struct thread *thread, int result);
/*
 * The invariants the fast path relies on instead of checking (ipc_fastpath.c),
 * for the kernel's self-check: a thread in no queue has no queue links, a
 * caller waiting for a reply is the one its reply object names, which has
 * no receiver waiting to bind it, a thread's slow-path bits say what they
 * stand for, its copies of its task's capability page and page directory
 * are its task's (thread.h), and a receiver held by a transfer and its
 * holder name each other. Prints what is wrong. For one thread: the
 * self-check (kernel/self_check.c) walks the threads between preemption
 * points.
 */
bool ipc_check_thread(const struct thread *thread);
/*
 * Timer and idle loop: wake threads whose timeout is due, a few at most
 * (bounded work); true if more are due.
 */
bool ipc_timeouts_fire(uint64_t now);

#endif /* KERNEL_IPC_H */
