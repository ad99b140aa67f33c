/*
 * syscall_machine.c — system calls about the machine itself: what the
 * preemption points have seen (the longest time interrupts were off).
 */
#include "bursar/errors.h"
#include "kernel/preempt.h"
#include "kernel/syscall.h"

int sys_preempt_stats(struct thread *caller, const struct machine_registers *r, uint32_t results[4])
{
    (void)caller;
    if (r->argument[0] > 1)
        return -BURSAR_E_INVALID_ARGUMENT;
    results[0] = (uint32_t)preempt_statistics.longest_interrupts_off;
    results[1] = (uint32_t)(preempt_statistics.longest_interrupts_off >> 32);
    results[2] = preempt_statistics.points;
    results[3] = preempt_statistics.switches;
    if (r->argument[0] == 1)
        preempt_statistics = (struct preempt_statistics){ 0 };
    return BURSAR_OK;
}
