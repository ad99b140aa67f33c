/*
 * trap.c — where every interrupt, exception and int-based system call
 * arrives (from vectors.S). Device interrupts go to their registered
 * handler; a CPU exception in kernel mode is a kernel bug: it prints the
 * registers, the faulting address and a backtrace, then stops the machine as
 * a failure the test harness recognises.
 */
#include "arch/ia32/pic.h"
#include "arch/ia32/segments.h"
#include "arch/ia32/trap.h"
#include "arch/ia32/x86.h"
#include "kernel/console.h"
#include "kernel/machine.h"
#include "kernel/interrupts_off.h"
#include "kernel/preempt.h"
#include "kernel/trap_handlers.h"

static irq_handler irq_handlers[VECTOR_IRQ_COUNT];
static bool irq_claimed[VECTOR_IRQ_COUNT];      /* by an IRQ object: the kernel's handler steps aside */
static void trap_handle(struct trap_frame *frame);

static const char *const exception_names[VECTOR_EXCEPTION_COUNT] = {
    [VECTOR_DIVIDE] = "divide error",           [VECTOR_DEBUG] = "debug",
    [VECTOR_NMI] = "non-maskable interrupt",    [VECTOR_BREAKPOINT] = "breakpoint",
    [VECTOR_OVERFLOW] = "overflow",             [VECTOR_BOUND] = "bound range exceeded",
    [VECTOR_INVALID_OPCODE] = "invalid opcode", [VECTOR_NO_FPU] = "device not available",
    [VECTOR_DOUBLE_FAULT] = "double fault",     [VECTOR_INVALID_TSS] = "invalid TSS",
    [VECTOR_SEGMENT_MISSING] = "segment not present", [VECTOR_STACK_FAULT] = "stack fault",
    [VECTOR_GENERAL_PROTECTION] = "general protection fault",
    [VECTOR_PAGE_FAULT] = "page fault",         [VECTOR_FPU_ERROR] = "x87 floating point error",
    [VECTOR_ALIGNMENT] = "alignment check",     [VECTOR_MACHINE_CHECK] = "machine check",
    [VECTOR_SIMD] = "SIMD floating point error",
};

const char *machine_exception_name(uint32_t vector)
{
    if (vector < VECTOR_EXCEPTION_COUNT && exception_names[vector])
        return exception_names[vector];
    return "reserved exception";
}

void irq_register(unsigned irq, irq_handler handler)
{
    KERNEL_ASSERT(irq < VECTOR_IRQ_COUNT);
    irq_handlers[irq] = handler;
    pic_unmask(irq);
}

/* The timer drives the scheduler; line 2 is the second PIC's cascade. */
bool machine_irq_claimable(unsigned line)
{
    return line < VECTOR_IRQ_COUNT && line != 0 && line != 2;
}

void machine_irq_claim(unsigned line)
{
    irq_claimed[line] = true;
    pic_mask(line);
}

void machine_irq_release(unsigned line)
{
    irq_claimed[line] = false;
    if (irq_handlers[line])
        pic_unmask(line);
    else
        pic_mask(line);
}

void machine_irq_mask(unsigned line)   { pic_mask(line); }
void machine_irq_unmask(unsigned line) { pic_unmask(line); }

void trap_print_frame(const struct trap_frame *frame)
{
    kprintf("  eax %08x  ebx %08x  ecx %08x  edx %08x\n", frame->eax, frame->ebx, frame->ecx, frame->edx);
    kprintf("  esi %08x  edi %08x  ebp %08x  esp %08x\n", frame->esi, frame->edi, frame->ebp,
            trap_from_user(frame) ? frame->user_esp : (uint32_t)&frame->user_esp);
    kprintf("  eip %08x  cs %04x  eflags %08x  error %08x\n", frame->eip, frame->cs, frame->eflags,
            frame->error_code);
    kprintf("  cr0 %08x  cr2 %08x  cr3 %08x  cr4 %08x\n", read_cr0(), read_cr2(), read_cr3(), read_cr4());
}

/*
 * The IPC fast path's copy of a long message (fast_copy.S) reads and
 * writes UTCBs through the user's mappings and lets the hardware check
 * them: a page fault there is a UTCB not mapped (or not writable), and
 * goes on at its fixup, which puts things back and declines the call.
 * Any other kernel exception is a bug.
 */
extern const char fast_copy_user_accesses[], fast_copy_words_end[], fast_copy_fault[];

