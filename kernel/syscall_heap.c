/*
 * syscall_heap.c — the system calls on heaps: what a heap's payer does with
 * it (fund it with a bank's frames, take pages back by reclaim, set its
 * watermarks, bank and fault timeout), what a receiver does before it waits
 * for transfers (reserve), and the heap's ledger (SYS_HEAP_INFO).
 */
#include "bursar/errors.h"
#include "bursar/objects.h"
#include "bursar/utcb.h"
#include "kernel/console.h"
#include "kernel/destroy.h"
#include "kernel/frame_table.h"
#include "kernel/heap.h"
#include "kernel/ipc.h"
#include "kernel/memory.h"
#include "kernel/syscall_dispatch.h"
#include "kernel/task.h"
#include "kernel/thread.h"

#define HEAP_MAX_WATERMARK 1024u
#define HEAP_MAX_RESERVE 4096u

static struct cspace *own_space(struct thread *caller)
{
    return &caller->task->cspace;
}

/*
 * The caller may lose anything but the page it runs on (BUSY: heap_pays_for_thread):
 * its task, even, when the heap pays for that. Then the reclaim still runs
 * to its end, and the caller, destroyed with its task, never returns.
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
    error = heap_payer_controls(heap);
    if (error != BURSAR_OK)
        return error;
    if (r->argument[1] == 0)
        return -BURSAR_E_INVALID_ARGUMENT;
    if (heap == &boot_heap || heap->reclaiming || heap_pays_for_thread(heap, caller))
        return -BURSAR_E_BUSY;
    error = utcb_write_info(caller, &info, 0);
    if (error != BURSAR_OK)
        return error;
    heap_reclaim(heap, r->argument[1], &info);
    if (caller->destroyed_in_kernel)
        return BURSAR_OK;                           /* its task, UTCB and all, is gone */
    results[0] = info.pages_reclaimed;
    results[1] = info.objects_moved;
    results[2] = info.objects_destroyed;
    utcb_write_info(caller, &info, sizeof info);    /* unless the reclaim took the UTCB's page away */
    return BURSAR_OK;
}

/* Settings take effect at the next fault; a bank is kept as a COPY of the caller's endpoint. */
int sys_heap_configure(struct thread *caller, const struct machine_registers *r, uint32_t results[4])
{
    int error = BURSAR_OK;
    struct cap_slot *slot = cspace_lookup(own_space(caller), r->argument[0], BURSAR_OBJECT_HEAP,
                                          BURSAR_RIGHT_CONTROL, &error);
    uint32_t value = r->argument[2], value2 = r->argument[3];
    struct heap *heap;

    (void)results;
    if (!slot)
        return error;
    heap = (struct heap *)slot->object;
    error = heap_payer_controls(heap);
    if (error != BURSAR_OK)
        return error;
    switch (r->argument[1]) {
    case BURSAR_HEAP_WATERMARKS:
        if (value > value2 || value2 > HEAP_MAX_WATERMARK)
            return -BURSAR_E_INVALID_ARGUMENT;
        return kheap_set_watermarks(&heap->kheap, value, value2) == KHEAP_OK ? BURSAR_OK
                                                                               : -BURSAR_E_INVALID_ARGUMENT;
    case BURSAR_HEAP_BANK:
        return syscall_set_handler(caller, &heap->bank, value);
    case BURSAR_HEAP_FAULT_TIMEOUT:
        if (value > 0xfffu)
            return -BURSAR_E_INVALID_ARGUMENT;
        heap->fault_timeout = value;
        return BURSAR_OK;
    default:
        return -BURSAR_E_INVALID_ARGUMENT;
    }
}

/*
 * The counts a reserve asks for: one kind (esi) and its count (edi), or,
 * with esi BURSAR_HEAP_RESERVE_MANY, the first edi kinds' counts from the
 * caller's message registers (kind i in MR i). Each count at most 4096,
 * and at least one object asked for.
 */
