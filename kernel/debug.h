/*
 * debug.h — the kernel debug console: lists of tasks, threads and heaps, on
 * request (SYS_DEBUG_DUMP, the 'd' key on the serial line) and on panic.
 */
#ifndef KERNEL_DEBUG_H
#define KERNEL_DEBUG_H

#include <stdint.h>

void debug_dump(uint32_t what);     /* enum bursar_dump */
void debug_console_key(char key);

#endif
