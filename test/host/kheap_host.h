/*
 * kheap_host.h — a host stand-in for the kernel's frame table, for tests
 * that need kheap pages: an aligned arena of pages, one kheap_page
 * descriptor per page, and the page_of callback that finds them.
 *
 * To use kheap_host_page_of as ops->page_of, make the heap's context point to a
 * struct whose first member is the struct kheap_host_arena (or to the arena
 * itself).
 */
#ifndef TEST_HOST_KHEAP_HOST_H
#define TEST_HOST_KHEAP_HOST_H

#include "kheap/kheap.h"

struct kheap_host_arena {
    uint8_t *pages;             /* page_count pages, KHEAP_PAGE_SIZE-aligned */
    struct kheap_page *descriptors;   /* one per page, zeroed */
    uint32_t page_count;
};

/* Returns 0, or -1 when out of host memory. */
int  kheap_host_arena_init(struct kheap_host_arena *arena, uint32_t page_count);
void kheap_host_arena_fini(struct kheap_host_arena *arena);

void *kheap_host_page(const struct kheap_host_arena *arena, uint32_t index);
struct kheap_page *kheap_host_descriptor(const struct kheap_host_arena *arena, uint32_t index);
/* Index of the page holding address, or -1 when address is outside the arena. */
int kheap_host_index_of(const struct kheap_host_arena *arena, const void *address);

/* ops->page_of: any address in the arena finds its descriptor, else NULL. */
struct kheap_page *kheap_host_page_of(void *context, const void *address);

/* Donate pages [first, first + count) to heap; stops at the first error. */
int kheap_host_donate(struct kheap_host_arena *arena, struct kheap *heap,
                      uint32_t first, uint32_t count);

#endif /* TEST_HOST_KHEAP_HOST_H */
