/*
 * load_nodata.c — the loader's fixture with nothing but text
 * (test/loader/nodata.ld): no data, no bss, not even libl4's start-up code
 * (which has some). It starts at nodata_entry, checks its start
 * information and reports to its parent itself.
 */
#include "libl4/l4.h"
#include "libl4/start_info.h"

__attribute__((noreturn)) void nodata_entry(void);

void nodata_entry(void)
{
    const struct l4_start_info *info = (const struct l4_start_info *)L4_START_INFO_ADDRESS;
    uint32_t status = info->magic == L4_START_MAGIC && info->argc == 0 && info->name[0] == 'n' ? 0 : 1;

    l4_send(info->parent, BURSAR_TAG(L4_LABEL_EXITED, 1, 0), status, 0, BURSAR_TIMEOUT_NEVER);
    l4_thread_exit(status);
}
