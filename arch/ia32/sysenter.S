/*
 * sysenter.S — the sysenter entry and exit, and where the IPC fast path is
 * tried. This file is compiled twice: with BURSAR_FAST_PATH=1 for the normal
 * kernel and =0 for the slow-path-only kernel the tests also run.
 *
 * sysenter arrives with interrupts off, esp = just above the TSS's esp0
 * field (the SYSENTER_ESP MSR, set once), the user's esp in ecx and its
 * return address in edx. The first instruction takes the current thread's
 * kernel stack top from that field, so thread switches need no wrmsr.
 *
 * The entry first stores only what the fast path needs kept: the user esp,
 * eip, eax and ebx, in their places in the thread's trap frame (trap.h). The fast
 * path runs with the caller's message still in its registers; when it
 * declines, the entry builds the full frame an interrupt from ring 3 would,
 * so the rest of the kernel sees one kind of frame. %ds and %es are loaded
 * with the flat user data selector at once: the kernel may use it (ring 0
 * may load a DPL 3 data segment) and must not trust the user's, and the
 * thread the fast path returns to must not get the caller's. For the same
 * reason the fast exit loads %gs with the UTCB selector. %fs is left alone:
 * Bursar gives it no meaning and the ABI does not preserve it.
 */
#include "arch/ia32/frame.h"
#include "arch/ia32/segments.h"
#include "arch/ia32/trap.h"
#include "kernel/ipc_fastpath.h"

#ifndef BURSAR_FAST_PATH
#error "build with -DBURSAR_FAST_PATH=0 or 1"
#endif

#define USER_EFLAGS 0x202                /* IF set, reserved bit 1 */
/* Places in struct trap_frame (trap.h asserts the layout). */
#define FRAME_USER_ESP TRAP_FRAME_SIZE_KERNEL
#define FRAME_EIP TRAP_FRAME_EIP
#define FRAME_EAX TRAP_FRAME_EAX
#define FRAME_EBX TRAP_FRAME_EBX
/* The same places as offsets below the kernel stack top, for the exit. */
#define TOP_USER_ESP (FRAME_USER_ESP - TRAP_FRAME_SIZE_USER)   /* -8 */
#define TOP_EIP (FRAME_EIP - TRAP_FRAME_SIZE_USER)             /* -20 */
#define TOP_EBX (TRAP_FRAME_EBX - TRAP_FRAME_SIZE_USER)        /* -44 */

        .text
        .globl sysenter_entry
sysenter_entry:
        movl -4(%esp), %esp              /* the TSS's esp0: this thread's kernel stack top */
        subl $TRAP_FRAME_SIZE_USER, %esp /* the frame is ours; the fast path's C frame goes below */
        movl %ecx, FRAME_USER_ESP(%esp)
        movl %edx, FRAME_EIP(%esp)
#if BURSAR_FAST_PATH
        movl %eax, FRAME_EAX(%esp)
        movl %ebx, FRAME_EBX(%esp)       /* the fast path's C may use ebx (-fcall-used-ebx) */
#endif
        movl $SELECTOR_USER_DATA, %ecx
        movl %ecx, %ds
        movl %ecx, %es
#if BURSAR_FAST_PATH
        /*
         * The calls the fast path serves (kernel/ipc_fastpath.c), by their
         * exact eax: number and timeouts. Each function takes ebx and esi in
         * eax and edx (regparm(2)), keeps esi, edi and ebp (the C convention's
         * callee-saved registers but ebx, which it is compiled to use
         * freely: the exit loads ebx, and a bail takes it back from the
         * frame) and returns either the kernel
         * stack top of the thread to resume, with the ebx it gets (the badge)
         * in that thread's frame, or 0 when the slow path must handle the
         * call; it changed nothing then.
         */
        cmpl $FAST_PATH_CALL_EAX, %eax
        jne 1f
        movl %ebx, %eax
        movl %esi, %edx
        call fastpath_call
        testl %eax, %eax
        jnz fast_exit
        jmp 3f
1:      cmpl $FAST_PATH_REPLY_WAIT_EAX, %eax
        jne 2f
        movl %ebx, %eax
        movl %esi, %edx
        call fastpath_reply_wait
        testl %eax, %eax
        jnz fast_exit
        jmp 3f
        /* SYS_NULL without a task, the measured floor: nothing to do but count it. */
2:      cmpl $FAST_PATH_NULL_EAX, %eax
        jne 3f
        cmpl $FAST_PATH_NO_CAPABILITY, %ebx
        jne 3f
        incl fast_path_null_count
        leal TRAP_FRAME_SIZE_USER(%esp), %eax      /* our own kernel stack top */
        jmp fast_exit_same_ebx
3:
        movl FRAME_EAX(%esp), %eax
        movl FRAME_EBX(%esp), %ebx
#endif
        movl FRAME_USER_ESP(%esp), %ecx
        movl FRAME_EIP(%esp), %edx
        addl $TRAP_FRAME_SIZE_USER, %esp /* and built again, push by push */
        pushl $SELECTOR_USER_DATA        /* ss */
        pushl %ecx                       /* user esp */
        pushl $USER_EFLAGS               /* eflags: sysenter saves none */
        pushl $SELECTOR_USER_CODE        /* cs */
        pushl %edx                       /* eip */
        pushl $0                         /* error code */
        pushl $VECTOR_SYSENTER
        jmp trap_common                  /* vectors.S: as an interrupt from ring 3 (and counted there) */

#if BURSAR_FAST_PATH
/*
 * Into the thread whose kernel stack top is in eax (maybe the caller
 * itself), with ebx from its frame (the fast path put the badge there) and
 * esi, edi, ebp as the caller left them.
 * machine_fast_switch() already pointed the TSS, the page directory and the
 * UTCB pointer at it.
 */
fast_exit:
        movl TOP_EBX(%eax), %ebx
fast_exit_same_ebx:
        movl $SELECTOR_USER_UTCB, %ecx
        movl %ecx, %gs
        movl TOP_USER_ESP(%eax), %ecx
        movl TOP_EIP(%eax), %edx
        xorl %eax, %eax                  /* the result: no error */
        sti
        sysexit
#endif

/*
 * Back to a thread that entered with sysenter. sti takes effect after the
 * next instruction, so interrupts come back on exactly at the return.
 */
        .globl sysenter_return
sysenter_return:
        RESTORE_REGISTERS
        movl 8(%esp), %edx               /* eip (after vector and error code) */
        movl 20(%esp), %ecx              /* user esp (after eip, cs, eflags) */
        sti
        sysexit
