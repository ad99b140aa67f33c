/*
 * machine.h — everything the generic kernel asks of the machine. The kernel
 * includes this header, never an arch/ one; arch/ia32 implements it. That is
 * the dependency rule: arch → kernel → mapdb, kheap and lib, and never back.
 */
#ifndef KERNEL_MACHINE_H
#define KERNEL_MACHINE_H

#include <stdbool.h>
#include <stdint.h>

#include "bursar/cpu.h"
#include "kernel/boot_info.h"

/* Console line (COM1 on ia32). */
void machine_console_init(void);
void machine_console_putc(char c);
int  machine_console_getc(void);          /* -1 when nothing is waiting */
/* Deliver received characters to debug_console_key() by interrupt. */
void machine_console_input_init(void);

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
/* Let pending interrupts in, then turn them off again (a kernel preemption point). */
void machine_interrupt_window(void);

/*
 * Device interrupt lines handed to user space (kernel/irq.c). A claimed line
 * goes to kernel_user_irq() instead of the kernel's own handler, if any;
 * released, it goes back to that handler (or stays masked). Lines the
 * kernel cannot give away (timer, cascade) are refused.
 */
#define MACHINE_IRQ_LINES 16
bool machine_irq_claimable(unsigned line);
void machine_irq_claim(unsigned line);
void machine_irq_release(unsigned line);
void machine_irq_mask(unsigned line);
void machine_irq_unmask(unsigned line);
/* I/O ports (ia32): the kernel's own machinery (PIC, PIT, debug exit) is not for users. */
bool machine_io_port_allowed(uint32_t port, uint32_t width);
/* May ports first .. first + count - 1 be given out (none of them the kernel's own)? */
bool machine_io_ports_grantable(uint32_t first, uint32_t count);
uint32_t machine_io_port_read(uint32_t port, uint32_t width);
void machine_io_port_write(uint32_t port, uint32_t width, uint32_t value);

/* Print the call chain from the caller's frame (symbolic where possible). */
void machine_backtrace(void);

/* Leave QEMU through isa-debug-exit with this code; halt forever if absent. */
void machine_exit(uint32_t code) __attribute__((noreturn));
/* Stop the machine after a fatal error: exits with BURSAR_EXIT_FAILURE. */
void machine_halt_after_panic(void) __attribute__((noreturn));

/* Events counted by the machine layer, for the benchmarks. */
struct machine_counters {
    uint32_t kernel_entries;
    uint32_t address_space_switches;
};
extern struct machine_counters machine_counters;

/* The CPU's name for an exception vector ("page fault"), for log lines. */
const char *machine_exception_name(uint32_t vector);
/* The address a page fault was about (read right after the fault). */
uint32_t machine_fault_address(void);
#define MACHINE_PAGE_FAULT_VECTOR 14

/* Physical ↔ kernel-virtual for the direct-mapped part of memory. */
void *machine_physical_to_virtual(uint64_t physical);
uint64_t machine_virtual_to_physical(const void *virtual_address);

/* The kernel image in physical memory (page-aligned). */
uint64_t machine_kernel_image_start(void);
uint64_t machine_kernel_image_end(void);
/* Highest physical address the kernel maps 1:1 (exclusive). */
uint64_t machine_direct_map_limit(void);

/*
 * Threads. A thread's saved user state is a `struct trap_frame` at the top of
 * its kernel stack; the kernel treats it as opaque and goes through these.
 */
struct trap_frame;
struct machine_registers {
    uint32_t number;                 /* eax on entry: system call number and timeouts */
    uint32_t argument[4];            /* ebx, esi, edi, ebp */
};

/*
 * The IPC fast path (kernel/ipc_fastpath.c) is called by the sysenter entry
 * with the caller's registers still live; it changes no saved frame. For a
 * thread it switches to, the entry's exit takes that thread's user stack and
 * instruction pointer from its frame, which it left there when it entered.
 * The operations it needs inline are in kernel/machine_fast.h, which only
 * the fast path includes.
 *
 * The selector that follows a thread's UTCB address in struct thread, so
 * that the fast path's switch loads both with one instruction: the ABI's
 * UTCB selector (bursar/cpu.h), which the arch checks is its own.
 */
#define MACHINE_UTCB_SEGMENT BURSAR_SELECTOR_UTCB

/*
 * A thread's x87/SSE state: MACHINE_FPU_STATE_SIZE bytes aligned to
 * MACHINE_FPU_STATE_ALIGN, inside its TCB. machine_fpu_state_init() makes
 * it the state a thread starts with; a switch saves the running thread's
 * and loads the next one's with machine_fpu_switch (kernel/machine_fpu.h).
 */
#define MACHINE_FPU_STATE_SIZE 512u
#define MACHINE_FPU_STATE_ALIGN 16u
void machine_fpu_state_init(void *state);

/* Build a new thread's stack so that switching to it enters user mode at ip/sp. */
uint32_t machine_thread_stack_init(void *stack_top, uint32_t ip, uint32_t sp);
/*
 * A thread the IPC fast path blocked has no switch frame on its stack and
 * only its user stack and instruction pointer in its frame: complete the
 * frame and give it a switch frame that returns straight to user mode.
 * Returns the value for its saved stack pointer.
 */
