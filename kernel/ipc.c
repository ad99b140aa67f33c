/*
 * ipc.c — the IPC slow path: send, receive, call, reply, with timeouts.
 *
 * A blocked thread's message stays where it was: the words in the registers
 * saved in its frame, the rest in its UTCB. Whoever completes an operation
 * writes the other side's result into that side's frame, so a woken thread
 * just returns. The fast path (ipc_fastpath.c) must give the same results.
 */
#include "bursar/errors.h"
#include "bursar/message.h"
#include "bursar/utcb.h"
#include "kernel/boot.h"
#include "kernel/console.h"
#include "kernel/fault_ipc.h"
#include "kernel/heap.h"
#include "kernel/ipc.h"
#include "kernel/irq.h"
#include "kernel/ipc_queue.h"
#include "kernel/machine.h"
#include "kernel/memory.h"
#include "kernel/preempt.h"
#include "kernel/scheduler.h"
#include "kernel/task.h"
#include "kernel/thread.h"
#include "kernel/transfer.h"

/*
 * Armed timeouts, ordered by wake tick (equal ticks in the order armed):
 * arming and removing one is O(log n) however many threads wait, and the
 * tick finds the next in O(1).
 */
static struct avl_tree timeouts;

/* At most this many fire in one timer tick; the rest fire in the ticks after, in order. */
#define TIMEOUTS_PER_TICK 4

/* ---- timeouts ---- */

/* Timer ticks for a relative timeout code (never 0 for a relative one). */
static uint64_t timeout_ticks(uint32_t code)
{
    static const uint32_t scale_ms[4] = { 1, 10, 100, 1000 };
    uint64_t ms = (uint64_t)BURSAR_TIMEOUT_MANTISSA(code) * scale_ms[BURSAR_TIMEOUT_SCALE(code)];

    return (ms * TIMER_HZ + 999) / 1000;
}

static bool timeout_is_zero(uint32_t code)
{
    return code != BURSAR_TIMEOUT_NEVER && BURSAR_TIMEOUT_MANTISSA(code) == 0;
}

static void timeout_remove(struct thread *thread)
{
    if (!thread->wake_tick)
        return;
    avl_remove(&timeouts, &thread->timeout_node);
    thread->wake_tick = 0;
    thread->slow_path_only &= (uint8_t)~THREAD_SLOW_PATH_TIMEOUT;
}

static void timeout_arm(struct thread *thread, uint32_t code)
{
    if (code == BURSAR_TIMEOUT_NEVER)
        return;
    thread->wake_tick = scheduler_ticks() + timeout_ticks(code) + 1;   /* +1: a partial tick is not a tick */
    thread->slow_path_only |= THREAD_SLOW_PATH_TIMEOUT;
    thread->timeout_node.key = thread->wake_tick;
    avl_insert(&timeouts, &thread->timeout_node);
}

static struct thread *thread_of_timeout(struct avl_node *node)
{
    return (struct thread *)((char *)node - __builtin_offsetof(struct thread, timeout_node));
}

/*
 * The timer's work is bounded too: however many timeouts fall due in one
 * tick, TIMEOUTS_PER_TICK fire, and the others stay first in line. The
 * idle loop fires the rest a batch at a time (between interrupt windows),
 * so they are late only while other threads keep the processor busy.
 */
bool ipc_timeouts_fire(uint64_t now)
{
    struct avl_node *first;

    for (unsigned fired = 0; fired < TIMEOUTS_PER_TICK && (first = avl_first(&timeouts)) && first->key <= now;
         fired++)
        ipc_cancel(thread_of_timeout(first), -BURSAR_E_TIMEOUT);
    first = avl_first(&timeouts);
    return first && first->key <= now;
}

/* ---- results ---- */

static void set_result(struct thread *thread, int result)
{
    machine_frame_set_result(thread_frame(thread), result);
}

/*
 * A thread's operation is over with `status` and it may run again. A call
 * the kernel made for the thread (fault_ipc.c) has no user result to write:
 * its purpose decides what happens.
 */
static void complete(struct thread *thread, int status)
{
    if (fault_ipc_pending(&thread->fault_ipc)) {
        fault_ipc_failed(thread, status);
        return;
    }
    set_result(thread, status);
    if (thread->state != THREAD_READY)
        scheduler_make_ready(thread);
}

static void set_message_result(struct thread *thread, int result, const struct message *message)
{
    uint32_t words[4] = { message->badge, message->tag, message->mr0, message->mr1 };

    machine_frame_write_result(thread_frame(thread), result, words);
}

