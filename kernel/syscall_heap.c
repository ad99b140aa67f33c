/*
 * syscall_heap.c — what a heap's payer does with it besides donating:
 * take pages back (reclaim). Donation and the ledger (SYS_HEAP_INFO) are in
 * syscall_memory.c.
 */
#include "bursar/errors.h"
#include "bursar/objects.h"
#include "kernel/destroy.h"
#include "kernel/heap.h"
#include "kernel/syscall.h"
#include "kernel/task.h"
#include "kernel/thread.h"

static struct cspace *own_space(struct thread *caller)
{
    return &caller->task->cspace;
}

/*
 * The caller may lose anything but the page it runs on: its task, even,
 * when the heap pays for that. Then there is no one left to tell.
 */
int sys_heap_reclaim(struct thread *caller, const struct machine_registers *r, uint32_t results[4])
{
    int error = BURSAR_OK;
    struct cap_slot *slot = cspace_lookup(own_space(caller), r->argument[0], BURSAR_OBJECT_HEAP,
                                          BURSAR_RIGHT_CONTROL, &error);
    struct bursar_reclaim_info info;
    struct heap *heap;

    if (!slot)
        return error;
    heap = (struct heap *)slot->object;
    if (r->argument[1] == 0)
        return -BURSAR_E_INVALID_ARGUMENT;
    if (heap == &boot_heap || heap_pays_for_thread(heap, caller))
        return -BURSAR_E_BUSY;
    error = utcb_write_info(caller, &info, 0);
    if (error != BURSAR_OK)
        return error;
    heap_reclaim(heap, r->argument[1], &info);
    if (caller->state == THREAD_DEAD)
        return BURSAR_OK;
    results[0] = info.pages_reclaimed;
    results[1] = info.objects_moved;
    results[2] = info.objects_destroyed;
    utcb_write_info(caller, &info, sizeof info);    /* unless the reclaim took the UTCB's page away */
    return BURSAR_OK;
}
