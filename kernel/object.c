/*
 * object.c — the object header, and the size and alignment of everything the
 * kernel allocates from heaps (the shapes kheap is told at start-up).
 */
#include "kernel/cspace.h"
#include "kernel/heap.h"
#include "kernel/io_ports.h"
#include "kernel/ipc.h"
#include "kernel/irq.h"
#include "kernel/memory.h"
#include "kernel/object.h"
#include "kernel/task.h"
#include "kernel/thread.h"

_Static_assert(THREAD_OBJECT_SIZE - sizeof(struct thread) >= THREAD_STACK_MINIMUM,
               "the TCB leaves enough of its page to the kernel stack");
/* SYS_HEAP_INFO reports by allocation kind; the ABI numbers them (bursar/objects.h). */
#define SAME_KIND(kernel, abi) ((int)(kernel) == (int)(abi))
_Static_assert(SAME_KIND(ALLOC_TASK, BURSAR_HEAP_TASK) && SAME_KIND(ALLOC_THREAD, BURSAR_HEAP_THREAD) &&
               SAME_KIND(ALLOC_ENDPOINT, BURSAR_HEAP_ENDPOINT) && SAME_KIND(ALLOC_REPLY, BURSAR_HEAP_REPLY) &&
               SAME_KIND(ALLOC_HEAP, BURSAR_HEAP_HEAP) && SAME_KIND(ALLOC_MEMORY, BURSAR_HEAP_MEMORY) &&
               SAME_KIND(ALLOC_PAGE_DIRECTORY, BURSAR_HEAP_PAGE_DIRECTORY) &&
               SAME_KIND(ALLOC_PAGE_TABLE, BURSAR_HEAP_PAGE_TABLE) && SAME_KIND(ALLOC_SHADOW, BURSAR_HEAP_SHADOW) &&
               SAME_KIND(ALLOC_CAPABILITY_TABLE, BURSAR_HEAP_CAPABILITY_TABLE) &&
               SAME_KIND(ALLOC_RECORD, BURSAR_HEAP_RECORD) && SAME_KIND(ALLOC_IRQ, BURSAR_HEAP_IRQ) &&
               SAME_KIND(ALLOC_IO_PORTS, BURSAR_HEAP_IO_PORTS) &&
               SAME_KIND(ALLOC_KIND_COUNT, BURSAR_HEAP_KIND_COUNT),
               "heap kinds are ABI");

uint32_t object_lists_generation;

void object_init(struct object *object, struct heap *payer, enum bursar_object_type type)
{
    mapdb_root_init(&object->capabilities, MAPDB_KIND_CAP, BURSAR_RIGHTS_ALL);
    object->payer = payer;
    object->type = (uint8_t)type;
    object->dying = false;
    object->destroyer = NULL;
}

struct allocation_shape shape_of(enum kernel_allocation kind)
{
    switch (kind) {
    case ALLOC_TASK:     return (struct allocation_shape){ sizeof(struct task), 8 };
    case ALLOC_THREAD:   return (struct allocation_shape){ THREAD_OBJECT_SIZE, THREAD_OBJECT_SIZE };
    case ALLOC_ENDPOINT: return (struct allocation_shape){ sizeof(struct endpoint), 8 };
    case ALLOC_REPLY:    return (struct allocation_shape){ sizeof(struct reply), 8 };
    case ALLOC_HEAP:     return (struct allocation_shape){ sizeof(struct heap), 8 };
    case ALLOC_MEMORY:   return (struct allocation_shape){ sizeof(struct memory), 8 };
    case ALLOC_RECORD:   return (struct allocation_shape){ sizeof(struct mapdb_record), 8 };
    case ALLOC_IRQ:      return (struct allocation_shape){ sizeof(struct irq), 8 };
    case ALLOC_IO_PORTS: return (struct allocation_shape){ sizeof(struct io_ports), 8 };
    default:             return (struct allocation_shape){ 4096, 4096 };   /* tables and shadows */
    }
}
