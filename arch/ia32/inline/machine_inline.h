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

/*
 * Make the thread whose kernel stack ends at `stack_top` the one the next
 * entry from user mode lands on, in this address space and with this UTCB.
 * Only the UTCB descriptor's base bytes change; the sysenter exit reloads
 * %gs, which makes the new base take effect.
 */
static inline void machine_fast_switch(void *stack_top, uint32_t page_directory_physical, uint32_t utcb_address)
{
    struct gdt_entry *utcb_segment = &gdt[GDT_USER_UTCB];
    uint32_t loaded;

    kernel_tss.esp0 = (uint32_t)stack_top;
    __asm__ volatile("movl %%cr3, %0" : "=r"(loaded));
    if (loaded != page_directory_physical) {
        __asm__ volatile("movl %0, %%cr3" : : "r"(page_directory_physical) : "memory");
        machine_counters.address_space_switches++;
    }
    utcb_segment->base_low = (uint16_t)utcb_address;
    utcb_segment->base_middle = (uint8_t)(utcb_address >> 16);
    utcb_segment->base_high = (uint8_t)(utcb_address >> 24);
}

#endif /* ARCH_IA32_MACHINE_INLINE_H */
