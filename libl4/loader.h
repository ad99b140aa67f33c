/*
 * loader.h — starting an ELF program in a task of its own.
 *
 * One call, l4_program_load(), makes a new task from an ELF image the
 * caller has mapped (a boot module, say): its own address space with the
 * text mapped read-only, its own data and zeroed bss, its own stack, UTCB
 * and start-information page (libl4/start_info.h), a heap of its own, a
 * first thread, and the capabilities the caller chooses in the slots the
 * caller chooses. l4_program_start() then starts the thread; the two are
 * apart so that a caller starting a whole system can load everything first
 * and start nothing if any part fails (servers/init does).
 *
 * Who pays (docs/libl4.md has the table):
 *   - frames for every page (text, data, bss, stack, UTCB, start info):
 *     spec->frames, the caller's frame source (libl4/frames.h). The caller
 *     keeps each frame mapped in its window (spec->window), the root of the
 *     mapping the program gets, so it can always take the memory back;
 *   - the program's heap: created through spec->frames with heap_pages
 *     frames (the heap object itself paid as the source says), or the
 *     caller's existing heap spec->heap, handed over;
 *   - the task, its page directory, page tables, capability tables and
 *     thread: the program's heap;
 *   - one mapping record per page, and one per capability given by
 *     REVOCABLE_COPY: the caller's own task's heap (SYS_MAP's payer). The
 *     loader reserves the page records there first, so a caller whose heap
 *     has a bank heap-faults once, up front.
 *
 * The image is checked with lib/elf.c before anything is made. Any failure
 * leaves nothing behind: every object made so far is destroyed, every
 * frame given back, every slot emptied, and the kernel's ledger is where it
 * was before the call (core_tests 900-929 check it).
 *
 * The program's address space: its ELF segments where they are linked; the
 * stack (stack_pages) below L4_PROGRAM_STACK_TOP, the UTCB page at
 * L4_PROGRAM_UTCB_ADDRESS and the start information (read-only) at
 * L4_START_INFO_ADDRESS, the same places the kernel gives the root task.
 * Nothing else is mapped: a fault kills the thread with one logged line
 * unless spec->pager or spec->exception_handler say otherwise.
 */
#ifndef LIBL4_LOADER_H
#define LIBL4_LOADER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bursar/syscall.h"
#include "lib/elf.h"
#include "libl4/frames.h"
#include "libl4/start_info.h"

#define L4_LOAD_DEFAULT_STACK_PAGES   4
#define L4_LOAD_DEFAULT_SLOTS         128     /* one capability-table page */
#define L4_LOAD_PARENT_SLOT           3       /* 0-2 are the program's own task, thread and heap */
#define L4_LOAD_FIRST_CAP_SLOT        4       /* the first slot the caller's capabilities may go to */

/* One capability the program gets: the caller's `from`, put in the program's slot `to`. */
struct l4_load_cap {
    const char *name;                  /* listed in the start information under this name; null: not listed */
    unsigned from;                     /* the caller's slot; needs GRANT */
    unsigned to;                       /* L4_LOAD_FIRST_CAP_SLOT .. capability_slots - 1 */
    unsigned rights;                   /* at most the source's */
    enum bursar_transfer_mode mode;    /* COPY, REVOCABLE_COPY (a record from the caller's heap) or GRANT
                                          (the caller's capability goes only if the load succeeds) */
    uint32_t badge;                    /* 0: keep the source's */
};

