/*
 * kheap_page.c — what happens to one page: list membership, carving into
 * slots of a type, taking and giving back a slot, being evacuated. Every
 * counter in the heap's stats that depends on a page is kept in step here,
 * so the other files cannot forget one.
 */
#include "kheap/kheap_internal.h"

void kheap_copy_bytes(void *to, const void *from, size_t count)
{
    uint8_t *to_byte = to;
    const uint8_t *from_byte = from;

    for (size_t i = 0; i < count; i++)
        to_byte[i] = from_byte[i];
}

/* A word at a time where it can: descriptors and reclaim states are cleared on hot paths. */
void kheap_zero_bytes(void *to, size_t count)
{
    uint8_t *to_byte = to;

    if (((uintptr_t)to | count) % sizeof(uint32_t) == 0) {
        uint32_t *word = to;
        for (size_t i = 0; i < count / sizeof(uint32_t); i++)
            word[i] = 0;
        return;
    }
    for (size_t i = 0; i < count; i++)
        to_byte[i] = 0;
}

void kheap_list_push(struct kheap_page **head, struct kheap_page *page)
{
    page->prev = NULL;
    page->next = *head;
    if (*head)
        (*head)->prev = page;
    *head = page;
}

void kheap_list_remove(struct kheap_page **head, struct kheap_page *page)
{
    if (page->prev)
        page->prev->next = page->next;
    else
        *head = page->next;
    if (page->next)
        page->next->prev = page->prev;
    page->next = NULL;
    page->prev = NULL;
}

void kheap_add_free_page(struct kheap *heap, struct kheap_page *page)
{
    kheap_list_push(&heap->free_pages, page);
    heap->stats.pages_free++;
}

void kheap_remove_free_page(struct kheap *heap, struct kheap_page *page)
{
    kheap_list_remove(&heap->free_pages, page);
    heap->stats.pages_free--;
}

/*
 * O(1): no slot is touched. The bump pointer starts at the first slot, the
 * free list empty; kheap_take_slot hands slots out from the bump pointer
 * once the free list is empty.
 */
void kheap_carve(struct kheap *heap, struct kheap_page *page, uint32_t type)
{
    uint32_t slots = KHEAP_PAGE_SIZE / kheap_slot_size(heap, type);

    /* Empty as every uncarved page is (kheap_reset_uncarved; kheap_check checks it): only the shape. */
    page->type = (uint8_t)type;
    page->slots = (uint16_t)slots;

    heap->stats.by_type[type].pages++;
    heap->stats.by_type[type].free += slots;
    heap->stats.by_type[type].allocatable += slots;
}

/* The page must be empty and on no list. */
void kheap_uncarve(struct kheap *heap, struct kheap_page *page)
{
    struct kheap_type_stats *type_stats = &heap->stats.by_type[page->type];

    type_stats->pages--;
    type_stats->free -= page->slots;
    type_stats->allocatable -= kheap_allocatable_in(page);
    kheap_reset_uncarved(page);
}

/*
 * What every uncarved page is: no type, no slots, nothing live, nothing
 * handed out. Its live bitmap is empty too, but that is not written here:
 * a page uncarved had nothing live (so no bit set), and kheap_donate
 * clears a new descriptor's.
 */
void kheap_reset_uncarved(struct kheap_page *page)
{
    page->type = KHEAP_UNCARVED;
    page->slots = 0;
    page->bumped = 0;
    page->flags = 0;
    page->live = 0;
    page->free_list = NULL;
}

void kheap_file_page(struct kheap *heap, struct kheap_page *page)
{
    kheap_list_push(kheap_list_of(heap, page), page);
}

void kheap_release_slot(struct kheap *heap, struct kheap_page *page, uint32_t index)
{
    void *slot = kheap_slot_address(page, kheap_slot_size(heap, page->type), index);

    kheap_mark_free(page, index);
    kheap_set_next_free(slot, page->free_list);
    page->free_list = slot;
    page->live--;
    heap->stats.by_type[page->type].live--;
    heap->stats.by_type[page->type].free++;
    if (!(page->flags & KHEAP_PAGE_EVACUATING))
        heap->stats.by_type[page->type].allocatable++;
}

void kheap_set_evacuating(struct kheap *heap, struct kheap_page *page, bool evacuating)
{
    struct kheap_type_stats *type_stats = &heap->stats.by_type[page->type];

    type_stats->allocatable -= kheap_allocatable_in(page);
    if (evacuating)
        page->flags |= KHEAP_PAGE_EVACUATING;
    else
        page->flags &= (uint8_t)~KHEAP_PAGE_EVACUATING;
    heap->evacuating = evacuating ? page : NULL;
    type_stats->allocatable += kheap_allocatable_in(page);
}
