/*
 * destroy.c — tearing a kernel object down (destroy.h). SYS_DESTROY calls
 * it for the object a capability names; a heap reclaim calls it for a live
 * object that cannot move, so a reclaimed object ends exactly as a
 * destroyed one would.
 */
#include "kernel/console.h"
#include "kernel/cspace.h"
#include "kernel/destroy.h"
#include "kernel/heap.h"
#include "kernel/io_ports.h"
#include "kernel/ipc.h"
#include "kernel/irq.h"
#include "kernel/preempt.h"
#include "kernel/task.h"
#include "kernel/thread.h"

#define THREAD_DESTROY_UNITS 4      /* preemption units (preempt.h) of a thread's teardown beyond its revoke */

/*
 * A thread being destroyed never runs in user mode again: it is killed now,
 * or, if it is stopped at a preemption point, it stops when it leaves the
 * kernel (syscall_dispatch.c).
 */
static void thread_begin_destroy(struct thread *thread)
{
    thread_mark_dying(thread);
    if (thread != current_thread && !thread->stopped_in_kernel)
        thread_kill(thread, 0, NULL);
}

/*
 * A task's threads go first, each a destroy of its own (capabilities
 * revoked). Every step may pass preemption points, so the running thread,
 * if it is one of the task's, goes last: the teardown must run in a live
 * thread. Threads that someone else is already destroying are theirs to
 * finish (they keep the task structure until they leave it).
 */
static void destroy_task(struct task *task)
{
    struct thread *self = current_thread, *thread;

    while ((thread = task_live_thread(task, self))) {
        object_destroy(&thread->header);
        preempt_work(THREAD_DESTROY_UNITS);
    }
    task_destroy(task);
    if (self->task == task && !self->header.dying)
        object_destroy(&self->header);
}

/*
 * Also resumes a heap's destroy that its destroyer abandoned (destroyer
 * NULL): every step below is safe to run again on what is left.
 */
void object_destroy(struct object *object)
{
    if (object->type == BURSAR_OBJECT_THREAD)
        thread_begin_destroy((struct thread *)object);
    if (object->type == BURSAR_OBJECT_HEAP)
        heap_begin_destroy((struct heap *)object);
    object->dying = true;
    object->destroyer = current_thread;
    /* Its waiters hear at once, not after the revoke (which may be long and preempted). */
    if (object->type == BURSAR_OBJECT_ENDPOINT)
        endpoint_begin_destroy((struct endpoint *)object);
    if (object->type == BURSAR_OBJECT_REPLY)
        reply_begin_destroy((struct reply *)object);
    cap_revoke_all(object);
    switch (object->type) {
    case BURSAR_OBJECT_ENDPOINT: endpoint_destroy((struct endpoint *)object); break;
    case BURSAR_OBJECT_REPLY:    reply_destroy((struct reply *)object); break;
    case BURSAR_OBJECT_THREAD:   thread_destroy((struct thread *)object); break;
    case BURSAR_OBJECT_TASK:     destroy_task((struct task *)object); break;
    case BURSAR_OBJECT_HEAP:     heap_destroy((struct heap *)object); break;
    case BURSAR_OBJECT_IRQ:      irq_destroy((struct irq *)object); break;
    case BURSAR_OBJECT_IO_PORTS: io_ports_destroy((struct io_ports *)object); break;
    default: panic("destroy: object type %u", object->type);
    }
}

bool heap_pays_for_thread(const struct heap *heap, const struct thread *thread)
{
    const struct heap *payer = heap_of(thread);

    for (;;) {
        if (payer == heap)
            return true;
        if (payer == &boot_heap)
            return false;
        payer = payer->header.payer;
    }
}
