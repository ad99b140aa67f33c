/*
 * pager.h — a client of the default pager (servers/pager, docs/pager.md).
 *
 * The protocol's operations are the stubs generated from libl4/pager.idl
 * (pager_open, pager_attach, pager_detach, pager_close, pager_stats: see
 * "libl4/pager_idl.h"); pager_error_name() names their errors. This adds
 * the one step a client should take itself before it attaches a region:
 *
 *     error = l4_pager_attach(pager, 0x10000000, 256, BURSAR_RIGHT_READ | BURSAR_RIGHT_WRITE);
 *
 * reserves, in the caller's own heap, the page tables (and their shadows)
 * the region's pages will need, then attaches it. The pager's answer to a
 * fault maps a page into the client, and the page table for it is the
 * client's to pay; the kernel takes it from the client's heap without
 * asking the heap's bank (nobody waits on another's bank), so it must be
 * free already, or the fault is raised RECEIVER_HEAP_EMPTY.
 */
#ifndef LIBL4_PAGER_H
#define LIBL4_PAGER_H

#include <stddef.h>
#include <stdint.h>

#include "libl4/frames.h"
#include "libl4/loader.h"
#include "libl4/pager_idl.h"

/* Page tables the reserve covers: each maps 4 MiB. */
#define L4_PAGER_TABLE_SPAN 0x400000u

/* The most mapping records a reserve asks for at once (SYS_HEAP_RESERVE's limit per kind). */
#define L4_PAGER_RESERVE_MAX 4096u

/* Reserves the region's page tables and records in the caller's own heap, then attaches it: 0 or the first error. */
int l4_pager_attach(unsigned pager, uint32_t base, uint32_t pages, uint32_t rights);

/*
 * Makes sure the caller's own heap can pay, now and all together, `tables`
 * page tables and their shadows and the mapping records of `pages` pages
 * (at most L4_PAGER_RESERVE_MAX): what the pager's mappings into that many
 * pages over that many 4 MiB of its address space cost the client. A heap
 * fault to its own bank if not.
 */
int l4_pager_reserve(uint32_t tables, uint32_t pages);

/* ---- starting the pager ---- */

/* The pager's capability space: its own slots, then one per client's bank and per region's bank. */
#define L4_PAGER_SLOTS 320u

struct l4_pager_start {
    const void *image;                   /* pager.elf, mapped in the caller */
    size_t image_size;
    unsigned bank;                       /* the pager's own bank: it checks its clients' banks with it */
    struct l4_frame_source *frames;      /* pays its image, stack and heap: a frame source over `bank` */
    unsigned heap_pages;                 /* its own heap's first pages (its bank serves the rest) */
    unsigned slots;                      /* the caller's empty slots slots .. slots + 3 */
    uintptr_t window;                    /* the loader's window for its pages */
    unsigned window_pages;
    unsigned priority;
    unsigned service;                    /* an empty slot: the unbadged capability, which opens clients */
    uint32_t timer_hz, tsc_khz;
};

/*
 * Loads and starts the pager in a task of its own, with a heap from
 * `frames`, an endpoint paid by that heap, and capabilities "service" (the
 * endpoint) and "bank". The caller gets the unbadged capability to the
 * endpoint (WRITE and GRANT) in spec->service. On failure nothing is left.
 */
int l4_pager_start(const struct l4_pager_start *spec, struct l4_program *program);

/*
 * The same with everything made here: the pager's own bank in `bank`, a
 * child of `parent` with `limit` frames (and an object quota of 4), the
 * frame source over it (one pager a system: it is kept here), its image
 * from `image`, its pages in the loader window at `window`, its slots from
 * `slots` (four), at `priority`. The unbadged capability lands in
 * `service`.
 */
int l4_pager_start_under(unsigned parent, uint32_t limit, unsigned bank, const void *image, size_t image_size,
                         uintptr_t window, unsigned slots, unsigned priority, unsigned service);

#endif /* LIBL4_PAGER_H */
