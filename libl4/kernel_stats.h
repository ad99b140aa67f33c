/*
 * kernel_stats.h — what the kernel measures about itself: the longest time
 * it kept interrupts off, and how its preemption points were used
 * (SYS_PREEMPT_STATS, docs/abi.md).
 */
#ifndef LIBL4_KERNEL_STATS_H
#define LIBL4_KERNEL_STATS_H

#include "libl4/l4.h"

struct l4_preempt_stats {
    uint64_t longest_interrupts_off;   /* TSC ticks (guest instructions under -icount shift=0) */
    uint32_t points;                   /* preemption points passed */
    uint32_t switches;                 /* of those, how many let another thread run */
};

/*
 * Read the counters; with `reset` they start again from zero afterwards.
 * `debug` is a capability to the kernel's debug object (READ; WRITE too to
 * reset); the root task's is in BURSAR_SLOT_DEBUG.
 */
static inline int l4_preempt_stats(unsigned debug, struct l4_preempt_stats *stats, int reset)
{
    struct l4_words w = { .ebx = debug, .esi = reset ? 1u : 0u };
    int error = l4_sysenter_inline(SYS_PREEMPT_STATS, &w);

    stats->longest_interrupts_off = (uint64_t)w.esi << 32 | w.ebx;
    stats->points = w.edi;
    stats->switches = w.ebp;
    return error;
}

#endif /* LIBL4_KERNEL_STATS_H */
