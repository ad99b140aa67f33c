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
 * Kernel allocation kinds: every kheap type the kernel registers. The first
 * ones are the user-visible object types; the rest are the memory behind
 * tasks and the mapping database.
 */
enum kernel_allocation {
    ALLOC_TASK = 0,
    ALLOC_THREAD,             /* TCB + kernel stack, one page */
    ALLOC_ENDPOINT,
    ALLOC_REPLY,
    ALLOC_HEAP,
    ALLOC_MEMORY,
    ALLOC_PAGE_DIRECTORY,     /* 4 KiB, page aligned */
    ALLOC_PAGE_TABLE,         /* 4 KiB, page aligned */
    ALLOC_SHADOW,             /* 4 KiB: mapping records of one page table / page directory */
    ALLOC_CAPABILITY_TABLE,   /* 4 KiB of capability slots */
    ALLOC_RECORD,             /* a mapping-database record */
    ALLOC_IRQ,                /* an IRQ object */
    ALLOC_IO_PORTS,           /* an I/O port range object */
    ALLOC_KIND_COUNT
};

struct allocation_shape {
    uint32_t size, align;
};

const char *allocation_name(enum kernel_allocation kind);
/* Size and alignment of each kind, as kheap is told at start-up. */
struct allocation_shape shape_of(enum kernel_allocation kind);
void object_init(struct object *object, struct heap *payer, enum bursar_object_type type);
/*
 * Advances whenever a task, thread or heap joins or leaves the kernel's
 * lists of them: a listing that stops between entries (debug.c) knows
 * whether the entry it holds may be gone.
 */
extern uint32_t object_lists_generation;

#endif /* KERNEL_OBJECT_H */
