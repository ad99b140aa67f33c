/*
 * idt.c — the interrupt descriptor table. Every vector gets its stub from
 * vectors.S; the double fault goes through a task gate instead (gdt.c) so it
 * runs on a known-good stack, and the debug exception first passes
 * sysenter_debug_trap (sysenter.S), which absorbs the trap a user's TF
 * causes at the first instruction of a kernel entry. Only the system-call vector, int3 (breakpoint)
 * and into (overflow) may be raised from ring 3 with an instruction; the
 * last two then reach the thread's exception handler.
 */
#include "arch/ia32/segments.h"
#include "arch/ia32/trap.h"
#include "kernel/console.h"

struct idt_entry {
    uint16_t offset_low;
    uint16_t selector;
    uint8_t zero;
    uint8_t type_attributes;
    uint16_t offset_high;
} __attribute__((packed));
_Static_assert(sizeof(struct idt_entry) == 8, "hardware IDT entry layout");

struct idt_pointer {
    uint16_t limit;
    uint32_t base;
} __attribute__((packed));

#define GATE_INTERRUPT_32 0x8e   /* present, ring 0, interrupts off on entry */
#define GATE_TASK         0x85   /* present, ring 0, task gate */
#define GATE_RING3        0x60

static struct idt_entry idt[VECTOR_COUNT];

static void idt_set(unsigned vector, uint32_t handler, uint16_t selector, uint8_t type)
{
    idt[vector] = (struct idt_entry){
        .offset_low = handler & 0xffff,
        .selector = selector,
        .type_attributes = type,
        .offset_high = handler >> 16,
    };
}

void idt_init(void)
{
    for (unsigned v = 0; v < VECTOR_COUNT; v++) {
        /* sysenter_debug_trap tells a stub's first instruction by this layout. */
        KERNEL_ASSERT(trap_vector_entries[v] == (uint32_t)trap_vector_stubs + v * VECTOR_STUB_SIZE);
        idt_set(v, trap_vector_entries[v], SELECTOR_KERNEL_CODE, GATE_INTERRUPT_32);
    }
    idt_set(VECTOR_DOUBLE_FAULT, 0, SELECTOR_DOUBLE_FAULT_TSS, GATE_TASK);
    idt_set(VECTOR_DEBUG, (uint32_t)sysenter_debug_trap, SELECTOR_KERNEL_CODE, GATE_INTERRUPT_32);
    idt_set(VECTOR_SYSCALL, trap_vector_entries[VECTOR_SYSCALL], SELECTOR_KERNEL_CODE,
            GATE_INTERRUPT_32 | GATE_RING3);
    idt_set(VECTOR_BREAKPOINT, trap_vector_entries[VECTOR_BREAKPOINT], SELECTOR_KERNEL_CODE,
            GATE_INTERRUPT_32 | GATE_RING3);
    idt_set(VECTOR_OVERFLOW, trap_vector_entries[VECTOR_OVERFLOW], SELECTOR_KERNEL_CODE,
            GATE_INTERRUPT_32 | GATE_RING3);

    struct idt_pointer pointer = { sizeof(idt) - 1, (uint32_t)idt };
    __asm__ volatile("lidt %0" : : "m"(pointer));
}
