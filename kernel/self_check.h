/*
 * self_check.h — the kernel's self-check (SYS_DEBUG_DUMP, BURSAR_DUMP_CHECK):
 * the accounting identity, every heap's ledger, no frame but a bank's
 * mapped in user space, the IPC invariants of every thread, the interrupt
 * lines' endpoints. One consistent state, checked in chunks with
 * preemption points between them (docs/architecture.md, "The self-check").
 */
#ifndef KERNEL_SELF_CHECK_H
#define KERNEL_SELF_CHECK_H

#include <stdbool.h>

/*
 * BURSAR_OK, -BURSAR_E_CHECK_FAILED (what is wrong printed), or
 * -BURSAR_E_BUSY: the kernel changed under every one of BURSAR_CHECK_PASSES
 * passes (bursar/syscall.h). `yielding`: at each point give the processor to the other ready
 * threads of the caller's priority (BURSAR_DUMP_CHECK_YIELDING, for tests).
 * From a system call only (it passes preemption points).
 */
int self_check(bool yielding);

#endif
