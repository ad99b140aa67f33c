/*
 * vectors.S — one small entry stub per interrupt vector, and the common
 * path that saves the registers as a struct trap_frame (trap.h) and calls
 * trap_dispatch(). Vectors where the CPU pushes no error code push a zero,
 * so every frame has the same layout.
 */
#include "arch/ia32/segments.h"
#include "arch/ia32/trap.h"

#define USER_EFLAGS 0x202                /* IF set, reserved bit 1 */

/* The vectors for which the CPU itself pushes an error code. */
#define HAS_ERROR_CODE(v) ((v) == 8 || ((v) >= 10 && (v) <= 14) || (v) == 17 || (v) == 21)

        .text
        .globl trap_common
trap_common:
        pushal
        pushl %ds
        pushl %es
        pushl %fs
        pushl %gs
        movl $SELECTOR_KERNEL_DATA, %eax
        movl %eax, %ds
        movl %eax, %es
        movl %eax, %fs
        movl %eax, %gs
        pushl %esp                       /* struct trap_frame * */
        call trap_dispatch
        addl $4, %esp
        .globl trap_return
trap_return:
        cmpl $VECTOR_SYSENTER, TRAP_FRAME_VECTOR(%esp)
        je sysenter_return
        popl %gs
        popl %fs
        popl %es
        popl %ds
        popal
        addl $8, %esp                    /* vector and error code */
        iret

/*
 * sysenter arrives with interrupts off, esp = the current thread's kernel
 * stack top (the SYSENTER_ESP MSR), the user's esp in ecx and its return
 * address in edx. Build the same frame an interrupt from ring 3 would, so
 * the rest of the kernel sees one kind of frame.
 */
        .globl sysenter_entry
sysenter_entry:
        pushl $SELECTOR_USER_DATA        /* ss */
        pushl %ecx                       /* user esp */
        pushl $USER_EFLAGS               /* eflags: sysenter saves none */
        pushl $SELECTOR_USER_CODE        /* cs */
        pushl %edx                       /* eip */
        pushl $0                         /* error code */
        pushl $VECTOR_SYSENTER
        jmp trap_common

/*
 * Back to a thread that entered with sysenter. sti takes effect after the
 * next instruction, so interrupts come back on exactly at the return.
 */
sysenter_return:
        popl %gs
        popl %fs
        popl %es
        popl %ds
        popal
        movl 8(%esp), %edx               /* eip (after vector and error code) */
        movl 20(%esp), %ecx              /* user esp (after eip, cs, eflags) */
        sti
        sysexit

/* Generate the 256 stubs and a table of their addresses. */
        .altmacro
        .macro VECTOR_STUB v
        .align 16
vector_\v:
        .if !HAS_ERROR_CODE(\v)
        pushl $0
        .endif
        pushl $\v
        jmp trap_common
        .endm

        .set v, 0
        .rept VECTOR_COUNT
        VECTOR_STUB %v
        .set v, v + 1
        .endr

        .macro VECTOR_ADDRESS v
        .long vector_\v
        .endm

        .section .rodata
        .align 4
        .globl trap_vector_entries
trap_vector_entries:
        .set v, 0
        .rept VECTOR_COUNT
        VECTOR_ADDRESS %v
        .set v, v + 1
        .endr
