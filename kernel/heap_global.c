/*
 * heap_global.c — the baseline kernel's allocation policy: one kernel-wide
 * pool funded at boot, as in L4 kernels before per-client heaps. It is
 * linked into build/kernel/bursar-global.elf in place of heap_client.c,
 * heap_fault.c and heap_reclaim.c, behind the same heap.h; everything else
 * is the production kernel's code. It exists to measure what per-client
 * heaps cost (docs/benchmarks.md).
 *
 * The pool is the boot heap, grown at boot to a quarter of the free frames,
 * all of it in the fixed reservation: the accounting identity (fixed
 * reservation + heap frames + bank frames = usable frames) still holds,
 * with no heap frames. Every object and every mapping record comes from the
 * pool whatever heap a call names; the only heap capability there is names
 * the pool (the root's BURSAR_SLOT_HEAP and its copies). Its allocator is
 * the production kernel's kheap, so the comparison measures the per-client
 * machinery, not another allocator.
 *
 * What has no meaning here (docs/abi.md): creating a heap, donating to the
 * pool, reclaiming from it and configuring it answer NOT_SUPPORTED; an empty
 * pool answers OUT_OF_MEMORY at once (no bank, no heap fault: nobody can
 * add to it); SYS_HEAP_INFO and SYS_HEAP_RESERVE act on the pool.
 */
#include "bursar/errors.h"
#include "kernel/console.h"
#include "kernel/frame_table.h"
#include "kernel/heap.h"
#include "kernel/machine.h"

/* A quarter of the free frames: room for the benchmarks' largest trees (10^5 records) several times over. */
#define POOL_SHARE_DIVISOR 4

/* Pool frames come from the top of RAM, so the root's bank keeps the low frames it would have had. */
static uint32_t set_aside_pool_frames(void)
{
    uint32_t wanted = frame_table.count_by_type[FRAME_FREE] / POOL_SHARE_DIVISOR, taken = 0;

    for (uint32_t f = frame_table.frame_count; f-- > 0 && taken < wanted;)
        if (frame_table.frames[f].type == FRAME_FREE) {
            frame_set_type(f, FRAME_BOOT_HEAP);
            taken++;
        }
    return taken;
}

void heaps_init(void)
{
    uint32_t extra = set_aside_pool_frames();

    heap_boot_init();
    kprintf("global-allocator kernel: one pool of %u frames (%u KiB) funded at boot in the fixed reservation "
            "(the boot heap's %u and %u more); no per-client heaps\n", boot_heap.kheap.stats.pages_held,
            boot_heap.kheap.stats.pages_held * 4, boot_heap.kheap.stats.pages_held - extra, extra);
}

/* The heap a call names is the pool or stands for it: there is no other. */
void *heap_allocate(struct heap *heap, enum bursar_heap_kind kind)
{
    (void)heap;
    return kheap_allocate(&boot_heap.kheap, kind, NULL);
}

void heap_free(void *allocation)
{
    int status = kheap_free(&boot_heap.kheap, allocation);

    if (status != KHEAP_OK)
        panic("heap: free of %p failed (%d)", allocation, status);
}

void heap_free_to(struct heap *payer, void *allocation)
{
    (void)payer;
    heap_free(allocation);
}

bool heap_can_allocate(const struct heap *heap, enum bursar_heap_kind kind, uint32_t count)
{
    (void)heap;
    return kheap_can_allocate(&boot_heap.kheap, kind, count);
}

/* An empty pool is final: nothing is noted, no fault follows. */
void heap_note_fault_all(struct thread *thread, const struct heap *heap, const uint32_t counts[BURSAR_HEAP_KIND_COUNT])
{
    (void)thread;
    (void)heap;
    (void)counts;
}

int heap_create(struct heap *payer, struct heap **out)
{
    (void)payer;
    (void)out;
    return -BURSAR_E_NOT_SUPPORTED;
}

int heap_payer_controls(const struct heap *heap)
{
    (void)heap;
    return -BURSAR_E_NOT_SUPPORTED;
}

/* ---- heap faults (heap_fault.c in the production kernel): the pool has no bank ---- */

bool heap_fault_serve(struct thread *thread)
{
    (void)thread;
    return false;
}

void heap_fault_refill(struct thread *thread)
{
    (void)thread;
}

void heap_fault_forget(struct heap *heap)
{
    (void)heap;
}

/*
 * ---- reclaim and destruction (heap_reclaim.c in the production kernel) ----
 * SYS_HEAP_RECLAIM answers NOT_SUPPORTED and SYS_DESTROY refuses the pool
 * (the boot heap) with BUSY, so nothing reaches these: reaching one is a
 * kernel bug, and says so.
 */

void heap_reclaim(struct heap *heap, uint32_t pages, struct bursar_reclaim_info *info)
{
    (void)pages;
    (void)info;
    panic("heap %u: reclaim on the global-allocator kernel", heap->id);
}

uint32_t heap_destroyed(const struct heap *heap, uint32_t kind)
{
    (void)heap;
    (void)kind;
    return 0;
}

void heap_destroy(struct heap *heap)
{
    panic("heap %u: destroyed on the global-allocator kernel", heap->id);
}

void heap_object_moved(void *context, uint32_t kind, void *old_object, void *new_object)
{
    (void)context;
    (void)old_object;
    (void)new_object;
    panic("heap: kheap moved a %s in the pool, which is never reclaimed", allocation_name(kind));
}

bool heap_object_can_move(void *context, uint32_t kind, const void *object)
{
    (void)context;
    (void)kind;
    (void)object;
    return false;
}

void heap_object_destroy(void *context, uint32_t kind, void *object)
{
    (void)context;
    (void)object;
    panic("heap: kheap destroyed a %s in the pool, which is never reclaimed", allocation_name(kind));
}
