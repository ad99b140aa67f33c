/*
 * sysenter.S — the sysenter entry and exit, and where the IPC fast path is
 * tried. This file is compiled twice: with BURSAR_FAST_PATH=1 for the normal
 * kernel and =0 for the slow-path-only kernel the tests also run.
 *
 * sysenter arrives with interrupts off and esp = the SYSENTER_ESP MSR, set
 * once to sysenter_stack_top below. It clears only IF, VM and RF: every
 * other flag is the user's, TF, NT, DF, AC and ID included. The first
 * instruction pops the word at sysenter_stack_top, KERNEL_EFLAGS, into
 * eflags, so the kernel runs with known flags (DF clear, as C code assumes;
 * no NT, which would turn the next iret into a task return; nothing of the
 * user's to carry to another thread). The second takes the current
 * thread's kernel stack top from the TSS's esp0, so thread switches need
 * no wrmsr. Two cases where that first instruction is not first:
 *   - TF: sysenter does not clear it, so the CPU takes a debug trap right
 *     after sysenter, at sysenter_entry, on the small stack below the
 *     flags word. sysenter_debug_trap (below) clears TF in the frame it
 *     pushed and returns: the system call goes on as if TF had been clear
 *     (the flags a thread returns with are defined anyway: docs/abi.md §1).
 *   - NMI and machine check, which users cannot cause, would also land
 *     there: the stack has room for their frame on the way to the panic.
 *
 * The entry then stores only what the fast path needs kept: the user esp,
 * eip and ebx, in their places in the thread's trap frame (trap.h). The fast
 * path runs with the caller's message still in its registers; when it
 * declines, the entry builds the full frame an interrupt from ring 3 would,
 * so the rest of the kernel sees one kind of frame. %ds and %es are loaded
 * with the flat user data selector at once: the kernel may use it (ring 0
 * may load a DPL 3 data segment) and must not trust the user's, and the
 * thread the fast path returns to must not get the caller's. For the same
 * reason the fast path loads %fs with the user data selector and %gs with
 * the UTCB selector (machine_fast_inline.h) and leaves with the flags a system
 * call returns with (IF and bit 1 only): every exit gives the thread
 * exactly the state docs/abi.md §1 defines, never its caller's.
 */
#include "arch/ia32/eflags.h"
#include "arch/ia32/frame.h"
#include "arch/ia32/segments.h"
#include "arch/ia32/trap.h"
#include "kernel/ipc_fastpath.h"

#ifndef BURSAR_FAST_PATH
#error "build with -DBURSAR_FAST_PATH=0 or 1"
#endif

/* Places in struct trap_frame (trap.h asserts the layout). */
#define FRAME_USER_ESP TRAP_FRAME_SIZE_KERNEL
#define FRAME_EIP TRAP_FRAME_EIP
#define FRAME_EBX TRAP_FRAME_EBX
/* Room below the flags word on the stack sysenter arrives on (see sysenter_stack below). */
#define SYSENTER_STACK_SIZE 1024

        .text
        .globl sysenter_entry
sysenter_entry:
        popfl                            /* KERNEL_EFLAGS, from sysenter_stack_top */
        movl %ss:kernel_tss + TSS_ESP0, %esp   /* this thread's kernel stack top (%ss: %ds is the user's) */
        subl $TRAP_FRAME_SIZE_USER, %esp /* the frame is ours; the fast path's C frame goes below */
        movl %ecx, FRAME_USER_ESP(%esp)
        movl %edx, FRAME_EIP(%esp)
#if BURSAR_FAST_PATH
        movl %ebx, FRAME_EBX(%esp)       /* the fast path's C may use ebx (-fcall-used-ebx) */
#endif
        /* From memory, through %ss: the user's %ds cannot be trusted yet. */
        movw %ss:user_data_selector, %ds
        movw %ss:user_data_selector, %es
