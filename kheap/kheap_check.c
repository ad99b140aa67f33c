/*
 * kheap_check.c — the ledger and invariant check behind kheap_check().
 *
 * Recounts everything from the pages themselves (lists, live bitmaps,
 * in-slot free lists) and compares with the stats the fast paths keep.
 * Every walk is bounded by pages held or slots per page, so a corrupted
 * list is reported, not followed forever. Owner mismatches report
 * KHEAP_E_NOT_OWNER, every other violation KHEAP_E_BAD_PAGE.
 */
#include "kheap/kheap_internal.h"

struct type_count {
    uint32_t pages, live, free, allocatable;
};

static uint32_t count_bits(uint32_t word)
{
    uint32_t n = 0;

    for (; word != 0; word &= word - 1)
        n++;
    return n;
}

static bool bitmap_matches(const struct kheap_page *page)
{
    uint32_t live = 0;

    for (uint32_t w = 0; w < KHEAP_MAX_SLOTS / 32; w++)
        live += count_bits(page->live_bitmap[w]);
    for (uint32_t i = page->slots; i < KHEAP_MAX_SLOTS; i++) {
        if (kheap_slot_is_live(page, i))
            return false;
    }
    return live == page->live;
}

/* The in-slot free list holds exactly the slots the bitmap calls free. */
static bool free_list_matches(const struct kheap_page *page, uint32_t slot_size)
{
    uint32_t expected = (uint32_t)(page->slots - page->live);
    uint32_t seen = 0;

    for (void *slot = page->free_list; slot != NULL; slot = kheap_next_free(slot)) {
        uintptr_t offset = (uintptr_t)slot - (uintptr_t)page->base;
        if ((uintptr_t)slot < (uintptr_t)page->base || offset >= KHEAP_PAGE_SIZE)
            return false;
        if ((uint32_t)offset % slot_size != 0)
            return false;
        uint32_t index = (uint32_t)offset / slot_size;
        if (index >= page->slots || kheap_slot_is_live(page, index))
            return false;
        if (++seen > expected)
            return false;   /* also catches a cycle */
    }
    return seen == expected;
}

static int check_carved_page(const struct kheap *heap, const struct kheap_page *page,
                             uint32_t type, bool on_full_list)
{
    uint32_t slot_size = kheap_slot_size(heap, type);
    bool evacuating = (page->flags & KHEAP_PAGE_EVACUATING) != 0;

    if (page->owner != heap)
        return KHEAP_E_NOT_OWNER;
    if (page->type != type || page->slots != KHEAP_PAGE_SIZE / slot_size)
        return KHEAP_E_BAD_PAGE;
    if (heap->ops->page_of(heap->ctx, page->base) != page)
        return KHEAP_E_BAD_PAGE;
    if (on_full_list && !evacuating && page->live != page->slots)
        return KHEAP_E_BAD_PAGE;
    if (!on_full_list && (evacuating || page->live == 0 || page->live >= page->slots))
        return KHEAP_E_BAD_PAGE;
    if (evacuating != (heap->evacuating == page))      /* the one page a reclaim is emptying, named */
        return KHEAP_E_BAD_PAGE;
    if (!bitmap_matches(page) || !free_list_matches(page, slot_size))
        return KHEAP_E_BAD_PAGE;
    return KHEAP_OK;
}

/* Walks one list: links consistent, length bounded by the pages held. */
static int check_list(const struct kheap *heap, const struct kheap_page *head,
                      uint32_t type, bool on_full_list, struct type_count *count)
{
    const struct kheap_page *prev = NULL;
    uint32_t length = 0;

    for (const struct kheap_page *p = head; p != NULL; prev = p, p = p->next) {
        if (p->prev != prev || ++length > heap->stats.pages_held)
            return KHEAP_E_BAD_PAGE;
        int status = check_carved_page(heap, p, type, on_full_list);
        if (status != KHEAP_OK)
            return status;
        count->pages++;
        count->live += p->live;
        count->free += (uint32_t)(p->slots - p->live);
        /* What kheap_alloc can reach: the partial list, nothing else. */
        if (!on_full_list)
            count->allocatable += (uint32_t)(p->slots - p->live);
    }
    return KHEAP_OK;
}

static int check_free_pages(const struct kheap *heap)
{
    const struct kheap_page *prev = NULL;
    uint32_t length = 0;

    for (const struct kheap_page *p = heap->free_pages; p != NULL; prev = p, p = p->next) {
        if (p->owner != heap)
            return KHEAP_E_NOT_OWNER;
        if (p->prev != prev || ++length > heap->stats.pages_held)
            return KHEAP_E_BAD_PAGE;
        if (p->type != KHEAP_UNCARVED || p->live != 0 || p->flags != 0)
            return KHEAP_E_BAD_PAGE;
        if (heap->ops->page_of(heap->ctx, p->base) != p)
            return KHEAP_E_BAD_PAGE;
    }
    return length == heap->stats.pages_free ? KHEAP_OK : KHEAP_E_BAD_PAGE;
}

static int check_type(const struct kheap *heap, uint32_t type, uint32_t *pages)
{
    struct type_count count = { 0, 0, 0, 0 };
    const struct kheap_type_stats *ts = &heap->stats.by_type[type];

    int status = check_list(heap, heap->partial[type], type, false, &count);
    if (status == KHEAP_OK)
        status = check_list(heap, heap->full[type], type, true, &count);
    if (status != KHEAP_OK)
        return status;
    if (count.pages != ts->pages || count.live != ts->live || count.free != ts->free ||
        count.allocatable != ts->allocatable)
        return KHEAP_E_BAD_PAGE;
    *pages += count.pages;
    return KHEAP_OK;
}

int kheap_check(const struct kheap *heap)
{
    if (heap == NULL || heap->types == NULL || heap->ops == NULL)
        return KHEAP_E_BAD_ARG;

    const struct kheap_stats *stats = &heap->stats;
    if (stats->pages_donated - stats->pages_reclaimed != stats->pages_held)
        return KHEAP_E_BAD_PAGE;
    if (heap->low_water > heap->high_water)
        return KHEAP_E_BAD_PAGE;

    int status = check_free_pages(heap);
    if (status != KHEAP_OK)
        return status;

    uint32_t carved_pages = 0;
    for (uint32_t type = 0; type < KHEAP_MAX_TYPES; type++) {
        if (type >= heap->types->count) {
            if (heap->partial[type] != NULL || heap->full[type] != NULL)
                return KHEAP_E_BAD_PAGE;
            continue;
        }
        status = check_type(heap, type, &carved_pages);
        if (status != KHEAP_OK)
            return status;
    }
    if (stats->pages_free + carved_pages != stats->pages_held)
        return KHEAP_E_BAD_PAGE;
    return KHEAP_OK;
}
