/*
 * clients.h — the default pager's bookkeeping: its clients, their regions,
 * where each region's frames sit in the pager's own address space, and
 * which pages have been filled.
 *
 * Plain C with no system calls, so it is tested on the host
 * (test/host/test_pager_clients.c). The server (main.c) asks the kernel and
 * the bank to do things and then tells the book what happened.
 *
 * Words (docs/pager.md says why each is so):
 *   client   a party the pager fills memory for, named by the badge of its
 *            capability: an index (0 .. PAGER_MAX_CLIENTS - 1) and a
 *            generation (never 0) that changes each time the index is
 *            reused, so a closed client's capability is recognised as
 *            stale, and no client's badge is 0 (the unbadged capability).
 *   region   a page range of the client's address space the pager fills,
 *            with its rights; each has a bank of its own (a child of the
 *            client's), which the book names by a capability slot.
 *   window   where the pager keeps the frames it bought for a region: each
 *            client has a slice of the pager's address space, and each
 *            region a run of pages in it, page for page. The frame for a
 *            client page is always at the same window page, so the book
 *            needs one bit per page (filled or not), never a frame table.
 */
#ifndef SERVERS_PAGER_CLIENTS_H
#define SERVERS_PAGER_CLIENTS_H

#include <stdbool.h>
#include <stdint.h>

#define PAGER_MAX_CLIENTS       32u
#define PAGER_MAX_REGIONS       8u               /* per client */
#define PAGER_CLIENT_PAGES      16384u           /* a client's window slice: 64 MiB of attached pages */
#define PAGER_WINDOW_BASE       0x10000000u      /* slices one after another, 2 GiB in all */
#define PAGER_PAGE_SIZE         4096u
#define PAGER_USER_BOTTOM       0x1000u          /* attachable: the page after the null page ... */
#define PAGER_USER_TOP          0xc0000000u      /* ... up to the kernel */
#define PAGER_INDEX_BITS        6u               /* a badge: generation << 6 | index */

_Static_assert(PAGER_WINDOW_BASE + (uint64_t)PAGER_MAX_CLIENTS * PAGER_CLIENT_PAGES * PAGER_PAGE_SIZE <=
               0xa0000000u, "the window stays clear of the pager's stack");
_Static_assert(PAGER_MAX_CLIENTS < (1u << PAGER_INDEX_BITS), "an index fits its bits");

/* What the book refuses: the protocol's errors (libl4/pager.idl), or the kernel's. */
enum pager_status {
    PAGER_OK = 0,
    PAGER_STALE = -1,             /* a badge of no live client: closed, never opened, or the unbadged one */
    PAGER_ARGUMENT = -2,          /* 0 pages, rights other than READ or READ | WRITE */
    PAGER_MISALIGNED = -3,        /* base not page-aligned */
    PAGER_ADDRESS = -4,           /* the range leaves user space (or wraps) */
    PAGER_OVERLAP = -5,           /* the range overlaps a region the client has */
    PAGER_FULL = -6,              /* no free client, region, or run of window pages that long */
    PAGER_NO_REGION = -7,         /* no region starts there / covers the address */
    PAGER_NO_RIGHTS = -8,         /* the access is not allowed in the region */
};

struct pager_region {
    uint32_t base;                /* first page of it in the client's address space */
    uint32_t pages;               /* 0: this region is not in use */
    uint32_t rights;              /* BURSAR_RIGHT_READ, or READ | WRITE */
    uint32_t window;              /* its first page's index in the client's window slice */
    uint32_t filled;              /* pages of it the pager holds a frame for */
};

struct pager_client {
    uint32_t generation;          /* 0 until first opened */
    bool open;
    struct pager_region regions[PAGER_MAX_REGIONS];
    uint32_t filled_bits[PAGER_CLIENT_PAGES / 32];   /* by window page */
    uint32_t faults;              /* faults answered with a mapping */
    uint32_t raised;              /* faults raised to the client's exception handler */
};

struct pager_book {
    struct pager_client clients[PAGER_MAX_CLIENTS];
    uint32_t next_generation;
};

void pager_book_init(struct pager_book *book);

/* A free client, opened: its index in *index and its badge (never 0); PAGER_FULL if none is free. */
int pager_client_open(struct pager_book *book, unsigned *index, uint32_t *badge);
/* The client a badge names, and its index; NULL (stale) if none. */
struct pager_client *pager_client_of(struct pager_book *book, uint32_t badge, unsigned *index);
/* Closes it: every region goes, and its badge is stale from now on. */
void pager_client_close(struct pager_client *client);

/* Whether base, pages, rights could be attached now (PAGER_OK, or the reason not). */
int pager_region_check(const struct pager_client *client, uint32_t base, uint32_t pages, uint32_t rights);
/* Attaches it (checked first): its number (0 .. PAGER_MAX_REGIONS - 1) in *number. */
int pager_region_add(struct pager_client *client, uint32_t base, uint32_t pages, uint32_t rights, unsigned *number);
/* The region that starts at base (detach), or covers address (a fault); -1 if none. */
int pager_region_at(const struct pager_client *client, uint32_t base);
int pager_region_covering(const struct pager_client *client, uint32_t address);
/* The region goes; its pages are no longer filled. */
void pager_region_remove(struct pager_client *client, unsigned number);

/*
 * A fault at `address` with BURSAR_ACCESS_* `access`: PAGER_OK and the
 * region's number, or why the pager refuses it (PAGER_NO_REGION,
 * PAGER_NO_RIGHTS: a write to a read-only region, or any access the CPU
 * found the page present for).
 */
int pager_fault_check(const struct pager_client *client, uint32_t address, uint32_t access, unsigned *number);

/* The window page (in the pager) that holds the frame for `address` of region `number` of client `index`. */
uintptr_t pager_window_page(const struct pager_client *client, unsigned index, unsigned number, uint32_t address);
bool pager_page_filled(const struct pager_client *client, unsigned number, uint32_t address);
void pager_page_set_filled(struct pager_client *client, unsigned number, uint32_t address, bool filled);

/* Totals over a client's regions. */
unsigned pager_client_regions(const struct pager_client *client);
uint32_t pager_client_attached(const struct pager_client *client);
uint32_t pager_client_filled(const struct pager_client *client);

#endif /* SERVERS_PAGER_CLIENTS_H */
