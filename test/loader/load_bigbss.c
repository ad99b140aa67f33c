/*
 * load_bigbss.c — the loader's fixture with a big bss: LOADEE_BIG_PAGES
 * pages that are in no file byte. Every word must read zero, and every
 * page be writable.
 */
#include "libl4/l4.h"
#include "libl4/start_info.h"
#include "test/loader/loadee.h"

static volatile uint32_t big[LOADEE_BIG_PAGES * 1024];

int main(const struct bursar_boot_info *boot)
{
    if (boot || !l4_start_info())
        return 1;
    for (unsigned i = 0; i < LOADEE_BIG_PAGES * 1024; i++)
        if (big[i] != 0)
            return 2;
    for (unsigned page = 0; page < LOADEE_BIG_PAGES; page++)
        big[page * 1024 + 1023] = page;
    for (unsigned page = 0; page < LOADEE_BIG_PAGES; page++)
        if (big[page * 1024 + 1023] != page)
            return 3;
    return 0;
}
