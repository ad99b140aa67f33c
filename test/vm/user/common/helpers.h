/*
 * helpers.h — what the root tasks of the servers' end-to-end tests share
 * (bank_tests, pager_tests, wrapper_tests; test/SConscript links each the
 * files of test/vm/user/common/ it uses), so that each is written once:
 *
 *   helpers.c  sleeping, helper threads of the root's own task, emptying
 *              the per-test slots after a test, and the kernel's ledger
 *              checked after a test
 *   clients.c  clients: tasks sharing this program's text and
 *              `client_shared` (libl4/task_sharing_program.h), each thread running one job
 *              (bank_tests, pager_tests)
 *   grant.c    a thread that takes one page by GRANT (bank_tests and
 *              core_tests)
 */
#ifndef TEST_COMMON_HELPERS_H
#define TEST_COMMON_HELPERS_H

#include <stdbool.h>
#include <stdint.h>

#include "libl4/l4.h"
#include "libl4/user_test.h"

/* ---- the root task (helpers.c) ---- */

/* The root's slot of an endpoint nobody sends to, for sleeping: main makes it first. */
#define ROOT_SLEEP 9u

/* Blocks the calling thread for about `ms` (a receive on ROOT_SLEEP that times out). */
void root_sleep_ms(unsigned ms);

/*
 * A thread of the root's own task, paid by `heap`, in the empty slot
 * `slot`, running entry(argument) at `priority` on the next of
 * ROOT_HELPER_STACKS stacks (after the last the first again: a test that
 * makes more helpers destroys the earlier ones first).
 */
#define ROOT_HELPER_STACKS 12u
int root_spawn(unsigned heap, unsigned slot, void (*entry)(void *), void *argument, unsigned priority);
/* After a test: the next helper gets the first stack again. */
void root_helpers_reset(void);

/*
 * After a test, in slots first .. first + count - 1: first every thread
 * the root may destroy (so nothing runs on into the teardown); then, once
 * the test's banks are gone, every other object but a heap (a heap goes
 * with the bank that funds it), and every capability deleted.
 */
void root_destroy_threads(unsigned first, unsigned count);
void root_empty_slots(unsigned first, unsigned count);

/*
 * After a test: SYS_SYSTEM_INFO in *info, the kernel's tasks, threads and
 * heaps as many as in `baseline`, the accounting identity (fixed
 * reservation + heap frames + bank frames = usable frames) and the
 * kernel's own check (BURSAR_DUMP_CHECK). A failure fails `result`.
 */
void root_check_kernel(struct test_result *result, const struct bursar_system_info *baseline,
                       struct bursar_system_info *info);

/* ---- clients (clients.c) ---- */

/* Slots in a client task's own capability space that client_task_create fills (2 and 4 on: the program's). */
enum { CLIENT_TASK = 0, CLIENT_HEAP = 1, CLIENT_SLEEP = 3 };

/* One job a client thread does, and what came of it (in client_shared: both tasks see it). */
struct client_job {
    int (*run)(struct client_job *job);
    uint32_t arguments[4];
    volatile uint32_t progress;      /* the job's own count of what it did */
    volatile uint32_t found;         /* what it found: a bad word's address, say */
    volatile int result;
    volatile bool started, done;
};

#define CLIENT_THREADS 8u
struct client_shared_area {
    struct client_job jobs[CLIENT_THREADS];
    struct bursar_utcb utcbs[CLIENT_THREADS] __attribute__((aligned(BURSAR_UTCB_SIZE)));
    char stacks[CLIENT_THREADS][4096] __attribute__((aligned(16)));
};
extern struct client_shared_area client_shared;

/*
 * A client task paid by `heap` in the root's empty slot `task`, with
 * `capability_slots` slots, sharing this program's text and client_shared;
 * its own task (every right), `heap` (READ, WRITE) and ROOT_SLEEP (READ)
 * copied into its CLIENT_TASK, CLIENT_HEAP and CLIENT_SLEEP.
 */
int client_task_create(unsigned heap, unsigned task, unsigned capability_slots);
/*
 * jobs[index] (its counts and result cleared) in a new thread of the
 * client `task`, paid by `heap`, in the root's empty slot `slot`, at
 * `priority`: it runs the job, then waits for good (the test destroys it).
 */
int client_job_start(unsigned heap, unsigned task, unsigned slot, unsigned index, unsigned priority);
/* Sleeps until jobs[index] is done or `ms` have passed; true if done. */
bool client_job_wait(unsigned index, unsigned ms);
/* After a test: every job cleared. */
void client_jobs_reset(void);

/* ---- taking a page by GRANT (grant.c) ---- */

/* What grant_receiver is to do, and what came of it. */
struct grant_receiver {
    unsigned endpoint;               /* it receives on this */
    uintptr_t window;                /* into a 4 MiB receive window here */
    volatile int status;             /* the receive's: 0 or its error */
    volatile uint32_t landed;        /* where the page landed (the message's MR1) */
};
/* A thread's entry: one message on receiver->endpoint, within a second, its page into receiver->window. */
void grant_receiver(void *receiver);
/* Sends the own page at `page` (read-write) by GRANT to the receiver, without waiting: 0 or the send's error. */
int grant_page(const struct grant_receiver *receiver, uintptr_t page);

#endif /* TEST_COMMON_HELPERS_H */
