/*
 * syscall_objects.c — creating and destroying objects, and the capability
 * operations on the caller's own capability space.
 */
#include "bursar/errors.h"
#include "bursar/syscall.h"
#include "kernel/console.h"
#include "kernel/destroy.h"
#include "kernel/heap.h"
#include "kernel/ipc.h"
#include "kernel/memory.h"
#include "kernel/scheduler.h"
#include "kernel/syscall_dispatch.h"
#include "kernel/task.h"
#include "kernel/thread.h"

static struct cspace *own_space(struct thread *caller)
{
    return &caller->task->cspace;
}

/*
 * Create the object; on success *object is its header. Nothing changes on
 * failure. A task's creation passes preemption points, and checks that
 * `destination` is still empty after each (task_create).
 */
static int create_object(struct thread *caller, struct heap *heap, uint32_t type, uint32_t argument,
                         const struct cap_slot *destination, struct object **object)
{
    int error = BURSAR_OK;

    switch (type) {
    case BURSAR_OBJECT_ENDPOINT:
        if (argument)
            return -BURSAR_E_INVALID_ARGUMENT;
        return endpoint_create(heap, (struct endpoint **)object);
    case BURSAR_OBJECT_REPLY:
        if (argument)
            return -BURSAR_E_INVALID_ARGUMENT;
        return reply_create(heap, (struct reply **)object);
    case BURSAR_OBJECT_TASK:
        return task_create(heap, argument, destination, (struct task **)object);
    case BURSAR_OBJECT_THREAD: {
        struct cap_slot *task = cspace_lookup(own_space(caller), argument, BURSAR_OBJECT_TASK,
                                              BURSAR_RIGHT_CONTROL, &error);
        if (!task)
            return error;
        return thread_create(heap, (struct task *)task->object, (struct thread **)object);
    }
    case BURSAR_OBJECT_HEAP:
        if (argument)
            return -BURSAR_E_INVALID_ARGUMENT;
        return heap_create(heap, (struct heap **)object);
    default:
        return -BURSAR_E_INVALID_ARGUMENT;      /* NONE, MEMORY (banks only come from boot), unknown */
    }
}

int sys_create(struct thread *caller, const struct machine_registers *r, uint32_t results[4])
{
    int error = BURSAR_OK;
    struct cap_slot *heap_slot, *destination;
    struct object *object;

    (void)results;
    heap_slot = cspace_lookup(own_space(caller), r->argument[0], BURSAR_OBJECT_HEAP, BURSAR_RIGHT_CHARGE, &error);
    if (!heap_slot)
        return error;
    destination = cspace_empty_slot(own_space(caller), r->argument[2], &error);
    if (!destination)
        return error;
    /* Only a heap's controller waits on its bank: a charge-only holder fails at once (heap_fault.c). */
    heap_fault_named(caller, r->argument[0]);
    error = create_object(caller, (struct heap *)heap_slot->object, r->argument[1], r->argument[3], destination,
                          &object);
    if (error != BURSAR_OK)
        return error;
    cap_install_root(destination, object);
    return BURSAR_OK;
}

/* Destroy: every capability to the object goes first, then the object. */
int sys_destroy(struct thread *caller, const struct machine_registers *r, uint32_t results[4])
{
    int error = BURSAR_OK;
    struct cap_slot *slot = cspace_lookup(own_space(caller), r->argument[0], BURSAR_OBJECT_NONE,
                                          BURSAR_RIGHT_CONTROL, &error);
    struct object *object;

    (void)results;
    if (!slot)
        return error;
    object = slot->object;
    if (object->type == BURSAR_OBJECT_MEMORY || object->type == BURSAR_OBJECT_DEVICES ||
        object->type == BURSAR_OBJECT_DEBUG || object == &boot_heap.header)
        return -BURSAR_E_BUSY;                   /* boot authority is for good */
    if (object->type == BURSAR_OBJECT_HEAP &&
        (((struct heap *)object)->reclaiming || heap_pays_for_thread((struct heap *)object, caller)))
        return -BURSAR_E_BUSY;                   /* a reclaim is under way; or it would free the stack we run on */
    object_destroy(object);
    return BURSAR_OK;
}

/* The destination slot of SYS_CAP_COPY: in the caller's space or in a task it controls. */
static struct cap_slot *copy_destination(struct thread *caller, uint32_t word, struct task **task, int *error)
{
    uint32_t task_index = word >> 16;