#if BURSAR_FAST_PATH
        movl %edi, fast_path_word0       /* MR0: the fast path's C may use edi (-fcall-used-edi) */
        /*
         * The calls the fast path serves (kernel/ipc_fastpath.c), by their
         * exact eax: number and timeouts. Each C function takes ebx (word 0)
         * in eax, finds the tag and MR1 where the user left them (esi and
         * ebp, reserved to them in that file) and MR0 in fast_path_word0,
         * from which the exit reloads edi, and never returns:
         * it leaves through machine_fast_exit() into the thread it chose, or
         * through sysenter_fast_path_bail below, having changed nothing.
         */
        cmpl $FAST_PATH_CALL_EAX, %eax
        jne 1f
        movl %ebx, %eax
        jmp fastpath_call
1:      cmpl $FAST_PATH_REPLY_WAIT_EAX, %eax
        jne 2f
        movl %ebx, %eax
        jmp fastpath_reply_wait
        /*
         * SYS_NULL, the measured floor. Without a task there is nothing to
         * do but count it; with one, C loads its address space and back.
         */
2:      cmpl $FAST_PATH_NULL_EAX, %eax
        jne sysenter_slow_path
        cmpl $FAST_PATH_NO_CAPABILITY, %ebx
        je 3f
        movl %ebx, %eax
        jmp fastpath_null_two_spaces
3:      incl fast_path_null_count
        lfs fast_path_word0, %edi        /* %fs; %edi unchanged */
        movw user_utcb_selector, %gs
        movl FRAME_USER_ESP(%esp), %ecx
        movl FRAME_EIP(%esp), %edx
        xorl %eax, %eax                  /* the result: no error; clears OF */
        sahf                             /* ah = 0: clears SF ZF AF PF CF, so eflags is USER_EFLAGS after sti */
        sti
        sysexit

#endif
sysenter_slow_path:
        /*
         * The frame an interrupt from ring 3 would leave, built in place
         * around the user esp and eip already in it, and already what a
         * system call returns with (trap.c's syscall_frame_reset): only IF
         * in eflags, the user data selector in %ds, %es and %fs, the UTCB
         * selector in %gs. The user's own selectors are not kept: the exit
         * loads these whatever they were. %ds and %es hold the flat user
         * data selector already (above); the kernel never uses %fs or %gs.
         * Flags are known since the entry's popfl.
         */
        movl $SELECTOR_USER_DATA, TRAP_FRAME_USER_SS(%esp)
        movl $USER_EFLAGS, TRAP_FRAME_EFLAGS(%esp)
        movl $SELECTOR_USER_CODE, TRAP_FRAME_CS(%esp)
        movl $0, TRAP_FRAME_ERROR_CODE(%esp)
        movl $VECTOR_SYSENTER, TRAP_FRAME_VECTOR(%esp)
        addl $TRAP_FRAME_VECTOR, %esp    /* pushal puts eax right below the vector */
        pushal
        pushl $SELECTOR_USER_DATA        /* ds */
        pushl $SELECTOR_USER_DATA        /* es */
        pushl $SELECTOR_USER_DATA        /* fs */
        pushl $SELECTOR_USER_UTCB        /* gs */
        incl machine_counters            /* .kernel_entries */
        pushl %esp                       /* struct trap_frame * */
        call kernel_sysenter_syscall     /* kernel/syscall_dispatch.c */
        addl $4, %esp
        /* Back on the stack of a thread that entered here (whichever ran between): its frame is this kind. */
        jmp sysenter_return

/*
 * The fast path declined, with the call's eax in eax: back to this
 * thread's frame (the C frame below it is abandoned) and its ebx, then on
 * as any system call. (The slow-path kernel links the fast path's C too,
 * but never enters it.)
 */
        .globl sysenter_fast_path_bail
sysenter_fast_path_bail:
#if BURSAR_FAST_PATH
        movl fast_path_word0, %edi
#endif
        movl kernel_tss + TSS_ESP0, %esp
        subl $TRAP_FRAME_SIZE_USER, %esp
        movl FRAME_EBX(%esp), %ebx
        /* ecx and edx as sysenter brought them (user esp and eip), not the fast path's kernel values. */
        movl FRAME_USER_ESP(%esp), %ecx
        movl FRAME_EIP(%esp), %edx
        jmp sysenter_slow_path

