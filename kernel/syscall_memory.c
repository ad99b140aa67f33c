/*
 * syscall_memory.c — mapping memory, funding heaps, reading the ledgers,
 * and the debug console calls. Everything that touches user memory goes
 * through the task's page tables (memory_translate), never through a user
 * pointer, so a bad address is an error, not a kernel fault.
 */
#include "bursar/errors.h"
#include "bursar/syscall.h"
#include "bursar/utcb.h"
#include "kernel/accounting.h"
#include "kernel/console.h"
#include "kernel/debug.h"
#include "kernel/frame_table.h"
#include "kernel/heap.h"
#include "kernel/ipc.h"
#include "kernel/irq.h"
#include "kernel/memory.h"
#include "kernel/preempt.h"
#include "kernel/self_check.h"
#include "kernel/syscall.h"
#include "kernel/task.h"
#include "kernel/thread.h"

#define PAGE_MASK (MACHINE_PAGE_SIZE - 1)
#define MAP_RIGHTS (BURSAR_RIGHT_READ | BURSAR_RIGHT_WRITE)
#define DEBUG_PUTS_BYTES_PER_UNIT 8      /* a preemption unit's worth of console output */

static struct cspace *own_space(struct thread *caller)
{
    return &caller->task->cspace;
}

/* "address | rights" words: a page address with READ/WRITE in the low bits. */
static int split_address_word(uint32_t word, uint32_t *address, uint32_t *rights)
{
    *address = word & ~PAGE_MASK;
    *rights = word & PAGE_MASK;
    return (*rights & ~MAP_RIGHTS) || !(*rights & BURSAR_RIGHT_READ) ? -BURSAR_E_INVALID_ARGUMENT : BURSAR_OK;
}

int sys_frame_map(struct thread *caller, const struct machine_registers *r, uint32_t results[4])
{
    int error = BURSAR_OK;
    uint32_t address, rights;
    struct cap_slot *memory = cspace_lookup(own_space(caller), r->argument[0], BURSAR_OBJECT_MEMORY,
                                            BURSAR_RIGHT_CONTROL, &error);

    (void)results;
    if (!memory)
        return error;
    error = split_address_word(r->argument[2], &address, &rights);
    if (error != BURSAR_OK)
        return error;
    return memory_map_frame(caller->task, (struct memory *)memory->object, r->argument[1], address, rights);
}

int sys_map(struct thread *caller, const struct machine_registers *r, uint32_t results[4])
{
    int error = BURSAR_OK;
    uint32_t address, rights;
    struct cap_slot *task = cspace_lookup(own_space(caller), r->argument[0], BURSAR_OBJECT_TASK,
                                          BURSAR_RIGHT_CONTROL, &error);

    (void)results;
    if (!task)
        return error;
    error = split_address_word(r->argument[2], &address, &rights);
    if (error != BURSAR_OK)
        return error;
    return memory_map(caller->task, r->argument[1], (struct task *)task->object, address, r->argument[3],
                      rights, caller->task->header.payer);
}

