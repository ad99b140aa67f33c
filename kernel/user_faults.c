/*
 * user_faults.c — page faults and exceptions in user mode become calls to
 * the faulting thread's pager and exception handler (fault_ipc.h; the
 * messages and replies are in bursar/fault.h). With no handler, or one that
 * is gone, the thread dies with one logged line and nothing else changes.
 * Exceptions in kernel mode never come here: arch/ia32/trap.c panics.
 */
#include "bursar/errors.h"
#include "bursar/fault.h"
#include "bursar/message.h"
#include "kernel/fault_ipc.h"
#include "kernel/machine.h"
#include "kernel/scheduler.h"
#include "kernel/thread.h"
#include "kernel/transfer.h"
#include "kernel/trap_handlers.h"
#include "lib/error_names.h"
#include "lib/format.h"

/* The kernel's message to an exception handler is in the TCB (fault_ipc.h), as words and as the state. */
_Static_assert(BURSAR_RAISED_FAULT_WORDS <= FAULT_IPC_MAX_WORDS, "the TCB holds the whole message");
_Static_assert(BURSAR_RAISED_FAULT_ADDRESS == BURSAR_EXCEPTION_WORDS, "a raised fault's words follow the state");

/*
 * A memory item in a RESUME reply lands in the faulting task at the fault
 * address rounded down to the item's size, so it always covers the page
 * that faulted. The thread opened no capability window.
 */
static int plan_mapping(const struct thread *thread, struct fault_ipc_reply *reply, struct transfer_plan *plan)
{
    /* transfer.h only reads the thread it is handed when checking. */
    struct thread *faulting = (struct thread *)thread;
    uint32_t address = fault_ipc_word(thread, BURSAR_PAGE_FAULT_ADDRESS), size;
    struct transfer_windows windows = { 0, 0 };
    int error = transfer_check(reply->replier, NULL, reply->message, plan);

    if (error != BURSAR_OK)
        return error;
    if (plan->items[0].kind != BURSAR_ITEM_MEMORY)
        return -BURSAR_E_NO_RECEIVE_WINDOW;
    size = 1u << plan->items[0].log2_size;
    windows.memory = BURSAR_MEMORY_WINDOW(address & ~(size - 1), plan->items[0].log2_size);
    return transfer_check_placed(reply->replier, faulting, &windows, plan);
}

/*
 * The only replies to a page fault: RESUME with no words and at most one
 * memory item, KILL with nothing, RAISE with one word (the reason).
 */
static int page_fault_check(const struct thread *thread, struct fault_ipc_reply *reply)
{
    uint32_t label = BURSAR_TAG_LABEL(reply->tag), items = BURSAR_TAG_TYPED(reply->tag);

    if (label == BURSAR_LABEL_RAISE)
        return BURSAR_TAG_UNTYPED(reply->tag) == 1 && items == 0 ? BURSAR_OK : -BURSAR_E_INVALID_MESSAGE;
    if ((label != BURSAR_LABEL_RESUME && label != BURSAR_LABEL_KILL) || BURSAR_TAG_UNTYPED(reply->tag) != 0 ||
        items > (label == BURSAR_LABEL_RESUME ? 1u : 0u))
        return -BURSAR_E_INVALID_MESSAGE;
    return items ? plan_mapping(thread, reply, &reply->plan) : BURSAR_OK;
}

/*
 * RESUME: the item (if any) is mapped, then the thread retries the access
 * (and faults again if the pager mapped nothing that allows it). RAISE:
 * kernel_user_exception calls the exception handler next.
 */
