/*
 * program_memory.c — where each program's memory comes from (docs/system.md,
 * "Banks and the pager"): a bank of its own under the root bank, with the
 * limit the description gives it; its heaps, funded by that bank; and, for
 * its stack and anonymous memory, a client of the default pager opened with
 * that bank. When the program goes, its bank is destroyed, and with it
 * everything it paid for.
 */
#include "servers/init/program_memory.h"

#include "libl4/bank.h"
#include "libl4/l4.h"
#include "libl4/pager.h"
#include "libl4/printf.h"
#include "libl4/start_info.h"

#define PAGER_PRIORITY 198u          /* above every program, below the bank */
#define PAGER_BASE_FRAMES 128u       /* its image, stack and first heap, and room */
/*
 * Then what one client can cost the pager at most, whatever it fills or
 * attaches (its mappings' records are its own): the page tables and
 * shadows of its whole window, 64 MiB (docs/pager.md, "Who pays").
 */
#define PAGER_WINDOW_TABLES 16u      /* 64 MiB of window, 4 MiB a table */
#define PAGER_FRAMES_PER_CLIENT (2u * PAGER_WINDOW_TABLES)
/*
 * A program's own heap keeps 2 pages free (its low watermark; refilled to 4
 * by its bank after any call of the program's that goes below): a page
 * table and its shadow, which the pager's answer to a fault in a new 4 MiB
 * may need and cannot ask the bank for (docs/pager.md). libl4's start-up
 * reserves its memory's tables before main, but a reserve sets nothing
 * aside: the program's own allocations may use those pages before its
 * first touch, and the watermark puts them back after each such call.
 */
#define HEAP_LOW SYSTEM_HEAP_LOW
#define HEAP_HIGH SYSTEM_HEAP_HIGH
#define OBJECTS 16u                  /* a program's bank's object quota: its heaps and its regions' banks */

bool memory_start_pager(unsigned root, const struct system *system, const void *image, size_t size,
                        const struct memory_slots *slots)
{
    uint32_t frames = PAGER_BASE_FRAMES;
    bool wanted = false;
    int error;

    for (unsigned i = 0; i < system->program_count; i++) {
        wanted |= system->programs[i].pager;
        frames += system->programs[i].pager ? PAGER_FRAMES_PER_CLIENT : 0;
    }
    if (!wanted)
        return true;
    if (!image) {
        printf("init: no boot module pager.elf: the programs' stacks and memory need the pager (or say pager no)\n");
        return false;
    }
    error = l4_pager_start_under(root, frames, slots->pager_bank, image, size, slots->pager_window,
                                 slots->pager_server, PAGER_PRIORITY, slots->pager);
    if (error)
        printf("init: cannot start the pager: %s\n", pager_error_name(error));
    else
        printf("init: the pager serves the programs' stacks and memory, with a bank of %u frames\n", frames);
    return error == 0;
}

int memory_make_bank(unsigned root, uint32_t limit, unsigned bank)
{
    return bank_create_child(root, limit, OBJECTS, bank);
}

int memory_make_heap(unsigned bank, uint32_t pages, bool grows, unsigned heap)
{
    uint32_t handle;

    return bank_heap_create(bank, pages, grows ? HEAP_LOW : 0, grows ? HEAP_HIGH : 0, BURSAR_TIMEOUT_NEVER, heap,
                            &handle);
}

/* The stack (below the UTCB) and the anonymous memory, if any, become the client's regions. */
int memory_open_client(unsigned pager, unsigned bank, const struct system_program *program, unsigned client)
{
    uint32_t rw = BURSAR_RIGHT_READ | BURSAR_RIGHT_WRITE;
    int error = pager_open(pager, bank, client);

    if (!error)
        error = pager_attach(client, L4_PROGRAM_STACK_TOP - program->stack_pages * 4096u, program->stack_pages, rw);
    if (!error && program->memory_pages)
        error = pager_attach(client, L4_PROGRAM_MEMORY_BASE, program->memory_pages, rw);
    if (error && error != -BURSAR_E_DESTROYED) {
        uint32_t pages;
        pager_close(client, &pages);
        l4_cap_delete(client);
    }
    return error;
}

struct memory_back memory_retire(unsigned bank, unsigned client)
{
    struct memory_back back = { 0 };
    uint32_t pages, unused;

    /* Its figures first: the destroy gives back exactly what the bank was charged. */
    if (bank_stats(bank, &unused, &unused, &unused, &back.frames, &unused, &back.heap_pages, &back.bookkeeping,
                   &unused, &unused, &unused, &unused, &unused, &unused, &unused, &unused, &unused, &unused) == 0)
        back.filled = back.frames - back.heap_pages - back.bookkeeping;
    pager_close(client, &pages);         /* a program without a pager has an empty slot here: nothing */
    l4_cap_delete(client);
    bank_destroy(bank);
    l4_cap_delete(bank);
    return back;
}
