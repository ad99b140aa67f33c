/*
 * interrupts_off.h — the interrupt-off window preempt.c measures, opened
 * and closed inline: every kernel entry opens one and every exit closes
 * one, so a call each was a fifth of a null system call on the slow path.
 *
 * The kernel calls begin when it starts running with interrupts off after
 * they were on (every trap entry, after a preemption point, the idle loop
 * waking) and end just before it lets them in again (leaving for user
 * mode, a preemption point, the idle halt). The longest window is kept in
 * preempt_statistics (preempt.h).
 */
#ifndef KERNEL_INTERRUPTS_OFF_H
#define KERNEL_INTERRUPTS_OFF_H

#include <stdbool.h>
#include <stdint.h>

#include "kernel/machine.h"
#include "kernel/preempt.h"

struct interrupts_off_window {
    uint64_t since;                  /* TSC when interrupts last went off */
    bool open;                       /* since is valid */
};
extern struct interrupts_off_window interrupts_off_window;
extern uint32_t work_since_point;    /* preempt.c: units of work since the last point, or since interrupts went off */

static inline void interrupts_off_begin(void)
{
    work_since_point = 0;            /* a chunk's units are counted from where interrupts went off */
    interrupts_off_window.since = machine_timestamp();
    interrupts_off_window.open = true;
}

static inline void interrupts_off_end(void)
{
    if (!interrupts_off_window.open)
        return;
    uint64_t length = machine_timestamp() - interrupts_off_window.since;
    if (length > preempt_statistics.longest_interrupts_off)
        preempt_statistics.longest_interrupts_off = length;
    interrupts_off_window.open = false;
}

#endif