/* What a blocked sender is sending: its saved registers, or the kernel's message for it. */
static struct message message_of_blocked_sender(struct thread *sender)
{
    struct machine_registers registers;

    if (fault_ipc_pending(&sender->fault_ipc)) {
        struct message message;
        fault_ipc_message(sender, &message);
        message.badge = sender->send_badge;
        return message;
    }
    machine_frame_read(thread_frame(sender), &registers);
    return (struct message){ registers.argument[1], sender->send_badge, registers.argument[2],
                             registers.argument[3] };
}

/* A receiver waits to bind the reply object it named (if any) to the caller it gets. */
static void promise_reply(struct thread *receiver, struct reply *reply)
{
    receiver->receive_reply = reply;
    if (reply)
        reply->receiver = receiver;
}

/* A receiver no longer binds the reply object it named to a caller. */
static void unpromise_reply(struct thread *receiver)
{
    if (receiver->receive_reply)
        receiver->receive_reply->receiver = NULL;
    receiver->receive_reply = NULL;
}

void ipc_cancel(struct thread *thread, int result)
{
    switch (thread->state) {
    case THREAD_SENDING:
    case THREAD_RECEIVING:
        dequeue(thread);
        break;
    case THREAD_WAITING_REPLY:
        if (thread->reply_waiting)
            thread->reply_waiting->caller = NULL;
        thread->reply_waiting = NULL;
        break;
    case THREAD_TRANSFERRING:
        /* Held (below): only its reply object may be taken from it; its holder decides the rest. */
        unpromise_reply(thread);
        return;
    default:
        return;
    }
    timeout_remove(thread);
    unpromise_reply(thread);
    complete(thread, result);
}

bool ipc_check_thread(const struct thread *thread)
{
    bool queued = thread->state == THREAD_SENDING || thread->state == THREAD_RECEIVING ||
                  (thread->state == THREAD_READY && thread != current_thread);
    const struct reply *reply = thread->reply_waiting;
    bool ok = true;

    if (!queued && (thread->queue_next || thread->queue_prev)) {
        kprintf("ipc: thread %u (%s) is in no queue but has queue links\n", thread->id,
                thread_state_name(thread->state));
        ok = false;
    }
    if (thread->state == THREAD_WAITING_REPLY && reply && (reply->caller != thread || reply->receiver)) {
        kprintf("ipc: thread %u waits for a reply its reply object does not promise it\n", thread->id);
        ok = false;
    }
    if (thread->task && (thread->first_capability_page != thread->task->cspace.pages[0] ||
                         thread->page_directory_physical != thread->task->page_directory_physical)) {
        kprintf("ipc: thread %u's copies of its task's capability page or page directory are stale\n",
                thread->id);
        ok = false;
    }
    /* A held receiver and the thread moving its items name each other, and nothing times it out. */
    if ((thread->state == THREAD_TRANSFERRING) != (thread->transfer_holder != NULL) ||
        (thread->transfer_holder && (thread->transfer_holder->transfer_partner != thread || thread->wake_tick)) ||
        (thread->transfer_partner && thread->transfer_partner->transfer_holder != thread)) {
        kprintf("ipc: thread %u (%s)'s transfer links disagree\n", thread->id, thread_state_name(thread->state));
        ok = false;
    }
    /* (THREAD_SLOW_PATH_TRAP_ENTRY stands for where the thread entered: nothing here to compare.) */
    if ((thread->slow_path_only & ~THREAD_SLOW_PATH_TRAP_ENTRY) !=
        ((thread->wake_tick ? THREAD_SLOW_PATH_TIMEOUT : 0) |
         (fault_ipc_pending(&thread->fault_ipc) ? THREAD_SLOW_PATH_KERNEL_CALL : 0))) {
        kprintf("ipc: thread %u's slow-path bits %#x disagree with its timeout and fault call\n", thread->id,
                thread->slow_path_only);
        ok = false;
    }
    return ok;
}

/* ---- message transfer ---- */

struct bursar_utcb *ipc_utcb_of(struct thread *thread, bool for_write)
{
    uint64_t page;

    if (!thread->utcb_address)
        return NULL;
    page = memory_translate(thread->task, thread->utcb_address & ~(MACHINE_PAGE_SIZE - 1), for_write);
    if (page == MEMORY_NOT_MAPPED)
        return NULL;
    return (struct bursar_utcb *)((uint8_t *)machine_physical_to_virtual(page) +
                                  (thread->utcb_address & (MACHINE_PAGE_SIZE - 1)));
}

