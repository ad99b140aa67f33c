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

uint32_t object_lists_generation;

void object_init(struct object *object, struct heap *payer, enum bursar_object_type type)
{
    mapdb_root_init(&object->capabilities, MAPDB_KIND_CAP, BURSAR_RIGHTS_ALL);
    object->payer = payer;
    object->type = (uint8_t)type;
    object->dying = false;
    object->reserved = 0;
    object->destroyer = NULL;
}

struct allocation_shape shape_of(enum bursar_heap_kind kind)
{
    switch (kind) {
    case BURSAR_HEAP_TASK:     return (struct allocation_shape){ sizeof(struct task), 8 };
    case BURSAR_HEAP_THREAD:   return (struct allocation_shape){ THREAD_OBJECT_SIZE, THREAD_OBJECT_SIZE };
    case BURSAR_HEAP_ENDPOINT: return (struct allocation_shape){ sizeof(struct endpoint), 8 };
    case BURSAR_HEAP_REPLY:    return (struct allocation_shape){ sizeof(struct reply), 8 };
    case BURSAR_HEAP_HEAP:     return (struct allocation_shape){ sizeof(struct heap), 8 };
    case BURSAR_HEAP_MEMORY:   return (struct allocation_shape){ sizeof(struct memory), 8 };
    case BURSAR_HEAP_RECORD:   return (struct allocation_shape){ sizeof(struct mapdb_record), 8 };
    case BURSAR_HEAP_IRQ:      return (struct allocation_shape){ sizeof(struct irq), 8 };
    case BURSAR_HEAP_IO_PORTS: return (struct allocation_shape){ sizeof(struct io_ports), 8 };
    default:             return (struct allocation_shape){ 4096, 4096 };   /* tables and shadows */
    }
}
