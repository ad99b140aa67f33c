/*
 * trap.c — the kernel's side of traps the machine layer passes up: traps
 * from user mode.
 *
 * There are no user threads yet (the kernel-core issue adds them), so a
 * trap from ring 3 cannot happen; if one does, it is a kernel bug.
 */
#include "kernel/console.h"
#include "kernel/trap_handlers.h"

void kernel_user_trap(uint32_t vector, struct trap_frame *frame)
{
    (void)frame;
    panic("trap %u from user mode, but no user thread exists", vector);
}
