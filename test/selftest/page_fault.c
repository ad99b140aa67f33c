/*
 * page_fault.c — harness self-test image: a kernel-mode page fault two calls
 * deep. The harness must see a panic, and the log must carry the register
 * dump, the faulting address and a symbolic backtrace naming these functions.
 */
#include <stdint.h>

#include "kernel/boot.h"

/* Not static and not inlined, so each keeps its own frame in the backtrace. */
void selftest_touch_unmapped(volatile uint32_t *address);
void selftest_fault_in_a_call(void);

__attribute__((noinline)) void selftest_touch_unmapped(volatile uint32_t *address)
{
    *address = 0x0badf00d;
}

__attribute__((noinline)) void selftest_fault_in_a_call(void)
{
    selftest_touch_unmapped((volatile uint32_t *)0x00001000);   /* user half: unmapped */
}

void boot_hand_over(void)
{
    selftest_fault_in_a_call();
    for (;;)
        ;
}
