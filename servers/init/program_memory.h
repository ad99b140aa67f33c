/*
 * program_memory.h — each program's bank, heaps and pager client (program_memory.c).
 */
#ifndef SERVERS_INIT_PROGRAM_MEMORY_H
#define SERVERS_INIT_PROGRAM_MEMORY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "servers/init/system.h"

/* init's slots and window for the pager. */
struct memory_slots {
    unsigned pager;                  /* the unbadged capability to the pager (opens clients) */
    unsigned pager_bank;             /* the pager's own bank */
    unsigned pager_server;           /* four: the pager's task, thread, heap, endpoint */
    uintptr_t pager_window;          /* the loader's window for its pages */
};

/*
 * Starts the pager (image: pager.elf, or null if there is none) with a bank
 * of its own under `root`, if any program wants it; false (and says why) if
 * one does and it cannot start.
 */
bool memory_start_pager(unsigned root, const struct system *system, const void *image, size_t size,
                        const struct memory_slots *slots);

/* A program's bank in `bank`: a child of `root` with `limit` frames. */
int memory_make_bank(unsigned root, uint32_t limit, unsigned bank);
/*
 * A heap of `pages` pages funded by `bank` in `heap`. Its faults are served
 * by the bank within its limit; one that `grows` keeps a few pages free
 * for what the pager's mappings need (a program's own heap), one that does not keeps
 * its size unless its holder funds it (a heap a `heap` statement gives: a
 * quota the program lends).
 */
int memory_make_heap(unsigned bank, uint32_t pages, bool grows, unsigned heap);
/* A client of the pager paying with `bank`, in `client`, with the program's stack and memory as its regions. */
int memory_open_client(unsigned pager, unsigned bank, const struct system_program *program, unsigned client);
/* What a program's bank held when it went: all of it came back. */
struct memory_back {
    uint32_t frames;                 /* everything its bank was charged */
    uint32_t heap_pages;             /* of which pages of its heaps */
    uint32_t filled;                 /* pages the pager filled (its regions' banks) and frames it bought itself */
    uint32_t bookkeeping;            /* the bank server's records for it */
};
/* The program is gone: its pager client closed, its bank destroyed (and everything the bank paid for). */
struct memory_back memory_retire(unsigned bank, unsigned client);

#endif /* SERVERS_INIT_PROGRAM_MEMORY_H */
