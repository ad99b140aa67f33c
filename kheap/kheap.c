/*
 * kheap.c — setting a heap up: type registration, heap initialisation,
 * page donation, watermarks and stats. Allocation, reclaim and the
 * invariant check live in their own files.
 */
#include "kheap/kheap_internal.h"

static bool is_power_of_two(uint32_t x)
{
    return x != 0 && (x & (x - 1)) == 0;
}

static uint32_t round_up(uint32_t x, uint32_t align)
{
    return (x + align - 1) & ~(align - 1);
}

void kheap_typeset_init(struct kheap_typeset *set)
{
    kheap_zero_bytes(set, sizeof *set);
}

/*
 * The stored size is the slot size. Slots are at least pointer-aligned
 * because a free slot holds the free-list link; for every alignment of at
 * least a pointer's this is exactly "size rounded up to align".
 */
int kheap_type_register(struct kheap_typeset *set, const char *name,
                        uint32_t size, uint32_t align, bool movable)
{
    uint32_t slot_align = align;

    if (set == NULL || name == NULL)
        return KHEAP_E_BAD_ARG;
    if (size == 0 || size > KHEAP_PAGE_SIZE)
        return KHEAP_E_BAD_ARG;
    if (!is_power_of_two(align) || align > KHEAP_PAGE_SIZE)
        return KHEAP_E_BAD_ARG;
    if (set->count >= KHEAP_MAX_TYPES)
        return KHEAP_E_FULL;

    if (slot_align < _Alignof(void *))
        slot_align = _Alignof(void *);
    if (size < KHEAP_MIN_OBJECT_SIZE)
        size = KHEAP_MIN_OBJECT_SIZE;

    struct kheap_type *t = &set->types[set->count];
    t->name = name;
    t->size = round_up(size, slot_align);
    t->align = align;
    t->movable = movable;
    return (int)set->count++;
}

void kheap_init(struct kheap *heap, const struct kheap_typeset *types,
                const struct kheap_ops *ops, void *context)
{
    kheap_zero_bytes(heap, sizeof *heap);
    heap->types = types;
    heap->ops = ops;
    heap->context = context;
}

int kheap_donate(struct kheap *heap, void *page, struct kheap_page *descriptor)
{
    if (heap == NULL || page == NULL || descriptor == NULL)
        return KHEAP_E_BAD_ARG;
    if ((uintptr_t)page % KHEAP_PAGE_SIZE != 0 || descriptor->owner != NULL)
        return KHEAP_E_BAD_PAGE;
    /* A descriptor page_of would not find again makes every free fail. */
    struct kheap_page *found = heap->ops->page_of(heap->context, page);
    if (found != NULL && found != descriptor)
        return KHEAP_E_BAD_PAGE;

    descriptor->owner = heap;
    descriptor->base = page;
    kheap_reset_uncarved(descriptor);
    for (uint32_t word = 0; word < KHEAP_MAX_SLOTS / 32; word++)
        descriptor->live_bitmap[word] = 0;
    kheap_add_free_page(heap, descriptor);
    heap->stats.pages_held++;
    heap->stats.pages_donated++;
    return KHEAP_OK;
}

int kheap_set_watermarks(struct kheap *heap, uint32_t low, uint32_t high)
{
    if (heap == NULL || low > high)
        return KHEAP_E_BAD_ARG;
    heap->low_water = low;
    heap->high_water = high;
    return KHEAP_OK;
}

uint32_t kheap_excess_pages(const struct kheap *heap)
{
    if (heap->stats.pages_free <= heap->high_water)
        return 0;
    return heap->stats.pages_free - heap->high_water;
}

void kheap_get_stats(const struct kheap *heap, struct kheap_stats *out)
{
    kheap_copy_bytes(out, &heap->stats, sizeof *out);
}
