/*
 * ipc_fastpath.h — what the sysenter entry needs to reach the IPC fast path
 * (kernel/ipc_fastpath.c): the numbers of the calls it serves, for the
 * assembler (asserted against bursar/syscall.h), and its functions.
 */
#ifndef KERNEL_IPC_FASTPATH_H
#define KERNEL_IPC_FASTPATH_H

#define FAST_PATH_SYS_CALL       4
#define FAST_PATH_SYS_REPLY_WAIT 6
#define FAST_PATH_SYS_NULL       23

#ifndef __ASSEMBLER__
#include <stdint.h>

#include "bursar/syscall.h"

_Static_assert(FAST_PATH_SYS_CALL == SYS_CALL && FAST_PATH_SYS_REPLY_WAIT == SYS_REPLY_WAIT &&
               FAST_PATH_SYS_NULL == SYS_NULL, "sysenter.S dispatches on these numbers");

/*
 * Arguments in eax, edx, ecx (regparm): the caller's eax, ebx and esi. No
 * frame pointer: nothing in the fast path calls anything.
 */
#define FAST_PATH_FUNCTION __attribute__((regparm(3), optimize("omit-frame-pointer")))
uint32_t fastpath_call(uint32_t number, uint32_t word0, uint32_t tag) FAST_PATH_FUNCTION;
uint32_t fastpath_reply_wait(uint32_t number, uint32_t word0, uint32_t tag) FAST_PATH_FUNCTION;
uint32_t fastpath_null(uint32_t number, uint32_t word0, uint32_t tag) FAST_PATH_FUNCTION;
#endif

#endif /* KERNEL_IPC_FASTPATH_H */
