/*
 * heap.c — kernel heaps on top of kheap. kheap carves pages; this file
 * supplies what kheap needs from the kernel: the page descriptor of a
 * frame (embedded in its frame-table entry), and the list of every heap for
 * the accounting identity and the debug listing.
 *
 * Both kernels link this file. Where an allocation comes from and what a
 * shortfall does is the allocation policy, linked per image: heap_client.c
 * (per-client heaps and heap faults: the production kernel) or
 * heap_global.c (one pool funded at boot: the baseline of
 * docs/benchmarks.md). Reclaim, with kheap's move and destroy callbacks, and
 * heap destruction are in heap_reclaim.c.
 */
#include "kernel/heap.h"
#include "kernel/console.h"
#include "kernel/frame_table.h"
#include "kernel/machine.h"
#include "kernel/thread.h"
#include "bursar/message.h"
#include "bursar/objects.h"

struct heap boot_heap;
static struct kheap_typeset kernel_types;
static struct heap *all_heaps;
static uint32_t next_heap_id;
static uint32_t heap_count;

static const char *const allocation_names[BURSAR_HEAP_KIND_COUNT] = {
    [BURSAR_HEAP_TASK] = "task", [BURSAR_HEAP_THREAD] = "thread", [BURSAR_HEAP_ENDPOINT] = "endpoint",
    [BURSAR_HEAP_REPLY] = "reply", [BURSAR_HEAP_HEAP] = "heap", [BURSAR_HEAP_MEMORY] = "memory",
    [BURSAR_HEAP_PAGE_DIRECTORY] = "page directory", [BURSAR_HEAP_PAGE_TABLE] = "page table",
    [BURSAR_HEAP_SHADOW] = "mapping shadow", [BURSAR_HEAP_CAPABILITY_TABLE] = "capability table",
    [BURSAR_HEAP_RECORD] = "mapdb record", [BURSAR_HEAP_IRQ] = "irq", [BURSAR_HEAP_IO_PORTS] = "io ports",
};

const char *allocation_name(enum bursar_heap_kind kind)
{
    return kind < BURSAR_HEAP_KIND_COUNT ? allocation_names[kind] : "?";
}

static struct kheap_page *page_of(void *context, const void *address)
{
    (void)context;
    struct frame *frame = frame_of_virtual(address);

    if (!frame || (frame->type != FRAME_HEAP && frame->type != FRAME_BOOT_HEAP))
        return NULL;
    return &frame->heap_page;
}

static const struct kheap_ops kernel_heap_ops = {
    .page_of = page_of, .moved = heap_object_moved, .can_move = heap_object_can_move,
    .destroy = heap_object_destroy,
};

/*
 * Only mapping-database records move: everything that points at one is
 * reachable from the record itself (its relatives, holders, and for a
 * mapping the shadow slot). Other kinds are named from places a move could
 * not find in bounded time (capability slots everywhere, saved kernel
 * stacks, page-directory entries), and page-sized kinds have no other slot
 * in their page to move to; reclaim destroys them.
 */
static bool is_movable(enum bursar_heap_kind kind)
{
    return kind == BURSAR_HEAP_RECORD;
}

static void register_kinds(void)
{
    kheap_typeset_init(&kernel_types);
    for (uint32_t kind = 0; kind < BURSAR_HEAP_KIND_COUNT; kind++) {
        struct allocation_shape shape = shape_of(kind);
        int id = kheap_type_register(&kernel_types, allocation_names[kind], shape.size, shape.align,
                                     is_movable(kind));
        KERNEL_ASSERT(id == (int)kind);
    }
}

static void link_heap(struct heap *heap)
{
    heap->id = next_heap_id++;
    heap->prev_heap = NULL;
    heap->next_heap = all_heaps;
    if (all_heaps)
        all_heaps->prev_heap = heap;
    all_heaps = heap;
    heap_count++;
    object_lists_generation++;
}

