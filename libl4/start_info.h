/*
 * start_info.h — what a program started by the loader (libl4/loader.h)
 * finds when it starts: the start-information page.
 *
 * The loader maps one read-only page at L4_START_INFO_ADDRESS, the address
 * where the kernel puts the root task's boot information, so every program
 * has exactly one of the two there and its first word says which
 * (BURSAR_BOOT_MAGIC or L4_START_MAGIC). libl4's start-up code hands main()
 * the boot information only when that is what the page holds; any other
 * program calls l4_start_info().
 *
 * The page holds the program's name, its arguments, its capabilities by
 * name (the layout its starter chose: which slot holds which capability),
 * the heap and stack it was given, the clock rates, and the slot of its
 * parent's endpoint. When main() returns, the start-up code reports the
 * status there (label L4_LABEL_EXITED, MR0 = status) before the thread
 * exits; the parent tells its children apart by the badge.
 *
 * Slots 0, 1 and 2 always hold the program's own task, first thread and
 * heap (BURSAR_SLOT_TASK, BURSAR_SLOT_THREAD, BURSAR_SLOT_HEAP, as for the
 * root task); the rest are as `caps` says.
 */
#ifndef LIBL4_START_INFO_H
#define LIBL4_START_INFO_H

#include <stdint.h>

#include "bursar/boot.h"

#define L4_START_INFO_ADDRESS BURSAR_BOOT_INFO_ADDRESS
#define L4_START_MAGIC        0x5453344cu      /* "L4ST" */
#define L4_START_NAME_SIZE    24               /* names of programs and capabilities, with the NUL */
#define L4_START_MAX_ARGS     16
#define L4_START_MAX_CAPS     32

/*
 * Names a starter gives the capabilities its program's threads fault to:
 * an endpoint for exceptions and a pager (init gives both, docs/system.md).
 * l4_thread_spawn (libl4/thread_spawn.h) gives every thread it makes the
 * program's exception handler, and one in the program's own task its
 * pager, as the loader gave the first thread.
 */
#define L4_START_CAP_EXCEPTIONS "exceptions"
#define L4_START_CAP_PAGER      "pager"

/* The message a program's start-up code sends its parent when main returns: MR0 the status. */
#define L4_LABEL_EXITED       0xfe00u

/* Programs started by the loader, like the root task: stack below the UTCB page. */
#define L4_PROGRAM_UTCB_ADDRESS BURSAR_ROOT_UTCB_ADDRESS
#define L4_PROGRAM_STACK_TOP    BURSAR_ROOT_STACK_TOP
/* Where a program's anonymous memory is, if it has some (`memory_pages`): its pager fills it. */
#define L4_PROGRAM_MEMORY_BASE  0x10000000u

struct l4_start_cap {
    char name[L4_START_NAME_SIZE];
    uint32_t slot;
};

struct l4_start_info {
    uint32_t magic;                          /* L4_START_MAGIC */
    uint32_t size;                           /* bytes of this structure, strings excluded */
    char name[L4_START_NAME_SIZE];           /* the program's name, as its starter called it */
    uint32_t priority;
    uint32_t heap_pages;                     /* pages its heap held when it started */
    uint32_t stack_pages;
    uint32_t memory_pages;                   /* anonymous memory at L4_PROGRAM_MEMORY_BASE (0: none) */
    uint32_t parent;                         /* slot of the endpoint to report the exit to, or BURSAR_NO_CAPABILITY */
    uint32_t timer_hz, tsc_khz;
    uint32_t argc;
    const char *argv[L4_START_MAX_ARGS + 1]; /* in `strings`, valid in the program; argv[argc] is null */
    uint32_t cap_count;
    struct l4_start_cap caps[L4_START_MAX_CAPS];
    char strings[];                          /* the arguments' text, to the end of the page */
};

#define L4_START_STRINGS_SIZE (4096u - sizeof(struct l4_start_info))
_Static_assert(sizeof(struct l4_start_info) < 2048, "the start information leaves half a page for strings");

/* This program's start information, or null if it has none (the root task). */
const struct l4_start_info *l4_start_info(void);

/* The slot of the capability the starter named `name`, or BURSAR_NO_CAPABILITY. */
unsigned l4_start_cap(const char *name);

#endif /* LIBL4_START_INFO_H */
