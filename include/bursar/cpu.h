/*
 * cpu.h — the ia32 CPU state the ABI defines (docs/abi.md §1.1): what a
 * thread's flags and segment registers hold when it starts and after every
 * system call, and its x87/SSE state when it starts.
 */
#ifndef BURSAR_CPU_H
#define BURSAR_CPU_H

/* The selectors a user may hold: flat code and data, and the UTCB-pointer segment (§4). */
#define BURSAR_SELECTOR_USER_CODE 0x1b
#define BURSAR_SELECTOR_USER_DATA 0x23
#define BURSAR_SELECTOR_UTCB      0x3b

/* eflags at start and after every system call: IF and the reserved bit 1, nothing else. */
#define BURSAR_USER_EFLAGS 0x202

/* x87 and SSE at start, as after fninit: every exception masked, round to nearest, registers zero. */
#define BURSAR_FPU_CONTROL_WORD 0x037f
#define BURSAR_FPU_MXCSR        0x1f80

#endif /* BURSAR_CPU_H */
