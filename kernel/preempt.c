/*
 * preempt.c — preemption points for long kernel operations (preempt.h), and
 * the longest stretch the kernel has kept interrupts off.
 *
 * The window is measured where interrupts really go off and on, not around
 * the chunk loop: begin and end are called from the trap entry and exit,
 * the idle loop and the preemption point itself, so the longest window is
 * whatever the kernel did between two moments interrupts could come in.
 */
#include "kernel/console.h"
#include "kernel/cspace.h"
#include "kernel/machine.h"
#include "kernel/preempt.h"
#include "kernel/scheduler.h"
#include "kernel/thread.h"

struct preempt_statistics preempt_statistics;

static uint64_t off_since;       /* TSC when interrupts last went off */
static bool off_window_open;     /* off_since is valid */
static uint32_t work_since_point;
static uint32_t disabled;        /* preempt_disable nesting */
static struct thread *stopped;   /* threads switched away at a preemption point */

static void stopped_add(struct thread *thread)
{
    thread->stopped_next = stopped;
    stopped = thread;
}

static void stopped_remove(struct thread *thread)
{
    for (struct thread **link = &stopped; *link; link = &(*link)->stopped_next)
        if (*link == thread) {
            *link = thread->stopped_next;
            thread->stopped_next = NULL;
            return;
        }
}

static void set_priority(struct thread *thread, uint8_t priority)
{
    bool queued = thread->state == THREAD_READY;

    if (queued)
        scheduler_remove(thread);
    thread->priority = priority;
    if (queued)
        scheduler_make_ready(thread);
}

/* A thread that preempt_quiesce lent its priority gets its own back when it moves on. */
static void unboost(struct thread *thread)
{
    if (thread->boosted) {
        thread->boosted = false;
        set_priority(thread, thread->unboosted_priority);
    }
}

void interrupts_off_begin(void)
{
    off_since = machine_timestamp();
    off_window_open = true;
}

void interrupts_off_end(void)
{
    if (!off_window_open)
        return;
    uint64_t length = machine_timestamp() - off_since;
    if (length > preempt_statistics.longest_interrupts_off)
        preempt_statistics.longest_interrupts_off = length;
    off_window_open = false;
}

/* Only a running, ready thread may let an interrupt switch it away: it will be scheduled again. */
static bool may_stop_here(const struct thread *self)
{
    return self && !self->idle && self->state == THREAD_READY;
}

void preempt_point(void)
{
    struct thread *self = current_thread;
    uint32_t switches = scheduler_switch_count();

    work_since_point = 0;
    if (disabled || !may_stop_here(self))
        return;
    preempt_statistics.points++;
    self->stopped_in_kernel = true;
    stopped_add(self);
    interrupts_off_end();
    machine_interrupt_window();          /* the timer may switch us away in here */
    interrupts_off_begin();
    /* Something may have become ready without an interrupt (e.g. by our own work). */
    schedule();
    stopped_remove(self);
    self->stopped_in_kernel = false;
    unboost(self);
    if (scheduler_switch_count() != switches)
        preempt_statistics.switches++;
}

void preempt_disable(void)
{
    disabled++;
}

void preempt_enable(void)
{
    KERNEL_ASSERT(disabled > 0);
    disabled--;
}

void preempt_quiesce(void)
{
    struct thread *self = current_thread;

    if (disabled || !may_stop_here(self))
        return;
    while (stopped) {
        for (struct thread *thread = stopped; thread; thread = thread->stopped_next)
            if (thread->priority < self->priority) {
                if (!thread->boosted) {
                    thread->unboosted_priority = thread->priority;
                    thread->boosted = true;
                }
                set_priority(thread, self->priority);
            }
        /* To the back of our queue: the stopped threads run. We may be destroyed meanwhile. */
        self->stopped_in_kernel = true;
        scheduler_yield();
        self->stopped_in_kernel = false;
    }
}

bool preempt_work(uint32_t units)
{
    uint32_t points = preempt_statistics.points;

    work_since_point += units;
    if (work_since_point >= PREEMPT_CHUNK)
        preempt_point();
    return preempt_statistics.points != points;
}

int preempt_finish(struct mapdb_cursor *cursor, int status)
{
    while (status == MAPDB_MORE) {
        preempt_point();
        status = mapdb_continue(&authority, cursor, PREEMPT_CHUNK);
    }
    return status;
}

bool preempt_destroyed(void)
{
    return current_thread->destroyed_in_kernel;
}

void preempt_forget_root(struct mapdb_record *root)
{
    struct mapdb_cursor *cursor = authority.cursors;

    while (cursor) {
        struct mapdb_cursor *next = cursor->next;
        if (cursor->top == root)
            mapdb_cursor_abandon(&authority, cursor);
        cursor = next;
    }
}
