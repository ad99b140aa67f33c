/*
 * bank.h — a space bank's client (docs/bank.md): the protocol's constants,
 * buying and returning any number of pages, a bank's figures by name, a
 * bank as a frame source (libl4/frames.h, for the loader and init), and
 * starting the bank server.
 *
 * The protocol's operations themselves are the stubs generated from
 * libl4/bank.idl (bank_buy, bank_create_child, bank_heap_create, ...: see
 * "libl4/bank_idl.h"). A bank is a capability to the bank server's
 * endpoint; whatever the stubs return is 0, a kernel error -BURSAR_E_* or
 * one of the bank's own -BANK_E_* (bank_error_name() names both).
 *
 *     uint32_t frames[3];
 *     error = l4_bank_buy(bank, 0x30000000, 3, frames);        three zeroed pages, mapped
 *     ...
 *     error = l4_bank_return(bank, frames, 3);                 and back
 */
#ifndef LIBL4_BANK_H
#define LIBL4_BANK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "libl4/bank_idl.h"
#include "libl4/frames.h"
#include "libl4/loader.h"

/* Restrictions a bank capability may carry (bank_restricted, bank_verify). */
#define BANK_NO_DESTROY     1u       /* may not destroy the bank */
#define BANK_NO_LIMITS      2u       /* may not change the bank's limit */
#define BANK_BUY_ONLY       4u       /* may only buy frames and create and fund heaps */
#define BANK_RESTRICTIONS   7u

/* What bank_origin answers, and bank_verify's `genuine`. */
#define BANK_ORIGIN_NONE    0u
#define BANK_ORIGIN_HERE    1u
#define BANK_ORIGIN_BELOW   2u
#define BANK_NOT_GENUINE    0u
#define BANK_GENUINE        1u
#define BANK_GENUINE_DESTROYED 2u

#define BANK_NO_LIMIT       0xffffffffu      /* a limit: none of the bank's own */
#define BANK_BUY_MAX_LOG2   9u               /* bank_buy: at most 512 frames (2 MiB) a request */
#define BANK_RETURN_MAX     1024u            /* bank_return_frames: at most this many a request */

/* ---- buying pages ---- */

/*
 * `count` zeroed pages mapped read-write at `address` (page-aligned), bought
 * from `bank` in as few requests as the alignment allows (each a
 * physically contiguous block; a fragmented bank gets smaller blocks).
 * frames[i] is the frame at address + i pages (the name to return it by).
 * All or nothing: on failure the pages bought so far are returned. Each
 * block's page table is reserved in the caller's own heap first, so a
 * caller whose heap has a bank faults in its own context, never in the
 * bank server's reply.
 */
int l4_bank_buy(unsigned bank, uintptr_t address, unsigned count, uint32_t *frames);

/* Returns frames[0 .. count - 1] (any order; runs go back in one request each). 0 or the first error. */
int l4_bank_return(unsigned bank, const uint32_t *frames, unsigned count);

/* ---- a bank's figures ---- */

/* What bank_stats answers, by name (docs/bank.md says what each counts). */
struct l4_bank_stats {
    uint32_t limit, effective_limit, available, charged, sold, heap_pages, bookkeeping, children, heaps;
    uint32_t object_quota, objects_used, bought, returned, heap_pages_given, heap_pages_back, refused, unclaimed;
};

/* bank_stats of `bank` into *stats: 0 or its error. */
int l4_bank_stats(unsigned bank, struct l4_bank_stats *stats);

/* ---- a bank as a frame source ---- */

/*
 * map_page buys one page, unmap_pages returns pages (every mapping derived
 * from them goes too), create_heap asks the bank for a heap it funds and serves
 * (the slot gets the heap with every right), destroy_heap destroys it
 * through the bank (one its holder destroyed already is just forgotten), available asks the bank what can be bought now. The source
 * remembers which frame each page holds and which heap each slot holds,
 * in tables the caller provides.
 */
struct l4_bank_page {
    uintptr_t page;
    uint32_t frame;
};

struct l4_bank_heap {
    unsigned slot;
    uint32_t handle;
};

struct l4_bank_frames {
    struct l4_frame_source source;       /* first: a pointer to it is a pointer to this */
    unsigned bank;
    struct l4_bank_page *pages;
    unsigned page_capacity, page_count;
    struct l4_bank_heap *heaps;
    unsigned heap_capacity, heap_count;
    uint32_t heap_low, heap_high;        /* watermarks of the heaps create_heap makes */
    uint32_t heap_timeout;               /* their heap-fault timeout */
    bool fixed_heaps;                    /* true: their faults go nowhere, so `pages` is all they ever get
                                            (a fixed quota); false (the default): the bank serves them */
};

void l4_bank_frames_init(struct l4_bank_frames *frames, unsigned bank, struct l4_bank_page *pages,
                         unsigned page_capacity, struct l4_bank_heap *heaps, unsigned heap_capacity);

/* ---- starting the server ---- */

/* The bank server's capability space: its own slots, then one per record (servers/bank/bank_server.h). */
#define L4_BANK_SERVER_SLOTS 1152u

struct l4_bank_start {
    const void *image;                   /* bank.elf, mapped in the caller */
    size_t image_size;
    struct l4_frame_source *frames;      /* pays its image, stack and heap: the boot memory, usually */
    unsigned heap_pages;                 /* its own heap's first pages (it funds the rest itself) */
    unsigned memory;                     /* the memory capability: given to the server (GRANT) */
    unsigned slots;                      /* the caller's empty slots slots .. slots + 3 */
    uintptr_t window;                    /* the loader's window for its pages */
    unsigned window_pages;
    unsigned priority;
    unsigned root;                       /* an empty slot for the root bank */
    uint32_t timer_hz, tsc_khz;
};

/*
 * Loads and starts the bank server in a task of its own, with its own
 * heap, an endpoint paid by that heap, and the memory capability (the
 * caller no longer has it), then asks it for the root bank, which lands in
 * spec->root. The caller keeps no unbadged capability to the endpoint. On
 * failure nothing is left and the caller keeps its memory capability.
 */
int l4_bank_start(const struct l4_bank_start *spec, struct l4_program *program);

/*
 * The same for a root task that is not init (tests, benchmarks): the
 * server from the boot module `module`, mapped at `module_address`, its
 * pages in the loader window at `window`, its slots from `slots` (four),
 * started with all of the boot memory at `priority`; the root bank lands in
 * `root`. One server a system: the frame source and program are kept here.
 */
int l4_bank_start_from_boot(const struct bursar_boot_info *boot, const char *module, uintptr_t module_address,
                            uintptr_t window, unsigned slots, unsigned priority, unsigned root);

#endif /* LIBL4_BANK_H */
