/*
 * system.h — reading a system description (docs/system.md): the programs
 * init starts, their quotas and arguments, and the endpoints that connect
 * them.
 *
 * system_read() reads the whole text and checks all of it before anything
 * is started: syntax, numbers and their ranges, duplicate names, references
 * to programs and endpoints that are not declared, images that are missing
 * or malformed, and whether the quotas fit in the free memory. Each problem
 * is reported with its line through the environment's `error` callback; the
 * result is the number of problems, and a system is started only when it is
 * 0. Plain C with no system calls, so the host tests can drive it too.
 */
#ifndef SERVERS_INIT_SYSTEM_H
#define SERVERS_INIT_SYSTEM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SYSTEM_NAME_SIZE        24      /* names with their NUL (= L4_START_NAME_SIZE) */
#define SYSTEM_FILE_SIZE        48      /* module names with their NUL (bursar_boot_module.name) */
#define SYSTEM_MAX_PROGRAMS     16
#define SYSTEM_MAX_ENDPOINTS    32
#define SYSTEM_MAX_CONNECTIONS  64
#define SYSTEM_MAX_HEAPS        16      /* heaps given to programs (`heap` statements) */
#define SYSTEM_MAX_ARGS         16      /* = L4_START_MAX_ARGS */
#define SYSTEM_ARGS_SIZE        256     /* bytes of one program's arguments, with their NULs */
#define SYSTEM_MAX_CAPS         28      /* endpoints, connections and heaps per program */
#define SYSTEM_MAX_LINE         256

/* Ranges of the numbers (docs/system.md). */
#define SYSTEM_MAX_HEAP_PAGES   16384u
#define SYSTEM_MAX_BANK_FRAMES  65536u
#define SYSTEM_MAX_MEMORY_PAGES 16384u  /* = the pager's window for one client (servers/pager/clients.h) */
/* Frames a program's bank pays the bank server for its records (docs/system.md, "Banks"). */
#define SYSTEM_BANK_BOOKKEEPING 2u
/*
 * What the pager's mappings of `filled` pages cost a program's heap: each
 * mapping's record is the program's, 128 to a page, and when the heap runs
 * short its bank refills it up to the high watermark (SYSTEM_HEAP_HIGH free
 * pages) at once: room for that too (docs/system.md, "Banks and the pager").
 */
#define SYSTEM_RECORDS_PER_PAGE 128u
#define SYSTEM_HEAP_LOW 2u
#define SYSTEM_HEAP_HIGH 4u
#define SYSTEM_PAGER_HEAP_FRAMES(filled) \
    ((filled) ? ((filled) + SYSTEM_RECORDS_PER_PAGE - 1) / SYSTEM_RECORDS_PER_PAGE + SYSTEM_HEAP_HIGH : 0u)
#define SYSTEM_MAX_STACK_PAGES  256u
#define SYSTEM_DEFAULT_STACK    4u
#define SYSTEM_MAX_PRIORITY     199u    /* below init's own 200 */
#define SYSTEM_DEFAULT_PRIORITY 100u

/* Capability rights as the description spells them: r, w, g. */
#define SYSTEM_RIGHT_RECEIVE 0x1u      /* = BURSAR_RIGHT_READ */
#define SYSTEM_RIGHT_SEND    0x2u      /* = BURSAR_RIGHT_WRITE */
#define SYSTEM_RIGHT_GRANT   0x4u      /* = BURSAR_RIGHT_GRANT */

struct system_program {
    char name[SYSTEM_NAME_SIZE];
    char file[SYSTEM_FILE_SIZE];       /* the boot module: `file`, or NAME.elf */
    unsigned line;
    unsigned heap_pages, stack_pages, priority;
    unsigned bank_frames;              /* `bank`: its bank's limit; 0: what it is given (system_bank_limit) */
    unsigned memory_pages;             /* `memory`: anonymous memory the pager fills; 0: none */
    bool pager;                        /* its stack and memory are the pager's to fill (`pager no`: not) */
    unsigned image_pages;              /* frames for its image, stack, UTCB and start information */
    unsigned argc;
    unsigned arg_offsets[SYSTEM_MAX_ARGS];
    char args[SYSTEM_ARGS_SIZE];
    unsigned caps;                     /* endpoints it serves + connections it holds */
};

struct system_endpoint {
    unsigned program;                  /* index of the server */
    char name[SYSTEM_NAME_SIZE];       /* the server's name for it */
    unsigned line;
};

struct system_connection {
    unsigned client;                   /* index of the program that holds it */
    char name[SYSTEM_NAME_SIZE];       /* the client's name for it */
    unsigned endpoint;                 /* index into endpoints */
    uint32_t badge;                    /* 0: unbadged */
    unsigned rights;                   /* SYSTEM_RIGHT_* */
    unsigned line;
};

/* A heap of its own for a program to spend or give away: `heap PROGRAM.NAME PAGES`. */
struct system_heap {
    unsigned program;                  /* index of the program that holds it */
    char name[SYSTEM_NAME_SIZE];       /* the program's name for it */
    unsigned pages;
    unsigned line;
};

struct system {
    struct system_program programs[SYSTEM_MAX_PROGRAMS];
    unsigned program_count;
    struct system_endpoint endpoints[SYSTEM_MAX_ENDPOINTS];
    unsigned endpoint_count;
    struct system_connection connections[SYSTEM_MAX_CONNECTIONS];
    unsigned connection_count;
    struct system_heap heaps[SYSTEM_MAX_HEAPS];
    unsigned heap_count;
    unsigned frames_needed;            /* images, stacks and heaps of every program */
    unsigned lines;
};

/* What the checks need to know about the machine, and where problems go. */
struct system_environment {
    void *context;
    /*
     * The frames the image in boot module `file` needs with `stack_pages` of
     * stack, in *pages; or a sentence saying why it cannot be loaded (no
     * such module, not a valid program).
     */
    const char *(*image_pages)(void *context, const char *file, unsigned stack_pages, unsigned *pages);
    unsigned frames_available;
    void (*error)(void *context, unsigned line, const char *message);
};

/* Reads and checks the description; the number of problems reported (0: *system may be started). */
unsigned system_read(struct system *system, const char *text, size_t length, const struct system_environment *env);

/*
 * The limit of program `index`'s bank: `bank` if the description says, else
 * everything the description gives it — its heap, the heaps given to it, and
 * (with the pager) its stack and memory — and the bank's bookkeeping.
 */
unsigned system_bank_limit(const struct system *system, unsigned index);

/* Argument i of a program. */
const char *system_program_arg(const struct system_program *program, unsigned i);

#endif /* SERVERS_INIT_SYSTEM_H */
