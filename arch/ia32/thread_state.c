/*
 * thread_state.c — a thread's saved user registers (the trap frame at the
 * top of its kernel stack), how a new thread's stack is laid out, and what
 * changes in the CPU when another thread is about to run.
 */
#include "arch/ia32/inline/machine_fast_inline.h"     /* utcb_pointer_page */
#include "arch/ia32/segments.h"
#include "arch/ia32/trap.h"
#include "arch/ia32/x86.h"
#include "bursar/fault.h"
#include "kernel/machine.h"

#include <stddef.h>

#define MSR_SYSENTER_CS  0x174
#define MSR_SYSENTER_ESP 0x175
#define MSR_SYSENTER_EIP 0x176

void switch_context(uint32_t *save, uint32_t next);
void thread_first_return(void);
void sysenter_entry(void);

/* What switch_context pops, lowest address first. */
struct switch_frame {
    uint32_t edi, esi, ebx, ebp;
    uint32_t return_address;
};
_Static_assert(sizeof(struct switch_frame) == 20, "switch.S pushes four registers and returns");

static inline void write_msr(uint32_t msr, uint32_t value)
{
    __asm__ volatile("wrmsr" : : "c"(msr), "a"(value), "d"(0));
}

/*
 * sysenter's own stack holds the flags word its first instruction pops and
 * room for a debug trap's frame below it; the second instruction loads the
 * current thread's kernel stack from the TSS (sysenter.S). So the MSR is
 * set once.
 */
void sysenter_init(void)
{
    write_msr(MSR_SYSENTER_CS, SELECTOR_KERNEL_CODE);
    write_msr(MSR_SYSENTER_EIP, (uint32_t)sysenter_entry);
    write_msr(MSR_SYSENTER_ESP, (uint32_t)sysenter_stack_top);
}

/* kernel/machine.h's inline accessors know the frame by these. */
_Static_assert(sizeof(struct trap_frame) == MACHINE_FRAME_SIZE, "the frame machine.h reads");
_Static_assert(offsetof(struct trap_frame, eax) == 4 * MACHINE_FRAME_NUMBER &&
               offsetof(struct trap_frame, ebx) == 4 * MACHINE_FRAME_WORD_0 &&
               offsetof(struct trap_frame, esi) == 4 * MACHINE_FRAME_WORD_1 &&
               offsetof(struct trap_frame, edi) == 4 * MACHINE_FRAME_WORD_2 &&
               offsetof(struct trap_frame, ebp) == 4 * MACHINE_FRAME_WORD_3,
               "a system call's registers where machine.h reads them");

/* A switch frame under the user frame that returns straight to user mode. */
static uint32_t return_to_user_frame(void *stack_top)
{
    struct switch_frame *to_user = (struct switch_frame *)machine_thread_frame(stack_top) - 1;

    to_user->return_address = (uint32_t)thread_first_return;
    return (uint32_t)to_user;
}

/*
 * The IPC fast path's entry left only the user esp and eip in the frame
 * (sysenter.S); the rest is from some earlier entry. Make it the frame of a
 * sysenter call, which is what it was.
 */
uint32_t machine_thread_return_frame(void *stack_top)
{
    struct trap_frame *frame = machine_thread_frame(stack_top);

    frame->gs = SELECTOR_USER_UTCB;
    frame->fs = frame->es = frame->ds = SELECTOR_USER_DATA;
    frame->vector = VECTOR_SYSENTER;
    frame->error_code = 0;
    frame->cs = SELECTOR_USER_CODE;
    frame->eflags = USER_EFLAGS;
    frame->user_ss = SELECTOR_USER_DATA;
    return return_to_user_frame(stack_top);
}

uint32_t machine_thread_stack_init(void *stack_top, uint32_t ip, uint32_t sp)
{
    struct trap_frame *frame = machine_thread_frame(stack_top);

    *frame = (struct trap_frame){
        .gs = SELECTOR_USER_UTCB, .fs = SELECTOR_USER_DATA,
        .es = SELECTOR_USER_DATA, .ds = SELECTOR_USER_DATA,
        .vector = VECTOR_SYSCALL,          /* leave by iret: nothing to sysexit to */
        .eip = ip, .cs = SELECTOR_USER_CODE, .eflags = USER_EFLAGS,
        .user_esp = sp, .user_ss = SELECTOR_USER_DATA,
    };
    return return_to_user_frame(stack_top);
}

uint32_t machine_frame_instruction(const struct trap_frame *frame) { return frame->eip; }
uint32_t machine_frame_stack(const struct trap_frame *frame)       { return frame->user_esp; }

void machine_frame_exception_state(const struct trap_frame *frame, struct bursar_exception_state *out)
{
    *out = (struct bursar_exception_state){
        .vector = frame->vector, .error_code = frame->error_code,
        .eip = frame->eip, .esp = frame->user_esp, .eflags = frame->eflags,
        .eax = frame->eax, .ecx = frame->ecx, .edx = frame->edx, .ebx = frame->ebx,
        .ebp = frame->ebp, .esi = frame->esi, .edi = frame->edi,
    };
}

/* Never cs, ss, the data segments, IF, IOPL or any other privileged bit. */
_Static_assert((BURSAR_EXCEPTION_EFLAGS_SETTABLE & ~(EFLAGS_CF | EFLAGS_PF | EFLAGS_AF | EFLAGS_ZF | EFLAGS_SF |
                                                    EFLAGS_DF | EFLAGS_OF)) == 0,
               "an exception handler sets only the arithmetic flags and DF");
void machine_frame_set_exception_state(struct trap_frame *frame, const struct bursar_exception_state *state)
{
    frame->eip = state->eip;
    frame->user_esp = state->esp;
    frame->eflags = (frame->eflags & ~BURSAR_EXCEPTION_EFLAGS_SETTABLE) |
                    (state->eflags & BURSAR_EXCEPTION_EFLAGS_SETTABLE);
    frame->eax = state->eax;
    frame->ecx = state->ecx;
    frame->edx = state->edx;
    frame->ebx = state->ebx;
    frame->ebp = state->ebp;
    frame->esi = state->esi;
    frame->edi = state->edi;
}

/* Page-fault error code: bit 0 the page was present, bit 1 a write, bit 4 a fetch (NX only). */
uint32_t machine_page_fault_access(const struct trap_frame *frame)
{
    return ((frame->error_code & 2) ? BURSAR_ACCESS_WRITE : 0) |
           ((frame->error_code & 16) ? BURSAR_ACCESS_EXECUTE : 0) |
           ((frame->error_code & 1) ? BURSAR_ACCESS_PRESENT : 0);
}

void machine_switch_context(uint32_t *save, uint32_t next)
{
    switch_context(save, next);
}

/*
 * Entries from user mode must land on this thread's kernel stack: int,
 * interrupts and sysenter all take it from the TSS. The UTCB segment's new
 * base takes effect when the return path reloads %gs.
 */
void machine_thread_activate(void *stack_top, uint32_t utcb_address)
{
    tss_set_kernel_stack((uint32_t)stack_top);
    utcb_pointer_page[0] = utcb_address;
}

/* The fast path's switch (machine_fast_inline.h), one call for all three. */
void machine_thread_activate_in_space(void *stack_top, const uint32_t *utcb_address,
                                      uint32_t page_directory_physical)
{
    machine_fast_switch(stack_top, page_directory_physical, utcb_address);
}