static int reserve_counts(struct thread *caller, uint32_t kind, uint32_t count, uint32_t counts[BURSAR_HEAP_KIND_COUNT])
{
    const struct bursar_utcb *utcb;
    uint32_t asked = 0;

    if (kind != BURSAR_HEAP_RESERVE_MANY) {
        if (kind >= BURSAR_HEAP_KIND_COUNT || count == 0 || count > HEAP_MAX_RESERVE)
            return -BURSAR_E_INVALID_ARGUMENT;
        counts[kind] = count;
        return BURSAR_OK;
    }
    if (count == 0 || count > BURSAR_HEAP_KIND_COUNT)
        return -BURSAR_E_INVALID_ARGUMENT;
    utcb = ipc_utcb_of(caller, false);
    if (!utcb)
        return -BURSAR_E_NOT_MAPPED;
    for (uint32_t k = 0; k < count; k++) {
        counts[k] = utcb->mr[k];
        if (counts[k] > HEAP_MAX_RESERVE)
            return -BURSAR_E_INVALID_ARGUMENT;
        asked += counts[k];
    }
    return asked ? BURSAR_OK : -BURSAR_E_INVALID_ARGUMENT;
}

/*
 * Pre-funding, so that later transfers charged to this heap find free
 * objects: if the heap cannot allocate every count together, the call
 * fails with OUT_OF_MEMORY, which the dispatcher turns into a heap fault in
 * the caller's own context (for the pages all of them together miss); a
 * donation restarts it, and it counts again.
 */
int sys_heap_reserve(struct thread *caller, const struct machine_registers *r, uint32_t results[4])
{
    int error = BURSAR_OK;
    uint32_t counts[BURSAR_HEAP_KIND_COUNT] = { 0 };
    struct heap *heap = caller->task->header.payer;

    (void)results;
    if (r->argument[0] != BURSAR_NO_CAPABILITY) {
        struct cap_slot *slot = cspace_lookup(own_space(caller), r->argument[0], BURSAR_OBJECT_HEAP,
                                              BURSAR_RIGHT_CONTROL, &error);
        if (!slot)
            return error;
        heap = (struct heap *)slot->object;
    }
    error = reserve_counts(caller, r->argument[1], r->argument[2], counts);
    if (error != BURSAR_OK)
        return error;
    heap_fault_named(caller, r->argument[0]);
    if (heap_can_allocate_all(heap, counts))
        return BURSAR_OK;
    heap_note_fault_all(caller, heap, counts);
    return -BURSAR_E_OUT_OF_MEMORY;
}

/*
 * Every frame is checked before the first is donated: all or nothing. At
 * most BURSAR_HEAP_DONATE_MAX_FRAMES, so a call is short (no points here:
 * what was checked must not change before it is donated).
 */
int sys_heap_donate(struct thread *caller, const struct machine_registers *r, uint32_t results[4])
{
    int error = BURSAR_OK;
    uint32_t first = r->argument[2], count = r->argument[3];
    struct cap_slot *heap = cspace_lookup(own_space(caller), r->argument[0], BURSAR_OBJECT_HEAP,
                                          BURSAR_RIGHT_CONTROL, &error);
    struct cap_slot *memory = heap ? cspace_lookup(own_space(caller), r->argument[1], BURSAR_OBJECT_MEMORY,
                                                   BURSAR_RIGHT_CONTROL, &error) : NULL;

    (void)results;
    if (!memory)
        return error;
    if (count == 0 || count > BURSAR_HEAP_DONATE_MAX_FRAMES || count > frame_table.frame_count ||
        first > frame_table.frame_count - count)
        return -BURSAR_E_INVALID_ARGUMENT;
    error = heap_payer_controls((struct heap *)heap->object);
    if (error != BURSAR_OK)
        return error;
    for (uint32_t f = first; f < first + count; f++) {
        error = memory_take_frame((struct memory *)memory->object, f);
        if (error != BURSAR_OK)
            return error;
    }
    for (uint32_t f = first; f < first + count; f++)
        KERNEL_ASSERT(heap_donate_frame((struct heap *)heap->object, f) == KHEAP_OK);
    return BURSAR_OK;
}

int sys_heap_info(struct thread *caller, const struct machine_registers *r, uint32_t results[4])
{
    int error = BURSAR_OK;
    struct cap_slot *slot = cspace_lookup(own_space(caller), r->argument[0], BURSAR_OBJECT_HEAP,
                                          BURSAR_RIGHT_READ, &error);
    struct bursar_heap_info info = { 0 };

    (void)results;
    if (!slot)
        return error;
    heap_fill_info((struct heap *)slot->object, &info);
    return utcb_write_info(caller, &info, sizeof info);
}
