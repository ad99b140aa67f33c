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
#include "kernel/interrupts_off.h"
#include "kernel/machine.h"
#include "kernel/preempt.h"
#include "kernel/scheduler.h"
#include "kernel/thread.h"

struct preempt_statistics preempt_statistics;

struct interrupts_off_window interrupts_off_window;
uint32_t work_since_point;
static uint32_t disabled;        /* preempt_disable nesting */

static void set_priority(struct thread *thread, uint8_t priority)
{
    bool queued = thread->state == THREAD_READY;

    if (queued)
        scheduler_remove(thread);
    thread->priority = priority;
    if (queued)
        scheduler_make_ready(thread);
}

/* A thread that preempt_wait_for lent a priority gets its own back when it moves on. */
static void unboost(struct thread *thread)
{
    if (thread->boosted) {
        thread->boosted = false;
        set_priority(thread, thread->unboosted_priority);
    }
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

    /* Where no point may be, the work goes on counting: the window is still open. */
    if (disabled || !may_stop_here(self))
        return;
    work_since_point = 0;
    preempt_statistics.points++;
    self->stopped_in_kernel = true;
    interrupts_off_end();
    machine_interrupt_window();          /* the timer may switch us away in here */
    interrupts_off_begin();
    /* Something may have become ready without an interrupt (e.g. by our own work). */
    schedule();
    self->stopped_in_kernel = false;
    unboost(self);
    if (scheduler_switch_count() != switches)
        preempt_statistics.switches++;
}

void preempt_yield(void)
{
    struct thread *self = current_thread;

    if (disabled || !may_stop_here(self))
        return;
    /* A switch, not a window (as preempt_wait_for's): interrupts stay off. */
    self->stopped_in_kernel = true;
    scheduler_yield();
    self->stopped_in_kernel = false;
    unboost(self);
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

/*
 * One step of a wait: the finisher runs at our priority at least, until its
 * next preemption point (where it takes its own back), while we go to the
 * back of our queue; a finisher above us runs anyway. The caller checks
 * again what it waits for when this returns, and calls again. A finisher
 * that waits in turn lends what it was lent: priorities follow the chain.
 */
void preempt_wait_for(struct thread *finisher)
{
    struct thread *self = current_thread;

    KERNEL_ASSERT(!disabled && may_stop_here(self));
    if (finisher == self || finisher->state != THREAD_READY)
        panic("preempt: thread %u waits for thread %u (%s), which cannot finish", self->id, finisher->id,
              finisher == self ? "itself" : thread_state_name(finisher->state));
    if (finisher->priority < self->priority) {
        if (!finisher->boosted) {
            finisher->unboosted_priority = finisher->priority;
            finisher->boosted = true;
        }
        set_priority(finisher, self->priority);
    }
    /* A switch, not a window: interrupts stay off, so the window measured goes on. */
    self->stopped_in_kernel = true;
    scheduler_yield();
    self->stopped_in_kernel = false;
    unboost(self);
}

bool preempt_work(uint32_t units)
{
    uint32_t points = preempt_statistics.points;

    work_since_point += units;
    if (work_since_point >= PREEMPT_CHUNK)
        preempt_point();
    return preempt_statistics.points != points;
}

bool preempt_before(uint32_t units)
{
    uint32_t points = preempt_statistics.points;

    if (work_since_point + units > PREEMPT_CHUNK)
        preempt_point();
    work_since_point += units;
    return preempt_statistics.points != points;
}

void preempt_charge(uint32_t units)
{
    work_since_point += units;
}

uint32_t preempt_budget(void)
{
    return work_since_point < PREEMPT_CHUNK ? PREEMPT_CHUNK - work_since_point : 1;
}

int preempt_finish(struct mapdb_cursor *cursor, int status)
{
    if (status >= 0)
        work_since_point += cursor->units;
    while (status == MAPDB_MORE) {
        preempt_point();
        status = mapdb_continue(&authority, cursor, PREEMPT_CHUNK);
        work_since_point += cursor->units;
    }
    /* Many short operations in a row (a revoke each) add up to a chunk too. */
    if (work_since_point >= PREEMPT_CHUNK)
        preempt_point();
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
