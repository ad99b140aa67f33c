/*
 * trap_handlers.h — what the kernel does with events the machine layer
 * cannot handle itself.
 */
#ifndef KERNEL_TRAP_HANDLERS_H
#define KERNEL_TRAP_HANDLERS_H

#include <stdint.h>

/*
 * A trap from user mode that is not a device interrupt: a system call or a
 * CPU exception. `frame` is the machine's saved register frame.
 */
struct trap_frame;
void kernel_user_trap(uint32_t vector, struct trap_frame *frame);

/* Print the call chain starting at this instruction and frame pointer. */
void backtrace_from(uint32_t instruction, uint32_t frame_pointer);

#endif
