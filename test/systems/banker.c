/*
 * banker.c — a program of test/systems/banks.system that spends its bank
 * (docs/system.md, "Banks and the pager"): `args objects` makes endpoints
 * in its own heap until its bank refuses one, and says so; `args memory`
 * writes its anonymous memory page by page until the pager raises a fault
 * (init, its exception handler, then kills it and says why); `args steady`
 * waits for the other two to be done, then writes some memory and makes
 * some endpoints: it carries on.
 */
#include "libl4/bank_idl.h"
#include "libl4/errors.h"
#include "libl4/l4.h"
#include "libl4/printf.h"
#include "libl4/start_info.h"
#include "libl4/string.h"

#define FIRST_OBJECT_SLOT 32u
#define STEADY_PAGES 8u
#define STEADY_OBJECTS 8u

/* The bank's limit and charge (the program's "bank" capability). */
static void bank_figures(uint32_t *limit, uint32_t *charged)
{
    uint32_t unused;

    *limit = *charged = 0;
    bank_stats(l4_start_cap("bank"), limit, &unused, &unused, charged, &unused, &unused, &unused, &unused, &unused,
               &unused, &unused, &unused, &unused, &unused, &unused, &unused, &unused);
}

/* Endpoints in its own heap (each capability deleted again: the object stays, paid by the heap). */
static int make_endpoints(unsigned most, unsigned *made)
{
    for (*made = 0; *made < most; (*made)++) {
        int error = l4_create(BURSAR_SLOT_HEAP, BURSAR_OBJECT_ENDPOINT, FIRST_OBJECT_SLOT, 0);
        if (error)
            return error;
        l4_cap_delete(FIRST_OBJECT_SLOT);
    }
    return 0;
}

static int objects(const char *name)
{
    uint32_t limit, charged;
    unsigned made;
    int error = make_endpoints(100000, &made);

    bank_figures(&limit, &charged);
    printf("%s: made %u endpoints, then %s; its bank: %u of %u frames\n", name, made, l4_error_name(error), charged,
           limit);
    return error == -BURSAR_E_OUT_OF_MEMORY ? 0 : 1;
}

static int memory(const struct l4_start_info *info)
{
    uint32_t limit, charged;

    bank_figures(&limit, &charged);
    printf("%s: writing %u pages of memory with a bank of %u frames (%u charged)\n", info->name, info->memory_pages,
           limit, charged);
    for (uint32_t page = 0; page < info->memory_pages; page++)
        *(volatile uint32_t *)(L4_PROGRAM_MEMORY_BASE + page * 4096u) = page;
    printf("%s: all of it fitted\n", info->name);
    return 1;
}

static int steady(const char *name)
{
    unsigned made;
    int error;

    /* A sleep: a receive on an endpoint of its own that nobody sends to. */
    if (l4_create(BURSAR_SLOT_HEAP, BURSAR_OBJECT_ENDPOINT, FIRST_OBJECT_SLOT - 1, 0) == 0)
        l4_receive(FIRST_OBJECT_SLOT - 1, BURSAR_NO_CAPABILITY, 0, 0, 0, 0, BURSAR_TIMEOUT_MS(300));
    for (uint32_t page = 0; page < STEADY_PAGES; page++)
        *(volatile uint32_t *)(L4_PROGRAM_MEMORY_BASE + page * 4096u) = page;
    error = make_endpoints(STEADY_OBJECTS, &made);
    printf("%s: carried on: %u pages written, %u endpoints made (%s)\n", name, STEADY_PAGES, made,
           l4_error_name(error));
    return error ? 1 : 0;
}

int main(const struct bursar_boot_info *unused)
{
    const struct l4_start_info *info = l4_start_info();

    (void)unused;
    if (!info || info->argc != 1)
        return 10;
    if (strcmp(info->argv[0], "objects") == 0)
        return objects(info->name);
    if (strcmp(info->argv[0], "memory") == 0)
        return memory(info);
    return steady(info->name);
}
