/*
 * pager_tests.h — what the default pager's end-to-end tests share
 * (build/user/pager_tests.elf, booted as the root task with bank.elf and
 * pager.elf as its next modules; docs/testing.md, "The default pager").
 *
 * main.c starts the real bank server with the boot memory, then the real
 * pager with a bank of its own, and keeps the unbadged capability to the
 * pager (which opens clients). After every test it closes the clients the
 * test opened, destroys the banks it made, and checks that every frame is
 * back: the root bank's figures (less what the pager's own heap grew by,
 * which its bank pays) and the kernel's ledger.
 *
 * A client is a task sharing this program's text and `client_shared`
 * (../common/helpers.h), with a heap its own bank funds, and a client
 * capability to the pager that its threads keep as their pager. Code
 * running there touches only its stack, its UTCB, client_shared and what
 * the pager maps.
 */
#ifndef PAGER_TESTS_H
#define PAGER_TESTS_H

#include <stdbool.h>
#include <stdint.h>

#include "bursar/fault.h"
#include "libl4/bank.h"
#include "libl4/l4.h"
#include "libl4/pager.h"
#include "libl4/user_test.h"
#include "test/vm/user/common/helpers.h"

#define PT_ROOT 8u                   /* the root bank */
/* 9: ROOT_SLEEP, an endpoint nobody sends to: for sleeping (common/helpers.h) */
#define PT_PAGER 10u                 /* the unbadged capability to the pager */
#define PT_PAGER_BANK 11u            /* the pager's own bank */
#define PT_FIRST_SLOT 32u            /* per-test slots, emptied after each test */
#define PT_SLOTS 256u

/* Priorities: the root 200 > helpers > the bank 150 > the pager 140 > clients. */
#define PT_BANK_PRIORITY 150u
#define PT_PAGER_PRIORITY 140u
#define PT_HELPER_PRIORITY 180u
#define PT_CLIENT_PRIORITY 120u

/* Where the tests' regions are, in a client's address space (nothing else is mapped there). */
#define PT_REGION 0x50000000u

/* Slots in a client task's own capability space, beside CLIENT_TASK, CLIENT_HEAP, CLIENT_SLEEP (0, 1, 3). */
enum { CLIENT_PAGER = 2, CLIENT_FIRST_FREE = 8 };
#define CLIENT_SLOTS 64u

struct pt_client {
    unsigned bank;                   /* own slot: its bank, a child of the root */
    unsigned heap;                   /* own slot: its task's heap, funded by that bank */
    unsigned task;                   /* own slot: the task */
    unsigned pager;                  /* own slot: its client capability to the pager */
    unsigned threads[CLIENT_THREADS];
};

extern uint32_t pt_tsc_khz;

unsigned pt_slot(void);
/* A thread of the root's own task (a helper), at `priority`, in a new slot. */
int pt_spawn(void (*entry)(void *), void *argument, unsigned priority, unsigned *slot);

/* A bank under the root with `limit` frames, in a new slot (destroyed after the test). */
int pt_bank(uint32_t limit, unsigned *slot);
/*
 * A client paying with its own new bank (limit `limit`): a heap of
 * `heap_pages` from that bank, a task paid by the heap, and a client of the
 * pager opened with the bank, whose capability the task has too.
 */
int pt_client(uint32_t limit, uint32_t heap_pages, struct pt_client *client);
/* Starts client_shared.jobs[index] in a new thread of the client whose pager is the client's capability, and
 * whose exception handler is `handler` (a root slot; BURSAR_NO_CAPABILITY: none). client_job_wait waits. */
int pt_client_run(struct pt_client *client, unsigned index, unsigned handler);

/* Jobs. arguments[0] the first page, [1] pages: */
int pt_fill(struct client_job *job);     /* every word of each page reads 0, then gets its address */
int pt_verify(struct client_job *job);   /* every word holds its address (found: the first that does not) */
int pt_read_one(struct client_job *job); /* reads the first word of each page */

/* A client's figures at the pager. */
struct pt_pager_stats {
    uint32_t regions, attached, filled, faults, raised;
};
int pt_pager_stats(const struct pt_client *client, struct pt_pager_stats *stats);

/* An exception as a handler receives it (up to a raised page fault's 14 words). */
struct pt_exception {
    uint32_t badge, label, words;
    uint32_t word[BURSAR_RAISED_FAULT_WORDS];
};
/* An endpoint and reply object (per-test slots) the root receives exceptions on. */
struct pt_handler {
    unsigned endpoint, reply;
};
int pt_handler_create(struct pt_handler *handler);
int pt_receive(const struct pt_handler *handler, struct pt_exception *exception, unsigned ms);

#endif /* PAGER_TESTS_H */