/* Only the copies' own accesses, and only to user addresses: a fault anywhere else there is a bug. */
static bool fast_copy_fixed_up(struct trap_frame *frame)
{
    if (frame->vector != VECTOR_PAGE_FAULT || frame->eip < (uint32_t)fast_copy_user_accesses ||
        frame->eip >= (uint32_t)fast_copy_words_end || read_cr2() >= MACHINE_USER_TOP)
        return false;
    frame->eip = (uint32_t)fast_copy_fault;
    machine_counters.kernel_entries--;     /* the fast path's own; its bail to the slow path is counted */
    return true;
}

static void kernel_exception(struct trap_frame *frame)
{
    if (fast_copy_fixed_up(frame))
        return;
    kprintf("\nkernel exception %u (%s) at eip %08x", frame->vector, machine_exception_name(frame->vector), frame->eip);
    if (frame->vector == VECTOR_PAGE_FAULT)
        kprintf(", faulting address %08x (%s, %s)", read_cr2(),
                (frame->error_code & 1) ? "protection" : "not present",
                (frame->error_code & 2) ? "write" : "read");
    kprintf("\n");
    trap_print_frame(frame);
    backtrace_from(frame->eip, frame->ebp);
    panic_after_dump("kernel exception %u (%s)", frame->vector, machine_exception_name(frame->vector));
}

static void device_interrupt(struct trap_frame *frame)
{
    unsigned irq = frame->vector - VECTOR_IRQ_BASE;

    if (pic_is_spurious(irq))
        return;
    if (irq_claimed[irq]) {
        pic_mask(irq);                       /* until the IRQ object is acknowledged */
        pic_end_of_interrupt(irq);
        kernel_user_irq(irq);
        return;
    }
    pic_end_of_interrupt(irq);
    if (irq_handlers[irq])
        irq_handlers[irq](frame);
}

/* Interrupts were on before this trap: user mode, the idle halt or a preemption point. */
static bool interrupts_were_on(const struct trap_frame *frame)
{
    return trap_from_user(frame) || (frame->eflags & EFLAGS_IF);
}

void trap_dispatch(struct trap_frame *frame)
{
    if (interrupts_were_on(frame))
        interrupts_off_begin();
    trap_handle(frame);
    /* After any switch, frame is the frame of the thread about to leave through it. */
    if (interrupts_were_on(frame))
        interrupts_off_end();
}

/*
 * A system call returns with the state docs/abi.md §1 defines, whichever
 * entry it came by and whatever the caller had in these: only IF set, the
 * flat user data selector in %ds, %es and %fs, the UTCB selector in %gs.
 * (sysenter.S's slow path builds its frame so; the IPC fast path's exit
 * gives the same; the tests compare them.)
 */
static void syscall_frame_reset(struct trap_frame *frame)
{
    frame->eflags = USER_EFLAGS;
    frame->ds = frame->es = frame->fs = SELECTOR_USER_DATA;
    frame->gs = SELECTOR_USER_UTCB;
}

static void trap_handle(struct trap_frame *frame)
{
    if (frame->vector >= VECTOR_IRQ_BASE && frame->vector < VECTOR_IRQ_BASE + VECTOR_IRQ_COUNT) {
        device_interrupt(frame);
    } else if (frame->vector == VECTOR_SYSCALL) {   /* sysenter's come by sysenter.S, reset already */
        syscall_frame_reset(frame);
        kernel_syscall(frame);
    } else if (trap_from_user(frame)) {
        kernel_user_exception(frame->vector, frame);
    } else {
        kernel_exception(frame);
    }
}

/*
 * Entered as a hardware task on a double fault (gdt.c): the faulting
 * state was saved in the kernel TSS.
 */
void double_fault_task_entry(void)
{
    const struct tss *state = double_fault_previous_state();

    kprintf("\nkernel exception 8 (double fault) at eip %08x, esp %08x\n", state->eip, state->esp);
    kprintf("  eax %08x  ebx %08x  ecx %08x  edx %08x\n", state->eax, state->ebx, state->ecx, state->edx);
    kprintf("  esi %08x  edi %08x  ebp %08x  cr3 %08x\n", state->esi, state->edi, state->ebp, state->cr3);
    kprintf("  (often a kernel stack overflow)\n");
    backtrace_from(state->eip, state->ebp);
    panic_after_dump("double fault");
}
