/*
 * task_sharing_program.c — a new task that shares this program's text and a region of its
 * memory, each mapped at the same address (see task_sharing_program.h).
 */
#include "libl4/l4.h"
#include "libl4/task_sharing_program.h"
#include "libl4/thread_spawn.h"

#define PAGE_SIZE 4096u

extern char program_start[], program_text_end[];

int l4_task_create_sharing_program(const struct l4_task_spec *spec)
{
    uintptr_t text = (uintptr_t)program_start;
    unsigned text_pages = (unsigned)(((uintptr_t)program_text_end - text) / PAGE_SIZE);
    int error = l4_create(spec->heap, BURSAR_OBJECT_TASK, spec->slot, spec->capability_slots);

    if (error)
        return error;
    error = l4_map(spec->slot, text, text, BURSAR_RIGHT_READ, text_pages);
    if (!error && spec->shared)
        error = l4_map(spec->slot, (uintptr_t)spec->shared, (uintptr_t)spec->shared,
                       BURSAR_RIGHT_READ | BURSAR_RIGHT_WRITE,
                       (unsigned)((spec->shared_size + PAGE_SIZE - 1) / PAGE_SIZE));
    if (error)
        l4_destroy(spec->slot);
    return error;
}

int l4_server_start_in_new_task(const struct l4_server_spec *spec)
{
    struct l4_thread_spec thread = {
        .heap = spec->task.heap, .task = spec->task.slot, .slot = spec->thread,
        .stack = spec->stack, .stack_size = spec->stack_size, .utcb = spec->utcb,
        .priority = spec->priority, .entry = spec->entry, .argument = spec->argument,
    };
    int error = l4_create(spec->task.heap, BURSAR_OBJECT_ENDPOINT, spec->endpoint, 0);

    if (!error)
        error = l4_create(spec->task.heap, BURSAR_OBJECT_REPLY, spec->reply, 0);
    if (!error)
        error = l4_task_create_sharing_program(&spec->task);
    if (!error)
        error = l4_cap_transfer(spec->endpoint, spec->task.slot, L4_SERVER_ENDPOINT, BURSAR_RIGHT_READ,
                                BURSAR_COPY, 0);
    if (!error)
        error = l4_cap_transfer(spec->reply, spec->task.slot, L4_SERVER_REPLY, BURSAR_RIGHTS_ALL,
                                BURSAR_GRANT, 0);
    if (!error)
        error = l4_thread_spawn(&thread);
    return error;
}
