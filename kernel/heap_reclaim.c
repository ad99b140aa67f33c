/*
 * heap_reclaim.c — the payer takes pages back. kheap chooses the pages and
 * empties them; this file is what that needs from the kernel: how a live
 * object of each kind moves (only mapping records do) or is destroyed (as
 * SYS_DESTROY would destroy it), and where the emptied frames go (back to
 * the bank that owns them, zeroed, so the accounting identity stays exact).
 * Destroying a heap is a reclaim of all of it.
 *
 * The reclaim goes one kheap unit at a time (a page returned, an object
 * moved or destroyed). Before kheap destroys an object, the kernel tears it
 * down itself, with preemption points, the way SYS_DESTROY would; kheap's
 * unit then finds the slot free. So interrupts stay off for one unit, or
 * for the bounded chunks of a teardown, never for a whole object's subtree.
 */
#include "bursar/objects.h"
#include "kernel/console.h"
#include "kernel/cspace.h"
#include "kernel/destroy.h"
#include "kernel/frame_table.h"
#include "kernel/heap.h"
#include "kernel/machine.h"
#include "kernel/memory.h"
#include "kernel/preempt.h"
#include "kernel/task.h"

#define RECLAIM_UNITS_PER_POINT 32
#define RECLAIM_PAGES_PER_CALL 16

/* ---- kheap's callbacks ---- */

void heap_object_moved(void *context, uint32_t kind, void *old_object, void *new_object)
{
    (void)context;
    if (kind != ALLOC_RECORD)
        panic("heap: kheap moved a %s, which is not movable", allocation_name(kind));
    mapdb_record_moved(&authority, old_object, new_object);
    memory_record_moved(new_object);
}

/* A heap being destroyed is emptied: moving inside it would only move things twice. */
bool heap_object_can_move(void *context, uint32_t kind, const void *object)
{
    (void)context;
    (void)kind;
    return !heap_of(object)->header.dying;
}

/* The task a page directory, directory shadow or capability-table page belongs to. */
static struct task *task_owning(enum kernel_allocation kind, const void *object)
{
    for (struct task *task = tasks_first(); task; task = task->next_task) {
        if (kind == ALLOC_PAGE_DIRECTORY && task->page_directory == object)
            return task;
        if (kind == ALLOC_SHADOW && (const void *)task->table_records == object)
            return task;
        for (uint32_t p = 0; kind == ALLOC_CAPABILITY_TABLE && p < CSPACE_MAX_PAGES; p++)
            if (task->cspace.pages[p] == object)
                return task;
    }
    return NULL;
}

/*
 * Parts of a task: without its directory or its capability table the task
 * cannot go on, so it is destroyed; a page table (or its shadow) takes its
 * mappings with it, and the task lives on and faults there.
 */
static void destroy_part_of_task(enum kernel_allocation kind, void *object)
{
    struct task *task = kind == ALLOC_PAGE_TABLE ? NULL : task_owning(kind, object);

    if (task) {
        object_destroy(&task->header);
        return;
    }
    if ((kind == ALLOC_PAGE_TABLE || kind == ALLOC_SHADOW) &&
        memory_release_table(object, kind == ALLOC_PAGE_TABLE))
        return;
    panic("heap: reclaim found a %s %p that no task holds", allocation_name(kind), object);
}

void heap_object_destroy(void *context, uint32_t kind, void *object)
{
    (void)context;
    switch (kind) {
    case ALLOC_RECORD: {
        int status = mapdb_record_destroy(&authority, object);
        if (status != MAPDB_OK)
            panic("heap: reclaim could not destroy record %p (%d)", object, status);
        break;
    }
    case ALLOC_TASK: case ALLOC_THREAD: case ALLOC_ENDPOINT: case ALLOC_REPLY: case ALLOC_HEAP: case ALLOC_IRQ:
    case ALLOC_IO_PORTS:
        object_destroy(object);
        break;
    case ALLOC_PAGE_DIRECTORY: case ALLOC_SHADOW: case ALLOC_CAPABILITY_TABLE: case ALLOC_PAGE_TABLE:
        destroy_part_of_task(kind, object);
        break;
    default:
        /* Memory objects: only the boot bank exists, and the boot heap is never reclaimed. */
        panic("heap: reclaim cannot destroy a %s", allocation_name(kind));
    }
}

