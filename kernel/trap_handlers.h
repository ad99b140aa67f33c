/*
 * trap_handlers.h — what the kernel does with events the machine layer
 * cannot handle itself.
 */
#ifndef KERNEL_TRAP_HANDLERS_H
#define KERNEL_TRAP_HANDLERS_H

#include <stdint.h>

/*
 * Traps from user mode that are not device interrupts. `frame` is the
 * machine's saved register frame (opaque to the kernel).
 */
struct trap_frame;
void kernel_syscall(struct trap_frame *frame);
/* The same for a call sysenter.S's slow path brings, which opens the interrupt-off window itself. */
void kernel_sysenter_syscall(struct trap_frame *frame);
void kernel_user_exception(uint32_t vector, struct trap_frame *frame);

/* Called from the timer interrupt. */
void kernel_timer_tick(void);
/* An interrupt on a line claimed by an IRQ object (machine_irq_claim). */
void kernel_user_irq(unsigned line);

#endif
