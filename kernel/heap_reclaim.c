/*
 * heap_reclaim.c — the payer takes pages back. kheap chooses the pages and
 * empties them; this file is what that needs from the kernel: how a live
 * object of each kind moves (only mapping records do) or is destroyed (as
 * SYS_DESTROY would destroy it), and where the emptied frames go (back to
 * the bank that owns them, zeroed, so the accounting identity stays exact).
 * Destroying a heap is a reclaim of all of it.
 *
 * The reclaim goes one kheap unit at a time, and a unit is small: a page
 * returned, a record moved, or an empty record freed. Everything else in a
 * victim page the kernel takes apart first, with preemption points, the
 * way SYS_DESTROY would (a record is emptied: its holders and its whole
 * subtree), so that kheap's unit finds the slot free. What another thread
 * is already taking apart — an object it is destroying, a thread stopped
 * in the kernel, which frees itself when it leaves — the reclaim waits for,
 * lending its priority to that one thread (finisher_of). It never waits for
 * threads that hold nothing in its pages, so its time is bounded by the
 * work its own pages need, whatever others do (docs/architecture.md).
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
#include "kernel/thread.h"

#define RECLAIM_UNITS_PER_POINT 16
/*
 * A step's preemption units beyond its one: kheap_reclaim_next's search
 * (kheap's `examined`, about 6 instructions a slot step) and taking an
 * object apart (an endpoint, thread, reply, IRQ or port range: 600 to 860
 * instructions, its waiters and capabilities counted by their own
 * teardown). A unit is about 300 instructions (PREEMPT_CHUNK of them to a
 * window under 5 000). Counting every step as one let 16 take-aparts after
 * a 32-page victim choice run in one window: 8 000 instructions in the
 * stress run (`./bursar bench --only stress`).
 */
#define EXAMINED_PER_UNIT 48
#define TAKE_APART_UNITS 3
#define RECLAIM_PAGES_PER_CALL 16
#define PAGE_WIPE_UNITS PREEMPT_CHUNK   /* a page wiped for its bank: a chunk of its own */

/* ---- kheap's callbacks ---- */

void heap_object_moved(void *context, uint32_t kind, void *old_object, void *new_object)
{
    (void)context;
    if (kind != BURSAR_HEAP_RECORD)
        panic("heap: kheap moved a %s, which is not movable", allocation_name(kind));
    mapdb_record_moved(&authority, old_object, new_object);
    memory_record_moved(new_object);
}

/*
 * A heap being destroyed is emptied: moving inside it would only move
 * things twice. An empty record (mapdb_record_is_empty) is what a reclaim
 * made of one it is about to free: it goes, it does not move.
 */
bool heap_object_can_move(void *context, uint32_t kind, const void *object)
{
    (void)context;
    if (kind == BURSAR_HEAP_RECORD && mapdb_record_is_empty(object))
        return false;
    return !heap_of(object)->header.dying;
}

/* The task a page directory, directory shadow or capability-table page belongs to (its frame says). */
static struct task *task_owning(enum bursar_heap_kind kind, const void *object)
{
    struct task *task = task_of_page(object);

    if (!task)
        return NULL;
    if (kind == BURSAR_HEAP_PAGE_DIRECTORY && task->page_directory == object)
        return task;
    if (kind == BURSAR_HEAP_SHADOW && (const void *)task->table_records == object)
        return task;
    for (uint32_t p = 0; kind == BURSAR_HEAP_CAPABILITY_TABLE && p < CSPACE_MAX_PAGES; p++)
        if (task->cspace.pages[p] == object)
            return task;
    return NULL;
}

/*
 * kheap's unit destroys only records the reclaim has emptied (O(1)): every
 * other kind is taken apart ahead of the unit (take_apart), and the unit
 * runs when its slot is free.
 */