/* ---- teardown ahead of kheap's unit ---- */

/*
 * A record's subtree can be of any size: revoke it first, preemptibly, so
 * that kheap's unit destroys a leaf (a memory record keeps its direct COPY
 * children: a revoke spares those, and the unit takes them).
 */
static void revoke_below(struct mapdb_record *record)
{
    struct mapdb_cursor cursor;
    int status;

    if (mapdb_record_is_leaf(record))
        return;
    mapdb_cursor_init(&cursor);
    if (record->flags & MAPDB_F_MEMORY)
        status = mapdb_unmap(&authority, record, &cursor, PREEMPT_CHUNK);
    else if (record->holders)
        status = mapdb_revoke(&authority, record->holders, &cursor, PREEMPT_CHUNK);
    else
        return;                 /* no holder left to revoke from: the unit does it */
    preempt_finish(&cursor, status);
}

/*
 * The object kheap will destroy next, torn down now with preemption points,
 * as SYS_DESTROY would (the task of a directory or capability table, the
 * mappings of a page table). kheap's unit then finds its slot free. An
 * object someone else is destroying already is theirs to finish: the unit's
 * quiesce waits for them. Returns whether this destroyed it.
 */
static bool tear_down(uint32_t kind, void *object)
{
    struct task *task;

    switch (kind) {
    case ALLOC_RECORD:
        revoke_below(object);
        return false;           /* the record itself goes in kheap's unit */
    case ALLOC_TASK: case ALLOC_THREAD: case ALLOC_ENDPOINT: case ALLOC_REPLY: case ALLOC_HEAP:
        if (((struct object *)object)->dying)
            return false;
        object_destroy(object);
        return true;
    case ALLOC_PAGE_DIRECTORY: case ALLOC_SHADOW: case ALLOC_CAPABILITY_TABLE:
        task = task_owning(kind, object);
        if (task && !task->header.dying) {
            object_destroy(&task->header);
            return true;
        }
        if (task || kind != ALLOC_SHADOW)
            return false;
        return memory_release_table(object, false);
    case ALLOC_PAGE_TABLE:
        return memory_release_table(object, true);
    default:
        return false;
    }
}

/* ---- reclaim ---- */

/* The frame goes back to its bank (frame->owner never stopped naming it), wiped. */
static void return_to_bank(void *page)
{
    struct frame *frame = frame_of_physical(machine_virtual_to_physical(page));
    uint32_t *word = page;

    KERNEL_ASSERT(frame && frame->type == FRAME_HEAP);
    for (uint32_t i = 0; i < FRAME_SIZE / sizeof *word; i++)
        word[i] = 0;
    frame_set_type(frame_number(frame), FRAME_BANK);
}

/* `units` units of kheap's reclaim; its pages go back to their banks. */
static void reclaim_units(struct heap *heap, struct kheap_reclaim *state, uint32_t units)
{
    void *returned[RECLAIM_PAGES_PER_CALL];
    uint32_t count;
    int status = kheap_reclaim(&heap->kheap, state, units, returned, RECLAIM_PAGES_PER_CALL, &count);

    if (status != KHEAP_OK)
        panic("heap %u: reclaim failed (%d)", heap->id, status);
    for (uint32_t i = 0; i < count; i++)
        return_to_bank(returned[i]);
}

/* Objects of `kind` this heap's reclaims destroyed: in kheap's units, and torn down ahead of them. */
uint32_t heap_destroyed(const struct heap *heap, uint32_t kind)
{
    return (uint32_t)heap->kheap.stats.by_type[kind].destroyed + heap->torn_down[kind];
}

/* The reclaiming thread was destroyed meanwhile: a plain reclaim stops, its victim an ordinary page again. */
static bool stops_early(struct heap *heap, struct kheap_reclaim *state)
{
    if (state->done || !preempt_destroyed() || heap->header.dying)
        return false;
    preempt_disable();
    state->target = state->returned;
    reclaim_units(heap, state, 1);
    preempt_enable();
    return true;
}

