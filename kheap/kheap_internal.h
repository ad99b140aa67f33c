/*
 * kheap_internal.h — helpers shared by the kheap source files: page lists,
 * slot arithmetic, live bitmaps, in-slot free-list links and byte copies.
 * Nothing here is part of the interface.
 */
#ifndef KHEAP_KHEAP_INTERNAL_H
#define KHEAP_KHEAP_INTERNAL_H

#include "kheap/kheap.h"

/* kheap_page.type of a donated page not carved for any type. */
#define KHEAP_UNCARVED 0xffu
_Static_assert(KHEAP_MAX_TYPES < KHEAP_UNCARVED, "a type id fits kheap_page.type beside KHEAP_UNCARVED");
_Static_assert(KHEAP_MAX_SLOTS <= UINT16_MAX, "slot counts fit kheap_page's 16-bit fields");

/* kheap_page.flags: the page is being evacuated; alloc must not use it. */
#define KHEAP_PAGE_EVACUATING 0x1u

/* Byte copies: the kernel has no libc. */
void kheap_copy_bytes(void *to, const void *from, size_t count);
void kheap_zero_bytes(void *to, size_t count);

/* Doubly linked page lists, headed by a pointer in struct kheap. */
void kheap_list_push(struct kheap_page **head, struct kheap_page *page);
void kheap_list_remove(struct kheap_page **head, struct kheap_page *page);

/* The heap's list of uncarved pages, with its counter. */
void kheap_add_free_page(struct kheap *heap, struct kheap_page *page);
void kheap_remove_free_page(struct kheap *heap, struct kheap_page *page);

/* Carving and uncarving keep the per-type and per-heap counters in step. */
void kheap_carve(struct kheap *heap, struct kheap_page *page, uint32_t type);
void kheap_uncarve(struct kheap *heap, struct kheap_page *page);
void kheap_reset_uncarved(struct kheap_page *page);

/*
 * Free slots of a carved page that allocation may take: none while it is
 * being evacuated (it is on the full list then). The sum over a type's
 * pages is stats.by_type[type].allocatable.
 */
static inline uint32_t kheap_allocatable_in(const struct kheap_page *page)
{
    return (page->flags & KHEAP_PAGE_EVACUATING) ? 0 : (uint32_t)(page->slots - page->live);
}

/* Flag or unflag a carved page as under evacuation (no list moves). */
void kheap_set_evacuating(struct kheap *heap, struct kheap_page *page, bool evacuating);

/* Put a carved page that is not being evacuated on the list its fill says. */
void kheap_file_page(struct kheap *heap, struct kheap_page *page);

/* Give one slot back to its carved page (no list moves). */
void kheap_release_slot(struct kheap *heap, struct kheap_page *page, uint32_t index);

/* The list a carved page sits on, chosen by its fill and its flags. */
static inline struct kheap_page **kheap_list_of(struct kheap *heap,
                                               const struct kheap_page *page)
{
    if ((page->flags & KHEAP_PAGE_EVACUATING) || page->live == page->slots)
        return &heap->full[page->type];
    return &heap->partial[page->type];
}

static inline uint32_t kheap_slot_size(const struct kheap *heap, uint32_t type)
{
    return heap->types->types[type].size;
}

static inline void *kheap_slot_address(const struct kheap_page *page,
                                       uint32_t slot_size, uint32_t index)
{
    return (uint8_t *)page->base + (size_t)index * slot_size;
}

static inline bool kheap_slot_is_live(const struct kheap_page *page, uint32_t index)
{
    return (page->live_bitmap[index / 32] >> (index % 32)) & 1u;
}

static inline void kheap_mark_live(struct kheap_page *page, uint32_t index)
{
    page->live_bitmap[index / 32] |= 1u << (index % 32);
}

static inline void kheap_mark_free(struct kheap_page *page, uint32_t index)
{
    page->live_bitmap[index / 32] &= ~(1u << (index % 32));
}

/*
 * A free slot holds the address of the next free slot of its page. Slots
 * are at least pointer-aligned (see kheap_type_register), so a plain
 * pointer access is well defined.
 */
static inline void *kheap_next_free(const void *slot)
{
    return *(void *const *)slot;
}

static inline void kheap_set_next_free(void *slot, void *next)
{
    *(void **)slot = next;
}

/*
 * Take one free slot out of a page on its type's partial list (no list
 * moves): a freed slot first (the free list), else the next slot never
 * handed out (the bump pointer). Such a page is never being evacuated
 * (that page is on the full list), so the slot was allocatable. Inline:
 * it is most of an allocation.
 */
static inline void *kheap_take_slot(struct kheap *heap, struct kheap_page *page)
{
    uint32_t slot_size = kheap_slot_size(heap, page->type);
    struct kheap_type_stats *type_stats = &heap->stats.by_type[page->type];
    void *slot = page->free_list;
    uint32_t index;

    if (slot != NULL) {
        index = (uint32_t)((uint8_t *)slot - (uint8_t *)page->base) / slot_size;
        page->free_list = kheap_next_free(slot);
    } else {
        index = page->bumped++;
        slot = kheap_slot_address(page, slot_size, index);
    }
    kheap_mark_live(page, index);
    page->live++;
    type_stats->live++;
    type_stats->free--;
    type_stats->allocatable--;
    return slot;
}

#endif /* KHEAP_KHEAP_INTERNAL_H */
