/*
 * kheap_check.c — the ledger and invariant check behind kheap_check().
 *
 * Recounts everything from the pages themselves (lists, live bitmaps,
 * in-slot free lists, bump pointers) and compares with the stats the fast paths keep.
 * Every walk is bounded by pages held or slots per page, so a corrupted
 * list is reported, not followed forever. Owner mismatches report
 * KHEAP_E_NOT_OWNER, every other violation KHEAP_E_BAD_PAGE.
 *
 * The check walks the free pages, then each type's partial and full list,
 * a page at a time and each page's free list a slot at a time, from a
 * cursor (struct kheap_check), so that it can stop after any budget and
 * go on later: kheap_check() is the walk with no limit.
 */
#include "kheap/kheap_internal.h"

#define CHECK_LISTS (1u + 2u * KHEAP_MAX_TYPES)

/* Set bits in a word, a constant few instructions whatever the word (no loop per bit). */
static uint32_t count_bits(uint32_t word)
{
    word = word - ((word >> 1) & 0x55555555u);
    word = (word & 0x33333333u) + ((word >> 2) & 0x33333333u);
    word = (word + (word >> 4)) & 0x0f0f0f0fu;
    return (word * 0x01010101u) >> 24;
}

/*
 * The live bitmap counts page->live, and no slot at or past the bump
 * pointer (never handed out) is live: a word at a time.
 */
static bool bitmap_matches(const struct kheap_page *page)
{
    uint32_t live = 0;

    for (uint32_t w = 0; w < KHEAP_MAX_SLOTS / 32; w++) {
        uint32_t first = w * 32, word = page->live_bitmap[w];
        uint32_t slots_here = page->bumped <= first ? 0 : page->bumped - first;
        uint32_t valid = slots_here >= 32 ? ~0u : (1u << slots_here) - 1;

        if (word & ~valid)
            return false;
        live += count_bits(word);
    }
    return live == page->live;
}

/*
 * One slot of the in-slot free list: inside the page, on a slot boundary,
 * below the bump pointer, free, not seen too often.
 */
static bool free_slot_ok(const struct kheap_page *page, const void *slot, uint32_t slot_size, uint32_t seen)
{
    uintptr_t offset = (uintptr_t)slot - (uintptr_t)page->base;

    if ((uintptr_t)slot < (uintptr_t)page->base || offset >= KHEAP_PAGE_SIZE)
        return false;
    if ((uint32_t)offset % slot_size != 0)
        return false;
    uint32_t index = (uint32_t)offset / slot_size;
    if (index >= page->bumped || kheap_slot_is_live(page, index))
        return false;
    return seen <= (uint32_t)(page->bumped - page->live);   /* more than the freed slots: also a cycle */
}

/* A carved page's own checks, before its free list is walked. */
static int check_carved_page(const struct kheap *heap, const struct kheap_page *page,
                             uint32_t type, bool on_full_list)
{
    uint32_t slot_size = kheap_slot_size(heap, type);
    bool evacuating = (page->flags & KHEAP_PAGE_EVACUATING) != 0;

    if (page->owner != heap)
        return KHEAP_E_NOT_OWNER;
    if (page->type != type || page->slots != KHEAP_PAGE_SIZE / slot_size)
        return KHEAP_E_BAD_PAGE;
    if (page->bumped > page->slots || page->live > page->bumped)
        return KHEAP_E_BAD_PAGE;
    if (heap->ops->page_of(heap->context, page->base) != page)
        return KHEAP_E_BAD_PAGE;
    if (on_full_list && !evacuating && page->live != page->slots)
        return KHEAP_E_BAD_PAGE;
    if (!on_full_list && (evacuating || page->live == 0 || page->live >= page->slots))
        return KHEAP_E_BAD_PAGE;
    if (evacuating != (heap->evacuating == page))      /* the one page a reclaim is emptying, named */
        return KHEAP_E_BAD_PAGE;
    if (!bitmap_matches(page))
        return KHEAP_E_BAD_PAGE;
    return KHEAP_OK;
}

static int check_free_page(const struct kheap *heap, const struct kheap_page *page)
{
    if (page->type != KHEAP_UNCARVED || page->live != 0 || page->flags != 0 || page->bumped != 0 ||
        page->free_list != NULL)
        return KHEAP_E_BAD_PAGE;
    for (uint32_t word = 0; word < KHEAP_MAX_SLOTS / 32; word++)
        if (page->live_bitmap[word] != 0)
            return KHEAP_E_BAD_PAGE;    /* kheap_carve counts on an empty bitmap */
    if (heap->ops->page_of(heap->context, page->base) != page)
        return KHEAP_E_BAD_PAGE;
    return KHEAP_OK;
}

static const struct kheap_page *list_head(const struct kheap *heap, uint32_t list)
{
    uint32_t type = (list - 1) / 2;

    if (list == 0)
        return heap->free_pages;
    return (list - 1) % 2 ? heap->full[type] : heap->partial[type];
}

