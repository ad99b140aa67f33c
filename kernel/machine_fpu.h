/*
 * machine_fpu.h — the one machine operation a thread switch needs inline,
 * on both paths (scheduler.c's switch_to and the IPC fast path):
 *
 *   void machine_fpu_switch(void *save, const void *load);
 *       the x87/SSE state of the thread leaving into save, the next one's
 *       from load (MACHINE_FPU_STATE_SIZE bytes each, kernel/machine.h)
 *
 * Out of line it would cost every slow-path switch eight instructions more
 * (a call, its arguments and return: measured on bursar-slowpath.elf's IPC
 * rows), so scheduler.c and ipc_fastpath.c alone are compiled with the
 * arch's inline folder on their include path (SConstruct), where
 * machine_fpu_inline.h implements it. No other kernel file includes this.
 */
#ifndef KERNEL_MACHINE_FPU_H
#define KERNEL_MACHINE_FPU_H

#include "kernel/machine.h"

#include "machine_fpu_inline.h"

#endif
