/*
 * syscall_ipc.c — the IPC system calls: decode the registers, check every
 * capability and the message tag, then hand over to ipc.c.
 */
#include "bursar/errors.h"
#include "bursar/message.h"
#include "bursar/syscall.h"
#include "kernel/fault_ipc.h"
#include "kernel/ipc.h"
#include "kernel/memory.h"
#include "kernel/preempt.h"
#include "kernel/scheduler.h"
#include "kernel/syscall_dispatch.h"
#include "kernel/task.h"
#include "kernel/thread.h"

struct ipc_arguments {
    uint32_t capability, reply_capability;
    uint32_t send_timeout, receive_timeout;
    struct message message;
};

static struct ipc_arguments decode(const struct machine_registers *r)
{
    return (struct ipc_arguments){
        .capability = r->argument[0] & BURSAR_CAP_INDEX_MASK,
        .reply_capability = r->argument[0] >> BURSAR_REPLY_INDEX_SHIFT,
        .send_timeout = (r->number >> BURSAR_SYSCALL_SEND_TIMEOUT_SHIFT) & 0xfffu,
        .receive_timeout = (r->number >> BURSAR_SYSCALL_RECEIVE_TIMEOUT_SHIFT) & 0xfffu,
        .message = { r->argument[1], 0, r->argument[2], r->argument[3] },
    };
}

/*
 * A message the sender may send: counts in range and its UTCB readable if
 * used. Its typed items are checked where the message goes: in full when it
 * meets its receiver, and against the sender alone before a send blocks
 * (ipc.c, transfer.c).
 */
static inline __attribute__((always_inline)) int check_message(struct thread *sender,
                                                              const struct message *message)
{
    uint32_t tag = message->tag, words = BURSAR_TAG_UNTYPED(tag) + BURSAR_ITEM_WORDS * BURSAR_TAG_TYPED(tag);

    if (BURSAR_TAG_TYPED(tag) > BURSAR_MAX_TYPED_ITEMS || words > BURSAR_MESSAGE_REGISTERS)
        return -BURSAR_E_INVALID_MESSAGE;
    if (words > BURSAR_REGISTER_WORDS &&
        (!sender->utcb_address || memory_translate(sender->task, sender->utcb_address, false) == MEMORY_NOT_MAPPED))
        return -BURSAR_E_NOT_MAPPED;
    return BURSAR_OK;
}

/* Inline in sys_send and sys_call: a call of its own was a layer more on every send. */
static inline __attribute__((always_inline)) int send_common(struct thread *caller,
                                                             const struct machine_registers *r, bool is_call)
{
    struct ipc_arguments a = decode(r);
    int error = BURSAR_OK;
    struct cap_slot *slot = cspace_lookup_inline(&caller->task->cspace, a.capability, BURSAR_OBJECT_ENDPOINT,
                                          BURSAR_RIGHT_WRITE, &error);

    if (!slot)
        return error;
    error = check_message(caller, &a.message);
    if (error != BURSAR_OK)
        return error;
    ipc_send(caller, (struct endpoint *)slot->object, slot->badge, &a.message, a.send_timeout, is_call,
             a.receive_timeout);
    return SYSCALL_RESULT_WRITTEN;
}

int sys_send(struct thread *caller, const struct machine_registers *r, uint32_t results[4])
{
    (void)results;
    return send_common(caller, r, false);
}

int sys_call(struct thread *caller, const struct machine_registers *r, uint32_t results[4])
{
    (void)results;
    return send_common(caller, r, true);
}

/* The endpoint to receive on and the (unbound) reply object, if one is named. */
static int check_receive(struct thread *caller, const struct ipc_arguments *a, struct endpoint **endpoint,
                         struct reply **reply)
{
    int error = BURSAR_OK;
    struct cap_slot *slot = cspace_lookup_inline(&caller->task->cspace, a->capability, BURSAR_OBJECT_ENDPOINT,
                                          BURSAR_RIGHT_READ, &error);

    if (!slot)
        return error;
    *endpoint = (struct endpoint *)slot->object;
    *reply = NULL;
    if (a->reply_capability == BURSAR_NO_CAPABILITY)
        return BURSAR_OK;
    slot = cspace_lookup_inline(&caller->task->cspace, a->reply_capability, BURSAR_OBJECT_REPLY, BURSAR_RIGHT_WRITE,
                         &error);
    if (!slot)
        return error;
    *reply = (struct reply *)slot->object;
    /* One reply object answers one caller: it may be neither bound nor promised to another receiver. */
    return (*reply)->caller || (*reply)->receiver ? -BURSAR_E_BUSY : BURSAR_OK;
}

