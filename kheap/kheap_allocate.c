/*
 * kheap_allocate.c — the fast path: allocate an object of a type (a free-list
 * pop, or carving a free page, or a heap fault) and free it again.
 */
#include "kheap/kheap_internal.h"

static void report_fault(struct kheap *heap, uint32_t type, struct kheap_fault *fault)
{
    heap->stats.faults++;
    heap->stats.by_type[type].faults++;
    if (fault == NULL)
        return;
    fault->type = type;
    fault->pages_needed = 1;    /* every object fits in one page */
    /* A fault means no free page is left: refilling to high takes high. */
    fault->pages_wanted = heap->high_water;
    if (fault->pages_wanted < fault->pages_needed)
        fault->pages_wanted = fault->pages_needed;
}

/* A malformed request is not a fault: pages_needed 0 tells them apart. */
static void report_bad_type(uint32_t type, struct kheap_fault *fault)
{
    if (fault == NULL)
        return;
    fault->type = type;
    fault->pages_needed = 0;
    fault->pages_wanted = 0;
}

void *kheap_allocate(struct kheap *heap, uint32_t type, struct kheap_fault *fault)
{
    if (heap == NULL || type >= heap->types->count) {
        report_bad_type(type, fault);
        return NULL;
    }

    struct kheap_page *page = heap->partial[type];
    if (page == NULL) {
        page = heap->free_pages;
        if (page == NULL) {
            report_fault(heap, type, fault);
            return NULL;
        }
        kheap_remove_free_page(heap, page);
        kheap_carve(heap, page, type);
        kheap_list_push(&heap->partial[type], page);
    }

    void *object = kheap_take_slot(heap, page);
    if (page->live == page->slots) {
        kheap_list_remove(&heap->partial[type], page);
        kheap_list_push(&heap->full[type], page);
    }
    heap->stats.by_type[type].allocations++;
    return object;
}

/*
 * Which slot object is, or a negative status. An address in an uncarved page
 * of this heap can only be a stale pointer to an object already freed.
 */
static int find_live_slot(const struct kheap *heap, const struct kheap_page *page,
                          const void *object)
{
    if (page->type == KHEAP_UNCARVED)
        return KHEAP_E_DOUBLE_FREE;

    uintptr_t offset = (uintptr_t)object - (uintptr_t)page->base;
    uint32_t slot_size = kheap_slot_size(heap, page->type);
    if ((uintptr_t)object < (uintptr_t)page->base || offset >= KHEAP_PAGE_SIZE)
        return KHEAP_E_BAD_ARG;
    if ((uint32_t)offset % slot_size != 0)
        return KHEAP_E_BAD_ARG;

    uint32_t index = (uint32_t)offset / slot_size;
    if (index >= page->slots)
        return KHEAP_E_BAD_ARG;
    if (!kheap_slot_is_live(page, index))
        return KHEAP_E_DOUBLE_FREE;
    return (int)index;
}

int kheap_free(struct kheap *heap, void *object)
{
    if (heap == NULL || object == NULL)
        return KHEAP_E_BAD_ARG;

    struct kheap_page *page = heap->ops->page_of(heap->context, object);
    if (page == NULL || page->owner != heap)
        return KHEAP_E_NOT_OWNER;

    int index = find_live_slot(heap, page, object);
    if (index < 0)
        return index;

    bool was_full = page->live == page->slots;
    kheap_release_slot(heap, page, (uint32_t)index);
    heap->stats.by_type[page->type].frees++;

    /* A page under evacuation stays where reclaim put it, even when empty. */
    if (page->flags & KHEAP_PAGE_EVACUATING)
        return KHEAP_OK;

    uint32_t type = page->type;
    if (page->live == 0) {
        kheap_list_remove(was_full ? &heap->full[type] : &heap->partial[type], page);
        kheap_uncarve(heap, page);
        kheap_add_free_page(heap, page);
    } else if (was_full) {
        kheap_list_remove(&heap->full[type], page);
        kheap_list_push(&heap->partial[type], page);
    }
    return KHEAP_OK;
}

/* Pages `count` objects of `type` need beyond its allocatable slots (32-bit: no overflow, no 64-bit division). */
static uint32_t pages_for(const struct kheap *heap, uint32_t type, uint32_t count)
{
    uint32_t allocatable = heap->stats.by_type[type].allocatable;
    uint32_t per_page = KHEAP_PAGE_SIZE / heap->types->types[type].size;
    uint32_t beyond = count - allocatable;

    if (count <= allocatable)
        return 0;
    return beyond / per_page + (beyond % per_page != 0);
}

uint32_t kheap_pages_missing(const struct kheap *heap, const uint32_t *counts, uint32_t types)
{
    uint64_t pages = 0;

    if (heap == NULL || counts == NULL)
        return UINT32_MAX;
    for (uint32_t type = 0; type < types; type++) {
        if (counts[type] == 0)
            continue;
        if (type >= heap->types->count)
            return UINT32_MAX;
        pages += pages_for(heap, type, counts[type]);
    }
    if (pages <= heap->stats.pages_free)
        return 0;
    pages -= heap->stats.pages_free;
    return pages >= UINT32_MAX ? UINT32_MAX : (uint32_t)pages;
}

uint32_t kheap_pages_missing_for(const struct kheap *heap, uint32_t type, uint32_t count)
{
    uint32_t pages;

    if (heap == NULL || type >= heap->types->count)
        return count == 0 && heap != NULL ? 0 : UINT32_MAX;
    pages = pages_for(heap, type, count);
    return pages <= heap->stats.pages_free ? 0 : pages - heap->stats.pages_free;
}

bool kheap_can_allocate(const struct kheap *heap, uint32_t type, uint32_t count)
{
    if (heap == NULL || type >= heap->types->count)
        return false;
    return pages_for(heap, type, count) <= heap->stats.pages_free;
}
