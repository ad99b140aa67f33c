/*
 * bank_tests.h — what the space bank's end-to-end tests share
 * (build/user/bank_tests.elf, booted as the root task with bank.elf as its
 * second module; docs/testing.md, "The space bank").
 *
 * main.c starts the real bank server with the boot memory (after that the
 * root task holds no frame authority at all), keeps the root bank in
 * BT_ROOT, and after every test destroys the banks the test made and
 * checks that the root bank and the kernel's ledger are back to the page
 * where they started (BURSAR_DUMP_CHECK, the accounting identity).
 *
 * Clients: a task sharing this program's text and `client_shared`
 * (../common/helpers.h) whose own heap is a heap some bank funds, so its
 * threads' allocations fault to the real bank server. Code running there
 * touches only its stack, its UTCB and client_shared.
 */
#ifndef BANK_TESTS_H
#define BANK_TESTS_H

#include <stdbool.h>
#include <stdint.h>

#include "libl4/bank.h"
#include "libl4/l4.h"
#include "libl4/user_test.h"
#include "test/vm/user/common/helpers.h"

#define BT_ROOT 8u                   /* the root bank, for the whole run */
/* 9: ROOT_SLEEP, an endpoint nobody sends to: for sleeping (common/helpers.h) */
#define BT_FIRST_SLOT 32u            /* per-test slots, emptied after each test */
#define BT_SLOTS 400u
#define BT_PAGES 0x30000000u         /* where tests map what they buy: each test from here on */
#define BT_PAGES_SIZE 0x10000000u

/* Priorities: the root 200 > helpers > the bank server 150 > clients. */
#define BT_BANK_PRIORITY 150u
#define BT_HELPER_PRIORITY 180u
#define BT_CLIENT_PRIORITY 120u

/* Slots in a client task's own capability space, beside CLIENT_TASK, CLIENT_HEAP, CLIENT_SLEEP (0, 1, 3). */
enum { CLIENT_BANK = 2, CLIENT_ENDPOINT = 4, CLIENT_FIRST_FREE = 8 };
#define CLIENT_SLOTS 256u

/* A client: a task of its own whose heap a bank funds. */
struct bt_client {
    unsigned bank;                   /* own slot: the bank its heap comes from (a copy is in the task) */
    unsigned heap;                   /* own slot: the heap (READ, CHARGE, GRANT) */
    uint32_t handle;                 /* the heap's handle at the bank */
    unsigned task;                   /* own slot: the task */
    unsigned threads[CLIENT_THREADS];
};

extern uint32_t bt_frames_at_start;  /* free frames the bank had when the tests began */
extern uint32_t bt_tsc_khz;
/* servers/bank's BANK_MAX_DEPTH (16) levels below the root, and the root. */
#define BANK_MAX_DEPTH_FOR_TESTS 17u

/* The next per-test slot, and the next unused page address in the test's area. */
unsigned bt_slot(void);
uintptr_t bt_pages(unsigned count);

/* A child of `parent` (a slot) in a new slot, with a limit and an object quota. */
int bt_child(unsigned parent, uint32_t limit, uint32_t objects, unsigned *slot);

/* A client: a heap of `pages` pages (watermarks 0, no timeout) from `bank`, and a task paid by it. */
int bt_client(unsigned bank, uint32_t pages, struct bt_client *client);
/* Starts client_shared.jobs[index] in a new thread of the client at `priority` (client_job_wait waits). */
int bt_client_run(struct bt_client *client, unsigned index, unsigned priority);
/* Jobs: arguments[0] endpoints in the client's own heap (each capability deleted again: the endpoint
 * lives on, paid by the heap); or arguments[0] endpoints, each with a revocable copy (a record). */
int bt_make_endpoints(struct client_job *job);
int bt_make_endpoints_and_records(struct client_job *job);

/* A thread of the root's own task (a helper), at `priority`, in a new slot. */
int bt_spawn(void (*entry)(void *), void *argument, unsigned priority, unsigned *slot);

/* Whether `address` is mapped in the own task (a SYS_MAP of it into the own task is refused if not). */
bool bt_mapped(uintptr_t address);
/* Live objects of a kind in a heap the test can read. */
uint32_t bt_live(unsigned heap, unsigned kind);

#endif /* BANK_TESTS_H */