int sys_receive(struct thread *caller, const struct machine_registers *r, uint32_t results[4])
{
    struct ipc_arguments a = decode(r);
    struct endpoint *endpoint = NULL;
    struct reply *reply = NULL;
    int error = check_receive(caller, &a, &endpoint, &reply);

    (void)results;
    if (error != BURSAR_OK)
        return error;
    ipc_receive(caller, endpoint, reply, a.receive_timeout);
    return SYSCALL_RESULT_WRITTEN;
}

static inline __attribute__((always_inline)) int lookup_reply(struct thread *caller, uint32_t index,
                                                             struct reply **reply)
{
    int error = BURSAR_OK;
    struct cap_slot *slot = cspace_lookup_inline(&caller->task->cspace, index, BURSAR_OBJECT_REPLY, BURSAR_RIGHT_WRITE,
                                          &error);

    *reply = slot ? (struct reply *)slot->object : NULL;
    return slot ? BURSAR_OK : error;
}

int sys_reply(struct thread *caller, const struct machine_registers *r, uint32_t results[4])
{
    struct ipc_arguments a = decode(r);
    struct reply *reply = NULL;
    struct thread *woken;
    struct fault_ipc_reply answer;      /* for a caller the kernel called for: what the check found */
    int error = lookup_reply(caller, a.capability, &reply);

    (void)results;
    if (error == BURSAR_OK)
        error = check_message(caller, &a.message);
    if (error == BURSAR_OK)
        error = ipc_reply_check(caller, reply, &a.message, &answer);
    if (error != BURSAR_OK)
        return error;
    woken = NULL;
    error = ipc_reply_keeping_woken(caller, reply, &a.message, &answer, &woken);
    machine_frame_set_result(thread_frame(caller), error);
    /* The direct switch to the caller, not queued first and taken out again (nobody, if it was killed). */
    if (woken && scheduler_preempts(woken))
        scheduler_wake_and_switch(woken);
    else if (woken)
        scheduler_make_ready(woken);
    return SYSCALL_RESULT_WRITTEN;
}

/* A reply-and-wait that does not receive after its reply: the caller the reply woke (if any) is queued. */
static int reply_wait_stops(struct thread *woken, int error)
{
    if (woken)
        scheduler_make_ready(woken);
    return error;
}

/*
 * Reply to the caller bound to the reply object (if any), then receive on
 * the endpoint, binding the same reply object to the next caller. Both
 * halves are checked before the reply goes out.
 */
int sys_reply_wait(struct thread *caller, const struct machine_registers *r, uint32_t results[4])
{
    struct ipc_arguments a = decode(r);
    struct endpoint *endpoint = NULL;
    struct reply *reply = NULL;
    struct thread *woken = NULL;
    struct fault_ipc_reply answer;      /* for a caller the kernel called for: what the check found */
    int error = BURSAR_OK;
    struct cap_slot *slot = cspace_lookup_inline(&caller->task->cspace, a.capability, BURSAR_OBJECT_ENDPOINT,
                                          BURSAR_RIGHT_READ, &error);

    (void)results;
    if (!slot)
        return error;
    endpoint = (struct endpoint *)slot->object;
    if (a.reply_capability != BURSAR_NO_CAPABILITY)
        error = lookup_reply(caller, a.reply_capability, &reply);
    if (error == BURSAR_OK && reply && reply->receiver)
        error = -BURSAR_E_BUSY;
    if (error == BURSAR_OK && reply && reply->caller)
        error = check_message(caller, &a.message);
    if (error == BURSAR_OK && reply)
        error = ipc_reply_check(caller, reply, &a.message, &answer);
    if (error != BURSAR_OK)
        return error;
    if (reply && reply->caller) {
        uint32_t points = preempt_statistics.points;
        /* The caller it wakes is left out of the ready queue: the receive runs it or queues it. */
        error = ipc_reply_keeping_woken(caller, reply, &a.message, &answer, &woken);
        /*
         * A reply whose items passed preemption points: the endpoint and the
         * reply object may have gone meanwhile, so they are looked up again;
         * if its items failed, the replier hears why and does not receive.
         */
        if (preempt_statistics.points != points) {
            if (error == BURSAR_OK)
                error = check_receive(caller, &a, &endpoint, &reply);
            if (error != BURSAR_OK)
                return reply_wait_stops(woken, error);
        }
        /* A typed item the caller refused: it stays bound; the replier hears why and does not receive. */
        else if (error != BURSAR_OK && reply->caller)
            return reply_wait_stops(woken, error);
    }
    ipc_receive_after_reply(caller, endpoint, reply, a.receive_timeout, woken);
    return SYSCALL_RESULT_WRITTEN;
}

int sys_yield(struct thread *caller, const struct machine_registers *r, uint32_t results[4])
{
    (void)r;
    (void)results;
    machine_frame_set_result(thread_frame(caller), BURSAR_OK);
    scheduler_yield();
    return SYSCALL_RESULT_WRITTEN;
}
