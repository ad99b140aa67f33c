/*
 * machine_fast_inline.h — the few machine operations the IPC fast path
 * needs inline, because it counts every instruction (their contract:
 * kernel/machine_fast.h, which includes this through the fast path's own
 * include path, SConstruct). Everything else about the machine is a
 * function. The FPU switch, which the slow path's switch needs inline
 * too, is in machine_fpu_inline.h.
 */
#ifndef ARCH_IA32_MACHINE_FAST_INLINE_H
#define ARCH_IA32_MACHINE_FAST_INLINE_H

#include <stdint.h>

#include "arch/ia32/segments.h"
#include "arch/ia32/trap.h"
#include "kernel/machine.h"

_Static_assert(MACHINE_UTCB_SEGMENT == SELECTOR_USER_UTCB, "the UTCB selector machine_fast_switch loads");

extern uint32_t utcb_pointer_page[];    /* paging.c: word 0 is what user mode reads as %gs:0 */

/*
 * machine_address_space_activate(), by the directory's physical address.
 * Always inline, here and below: with three callers GCC would otherwise
 * move the CR3 load out of line, a call and a return on every IPC.
 */
static inline __attribute__((always_inline)) void machine_fast_address_space(uint32_t page_directory_physical)
{
    uint32_t loaded;

    __asm__ volatile("movl %%cr3, %0" : "=r"(loaded));
    if (loaded != page_directory_physical) {
        __asm__ volatile("movl %0, %%cr3" : : "r"(page_directory_physical) : "memory");
        machine_counters.address_space_switches++;
    }
}

/*
 * Make the thread whose kernel stack ends at `stack_top` the one the next
 * entry from user mode lands on, in this address space and with the UTCB
 * whose address `utcb` points at. The selector after that address makes
 * the pair a far pointer: one lgs takes the address and loads %gs for the
 * exit (machine_fast_exit), where it would cost an instruction of its own.
 */
static inline __attribute__((always_inline)) void machine_fast_switch(void *stack_top, uint32_t page_directory_physical,
                                                                      const uint32_t *utcb)
{
    uint32_t utcb_address;

    kernel_tss.esp0 = (uint32_t)stack_top;
    __asm__ volatile("lgs %1, %0" : "=r"(utcb_address) : "m"(*(const uint8_t(*)[6])utcb));
    utcb_pointer_page[0] = utcb_address;
    machine_fast_address_space(page_directory_physical);
}

/* %gs for the exit when there was no machine_fast_switch: the UTCB selector, from a word in memory. */
static inline __attribute__((always_inline)) void machine_fast_utcb_segment(void)
{
    __asm__ volatile("movw user_utcb_selector, %%gs" : : : "memory");
}

/*
 * Leave the kernel into the thread whose kernel stack ends at `stack_top`,
 * at the user esp and eip in its frame, with eax 0 (no error), ebx `word0`
 * and esi, edi, ebp as they are: the message travels in them untouched.
 * Only the fast path may use it, from the sysenter entry's stack: it
 * abandons the kernel stack as it stands. Everything else is what any
 * system call returns with (docs/abi.md §1), never the caller's: %ds and
 * %es hold the user data selector since the entry; %fs gets it with MR0
 * (one lfs, sysenter.S); %gs holds the UTCB selector since
 * machine_fast_switch or machine_fast_utcb_segment, one of which the
 * caller must have used; eflags is KERNEL_EFLAGS since the entry
 * but for the arithmetic flags, which xor (OF, CF) and sahf with ah = 0
 * (SF ZF AF PF CF) clear, so sti leaves exactly USER_EFLAGS.
 */
static inline __attribute__((always_inline, noreturn)) void machine_fast_exit(void *stack_top, uint32_t word0)
{
    const struct trap_frame *frame = (const struct trap_frame *)stack_top - 1;

    __asm__ volatile("lfs fast_path_word0, %%edi\n\t"
                     "xorl %%eax, %%eax\n\t"
                     "sahf\n\t"
                     "sti\n\t"
                     "sysexit"
                     : : "b"(word0), "c"(frame->user_esp), "d"(frame->eip) : "eax", "memory");
    __builtin_unreachable();
}

/* The second half of machine_fpu_switch(), after machine_fast_copy_words() saved the first. */
static inline __attribute__((always_inline)) void machine_fpu_load(const void *load)
{
    __asm__ volatile("fxrstor %0" : : "m"(*(const uint8_t(*)[512])load));
}

/*
 * MR2 .. MR(untyped - 1) from the current thread's UTCB (`sender`) to
 * `receiver`'s, leaving the receiver's address space loaded (counted as
 * machine_fast_address_space counts it) and the sender's FPU state saved
 * (the copy goes through the SSE registers). If either UTCB faults it does
 * not return: nothing was written, and it declines the call (a call if the
 * receiver is RECEIVING, else a reply-and-wait) after loading the
 * sender's FPU state and address space again.
 * arch/ia32/fast_copy.S says how; the thread offsets it uses are in
 * kernel/ipc_fastpath.h.
 */
static inline __attribute__((always_inline)) void machine_fast_copy_words(const void *sender, const void *receiver,
                                                                          uint32_t untyped)
{
    __asm__ volatile("call fast_copy_words"
                     : "+a"(sender), "+c"(untyped)
                     : "d"(receiver)
                     : "cc", "memory");
}

/*
 * machine_fast_switch() after machine_fast_copy_words(), which loaded the
 * next thread's address space already.
 */
static inline __attribute__((always_inline)) void machine_fast_switch_loaded(void *stack_top, const uint32_t *utcb)
{
    uint32_t utcb_address;

    kernel_tss.esp0 = (uint32_t)stack_top;
    __asm__ volatile("lgs %1, %0" : "=r"(utcb_address) : "m"(*(const uint8_t(*)[6])utcb));
    utcb_pointer_page[0] = utcb_address;
}

/* The fast path declines the call whose eax was `eax`: on through the slow path (sysenter.S). */
static inline __attribute__((noreturn)) void machine_fast_bail(uint32_t eax)
{
    __asm__ volatile("jmp sysenter_fast_path_bail" : : "a"(eax) : "memory");
    __builtin_unreachable();
}

#endif /* ARCH_IA32_MACHINE_FAST_INLINE_H */
