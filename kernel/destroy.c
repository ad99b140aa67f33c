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
#include "kernel/ipc.h"
#include "kernel/task.h"
#include "kernel/thread.h"

/* A task's threads go first; each is a destroy of its own (capabilities revoked). */
static void destroy_task(struct task *task)
{
    struct thread *thread = threads_first();

    while (thread) {
        struct thread *next = thread->next_thread;
        if (thread->task == task) {
            thread->header.dying = true;
            cap_revoke_all(&thread->header);
            thread_destroy(thread);
            next = threads_first();      /* the list changed under us */
        }
        thread = next;
    }
    task_destroy(task);
}

void object_destroy(struct object *object)
{
    object->dying = true;
    cap_revoke_all(object);
    switch (object->type) {
    case BURSAR_OBJECT_ENDPOINT: endpoint_destroy((struct endpoint *)object); break;
    case BURSAR_OBJECT_REPLY:    reply_destroy((struct reply *)object); break;
    case BURSAR_OBJECT_THREAD:   thread_destroy((struct thread *)object); break;
    case BURSAR_OBJECT_TASK:     destroy_task((struct task *)object); break;
    case BURSAR_OBJECT_HEAP:     heap_destroy((struct heap *)object); break;
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
