/*
 * destroy.h — tearing a kernel object down, the one way SYS_DESTROY and a
 * heap reclaim both use: every capability to it is revoked first, then the
 * object goes (waiters woken with DESTROYED, a task's threads and spaces
 * released, a heap's contents reclaimed).
 */
#ifndef KERNEL_DESTROY_H
#define KERNEL_DESTROY_H

#include "kernel/object.h"

struct heap;
struct thread;

void object_destroy(struct object *object);

/*
 * Does `heap` pay, directly or through heaps it paid for, for the page
 * `thread` runs on? Then the heap cannot be destroyed or reclaimed from
 * that thread: it would free the stack it runs on.
 */
bool heap_pays_for_thread(const struct heap *heap, const struct thread *thread);

#endif /* KERNEL_DESTROY_H */
