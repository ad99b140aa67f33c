/*
 * probe.h — what the server-framework tests (build/user/server_tests.elf,
 * ids 930-969) share: a server of the probe interface (probe.idl) running
 * libl4's server loop in a task of its own, and the root's handles on it.
 *
 * The server task shares this program's text and one region, struct
 * probe_shared (libl4/task_sharing_program.h): its stack, UTCB, the struct l4_server and
 * the handlers' state. Handlers touch nothing else, so the root reads the
 * server's statistics and state there directly.
 */
#ifndef SERVER_TESTS_PROBE_H
#define SERVER_TESTS_PROBE_H

#include "test/vm/user/core/core.h"
#include "test/vm/user/server/probe_idl.h"

/* The server task's capability space. */
#define PROBE_ENDPOINT      L4_SERVER_ENDPOINT   /* READ */
#define PROBE_REPLY         L4_SERVER_REPLY
#define PROBE_GIVE          2      /* an endpoint (WRITE, GRANT) it hands out */
#define PROBE_GATE          3      /* READ: the block handler waits here */
#define PROBE_SCRATCH       4      /* for give_grant */
#define PROBE_WINDOW        8      /* capability window (PROBE_CAPABILITY_ITEMS slots) */
#define PROBE_SLOTS         16

/* Its memory window: 4 MiB. */
#define PROBE_MEMORY_WINDOW 0x60000000u
#define PROBE_MEMORY_LOG2   22

struct probe_state {
    uint32_t calls;              /* handler calls */
    uint32_t garbage;            /* a handler found an argument not of its declared shape */
    volatile uint32_t blocked;   /* set while the block handler waits on the gate */
    uintptr_t stocked;           /* the page kept from a stock request (0: none) */
    int run_result;              /* what l4_server_run returned, once it did */
    volatile uint32_t finished;
};

struct probe_shared {
    uint32_t page[1024];         /* first: page-aligned; what give_page_copy sends */
    struct bursar_utcb utcb;
    struct l4_server server;
    struct probe_state state;
    char stack[8192] __attribute__((aligned(16)));
};

extern struct probe_shared probe_shared;

/* The root's slots for one probe server. */
struct probe {
    unsigned heap, endpoint, reply, task, thread, give, gate;
    unsigned client;             /* WRITE + GRANT, badge PROBE_BADGE */
};
#define PROBE_BADGE 0x5eed

/* A label outside probe.idl that the server's `other` handler answers with one word. */
#define PROBE_OTHER_LABEL  0x7777
#define PROBE_OTHER_ANSWER 0x5151

/* Starts the server in a new task paid by a new heap of `heap_frames` frames. */
int probe_start(struct probe *probe, unsigned heap_frames);

/* Root-side: a zero-timeout send of a one-page memory item to an endpoint nobody receives on:
 * TIMEOUT when `page` is mapped with `rights`, else the item's error. */
int probe_page_mapped(uintptr_t page, unsigned rights);

#endif /* SERVER_TESTS_PROBE_H */
