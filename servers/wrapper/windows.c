/*
 * windows.c — where each wrapper's page and memory windows are in the
 * server's address space, and the anchors that keep their page tables.
 *
 * A page table is freed when its last mapping goes, and made again (two
 * zeroed pages from this task's heap) when a mapping comes. Every message
 * with a memory item through a wrapper, and every wrapper's page, would pay
 * that. So each 4 MiB region the windows and pages use has one page of the
 * server's own mapped in it for good, an anchor, and its table stays: made
 * once at start, paid by the server's own heap.
 */
#include "servers/wrapper/wrapper.h"

#include "libl4/l4.h"

#define REGION_SIZE 0x400000u                                   /* one page table's reach */
#define WINDOW_SIZE (1u << FORWARD_MEMORY_LOG2)
#define WINDOWS_PER_REGION (REGION_SIZE / WINDOW_SIZE - 1)      /* the last window's place is the anchor's */
#define PAGES_ANCHOR (WRAPPER_PAGES + REGION_SIZE - WRAPPER_PAGE_SIZE)

_Static_assert(WRAPPER_MAX < REGION_SIZE / WRAPPER_PAGE_SIZE, "the wrappers' pages and their anchor in one region");
_Static_assert(WRAPPER_WINDOWS >= WRAPPER_PAGES + REGION_SIZE, "windows above the pages");

static uint8_t anchor[WRAPPER_PAGE_SIZE] __attribute__((aligned(WRAPPER_PAGE_SIZE)));

uintptr_t wrapper_page_address(unsigned i)
{
    return WRAPPER_PAGES + i * WRAPPER_PAGE_SIZE;
}

/* Wrapper i's window A (which 0: requests land there) or B (1: replies). */
uintptr_t wrapper_window_address(unsigned i, unsigned which)
{
    unsigned w = 2 * i + which;

    return WRAPPER_WINDOWS + w / WINDOWS_PER_REGION * REGION_SIZE + w % WINDOWS_PER_REGION * WINDOW_SIZE;
}

static int anchor_at(uintptr_t address)
{
    anchor[0] = 1;      /* touched, so the loader's zero page is surely ours */
    return l4_map(SLOT_TASK, (uintptr_t)anchor, address, BURSAR_RIGHT_READ, 1);
}

int wrapper_windows_init(unsigned capacity)
{
    unsigned regions = (2 * capacity + WINDOWS_PER_REGION - 1) / WINDOWS_PER_REGION;
    int error = anchor_at(PAGES_ANCHOR);

    for (unsigned r = 0; r < regions && !error; r++)
        error = anchor_at(WRAPPER_WINDOWS + r * REGION_SIZE + WINDOWS_PER_REGION * WINDOW_SIZE);
    return error;
}
