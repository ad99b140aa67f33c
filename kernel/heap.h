/*
 * heap.h — kernel heaps: the kheap library wired to the frame table. Each
 * heap is itself a kernel object (paid by its parent heap), except the boot
 * heap, which lives in the fixed reservation and funds the root task.
 */
#ifndef KERNEL_HEAP_H
#define KERNEL_HEAP_H

#include "kernel/cspace.h"
#include "kernel/object.h"
#include "kheap/kheap.h"

struct endpoint;
struct thread;

/*
 * A thread's reference to a heap that must not outlive the heap (the heap
 * its system call faulted on, named, or last allocated from: heap_fault.c).
 * Each heap lists the references to it, so that its destruction clears
 * them without looking at every thread.
 */
struct heap_ref {
    struct heap *heap;                 /* NULL: none */
    struct heap_ref *next, *prev;      /* the heap's list */
    struct thread *thread;             /* whose reference it is */
};

struct heap {
    struct object header;
    struct kheap kheap;
    struct heap *next_heap, *prev_heap;    /* every heap, for the debug listing and accounting */
    /*
     * The heaps this one pays for, in a ring: those not being destroyed
     * first, so that destroying a heap finds one to go down into in O(1).
     */
    struct heap *first_child, *sibling_next, *sibling_prev;
    struct heap_ref *refs;             /* threads' references to it */
    uint32_t id;
    struct cap_slot bank;              /* endpoint its heap faults go to (a COPY), or empty */
    uint32_t fault_timeout;            /* timeout code for both phases of a heap fault */
    bool reclaiming;                   /* a reclaim (or the destruction) is under way */
    struct thread *reclaimer;          /* the thread doing it, while reclaiming */
    uint32_t torn_down[BURSAR_HEAP_KIND_COUNT];   /* destroyed by reclaims ahead of kheap's steps */
};

extern struct heap boot_heap;

/*
 * Register the kernel's allocation kinds and fund the boot heap. Each
 * allocation policy (heap_client.c, heap_global.c) has its own, which
 * calls heap_boot_init.
 */
void heaps_init(void);

/* An object of `kind`, or NULL when the heap has nothing free (a heap fault). */
void *heap_allocate(struct heap *heap, enum bursar_heap_kind kind);
void heap_free(void *object);
/*
 * The same for an allocation whose payer the caller has at hand (an
 * object's header, a record's payer): no lookup of the heap, and kheap
 * still checks that the allocation's page is that heap's.
 */
void heap_free_to(struct heap *payer, void *object);
/* Can `count` objects of `kind` come from this heap without a fault? */
bool heap_can_allocate(const struct heap *heap, enum bursar_heap_kind kind, uint32_t count);
/* Can all of counts[kind] objects of every kind come from this heap together, without a fault? */
bool heap_can_allocate_all(const struct heap *heap, const uint32_t counts[BURSAR_HEAP_KIND_COUNT]);
/*
 * `thread` (blocked or running, in a system call) is short of these in its
 * own heap: when it returns to its system call, that heap faults (IPC items
 * the sender pays for; the receiver may be the one running).
 */
void heap_note_fault_all(struct thread *thread, const struct heap *heap, const uint32_t counts[BURSAR_HEAP_KIND_COUNT]);
/* Pages a heap fault asks for so that `count` objects of `kind` fit. */
uint32_t heap_pages_needed(const struct heap *heap, enum bursar_heap_kind kind, uint32_t count);
/* The heap that holds this allocation. */
struct heap *heap_of(const void *allocation);

/*
 * A new, empty heap object paid by `payer`: BURSAR_OK, -OUT_OF_MEMORY, or
 * -NOT_SUPPORTED where the kernel has no heaps but its pool (heap_global.c).
 */
int heap_create(struct heap *payer, struct heap **out);
/*
 * May the heap's payer fund it, take pages back and set its bank and
 * watermarks (SYS_HEAP_DONATE, _RECLAIM, _CONFIGURE)? BURSAR_OK, or
 * -NOT_SUPPORTED where the one pool is funded at boot for good (heap_global.c).
 */
int heap_payer_controls(const struct heap *heap);
/* Give a heap a frame (already taken from its bank). */
int heap_donate_frame(struct heap *heap, uint32_t frame);
/* Out of the list of heaps and its payer's children (its destruction). */
void heap_unlink(struct heap *heap);
/* It begins to die (dying set): behind its payer's other children, which are not. */
void heap_begin_destroy(struct heap *heap);
/*
 * Point `ref` at `heap` (or NULL), on that heap's list of references.
 * Inline because every system call clears the caller's three references,
 * which are NULL almost always: only a change leaves the caller.
 */
void heap_ref_change(struct heap_ref *ref, struct heap *heap);
static inline void heap_ref_set(struct heap_ref *ref, struct heap *heap)
{
    if (ref->heap != heap)
        heap_ref_change(ref, heap);
}

/* heap_reclaim.c: reclaim and destruction. */
struct bursar_reclaim_info;
/*
 * Take up to `pages` pages back: free pages first, then live objects are
 * moved or destroyed; every page goes back, zeroed, to the bank that owns
 * its frame. `info` (may be NULL) says what was done.
 */
void heap_reclaim(struct heap *heap, uint32_t pages, struct bursar_reclaim_info *info);
/* Objects of an allocation kind the heap's reclaims have destroyed, ever. */
uint32_t heap_destroyed(const struct heap *heap, uint32_t kind);
/*
 * Destroy a heap whose capabilities are revoked: the heaps it paid for go
 * first (innermost first), then everything in it, as a reclaim of every page.
 */
void heap_destroy(struct heap *heap);
/* heap_fault.c: restart the system call after the bank donated? (false: it fails) */
bool heap_fault_serve(struct thread *thread);
/*
 * After a system call: if it left the heap it allocated from below its low
 * watermark, the thread asks the heap's bank to refill it to the high one
 * (its result stands whatever the bank says).
 */
void heap_fault_refill(struct thread *thread);
/*
 * heap_fault_named (thread.h, inline: one store): the system call names a
 * heap by this capability; if it holds CONTROL of the heap the call faults
 * on, the fault is the caller's to take.
 */
/*
 * A destroyed heap: threads' references to it are cleared, and threads
 * waiting on its bank will fail with OUT_OF_MEMORY. Passes preemption points.
 */
void heap_fault_forget(struct heap *heap);
/* A new thread's references name it; a thread about to be freed drops them. */
void heap_fault_thread_init(struct thread *thread);
void heap_fault_thread_gone(struct thread *thread);
/* kheap's callbacks for the kernel's heaps. */
void heap_object_moved(void *context, uint32_t kind, void *old_object, void *new_object);
bool heap_object_can_move(void *context, uint32_t kind, const void *object);
void heap_object_destroy(void *context, uint32_t kind, void *object);

/* heap.c, for the allocation policies: the kinds registered and the boot heap funded. */
void heap_boot_init(void);
/* A heap object just allocated from `payer`, made an empty heap in the list of heaps. */
void heap_setup(struct heap *heap, struct heap *payer);

struct bursar_heap_info;
void heap_fill_info(const struct heap *heap, struct bursar_heap_info *info);

uint32_t heaps_count(void);
/* A heap's lines of the debug listing. */
void heap_print(const struct heap *heap);
struct heap *heaps_first(void);

#endif /* KERNEL_HEAP_H */