/*
 * Copy the message registers beyond the two in registers to the receiver's
 * UTCB: from the sender's UTCB, or from the kernel's message for it.
 */
static int copy_message_words(struct thread *sender, struct thread *receiver, uint32_t words)
{
    const uint32_t *from;
    struct bursar_utcb *to;

    if (fault_ipc_pending(&sender->fault_ipc)) {
        from = fault_ipc_words(&sender->fault_ipc);      /* its tag, hence `words`, is the kernel's */
    } else {
        const struct bursar_utcb *utcb = ipc_utcb_of(sender, false);
        if (!utcb)
            return -BURSAR_E_NOT_MAPPED;
        from = utcb->mr;
    }
    to = ipc_utcb_of(receiver, true);
    if (!to)
        return -BURSAR_E_NOT_MAPPED;
    for (uint32_t i = BURSAR_REGISTER_WORDS; i < words; i++)
        to->mr[i] = from[i];
    return BURSAR_OK;
}

/* Most messages fit the registers: the test is inline, so they pay no call for it. */
static inline int copy_long_message(struct thread *sender, struct thread *receiver, uint32_t tag)
{
    uint32_t words = BURSAR_TAG_UNTYPED(tag);

    return words <= BURSAR_REGISTER_WORDS ? BURSAR_OK : copy_message_words(sender, receiver, words);
}

/*
 * transfer_check, inline for a message without typed items (most of
 * them), whose plan is empty and always passes: they pay no call for it.
 */
static inline int check_transfer(struct thread *sender, struct thread *receiver, const struct message *message,
                                 struct transfer_plan *plan)
{
    if (BURSAR_TAG_TYPED(message->tag) == 0) {
        plan->count = plan->pages = plan->new_tables = 0;
        return BURSAR_OK;
    }
    return transfer_check(sender, receiver, message, plan);
}

/* ---- a transfer that passes preemption points ---- */

/*
 * A message whose memory items have more pages than can move with
 * interrupts off (transfer.h, TRANSFER_PAGES_AT_ONCE) is moved by the
 * sender's own thread (the replier's, for a reply), with preemption points
 * between pages, while it holds the receiver: out of every queue, its
 * timeout cancelled, in THREAD_TRANSFERRING, where nobody else can deliver
 * to it, time it out or cancel it. A receiver waiting to bind its reply
 * object keeps it promised (a destroy of the reply object takes it back:
 * ipc_cancel). If the receiver is killed meanwhile the holder finds its
 * link cleared (ipc_transfer_thread_gone) and stops; if the holder is
 * destroyed it still takes back the pages it moved (transfer.c) and the
 * receiver hears DESTROYED. The receiving task is pinned meanwhile.
 */
static void hold(struct thread *holder, struct thread *receiver)
{
    receiver->state = THREAD_TRANSFERRING;
    receiver->transfer_holder = holder;
    holder->transfer_partner = receiver;
}

/* The hold ends: the receiver, or NULL if it was killed meanwhile. */
static struct thread *unhold(struct thread *holder)
{
    struct thread *receiver = holder->transfer_partner;

    holder->transfer_partner = NULL;
    if (receiver)
        receiver->transfer_holder = NULL;
    return receiver;
}

void ipc_transfer_thread_gone(struct thread *thread)
{
    struct thread *receiver = thread->transfer_partner;

    if (thread->transfer_holder) {              /* a held receiver: its holder finds it gone */
        thread->transfer_holder->transfer_partner = NULL;
        thread->transfer_holder = NULL;
    }
    if (receiver) {                             /* a holder that never ran (ipc_receive handed it over) */
        unhold(thread);
        unpromise_reply(receiver);
        complete(receiver, -BURSAR_E_DESTROYED);
    }
}

/* The running sender commits a plan to the receiver it holds; *receiver_out NULL if that was killed. */
static int commit_held(struct thread *sender, struct thread *receiver, struct transfer_plan *plan,
                       struct message *delivered, struct thread **receiver_out)
{
    struct task *receiving = receiver->task;
    int status;

    hold(sender, receiver);
    task_pin(receiving);
    status = transfer_commit(sender, receiver, plan, delivered);
    task_unpin(receiving);
    *receiver_out = unhold(sender);
    return *receiver_out ? status : -BURSAR_E_DESTROYED;
}

