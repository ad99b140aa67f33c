/*
 * debug_tree.c — the debug console's view of the mapping database: for a
 * resource (the object a capability names, or a physical frame), every
 * record of its tree with its depth and rights, the heap that paid for it,
 * and who holds it: a task's capability slot, a thread's pager or exception
 * handler slot, or a task's page. One line per record and per holder, with
 * fixed words so the test harness can read it back (docs/abi.md).
 */
#include "bursar/errors.h"
#include "bursar/syscall.h"
#include "kernel/console.h"
#include "kernel/cspace.h"
#include "kernel/debug.h"
#include "kernel/frame_table.h"
#include "kernel/heap.h"
#include "kernel/memory.h"
#include "kernel/task.h"
#include "kernel/thread.h"
#include "lib/format.h"

static void indent(unsigned columns)
{
    while (columns--)
        kprintf(" ");
}

struct tree_count {
    unsigned records, holders;
};

/* Where a capability holder lives: a task's slot, or a thread's handler slot. */
static void print_holder_place(const struct mapdb_holder *holder)
{
    const struct cap_slot *slot = (const struct cap_slot *)holder;

    for (struct task *task = tasks_first(); task; task = task->next_task)
        for (uint32_t p = 0; p < CSPACE_MAX_PAGES && task->cspace.pages[p]; p++) {
            const struct cap_slot *page = task->cspace.pages[p];
            if (slot >= page && slot < page + CAP_SLOTS_PER_PAGE) {
                kprintf("task %u slot %u", task->id, (unsigned)(p * CAP_SLOTS_PER_PAGE + (uint32_t)(slot - page)));
                return;
            }
        }
    for (struct thread *thread = threads_first(); thread; thread = thread->next_thread) {
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

static void print_holders(const struct mapdb_record *record, unsigned depth, struct tree_count *count)
{
    if (record->flags & MAPDB_F_MEMORY) {
        uint32_t task_id, address;
        if (!(record->flags & MAPDB_F_MAPPED))
            return;
        count->holders++;
        indent(2 * depth + 4);
        if (memory_mapping_place(record->mapping, &task_id, &address))
            kprintf("mapdb mapping task %u page %08x\n", task_id, address);
        else
            kprintf("mapdb mapping unplaced %p\n", (void *)record->mapping);
        return;
    }
    const struct mapdb_holder *holder = record->holders;
    if (!holder)
        return;
    do {
        count->holders++;
        indent(2 * depth + 4);
        kprintf("mapdb holder ");
        print_holder_place(holder);
        kprintf(" rights %x\n", holder->rights);
        holder = holder->next;
    } while (holder != record->holders);
}

static void print_record(void *arg, const struct mapdb_record *record, unsigned depth)
{
    struct tree_count *count = arg;

    count->records++;
    indent(2 * depth + 2);
    kprintf("mapdb record depth %u rights %x ", depth, record->rights);
    if (record->flags & MAPDB_F_ROOT)
        kprintf("root\n");
    else
        kprintf("paid by heap %u%s\n", ((const struct heap *)record->payer)->id,
                (record->flags & MAPDB_F_COPY) ? " (memory COPY)" : "");
    print_holders(record, depth, count);
}

void debug_print_tree(const struct mapdb_record *root, const char *what)
{
    struct tree_count count = { 0, 0 };

    kprintf("---- mapdb tree of %s ----\n", what);
    mapdb_walk_tree(root, print_record, &count);
    kprintf("---- mapdb tree: %u records, %u holders ----\n", count.records, count.holders);
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
        debug_print_tree(&slot->object->capabilities, name);
        return BURSAR_OK;
    }
    if (argument >= frame_table.frame_count)
        return -BURSAR_E_BAD_FRAME;
    format_to_buffer(name, sizeof name, "frame %u", argument);
    debug_print_tree(&frame_table.frames[argument].mappings, name);
    return BURSAR_OK;
}
