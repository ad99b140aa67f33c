/*
 * object.h — what every kernel object starts with, and the kinds of memory
 * the kernel allocates from heaps.
 *
 * Every object is a heap allocation (there is no other allocator), knows the
 * heap that paid for it, and embeds the root record of its capability
 * derivation tree: every capability to it hangs off that root.
 */
#ifndef KERNEL_OBJECT_H
#define KERNEL_OBJECT_H

#include <stdbool.h>
#include <stdint.h>

#include "bursar/objects.h"
#include "mapdb/mapdb.h"

struct heap;
struct thread;

struct object {
    struct mapdb_record capabilities;   /* root of the derivation tree */
    struct heap *payer;                 /* the heap it was allocated from */
    uint8_t type;                       /* enum bursar_object_type */
    bool dying;                         /* being destroyed: refuse new uses */
    uint16_t reserved;
    /*
     * While dying: the thread whose destroy of it is under way, which a
     * reclaim that needs its page waits for (heap_reclaim.c). NULL when
     * that destroy was abandoned (a heap's, its destroyer destroyed):
     * whoever needs it gone next takes the destroy over.
     */
    struct thread *destroyer;
};

/*
 * What the kernel allocates from heaps, kind by kind, is the ABI's enum
 * bursar_heap_kind (bursar/objects.h): every kheap type the kernel
 * registers is one, and SYS_HEAP_INFO reports by it.
 */

struct allocation_shape {
    uint32_t size, align;
};

const char *allocation_name(enum bursar_heap_kind kind);
/* Size and alignment of each kind, as kheap is told at start-up. */
struct allocation_shape shape_of(enum bursar_heap_kind kind);
/* Every field of the header (the object's own fields are its creator's to set). */
void object_init(struct object *object, struct heap *payer, enum bursar_object_type type);
/*
 * Advances whenever a task, thread or heap joins or leaves the kernel's
 * lists of them: a listing that stops between entries (debug.c) knows
 * whether the entry it holds may be gone.
 */
extern uint32_t object_lists_generation;

#endif /* KERNEL_OBJECT_H */