/* Into its payer's ring of children, in front: it is not dying. */
static void link_child(struct heap *heap)
{
    struct heap *payer = heap->header.payer, *first = payer->first_child;

    heap->first_child = NULL;
    if (!first) {
        heap->sibling_next = heap->sibling_prev = heap;
    } else {
        heap->sibling_next = first;
        heap->sibling_prev = first->sibling_prev;
        first->sibling_prev->sibling_next = heap;
        first->sibling_prev = heap;
    }
    payer->first_child = heap;
}

static void unlink_child(struct heap *heap)
{
    struct heap *payer = heap->header.payer;

    if (heap->sibling_next == heap) {
        payer->first_child = NULL;
    } else {
        heap->sibling_prev->sibling_next = heap->sibling_next;
        heap->sibling_next->sibling_prev = heap->sibling_prev;
        if (payer->first_child == heap)
            payer->first_child = heap->sibling_next;
    }
    heap->sibling_next = heap->sibling_prev = NULL;
}

void heap_boot_init(void)
{
    register_kinds();
    object_init(&boot_heap.header, &boot_heap, BURSAR_OBJECT_HEAP);
    kheap_init(&boot_heap.kheap, &kernel_types, &kernel_heap_ops, NULL);
    link_heap(&boot_heap);
    for (uint32_t f = 0; f < frame_table.frame_count; f++) {
        struct frame *frame = &frame_table.frames[f];
        if (frame->type == FRAME_BOOT_HEAP &&
            kheap_donate(&boot_heap.kheap, machine_physical_to_virtual(frame_physical(frame)),
                         &frame->heap_page) != KHEAP_OK)
            panic("heap: boot heap refused frame %u", f);
    }
}

struct heap *heap_of(const void *allocation)
{
    struct kheap_page *page = page_of(NULL, allocation);

    KERNEL_ASSERT(page && page->owner);
    return (struct heap *)((char *)page->owner - __builtin_offsetof(struct heap, kheap));
}

uint32_t heap_pages_needed(const struct heap *heap, enum bursar_heap_kind kind, uint32_t count)
{
    return kheap_pages_missing_for(&heap->kheap, kind, count);
}

/*
 * A query only: whose fault a shortfall is depends on who pays
 * (heap_note_fault_all). kheap answers it from the slots and pages its
 * allocator really takes (not a page a paused reclaim is evacuating), so
 * what this promises a commit gets.
 */
bool heap_can_allocate_all(const struct heap *heap, const uint32_t counts[BURSAR_HEAP_KIND_COUNT])
{
    return kheap_pages_missing(&heap->kheap, counts, BURSAR_HEAP_KIND_COUNT) == 0;
}

void heap_setup(struct heap *heap, struct heap *payer)
{
    object_init(&heap->header, payer, BURSAR_OBJECT_HEAP);
    kheap_init(&heap->kheap, &kernel_types, &kernel_heap_ops, NULL);
    heap->bank = (struct cap_slot){ 0 };
    heap->reclaiming = false;
    heap->reclaimer = NULL;
    for (uint32_t kind = 0; kind < BURSAR_HEAP_KIND_COUNT; kind++)
        heap->torn_down[kind] = 0;
    heap->fault_timeout = BURSAR_TIMEOUT_NEVER;
    heap->refs = NULL;
    link_heap(heap);
    link_child(heap);
}

int heap_donate_frame(struct heap *heap, uint32_t frame_index)
{
    struct frame *frame = &frame_table.frames[frame_index];
    int status;

    KERNEL_ASSERT(frame->type == FRAME_BANK);
    frame->heap_page.owner = NULL;      /* the union held the bank's fields: in no heap (kheap sets the rest) */
    status = kheap_donate(&heap->kheap, machine_physical_to_virtual(frame_physical(frame)), &frame->heap_page);
    if (status == KHEAP_OK)
        frame_set_type(frame_index, FRAME_HEAP);   /* frame->owner still names the bank */
    return status;
}

void heap_unlink(struct heap *heap)
{
    KERNEL_ASSERT(!heap->refs && !heap->first_child);
    if (heap->prev_heap)
        heap->prev_heap->next_heap = heap->next_heap;
    else
        all_heaps = heap->next_heap;
    if (heap->next_heap)
        heap->next_heap->prev_heap = heap->prev_heap;
    heap_count--;
    object_lists_generation++;
    unlink_child(heap);
}

