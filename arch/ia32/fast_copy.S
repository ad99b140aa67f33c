/*
 * fast_copy.S — the IPC fast path's copy of a long message's words
 * (kernel/ipc_fastpath.c): MR2 and up, from the sender's UTCB to the
 * receiver's, through the two threads' own user mappings.
 *
 * The sender's UTCB is read in the sender's address space, which is the
 * current one; then the receiver's is loaded (as the switch to it would,
 * and counted the same way, so the switch that follows loads none) and its
 * UTCB written there. Between the two
 * the words wait in the SSE registers, which the caller has just saved
 * with the sender's FPU state (fxsave) and will load with the receiver's:
 * eight registers, 32 words, so FAST_PATH_MAX_WORDS is 34 with MR0 and MR1.
 *
 * No translation is looked up: the hardware checks each access, and a UTCB
 * that is not mapped, or not writable for the receiver's (CR0.WP holds the
 * kernel to the user's write permission), faults. The page-fault handler
 * (trap.c) sends a fault at any instruction of the copies to
 * fast_copy_fault, which puts the sender's address space and FPU state
 * back and declines the call: the slow path then makes the call from
 * scratch and answers NOT_MAPPED, as it would have
 * (its memory_translate demands the same present and writable bits). The
 * UTCB addresses are below USER_TOP and BURSAR_UTCB_SIZE-aligned
 * (SYS_THREAD_CONFIGURE checks), so every access stays in the UTCB: a
 * fault can only be the UTCB's, and the kernel half is never reached. A
 * thread without a UTCB (address 0) faults too, as the slow path refuses
 * it: page 0 is never mapped (every way of mapping refuses addresses
 * below MACHINE_PAGE_SIZE).
 * Stores come last and never cross the UTCB's page, so a faulting store
 * has written nothing.
 *
 * Exactly MR2 .. MR(words-1) are written: a receiver's message registers
 * beyond the message keep what they held, as with the slow path (and the
 * sender's words beyond its message reach nobody).
 *
 * It is called from the fast path's C (machine_fast_copy_words) with
 *   eax  the sender: the current thread
 *   edx  the receiver
 *   ecx  the untyped word count, 3 .. FAST_PATH_MAX_WORDS
 * and saves the sender's FPU state itself (fxsave) before it uses the SSE
 * registers. It returns with the receiver's address space loaded, having
 * changed eax, ecx, the flags and the SSE registers. If a UTCB faulted it
 * does not return: it loads the sender's FPU state and address space
 * again and declines the call (sysenter_fast_path_bail) with the call's
 * eax, which the receiver's state tells: a call's receiver waits in an
 * endpoint's queue (RECEIVING), a reply-and-wait's is the caller
 * (WAITING_REPLY).
 * Interrupts stay off throughout.
 */
#include "kernel/ipc_fastpath.h"

/* struct thread (kernel/thread.h; ipc_fastpath.c asserts them) */
#define SENDER_FPU FAST_PATH_THREAD_FPU_STATE
#define UTCB FAST_PATH_THREAD_UTCB_ADDRESS
#define DIRECTORY FAST_PATH_THREAD_PAGE_DIRECTORY
#define STATE FAST_PATH_THREAD_STATE

/* machine_counters.address_space_switches (kernel/machine.h) */
#define ADDRESS_SPACE_SWITCHES (machine_counters + 4)
#define FIRST_WORD 8             /* offset of MR2 in the UTCB */

/*
 * Words MR2 .. MR(n+1), n = untyped - 2, loaded from the UTCB at eax into
 * xmm0.. or stored from them into the UTCB at eax:
 * four words a register, a partial last four by an overlapping access to
 * the message's last four words (n >= 4), or movlps and movss (n < 4).
 * SSE (not SSE2) instructions only: fpu.c turns this copy on with SSE.
 */
