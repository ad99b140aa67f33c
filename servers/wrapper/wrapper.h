/*
 * wrapper.h — what the wrapper server's files share (docs/wrapper.md).
 *
 * The server hands out revocable authority the EROS way, with COPY only. A
 * wrapper is an endpoint of its own with a forwarding thread of its own in
 * this task, both in a kernel heap bought from the client's space bank, and
 * one page bought from the same bank for the thread's UTCB and stack. The
 * thread takes every call made through the wrapper, calls the target with
 * the same message and relays the reply (forward.c). Destroying the wrapper
 * destroys that heap: the kernel revokes every copy of the wrapper and wakes
 * whoever waits in it or on it, and the bank gets its pages back.
 *
 * What the server keeps of its own is one entry a wrapper in a fixed table
 * (the slots it uses, the bank's names for what it bought, the owner) and
 * the wrapper's capability slots; both are bounded, and shared out among
 * clients by a quota (wrappers.c). It never touches a page a client paid
 * for: a client's bank may take its pages back at any time, and the server
 * must not fault when it does.
 */
#ifndef SERVERS_WRAPPER_WRAPPER_H
#define SERVERS_WRAPPER_WRAPPER_H

#include <stdbool.h>
#include <stdint.h>

#include "libl4/server.h"
#include "libl4/wrapper_idl.h"

#define WRAPPER_PAGE_SIZE 4096u

/* The server's own slots (its start capabilities are looked up by name). */
enum {
    SLOT_TASK = 0,                  /* the loader's: own task, thread, heap */
    SLOT_SERVICE_REPLY = 10,        /* the service loop's reply object */
    SLOT_REQUEST_WINDOW = 11,       /* 11, 12: a create request's bank and target */
    SLOT_SCRATCH_THREAD = 13,       /* a new forwarding thread, until it runs */
    SLOT_FIRST_WRAPPER = 16,        /* from here on: the wrappers' slots (wrappers.c) */
};

/* What a message through a wrapper may carry, each way (docs/wrapper.md). */
#define FORWARD_CAPABILITY_ITEMS 4u             /* capability items */
#define FORWARD_MEMORY_LOG2 16u                 /* memory items: within a 64 KiB window */
#define WRAPPER_SLOTS_EACH (5u + 2u * FORWARD_CAPABILITY_ITEMS)  /* endpoint, reply, target, bank, heap, 2 windows */

/* Where the wrappers' pages and memory windows are in this task. */
#define WRAPPER_PAGES 0x40000000                /* wrapper i's page at WRAPPER_PAGES + i pages (no suffix: asm) */
#define WRAPPER_WINDOWS 0x48000000u             /* its two memory windows (windows.c's layout) */
#define WRAPPER_MAX 150u                        /* the table's size; the slots may allow fewer */

/* Pages of the heap bought for a wrapper: its thread (a page), its endpoint and its reply object. */
#define WRAPPER_HEAP_PAGES 3u

/*
 * A wrapper's page, bought from its client's bank: the forwarding thread's
 * UTCB at its start, its stack at its end. Nothing else is kept there (the
 * bank may take it back at any time); the thread finds its slots in the
 * server's table, by the page's index.
 */
#define WRAPPER_STACK_TOP(page) ((page) + WRAPPER_PAGE_SIZE - 16)

/* The server's own entry for a wrapper: never in a page a client paid for. */
struct wrapper_entry {
    bool live;
    uint32_t generation;                        /* part of the handle: a destroyed wrapper's handle stays dead */
    uint32_t owner;                             /* the badge of the client that made it */
    /* What the creation got so far, for a teardown from any point. */
    bool heap_made, page_bought;
    volatile bool windows_used;                 /* the forwarding thread may have left items in its windows */
    uint32_t heap_handle, frame;                /* the bank's names for the heap and the page */
    unsigned endpoint, reply, target, bank, heap, window;   /* own slots (window: 2 x FORWARD_CAPABILITY_ITEMS) */
};

struct wrapper_server {
    struct l4_server loop;
    unsigned service;                           /* own slot: the endpoint create and destroy come to */
    unsigned own_bank;                          /* own slot: a bank of the bank server clients must use */
    unsigned slot_count;                        /* the size of this task's capability space */
    unsigned capacity, quota, priority;
    unsigned live;
    struct wrapper_entry entries[WRAPPER_MAX];
    int created;                                /* the wrapper the last request made, or -1 */
};

extern struct wrapper_server wrapper_server;

/* wrappers.c */
void wrappers_init(struct wrapper_server *server);
extern const struct wrapper_handlers wrapper_service_handlers;
/* Takes down whatever of entry i's wrapper exists, and frees the entry. */
void wrapper_teardown(struct wrapper_server *server, unsigned i);

/* windows.c: the memory windows and the anchors that keep their page tables */
uintptr_t wrapper_page_address(unsigned i);
uintptr_t wrapper_window_address(unsigned i, unsigned which);
int wrapper_windows_init(unsigned capacity);

/* forward.c: where a forwarding thread starts, esp at WRAPPER_STACK_TOP of its page */
void wrapper_thread_entry(void);

#endif /* SERVERS_WRAPPER_WRAPPER_H */