/*
 * MR0 while the fast path runs (one CPU, interrupts off): the entry stores
 * it, machine_fast_exit() and the bail reload it. (Defined in the slow-path
 * kernel too, which links the fast path's C.) The user data selector after
 * it makes the pair a far pointer: one lfs restores MR0 into %edi and loads
 * %fs, which every exit must.
 */
        .data
        .balign 4
        .globl fast_path_word0
fast_path_word0:
        .long 0
        .word SELECTOR_USER_DATA

/* The selectors the entry and the fast exits load, as words in memory (one instruction a load). */
        .section .rodata
        .globl user_data_selector, user_utcb_selector
        .balign 2
user_data_selector:
        .word SELECTOR_USER_DATA
user_utcb_selector:
        .word SELECTOR_USER_UTCB
        .text

/*
 * Back to a thread that entered with sysenter. sysexit loads no flags: the
 * thread gets the kernel's, so they are set to KERNEL_EFLAGS first (the
 * kernel's computations leave the arithmetic flags anywhere). sti takes
 * effect after the next instruction, so interrupts come back on exactly at
 * the return, with eflags USER_EFLAGS.
 */
        .globl sysenter_return
sysenter_return:
        pushl $KERNEL_EFLAGS
        popfl
        RESTORE_REGISTERS
        movl 8(%esp), %edx               /* eip (after vector and error code) */
        movl 20(%esp), %ecx              /* user esp (after eip, cs, eflags) */
        sti
        sysexit

/*
 * The stack sysenter arrives on (the SYSENTER_ESP MSR): the flags word the
 * entry pops, and below it room for a trap frame. Only sysenter_debug_trap
 * uses that room in normal operation (12 bytes).
 */
        .data
        .balign 16
sysenter_stack:
        .space SYSENTER_STACK_SIZE
        .globl sysenter_stack_top
sysenter_stack_top:
        .long KERNEL_EFLAGS

/*
 * The debug exception's entry (idt.c). A single-step trap taken in kernel
 * mode at the first instruction of a kernel entry is the user's TF carried
 * in, never the kernel's (the kernel never sets TF, and no breakpoint is
 * ever enabled): clear TF in the interrupted flags and go back, so the
 * entry runs as if the trap had not been. Two ways it comes:
 *   - sysenter does not clear TF, so the CPU traps right after sysenter,
 *     at sysenter_entry (see the top of this file);
 *   - mov ss or pop ss delays a single-step trap past the next instruction.
 *     If that instruction enters the kernel (int $0x80, int3, into, an
 *     exception, icebp's own debug trap), the CPU delivers the trap after
 *     the switch to ring 0, at the first instruction of that vector's stub
 *     (vectors.S) or of this entry (CVE-2018-8897's class). The gate has
 *     cleared TF already; the trap's frame sits on the kernel stack below
 *     the gate's, and returning lets the stub take the entry it began.
 * Anything else is a debug exception like any other (from user mode: the
 * thread's exception handler; in the kernel: a bug).
 */
        .text
        .globl sysenter_debug_trap
sysenter_debug_trap:
        cmpl $SELECTOR_KERNEL_CODE, 4(%esp)   /* cs: a trap in the kernel, not a user's step */
        jne 3f
        cmpl $sysenter_entry, (%esp)          /* eip */
        je 1f
        cmpl $sysenter_debug_trap, (%esp)
        je 1f
        pushl %eax
        movl 4(%esp), %eax
        subl $trap_vector_stubs, %eax
        cmpl $VECTOR_COUNT * VECTOR_STUB_SIZE, %eax
        jae 2f                                    /* not a stub */
        testl $VECTOR_STUB_SIZE - 1, %eax
        jnz 2f                                    /* inside one, not at its start */
        popl %eax
1:      andl $~EFLAGS_TF, 8(%esp)             /* eflags */
        iret
2:      popl %eax
3:      jmp *%ss:trap_vector_entries + 4 * VECTOR_DEBUG