/* The receiver's result: the message it got, or, if the delivery failed, the error and no words. */
static int delivery_result(struct thread *receiver, int status, const struct message *delivered)
{
    if (status != BURSAR_OK) {
        struct message empty = { 0, delivered->badge, 0, 0 };
        set_message_result(receiver, status, &empty);
        return status;
    }
    set_message_result(receiver, BURSAR_OK, delivered);
    return BURSAR_OK;
}

/*
 * Deliver to a receiver that was waiting (or is the current thread), with
 * its typed items already checked (`plan`) and moving at once, with no
 * preemption point (!transfer_passes_points). Returns the status for the
 * sender: when the words cannot be copied both sides get it, and no item
 * has moved. The receiver has its result written, and is not yet ready.
 * Every IPC through the slow path comes here: a message without items
 * (most of them) pays for nothing of the item machinery, and the copy is
 * inline in each caller (a call of its own was a tenth of a one-way).
 */
static inline __attribute__((always_inline)) int deliver(struct thread *sender, struct thread *receiver,
                                                         const struct message *message,
                                                         struct transfer_plan *plan)
{
    struct message delivered = *message;
    int status = copy_long_message(sender, receiver, message->tag);

    if (status == BURSAR_OK && plan->count)     /* checked in full already: cannot fail */
        status = transfer_commit(sender, receiver, plan, &delivered);
    return delivery_result(receiver, status, &delivered);
}

/*
 * The same for a plan that passes preemption points: the sender holds the
 * receiver while it moves the items, and if an item fails as it moves,
 * both sides get the error and no item has moved. *receiver_out is the
 * receiver with its result written, not yet ready; NULL if it was killed
 * while held (then nothing of it is touched).
 */
static int deliver_held(struct thread *sender, struct thread *receiver, const struct message *message,
                        struct transfer_plan *plan, struct thread **receiver_out)
{
    struct message delivered = *message;
    int status = copy_long_message(sender, receiver, message->tag);

    *receiver_out = receiver;
    if (status == BURSAR_OK)
        status = commit_held(sender, receiver, plan, &delivered, receiver_out);
    if (!*receiver_out)
        return status;
    return delivery_result(receiver, status, &delivered);
}

/* After a call was delivered: bind the caller to the receiver's reply object. */
static void await_reply(struct thread *caller, struct reply *reply, uint32_t reply_timeout)
{
    if (!reply) {
        complete(caller, -BURSAR_E_NO_CALLER);       /* the receiver took no reply object */
        return;
    }
    reply->caller = caller;
    caller->state = THREAD_WAITING_REPLY;
    caller->reply_waiting = reply;
    timeout_arm(caller, reply_timeout);
}

/* ---- operations ---- */

/* No receiver yet: items that can never go anywhere fail now, before the sender waits. */
static int check_items_before_waiting(struct thread *sender, const struct message *message)
{
    struct transfer_plan plan;

    return check_transfer(sender, NULL, message, &plan);
}

/*
 * The sender has its receiver (out of its queue, timeout cancelled, reply
 * object still promised) and delivers; then a call waits for its reply,
 * and the receiver runs if it should.
 */
static inline __attribute__((always_inline)) void send_to(struct thread *sender, struct thread *receiver,
                                                          const struct message *message,
                                                          struct transfer_plan *plan, bool is_call,
                                                          uint32_t reply_timeout)
{
    struct reply *reply;
    int status;

    /*
     * Inlined: every send through the slow path comes here, and a call of
     * its own (six arguments) was about 20 instructions of a round trip.
     */
    if (transfer_passes_points(plan)) {
        status = deliver_held(sender, receiver, message, plan, &receiver);
        if (!receiver) {                /* killed while held */
            complete(sender, status);
            return;
        }
    } else {
        status = deliver(sender, receiver, message, plan);
    }
    reply = receiver->receive_reply;
    unpromise_reply(receiver);
    if (status != BURSAR_OK || !is_call) {
        complete(sender, status);
        if (scheduler_preempts(receiver) && !preempt_destroyed())
            scheduler_wake_and_switch(receiver);
        else
            scheduler_make_ready(receiver);
        return;
    }
    scheduler_remove(sender);
    await_reply(sender, reply, reply_timeout);
    scheduler_wake_and_switch(receiver);
}

/*
 * A receiver found this blocked sender's message too large to move itself
 * (ipc_receive): it waits, held by the sender, which checks the message
 * again (things may have changed before it ran) and moves it.
 */
