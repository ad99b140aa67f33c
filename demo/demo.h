/*
 * demo.h — what the demo's files share (`./bursar run`, demo/main.c tells
 * the story): the root task's slots, the clients (tasks of their own,
 * running code of this program, docs in world.c), the jobs they run, and
 * the printing of the ledger.
 *
 *   main.c    the story, step by step
 *   world.c   the bank server, the pager, and the clients: tasks whose
 *             heaps and memory their own banks pay for
 *   jobs.c    what runs inside a client's task
 *   ledger.c  the figures: the kernel's accounting identity, a bank's
 *             charge by kind, a heap's live objects by kind, in words
 */
#ifndef DEMO_DEMO_H
#define DEMO_DEMO_H

#include <stdbool.h>
#include <stdint.h>

#include "bursar/boot.h"
#include "bursar/fault.h"
#include "libl4/bank.h"
#include "libl4/pager.h"

/* The root task's slots. */
enum {
    ROOT_BANK = BURSAR_SLOT_FIRST_FREE,       /* the root bank, from the bank server */
    SLEEP,                                    /* an endpoint nobody sends to: for sleeping */
    PAGER,                                    /* the unbadged capability to the pager: opens clients */
    PAGER_BANK,                               /* the pager's own bank */
    BANK_SERVER_SLOTS = 16,                   /* 16..19: the bank server's task, thread, heap, endpoint */
    PAGER_SERVER_SLOTS = 20,                  /* 20..23: the pager's */
    FIRST_CLIENT_SLOT = 32,                   /* each client's, CLIENT_ROOT_SLOTS of them */
};
#define CLIENT_ROOT_SLOTS 16u

/* Slots in a client task's own capability space. */
enum {
    IN_TASK, IN_HEAP, IN_PAGER, IN_SLEEP,
    IN_ENDPOINT,                              /* the endpoint it serves (receive, send, grant) */
    IN_REPLY,                                 /* its reply object, for serving */
    IN_PEER,                                  /* the endpoint of the party it talks to */
    IN_SERVER,                                /* the server's endpoint (bob's) */
    IN_HANDLER,                               /* its exception handler's endpoint (receive) */
    IN_HANDLER_REPLY,
    IN_LENT_HEAP,                             /* a heap it may lend (bob's) */
    IN_WINDOW,                                /* where a capability sent to it lands */
    IN_FIRST_FREE = 16,                       /* objects it makes */
};
#define CLIENT_SLOTS 256u

/* Where a client's anonymous memory is: a region the pager fills. */
#define MEMORY_BASE 0x50000000u

/* One job a client thread does, and what came of it (in `shared`: both tasks see it). */
struct job {
    int (*run)(struct job *job);
    uint32_t arguments[3];
    volatile uint32_t progress;               /* the job's own count of what it did */
    volatile uint32_t answer;                 /* what it got back, when it asked someone */
    volatile int result;
    volatile bool done, caught;               /* caught: its exception handler stopped it */
    volatile uint32_t fault_address, fault_reason;
};

#define JOBS 8u
struct shared {
    struct job jobs[JOBS];
    struct bursar_utcb utcbs[JOBS] __attribute__((aligned(BURSAR_UTCB_SIZE)));
    char stacks[JOBS][4096] __attribute__((aligned(16)));
};
extern struct shared shared;

struct client {
    const char *name;
    unsigned bank, heap, task, pager, endpoint, handler, handler_reply;   /* the root's slots */
    uint32_t heap_handle;
    uint32_t limit;
};

/* world.c */
int world_start_bank(const struct bursar_boot_info *boot);
int world_start_pager(const struct bursar_boot_info *boot);
/* A client: a bank under the root with `limit` frames, a task whose heap it funds, a pager client. */
int client_make(struct client *client, const char *name, uint32_t limit, unsigned index);
/* Gives `to` a capability to `from`'s endpoint (send and grant) in its slot `in`. */
int client_connect(const struct client *to, const struct client *from, unsigned in);
/* Starts jobs[job] in a new thread of the client (its pager the client's; with its exception handler if asked). */
int client_run(struct client *client, unsigned job, bool with_handler);
/* Sleeps until jobs[job] is done or caught, or `ms` have passed; true if it is. */
bool job_wait(unsigned job, unsigned ms);
void sleep_ms(unsigned ms);

/* jobs.c: what runs inside a client (each reads its arguments from its struct job). */
int job_fill_memory(struct job *job);       /* attach [0] pages at MEMORY_BASE, write each; progress: pages */
int job_catch(struct job *job);             /* the exception handler: stops the faulting job where it was */
int job_serve(struct job *job);             /* answer every call on IN_ENDPOINT with its word plus one */
int job_lend(struct job *job);              /* send IN_PEER a revocable copy of IN_ENDPOINT */
int job_take_and_call(struct job *job);     /* receive a capability, then call it with [0] */
int job_call_again(struct job *job);        /* call what arrived with [0] again */
int job_revoke(struct job *job);            /* revoke every copy made from IN_ENDPOINT */
int job_lend_heap(struct job *job);         /* send IN_SERVER IN_LENT_HEAP, charge only; answer: objects made */
int job_store(struct job *job);             /* take a heap, make [0] endpoints on it, free [1] of them */
int job_count_endpoints(struct job *job);   /* how many of the [0] endpoints still answer (progress) */
int job_records(struct job *job);           /* [0] revocable copies of IN_ENDPOINT (records), the first [1] deleted */

/* ledger.c */
void ledger_print(const char *when);
void bank_print(const char *who, unsigned bank);
void heap_print(const char *who, unsigned heap);
uint32_t bank_available(unsigned bank);
uint32_t bank_charged(unsigned bank);
const char *kind_name(unsigned kind);

#endif /* DEMO_DEMO_H */
