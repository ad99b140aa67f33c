/*
 * task_sharing_program.h — a second address space running code of this very program: the
 * new task gets this program's text read-only at the same addresses, plus
 * whatever pages the caller shares with it (at the same addresses too), so
 * a function of this program can be the entry of a thread in the new task
 * with its stack and UTCB in a shared region. Tests and benchmarks use it
 * to get a real address-space switch without loading another program.
 *
 * The new task has no data or bss of its own: code running there may touch
 * only its stack, its UTCB and the shared pages. It is a test fixture, not
 * a way to start programs: a program in a task of its own, with its own
 * data, heap and capabilities, is started with libl4/loader.h.
 */
#ifndef LIBL4_TASK_SHARING_PROGRAM_H
#define LIBL4_TASK_SHARING_PROGRAM_H

#include <stddef.h>
#include <stdint.h>

struct l4_task_spec {
    unsigned heap;              /* pays for the task, its tables and capability space */
    unsigned slot;              /* empty slot for the new task's capability */
    unsigned capability_slots;  /* size of its capability space */
    void *shared;               /* page-aligned region of this task's memory to share, or NULL */
    size_t shared_size;         /* bytes; whole pages are shared, so the last one is rounded up */
};

/* 0 or -BURSAR_E_*; on failure the task is destroyed again. */
int l4_task_create_sharing_program(const struct l4_task_spec *spec);

/*
 * A server in a new task: an endpoint and a reply object (created in the
 * caller's slots `endpoint` and `reply`, both paid by the task spec's heap),
 * the new task, and a thread in it running `entry(argument)`. In the new task's
 * space the endpoint (receive right) is in slot L4_SERVER_ENDPOINT and the
 * reply object in L4_SERVER_REPLY; the caller keeps the endpoint to call it.
 * The stack and UTCB must lie in the shared region.
 */
#define L4_SERVER_ENDPOINT 0
#define L4_SERVER_REPLY 1

struct l4_server_spec {
    struct l4_task_spec task;
    unsigned endpoint, reply, thread;   /* the caller's empty slots */
    void *stack;
    size_t stack_size;
    uintptr_t utcb;
    unsigned priority;
    void (*entry)(void *argument);
    void *argument;
};

int l4_server_start_in_new_task(const struct l4_server_spec *spec);

#endif /* LIBL4_TASK_SHARING_PROGRAM_H */
