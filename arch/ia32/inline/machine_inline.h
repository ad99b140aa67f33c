/*
 * machine_inline.h — the few machine operations the IPC fast path needs
 * inline, because it counts every instruction. kernel/machine.h includes
 * this through the kernel's include path (SConstruct), so generic code still
 * names no arch/ header. Everything else about the machine is a function.
 */
#ifndef ARCH_IA32_MACHINE_INLINE_H
#define ARCH_IA32_MACHINE_INLINE_H

#include <stdint.h>

#include "arch/ia32/segments.h"
#include "arch/ia32/trap.h"

extern uint32_t utcb_pointer_page[];    /* paging.c: word 0 is what user mode reads as %gs:0 */

/*
 * Make the thread whose kernel stack ends at `stack_top` the one the next
 * entry from user mode lands on, in this address space and with this UTCB.
 */
static inline void machine_fast_switch(void *stack_top, uint32_t page_directory_physical, uint32_t utcb_address)
{
    uint32_t loaded;

    kernel_tss.esp0 = (uint32_t)stack_top;
    utcb_pointer_page[0] = utcb_address;
    __asm__ volatile("movl %%cr3, %0" : "=r"(loaded));
    if (loaded != page_directory_physical) {
        __asm__ volatile("movl %0, %%cr3" : : "r"(page_directory_physical) : "memory");
        machine_counters.address_space_switches++;
    }
}

/*
 * The ebx (word 0: the badge) the fast exit gives the thread whose kernel
 * stack ends at `stack_top`: it loads it from that thread's frame.
 */
static inline void machine_fast_set_word0(void *stack_top, uint32_t value)
{
    ((struct trap_frame *)stack_top - 1)->ebx = value;
}

#endif /* ARCH_IA32_MACHINE_INLINE_H */
