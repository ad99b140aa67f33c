/*
 * heap_client.c — the production kernel's allocation policy: per-client
 * heaps. Every allocation comes from the heap its payer names; one that
 * finds that heap empty during a system call is noted on the thread, and
 * the dispatcher turns the failed call into a heap fault to the heap's bank
 * (heap_fault.c). Heaps are objects users create and fund.
 *
 * The baseline kernel links heap_global.c in place of this file, of
 * heap_fault.c and of heap_reclaim.c; heap.c is common to both.
 */
#include "bursar/errors.h"
#include "kernel/heap.h"
#include "kernel/console.h"
#include "kernel/thread.h"

void heaps_init(void)
{
    heap_boot_init();
}

/*
 * An allocation that fails inside a thread's system call is noted on the
 * thread: the system call then fails with OUT_OF_MEMORY, and the dispatcher
 * turns that into a heap fault to the heap's bank (heap_fault.c). Outside a
 * system call nothing is noted: the kernel never waits for a bank.
 */
static void note_fault_for(struct thread *thread, const struct heap *heap, enum bursar_heap_kind kind,
                           uint32_t count)
{
    if (thread && thread->heap_fault.armed) {
        heap_ref_set(&thread->heap_fault.heap, (struct heap *)heap);
        thread->heap_fault.kind = (uint16_t)kind;
        thread->heap_fault.count = count;
        thread->heap_fault.pages = 0;
    }
}

static void note_fault(const struct heap *heap, enum bursar_heap_kind kind, uint32_t count)
{
    note_fault_for(current_thread, heap, kind, count);
}

void *heap_allocate(struct heap *heap, enum bursar_heap_kind kind)
{
    void *allocation = kheap_allocate(&heap->kheap, kind, NULL);

    if (!allocation)
        note_fault(heap, kind, 1);
    else if (kheap_refill_pages(&heap->kheap) && current_thread && current_thread->heap_fault.armed) {
        heap_ref_set(&current_thread->heap_fault.refill, heap);     /* below its low watermark: refill (heap_fault.c) */
        current_thread->heap_fault.refill_kind = (uint16_t)kind;
    }
    return allocation;
}

void heap_free(void *allocation)
{
    struct heap *heap = heap_of(allocation);
    int status = kheap_free(&heap->kheap, allocation);

    if (status != KHEAP_OK)
        panic("heap: free of %p failed (%d)", allocation, status);
}

void heap_free_to(struct heap *payer, void *allocation)
{
    int status = kheap_free(&payer->kheap, allocation);

    if (status != KHEAP_OK)
        panic("heap %u: free of %p failed (%d)", payer->id, allocation, status);
}

bool heap_can_allocate(const struct heap *heap, enum bursar_heap_kind kind, uint32_t count)
{
    if (kheap_can_allocate(&heap->kheap, kind, count))
        return true;
    note_fault(heap, kind, count);
    return false;
}

/* Noted as the first kind asked for, with the pages all of them together miss. */
void heap_note_fault_all(struct thread *thread, const struct heap *heap, const uint32_t counts[BURSAR_HEAP_KIND_COUNT])
{
    for (uint32_t kind = 0; kind < BURSAR_HEAP_KIND_COUNT; kind++)
        if (counts[kind]) {
            note_fault_for(thread, heap, kind, counts[kind]);
            if (thread && thread->heap_fault.armed)
                thread->heap_fault.pages = kheap_pages_missing(&heap->kheap, counts, BURSAR_HEAP_KIND_COUNT);
            return;
        }
}

int heap_create(struct heap *payer, struct heap **out)
{
    struct heap *heap = heap_allocate(payer, BURSAR_HEAP_HEAP);

    if (!heap)
        return -BURSAR_E_OUT_OF_MEMORY;
    heap_setup(heap, payer);
    *out = heap;
    return BURSAR_OK;
}

int heap_payer_controls(const struct heap *heap)
{
    (void)heap;
    return BURSAR_OK;
}
