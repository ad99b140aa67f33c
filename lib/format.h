/*
 * format.h — printf-style formatting into a character sink. Freestanding;
 * shared by the kernel console and libl4's printf so the two cannot differ.
 *
 * Conversions: %d %i %u %x %X %p %s %c %%, with flags '-' and '0', a field
 * width, and the length modifiers l and ll.
 */
#ifndef LIB_FORMAT_H
#define LIB_FORMAT_H

#include <stdarg.h>
#include <stddef.h>

typedef void (*format_sink)(void *sink_context, char c);

/* Returns the number of characters produced. */
int format_va(format_sink sink, void *sink_context, const char *fmt, va_list args);

/* Into a buffer, always NUL-terminated when size > 0; returns the full length. */
int format_to_buffer(char *buffer, size_t size, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
int format_to_buffer_va(char *buffer, size_t size, const char *fmt, va_list args);

#endif /* LIB_FORMAT_H */
