/*
 * start.c — the C side of program start: calls main() with the boot
 * information page, sends any unfinished line of output, and ends the
 * thread with main's return value as its status (for the root task, a
 * non-zero status powers the machine off with the failure code). (The root task's page is at BURSAR_BOOT_INFO_ADDRESS,
 * bursar/boot.h; a program that is not the root task must not read it
 * unless its loader mapped something there.)
 */
#include "libl4/l4.h"
#include "libl4/printf.h"

__attribute__((noreturn)) void l4_start(void);

void l4_start(void)
{
    int status = main((const struct bursar_boot_info *)BURSAR_BOOT_INFO_ADDRESS);

    printf_flush();
    if (status != 0)
        printf("main returned %d\n", status);
    l4_thread_exit((uint32_t)status);
}
