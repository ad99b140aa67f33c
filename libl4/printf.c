/*
 * printf.c — printf and friends over SYS_DEBUG_PUTS, with lib/format.c as
 * the engine. Characters collect in a line buffer that is sent at '\n' or
 * when full, one system call per line rather than per character.
 */
#include "libl4/printf.h"

#include "lib/format.h"
#include "libl4/l4.h"

#define LINE_SIZE 512
_Static_assert(LINE_SIZE <= BURSAR_DEBUG_PUTS_MAX, "a full line fits one SYS_DEBUG_PUTS");

static char line[LINE_SIZE];
static unsigned line_used;

void printf_flush(void)
{
    unsigned used = line_used;

    /* Index arithmetic stays in bounds even if two threads race here. */
    line_used = 0;
    if (used > LINE_SIZE)
        used = LINE_SIZE;
    if (used > 0)
        l4_debug_puts(line, used);
}

static void put_char(void *unused, char c)
{
    unsigned used = line_used;

    (void)unused;
    if (used >= LINE_SIZE) {
        printf_flush();
        used = 0;
    }
    line[used] = c;
    line_used = used + 1;
    if (c == '\n' || used + 1 == LINE_SIZE)
        printf_flush();
}

int vprintf(const char *fmt, va_list args)
{
    return format_va(put_char, 0, fmt, args);
}

int printf(const char *fmt, ...)
{
    va_list args;
    int count;

    va_start(args, fmt);
    count = vprintf(fmt, args);
    va_end(args);
    return count;
}

int putchar(int c)
{
    put_char(0, (char)c);
    return (unsigned char)c;
}

int puts(const char *s)
{
    while (*s)
        put_char(0, *s++);
    put_char(0, '\n');
    return 0;
}
