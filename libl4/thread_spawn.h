/*
 * thread_spawn.h — starting another thread in the caller's own task with one
 * call: create it, give it a UTCB and a priority, put the entry function's
 * argument on its stack, start it. When the entry function returns, the
 * thread exits. In a program whose starter named an exception handler and
 * a pager for its threads (libl4/start_info.h: init does), the thread gets
 * them too, before it runs: its faults go where the first thread's go.
 *
 *     static char stack[4096] __attribute__((aligned(16)));
 *     struct l4_thread_spec spec = {
 *         .heap = BURSAR_SLOT_HEAP, .task = BURSAR_SLOT_TASK, .slot = 9,
 *         .stack = stack, .stack_size = sizeof stack,
 *         .utcb = utcb_address, .priority = 100,
 *         .entry = worker, .argument = &work,
 *     };
 *     error = l4_thread_spawn(&spec);
 */
#ifndef LIBL4_THREAD_SPAWN_H
#define LIBL4_THREAD_SPAWN_H

#include <stddef.h>
#include <stdint.h>

struct l4_thread_spec {
    unsigned heap;                 /* heap capability that pays for the thread */
    unsigned task;                 /* capability of the caller's own task */
    unsigned slot;                 /* empty slot that will hold the new thread's capability */
    void *stack;                   /* lowest byte of the new thread's stack */
    size_t stack_size;
    uintptr_t utcb;                /* BURSAR_UTCB_SIZE-aligned, in memory mapped in this task */
    unsigned priority;             /* 0 .. BURSAR_PRIORITY_MAX */
    void (*entry)(void *argument);
    void *argument;
};

/*
 * 0, or a negative -BURSAR_E_*. On failure nothing is left behind: a thread
 * already created is destroyed and its slot emptied again.
 */
int l4_thread_spawn(const struct l4_thread_spec *spec);

#endif /* LIBL4_THREAD_SPAWN_H */
