/*
 * scheduler.c — fixed-priority round robin. One FIFO queue per priority and
 * a bitmap of non-empty queues; the running thread stays at the head of its
 * queue until it blocks or its timeslice ends. The idle thread is the boot
 * context itself (its stack is the boot stack, in the fixed reservation) and
 * halts until an interrupt makes something ready.
 */
#include "kernel/boot.h"
#include "kernel/console.h"
#include "kernel/heap.h"
#include "kernel/ipc.h"
#include "kernel/machine.h"
#include "kernel/preempt.h"
#include "kernel/scheduler.h"
#include "kernel/scheduler_queues.h"
#include "kernel/task.h"
#include "kernel/thread.h"
#include "kernel/trap_handlers.h"

#define PRIORITIES (BURSAR_PRIORITY_MAX + 1)
#define BITMAP_WORDS (PRIORITIES / 32)

struct thread *ready_queue_head[PRIORITIES], *ready_queue_tail[PRIORITIES];    /* shared with scheduler_queues.h */
static uint32_t ready_bitmap[BITMAP_WORDS];
static struct thread idle_thread;
struct thread *thread_to_free_after_switch;
static uint64_t ticks;
static uint32_t switches;

extern char boot_stack_top[];

uint64_t scheduler_ticks(void) { return ticks; }
uint32_t scheduler_switch_count(void) { return switches; }

void scheduler_make_ready(struct thread *thread)
{
    uint32_t p = thread->priority;

    thread->state = THREAD_READY;
    thread->queue_next = NULL;
    thread->queue_prev = ready_queue_tail[p];
    if (ready_queue_tail[p])
        ready_queue_tail[p]->queue_next = thread;
    else
        ready_queue_head[p] = thread;
    ready_queue_tail[p] = thread;
    ready_bitmap[p / 32] |= 1u << (p % 32);
}

void scheduler_remove(struct thread *thread)
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
    if (!ready_queue_head[p])
        ready_bitmap[p / 32] &= ~(1u << (p % 32));
}

/* Highest priority with a ready thread, or -1. */
static int highest_ready_priority(void)
{
    for (int word = BITMAP_WORDS - 1; word >= 0; word--)
        if (ready_bitmap[word])
            return word * 32 + 31 - __builtin_clz(ready_bitmap[word]);
    return -1;
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
        heap_free(thread_to_free_after_switch);
        thread_to_free_after_switch = NULL;
    }
}

static void switch_to(struct thread *next)
{
    struct thread *previous = current_thread;

    if (next == previous)
        return;
    current_thread = next;
    switches++;
    machine_thread_activate(thread_stack_top(next), next->utcb_address);
    if (next->task)
        machine_address_space_activate(next->task->page_directory);
    if (!next->saved_stack)              /* blocked by the IPC fast path: nothing on its stack */
        next->saved_stack = machine_thread_return_frame(thread_stack_top(next));
    machine_switch_context(&previous->saved_stack, next->saved_stack);
    scheduler_finish_switch();
}

void schedule(void)
{
    int priority = highest_ready_priority();

    switch_to(priority < 0 ? &idle_thread : ready_queue_head[priority]);
}

void scheduler_make_ready_first(struct thread *thread)
{
    uint32_t p = thread->priority;

    thread->state = THREAD_READY;
    thread->queue_prev = NULL;
    thread->queue_next = ready_queue_head[p];
    if (ready_queue_head[p])
        ready_queue_head[p]->queue_prev = thread;
    else
        ready_queue_tail[p] = thread;
    ready_queue_head[p] = thread;
    ready_bitmap[p / 32] |= 1u << (p % 32);
}

void scheduler_hand_over(struct thread *from, struct thread *to)
{
    if (to->priority == from->priority) {
        scheduler_take_place(from, to);
        return;
    }
    scheduler_remove(from);
    scheduler_make_ready_first(to);
}

/* L4's direct switch: run `next` now if nothing of higher priority is ready. */
void scheduler_switch_to(struct thread *next)
{
    if (next->state != THREAD_READY || (int)next->priority < highest_ready_priority()) {
        schedule();
        return;
    }
    /* At the head of its queue, so the scheduler agrees it is the one running. */
    scheduler_remove(next);
    scheduler_make_ready_first(next);
    switch_to(next);
}

void scheduler_tick(void)
{
    struct thread *running = current_thread;

    ticks++;
    ipc_timeouts_tick(ticks);
    if (!running->idle && running->state == THREAD_READY && --running->remaining == 0) {
        running->remaining = running->timeslice;
        scheduler_remove(running);           /* to the back of its queue */
        scheduler_make_ready(running);
    }
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
    current_thread = &idle_thread;
}

void scheduler_start(void)
{
    for (;;) {
        machine_interrupts_disable();
        interrupts_off_begin();
        schedule();
        interrupts_off_end();
        machine_wait_for_interrupt();
    }
}