static enum fault_ipc_outcome page_fault_apply(struct thread *thread, struct fault_ipc_reply *reply)
{
    if (BURSAR_TAG_LABEL(reply->tag) == BURSAR_LABEL_KILL)
        return FAULT_IPC_KILL;
    if (BURSAR_TAG_LABEL(reply->tag) == BURSAR_LABEL_RAISE) {
        thread->fault_ipc.raised = reply->words[0];
        return FAULT_IPC_RAISE;
    }
    /* Planned by page_fault_check; a large item was moved already (ipc.c, reply_to_kernel_call). */
    if (BURSAR_TAG_TYPED(reply->tag) && reply->plan.count)
        transfer_commit(reply->replier, thread, &reply->plan, NULL);   /* checked in full: no point, no failure */
    return FAULT_IPC_RESUME;
}

static void page_fault_describe(const struct thread *thread, char *buffer, uint32_t size)
{
    uint32_t access = fault_ipc_word(thread, BURSAR_PAGE_FAULT_ACCESS);

    format_to_buffer(buffer, size, "page fault (vector 14) at %08x, address %08x (%s, %s)",
                     fault_ipc_word(thread, BURSAR_PAGE_FAULT_IP), fault_ipc_word(thread, BURSAR_PAGE_FAULT_ADDRESS),
                     (access & BURSAR_ACCESS_WRITE) ? "write" : "read",
                     (access & BURSAR_ACCESS_PRESENT) ? "protection" : "not present");
}

static const struct fault_ipc_purpose page_fault_purpose = {
    .handler_name = "pager",
    .takes_items = true,                 /* one memory item in a RESUME */
    .check = page_fault_check,
    .apply = page_fault_apply,
    .failed = NULL,                      /* no pager, or it is gone: the thread dies */
    .describe = page_fault_describe,
};

/* KILL with no words; RESUME with no words or a whole register set whose eip is in user space. */
static int exception_check(const struct thread *thread, struct fault_ipc_reply *reply)
{
    uint32_t label = BURSAR_TAG_LABEL(reply->tag), words = BURSAR_TAG_UNTYPED(reply->tag);

    (void)thread;
    if (label == BURSAR_LABEL_KILL)
        return words == 0 ? BURSAR_OK : -BURSAR_E_INVALID_MESSAGE;
    if (label != BURSAR_LABEL_RESUME || (words != 0 && words != BURSAR_EXCEPTION_WORDS))
        return -BURSAR_E_INVALID_MESSAGE;
    if (words && reply->exception.eip >= MACHINE_USER_TOP)
        return -BURSAR_E_INVALID_ADDRESS;
    return BURSAR_OK;
}

static enum fault_ipc_outcome exception_apply(struct thread *thread, struct fault_ipc_reply *reply)
{
    if (BURSAR_TAG_LABEL(reply->tag) == BURSAR_LABEL_KILL)
        return FAULT_IPC_KILL;
    if (BURSAR_TAG_UNTYPED(reply->tag) == BURSAR_EXCEPTION_WORDS)
        machine_frame_set_exception_state(thread_frame(thread), &reply->exception);
    return FAULT_IPC_RESUME;
}

static void exception_describe(const struct thread *thread, char *buffer, uint32_t size)
{
    uint32_t vector = fault_ipc_word(thread, 0);

    format_to_buffer(buffer, size, "%s (vector %u) at %08x", machine_exception_name(vector), vector,
                     fault_ipc_word(thread, 2));
}

static const struct fault_ipc_purpose exception_purpose = {
    .handler_name = "exception handler",
    .check = exception_check,
    .apply = exception_apply,
    .failed = NULL,
    .describe = exception_describe,
};
_Static_assert(offsetof(struct bursar_exception_state, vector) == 0 &&
               offsetof(struct bursar_exception_state, eip) == 2 * 4, "exception_describe reads words 0 and 2");

/* "(write, not present)": a page fault's BURSAR_ACCESS_* bits in words. */
static const char *access_words(uint32_t access)
{
    static const char *const words[] = { "read, not present", "write, not present", "read, protection",
                                         "write, protection" };

    return words[(access & BURSAR_ACCESS_WRITE ? 1 : 0) + (access & BURSAR_ACCESS_PRESENT ? 2 : 0)];
}

