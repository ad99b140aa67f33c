/*
 * ipc_fastpath.c — the IPC fast path: call and reply-and-wait with no
 * typed items and at most FAST_PATH_MAX_WORDS (34) untyped words, infinite
 * receive timeout, capabilities in slots 0-127, a partner already waiting
 * at equal or higher priority, and a switch straight to it. A server's
 * reply-and-wait may find other threads of its pool waiting already.
 *
 * The sysenter entry jumps here with the caller's registers live and
 * nothing saved but the user esp, eip and ebx (arch/ia32/sysenter.S). The
 * message stays in the registers that carry it: the tag in esi and the two
 * words in edi and ebp, which this file reserves to them (the global
 * register variables below), so no code here can overwrite them. The exit
 * delivers them to the partner by returning to it with those registers as
 * they are: no word of the message is stored anywhere. The words of a long
 * message beyond those two go from UTCB to UTCB (copy_message), before
 * anything changes, with the slow path's checks made by the hardware (a
 * UTCB the slow path refuses faults, and the fast path bails). Only that entry may
 * reach this file: it is compiled with -fcall-used-ebx (SConstruct), and its
 * functions never return. Each ends in machine_fast_exit(), into the
 * partner, or in machine_fast_bail(), into the slow path.
 *
 * It is check-and-bail: every condition is tested before anything changes,
 * and any surprise bails, so that the slow path (ipc.c) handles the call
 * from scratch. When it succeeds, the result must be exactly what the slow
 * path would have produced; the in-VM tests run with the fast path on and
 * off and must agree. A thread it blocks is left with no saved kernel stack
 * (saved_stack 0) and only its user esp and eip in its frame: should the
 * slow path resume it, the scheduler first completes the frame
 * (machine_thread_return_frame). The running thread is in no ready queue
 * (scheduler.c), so the switch touches no queue.
 *
 * There is no look at the scheduler's thread_to_free_after_switch: a thread
 * that destroyed itself is freed by scheduler_finish_switch() before any
 * thread returns to user mode, so at a sysenter entry none is pending.
 */
#include <stdbool.h>
#include <stdint.h>

/*
 * The caller's tag and MR1, where sysenter found them: esi and ebp are
 * reserved to them in this whole file (declared before any code, the
 * inline functions of the headers included, so that none of it can use
 * these registers). MR0 (edi) is not reserved: the entry puts it aside in
 * fast_path_word0 and machine_fast_exit() reloads it, which costs two
 * instructions where one register fewer for C cost more in spills.
 */
register uint32_t message_tag __asm__("esi");
register uint32_t message_word1 __asm__("ebp");

#include "bursar/message.h"
#include "bursar/syscall.h"
#include "bursar/utcb.h"
#include "kernel/ipc.h"
#include "kernel/ipc_fastpath.h"
#include "kernel/ipc_queue.h"
#include "kernel/machine_fast.h"
#include "kernel/task.h"
#include "kernel/thread.h"

_Static_assert(offsetof(struct thread, utcb_segment) == offsetof(struct thread, utcb_address) + 4,
               "machine_fast_switch loads the UTCB address and the segment after it at once");

_Static_assert(offsetof(struct thread, page_directory_physical) == FAST_PATH_THREAD_PAGE_DIRECTORY &&
               offsetof(struct thread, utcb_address) == FAST_PATH_THREAD_UTCB_ADDRESS &&
               offsetof(struct thread, fpu_state) == FAST_PATH_THREAD_FPU_STATE &&
               offsetof(struct thread, state) == FAST_PATH_THREAD_STATE && THREAD_RECEIVING == FAST_PATH_RECEIVING,
               "fast_copy.S finds these there");

/* fast_copy.S: FIRST_WORD is MR2's place in the UTCB, and fast_path_max_words starts at the register words. */
_Static_assert(offsetof(struct bursar_utcb, mr[2]) == 8 && BURSAR_REGISTER_WORDS == 2,
               "fast_copy.S's FIRST_WORD and fast_path_max_words");
_Static_assert(BURSAR_REPLY_INDEX_SHIFT == 16 && BURSAR_CAP_INDEX_MASK == 0xffff &&
               FAST_PATH_INDEX_PAIR_OVER == (BURSAR_CAP_INDEX_MASK & ~(CAP_SLOTS_PER_PAGE - 1)) * 0x10001u,
               "both indexes of a receive word within the first capability-table page");

