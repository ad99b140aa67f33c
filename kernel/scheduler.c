/*
 * scheduler.c — fixed-priority round robin. One FIFO queue per priority and
 * a bitmap of non-empty queues. The running thread is in no queue (seL4's
 * "Benno" scheduling): a direct switch from a thread that blocks to the one
 * it woke, which is what every IPC does, touches no queue at all. schedule()
 * puts the thread it leaves back: at the head of its queue when it was
 * preempted, at the tail when its timeslice was used up or given up. The idle
 * thread is the boot context itself (its stack is the boot stack, in the
 * fixed reservation) and halts until an interrupt makes something ready.
 */
#include "kernel/boot.h"
#include "kernel/console.h"
#include "kernel/heap.h"
#include "kernel/ipc.h"
#include "kernel/machine.h"
#include "kernel/interrupts_off.h"
#include "kernel/machine_fpu.h"
#include "kernel/preempt.h"
#include "kernel/scheduler.h"
#include "kernel/task.h"
#include "kernel/thread.h"
#include "kernel/trap_handlers.h"

#define PRIORITIES (BURSAR_PRIORITY_MAX + 1)
#define BITMAP_WORDS (PRIORITIES / 32)

static struct thread *ready_queue_head[PRIORITIES], *ready_queue_tail[PRIORITIES];
static uint32_t ready_bitmap[BITMAP_WORDS];
static uint32_t ready_words;     /* bit w: ready_bitmap[w] is not 0 (so the highest priority is two bit scans) */
_Static_assert(BITMAP_WORDS <= 32, "one bit a bitmap word in ready_words");
static struct thread idle_thread;
static struct thread *thread_to_free_after_switch;   /* a thread that destroyed itself, freed once we are off its stack */
static uint64_t ticks;
static uint32_t switches;
static uint32_t wakeups;         /* threads made ready (the self-check's stamp: kernel/self_check.c) */

extern char boot_stack_top[];

uint64_t scheduler_ticks(void) { return ticks; }
uint32_t scheduler_switch_count(void) { return switches; }
uint32_t scheduler_wakeup_count(void) { return wakeups; }

static void enqueue_tail(struct thread *thread)
{
    uint32_t p = thread->priority;

    thread->queue_next = NULL;
    thread->queue_prev = ready_queue_tail[p];
    if (ready_queue_tail[p])
        ready_queue_tail[p]->queue_next = thread;
    else
        ready_queue_head[p] = thread;
    ready_queue_tail[p] = thread;
    ready_bitmap[p / 32] |= 1u << (p % 32);
    ready_words |= 1u << (p / 32);
}

static void enqueue_head(struct thread *thread)
{
    uint32_t p = thread->priority;

    thread->queue_prev = NULL;
    thread->queue_next = ready_queue_head[p];
    if (ready_queue_head[p])
        ready_queue_head[p]->queue_prev = thread;
    else
        ready_queue_tail[p] = thread;
    ready_queue_head[p] = thread;
    ready_bitmap[p / 32] |= 1u << (p % 32);
    ready_words |= 1u << (p / 32);
}

static void unlink(struct thread *thread)
{
    uint32_t p = thread->priority;

    if (thread->queue_prev)
        thread->queue_prev->queue_next = thread->queue_next;
    else
        ready_queue_head[p] = thread->queue_next;
    if (thread->queue_next)
        thread->queue_next->queue_prev = thread->queue_prev;
    else
        ready_queue_tail[p] = thread->queue_prev;
    thread->queue_next = thread->queue_prev = NULL;
    if (!ready_queue_head[p]) {
        ready_bitmap[p / 32] &= ~(1u << (p % 32));
        if (!ready_bitmap[p / 32])
            ready_words &= ~(1u << (p / 32));
    }
}

void scheduler_make_ready(struct thread *thread)
{
    wakeups++;
    thread->state = THREAD_READY;
    if (thread != current_thread)       /* the running thread is in no queue */
        enqueue_tail(thread);
}

void scheduler_remove(struct thread *thread)
{
    if (thread != current_thread)
        unlink(thread);
}

/* Highest priority with a ready thread, or -1. */
static int highest_ready_priority(void)
{
    int word;

    if (!ready_words)
        return -1;
    word = 31 - __builtin_clz(ready_words);
    return word * 32 + 31 - __builtin_clz(ready_bitmap[word]);
}

bool scheduler_check(void)
{
    for (uint32_t word = 0; word < BITMAP_WORDS; word++) {
        if (((ready_words >> word) & 1) != (ready_bitmap[word] != 0)) {
            kprintf("scheduler: ready_words bit %u disagrees with ready_bitmap[%u] %#x\n", word, word,
                    ready_bitmap[word]);
            return false;
        }
    }
    return true;
}

