/*
 * switch.S — switching kernel stacks between threads.
 *
 * switch_context(save, next) saves the callee-saved registers on the current
 * kernel stack, stores esp in *save, loads next as esp and restores the
 * registers the next thread saved when it switched away. A new thread's
 * stack is prepared (machine_thread_stack_init, thread_state.c) so the first switch to it "returns"
 * into thread_first_return, which leaves for user mode through the ordinary
 * trap return path.
 */
#include "arch/ia32/trap.h"

        .text
        .globl switch_context
switch_context:
        movl 4(%esp), %eax               /* uint32_t *save */
        movl 8(%esp), %edx               /* uint32_t next */
        pushl %ebp
        pushl %ebx
        pushl %esi
        pushl %edi
        movl %esp, (%eax)
        movl %edx, %esp
        popl %edi
        popl %esi
        popl %ebx
        popl %ebp
        ret

        .globl thread_first_return
thread_first_return:
        call scheduler_finish_switch
        jmp trap_return
