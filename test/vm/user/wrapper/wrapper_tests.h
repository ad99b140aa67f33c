/*
 * wrapper_tests.h — what the wrapper server's end-to-end tests share
 * (build/user/wrapper_tests.elf, booted as the root task with bank.elf and
 * wrapper.elf as its next modules; docs/testing.md, "The wrapper server").
 *
 * main.c starts the real space bank with the boot memory, then the real
 * wrapper server (its pages and heap bought from the root bank), and runs
 * every test; after each it checks that the test destroyed every wrapper it
 * made, that the root bank and the kernel's ledger are back to the page,
 * and the kernel's own check (BURSAR_DUMP_CHECK).
 *
 * The actors are threads of this task: clients (each a badged capability
 * to the server's service endpoint and a bank of its own, a child of the
 * root bank), and targets, servers of a small echo protocol (target.c)
 * whose behaviour a test sets. They run at WT_PRIORITY, the wrapper
 * server's, so that calls through a wrapper can take the kernel's fast
 * path; the root thread (priority 200) drives each test and sleeps while
 * they work.
 */
#ifndef WRAPPER_TESTS_H
#define WRAPPER_TESTS_H

#include <stdbool.h>
#include <stdint.h>

#include "libl4/bank.h"
#include "libl4/l4.h"
#include "libl4/message.h"
#include "libl4/user_test.h"
#include "libl4/wrapper.h"
#include "test/vm/user/common/helpers.h"

#define WT_ROOT_BANK 8u              /* the root bank, for the whole run */
/* 9: ROOT_SLEEP, an endpoint nobody sends to: for sleeping (common/helpers.h) */
#define WT_ACTOR_HEAP 10u            /* pays the actors' threads and endpoints (a heap of the root bank) */
#define WT_WRAPPER_HEAP 22u          /* the wrapper server's own heap (every right) */
#define WT_SERVICE 23u               /* the wrapper server's service endpoint (unbadged, every right) */
#define WT_FIRST_SLOT 32u            /* per-test slots, emptied after each test */
#define WT_SLOTS 400u
#define WT_PAGES 0x30000000u         /* where tests map pages they buy or receive; emptied after each test */
#define WT_PAGES_SIZE 0x08000000u

#define WT_PRIORITY 120u             /* the wrapper server's and every actor's */

/* ---- clients ---- */

struct wt_client {
    unsigned service;                /* own slot: the service endpoint, badged for this client */
    uint32_t badge;
    unsigned bank;                   /* own slot: the client's bank (a child of the root bank) */
};

/* A client with a bank of `limit` frames (BANK_NO_LIMIT: none of its own). */
int wt_client(struct wt_client *client, uint32_t limit);
/* A wrapper around own `target` for the client, in a new slot (*wrapper). */
int wt_wrap(const struct wt_client *client, unsigned target, unsigned *wrapper, uint32_t *handle);

/* ---- targets: echo servers a test steers (target.c) ---- */

enum wt_target_mode {
    TARGET_ECHO,                     /* the label, every word + 1, no items */
    TARGET_HOLD,                     /* takes the call and never answers */
    TARGET_REPLY_CAPABILITY,         /* echoes, plus a capability item: `reply_slot`, by `reply_mode` */
    TARGET_REPLY_MEMORY,             /* echoes, plus a memory item: `reply_page` (one page), by `reply_mode` */
};

#define TARGET_LABEL 0x77u

struct wt_target {
    unsigned endpoint, reply;        /* own slots (created by wt_target_start) */
    unsigned window;                 /* own slots: its capability window (4) */
    uintptr_t memory_window;         /* 64 KiB */
    volatile enum wt_target_mode mode;
    unsigned reply_slot;
    uintptr_t reply_page;
    unsigned reply_mode, reply_rights;
    bool keep_items;                 /* leave what arrived where it landed (else it is dropped) */
    /* What the last request was. */
    volatile unsigned calls;
    volatile uint32_t badge, tag;
    uint32_t words[BURSAR_MESSAGE_REGISTERS];
    struct l4_item items[BURSAR_MAX_TYPED_ITEMS];
};

/* A target in a thread of its own (its endpoint, reply object and thread in per-test slots). */
int wt_target_start(struct wt_target *target);

/* ---- helpers ---- */

unsigned wt_slot(void);
unsigned wt_slots(unsigned count);   /* `count` in a row */
uintptr_t wt_pages(unsigned count);  /* an unused range of the test area, 64 KiB-aligned */
/* A thread of this task running entry(argument) at `priority`, its slot in *slot (if not null), paid by
 * WT_ACTOR_HEAP; -BURSAR_E_INVALID_ARGUMENT for more than ROOT_HELPER_STACKS in a test. */
int wt_spawn(void (*entry)(void *), void *argument, unsigned priority, unsigned *slot);

/* A call with a whole message; the reply replaces it. The IPC's result (TIMEOUT after 3 s without an answer). */
int wt_call(unsigned endpoint, struct l4_msg *msg);

/*
 * Another party, in a task of its own, given a COPY of own `capability`:
 * it calls it once (label TARGET_LABEL, one word) and the result is what
 * its call got (the IPC's error, or the reply's), or TIMEOUT after 3 s.
 */
int wt_remote_call(unsigned capability);

/* The wrapper server's count of live wrappers (wrapper_info through the unbadged capability). */
uint32_t wt_live_wrappers(void);

/* A job for an actor thread: run(job) in a thread of its own; `done` when it returned. */
struct wt_job {
    int (*run)(struct wt_job *job);
    uint32_t arguments[4];
    volatile int result;
    volatile bool started, done;
};
int wt_job_start(struct wt_job *job);
/* Sleeps until the job is done or `ms` have passed; true if done. */
bool wt_job_wait(struct wt_job *job, unsigned ms);

#endif /* WRAPPER_TESTS_H */
