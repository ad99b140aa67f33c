/*
 * scheduler.h — fixed priorities, round robin within a priority, timer
 * preemption, and the idle thread.
 */
#ifndef KERNEL_SCHEDULER_H
#define KERNEL_SCHEDULER_H

#include <stdbool.h>
#include <stdint.h>

struct thread;

/* Self-check: the summary of non-empty ready-bitmap words (ready_words) agrees with the bitmap. */
bool scheduler_check(void);
void scheduler_init(void);
/*
 * READY, and queued unless it is the running thread (which is in no queue):
 * the IPC fast path's direct switch only sets the state of the thread it
 * switches to.
 */
void scheduler_make_ready(struct thread *thread);
/* Out of its ready queue (nothing for the running thread, which is in none). */
void scheduler_remove(struct thread *thread);
/* Pick the thread to run and switch to it (may be the current one). */
void schedule(void);
/* Give up the rest of the timeslice: to the back of the priority's queue. */
void scheduler_yield(void);
/*
 * `next` was blocked and may run: switch to it now unless something of higher
 * priority is ready, keeping the current thread ready if it is. The same as
 * scheduler_make_ready() then scheduler_switch_to(), without queueing it
 * only to take it out again (the slow path's IPC direct switch).
 */
void scheduler_wake_and_switch(struct thread *next);
/* Switch to `next` now, keeping the current thread ready if it is (L4 direct switch). */
void scheduler_switch_to(struct thread *next);
/* Clock tick from the timer: timeslices, timeouts. */
void scheduler_tick(void);
/* Start running threads; never returns. */
void scheduler_start(void) __attribute__((noreturn));
uint64_t scheduler_ticks(void);
/* Thread switches made by the scheduler since boot (the fast path's are not counted). */
uint32_t scheduler_switch_count(void);
/* Threads made ready since boot (scheduler_make_ready, scheduler_wake_and_switch). */
uint32_t scheduler_wakeup_count(void);
/* A thread that destroyed itself: free its page once we are off its stack. */
void scheduler_free_after_switch(struct thread *thread);
/* Run from a new thread's first return to user mode, like after any switch. */
void scheduler_finish_switch(void);
/* Would `thread` preempt the current thread right now? */
bool scheduler_preempts(const struct thread *thread);

#endif /* KERNEL_SCHEDULER_H */