/*
 * The tag's counts: the untyped word count when there is no typed item,
 * above every bound when there is one. At most BURSAR_REGISTER_WORDS: a
 * register-only message; up to fast_path_max_words: a long message, its
 * words beyond the registers copied from UTCB to UTCB (copy_message).
 */
#define TAG_COUNTS(tag) ((tag) & ((BURSAR_TAG_TYPED_MASK << BURSAR_TAG_TYPED_SHIFT) | BURSAR_TAG_UNTYPED_MASK))

/*
 * Each served call has its own function, reached by sysenter.S after it
 * compared eax with the exact value the call has (ipc_fastpath.h); a bail
 * hands that value back to the slow path. A completed fast path counts as
 * the kernel entry it was; the entry counts only those that reach the slow
 * path (accounting.c adds them up). SYS_NULL, the measured floor, is
 * answered by the entry itself without a task and by
 * fastpath_null_two_spaces() (at the end of this file) with one.
 */
uint32_t ipc_fast_path_count, fast_path_null_count;

/*
 * The slot at `index` (below CAP_SLOTS_PER_PAGE) if it names an object of
 * `type` with the `rights` bits (0: any), else NULL. Only the first
 * capability-table page is looked at, which every task has (task_create),
 * so the bound is a constant: a slot there beyond the task's slot count is
 * empty and fails the type check. Capabilities further up take the slow
 * path. Unlike the slow path's lookup it does not refuse a dying object:
 * the callers' own checks do (a dying endpoint's queue is DEAD, a dying
 * reply object has no caller: endpoint.h, reply.h).
 */
static inline __attribute__((always_inline)) struct cap_slot *fast_lookup(struct thread *thread, uint32_t index,
                                                                          uint8_t type, uint32_t rights)
{
    struct cap_slot *slot = &thread->first_capability_page[index];

    if (slot->type != type || (slot->holder.rights & rights) != rights)
        return NULL;
    return slot;
}

/*
 * `next` runs now, in place of `current` (the current thread), which has
 * blocked; it gets `word0` in ebx. `copied`: a long message was copied, so
 * the current thread's FPU state is saved and the next one's address space
 * loaded already (copy_message).
 */
static inline __attribute__((always_inline, noreturn)) void switch_to(struct thread *current, struct thread *next,
                                                                      uint32_t word0, bool copied)
{
    next->state = THREAD_READY;
    current_thread = next;
    if (copied) {
        machine_fpu_load(next->fpu_state);
        machine_fast_switch_loaded(thread_stack_top(next), &next->utcb_address);
    } else {
        machine_fpu_switch(current->fpu_state, next->fpu_state);
        machine_fast_switch(thread_stack_top(next), next->page_directory_physical, &next->utcb_address);
    }
    ipc_fast_path_count++;
    machine_fast_exit(thread_stack_top(next), word0);
}

/*
 * A long message's words beyond the registers (MR2 .. MR(untyped - 1)),
 * from the sender's UTCB (the current thread's) to the receiver's, before
 * anything changes, with everything the slow path checks checked by the
 * hardware: each UTCB mapped, the receiver's writable, and nothing beyond
 * the message touched (arch/ia32/fast_copy.S). It leaves the sender's FPU
 * state saved and the receiver's address space loaded; if a UTCB faults
 * it puts both back and declines the call itself (with the eax the
 * receiver's state tells: RECEIVING for a call, WAITING_REPLY for a reply).
 */
static inline __attribute__((always_inline)) void copy_message(struct thread *sender, struct thread *receiver,
                                                               uint32_t untyped)
{
    machine_fast_copy_words(sender, receiver, untyped);
}

