/*
 * boot.h — the steps of kernel_main() that are not a subsystem's own init,
 * and the hand-over that each kernel image provides.
 */
#ifndef KERNEL_BOOT_H
#define KERNEL_BOOT_H

#include <stdint.h>

#include "kernel/boot_info.h"

#define TIMER_HZ 100

extern struct boot_info boot_info;
extern uint64_t tsc_per_second;

/* Entered from arch/ia32/boot.S with the loader's two words, paging on. */
void kernel_main(uint32_t loader_magic, uint32_t loader_info) __attribute__((noreturn));

void boot_print_banner(void);
void boot_print_memory_map(const struct boot_info *boot);
void boot_print_modules(const struct boot_info *boot);
void boot_print_complete(void);

/*
 * What runs once the kernel is up. Each image links exactly one: the
 * production kernel's (kernel/hand_over.c: start the root task), the in-VM
 * tests (test/vm/runner.c) or a harness self-test (test/selftest/). It
 * never returns.
 */
void boot_hand_over(void) __attribute__((noreturn));

#endif
