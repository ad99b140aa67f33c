/*
 * timer.c — the PIT drives the kernel's clock tick (IRQ 0), and the TSC is
 * calibrated against it. Under `-icount shift=0` the TSC counts guest
 * instructions, so the "frequency" printed there is instructions per
 * emulated second, not a real clock.
 */
#include "arch/ia32/trap.h"
#include "arch/ia32/x86.h"
#include "kernel/console.h"
#include "kernel/machine.h"
#include "kernel/trap_handlers.h"

#define PIT_FREQUENCY      1193182u
#define PIT_CHANNEL0       0x40
#define PIT_COMMAND        0x43
#define PIT_MODE_RATE      0x34     /* channel 0, low/high byte, mode 2 */
#define TIMER_IRQ          0
#define CALIBRATION_TICKS  5

static volatile uint64_t timer_ticks;
static uint32_t timer_hz;

static void timer_interrupt(struct trap_frame *frame)
{
    (void)frame;
    timer_ticks++;
    kernel_timer_tick();
}

void machine_timer_init(uint32_t hz)
{
    uint32_t divisor = PIT_FREQUENCY / hz;

    timer_hz = hz;
    outb(PIT_COMMAND, PIT_MODE_RATE);
    outb(PIT_CHANNEL0, divisor & 0xff);
    outb(PIT_CHANNEL0, (divisor >> 8) & 0xff);
    irq_register(TIMER_IRQ, timer_interrupt);
}

uint64_t machine_timer_ticks(void)
{
    return timer_ticks;
}

uint64_t machine_timestamp(void)
{
    return rdtsc();
}

/* Needs interrupts on: counts TSC ticks across whole timer periods. */
uint64_t machine_tsc_calibrate(void)
{
    uint64_t start_tick = timer_ticks;
    uint64_t tsc_start, tsc_end;

    while (timer_ticks == start_tick)        /* align to a tick edge */
        halt();
    tsc_start = rdtsc();
    start_tick = timer_ticks;
    while (timer_ticks < start_tick + CALIBRATION_TICKS)
        halt();
    tsc_end = rdtsc();
    return (tsc_end - tsc_start) * timer_hz / CALIBRATION_TICKS;
}
