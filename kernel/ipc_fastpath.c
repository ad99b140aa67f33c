/*
 * ipc_fastpath.c — the IPC fast path: call and reply-and-wait with a
 * register-only message (at most two words, no typed items), infinite
 * receive timeout, a partner already waiting, and a switch straight to it.
 *
 * It is check-and-bail: every condition is tested before anything changes,
 * and any surprise returns NULL so the slow path (ipc.c) handles the call
 * from scratch. When it succeeds, the result must be exactly what the slow
 * path would have produced; the in-VM tests run with the fast path on and off
 * and must agree. A thread it blocks is left with no saved kernel stack
 * (saved_stack 0): should the slow path resume it, the scheduler first gives
 * it a frame that returns straight to user mode. A thread it resumes leaves
 * through its saved user frame, the C frames of its old slow-path block
 * having nothing left to do.
 */
#include "bursar/message.h"
#include "bursar/syscall.h"
#include "kernel/ipc.h"
#include "kernel/ipc_queue.h"
#include "kernel/machine.h"
#include "kernel/scheduler.h"
#include "kernel/scheduler_queues.h"
#include "kernel/task.h"
#include "kernel/thread.h"

/* Bits that must be zero: the receive timeout (never), typed items, untyped words above two. */
#define RECEIVE_TIMEOUT_BITS (0xfffu << BURSAR_SYSCALL_RECEIVE_TIMEOUT_SHIFT)
#define REGISTER_ONLY(tag) (((tag) & ((BURSAR_TAG_TYPED_MASK << BURSAR_TAG_TYPED_SHIFT) | BURSAR_TAG_UNTYPED_MASK)) \
                            <= BURSAR_REGISTER_WORDS)

struct saved_registers *ipc_fastpath(struct saved_registers *registers);
uint32_t ipc_fast_path_count;

/* The slot at `index` if it names a live object of `type` with `rights`, else NULL. */
static inline struct cap_slot *fast_lookup(struct thread *thread, uint32_t index, uint8_t type, uint32_t rights)
{
    struct cspace *cspace = &thread->task->cspace;
    struct cap_slot *slot;

    if (index >= cspace->slot_count)
        return NULL;
    slot = &cspace->pages[index / CAP_SLOTS_PER_PAGE][index % CAP_SLOTS_PER_PAGE];
    if (slot->type != type || (slot->holder.rights & rights) != rights || slot->object->dying)
        return NULL;
    return slot;
}

/* `to` (equal or higher priority) runs in `from`'s place. */
static inline void hand_over(struct thread *from, struct thread *to)
{
    if (to->priority == from->priority)
        scheduler_take_place(from, to);
    else
        scheduler_hand_over(from, to);
}

/*
 * Make `next` the current thread; the sysenter exit switches the kernel
 * stack, UTCB segment and address space to it (machine_fast_switch).
 */
static inline void resume_on_return(struct thread *next)
{
    current_thread = next;
    machine_fast_switch.page_directory_physical = next->task->page_directory_physical;
    machine_fast_switch.utcb_address = next->utcb_address;
    if (thread_to_free_after_switch)
        scheduler_finish_switch();
}

/* Deliver the message into the partner's saved registers, as the slow path's deliver() does. */
static inline struct saved_registers *deliver_registers(struct thread *to, uint32_t badge,
                                                        const struct saved_registers *from)
{
    struct saved_registers *target = machine_saved_registers(thread_stack_top(to));

    target->number = 0;
    target->word0 = badge;
    target->word1 = from->word1;
    target->word2 = from->word2;
    target->word3 = from->word3;
    return target;
}

static struct saved_registers *fastpath_call(struct saved_registers *registers)
{
    struct thread *caller = current_thread, *receiver;
    struct cap_slot *slot;
    struct endpoint *endpoint;
    struct reply *reply;

    if ((registers->number & RECEIVE_TIMEOUT_BITS) || !REGISTER_ONLY(registers->word1))
        return NULL;
    slot = fast_lookup(caller, registers->word0 & BURSAR_CAP_INDEX_MASK, BURSAR_OBJECT_ENDPOINT,
                       BURSAR_RIGHT_WRITE);
    if (!slot)
        return NULL;
    endpoint = (struct endpoint *)slot->object;
    if (endpoint->queue_kind != QUEUE_RECEIVERS)
        return NULL;
    receiver = endpoint->queue_head;
    reply = receiver->receive_reply;
    if (!reply || receiver->wake_tick || receiver->priority < caller->priority)
        return NULL;

    dequeue_head(endpoint);
    receiver->receive_reply = NULL;
    reply->receiver = NULL;
    reply->caller = caller;
    caller->reply_waiting = reply;
    hand_over(caller, receiver);
    caller->state = THREAD_WAITING_REPLY;
    caller->saved_stack = 0;             /* the slow path builds its return frame if it needs one */
    registers = deliver_registers(receiver, slot->badge, registers);
    resume_on_return(receiver);
    ipc_fast_path_count++;
    return registers;
}

static struct saved_registers *fastpath_reply_wait(struct saved_registers *registers)
{
    struct thread *server = current_thread, *caller;
    struct cap_slot *endpoint_slot, *reply_slot;
    struct endpoint *endpoint;
    struct reply *reply;

    if ((registers->number & RECEIVE_TIMEOUT_BITS) || !REGISTER_ONLY(registers->word1))
        return NULL;
    endpoint_slot = fast_lookup(server, registers->word0 & BURSAR_CAP_INDEX_MASK, BURSAR_OBJECT_ENDPOINT,
                                BURSAR_RIGHT_READ);
    reply_slot = fast_lookup(server, registers->word0 >> BURSAR_REPLY_INDEX_SHIFT, BURSAR_OBJECT_REPLY,
                             BURSAR_RIGHT_WRITE);
    if (!endpoint_slot || !reply_slot)
        return NULL;
    endpoint = (struct endpoint *)endpoint_slot->object;
    reply = (struct reply *)reply_slot->object;
    if (endpoint->queue_kind == QUEUE_SENDERS)
        return NULL;
    caller = reply->caller;
    if (!caller || reply->receiver || caller->wake_tick || caller->priority < server->priority ||
        fault_ipc_pending(&caller->fault_ipc))     /* the kernel's call: its reply is checked, not delivered */
        return NULL;

    reply->caller = NULL;
    caller->reply_waiting = NULL;
    hand_over(server, caller);
    server->state = THREAD_RECEIVING;
    server->receive_reply = reply;
    reply->receiver = server;
    enqueue(endpoint, server, QUEUE_RECEIVERS);
    server->saved_stack = 0;
    registers = deliver_registers(caller, 0, registers);
    resume_on_return(caller);
    ipc_fast_path_count++;
    return registers;
}

/* Called from arch/ia32/sysenter.S for every sysenter when the fast path is built in. */
struct saved_registers *ipc_fastpath(struct saved_registers *registers)
{
    switch (registers->number & BURSAR_SYSCALL_NUMBER_MASK) {
    case SYS_CALL:       return fastpath_call(registers);
    case SYS_REPLY_WAIT: return fastpath_reply_wait(registers);
    case SYS_NULL:       /* the measured floor: nothing to do but return */
        if (registers->word0 != BURSAR_NO_CAPABILITY)
            return NULL;
        registers->number = 0;
        return registers;
    default:             return NULL;
    }
}