.macro MOVE_WORDS n, load
  .if \n < 4
    .if \n == 1
      .if \load
        movss FIRST_WORD(%eax), %xmm0
      .else
        movss %xmm0, FIRST_WORD(%eax)
      .endif
    .else
      .if \load
        movlps FIRST_WORD(%eax), %xmm0
      .else
        movlps %xmm0, FIRST_WORD(%eax)
      .endif
      .if \n == 3
        .if \load
          movss FIRST_WORD + 8(%eax), %xmm1
        .else
          movss %xmm1, FIRST_WORD + 8(%eax)
        .endif
      .endif
    .endif
  .else
    .irp k, 0, 1, 2, 3, 4, 5, 6, 7
      .if \k < (\n / 4)
        .if \load
          movups FIRST_WORD + 16 * \k(%eax), %xmm\k
        .else
          movups %xmm\k, FIRST_WORD + 16 * \k(%eax)
        .endif
      .endif
    .endr
    .if \n % 4
      .irp k, 1, 2, 3, 4, 5, 6, 7
        .if \k == (\n / 4)
          .if \load
            movups FIRST_WORD + 4 * \n - 16(%eax), %xmm\k
          .else
            movups %xmm\k, FIRST_WORD + 4 * \n - 16(%eax)
          .endif
        .endif
      .endr
    .endif
  .endif
.endm

/* One untyped count's copy, straight-line: loads, the receiver's space, stores. */
.macro COPY untyped
fast_copy_\untyped:
        MOVE_WORDS (\untyped - 2), 1
        movl %cr3, %ecx          /* the sender's space, for fast_copy_fault */
        movl DIRECTORY(%edx), %eax
        cmpl %ecx, %eax
        je 1f
        movl %eax, %cr3
        incl ADDRESS_SPACE_SWITCHES
1:      movl UTCB(%edx), %eax
        MOVE_WORDS (\untyped - 2), 0
        ret
.endm

/*
 * The most untyped words the fast path copies: FAST_PATH_MAX_WORDS once
 * fpu.c has found SSE and enabled it, else BURSAR_REGISTER_WORDS (longer
 * messages take the slow path).
 */
        .data
        .balign 4
        .globl fast_path_max_words
fast_path_max_words:
        .long 2                  /* BURSAR_REGISTER_WORDS (ipc_fastpath.c asserts it) */

        .text
        .globl fast_copy_words, fast_copy_user_accesses, fast_copy_words_end, fast_copy_fault
fast_copy_words:
        fxsave SENDER_FPU(%eax)
        movl UTCB(%eax), %eax
        jmp *fast_copy_table - 4 * 3(, %ecx, 4)
/* From here to fast_copy_words_end a page fault on a user address is a UTCB's (trap.c). */
fast_copy_user_accesses:
        .irp untyped, 3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31,32,33,34
        COPY \untyped
        .endr
fast_copy_words_end:

/*
 * Reached from the page-fault handler with the registers of the faulting
 * access. In the loads ecx still holds the word count; in the stores it
 * holds the sender's CR3, a page directory's physical address, never that
 * small (no page directory is in the first MiB).
 */
fast_copy_fault:
        cmpl $FAST_PATH_MAX_WORDS, %ecx
        jbe 1f
        cmpl %ecx, DIRECTORY(%edx)
        je 1f
        movl %ecx, %cr3          /* the sender's space again, the switch not counted */
        decl ADDRESS_SPACE_SWITCHES
1:      movl current_thread, %eax
        fxrstor SENDER_FPU(%eax)
        movl $FAST_PATH_CALL_EAX, %eax
        cmpb $FAST_PATH_RECEIVING, STATE(%edx)
        je 2f
        movl $FAST_PATH_REPLY_WAIT_EAX, %eax
2:      jmp sysenter_fast_path_bail

.macro TABLE_ENTRY untyped
        .long fast_copy_\untyped
.endm
        .section .rodata
        .balign 4
fast_copy_table:
        .irp untyped, 3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31,32,33,34
        TABLE_ENTRY \untyped
        .endr
        .if . - fast_copy_table != 4 * (FAST_PATH_MAX_WORDS - 2)
        .error "one entry for each count 3 .. FAST_PATH_MAX_WORDS"
        .endif
