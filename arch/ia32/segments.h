/*
 * segments.h — GDT selectors and the TSS. Flat segments: base 0, limit 4 GiB;
 * protection comes from paging, the segments only set the privilege level.
 */
#ifndef ARCH_IA32_SEGMENTS_H
#define ARCH_IA32_SEGMENTS_H

#define GDT_NULL        0
#define GDT_KERNEL_CODE 1
#define GDT_KERNEL_DATA 2
#define GDT_USER_CODE   3
#define GDT_USER_DATA   4
#define GDT_TSS         5
#define GDT_DOUBLE_FAULT_TSS 6
#define GDT_USER_UTCB   7      /* user %gs: %gs:0 is the running thread's UTCB address */
#define GDT_ENTRIES     8

/* The order kernel code, kernel data, user code, user data is what sysenter/sysexit require. */
#define SELECTOR_KERNEL_CODE (GDT_KERNEL_CODE << 3)
#define SELECTOR_KERNEL_DATA (GDT_KERNEL_DATA << 3)
#define SELECTOR_USER_CODE   ((GDT_USER_CODE << 3) | 3)
#define SELECTOR_USER_DATA   ((GDT_USER_DATA << 3) | 3)
#define SELECTOR_TSS         (GDT_TSS << 3)
#define SELECTOR_DOUBLE_FAULT_TSS (GDT_DOUBLE_FAULT_TSS << 3)
#define SELECTOR_USER_UTCB   ((GDT_USER_UTCB << 3) | 3)

#define TSS_ESP0        4

#ifndef __ASSEMBLER__
#include "bursar/cpu.h"
_Static_assert(SELECTOR_USER_CODE == BURSAR_SELECTOR_USER_CODE && SELECTOR_USER_DATA == BURSAR_SELECTOR_USER_DATA &&
               SELECTOR_USER_UTCB == BURSAR_SELECTOR_UTCB, "the selectors the ABI names");
#endif

#ifndef __ASSEMBLER__
#include <stdint.h>

/* The 32-bit task-state segment; only esp0/ss0 matter (and the double-fault task). */
struct tss {
    uint32_t link;
    uint32_t esp0, ss0, esp1, ss1, esp2, ss2;
    uint32_t cr3, eip, eflags, eax, ecx, edx, ebx, esp, ebp, esi, edi;
    uint32_t es, cs, ss, ds, fs, gs, ldt;
    uint16_t trap, iomap_base;
} __attribute__((packed));
_Static_assert(sizeof(struct tss) == 104, "hardware TSS layout");

extern struct tss kernel_tss;

void gdt_init(void);
/* The kernel stack the CPU switches to on entry from user mode. */
void tss_set_kernel_stack(uint32_t esp0);
/* Where the CPU saved the interrupted state when it switched to the double-fault task. */
const struct tss *double_fault_previous_state(void);
#endif

#endif /* ARCH_IA32_SEGMENTS_H */
