/*
 * machine.h — everything the generic kernel asks of the machine. The kernel
 * includes this header, never an arch/ one; arch/ia32 implements it. That is
 * the dependency rule: arch → kernel → mapdb/kheap, and never back.
 */
#ifndef KERNEL_MACHINE_H
#define KERNEL_MACHINE_H

#include <stdbool.h>
#include <stdint.h>

#include "kernel/boot_info.h"

/* Console line (COM1 on ia32). */
void machine_console_init(void);
void machine_console_putc(char c);
int  machine_console_getc(void);          /* -1 when nothing is waiting */

/* Decode what the boot loader handed over; false (with a message) if unusable. */
bool machine_read_boot_info(uint32_t loader_magic, uint32_t loader_info,
                            struct boot_info *out);

void machine_cpu_init(void);              /* descriptor tables, exception entry */
void machine_paging_init(uint64_t direct_map_end);
void machine_timer_init(uint32_t hz);
uint64_t machine_tsc_calibrate(void);     /* TSC ticks per second, against the timer */
uint64_t machine_timestamp(void);         /* the TSC */
uint64_t machine_timer_ticks(void);       /* timer interrupts since boot */

void machine_interrupts_enable(void);
void machine_interrupts_disable(void);
void machine_wait_for_interrupt(void);

/* Print the call chain from the caller's frame (symbolic where possible). */
void machine_backtrace(void);

/* Leave QEMU through isa-debug-exit with this code; halt forever if absent. */
void machine_exit(uint32_t code) __attribute__((noreturn));
/* Stop the machine after a fatal error: exits with BURSAR_EXIT_FAILURE. */
void machine_halt_after_panic(void) __attribute__((noreturn));

/* Physical ↔ kernel-virtual for the direct-mapped part of memory. */
void *machine_physical_to_virtual(uint64_t physical);
uint64_t machine_virtual_to_physical(const void *virtual_address);

/* The kernel image in physical memory (page-aligned). */
uint64_t machine_kernel_image_start(void);
uint64_t machine_kernel_image_end(void);
/* Highest physical address the kernel maps 1:1 (exclusive). */
uint64_t machine_direct_map_limit(void);

#endif /* KERNEL_MACHINE_H */
