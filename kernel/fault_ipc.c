/*
 * fault_ipc.c — calls the kernel makes on behalf of a thread (page faults,
 * exceptions, heap faults), and what happens when the answer comes or
 * cannot come. See fault_ipc.h for the model; ipc.c asks here whenever the
 * thread it is about to wake or deliver from has a call in progress.
 */
#include "bursar/errors.h"
#include "bursar/message.h"
#include "bursar/utcb.h"
#include "kernel/console.h"
#include "kernel/cspace.h"
#include "kernel/fault_ipc.h"
#include "kernel/ipc.h"
#include "kernel/scheduler.h"
#include "kernel/thread.h"
#include "lib/format.h"

/* Why no reply will come, in the words of the kill line (%s: the handler's name). */
static const char *failure_reason(int status)
{
    switch (-status) {
    case BURSAR_E_EMPTY_SLOT:
    case BURSAR_E_REVOKED:        return "no %s";
    case BURSAR_E_DESTROYED:      return "%s destroyed";
    case BURSAR_E_TIMEOUT:        return "%s did not answer in time";
    case BURSAR_E_NO_CALLER:      return "%s received it without a reply object";
    case BURSAR_E_NOT_MAPPED:     return "%s has no writable UTCB for the message";
    default:                      return "%s failed";
    }
}

/*
 * The call is decided. KILL: the thread is dead with one logged line.
 * Otherwise it goes on: made ready here, or, with `leave_waking`, left for
 * the caller to wake (in no queue, not yet ready: ipc.h's direct switch).
 * Returns whether it goes on.
 */
static bool finish(struct thread *thread, enum fault_ipc_outcome outcome, const char *reason_format,
                   bool leave_waking)
{
    const struct fault_ipc_purpose *purpose = thread->fault_ipc.purpose;
    char line[224];
    int length;

    fault_ipc_abandon(thread);                 /* first: thread_kill must not come back here */
    thread->fault_ipc.outcome = (uint8_t)outcome;
    if (outcome != FAULT_IPC_KILL && leave_waking)
        return true;
    if (thread->state != THREAD_READY)
        scheduler_make_ready(thread);
    if (outcome != FAULT_IPC_KILL)
        return true;
    purpose->describe(thread, line, sizeof line - 64);    /* room for the reason */
    for (length = 0; line[length]; length++)
        ;
    line[length++] = ',';
    line[length++] = ' ';
    format_to_buffer(line + length, sizeof line - (uint32_t)length, reason_format, purpose->handler_name);
    thread_kill(thread, 0, line);
    return false;
}

static bool is_callable(const struct cap_slot *handler)
{
    return handler->object && !handler->object->dying && handler->type == BURSAR_OBJECT_ENDPOINT &&
           (handler->holder.rights & BURSAR_RIGHT_WRITE);
}

void fault_ipc_abandon(struct thread *thread)
{
    thread->fault_ipc.purpose = NULL;
    thread->slow_path_only &= (uint8_t)~THREAD_SLOW_PATH_KERNEL_CALL;
}

enum fault_ipc_outcome fault_ipc_call(struct thread *thread, struct cap_slot *handler,
                                      const struct fault_ipc_purpose *purpose, uint32_t label,
                                      const uint32_t *words, uint32_t count, uint32_t send_timeout,
                                      uint32_t reply_timeout)
{
    struct fault_ipc *call = &thread->fault_ipc;
    struct message message;

    KERNEL_ASSERT(thread == current_thread && !fault_ipc_pending(call) && count <= FAULT_IPC_MAX_WORDS);
    call->purpose = purpose;
    thread->slow_path_only |= THREAD_SLOW_PATH_KERNEL_CALL;
    call->tag = BURSAR_TAG(label, count, 0);
    for (uint32_t i = 0; words != call->words && i < count; i++)   /* only these are read: the tag's */
        call->words[i] = words[i];
    if (!is_callable(handler)) {
        fault_ipc_failed(thread, handler->object ? -BURSAR_E_DESTROYED : -BURSAR_E_EMPTY_SLOT);
        return (enum fault_ipc_outcome)call->outcome;
    }
    fault_ipc_message(thread, &message);
    /* Blocks here until the call is decided (or returns at once if it failed at once). */
    ipc_send(thread, (struct endpoint *)handler->object, handler->badge, &message, send_timeout, true,
             reply_timeout);
    return (enum fault_ipc_outcome)call->outcome;
}

void fault_ipc_message(const struct thread *thread, struct message *out)
{
    out->tag = thread->fault_ipc.tag;
    out->mr0 = thread->fault_ipc.words[0];
    out->mr1 = thread->fault_ipc.words[1];
}

uint32_t fault_ipc_word(const struct thread *thread, uint32_t i)
{
    return i < BURSAR_TAG_UNTYPED(thread->fault_ipc.tag) ? thread->fault_ipc.words[i] : 0;
}

/* The reply's untyped words: MR0 and MR1 from the registers, the rest from the replier's UTCB. */
static int fetch_reply(const struct fault_ipc_purpose *purpose, struct thread *replier, const struct message *message,
                       struct fault_ipc_reply *reply)
{
    uint32_t count = BURSAR_TAG_UNTYPED(message->tag);
    const struct bursar_utcb *utcb;

    if (count > FAULT_IPC_MAX_WORDS || (BURSAR_TAG_TYPED(message->tag) && !purpose->takes_items))
        return -BURSAR_E_INVALID_MESSAGE;
    /*
     * Field by field: the plan is the purpose's to fill, and clearing it would
     * cost more than the rest. Of the words only the tag's are read (MR0 and
     * MR1 are always there).
     */
    reply->replier = replier;
    reply->message = message;
    reply->tag = message->tag;
    reply->plan.count = 0;
    reply->plan.pages = 0;
    reply->plan.new_tables = 0;
    reply->words[0] = message->mr0;
    reply->words[1] = message->mr1;
    if (count <= BURSAR_REGISTER_WORDS)
        return BURSAR_OK;
    utcb = ipc_utcb_of(replier, false);
    if (!utcb)
        return -BURSAR_E_NOT_MAPPED;
    for (uint32_t i = BURSAR_REGISTER_WORDS; i < count; i++)
        reply->words[i] = utcb->mr[i];
    return BURSAR_OK;
}

int fault_ipc_accept_reply(const struct thread *thread, struct thread *replier, const struct message *message,
                           struct fault_ipc_reply *reply)
{
    int status;

    if (!fault_ipc_pending(&thread->fault_ipc))
        return BURSAR_OK;
    status = fetch_reply(thread->fault_ipc.purpose, replier, message, reply);
    return status == BURSAR_OK ? thread->fault_ipc.purpose->check(thread, reply) : status;
}

struct thread *fault_ipc_reply(struct thread *thread, struct fault_ipc_reply *reply)
{
    return finish(thread, thread->fault_ipc.purpose->apply(thread, reply), "%s asked for it to be killed", true)
               ? thread : NULL;
}

void fault_ipc_failed(struct thread *thread, int status)
{
    const struct fault_ipc_purpose *purpose = thread->fault_ipc.purpose;

    finish(thread, purpose->failed ? purpose->failed(thread, status) : FAULT_IPC_KILL, failure_reason(status),
           false);
}