void heap_object_destroy(void *context, uint32_t kind, void *object)
{
    (void)context;
    if (kind != BURSAR_HEAP_RECORD || !mapdb_record_is_empty(object))
        panic("heap: a reclaim unit reached a live %s %p", allocation_name(kind), object);
    if (mapdb_record_destroy(&authority, object) != MAPDB_OK)
        panic("heap: reclaim could not free record %p", object);
}

/* ---- taking apart ahead of kheap's unit ---- */

/*
 * A record's holders, mapping and subtree can be of any size: they go in
 * chunks, with points, and kheap's unit frees what is left, an empty leaf.
 * Someone else freeing the record meanwhile just ends the cursor.
 */
static void empty_record(struct mapdb_record *record)
{
    struct mapdb_cursor cursor;

    mapdb_cursor_init(&cursor);
    preempt_finish(&cursor, mapdb_record_empty(&authority, record, &cursor, PREEMPT_CHUNK));
}

/* Who frees a destroyed task that is not freed yet (NULL: it is not being destroyed). */
static struct thread *dying_task_finisher(const struct task *task)
{
    if (!task->header.dying)
        return NULL;
    return task->released ? task_finisher(task) : task->header.destroyer;
}

/*
 * The thread whose work in hand will free this object: its destroyer, while
 * that destroy runs; a thread destroyed in the middle of a system call frees
 * itself when it leaves; a task's parts go with the task. NULL when nobody
 * is taking it apart (or, for a heap, when its destroy was abandoned).
 */
static struct thread *finisher_of(uint32_t kind, void *object)
{
    struct task *task;

    switch (kind) {
    case BURSAR_HEAP_THREAD:
        if (((struct thread *)object)->destroyed_in_kernel)
            return object;
        /* fall through */
    case BURSAR_HEAP_ENDPOINT: case BURSAR_HEAP_REPLY: case BURSAR_HEAP_HEAP: case BURSAR_HEAP_IRQ: case BURSAR_HEAP_IO_PORTS:
        return ((struct object *)object)->dying ? ((struct object *)object)->destroyer : NULL;
    case BURSAR_HEAP_TASK:
        return dying_task_finisher(object);
    case BURSAR_HEAP_PAGE_DIRECTORY: case BURSAR_HEAP_SHADOW: case BURSAR_HEAP_CAPABILITY_TABLE:
        task = task_owning(kind, object);
        return task ? dying_task_finisher(task) : NULL;
    default:
        return NULL;
    }
}

/*
 * Nobody is taking the object apart: this thread does, with preemption
 * points, as SYS_DESTROY would (the task of a directory or capability
 * table, the mappings of a page table). Returns whether it began a destroy
 * (for the counts); the object may still be there afterwards (a thread
 * stopped in the kernel, a pinned task: then it has a finisher).
 */
static bool tear_down(uint32_t kind, void *object)
{
    struct task *task;

    switch (kind) {
    case BURSAR_HEAP_TASK: case BURSAR_HEAP_THREAD: case BURSAR_HEAP_ENDPOINT: case BURSAR_HEAP_REPLY: case BURSAR_HEAP_HEAP: case BURSAR_HEAP_IRQ:
    case BURSAR_HEAP_IO_PORTS:
        /* Dying here means a heap whose destroy was abandoned: this takes it over. */
        if (((struct object *)object)->dying && kind != BURSAR_HEAP_HEAP)
            panic("heap: reclaim found a dying %s nobody finishes", allocation_name(kind));
        object_destroy(object);
        return true;
    case BURSAR_HEAP_PAGE_DIRECTORY: case BURSAR_HEAP_SHADOW: case BURSAR_HEAP_CAPABILITY_TABLE:
        task = task_owning(kind, object);
        if (task) {
            object_destroy(&task->header);
            return true;
        }
        if (kind == BURSAR_HEAP_SHADOW && memory_release_table(object, false))
            return true;
        break;
    case BURSAR_HEAP_PAGE_TABLE:
        /* Its mappings go; a map into it meanwhile may leave it in use, then this runs again. */
        if (memory_release_table(object, true))
            return true;
        break;
    default:
        break;
    }
    panic("heap: reclaim found a %s %p that no task holds", allocation_name(kind), object);
}

