/*
 * threads.c — a program of test/systems/threads.system whose second thread
 * dies of a fault nobody in the program handles: `args trap` (an invalid
 * opcode) or `args wild` (a read where the program has no memory: its
 * pager raises it). Before that it writes the first page of the program's
 * anonymous memory, which only the pager fills, so it must have the
 * program's pager as well as its exception handler: l4_thread_spawn gives
 * it both (libl4/start_info.h). init, told of the fault, retires the whole
 * program; the first thread, waiting meanwhile, never gets to say that
 * nobody was told.
 *
 * `args call` is a hostile program: first a second thread whose pager is
 * init's endpoint (its `exceptions` capability) faults, so the kernel
 * calls init with a page fault, which takes no error reply: init must
 * answer it with KILL. Then it calls init's endpoint with a label init does
 * not serve and waits for ever: init must answer it (an error). And serve
 * everyone else: before, init took no message it did not serve, so the
 * caller stayed bound to init's reply object and every receive after that
 * was BUSY: init, above every program's priority, spun on it and the whole
 * system stopped.
 */
#include "libl4/l4.h"
#include "libl4/printf.h"
#include "libl4/server.h"
#include "libl4/start_info.h"
#include "libl4/string.h"
#include "libl4/thread_spawn.h"

#define THREAD_SLOT 32u
#define SLEEP_SLOT 33u
#define WILD_ADDRESS 0x50000000u     /* no region of the pager's here */

static struct bursar_utcb second_utcb __attribute__((aligned(BURSAR_UTCB_SIZE)));
static const struct l4_start_info *info;

static void second_thread(void *argument)
{
    const char *how = argument;

    *(volatile uint32_t *)L4_PROGRAM_MEMORY_BASE = 1;      /* a page nobody touched yet: a fault to the pager */
    printf("%s: second thread wrote its first page of memory\n", info->name);
    if (strcmp(how, "trap") == 0)
        __asm__ volatile("ud2");
    else
        (void)*(volatile uint32_t *)WILD_ADDRESS;
    printf("%s: second thread got past its fault\n", info->name);
}

#define UNSERVED_LABEL 0x7777u

static void faulting_thread(void *unused)
{
    (void)unused;
    (void)*(volatile uint32_t *)WILD_ADDRESS;
    printf("%s: the thread whose pager is init got past its fault\n", info->name);
}

/* A fault of a thread whose pager is init's endpoint, then a call init does not serve, waiting for ever. */
static int hostile_call(void)
{
    uint32_t tag = BURSAR_TAG(UNSERVED_LABEL, 2, 0), mr0 = 1, mr1 = 2;
    uintptr_t stack = L4_PROGRAM_MEMORY_BASE;
    struct l4_thread_spec spec = {
        .heap = BURSAR_SLOT_HEAP, .task = BURSAR_SLOT_TASK, .slot = THREAD_SLOT, .utcb = (uintptr_t)&second_utcb,
        .entry = faulting_thread, .stack = (void *)stack, .stack_size = 4096u, .priority = info->priority,
    };
    int error;

    *(volatile uint32_t *)stack = 0;                /* the stack page, from the real pager */
    error = l4_create(BURSAR_SLOT_HEAP, BURSAR_OBJECT_ENDPOINT, SLEEP_SLOT, 0);
    if (!error)
        error = l4_thread_spawn(&spec);
    if (!error)
        error = l4_thread_configure(THREAD_SLOT, BURSAR_THREAD_PAGER, l4_start_cap("exceptions"));
    if (error) {
        printf("%s: cannot start the faulting thread: %s\n", info->name, l4_error_name(error));
        return 11;
    }
    /* It runs and faults meanwhile; init has it killed (tools/run_all.py reads the kernel's line). */
    l4_receive(SLEEP_SLOT, BURSAR_NO_CAPABILITY, 0, 0, 0, 0, BURSAR_TIMEOUT_MS(100));
    error = l4_call(l4_start_cap("exceptions"), &tag, &mr0, &mr1, BURSAR_TIMEOUT_NEVER, BURSAR_TIMEOUT_NEVER);

    if (!error)
        error = l4_reply_check(tag, BURSAR_TAG(UNSERVED_LABEL, 0, 0));
    printf("%s: init answered a call it does not serve: %s\n", info->name, l4_error_name(error));
    return 0;
}

int main(const struct bursar_boot_info *unused)
{
    struct l4_thread_spec spec = {
        .heap = BURSAR_SLOT_HEAP, .task = BURSAR_SLOT_TASK, .slot = THREAD_SLOT, .utcb = (uintptr_t)&second_utcb,
        .entry = second_thread,
    };
    int error;

    (void)unused;
    info = l4_start_info();
    if (info && info->argc == 1 && strcmp(info->argv[0], "call") == 0)
        return hostile_call();
    if (!info || info->argc != 1 || info->memory_pages < 2)
        return 10;
    /* Its stack: the last page of the memory (the first one is for it to touch). */
    spec.stack = (void *)(L4_PROGRAM_MEMORY_BASE + (info->memory_pages - 1) * 4096u);
    spec.stack_size = 4096u;
    spec.priority = info->priority;
    spec.argument = (void *)info->argv[0];
    error = l4_create(BURSAR_SLOT_HEAP, BURSAR_OBJECT_ENDPOINT, SLEEP_SLOT, 0);
    if (!error)
        error = l4_thread_spawn(&spec);
    if (error) {
        printf("%s: cannot start a second thread: %s\n", info->name, l4_error_name(error));
        return 11;
    }
    /* A sleep: init retires the program long before it ends, if it was told. */
    l4_receive(SLEEP_SLOT, BURSAR_NO_CAPABILITY, 0, 0, 0, 0, BURSAR_TIMEOUT_MS(3000));
    printf("%s: the second thread is gone and init was not told\n", info->name);
    return 1;
}
