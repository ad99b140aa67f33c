/*
 * ipc_fastpath.h — what the sysenter entry needs to reach the IPC fast path
 * (kernel/ipc_fastpath.c): the exact eax of the calls it serves, for the
 * assembler (asserted against the ABI headers), and its functions.
 */
#ifndef KERNEL_IPC_FASTPATH_H
#define KERNEL_IPC_FASTPATH_H

/*
 * eax as libl4 composes it: the number and both timeouts. A call with
 * other timeouts takes the slow path (the fast path only serves an
 * infinite receive phase; its send phase never waits, so libl4 passes
 * never for a call and zero for a reply-and-wait).
 */
#define FAST_PATH_CALL_EAX       0x00004      /* SYS_CALL, send never, receive never */
#define FAST_PATH_REPLY_WAIT_EAX 0x40006      /* SYS_REPLY_WAIT, send zero, receive never */
#define FAST_PATH_NULL_EAX       0x00017      /* SYS_NULL */
#define FAST_PATH_NO_CAPABILITY  0xffff       /* BURSAR_NO_CAPABILITY: SYS_NULL without a task */
/* A receive word (endpoint | reply << 16) with either index beyond the first capability-table page. */
#define FAST_PATH_INDEX_PAIR_OVER 0xff80ff80u
/*
 * The most untyped words a message on the fast path has: MR0 and MR1 in
 * registers and up to 32 more copied from UTCB to UTCB, through the eight
 * SSE registers the FPU switch frees (arch/ia32/fast_copy.S). Without SSE
 * the bound is BURSAR_REGISTER_WORDS: fast_path_max_words holds it.
 */
#define FAST_PATH_MAX_WORDS 34
/* Where fast_copy.S finds these in struct thread (asserted in ipc_fastpath.c). */
#define FAST_PATH_THREAD_PAGE_DIRECTORY 0x34
#define FAST_PATH_THREAD_UTCB_ADDRESS 0xa8
#define FAST_PATH_THREAD_FPU_STATE 0x190
#define FAST_PATH_THREAD_STATE 0x3c
#define FAST_PATH_RECEIVING 3               /* THREAD_RECEIVING */

#ifndef __ASSEMBLER__
#include <stdint.h>

#include "bursar/message.h"
#include "bursar/objects.h"
#include "bursar/syscall.h"

#define FAST_PATH_EAX(number, send, receive) \
    ((number) | (send) << BURSAR_SYSCALL_SEND_TIMEOUT_SHIFT | (receive) << BURSAR_SYSCALL_RECEIVE_TIMEOUT_SHIFT)
_Static_assert(FAST_PATH_CALL_EAX == FAST_PATH_EAX(SYS_CALL, BURSAR_TIMEOUT_NEVER, BURSAR_TIMEOUT_NEVER) &&
               FAST_PATH_REPLY_WAIT_EAX == FAST_PATH_EAX(SYS_REPLY_WAIT, BURSAR_TIMEOUT_ZERO, BURSAR_TIMEOUT_NEVER) &&
               FAST_PATH_NULL_EAX == SYS_NULL && FAST_PATH_NO_CAPABILITY == BURSAR_NO_CAPABILITY,
               "sysenter.S dispatches on these values");

/*
 * Entered by a jump from sysenter.S with the caller's ebx (word 0) in eax
 * (regparm); they never return (ipc_fastpath.c).
 */
#define FAST_PATH_FUNCTION __attribute__((noreturn, regparm(1)))
void fastpath_call(uint32_t word0) FAST_PATH_FUNCTION;
void fastpath_reply_wait(uint32_t word0) FAST_PATH_FUNCTION;
void fastpath_null_two_spaces(uint32_t word0) FAST_PATH_FUNCTION;
/* The fast path's SYS_NULL completions (the entry answers them itself). */
extern uint32_t fast_path_null_count;
/* FAST_PATH_MAX_WORDS, or BURSAR_REGISTER_WORDS on a CPU without SSE (set by the FPU's set-up). */
extern uint32_t fast_path_max_words;
_Static_assert(FAST_PATH_MAX_WORDS <= BURSAR_MESSAGE_REGISTERS, "a fast message fits the message registers");
#endif

#endif /* KERNEL_IPC_FASTPATH_H */
