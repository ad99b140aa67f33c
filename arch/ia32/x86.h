/*
 * x86.h — single-instruction wrappers: port I/O, control registers, TSC,
 * interrupt flag. Everything that needs inline assembly for one instruction
 * lives here so the rest of arch/ia32 reads as C.
 */
#ifndef ARCH_IA32_X86_H
#define ARCH_IA32_X86_H

#include <stdint.h>

#include "arch/ia32/eflags.h"

static inline void outb(uint16_t port, uint8_t value)
{
    __asm__ volatile("outb %0, %1" : : "a"(value), "Nd"(port));
}

static inline uint8_t inb(uint16_t port)
{
    uint8_t value;
    __asm__ volatile("inb %1, %0" : "=a"(value) : "Nd"(port));
    return value;
}

static inline void outl(uint16_t port, uint32_t value)
{
    __asm__ volatile("outl %0, %1" : : "a"(value), "Nd"(port));
}

static inline uint64_t rdtsc(void)
{
    uint32_t low, high;
    __asm__ volatile("rdtsc" : "=a"(low), "=d"(high));
    return ((uint64_t)high << 32) | low;
}

static inline uint32_t read_cr0(void) { uint32_t v; __asm__ volatile("mov %%cr0, %0" : "=r"(v)); return v; }
static inline uint32_t read_cr2(void) { uint32_t v; __asm__ volatile("mov %%cr2, %0" : "=r"(v)); return v; }
static inline uint32_t read_cr3(void) { uint32_t v; __asm__ volatile("mov %%cr3, %0" : "=r"(v)); return v; }
static inline uint32_t read_cr4(void) { uint32_t v; __asm__ volatile("mov %%cr4, %0" : "=r"(v)); return v; }
static inline void write_cr0(uint32_t v) { __asm__ volatile("mov %0, %%cr0" : : "r"(v) : "memory"); }
static inline void write_cr3(uint32_t v) { __asm__ volatile("mov %0, %%cr3" : : "r"(v) : "memory"); }
static inline void write_cr4(uint32_t v) { __asm__ volatile("mov %0, %%cr4" : : "r"(v) : "memory"); }

static inline void write_dr7(uint32_t v) { __asm__ volatile("mov %0, %%dr7" : : "r"(v)); }

static inline uint32_t read_eflags(void)
{
    uint32_t v;
    __asm__ volatile("pushfl; popl %0" : "=r"(v));
    return v;
}

static inline void interrupts_enable(void)  { __asm__ volatile("sti" ::: "memory"); }
static inline void interrupts_disable(void) { __asm__ volatile("cli" ::: "memory"); }
static inline void halt(void)               { __asm__ volatile("hlt" ::: "memory"); }
/* Enable interrupts and halt in one step, so a wake-up cannot slip between. */
static inline void interrupts_enable_and_halt(void) { __asm__ volatile("sti; hlt" ::: "memory"); }

#endif /* ARCH_IA32_X86_H */