uint32_t machine_thread_return_frame(void *stack_top);
/*
 * A thread's saved frame, read and written inline: the slow path does it on
 * every call, and a call each cost more than the access. The kernel still
 * knows only this of it: the frame is the MACHINE_FRAME_SIZE bytes at the
 * top of the thread's kernel stack, and a system call's number (its result
 * on the way back) and four words are the 32-bit words at these indexes in
 * it. The arch checks them against its own frame (arch/ia32/thread_state.c).
 */
#define MACHINE_FRAME_SIZE 76u
#define MACHINE_FRAME_NUMBER 11u
#define MACHINE_FRAME_WORD_0 8u
#define MACHINE_FRAME_WORD_1 5u
#define MACHINE_FRAME_WORD_2 4u
#define MACHINE_FRAME_WORD_3 6u

/* The user frame at the top of a kernel stack. */
static inline struct trap_frame *machine_thread_frame(void *stack_top)
{
    return (struct trap_frame *)((uint8_t *)stack_top - MACHINE_FRAME_SIZE);
}

static inline void machine_frame_read(const struct trap_frame *frame, struct machine_registers *out)
{
    const uint32_t *word = (const uint32_t *)frame;

    out->number = word[MACHINE_FRAME_NUMBER];
    out->argument[0] = word[MACHINE_FRAME_WORD_0];
    out->argument[1] = word[MACHINE_FRAME_WORD_1];
    out->argument[2] = word[MACHINE_FRAME_WORD_2];
    out->argument[3] = word[MACHINE_FRAME_WORD_3];
}

/* Set what the thread sees on return: the result and the four words. */
static inline void machine_frame_write_result(struct trap_frame *frame, int32_t result, const uint32_t words[4])
{
    uint32_t *word = (uint32_t *)frame;

    word[MACHINE_FRAME_NUMBER] = (uint32_t)result;
    word[MACHINE_FRAME_WORD_0] = words[0];
    word[MACHINE_FRAME_WORD_1] = words[1];
    word[MACHINE_FRAME_WORD_2] = words[2];
    word[MACHINE_FRAME_WORD_3] = words[3];
}

static inline void machine_frame_set_result(struct trap_frame *frame, int32_t result)
{
    ((uint32_t *)frame)[MACHINE_FRAME_NUMBER] = (uint32_t)result;
}

/* The result a system call left in its frame. */
static inline int32_t machine_frame_result(const struct trap_frame *frame)
{
    return (int32_t)((const uint32_t *)frame)[MACHINE_FRAME_NUMBER];
}
uint32_t machine_frame_instruction(const struct trap_frame *frame);
uint32_t machine_frame_stack(const struct trap_frame *frame);
/*
 * A user exception as its handler sees it (bursar/fault.h), and the
 * registers a handler's reply may set: only eip, esp, the general registers
 * and BURSAR_EXCEPTION_EFLAGS_SETTABLE; vector and error code are ignored.
 */
struct bursar_exception_state;
void machine_frame_exception_state(const struct trap_frame *frame, struct bursar_exception_state *out);
void machine_frame_set_exception_state(struct trap_frame *frame, const struct bursar_exception_state *state);
/* A user page fault's access (BURSAR_ACCESS_* bits), from the CPU's error code. */
uint32_t machine_page_fault_access(const struct trap_frame *frame);
/* Save the current kernel stack pointer in *save and continue on next. */
void machine_switch_context(uint32_t *save, uint32_t next);
/* The thread about to run: kernel stack for entries, UTCB segment base. */
void machine_thread_activate(void *stack_top, uint32_t utcb_address);
/*
 * The same and the thread's address space (its page directory's physical
 * address) in one call, for the slow path's switch to a thread of a task;
 * as for the fast path's, the UTCB address is followed by
 * MACHINE_UTCB_SEGMENT.
 */
void machine_thread_activate_in_space(void *stack_top, const uint32_t *utcb_address,
                                      uint32_t page_directory_physical);

/* Address spaces. A page directory and page tables are 4 KiB kernel pages. */
void machine_address_space_init(uint32_t *page_directory);
void machine_address_space_activate(const uint32_t *page_directory);
/* Only the kernel half: for when the current task's directory is going away. */
void machine_address_space_activate_kernel(void);
uint32_t *machine_page_table_of(const uint32_t *page_directory, uint32_t address);
void machine_page_table_install(uint32_t *page_directory, uint32_t address, uint32_t *page_table);
void machine_page_table_remove(uint32_t *page_directory, uint32_t address);
uint32_t *machine_pte_of(uint32_t *page_table, uint32_t address);
void machine_pte_set(uint32_t *pte, uint64_t physical, bool writable);
void machine_pte_clear(uint32_t *pte);
bool machine_pte_present(uint32_t pte);
bool machine_pte_writable(uint32_t pte);
uint64_t machine_pte_physical(uint32_t pte);
void machine_tlb_flush_page(uint32_t address);
/* The page directory loaded now (kernel-virtual). */
const uint32_t *machine_current_page_directory(void);

#define MACHINE_PAGE_SIZE 4096u
#define MACHINE_USER_TOP 0xC0000000u
#define MACHINE_LARGE_PAGE 0x400000u     /* what one page table covers */
/*
 * Physical memory below this address is the PC's low memory (firmware data,
 * video memory, option ROMs among the RAM the map reports): the kernel
 * places nothing of its own there, neither the fixed reservation nor the
 * root task's frames.
 */
#define MACHINE_LOW_MEMORY_END 0x100000u

#endif /* KERNEL_MACHINE_H */
