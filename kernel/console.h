/*
 * console.h — kernel printf and panic over the machine's console line.
 */
#ifndef KERNEL_CONSOLE_H
#define KERNEL_CONSOLE_H

#include <stdarg.h>

int kprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int kvprintf(const char *fmt, va_list args);

/* Print "PANIC: ..." with a backtrace and stop the machine as a failure. */
void panic(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
/* The same, for a caller that has already printed registers and a backtrace. */
void panic_after_dump(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

#define KERNEL_ASSERT(condition)                                              \
    do {                                                                      \
        if (!(condition))                                                     \
            panic("assertion failed: %s at %s:%d", #condition, __FILE__, __LINE__); \
    } while (0)

#endif /* KERNEL_CONSOLE_H */
