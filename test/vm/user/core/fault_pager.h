/*
 * fault_pager.h — what the page-fault and exception tests (page_faults.c,
 * exceptions.c, and the attacks of cpu_state.c and entry_attacks.c) share:
 * an endpoint and reply object to serve faults on, the fault as the server
 * receives it, waiting for a helper thread, and a thread that attacks.
 */
#ifndef CORE_TESTS_FAULT_PAGER_H
#define CORE_TESTS_FAULT_PAGER_H

#include "core.h"

#include "bursar/fault.h"

struct fault_server {
    unsigned endpoint, reply;
};

/* A message the kernel sent for a faulting thread, as received. */
struct received_fault {
    uint32_t badge, label, words;
    uint32_t word[BURSAR_RAISED_FAULT_WORDS];      /* the longest: a page fault its pager raised */
};

/* An endpoint and a reply object in fresh per-test slots. */
int fault_server_create(struct fault_server *server);
/* Receive one message (binding the reply object); 0 or the error. */
int fault_receive(const struct fault_server *server, struct received_fault *fault, unsigned timeout_ms);
/* exceptions.c: the registers an exception message carries; a RESUME (or `label`) reply setting them. */
struct bursar_exception_state exception_state_of(const struct received_fault *fault);
int exception_reply_with_state(const struct fault_server *handler, const struct bursar_exception_state *state,
                               uint32_t label);
/* Sleep in 10 ms steps until *stage reaches `stage` or `ms` have passed; true if it did. */
bool wait_for_stage(volatile uint32_t *stage, uint32_t stage_wanted, unsigned ms);
/* A thread that counts for ever: proof that the rest of the system runs. */
void count_forever(void *counter);
/* An attack (cpu_state.c, entry_attacks.c): a thread of attack_thread runs `run` and says how far it got. */
struct attack {
    void (*run)(void);
    volatile uint32_t stage;             /* 1: about to attack, 2: came back from it */
};
void attack_thread(void *attack);

/* From libl4/user.ld: the program's first byte and its data segment. */
extern char program_start[], user_tests_start[];

#endif /* CORE_TESTS_FAULT_PAGER_H */