/* The ring's tail is the first child's previous: a dying heap goes there, behind the living. */
void heap_begin_destroy(struct heap *heap)
{
    struct heap *payer = heap->header.payer;

    heap->header.dying = true;
    if (heap->sibling_next == heap)
        return;
    if (payer->first_child == heap) {
        payer->first_child = heap->sibling_next;      /* the ring stays; its tail is now this one */
        return;
    }
    heap->sibling_prev->sibling_next = heap->sibling_next;
    heap->sibling_next->sibling_prev = heap->sibling_prev;
    heap->sibling_next = payer->first_child;
    heap->sibling_prev = payer->first_child->sibling_prev;
    payer->first_child->sibling_prev->sibling_next = heap;
    payer->first_child->sibling_prev = heap;
}

void heap_ref_change(struct heap_ref *ref, struct heap *heap)
{
    if (ref->heap) {
        if (ref->prev)
            ref->prev->next = ref->next;
        else
            ref->heap->refs = ref->next;
        if (ref->next)
            ref->next->prev = ref->prev;
    }
    ref->heap = heap;
    ref->prev = NULL;
    ref->next = heap ? heap->refs : NULL;
    if (heap) {
        if (heap->refs)
            heap->refs->prev = ref;
        heap->refs = ref;
    }
}

void heap_fault_thread_init(struct thread *thread)
{
    thread->heap_fault.heap.thread = thread->heap_fault.refill.thread = thread;
    thread->heap_fault.named_slot = BURSAR_NO_CAPABILITY;
}

void heap_fault_thread_gone(struct thread *thread)
{
    heap_ref_set(&thread->heap_fault.heap, NULL);
    heap_ref_set(&thread->heap_fault.refill, NULL);
}

void heap_fill_info(const struct heap *heap, struct bursar_heap_info *info)
{
    const struct kheap_stats *s = &heap->kheap.stats;

    info->pages_held = s->pages_held;
    info->pages_free = s->pages_free;
    info->pages_donated = (uint32_t)s->pages_donated;
    info->pages_reclaimed = (uint32_t)s->pages_reclaimed;
    info->faults = (uint32_t)s->faults;
    info->low_water = heap->kheap.low_water;
    info->high_water = heap->kheap.high_water;
    for (uint32_t kind = 0; kind < BURSAR_HEAP_KIND_COUNT; kind++) {
        info->live_by_type[kind] = s->by_type[kind].live;
        info->free_by_type[kind] = s->by_type[kind].free;
        info->objects_moved += (uint32_t)s->by_type[kind].moved;
        info->objects_destroyed += heap_destroyed(heap, kind);
    }
}

uint32_t heaps_count(void)
{
    return heap_count;
}

struct heap *heaps_first(void)
{
    return all_heaps;
}

void heap_print(const struct heap *h)
{
    const struct kheap_stats *s = &h->kheap.stats;

    kprintf("heap %u%s: %u pages held (%u free), %llu donated, %llu reclaimed, %llu faults\n",
            h->id, h == &boot_heap ? " (boot)" : "", s->pages_held, s->pages_free,
            (unsigned long long)s->pages_donated, (unsigned long long)s->pages_reclaimed,
            (unsigned long long)s->faults);
    if (h->bank.object || h->kheap.high_water || h->reclaiming)
        kprintf("    watermarks %u/%u, %s bank%s\n", h->kheap.low_water, h->kheap.high_water,
                h->bank.object ? "a" : "no", h->reclaiming ? ", reclaim under way" : "");
    for (uint32_t kind = 0; kind < BURSAR_HEAP_KIND_COUNT; kind++)
        if (s->by_type[kind].live || s->by_type[kind].pages)
            kprintf("    %-18s %5u live %5u free in %u pages\n", allocation_name(kind),
                    s->by_type[kind].live, s->by_type[kind].free, s->by_type[kind].pages);
}
