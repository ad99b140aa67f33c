/*
 * syscall_thread.c — configuring, starting and ending threads.
 */
#include "bursar/errors.h"
#include "bursar/utcb.h"
#include "kernel/heap.h"
#include "kernel/machine.h"
#include "kernel/scheduler.h"
#include "kernel/syscall_dispatch.h"
#include "kernel/task.h"
#include "kernel/thread.h"

#define TIMESLICE_MAX 1000

static struct thread *controlled_thread(struct thread *caller, uint32_t index, int *error)
{
    struct cap_slot *slot = cspace_lookup(&caller->task->cspace, index, BURSAR_OBJECT_THREAD,
                                          BURSAR_RIGHT_CONTROL, error);

    return slot ? (struct thread *)slot->object : NULL;
}

static void set_priority(struct thread *thread, uint32_t priority)
{
    bool queued = thread->state == THREAD_READY;

    if (queued)
        scheduler_remove(thread);
    thread->priority = (uint8_t)priority;
    if (queued)
        scheduler_make_ready(thread);
}

/* A pager or exception handler: a COPY of an endpoint capability kept in the TCB. */
int syscall_set_handler(struct thread *caller, struct cap_slot *handler, uint32_t index)
{
    int error = BURSAR_OK;
    struct cap_slot *endpoint = NULL;

    if (index != BURSAR_NO_CAPABILITY) {
        endpoint = cspace_lookup(&caller->task->cspace, index, BURSAR_OBJECT_ENDPOINT, BURSAR_RIGHT_WRITE, &error);
        if (!endpoint)
            return error;
    }
    /*
     * The old handler is deleted last, from a copy on our stack: deleting
     * may pass preemption points, after which the thread may be gone.
     */
    struct cap_slot old = { 0 };
    if (handler->object)
        cap_move(handler, &old);
    *handler = (struct cap_slot){ 0 };
    error = endpoint ? cap_copy(endpoint, handler, BURSAR_RIGHT_WRITE, 0) : BURSAR_OK;
    if (old.object)
        cap_delete(&old);
    return error;
}

static int set_utcb(struct thread *thread, uint32_t address)
{
    if (address % BURSAR_UTCB_SIZE)
        return -BURSAR_E_MISALIGNED;
    if (address >= MACHINE_USER_TOP)
        return -BURSAR_E_INVALID_ADDRESS;
    thread->utcb_address = address;
    if (thread == current_thread)
        machine_thread_activate(thread_stack_top(thread), address);
    return BURSAR_OK;
}

int sys_thread_configure(struct thread *caller, const struct machine_registers *r, uint32_t results[4])
{
    int error = BURSAR_OK;
    struct thread *thread = controlled_thread(caller, r->argument[0], &error);
    uint32_t value = r->argument[2];

    (void)results;
    if (!thread)
        return error;
    switch (r->argument[1]) {
    case BURSAR_THREAD_PRIORITY:
        if (value > BURSAR_PRIORITY_MAX)
            return -BURSAR_E_INVALID_ARGUMENT;
        if (value > caller->priority)
            return -BURSAR_E_NO_RIGHTS;          /* no thread may raise another above itself */
        set_priority(thread, value);
        /* A caller that lowered itself below a ready thread must give way now, not at the next tick. */
        machine_frame_set_result(thread_frame(caller), BURSAR_OK);
        schedule();
        return SYSCALL_RESULT_WRITTEN;
    case BURSAR_THREAD_TIMESLICE:
        if (value == 0 || value > TIMESLICE_MAX)
            return -BURSAR_E_INVALID_ARGUMENT;
        thread->timeslice = thread->remaining = value;
        return BURSAR_OK;
    case BURSAR_THREAD_PAGER:
        return syscall_set_handler(caller, &thread->pager, value);
    case BURSAR_THREAD_EXCEPTION_HANDLER:
        return syscall_set_handler(caller, &thread->exception_handler, value);
    case BURSAR_THREAD_UTCB:
        return set_utcb(thread, value);
    default:
        return -BURSAR_E_INVALID_ARGUMENT;
    }
}

int sys_thread_start(struct thread *caller, const struct machine_registers *r, uint32_t results[4])
{
    int error = BURSAR_OK;
    struct thread *thread = controlled_thread(caller, r->argument[0], &error);

    (void)results;
    if (!thread)
        return error;
    if (thread->state != THREAD_INACTIVE)
        return -BURSAR_E_BUSY;
    if (r->argument[1] >= MACHINE_USER_TOP || r->argument[2] > MACHINE_USER_TOP)
        return -BURSAR_E_INVALID_ADDRESS;
    thread_start(thread, r->argument[1], r->argument[2]);
    if (scheduler_preempts(thread)) {
        machine_frame_set_result(thread_frame(caller), BURSAR_OK);
        scheduler_switch_to(thread);
        return SYSCALL_RESULT_WRITTEN;
    }
    return BURSAR_OK;
}

int sys_thread_exit(struct thread *caller, const struct machine_registers *r, uint32_t results[4])
{
    (void)r;
    (void)results;
    thread_kill(caller, r->argument[0], NULL);
    return SYSCALL_RESULT_WRITTEN;      /* it never returns to user mode */
}
