/*
 * sysenter.S — the sysenter entry and exit, and where the IPC fast path is
 * tried. This file is compiled twice: with BURSAR_FAST_PATH=1 for the normal
 * kernel and =0 for the slow-path-only kernel the tests also run.
 *
 * sysenter arrives with interrupts off, esp = just above the TSS's esp0
 * field (the SYSENTER_ESP MSR, set once), the user's esp in ecx and its
 * return address in edx. The first instruction takes the current thread's
 * kernel stack top from that field, so thread switches need no wrmsr. The entry builds the same frame an interrupt from ring 3
 * would (trap.h), so the rest of the kernel sees one kind of frame.
 */
#include "arch/ia32/frame.h"
#include "arch/ia32/segments.h"
#include "arch/ia32/trap.h"

#ifndef BURSAR_FAST_PATH
#error "build with -DBURSAR_FAST_PATH=0 or 1"
#endif

#define USER_EFLAGS 0x202                /* IF set, reserved bit 1 */
#define SAVED_SEGMENTS 16                /* gs, fs, es, ds below the general registers */
#define SAVED_REGISTERS_BELOW_TOP 60     /* MACHINE_SAVED_REGISTERS_BELOW_TOP, kernel/machine.h */

        .text
        .globl sysenter_entry
sysenter_entry:
        movl -4(%esp), %esp              /* the TSS's esp0: this thread's kernel stack top */
        pushl $SELECTOR_USER_DATA        /* ss */
        pushl %ecx                       /* user esp */
        pushl $USER_EFLAGS               /* eflags: sysenter saves none */
        pushl $SELECTOR_USER_CODE        /* cs */
        pushl %edx                       /* eip */
        pushl $0                         /* error code */
        pushl $VECTOR_SYSENTER
        cld
        SAVE_REGISTERS
        movl $SELECTOR_KERNEL_DATA, %eax
        movl %eax, %ds
        movl %eax, %es
        incl machine_counters            /* .kernel_entries */
#if BURSAR_FAST_PATH
        /*
         * ipc_fastpath(registers) returns the saved registers of the thread
         * to resume (maybe another one: its frame is then our new stack), or
         * 0 when the slow path must handle the call; it changes nothing then.
         */
        leal SAVED_SEGMENTS(%esp), %eax
        pushl %eax
        call ipc_fastpath
        addl $4, %esp
        testl %eax, %eax
        jz 1f
        leal SAVED_SEGMENTS(%esp), %ecx
        cmpl %eax, %ecx
        je sysenter_return                       /* answered for the caller itself */
        /* Switch to the thread it returned (kernel/machine.h, machine_fast_switch). */
        leal -SAVED_SEGMENTS(%eax), %esp
        leal SAVED_REGISTERS_BELOW_TOP(%eax), %ecx
        movl %ecx, kernel_tss + TSS_ESP0         /* its kernel stack top */
        movl machine_fast_switch, %edx           /* .page_directory_physical */
        movl %cr3, %ecx
        cmpl %ecx, %edx
        je 2f
        movl %edx, %cr3
        incl machine_counters + 4                /* .address_space_switches */
2:      movl machine_fast_switch + 4, %edx       /* .utcb_address, as the %gs base */
        movw %dx, gdt + GDT_USER_UTCB * 8 + GDT_BASE_LOW
        shrl $16, %edx
        movb %dl, gdt + GDT_USER_UTCB * 8 + GDT_BASE_MIDDLE
        movb %dh, gdt + GDT_USER_UTCB * 8 + GDT_BASE_HIGH
        jmp sysenter_return                      /* pops %gs: the new base takes effect */
1:
#endif
        movl $SELECTOR_KERNEL_DATA, %eax
        movl %eax, %fs
        movl %eax, %gs
        pushl %esp                       /* struct trap_frame * */
        call trap_dispatch
        addl $4, %esp
        jmp trap_return

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
