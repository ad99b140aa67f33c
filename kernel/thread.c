/*
 * thread.c — creating, starting, killing and destroying threads. A thread is
 * one page from the creator's heap: the TCB at the bottom, its kernel stack
 * above it.
 */
#include "bursar/errors.h"
#include "kernel/console.h"
#include "kernel/heap.h"
#include "kernel/ipc.h"
#include "kernel/machine.h"
#include "kernel/root_task.h"
#include "bursar/console_protocol.h"
#include "kernel/scheduler.h"
#include "kernel/task.h"
#include "kernel/thread.h"

struct thread *current_thread;
static struct thread *all_threads;
static uint32_t next_thread_id;
static uint32_t thread_count;

static const char *const state_names[] = {
    [THREAD_INACTIVE] = "inactive", [THREAD_READY] = "ready", [THREAD_SENDING] = "sending",
    [THREAD_RECEIVING] = "receiving", [THREAD_WAITING_REPLY] = "waiting for reply",
    [THREAD_DEAD] = "dead", [THREAD_TRANSFERRING] = "held by a transfer",
};

const char *thread_state_name(enum thread_state state)
{
    return state <= THREAD_TRANSFERRING ? state_names[state] : "?";
}

struct thread *threads_first(void) { return all_threads; }

uint32_t threads_count(void)
{
    return thread_count;
}

static void link_thread(struct thread *thread)
{
    thread->prev_thread = NULL;
    thread->next_thread = all_threads;
    if (all_threads)
        all_threads->prev_thread = thread;
    all_threads = thread;
    thread_count++;
    object_lists_generation++;
}

static void unlink_thread(struct thread *thread)
{
    if (thread->prev_thread)
        thread->prev_thread->next_thread = thread->next_thread;
    else
        all_threads = thread->next_thread;
    if (thread->next_thread)
        thread->next_thread->prev_thread = thread->prev_thread;
    thread->next_thread = thread->prev_thread = NULL;
    thread_count--;
    object_lists_generation++;
}

/*
 * The TCB zeroed up to its FPU image, which machine_fpu_state_init writes
 * whole: zeroing the image first as well was 512 of the 912 bytes cleared,
 * a third of a thread's creation. Words through a type that may alias.
 */
static void zero_all_but_fpu_state(struct thread *thread)
{
    typedef uint32_t __attribute__((may_alias)) alias_word;
    alias_word *word = (alias_word *)thread;

    _Static_assert(__builtin_offsetof(struct thread, fpu_state) % (2 * sizeof(uint32_t)) == 0, "whole steps");
    for (uint32_t i = 0; i < __builtin_offsetof(struct thread, fpu_state) / sizeof *word; i += 2) {
        word[i] = 0;
        word[i + 1] = 0;
    }
}

int thread_create(struct heap *payer, struct task *task, struct thread **out)
{
    struct thread *thread = heap_allocate(payer, BURSAR_HEAP_THREAD);

    if (!thread)
        return -BURSAR_E_OUT_OF_MEMORY;
    zero_all_but_fpu_state(thread);
    object_init(&thread->header, payer, BURSAR_OBJECT_THREAD);
    machine_fpu_state_init(thread->fpu_state);
    thread->utcb_segment = MACHINE_UTCB_SEGMENT;
    heap_fault_thread_init(thread);
    thread->task = task;
    thread->first_capability_page = cspace_page(&task->cspace, 0);   /* the fast path reads it directly */
    thread->page_directory_physical = task->page_directory_physical;
    thread->state = THREAD_INACTIVE;
    thread->priority = THREAD_DEFAULT_PRIORITY;
    thread->timeslice = thread->remaining = THREAD_DEFAULT_TIMESLICE;
    thread->id = next_thread_id++;
    link_thread(thread);
    task_thread_joined(task, thread);
    *out = thread;
    return BURSAR_OK;
}

void thread_start(struct thread *thread, uint32_t ip, uint32_t sp)
{
    thread->saved_stack = machine_thread_stack_init(thread_stack_top(thread), ip, sp);
    scheduler_make_ready(thread);
}

/* Out of every queue and binding; the thread never runs again. */
void thread_kill(struct thread *thread, uint32_t status, const char *why)
{
    if (why)
        kprintf("thread %u (task %u) killed: %s\n", thread->id, thread->task ? thread->task->id : 0, why);
    if (thread_is_root(thread)) {
        bool success = status == 0 && !why;
        kprintf("root task %s (status %u); powering off\n", why ? "died" : "finished", status);
        machine_exit(success ? BURSAR_EXIT_SUCCESS : BURSAR_EXIT_FAILURE);
    }
    fault_ipc_abandon(thread);   /* a dying thread's fault is nobody's business */
    ipc_transfer_thread_gone(thread);    /* a transfer it holds or is held by hears of it */
    if (thread->state == THREAD_READY) {
        scheduler_remove(thread);
    } else if (thread->state != THREAD_INACTIVE && thread->state != THREAD_DEAD) {
        ipc_cancel(thread, -BURSAR_E_DESTROYED);
        if (thread->state == THREAD_READY)   /* ipc_cancel made it ready again */
            scheduler_remove(thread);
    }
    thread->state = THREAD_DEAD;
}

void thread_mark_dying(struct thread *thread)
{
    if (thread->header.dying)
        return;
    thread->header.dying = true;
    if (thread->task)
        task_thread_dying(thread->task, thread);
}

/* It no longer counts as one of its task's threads (the task may go before it does). */
void thread_leave_task(struct thread *thread)
{
    struct task *task = thread->task;

    if (task) {
        thread->task = NULL;
        thread->first_capability_page = NULL;
        thread->page_directory_physical = 0;
        task_thread_left(task, thread);
    }
}

/*
 * The capabilities to it are already revoked. A thread in the middle of a
 * system call — stopped at a preemption point, or the one running, which
 * destroyed itself (its own task, or a heap that pays for its task) —
 * cannot be freed under its own stack: it finishes the work in hand (a
 * mapdb operation, or the reclaim or destroy that destroyed it) and then
 * frees itself instead of returning to user mode (thread_exit_destroyed).
 */
void thread_destroy(struct thread *thread)
{
    /* These may pass preemption points; what the thread is doing is decided after them. */
    if (thread->pager.object)
        cap_delete(&thread->pager);
    if (thread->exception_handler.object)
        cap_delete(&thread->exception_handler);
    unlink_thread(thread);
    thread_leave_task(thread);
    if (thread == current_thread || thread->stopped_in_kernel) {
        thread->destroyed_in_kernel = true;
        return;
    }
    thread_kill(thread, 0, NULL);
    heap_fault_thread_gone(thread);
    heap_free_to(thread->header.payer, thread);
}

void thread_exit_destroyed(void)
{
    struct thread *self = current_thread;

    KERNEL_ASSERT(self->destroyed_in_kernel && self->state == THREAD_READY);
    thread_kill(self, 0, NULL);         /* a root thread powers the machine off here */
    heap_fault_thread_gone(self);
    scheduler_free_after_switch(self);
    schedule();
    panic("a destroyed thread ran again");
}
