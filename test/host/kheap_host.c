/*
 * kheap_host.c — the host page arena behind kheap_host.h.
 */
#include "test/host/kheap_host.h"

#include <stdlib.h>
#include <string.h>

int kheap_host_arena_init(struct kheap_host_arena *arena, uint32_t page_count)
{
    arena->page_count = page_count;
    arena->pages = aligned_alloc(KHEAP_PAGE_SIZE, (size_t)page_count * KHEAP_PAGE_SIZE);
    arena->descriptors = calloc(page_count, sizeof *arena->descriptors);
    if (arena->pages == NULL || arena->descriptors == NULL) {
        kheap_host_arena_fini(arena);
        return -1;
    }
    /* Garbage, not zeros, like a frame a user just gave up. */
    memset(arena->pages, 0xa5, (size_t)page_count * KHEAP_PAGE_SIZE);
    return 0;
}

void kheap_host_arena_fini(struct kheap_host_arena *arena)
{
    free(arena->pages);
    free(arena->descriptors);
    arena->pages = NULL;
    arena->descriptors = NULL;
    arena->page_count = 0;
}

void *kheap_host_page(const struct kheap_host_arena *arena, uint32_t index)
{
    return arena->pages + (size_t)index * KHEAP_PAGE_SIZE;
}

struct kheap_page *kheap_host_descriptor(const struct kheap_host_arena *arena, uint32_t index)
{
    return &arena->descriptors[index];
}

int kheap_host_index_of(const struct kheap_host_arena *arena, const void *address)
{
    uintptr_t start = (uintptr_t)arena->pages;
    uintptr_t end = start + (uintptr_t)arena->page_count * KHEAP_PAGE_SIZE;
    uintptr_t a = (uintptr_t)address;

    if (a < start || a >= end)
        return -1;
    return (int)((a - start) / KHEAP_PAGE_SIZE);
}

struct kheap_page *kheap_host_page_of(void *context, const void *address)
{
    const struct kheap_host_arena *arena = context;
    int index = kheap_host_index_of(arena, address);

    return index < 0 ? NULL : kheap_host_descriptor(arena, (uint32_t)index);
}

int kheap_host_donate(struct kheap_host_arena *arena, struct kheap *heap,
                      uint32_t first, uint32_t count)
{
    for (uint32_t i = first; i < first + count; i++) {
        int status = kheap_donate(heap, kheap_host_page(arena, i), kheap_host_descriptor(arena, i));
        if (status != KHEAP_OK)
            return status;
    }
    return KHEAP_OK;
}
