/*
 * debug_tree.c — the debug console's view of the mapping database: for a
 * resource (the object a capability names, or a physical frame), every
 * record of its tree with its depth and rights, the heap that paid for it,
 * and who holds it: a task's capability slot, a thread's pager or exception
 * handler slot, or a task's page. One line per record and per holder, with
 * fixed words so the test harness can read it back (docs/abi.md). Asked
 * for by a system call, the listing passes a preemption point after each
 * line, and stops (saying so) if the database changed meanwhile.
 */
#include "bursar/errors.h"
#include "bursar/syscall.h"
#include "kernel/console.h"
#include "kernel/cspace.h"
#include "kernel/debug.h"
#include "kernel/frame_table.h"
#include "kernel/heap.h"
#include "kernel/memory.h"
#include "kernel/preempt.h"
#include "kernel/task.h"
#include "kernel/thread.h"
#include "lib/format.h"

/*
 * A walk of one tree that may stop at preemption points (a tree can have
 * 10^5 records): it goes on only while the mapping database is unchanged
 * (its generation), since what it holds may be gone otherwise.
 */
#define CLIMBS_PER_UNIT 4           /* levels climbed back up a tree: a preemption unit */

struct tree_walk {
    const struct mapdb_record *root;
    unsigned records, holders;
    bool preemptible;
    uint32_t generation;
};

/* After a line: a point (a line is worth a chunk); false if the tree may have changed meanwhile. */
static bool line_done(struct tree_walk *walk)
{
    if (!walk->preemptible)
        return true;
    preempt_work(PREEMPT_CHUNK);
    return authority.generation == walk->generation && !preempt_destroyed();
}

/*
 * A capability-table page names its task in its frame; a thread's handler
 * slots lie in its own page. The page's kheap type says which it is.
 */
static void print_holder_place(const struct mapdb_holder *holder)
{
    const struct cap_slot *slot = (const struct cap_slot *)holder;
    const struct cap_slot *page = (const struct cap_slot *)((uintptr_t)slot & ~(uintptr_t)(FRAME_SIZE - 1));
    const struct frame *frame = frame_of_virtual(page);
    bool heap_page = frame && (frame->type == FRAME_HEAP || frame->type == FRAME_BOOT_HEAP);
    uint32_t kind = heap_page ? frame->heap_page.type : BURSAR_HEAP_KIND_COUNT;    /* an uncarved page: neither */

    if (kind == BURSAR_HEAP_CAPABILITY_TABLE) {
        const struct task *task = task_of_page(page);
        for (uint32_t p = 0; task && p < CSPACE_MAX_PAGES; p++)
            if (task->cspace.pages[p] == page) {
                kprintf("task %u slot %u", task->id, (unsigned)(p * CAP_SLOTS_PER_PAGE + (uint32_t)(slot - page)));
                return;
            }
    }
    if (kind == BURSAR_HEAP_THREAD) {
        const struct thread *thread = (const struct thread *)page;
        if (slot == &thread->pager) {
            kprintf("thread %u pager", thread->id);
            return;
        }
        if (slot == &thread->exception_handler) {
            kprintf("thread %u exception-handler", thread->id);
            return;
        }
    }
    kprintf("kernel %p", (const void *)slot);
}

/* The record's mapping or holders, a line each. False if the walk must stop. */
static bool print_holders(const struct mapdb_record *record, struct tree_walk *walk)
{
    if (record->flags & MAPDB_F_MEMORY) {
        uint32_t task_id, address;
        if (!(record->flags & MAPDB_F_MAPPED))
            return true;
        walk->holders++;
        if (memory_mapping_place(record->mapping, &task_id, &address))
            kprintf("    mapdb mapping task %u page %08x\n", task_id, address);
        else
            kprintf("    mapdb mapping unplaced %p\n", (void *)record->mapping);
        return line_done(walk);
    }
    const struct mapdb_holder *holder = record->holders;
    if (!holder)
        return true;
    do {
        walk->holders++;
        kprintf("    mapdb holder ");
        print_holder_place(holder);
        kprintf(" rights %x\n", holder->rights);
        if (!line_done(walk))
            return false;
        holder = holder->next;
    } while (holder != record->holders);
    return true;
}

/* The depth is a number, not an indentation: a line's length does not grow with it. */
static bool print_record(const struct mapdb_record *record, unsigned depth, struct tree_walk *walk)
{
    walk->records++;
    kprintf("  mapdb record depth %u rights %x ", depth, record->rights);
    if (record->flags & MAPDB_F_ROOT)
        kprintf("root\n");
    else
        kprintf("paid by heap %u%s\n", ((const struct heap *)record->payer)->id,
                (record->flags & MAPDB_F_COPY) ? " (memory COPY)" : "");
    return line_done(walk) && print_holders(record, walk);
}

/* Climbing back from a deep leaf is a step a level: a point every chunk of them. */
static bool climbed(struct tree_walk *walk, unsigned *climbs)
{
    if (!walk->preemptible || ++*climbs % CLIMBS_PER_UNIT != 0)
        return true;
    preempt_work(1);
    return authority.generation == walk->generation && !preempt_destroyed();
}

static void print_tree(const struct mapdb_record *root, const char *what, bool preemptible)
{
    struct tree_walk walk = { .root = root, .preemptible = preemptible, .generation = authority.generation };
    const struct mapdb_record *record = root;
    enum mapdb_walk_step step = MAPDB_WALK_VISIT;
    unsigned depth = 0, climbs = 0;
    bool going, climbing = false;

    kprintf("---- mapdb tree of %s ----\n", what);
    for (going = print_record(record, depth, &walk); going; ) {
        step = mapdb_walk_step(root, &record, &depth, &climbing);
        if (step == MAPDB_WALK_END)
            break;
        going = step == MAPDB_WALK_VISIT ? print_record(record, depth, &walk) : climbed(&walk, &climbs);
    }
    if (!going)
        kprintf("---- mapdb tree: listing stopped, the database changed meanwhile ----\n");
    kprintf("---- mapdb tree: %u records, %u holders ----\n", walk.records, walk.holders);
}

void debug_print_tree(const struct mapdb_record *root, const char *what)
{
    print_tree(root, what, false);
}

int debug_dump_tree(struct thread *caller, uint32_t what, uint32_t argument)
{
    char name[64];

    if (what == BURSAR_DUMP_CAPABILITY_TREE) {
        int error = BURSAR_OK;
        struct cap_slot *slot = cspace_lookup(&caller->task->cspace, argument, BURSAR_OBJECT_NONE, 0, &error);
        if (!slot)
            return error;
        format_to_buffer(name, sizeof name, "object type %u (task %u slot %u)", slot->type, caller->task->id,
                         argument);
        print_tree(&slot->object->capabilities, name, true);
        return BURSAR_OK;
    }
    if (argument >= frame_table.frame_count)
        return -BURSAR_E_BAD_FRAME;
    format_to_buffer(name, sizeof name, "frame %u", argument);
    print_tree(&frame_table.frames[argument].mappings, name, true);
    return BURSAR_OK;
}