static void send_handed_over(struct thread *sender, const struct message *message, uint32_t badge, bool is_call,
                             uint32_t reply_timeout)
{
    struct thread *receiver;
    struct message delivered = *message;
    struct transfer_plan plan;
    int status;

    /* The receiver's check and the switch here were one window already: a point before the sender's own. */
    preempt_point();
    receiver = sender->transfer_partner;
    if (!receiver)                      /* killed meanwhile: the sender's result says DESTROYED */
        return;
    if (preempt_destroyed()) {          /* it never returns to user mode; the receiver hears why */
        ipc_transfer_thread_gone(sender);
        return;
    }
    status = check_transfer(sender, receiver, message, &plan);
    delivered.badge = badge;
    if (status != BURSAR_OK) {          /* both hear why: the receiver stopped waiting for this message */
        unhold(sender);
        unpromise_reply(receiver);
        delivery_result(receiver, status, &delivered);
        scheduler_make_ready(receiver);
        complete(sender, status);
        return;
    }
    send_to(sender, receiver, &delivered, &plan, is_call, reply_timeout);
}

void ipc_send(struct thread *sender, struct endpoint *endpoint, uint32_t badge,
              const struct message *message, uint32_t send_timeout, bool is_call, uint32_t receive_timeout)
{
    if (endpoint->queue_kind == QUEUE_RECEIVERS) {
        struct thread *receiver = endpoint->queue_head;
        struct message delivered = *message;
        struct transfer_plan plan;
        int status = check_transfer(sender, receiver, message, &plan);

        if (status != BURSAR_OK) {          /* an item refused: the receiver goes on waiting */
            complete(sender, status);
            return;
        }
        dequeue(receiver);
        timeout_remove(receiver);
        delivered.badge = badge;
        send_to(sender, receiver, &delivered, &plan, is_call, receive_timeout);
        return;
    }
    int status = check_items_before_waiting(sender, message);
    if (status != BURSAR_OK) {
        complete(sender, status);
        return;
    }
    if (timeout_is_zero(send_timeout)) {
        complete(sender, -BURSAR_E_TIMEOUT);
        return;
    }
    scheduler_remove(sender);
    sender->state = THREAD_SENDING;
    sender->is_call = is_call;
    sender->send_badge = badge;
    sender->reply_timeout = receive_timeout;
    enqueue(endpoint, sender, QUEUE_SENDERS);
    timeout_arm(sender, send_timeout);
    schedule();
    if (sender->transfer_partner)       /* a receiver left its message to it to move */
        send_handed_over(sender, message, badge, is_call, receive_timeout);
}

struct thread *ipc_kernel_send(struct endpoint *endpoint, const struct message *message)
{
    struct thread *receiver = endpoint->queue_head;

    if (endpoint->queue_kind != QUEUE_RECEIVERS)
        return NULL;
    dequeue(receiver);
    timeout_remove(receiver);
    unpromise_reply(receiver);
    set_message_result(receiver, BURSAR_OK, message);
    scheduler_make_ready(receiver);
    return receiver;
}

/*
 * The receiver (the running thread) met a sender whose items pass
 * preemption points: the sender moves them in its own thread, holding the
 * receiver, which waits meanwhile with its reply object promised. The
 * sender is woken to do it (send_handed_over); until it does, its result
 * says DESTROYED, which it keeps if the receiver is killed first.
 */
static void hand_over(struct thread *sender, struct thread *receiver, struct reply *reply)
{
    scheduler_remove(receiver);
    promise_reply(receiver, reply);
    hold(sender, receiver);
    set_result(sender, -BURSAR_E_DESTROYED);
    scheduler_make_ready(sender);
    schedule();
}

void ipc_receive(struct thread *receiver, struct endpoint *endpoint, struct reply *reply,
                 uint32_t receive_timeout)
{
    ipc_receive_after_reply(receiver, endpoint, reply, receive_timeout, NULL);
}

/*
 * May the receive below return without blocking? Every way it returns
 * before it blocks must make this true (it may be true and the receive
 * block after all: every sender refused). Else the caller a reply woke,
 * kept out of the ready queue for the direct switch, would be lost.
 */
static bool receive_may_return_at_once(const struct endpoint *endpoint, uint32_t receive_timeout)
{
    return endpoint->pending_irqs || endpoint->queue_kind == QUEUE_SENDERS || timeout_is_zero(receive_timeout);
}