/* A call with `untyped` words (0: register-only, nothing to copy). */
static inline __attribute__((always_inline, noreturn)) void call_receiver(uint32_t word0, uint32_t untyped)
{
    struct thread *caller = current_thread, *receiver;
    struct cap_slot *slot;
    struct endpoint *endpoint;
    struct reply *reply;

    /* word0 is the endpoint's index; anything above it (ignored by the slow path) bails too. */
    if (word0 >= CAP_SLOTS_PER_PAGE)
        machine_fast_bail(FAST_PATH_CALL_EAX);
    slot = fast_lookup(caller, word0, BURSAR_OBJECT_ENDPOINT, BURSAR_RIGHT_WRITE);
    if (!slot)
        machine_fast_bail(FAST_PATH_CALL_EAX);
    endpoint = (struct endpoint *)slot->object;
    if (endpoint->queue_kind != QUEUE_RECEIVERS)     /* nobody waits, senders do, or it is dying */
        machine_fast_bail(FAST_PATH_CALL_EAX);
    receiver = endpoint->queue_head;
    reply = receiver->receive_reply;
    /* slow_path_only: a timeout, a kernel call, or a receiver that came by int $0x80 (thread.h). */
    if (!reply || receiver->slow_path_only || receiver->priority < caller->priority)
        machine_fast_bail(FAST_PATH_CALL_EAX);
    if (untyped) {
        copy_message(caller, receiver, untyped);
        /* Read again, not kept across the copy: GCC would spill them (3 instructions a value). */
        caller = current_thread;
        endpoint = (struct endpoint *)slot->object;
        reply = receiver->receive_reply;
    }

    dequeue_head(endpoint);
    receiver->receive_reply = NULL;
    reply->receiver = NULL;
    reply->caller = caller;
    caller->reply_waiting = reply;
    caller->state = THREAD_WAITING_REPLY;
    caller->saved_stack = 0;             /* the slow path completes its frame if it needs to */
    switch_to(caller, receiver, slot->badge, untyped != 0);
}

/*
 * A long message's call, inlined into fastpath_call out of the
 * register-only case's way (88 either way; as a function of its own, like
 * reply_wait_long below, the long call cost 3 more for the call and the
 * spills around it).
 */
static inline __attribute__((always_inline, noreturn)) void call_long(uint32_t word0, uint32_t untyped)
{
    if (untyped <= BURSAR_REGISTER_WORDS)
        __builtin_unreachable();
    call_receiver(word0, untyped);
}

FAST_PATH_FUNCTION void fastpath_call(uint32_t word0)
{
    uint32_t counts = TAG_COUNTS(message_tag);

    if (__builtin_expect(counts > BURSAR_REGISTER_WORDS, 0)) {
        if (counts > fast_path_max_words)        /* typed items, or more words than the fast path copies */
            machine_fast_bail(FAST_PATH_CALL_EAX);
        call_long(word0, counts);
    }
    call_receiver(word0, 0);
}

/*
 * The rest of a reply-and-wait with `untyped` words (0: register-only),
 * once the endpoint is known to be EMPTY (`pool` false) or to have other
 * server threads waiting (`pool` true, QUEUE_RECEIVERS). The server is
 * queued without links on the empty endpoint, behind the others in a
 * pool, as the slow path queues it.
 */
static inline __attribute__((always_inline, noreturn)) void reply_wait_to_caller(struct thread *server,
                                                                               struct endpoint *endpoint,
                                                                               uint32_t word0, bool pool,
                                                                               uint32_t untyped)
{
    struct cap_slot *reply_slot;
    struct reply *reply;
    struct thread *caller;

    reply_slot = fast_lookup(server, word0 >> BURSAR_REPLY_INDEX_SHIFT, BURSAR_OBJECT_REPLY,
                             BURSAR_RIGHT_WRITE);
    if (!reply_slot)
        machine_fast_bail(FAST_PATH_REPLY_WAIT_EAX);
    reply = (struct reply *)reply_slot->object;
    /*
     * A bound caller is WAITING_REPLY with reply_waiting this object, and
     * the object then has no receiver waiting to bind it (ipc.c keeps both:
     * await_reply binds only an unpromised object, every wake unbinds).
     */
    caller = reply->caller;
    /*
     * A timeout to disarm, the kernel's call (its reply is checked, not
     * delivered), or a caller that came by int $0x80 (it leaves by iret):
     * the slow path's (slow_path_only, thread.h).
     */
    if (!caller || caller->slow_path_only || caller->priority < server->priority)
        machine_fast_bail(FAST_PATH_REPLY_WAIT_EAX);
    if (untyped) {
        copy_message(server, caller, untyped);
        /* Read again, not kept across the copy (as in call_receiver). */
        server = current_thread;
        reply = (struct reply *)reply_slot->object;
    }

    reply->caller = NULL;
    caller->reply_waiting = NULL;
    server->state = THREAD_RECEIVING;
    server->receive_reply = reply;
    reply->receiver = server;
    if (pool)
        enqueue(endpoint, server, QUEUE_RECEIVERS);
    else
        enqueue_first(endpoint, server, QUEUE_RECEIVERS);
    server->saved_stack = 0;
    switch_to(server, caller, 0, untyped != 0);      /* replies carry no badge */
}

