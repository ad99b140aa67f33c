/*
 * machine.c — the small parts of kernel/machine.h that need no file of
 * their own: CPU start-up order, console hooks, interrupts, the direct map
 * and the way out of QEMU.
 */
#include "arch/ia32/layout.h"
#include "arch/ia32/pic.h"
#include "arch/ia32/segments.h"
#include "arch/ia32/serial.h"
#include "arch/ia32/trap.h"
#include "arch/ia32/x86.h"
#include "bursar/console_protocol.h"
#include "kernel/debug.h"
#include "kernel/machine.h"

extern char kernel_image_start[], kernel_image_end[];

struct machine_counters machine_counters;
_Static_assert(__builtin_offsetof(struct machine_counters, kernel_entries) == 0 &&
               __builtin_offsetof(struct machine_counters, address_space_switches) == 4,
               "vectors.S, sysenter.S and fast_copy.S count in these words");

void machine_console_init(void)   { serial_init(); }
void machine_console_putc(char c) { serial_putc(c); }
int  machine_console_getc(void)   { return serial_getc_nonblocking(); }


#define SERIAL_IRQ 4

static void serial_interrupt(struct trap_frame *frame)
{
    int c;

    (void)frame;
    while ((c = serial_getc_nonblocking()) >= 0)
        debug_console_key((char)c);
}

void machine_console_input_init(void)
{
    irq_register(SERIAL_IRQ, serial_interrupt);
    serial_enable_receive_interrupt();
}

/* DR7 with no breakpoint enabled (bit 10 always reads 1). */
#define DR7_NONE 0x400

/*
 * What the boot loader may have left: no alignment checks (so a user's AC
 * does nothing) and no debug breakpoint.
 */
static void control_registers_init(void)
{
    write_cr0(read_cr0() & ~CR0_AM);
    write_dr7(DR7_NONE);
}

void machine_cpu_init(void)
{
    control_registers_init();
    fpu_init();
    gdt_init();
    idt_init();
    pic_init();
    sysenter_init();
}

void machine_interrupts_enable(void)  { interrupts_enable(); }
void machine_interrupts_disable(void) { interrupts_disable(); }
void machine_wait_for_interrupt(void) { interrupts_enable_and_halt(); }
/* sti takes effect after the next instruction: the nop is where interrupts come in. */
void machine_interrupt_window(void)   { __asm__ volatile("sti; nop; cli" ::: "memory"); }

void *machine_physical_to_virtual(uint64_t physical)
{
    return (void *)(uintptr_t)(physical + KERNEL_BASE);
}

uint64_t machine_virtual_to_physical(const void *virtual_address)
{
    return (uintptr_t)virtual_address - KERNEL_BASE;
}

uint32_t machine_fault_address(void) { return read_cr2(); }

uint64_t machine_kernel_image_start(void) { return machine_virtual_to_physical(kernel_image_start); }
uint64_t machine_kernel_image_end(void)   { return machine_virtual_to_physical(kernel_image_end); }
uint64_t machine_direct_map_limit(void)   { return KERNEL_DIRECT_MAP_MAX; }

void machine_exit(uint32_t code)
{
    interrupts_disable();
    outl(BURSAR_DEBUG_EXIT_PORT, code);
    /* No isa-debug-exit device (real hardware, or QEMU without it): stop here. */
    for (;;)
        halt();
}

void machine_halt_after_panic(void)
{
    machine_exit(BURSAR_EXIT_FAILURE);
}
