/*
 * start.c — the C side of program start: calls main() with the boot
 * information page, sends any unfinished line of output, says so if main
 * returned non-zero (there is no one to hand an exit status to), and ends
 * the thread. (The root task's page is at BURSAR_BOOT_INFO_ADDRESS,
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
    l4_thread_exit();
}
