/*
 * syscall_memory.c — the system calls on memory objects and mappings: map a
 * bank's frame, map and unmap between tasks, take a frame back from
 * everywhere, read which frames nothing maps; and utcb_write_info, which
 * every call that answers through the UTCB uses. Everything that touches
 * user memory goes through the task's page tables (memory_translate), never
 * through a user pointer, so a bad address is an error, not a kernel fault.
 */
#include "bursar/errors.h"
#include "bursar/syscall.h"
#include "bursar/utcb.h"
#include "kernel/frame_table.h"
#include "kernel/ipc.h"
#include "kernel/memory.h"
#include "kernel/preempt.h"
#include "kernel/syscall_dispatch.h"
#include "kernel/task.h"
#include "kernel/thread.h"

#define PAGE_MASK (MACHINE_PAGE_SIZE - 1)
#define MAP_RIGHTS (BURSAR_RIGHT_READ | BURSAR_RIGHT_WRITE)

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

int utcb_write_info(struct thread *thread, const void *data, uint32_t size)
{
    struct bursar_utcb *utcb = ipc_utcb_of(thread, true);
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
#define FRAME_STATE_WRITE_UNITS 4u

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
    /* The 192 bytes' copy to the UTCB is about 1 000 instructions: counted, not added to the last chunk. */
    if (preempt_before(FRAME_STATE_WRITE_UNITS) && preempt_destroyed())
        return -BURSAR_E_DESTROYED;
    error = utcb_write_info(caller, bits, sizeof bits);
    if (error != BURSAR_OK)
        return error;
    results[0] = free_frames;
    results[1] = frame_table.frame_count;
    return BURSAR_OK;
}
