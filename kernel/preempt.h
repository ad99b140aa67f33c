/*
 * preempt.h — preemption points for long kernel operations, and the
 * measure of how long interrupts stay off.
 *
 * The kernel runs with interrupts off. An operation whose work grows with
 * its input (a revoke, a destroy, an unmap of a range, a heap reclaim) does
 * that work in chunks of PREEMPT_CHUNK units and calls a preemption point
 * between chunks. There, pending interrupts are taken; if one made a
 * higher-priority thread ready or ended the timeslice, the thread switches
 * away and carries on from the same point when it runs again (each thread
 * has its own kernel stack, so "carrying on" is just returning).
 *
 * Rules for a caller (docs/architecture.md, "Preemptible operations"):
 *   - at a preemption point every shared structure is consistent: other
 *     threads run meanwhile and may revoke, delete or destroy what the
 *     operation is working on;
 *   - the caller must be the running, ready thread (not dead, not idle);
 *   - after a point, re-check anything outside the mapping database before
 *     touching it (mapdb keeps its own cursors right);
 *   - the thread may have been destroyed while it was stopped: then it
 *     finishes the mapdb work in hand (preempt_finish does), stops early
 *     where preempt_destroyed() says so, and never returns to user mode.
 */
#ifndef KERNEL_PREEMPT_H
#define KERNEL_PREEMPT_H

#include <stdbool.h>
#include <stdint.h>

#include "mapdb/mapdb.h"

struct thread;

/*
 * Units of work between two preemption points. A unit is a mapdb step (a
 * record entered, a holder or mapping cleared, a record freed: 180 to 270
 * guest instructions with everything it calls) or what a loop outside
 * mapdb charges for a step of about that cost. 16 keeps a chunk, with the
 * point itself and a system call's entry and exit, under 5 000
 * instructions (docs/benchmarks.md, "Interrupt-off windows").
 */
#define PREEMPT_CHUNK 16u

/* Counted since boot or the last reset (SYS_PREEMPT_STATS). */
struct preempt_statistics {
    uint64_t longest_interrupts_off;   /* TSC ticks: the longest window seen */
    uint32_t points;                   /* preemption points passed */
    uint32_t switches;                 /* points at which another thread ran */
};
extern struct preempt_statistics preempt_statistics;

/* The interrupt-off window is opened and closed inline: kernel/interrupts_off.h. */

/* A preemption point: take pending interrupts, switch away if something else should run. */
void preempt_point(void);
/*
 * Count `units` of work done; every PREEMPT_CHUNK units this is a
 * preemption point. For loops whose steps are not mapdb chunks. True when
 * a point let other threads in (so what was checked must be checked again).
 */
bool preempt_work(uint32_t units);
/*
 * The same, counted before the work: if `units` more would not fit in the
 * chunk, a preemption point comes first. For a step whose cost is known
 * ahead and may be large (a page table to create). True after a point.
 */
bool preempt_before(uint32_t units);
/*
 * Count `units` of work done where no point may come (the thread holds
 * nothing yet that would let it stop): the next point comes that much
 * sooner. For checks that lead to a long operation (kernel/transfer.c).
 */
void preempt_charge(uint32_t units);
/*
 * The budget to start a mapdb operation with: what is left of the current
 * chunk (at least one unit), so that work done since the last point counts.
 */
uint32_t preempt_budget(void);
/*
 * Drive a mapdb operation to its end: `status` is what starting it (with
 * preempt_budget() and this cursor) returned (MAPDB_MORE: not finished).
 * Chunks of PREEMPT_CHUNK with a preemption point between them; the units
 * of the last one count towards the next point, which comes before this
 * returns if they fill a chunk. Returns the final status.
 */
int preempt_finish(struct mapdb_cursor *cursor, int status);
/*
 * Give the processor to the other ready threads of the caller's priority,
 * as at a point where the timeslice ran out (the self-check's yielding
 * kind does, so that tests can change the kernel under it). Nothing where
 * no point may be.
 */
void preempt_yield(void);
/* The running thread was destroyed while stopped at a preemption point: stop early. */
bool preempt_destroyed(void);
/* Forget every cursor whose revoke started at this root: its object is about to go. */
void preempt_forget_root(struct mapdb_record *root);

/*
 * Work that must not let other threads in (kheap's reclaim callbacks: a
 * destroy callback must have freed its object when it returns, and the
 * heap's state is mid-change) runs between disable and enable: points do
 * nothing there. Nests.
 */
void preempt_disable(void);
void preempt_enable(void);
/*
 * Let `finisher` — a thread stopped in the kernel whose work will free
 * what the caller needs (heap_reclaim.c: an object in a page it takes
 * back) — run at the caller's priority for a while. The caller checks again
 * and calls again until what it needs is done; it never waits for threads
 * that hold nothing it needs. It may be destroyed meanwhile, like at a
 * point. Not inside preempt_disable.
 */
void preempt_wait_for(struct thread *finisher);

#endif /* KERNEL_PREEMPT_H */
