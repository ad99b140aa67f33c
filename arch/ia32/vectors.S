/*
 * vectors.S — one small entry stub per interrupt vector, and the common
 * path that saves the registers as a struct trap_frame (trap.h) and calls
 * trap_dispatch(). Vectors where the CPU pushes no error code push a zero,
 * so every frame has the same layout.
 */
#include "arch/ia32/eflags.h"
#include "arch/ia32/frame.h"
#include "arch/ia32/segments.h"
#include "arch/ia32/trap.h"


/* The vectors for which the CPU itself pushes an error code. */
#define HAS_ERROR_CODE(v) ((v) == 8 || ((v) >= 10 && (v) <= 14) || (v) == 17 || (v) == 21)

        .text
        .globl trap_common
trap_common:
        SAVE_REGISTERS
        /*
         * Known flags before anything else: the gate cleared IF, TF and NT
         * but not DF (C code assumes it clear), AC or ID, which would
         * otherwise reach the next thread to leave by sysexit. Then the
         * kernel's own data segments: nothing may go through the user's
         * (a null %ds, or the one-word UTCB segment, faults in ring 0).
         */
        pushl $KERNEL_EFLAGS
        popfl
        movl $SELECTOR_KERNEL_DATA, %eax
        movl %eax, %ds
        movl %eax, %es
        movl %eax, %fs
        movl %eax, %gs
        incl machine_counters            /* .kernel_entries */
        pushl %esp                       /* struct trap_frame * */
        call trap_dispatch
        addl $4, %esp
        .globl trap_return
trap_return:
        cmpl $VECTOR_SYSENTER, TRAP_FRAME_VECTOR(%esp)
        je sysenter_return               /* sysenter.S */
        RESTORE_REGISTERS
        addl $8, %esp                    /* vector and error code */
        iret

/* Generate the 256 stubs and a table of their addresses. */
        .altmacro
        .macro VECTOR_STUB v
        .align VECTOR_STUB_SIZE
vector_\v:
        .if !HAS_ERROR_CODE(\v)
        pushl $0
        .endif
        pushl $\v
        jmp trap_common
        .endm

        .align VECTOR_STUB_SIZE
        .globl trap_vector_stubs
trap_vector_stubs:                       /* vector_0; sysenter.S's debug trap needs where they are */
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