/* The page fault, then the reason its pager gave, by name if it is one of bursar/errors.h. */
static void raised_fault_describe(const struct thread *thread, char *buffer, uint32_t size)
{
    uint32_t reason = fault_ipc_word(thread, BURSAR_RAISED_FAULT_REASON);
    uint32_t length = (uint32_t)format_to_buffer(buffer, size, "page fault (vector 14) at %08x, address %08x (%s), its pager "
                                       "raised ", fault_ipc_word(thread, 2),
                                       fault_ipc_word(thread, BURSAR_RAISED_FAULT_ADDRESS),
                                       access_words(fault_ipc_word(thread, 1)));

    if (length >= size)
        return;
    if (reason > BURSAR_OK && reason < BURSAR_ERROR_COUNT)
        format_to_buffer(buffer + length, size - length, "%s", bursar_error_names[reason]);
    else
        format_to_buffer(buffer + length, size - length, "error %u", reason);
}

static const struct fault_ipc_purpose raised_fault_purpose = {
    .handler_name = "exception handler",
    .check = exception_check,            /* answered as any exception */
    .apply = exception_apply,
    .failed = NULL,
    .describe = raised_fault_describe,
};

/*
 * The pager raised the page fault `fault` (its three words): the thread
 * calls its exception handler with its registers as they were at the
 * access, the access bits as the error code, the address and the reason.
 */
static void raise_page_fault(struct thread *thread, const struct trap_frame *frame, const uint32_t *fault)
{
    struct fault_ipc *message = &thread->fault_ipc;     /* filled in place: the page fault's call is over */

    machine_frame_exception_state(frame, &message->exception);
    message->exception.error_code = fault[BURSAR_PAGE_FAULT_ACCESS];
    message->words[BURSAR_RAISED_FAULT_ADDRESS] = fault[BURSAR_PAGE_FAULT_ADDRESS];
    message->words[BURSAR_RAISED_FAULT_REASON] = message->raised;
    fault_ipc_call(thread, &thread->exception_handler, &raised_fault_purpose, BURSAR_LABEL_EXCEPTION,
                   message->words, BURSAR_RAISED_FAULT_WORDS, BURSAR_TIMEOUT_NEVER, BURSAR_TIMEOUT_NEVER);
}

/* Called by the machine layer for every exception taken in user mode. */
void kernel_user_exception(uint32_t vector, struct trap_frame *frame)
{
    struct thread *thread = current_thread;

    if (vector == MACHINE_PAGE_FAULT_VECTOR) {
        uint32_t words[BURSAR_PAGE_FAULT_WORDS];
        words[BURSAR_PAGE_FAULT_ADDRESS] = machine_fault_address();
        words[BURSAR_PAGE_FAULT_IP] = machine_frame_instruction(frame);
        words[BURSAR_PAGE_FAULT_ACCESS] = machine_page_fault_access(frame);
        if (fault_ipc_call(thread, &thread->pager, &page_fault_purpose, BURSAR_LABEL_PAGE_FAULT, words,
                           BURSAR_PAGE_FAULT_WORDS, BURSAR_TIMEOUT_NEVER, BURSAR_TIMEOUT_NEVER) == FAULT_IPC_RAISE)
            raise_page_fault(thread, frame, words);
    } else {
        /* Written where the kernel keeps its message (no call is in progress): no copy. */
        machine_frame_exception_state(frame, &thread->fault_ipc.exception);
        fault_ipc_call(thread, &thread->exception_handler, &exception_purpose, BURSAR_LABEL_EXCEPTION,
                       thread->fault_ipc.words, BURSAR_EXCEPTION_WORDS, BURSAR_TIMEOUT_NEVER,
                       BURSAR_TIMEOUT_NEVER);
    }
    /* Resumed: back to user mode through the (possibly changed) frame. Killed: never again. */
    if (current_thread->state != THREAD_READY)
        schedule();
}