/*
 * Preemptible between units, not inside one: kheap's destroy callback must
 * have freed its object when it returns, so within a unit no other thread
 * may run, and none may be stopped inside an operation on what the unit
 * destroys (preempt_quiesce waits for those first). What is left for the
 * unit is small, since the teardown before it did the rest with points.
 * Between units kheap is consistent and other threads may allocate from the
 * heap, free into it or donate to it; the heap itself stays, because a heap
 * under reclaim cannot be reclaimed or destroyed by a system call (BUSY) and
 * a destroy reaching it from another reclaim quiesces until this one is
 * over. If the reclaiming thread is destroyed meanwhile, a plain reclaim
 * stops after its unit (the victim page goes back to being an ordinary
 * page); a heap's destruction always runs to its end, since nobody else can
 * reach the heap any more.
 */
void heap_reclaim(struct heap *heap, uint32_t pages, struct bursar_reclaim_info *info)
{
    struct kheap_reclaim state;
    uint32_t destroyed_before[ALLOC_KIND_COUNT];
    void *torn_down = NULL;

    KERNEL_ASSERT(heap != &boot_heap && !heap->reclaiming);
    heap->reclaiming = true;
    for (uint32_t kind = 0; kind < ALLOC_KIND_COUNT; kind++)
        destroyed_before[kind] = heap_destroyed(heap, kind);
    kheap_reclaim_begin(&state, pages);
    while (!state.done) {
        uint32_t kind;
        bool moves;
        void *next = kheap_reclaim_next(&heap->kheap, &state, &kind, &moves);

        /* Once per object before its unit (a second teardown of a dying object does nothing). */
        if (next && !moves && next != torn_down) {
            torn_down = next;
            if (tear_down(kind, next))
                heap->torn_down[kind]++;
        } else {
            /* One unit, so that the object after it is looked at first. */
            preempt_quiesce();
            preempt_disable();
            reclaim_units(heap, &state, 1);
            preempt_enable();
            torn_down = NULL;
        }
        if (stops_early(heap, &state))
            break;
        /* Small units pass no point of their own: a point every RECLAIM_UNITS_PER_POINT of them. */
        if (!state.done)
            preempt_work(PREEMPT_CHUNK / RECLAIM_UNITS_PER_POINT);
    }
    heap->reclaiming = false;
    if (!info)
        return;
    *info = (struct bursar_reclaim_info){ .pages_reclaimed = state.returned, .objects_moved = state.moved };
    for (uint32_t kind = 0; kind < ALLOC_KIND_COUNT && kind < 16; kind++) {
        info->destroyed_by_type[kind] = heap_destroyed(heap, kind) - destroyed_before[kind];
        info->objects_destroyed += info->destroyed_by_type[kind];
    }
}

/* ---- destruction ---- */

static bool is_paid_by(const struct heap *heap, const struct heap *ancestor)
{
    while (heap != &boot_heap) {
        heap = heap->header.payer;
        if (heap == ancestor)
            return true;
    }
    return false;
}

/* A heap `ancestor` paid for, directly or not, that pays for no heap itself. */
static struct heap *innermost_heap_under(const struct heap *ancestor)
{
    for (struct heap *heap = heaps_first(); heap; heap = heap->next_heap)
        if (heap != ancestor && heap->kheap.stats.by_type[ALLOC_HEAP].live == 0 && is_paid_by(heap, ancestor))
            return heap;
    return NULL;
}

/*
 * A heap under the destroyed one may be in another thread's reclaim,
 * stopped between units (it started before the heap was dying; none can
 * start after): quiescing lets it run to its end first.
 */
static void release_heap(struct heap *heap)
{
    if (heap->reclaiming)
        preempt_quiesce();     /* a reclaimer not running is stopped at a point: this waits it out */
    KERNEL_ASSERT(!heap->reclaiming);
    if (heap->bank.object)
        cap_delete(&heap->bank);
    heap_fault_forget(heap);
    heap_reclaim(heap, heap->kheap.stats.pages_held, NULL);
    KERNEL_ASSERT(heap->kheap.stats.pages_held == 0);
    heap_unlink(heap);
    heap_free(heap);
}

/*
 * Innermost heaps first, so that emptying a heap never meets a heap object
 * with contents of its own: the kernel stack holds at most two reclaims,
 * however deep users nest their heaps.
 */
void heap_destroy(struct heap *heap)
{
    struct heap *inner;

    KERNEL_ASSERT(heap != &boot_heap);
    while ((inner = innermost_heap_under(heap)) != NULL) {
        inner->header.dying = true;
        cap_revoke_all(&inner->header);
        release_heap(inner);
    }
    release_heap(heap);
}