/*
 * The page in hand: its links, then its own checks (a free page: all of
 * them; a carved page: all but the free list, walked after). Moves on to
 * the next page once a free page is done.
 */
static int check_page_in_hand(struct kheap_check *check, uint32_t *budget)
{
    const struct kheap *heap = check->heap;
    const struct kheap_page *page = check->page;
    uint32_t type = (check->list - 1) / 2;
    int status;

    *budget = *budget > KHEAP_CHECK_PAGE_UNITS ? *budget - KHEAP_CHECK_PAGE_UNITS : 0;
    if (check->list == 0 && page->owner != heap)
        return KHEAP_E_NOT_OWNER;
    if (page->prev != check->prev || ++check->length > heap->stats.pages_held)
        return KHEAP_E_BAD_PAGE;
    if (check->list == 0) {
        status = check_free_page(heap, page);
        check->prev = page;
        check->page = page->next;
        return status;
    }
    if (type >= heap->types->count)                   /* a type nobody registered has no pages */
        return KHEAP_E_BAD_PAGE;
    status = check_carved_page(heap, page, type, (check->list - 1) % 2 != 0);
    check->page_checked = true;
    check->free_slot = page->free_list;
    check->free_seen = 0;
    return status;
}

/* Slots of the carved page in hand's free list, as many as the budget allows; on to the next page at its end. */
static int walk_free_list(struct kheap_check *check, uint32_t *budget)
{
    const struct kheap_page *page = check->page;
    uint32_t type = (check->list - 1) / 2, slot_size = kheap_slot_size(check->heap, type);

    for (; check->free_slot != NULL && *budget > 0; (*budget)--) {
        if (!free_slot_ok(page, check->free_slot, slot_size, ++check->free_seen))
            return KHEAP_E_BAD_PAGE;
        check->free_slot = kheap_next_free(check->free_slot);
    }
    if (check->free_slot != NULL)
        return KHEAP_OK;                              /* more next time */
    if (check->free_seen != (uint32_t)(page->bumped - page->live))   /* every freed slot, once */
        return KHEAP_E_BAD_PAGE;
    check->pages++;
    check->live += page->live;
    check->free += (uint32_t)(page->slots - page->live);
    if ((check->list - 1) % 2 == 0)                       /* what kheap_allocate can reach: the partial list */
        check->allocatable += (uint32_t)(page->slots - page->live);
    check->page_checked = false;
    check->prev = page;
    check->page = page->next;
    return KHEAP_OK;
}

/* A list walked to its end: what its counts must match. */
static int list_done(struct kheap_check *check)
{
    const struct kheap *heap = check->heap;
    uint32_t type = (check->list - 1) / 2;

    if (check->list == 0)
        return check->length == heap->stats.pages_free ? KHEAP_OK : KHEAP_E_BAD_PAGE;
    if ((check->list - 1) % 2 == 0 || type >= heap->types->count)
        return KHEAP_OK;                              /* the full list comes next; or nothing to count */
    const struct kheap_type_stats *type_stats = &heap->stats.by_type[type];
    if (check->pages != type_stats->pages || check->live != type_stats->live ||
        check->free != type_stats->free || check->allocatable != type_stats->allocatable)
        return KHEAP_E_BAD_PAGE;
    check->carved_pages += check->pages;
    check->pages = check->live = check->free = check->allocatable = 0;
    return KHEAP_OK;
}

int kheap_check_start(struct kheap_check *check, const struct kheap *heap)
{
    *check = (struct kheap_check){ .heap = heap };
    if (heap == NULL || heap->types == NULL || heap->ops == NULL)
        return KHEAP_E_BAD_ARG;
    if (heap->stats.pages_donated - heap->stats.pages_reclaimed != heap->stats.pages_held)
        return KHEAP_E_BAD_PAGE;
    if (heap->low_water > heap->high_water)
        return KHEAP_E_BAD_PAGE;
    check->page = heap->free_pages;
    return KHEAP_CHECK_MORE;
}

int kheap_check_step(struct kheap_check *check, uint32_t budget)
{
    const struct kheap *heap = check->heap;
    int status;

    while (check->list < CHECK_LISTS) {
        if (budget == 0)
            return KHEAP_CHECK_MORE;
        if (check->page == NULL) {
            status = list_done(check);
            if (status != KHEAP_OK)
                return status;
            if (++check->list < CHECK_LISTS) {
                check->page = list_head(heap, check->list);
                check->prev = NULL;
                check->length = 0;
            }
            continue;
        }
        status = check->page_checked ? walk_free_list(check, &budget) : check_page_in_hand(check, &budget);
        if (status != KHEAP_OK)
            return status;
    }
    return heap->stats.pages_free + check->carved_pages == heap->stats.pages_held ? KHEAP_OK : KHEAP_E_BAD_PAGE;
}

int kheap_check(const struct kheap *heap)
{
    struct kheap_check check;
    int status = kheap_check_start(&check, heap);

    while (status == KHEAP_CHECK_MORE)
        status = kheap_check_step(&check, UINT32_MAX);
    return status;
}