bool scheduler_preempts(const struct thread *thread)
{
    return current_thread->idle || thread->priority > current_thread->priority;
}

void scheduler_free_after_switch(struct thread *thread)
{
    KERNEL_ASSERT(!thread_to_free_after_switch);
    thread_to_free_after_switch = thread;
}

void scheduler_finish_switch(void)
{
    if (thread_to_free_after_switch && thread_to_free_after_switch != current_thread) {
        heap_free_to(thread_to_free_after_switch->header.payer, thread_to_free_after_switch);
        thread_to_free_after_switch = NULL;
    }
}

/* Inline in schedule and scheduler_wake_and_switch, which every blocking IPC ends in. */
static inline __attribute__((always_inline)) void switch_to(struct thread *next)
{
    struct thread *previous = current_thread;

    if (next == previous)
        return;
    current_thread = next;
    switches++;
    if (next->task)                      /* kernel stack, UTCB and address space in one call */
        machine_thread_activate_in_space(thread_stack_top(next), &next->utcb_address,
                                         next->page_directory_physical);
    else
        machine_thread_activate(thread_stack_top(next), next->utcb_address);
    if (!next->saved_stack)              /* blocked by the IPC fast path: nothing on its stack */
        next->saved_stack = machine_thread_return_frame(thread_stack_top(next));
    /* A thread that destroyed itself is freed only after this: its page still takes its state. */
    machine_fpu_switch(previous->fpu_state, next->fpu_state);
    machine_switch_context(&previous->saved_stack, next->saved_stack);
    scheduler_finish_switch();
}

/* Is the thread we are leaving still runnable (so it goes back to a queue)? */
static bool still_runnable(const struct thread *thread)
{
    return !thread->idle && thread->state == THREAD_READY;
}

/* Put the running thread back in its queue before another one runs. */
static void requeue_running(struct thread *running)
{
    if (running->remaining == 0) {       /* timeslice used up or given up: to the back */
        running->remaining = running->timeslice;
        enqueue_tail(running);
    } else {                             /* preempted: first in line at its priority */
        enqueue_head(running);
    }
}

void schedule(void)
{
    struct thread *running = current_thread, *next;
    int best = highest_ready_priority();

    if (still_runnable(running)) {
        bool used_up = running->remaining == 0;

        if (best < (int)running->priority || (best == (int)running->priority && !used_up)) {
            if (used_up)
                running->remaining = running->timeslice;
            return;                      /* it keeps the processor */
        }
        requeue_running(running);
    }
    if (best < 0) {
        next = &idle_thread;
    } else {
        next = ready_queue_head[best];
        unlink(next);
    }
    switch_to(next);
}

/* L4's direct switch: run `next` now if nothing of higher priority is ready. */
void scheduler_switch_to(struct thread *next)
{
    struct thread *running = current_thread;

    if (next == running || next->state != THREAD_READY || (int)next->priority < highest_ready_priority()) {
        schedule();
        return;
    }
    unlink(next);
    if (still_runnable(running))
        requeue_running(running);
    switch_to(next);
}

void scheduler_wake_and_switch(struct thread *next)
{
    struct thread *running = current_thread;

    wakeups++;
    next->state = THREAD_READY;
    if ((int)next->priority < highest_ready_priority()) {
        enqueue_tail(next);
        schedule();
        return;
    }
    if (still_runnable(running))
        requeue_running(running);
    switch_to(next);
}

void scheduler_tick(void)
{
    struct thread *running = current_thread;

    ticks++;
    ipc_timeouts_fire(ticks);
    if (still_runnable(running) && running->remaining > 0)
        running->remaining--;
    schedule();
}

void scheduler_yield(void)
{
    current_thread->remaining = 0;
    schedule();
}

void kernel_timer_tick(void)
{
    if (current_thread)
        scheduler_tick();
}

void scheduler_init(void)
{
    idle_thread = (struct thread){ .idle = true, .state = THREAD_READY, .priority = 0 };
    machine_fpu_state_init(idle_thread.fpu_state);
    current_thread = &idle_thread;
}

/*
 * With nothing to run, timeouts the timer left due (it fires a few per
 * tick) fire here, a batch between interrupt windows, before the halt.
 */
void scheduler_start(void)
{
    for (;;) {
        machine_interrupts_disable();
        interrupts_off_begin();
        schedule();
        if (ipc_timeouts_fire(ticks)) {
            interrupts_off_end();
            machine_interrupt_window();
            continue;
        }
        interrupts_off_end();
        machine_wait_for_interrupt();
    }
}