/*
 * A live object in the victim page that does not move: emptied (a record)
 * or torn down by this thread, or, if another thread is taking it apart,
 * that thread runs at our priority for a while (then the loop looks again).
 * `counted` is the last object this reclaim began to destroy.
 */
static void take_apart(struct heap *heap, uint32_t kind, void *object, void **counted)
{
    struct thread *finisher;

    if (kind == BURSAR_HEAP_RECORD) {
        empty_record(object);
        return;
    }
    finisher = finisher_of(kind, object);
    if (finisher) {
        /* A thread whose own page we need: whatever it may cut short, it does (must_stop). */
        if (finisher == object)
            finisher->page_wanted = true;
        preempt_wait_for(finisher);
        return;
    }
    if (tear_down(kind, object) && object != *counted) {
        heap->torn_down[kind]++;
        *counted = object;
    }
}

/* ---- reclaim ---- */

/* The frame goes back to its bank (frame->owner never stopped naming it), wiped. */
static void return_to_bank(void *page)
{
    struct frame *frame = frame_of_virtual(page);

    KERNEL_ASSERT(frame && frame->type == FRAME_HEAP);
    frame_zero_page(page);
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

/*
 * Must the current thread stop the reclaim (plain) or heap destroy it is
 * doing? A reclaim needs its page (its destroy is abandoned then, and left
 * to whoever reaches the heap next: that is what breaks a cycle of two
 * reclaims each needing the other's thread). A plain reclaim also stops
 * when another thread destroyed its caller (a cancelled call); one that
 * destroyed its own caller (the heap paid for its task) runs to its end.
 */
static bool must_stop(bool plain)
{
    struct thread *self = current_thread;

    if (!self->destroyed_in_kernel)
        return false;
    return self->page_wanted || (plain && self->header.destroyer != self);
}

static void unit(struct heap *heap, struct kheap_reclaim *state)
{
    preempt_disable();
    reclaim_units(heap, state, 1);
    preempt_enable();
}

/*
 * Preemptible between units and inside the taking apart before them, not
 * inside a unit (kheap's state is mid-change there). Between units kheap
 * is consistent and other threads may allocate from the heap, free into it
 * or donate to it; the heap itself stays, because a heap under reclaim
 * cannot be reclaimed or destroyed by a system call (BUSY) and a destroy
 * reaching it waits until this one is over. A plain reclaim that must stop
 * (must_stop) finishes as if its target were met: its victim goes back to
 * being an ordinary page. A heap's destroy that must stop leaves its pages
 * (kheap finishes a flagged victim first when the destroy is taken over).
 */
void heap_reclaim(struct heap *heap, uint32_t pages, struct bursar_reclaim_info *info)
{
    struct kheap_reclaim state;
    uint32_t destroyed_before[BURSAR_HEAP_KIND_COUNT];
    void *counted = NULL;
    bool plain = !heap->header.dying;

    KERNEL_ASSERT(heap != &boot_heap && !heap->reclaiming);
    heap->reclaiming = true;
    heap->reclaimer = current_thread;
    for (uint32_t kind = 0; kind < BURSAR_HEAP_KIND_COUNT; kind++)
        destroyed_before[kind] = heap_destroyed(heap, kind);
    kheap_reclaim_begin(&state, pages);
    while (!state.done) {
        uint32_t kind;
        bool moves;
        void *next;

        if (must_stop(plain)) {
            if (plain) {
                state.target = state.returned;
                unit(heap, &state);
            }
            break;
        }
        next = kheap_reclaim_next(&heap->kheap, &state, &kind, &moves);
        uint32_t extra = state.examined / EXAMINED_PER_UNIT;
        if (!next || moves || (kind == BURSAR_HEAP_RECORD && mapdb_record_is_empty(next))) {
            if (!next)
                preempt_before(PAGE_WIPE_UNITS);    /* a page back: its wipe is a chunk's worth */
            unit(heap, &state);             /* a page back, a move, or an empty record freed */
        }
        else {
            take_apart(heap, kind, next, &counted);
            extra += TAKE_APART_UNITS;
        }
        /* Small units pass no point of their own: a point every RECLAIM_UNITS_PER_POINT of them. */
        if (!state.done)
            preempt_work(PREEMPT_CHUNK / RECLAIM_UNITS_PER_POINT + extra);
    }
    heap->reclaiming = false;
    heap->reclaimer = NULL;
    if (!info)
        return;
    *info = (struct bursar_reclaim_info){ .pages_reclaimed = state.returned, .objects_moved = state.moved };
    for (uint32_t kind = 0; kind < BURSAR_HEAP_KIND_COUNT; kind++) {
        info->destroyed_by_type[kind] = heap_destroyed(heap, kind) - destroyed_before[kind];
        info->objects_destroyed += info->destroyed_by_type[kind];
    }
}

/* ---- destruction ---- */

/*
 * Empty and free a dying heap whose destroyer is this thread. Another
 * thread's plain reclaim of it (begun before it was dying; none can begin
 * after) runs to its end first, at our priority. False when this thread
 * must stop (must_stop): the heap is left dying, with no destroyer, for
 * whoever reaches it next.
 */
static bool release_heap(struct heap *heap)
{
    while (heap->reclaiming && !must_stop(false))
        preempt_wait_for(heap->reclaimer);
    if (!heap->reclaiming) {
        if (heap->bank.object)
            cap_delete(&heap->bank);
        heap_fault_forget(heap);
        heap_reclaim(heap, heap->kheap.stats.pages_held, NULL);
    }
    if (heap->reclaiming || heap->kheap.stats.pages_held != 0) {
        heap->header.destroyer = NULL;
        return false;
    }
    heap_fault_forget(heap);   /* references the reclaim's own calls made (nothing can make more now) */
    heap_unlink(heap);
    heap_free(heap);
    return true;
}

/* A destroy that must stop leaves every heap it was in the middle of to whoever reaches it next. */
static void abandon(struct heap *heap, struct heap *at)
{
    for (;; at = at->header.payer) {
        at->header.destroyer = NULL;
        if (at == heap)
            return;
        preempt_work(1);
    }
}

/*
 * Innermost heaps first, so that emptying a heap never meets a heap object
 * with contents of its own: the kernel stack holds at most two reclaims,
 * however deep users nest their heaps. The walk goes down through the
 * heaps each one pays for and releases a heap once nothing is left under
 * it, one heap per step, with a preemption point between steps: a heap's
 * children that are not dying come first (heap_begin_destroy), so each
 * step is O(1). The heaps on the way down are dying, so nobody else
 * destroys them or creates a heap under them meanwhile. A child that
 * another thread is destroying is theirs to finish (we lend them our
 * priority until it is gone); one whose destroy was abandoned, this
 * destroy takes over.
 */
void heap_destroy(struct heap *heap)
{
    struct heap *at = heap;

    KERNEL_ASSERT(heap != &boot_heap);
    while (!must_stop(false)) {
        struct heap *child = at->first_child;
        struct thread *other = child && child->header.dying ? child->header.destroyer : NULL;

        if (other) {
            preempt_wait_for(other);
            continue;
        }
        if (child) {
            heap_begin_destroy(child);
            child->header.destroyer = current_thread;
            cap_revoke_all(&child->header);
            at = child;
        } else {
            struct heap *payer = at->header.payer;
            if (!release_heap(at))
                break;
            if (at == heap)
                return;
            at = payer;
        }
        preempt_work(1);
    }
    abandon(heap, at);
}
