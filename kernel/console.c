/*
 * console.c — kernel printf and panic. Output goes straight to the machine's
 * console line, synchronously, so the last line before a crash is never lost
 * in a buffer.
 */
#include <stdbool.h>

#include "bursar/syscall.h"
#include "kernel/console.h"
#include "kernel/debug.h"
#include "kernel/machine.h"
#include "bursar/console_protocol.h"
#include "lib/format.h"

static void console_sink(void *context, char c)
{
    (void)context;
    machine_console_putc(c);
}

int kvprintf(const char *fmt, va_list args)
{
    return format_va(console_sink, 0, fmt, args);
}

int kprintf(const char *fmt, ...)
{
    va_list args;
    int count;

    va_start(args, fmt);
    count = kvprintf(fmt, args);
    va_end(args);
    return count;
}

static void __attribute__((noreturn)) panic_report(bool with_backtrace, const char *fmt, va_list args)
{
    static int panicking;

    machine_interrupts_disable();
    if (panicking++)                 /* a fault while panicking: just stop */
        machine_halt_after_panic();
    kprintf("\n" BURSAR_PANIC_MARK " ");
    kvprintf(fmt, args);
    kprintf("\n");
    if (with_backtrace)
        machine_backtrace();
    debug_dump(BURSAR_DUMP_ALL, false);     /* a fault inside it ends in the nested-panic stop above */
    machine_halt_after_panic();
}

void panic(const char *fmt, ...)
{
    va_list args;

    va_start(args, fmt);
    panic_report(true, fmt, args);
}

void panic_after_dump(const char *fmt, ...)
{
    va_list args;

    va_start(args, fmt);
    panic_report(false, fmt, args);
}