struct l4_load_spec {
    const char *name;                  /* the program's name (start information and messages) */
    const void *image;                 /* the ELF executable, mapped in the caller */
    size_t image_size;
    struct l4_frame_source *frames;    /* pays the frames, and the heap when heap_pages > 0 */
    unsigned heap_pages;               /* > 0: a new heap funded with this many frames */
    unsigned heap;                     /* heap_pages == 0: the caller's heap (CONTROL) the program gets */
    unsigned heap_rights;              /* the program's rights to its heap; 0: all the caller has */
    unsigned slots;                    /* the caller's empty slots slots, slots + 1, slots + 2: the
                                          task, its thread, the heap (when created) */
    uintptr_t window;                  /* page-aligned range in the caller where the program's frames */
    unsigned window_pages;             /* are mapped: l4_program_pages() pages are used */
    unsigned capability_slots;         /* 0: L4_LOAD_DEFAULT_SLOTS */
    unsigned stack_pages;              /* 0: L4_LOAD_DEFAULT_STACK_PAGES */
    bool stack_by_pager;               /* the stack is left unmapped: its `pager` fills it (docs/pager.md) */
    unsigned memory_pages;             /* told in the start information: memory its pager fills */
    unsigned priority;                 /* of its thread; at most the caller's */
    unsigned parent;                   /* the caller's endpoint the exit report goes to; 0: none */
    uint32_t parent_badge;             /* ... with this badge */
    unsigned pager;                    /* the caller's endpoint for its page faults; 0: none */
    unsigned exception_handler;        /* ... and for its other exceptions; 0: none */
    const struct l4_load_cap *caps;
    unsigned cap_count;                /* at most L4_START_MAX_CAPS */
    const char *const *argv;           /* argc arguments, copied into the start information */
    unsigned argc;                     /* at most L4_START_MAX_ARGS */
    uint32_t timer_hz, tsc_khz;        /* passed on in the start information */
};

enum l4_load_error {
    L4_LOAD_OK = 0,
    L4_LOAD_BAD_SPEC,                  /* the request itself: names too long, too many arguments or
                                          capabilities, a slot out of range, a misaligned window */
    L4_LOAD_BAD_IMAGE,                 /* lib/elf.c refused the image: `elf` says why */
    L4_LOAD_WINDOW_TOO_SMALL,          /* the program needs more pages than the window has */
    L4_LOAD_SYSTEM_CALL,               /* a system call or the frame source failed: `error` (-BURSAR_E_*)
                                          and `step` say which (out of frames or heap: OUT_OF_MEMORY) */
    L4_LOAD_ERROR_COUNT
};

/* A loaded program, as the caller holds it. */
struct l4_program {
    unsigned task, thread, heap;       /* the caller's slots */
    bool task_made, thread_made;       /* what l4_program_destroy() has to destroy */
    bool heap_created;                 /* the loader made the heap (and destroys it with the program) */
    struct l4_frame_source *frames;
    uintptr_t window;
    unsigned pages;                    /* frames mapped at window .. window + pages pages */
    uint32_t entry;
    unsigned heap_pages;               /* pages the heap held once the program was loaded */
    unsigned heap_pages_used;          /* pages it had carved (the cost of loading) */
    /* Why a load failed. */
    enum l4_load_error failure;
    enum elf_error elf;                /* for L4_LOAD_BAD_IMAGE */
    int error;                         /* -BURSAR_E_* for L4_LOAD_SYSTEM_CALL */
    const char *step;                  /* what the loader was doing */
};

/* Pages a program needs in the caller's window (image, stack, UTCB, start information), or 0 for a bad image. */
unsigned l4_program_pages(const void *image, size_t image_size, unsigned stack_pages);

/* Loads the program, without starting it. L4_LOAD_OK, or why not (details in *program). */
enum l4_load_error l4_program_load(const struct l4_load_spec *spec, struct l4_program *program);

/* Starts its thread at the image's entry point. 0 or -BURSAR_E_*. */
int l4_program_start(const struct l4_program *program);

/*
 * Destroys the task (and its thread), gives its frames back, and destroys
 * the heap if the loader made it (everything the program paid for goes
 * with it). A handed heap stays the caller's, with what the program made
 * in it.
 */
void l4_program_destroy(struct l4_program *program);

const char *l4_load_error_name(enum l4_load_error error);

/* "bad image: segment lies outside user space" and the like, into buffer. */
void l4_program_failure(const struct l4_program *program, char *buffer, size_t size);

#endif /* LIBL4_LOADER_H */
