/*
 * start.c — the C side of program start: calls main(), sends any
 * unfinished line of output, reports main's result to the parent if the
 * program has one (libl4/start_info.h), and ends the thread with it as its
 * status (for the root task, a non-zero status powers the machine off with
 * the failure code).
 *
 * main() gets the boot information page only when the page at
 * BURSAR_BOOT_INFO_ADDRESS holds one (the root task); a program started by
 * the loader has its start information there instead, and gets null.
 */
#include "libl4/l4.h"
#include "libl4/pager.h"
#include "libl4/printf.h"
#include "libl4/start_info.h"

__attribute__((noreturn)) void l4_start(void);

static void report_exit(int status)
{
    const struct l4_start_info *info = l4_start_info();

    /* Blocks until the parent takes it: the parent is told of every exit. */
    if (info && info->parent != BURSAR_NO_CAPABILITY)
        l4_send(info->parent, BURSAR_TAG(L4_LABEL_EXITED, 1, 0), (uint32_t)status, 0, BURSAR_TIMEOUT_NEVER);
}

/*
 * A program with anonymous memory (its pager fills it) pays for the page
 * tables that map it and the record of each page's mapping, from its own
 * heap: made sure of now, in its own
 * context, because the pager's answer to a fault cannot make its heap's
 * bank pay (docs/pager.md).
 */
static void reserve_memory_tables(void)
{
    const struct l4_start_info *info = l4_start_info();

    if (info && info->memory_pages)
        l4_pager_reserve((info->memory_pages * 4096u + L4_PAGER_TABLE_SPAN - 1) / L4_PAGER_TABLE_SPAN,
                         info->memory_pages);
}

void l4_start(void)
{
    const struct bursar_boot_info *boot = (const struct bursar_boot_info *)BURSAR_BOOT_INFO_ADDRESS;
    int status;

    reserve_memory_tables();
    status = main(boot->magic == BURSAR_BOOT_MAGIC ? boot : NULL);

    printf_flush();
    if (status != 0)
        printf("main returned %d\n", status);
    printf_flush();
    report_exit(status);
    l4_thread_exit((uint32_t)status);
}