int sys_unmap(struct thread *caller, const struct machine_registers *r, uint32_t results[4])
{
    (void)results;
    switch (r->argument[2]) {
    case BURSAR_UNMAP_OWN:
        return memory_unmap(caller->task, r->argument[0], r->argument[1]);
    case BURSAR_UNMAP_DERIVED:
        return memory_unmap_derived(caller->task, r->argument[0], r->argument[1]);
    default:
        return -BURSAR_E_INVALID_ARGUMENT;
    }
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

int sys_frame_unmap(struct thread *caller, const struct machine_registers *r, uint32_t results[4])
{
    int error = BURSAR_OK;
    bool was_mapped = false;
    struct cap_slot *memory = cspace_lookup(own_space(caller), r->argument[0], BURSAR_OBJECT_MEMORY,
                                            BURSAR_RIGHT_CONTROL, &error);

    if (!memory)
        return error;
    error = memory_revoke_frame((struct memory *)memory->object, r->argument[1], &was_mapped);
    results[0] = was_mapped;
    return error;
}

static struct bursar_utcb *writable_utcb(struct thread *thread)
{
    uint64_t page;

    if (!thread->utcb_address)
        return NULL;
    page = memory_translate(thread->task, thread->utcb_address & ~PAGE_MASK, true);
    return page ? (struct bursar_utcb *)((uint8_t *)machine_physical_to_virtual(page) +
                                         (thread->utcb_address & PAGE_MASK)) : NULL;
}

int utcb_write_info(struct thread *thread, const void *data, uint32_t size)
{
    struct bursar_utcb *utcb = writable_utcb(thread);
    const uint8_t *from = data;
    uint8_t *to;

    if (!utcb)
        return -BURSAR_E_NOT_MAPPED;
    to = (uint8_t *)utcb->info;
    for (uint32_t i = 0; i < size; i++)
        to[i] = from[i];
    return BURSAR_OK;
}

_Static_assert(BURSAR_FRAME_STATE_MAX == BURSAR_UTCB_INFO_WORDS * 32, "SYS_FRAME_STATE fills the UTCB info area");

/*
 * Frames SYS_FRAME_STATE looks at per preemption unit (about 20 instructions
 * a frame): a point every 64 frames, so its 1536 frames are not one
 * interrupt-off window.
 */
#define FRAME_STATE_FRAMES_PER_UNIT 4u

static struct cap_slot *frame_state_memory(struct thread *caller, uint32_t index, int *error)
{
    return cspace_lookup(own_space(caller), index, BURSAR_OBJECT_MEMORY, BURSAR_RIGHT_CONTROL, error);
}

/*
 * A bit per frame, set for a frame the memory object holds that nothing
 * maps. Each bit is the frame's state when it was looked at: other threads
 * may run at the points between frames, as after any read.
 */
int sys_frame_state(struct thread *caller, const struct machine_registers *r, uint32_t results[4])
{
    int error = BURSAR_OK;
    uint32_t first = r->argument[1], count = r->argument[2], bits[BURSAR_UTCB_INFO_WORDS] = { 0 }, free_frames = 0;
    struct cap_slot *slot = frame_state_memory(caller, r->argument[0], &error);

    if (!slot)
        return error;
    if (count == 0 || count > BURSAR_FRAME_STATE_MAX)
        return -BURSAR_E_INVALID_ARGUMENT;
    for (uint32_t i = 0; i < count && first + i >= first; i++) {
        if (i % FRAME_STATE_FRAMES_PER_UNIT == FRAME_STATE_FRAMES_PER_UNIT - 1 && preempt_work(1)) {
            if (preempt_destroyed())
                return -BURSAR_E_DESTROYED;        /* never seen: it does not return to user mode */
            slot = frame_state_memory(caller, r->argument[0], &error);   /* the capability may be gone */
            if (!slot)
                return error;
        }
        if (memory_frame_is_free((struct memory *)slot->object, first + i)) {
            bits[i / 32] |= 1u << (i % 32);
            free_frames++;
        }
    }
    error = utcb_write_info(caller, bits, sizeof bits);
    if (error != BURSAR_OK)
        return error;
    results[0] = free_frames;
    results[1] = frame_table.frame_count;
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

int sys_system_info(struct thread *caller, const struct machine_registers *r, uint32_t results[4])
{
    struct bursar_system_info info;

    (void)r;
    (void)results;
    accounting_fill_info(&info);
    return utcb_write_info(caller, &info, sizeof info);
}

/*
 * Page by page through the caller's page tables, straight to the console
 * line (not through the printf engine), with a preemption point every few
 * dozen bytes. After a point the page is looked up again: a page unmapped
 * meanwhile ends the output there.
 */
int sys_debug_puts(struct thread *caller, const struct machine_registers *r, uint32_t results[4])
{
    uint32_t address = r->argument[0], length = r->argument[1];
    const char *page = NULL;

    (void)results;
    if (length > BURSAR_DEBUG_PUTS_MAX)
        return -BURSAR_E_INVALID_ARGUMENT;
    if (address >= MACHINE_USER_TOP || MACHINE_USER_TOP - address < length)
        return -BURSAR_E_INVALID_ADDRESS;
    for (uint32_t at = address; at < address + length; at = (at & ~PAGE_MASK) + MACHINE_PAGE_SIZE)
        if (!memory_translate(caller->task, at & ~PAGE_MASK, false))
            return -BURSAR_E_NOT_MAPPED;
    for (uint32_t at = address; at < address + length; at++) {
        if (!page || (at & PAGE_MASK) == 0) {
            uint64_t physical = memory_translate(caller->task, at & ~PAGE_MASK, false);
            if (!physical)
                return BURSAR_OK;
            page = machine_physical_to_virtual(physical);
        }
        machine_console_putc(page[at & PAGE_MASK]);
        if ((at - address) % DEBUG_PUTS_BYTES_PER_UNIT == DEBUG_PUTS_BYTES_PER_UNIT - 1 && preempt_work(1)) {
            if (preempt_destroyed())
                return BURSAR_OK;
            page = NULL;
        }
    }
    return BURSAR_OK;
}

/* Everything the kernel knows, to a holder of the debug capability only. */
int sys_debug_dump(struct thread *caller, const struct machine_registers *r, uint32_t results[4])
{
    int error = BURSAR_OK;
    uint32_t what = r->argument[1];

    (void)results;
    if (!cspace_lookup(own_space(caller), r->argument[0], BURSAR_OBJECT_DEBUG, BURSAR_RIGHT_READ, &error))
        return error;
    if (what == BURSAR_DUMP_CHECK || what == BURSAR_DUMP_CHECK_YIELDING)
        return self_check(what == BURSAR_DUMP_CHECK_YIELDING);
    if (what == BURSAR_DUMP_CAPABILITY_TREE || what == BURSAR_DUMP_FRAME_TREE)
        return debug_dump_tree(caller, what, r->argument[2]);
    if (what > BURSAR_DUMP_HEAPS)
        return -BURSAR_E_INVALID_ARGUMENT;
    debug_dump(what, true);
    return BURSAR_OK;
}