void ipc_receive_after_reply(struct thread *receiver, struct endpoint *endpoint, struct reply *reply,
                             uint32_t receive_timeout, struct thread *woken)
{
    struct message interrupt;

    /* The receiver may not block: the woken caller waits its turn in the queue, as after a plain reply. */
    if (woken && receive_may_return_at_once(endpoint, receive_timeout)) {
        scheduler_make_ready(woken);
        woken = NULL;
    }
    if (endpoint->pending_irqs && irq_take_pending(endpoint, &interrupt)) {   /* the kernel's messages first */
        set_message_result(receiver, BURSAR_OK, &interrupt);
        return;
    }
    while (endpoint->queue_kind == QUEUE_SENDERS) {
        struct thread *sender = endpoint->queue_head;
        struct message message = message_of_blocked_sender(sender);
        struct transfer_plan plan;
        int status = check_transfer(sender, receiver, &message, &plan);

        dequeue(sender);
        timeout_remove(sender);
        if (status != BURSAR_OK) {          /* an item refused: that sender fails, the next may do */
            complete(sender, status);
            continue;
        }
        if (transfer_passes_points(&plan)) {
            hand_over(sender, receiver, reply);
            return;
        }
        status = deliver(sender, receiver, &message, &plan);     /* at once: the receiver itself */
        if (status == BURSAR_OK && sender->is_call) {
            await_reply(sender, reply, sender->reply_timeout);
            return;
        }
        complete(sender, status);
        return;
    }
    if (timeout_is_zero(receive_timeout)) {
        set_result(receiver, -BURSAR_E_TIMEOUT);
        return;
    }
    scheduler_remove(receiver);
    receiver->state = THREAD_RECEIVING;
    promise_reply(receiver, reply);
    enqueue(endpoint, receiver, QUEUE_RECEIVERS);
    timeout_arm(receiver, receive_timeout);
    if (woken)                          /* the direct switch to the caller the reply woke */
        scheduler_wake_and_switch(woken);
    else
        schedule();
}

int ipc_reply_check(struct thread *replier, struct reply *reply, const struct message *message,
                    struct fault_ipc_reply *answer)
{
    /* Only the kernel's call checks a reply (a test inline: every reply comes here). */
    if (!reply->caller || !fault_ipc_pending(&reply->caller->fault_ipc))
        return BURSAR_OK;
    return fault_ipc_accept_reply(reply->caller, replier, message, answer);
}

static void unbind_caller(struct reply *reply, struct thread *caller)
{
    reply->caller = NULL;
    caller->reply_waiting = NULL;
    timeout_remove(caller);
}

/*
 * The caller is a thread the kernel called for (fault_ipc.h): its purpose
 * checked the reply in ipc_reply_check (`answer`), and acts on it now. A
 * thread that goes on is left in *woken, as any caller a reply wakes.
 */
static int reply_to_kernel_call(struct thread *replier, struct reply *reply, struct fault_ipc_reply *answer,
                                struct thread **woken)
{
    struct thread *caller = reply->caller;
    int status = BURSAR_OK;

    unbind_caller(reply, caller);
    if (answer->plan.count && transfer_passes_points(&answer->plan)) {
        /* A large item in a RESUME: moved here, held; if it fails the thread retries and faults again. */
        status = commit_held(replier, caller, &answer->plan, NULL, &caller);
        if (!caller)
            return status;
        answer->plan.count = 0;     /* nothing left for the purpose to commit */
    }
    *woken = fault_ipc_reply(caller, answer);
    return status;
}

int ipc_reply_keeping_woken(struct thread *replier, struct reply *reply, const struct message *message,
                            struct fault_ipc_reply *answer, struct thread **woken)
{
    struct thread *caller = reply->caller;
    struct message delivered = *message;
    struct transfer_plan plan;
    int status;

    if (!caller)
        return -BURSAR_E_NO_CALLER;
    if (fault_ipc_pending(&caller->fault_ipc))
        return reply_to_kernel_call(replier, reply, answer, woken);
    status = check_transfer(replier, caller, message, &plan);
    if (status != BURSAR_OK)
        return status;              /* an item refused: the caller stays bound, waiting */
    unbind_caller(reply, caller);
    delivered.badge = 0;
    if (!transfer_passes_points(&plan)) {
        status = deliver(replier, caller, &delivered, &plan);
    } else {
        status = deliver_held(replier, caller, &delivered, &plan, &caller);
        if (!caller)                /* killed while held */
            return status;
    }
    *woken = caller;                    /* ready once the replier says how (ipc.h) */
    return status;
}