/*
 * A pool's register-only reply-and-wait is a function of its own, called
 * (never returning) from the one-server case: inlined there, GCC shared
 * code between the two and the one-server case paid 2 instructions for it.
 */
static __attribute__((noinline, noreturn, regparm(3))) void reply_wait_in_pool(uint32_t word0,
                                                                             struct endpoint *endpoint,
                                                                             struct thread *server)
{
    reply_wait_to_caller(server, endpoint, word0, true, 0);
}

static inline __attribute__((always_inline, noreturn)) void reply_wait(uint32_t word0, uint32_t untyped)
{
    struct thread *server = current_thread;
    struct cap_slot *endpoint_slot;
    struct endpoint *endpoint;

    /* Both indexes (endpoint, reply) in the first table page; anything else bails. */
    if (word0 & FAST_PATH_INDEX_PAIR_OVER)
        machine_fast_bail(FAST_PATH_REPLY_WAIT_EAX);
    endpoint_slot = fast_lookup(server, word0 & BURSAR_CAP_INDEX_MASK, BURSAR_OBJECT_ENDPOINT,
                                BURSAR_RIGHT_READ);
    if (!endpoint_slot)
        machine_fast_bail(FAST_PATH_REPLY_WAIT_EAX);
    endpoint = (struct endpoint *)endpoint_slot->object;
    /*
     * The server is the only receiver, or other server threads of a pool
     * wait too. Else a sender waits, or an interrupt (irq.c): the slow path
     * takes it at once. Or the endpoint is dying.
     */
    if (__builtin_expect(endpoint->queue_kind != QUEUE_EMPTY, 0)) {
        /* Read again (volatile): kept in a register, the kind cost the usual case a load and a test. */
        if (((volatile struct endpoint *)endpoint)->queue_kind != QUEUE_RECEIVERS)
            machine_fast_bail(FAST_PATH_REPLY_WAIT_EAX);
        if (untyped)
            reply_wait_to_caller(server, endpoint, word0, true, untyped);
        reply_wait_in_pool(word0, endpoint, server);   /* word0 stays in eax */
    }
    reply_wait_to_caller(server, endpoint, word0, false, untyped);
}

/*
 * A long message's reply-and-wait: a function of its own, called (never
 * returning) from the register-only one. Inlined like call_long it costs 3
 * fewer, but the register-only reply-and-wait then pays one: 92.
 */
static __attribute__((noinline, noreturn, regparm(3))) void reply_wait_long(uint32_t word0, uint32_t untyped)
{
    if (untyped <= BURSAR_REGISTER_WORDS)
        __builtin_unreachable();
    reply_wait(word0, untyped);
}

FAST_PATH_FUNCTION void fastpath_reply_wait(uint32_t word0)
{
    uint32_t counts = TAG_COUNTS(message_tag);

    if (__builtin_expect(counts > BURSAR_REGISTER_WORDS, 0)) {
        if (counts > fast_path_max_words)        /* typed items, or more words than the fast path copies */
            machine_fast_bail(FAST_PATH_REPLY_WAIT_EAX);
        reply_wait_long(word0, counts);
    }
    reply_wait(word0, 0);
}

/*
 * SYS_NULL naming a task: its address space loaded and the caller's again,
 * as sys_null() does (syscall_dispatch.c), on the entry and exit the IPC fast path
 * uses. The benchmark's floor for a round trip between two address spaces
 * (floor.null.two-space-switches): the same entry, exit and two CR3 loads,
 * and no IPC. Like the slow path it takes a capability with any rights.
 */
FAST_PATH_FUNCTION void fastpath_null_two_spaces(uint32_t word0)
{
    struct thread *caller = current_thread;
    struct cap_slot *slot;

    if (word0 >= CAP_SLOTS_PER_PAGE)
        machine_fast_bail(FAST_PATH_NULL_EAX);
    slot = fast_lookup(caller, word0, BURSAR_OBJECT_TASK, 0);
    if (!slot || slot->object->dying)
        machine_fast_bail(FAST_PATH_NULL_EAX);
    machine_fast_address_space(((struct task *)slot->object)->page_directory_physical);
    machine_fast_address_space(caller->page_directory_physical);
    machine_fast_utcb_segment();
    fast_path_null_count++;
    machine_fast_exit(thread_stack_top(caller), word0);
}
