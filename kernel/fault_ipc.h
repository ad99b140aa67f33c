/*
 * fault_ipc.h — the kernel calls an endpoint on behalf of a thread and acts
 * on the reply: page faults to the pager, exceptions to the exception
 * handler, heap faults to the heap's bank.
 *
 * The thread is the caller. It blocks exactly as if it had called (in the
 * endpoint's send queue, then bound to the receiver's reply object, with the
 * usual timeouts), so whoever serves the endpoint needs nothing special. Two
 * things differ: the message comes from the kernel (kept in the TCB, never
 * from the thread's registers or UTCB), and the reply is not written into
 * the thread: a purpose — a table of handlers — checks it and acts on it.
 *
 * Nothing is allocated. The message lives in the thread's TCB (already paid
 * for); the reply object is the receiver's own, as for any call. A call in
 * progress is `thread->fault_ipc.purpose != NULL`.
 *
 * Usage (from the thread's own kernel context, i.e. it is current_thread):
 *
 *     outcome = fault_ipc_call(thread, &thread->pager, &page_fault_purpose,
 *                              BURSAR_LABEL_PAGE_FAULT, words, 3,
 *                              BURSAR_TIMEOUT_NEVER, BURSAR_TIMEOUT_NEVER);
 *
 * returns once the thread runs again. RESUME: go back to user mode with the
 * frame as the purpose left it. RESTART: the purpose asks the caller to redo
 * the interrupted operation from its start (heap faults). KILL: the thread
 * is dead already (one line was logged); the caller just leaves the kernel.
 * RAISE: the handler passed the fault on (a pager's BURSAR_LABEL_RAISE, its
 * reason in `raised`): the caller calls the next handler.
 */
#ifndef KERNEL_FAULT_IPC_H
#define KERNEL_FAULT_IPC_H

#include <stdbool.h>
#include <stdint.h>

#include "bursar/fault.h"
#include "kernel/transfer.h"

struct thread;
struct cap_slot;
struct message;

#define FAULT_IPC_MAX_WORDS 14      /* a raised page fault's exception message (bursar/fault.h) */

enum fault_ipc_outcome {
    FAULT_IPC_RESUME = 0,
    FAULT_IPC_RESTART,
    FAULT_IPC_KILL,
    FAULT_IPC_RAISE,        /* the handler passed it on: the caller makes the next call (a raised page fault) */
};

/*
 * A reply as the purpose sees it: the tag and its untyped words, fetched.
 * Typed items stay where they are; a purpose that takes them hands
 * `message` and `replier` to transfer.h.
 */
struct fault_ipc_reply {
    struct thread *replier;
    const struct message *message;
    uint32_t tag;
    union {
        uint32_t words[FAULT_IPC_MAX_WORDS]; /* BURSAR_TAG_UNTYPED(tag) of them, and always MR0 and MR1 */
        struct bursar_exception_state exception;   /* the same words, as an exception handler's RESUME */
    };
    struct transfer_plan plan;               /* a purpose that takes items: what `check` planned, for `apply` */
};

struct fault_ipc_purpose {
    const char *handler_name;                /* "pager", for the log line */
    bool takes_items;                        /* false: a reply with typed items is INVALID_MESSAGE */
    /*
     * Before anything changes: BURSAR_OK, or the error the replier gets;
     * then nothing happens and the thread still waits for a good reply.
     */
    int (*check)(const struct thread *thread, struct fault_ipc_reply *reply);
    /*
     * Act on a reply `check` accepted, with nothing between: what it planned
     * is still true (and is used up here). KILL means the handler asked for it.
     */
    enum fault_ipc_outcome (*apply)(struct thread *thread, struct fault_ipc_reply *reply);
    /*
     * No reply will come: `status` says why (EMPTY_SLOT/REVOKED: no handler;
     * DESTROYED, TIMEOUT, NO_CALLER, NOT_MAPPED). NULL means KILL.
     */
    enum fault_ipc_outcome (*failed)(struct thread *thread, int status);
    /* What the thread was doing (from its message words), for the kill line. */
    void (*describe)(const struct thread *thread, char *buffer, uint32_t size);
};

/* Embedded in every TCB. */
struct fault_ipc {
    const struct fault_ipc_purpose *purpose;   /* NULL: no call in progress */
    uint32_t tag;
    union {
        uint32_t words[FAULT_IPC_MAX_WORDS];   /* BURSAR_TAG_UNTYPED(tag) of them */
        struct bursar_exception_state exception;   /* the same words, as an exception's message */
    };
    uint8_t outcome;                           /* enum fault_ipc_outcome, once decided */
    uint32_t raised;                           /* the reason a RAISE carried */
};

/*
 * Start the call and block `thread` (the current thread) until it is
 * decided; see the top of this file. `words` may be the thread's own
 * fault_ipc.words, filled in place (no call is in progress before this). `handler` is the capability to call
 * (a slot the kernel keeps, e.g. the thread's pager): empty, revoked,
 * dying or not an endpoint with WRITE counts as "no handler".
 */
enum fault_ipc_outcome fault_ipc_call(struct thread *thread, struct cap_slot *handler,
                                      const struct fault_ipc_purpose *purpose, uint32_t label,
                                      const uint32_t *words, uint32_t count, uint32_t send_timeout,
                                      uint32_t reply_timeout);

/* ---- for ipc.c and thread.c ---- */

static inline bool fault_ipc_pending(const struct fault_ipc *call) { return call->purpose != 0; }
/* The message as a blocked sender's: tag, MR0, MR1 (badge left to the caller). */
void fault_ipc_message(const struct thread *thread, struct message *out);
/* Message register i of the kernel's message (0 past its words: for the kill line). */
uint32_t fault_ipc_word(const struct thread *thread, uint32_t i);
/* The kernel's message words: as many as its tag says (its first ones: the words a purpose reads). */
static inline const uint32_t *fault_ipc_words(const struct fault_ipc *call) { return call->words; }
/*
 * Would `thread` take this reply? BURSAR_OK or the replier's error; nothing
 * changes. What the check found is kept in *reply for fault_ipc_reply.
 */
int fault_ipc_accept_reply(const struct thread *thread, struct thread *replier, const struct message *message,
                           struct fault_ipc_reply *reply);
/*
 * Act on a reply fault_ipc_accept_reply accepted just now, with nothing
 * between (the thread already unbound from the reply object). Returns the
 * thread if it goes on, in no queue and not yet ready, for the caller to
 * wake (ipc.c: the replier's direct switch to it); NULL if it was killed.
 */
struct thread *fault_ipc_reply(struct thread *thread, struct fault_ipc_reply *reply);
/* No reply will come (thread already out of every queue): the purpose decides. */
void fault_ipc_failed(struct thread *thread, int status);
/* The thread is being killed or destroyed, or its call is decided: forget the call, run no handler. */
void fault_ipc_abandon(struct thread *thread);

#endif /* KERNEL_FAULT_IPC_H */
