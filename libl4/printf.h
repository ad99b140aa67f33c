/*
 * printf.h — formatted output on the kernel's debug console, for user
 * programs. The formatting is lib/format.c's (the kernel's own), so the
 * conversions are those listed in lib/format.h: %d %i %u %x %X %p %s %c %%,
 * flags '-' and '0', a width, the l and ll modifiers. To format into a
 * buffer instead, use format_to_buffer() from lib/format.h.
 *
 * Output is line-buffered per task: a line reaches the console in one
 * SYS_DEBUG_PUTS at its '\n' (or when the buffer fills, or at
 * printf_flush()), so it is not broken up by other output. Threads of one
 * task printing at the same moment may mix their characters.
 */
#ifndef LIBL4_PRINTF_H
#define LIBL4_PRINTF_H

#include <stdarg.h>

int printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int vprintf(const char *fmt, va_list args);
int putchar(int c);
int puts(const char *s);          /* s and a newline, as in C */
void printf_flush(void);          /* send a partial line now */

#endif /* LIBL4_PRINTF_H */