    *task = caller->task;
    if (task_index != BURSAR_OWN_TASK) {
        struct cap_slot *slot = cspace_lookup(own_space(caller), task_index, BURSAR_OBJECT_TASK,
                                              BURSAR_RIGHT_CONTROL, error);
        if (!slot)
            return NULL;
        *task = (struct task *)slot->object;
    }
    return cspace_empty_slot(&(*task)->cspace, word & 0xffffu, error);
}

int sys_cap_copy(struct thread *caller, const struct machine_registers *r, uint32_t results[4])
{
    int error = BURSAR_OK;
    uint32_t rights = r->argument[2] & 0xffu, mode = r->argument[2] >> BURSAR_TRANSFER_MODE_SHIFT;
    struct cap_slot *source = cspace_lookup(own_space(caller), r->argument[0], BURSAR_OBJECT_NONE, 0, &error);
    struct cap_slot *destination;
    struct task *task;

    (void)results;
    if (!source)
        return error;
    destination = copy_destination(caller, r->argument[1], &task, &error);
    if (!destination)
        return error;
    if (rights & ~BURSAR_RIGHTS_ALL || mode > BURSAR_GRANT || destination == source)
        return -BURSAR_E_INVALID_ARGUMENT;
    error = cap_check_derivation(source, rights, r->argument[3]);
    if (error != BURSAR_OK)
        return error;
    if (task != caller->task && !(source->holder.rights & BURSAR_RIGHT_GRANT))
        return -BURSAR_E_NO_RIGHTS;              /* passing it on needs GRANT */
    switch (mode) {
    case BURSAR_COPY:
        return cap_copy(source, destination, rights, r->argument[3]);
    case BURSAR_REVOCABLE_COPY:
        return cap_revocable_copy(source, destination, rights, r->argument[3], caller->task->header.payer);
    default:
        return cap_grant(source, destination, rights, r->argument[3]);
    }
}

int sys_cap_delete(struct thread *caller, const struct machine_registers *r, uint32_t results[4])
{
    int error = BURSAR_OK;
    struct cap_slot *slot = cspace_lookup(own_space(caller), r->argument[0], BURSAR_OBJECT_NONE, 0, &error);

    (void)results;
    return slot ? cap_delete(slot) : error;
}

int sys_cap_revoke(struct thread *caller, const struct machine_registers *r, uint32_t results[4])
{
    int error = BURSAR_OK;
    struct cap_slot *slot = cspace_lookup(own_space(caller), r->argument[0], BURSAR_OBJECT_NONE, 0, &error);

    (void)results;
    return slot ? cap_revoke(slot) : error;
}

/*
 * The brand check: do two of the caller's capabilities name one object? A
 * server asks it of a capability a client hands it and one it holds itself
 * (its own endpoint), to reject a look-alike that answers the same
 * protocol. It tells that one bit and nothing else: not which object,
 * not where; each slot's type, rights and badge SYS_CAP_INSPECT tells
 * already. Holding both capabilities is enough: no right is needed.
 */
int sys_cap_compare(struct thread *caller, const struct machine_registers *r, uint32_t results[4])
{
    int error = BURSAR_OK;
    struct cap_slot *a = cspace_lookup(own_space(caller), r->argument[0], BURSAR_OBJECT_NONE, 0, &error);
    struct cap_slot *b = a ? cspace_lookup(own_space(caller), r->argument[1], BURSAR_OBJECT_NONE, 0, &error) : NULL;

    if (!b)
        return error;
    results[0] = a->object == b->object;
    return BURSAR_OK;
}

/* Reports an empty or revoked slot as type NONE rather than as an error. */
int sys_cap_inspect(struct thread *caller, const struct machine_registers *r, uint32_t results[4])
{
    int error = BURSAR_OK;
    struct cap_slot *slot = cspace_slot(own_space(caller), r->argument[0], &error);

    if (!slot)
        return error;
    results[0] = slot->object ? slot->type : BURSAR_OBJECT_NONE;
    results[1] = slot->object ? slot->holder.rights : 0;
    results[2] = slot->object ? slot->badge : 0;
    results[3] = slot->holder.state == MAPDB_HOLDER_REVOKED;
    return BURSAR_OK;
}
