/*
 * eflags.h — the EFLAGS bits, and the two values the kernel sets: the
 * flags it runs with (every entry loads them before it trusts anything)
 * and the flags a thread has when a system call returns, or when it
 * starts (docs/abi.md §1). Included by assembly, so only #defines here.
 */
#ifndef ARCH_IA32_EFLAGS_H
#define ARCH_IA32_EFLAGS_H

#define EFLAGS_CF   0x00000001
#define EFLAGS_FIXED 0x00000002       /* reserved, always 1 */
#define EFLAGS_PF   0x00000004
#define EFLAGS_AF   0x00000010
#define EFLAGS_ZF   0x00000040
#define EFLAGS_SF   0x00000080
#define EFLAGS_TF   0x00000100
#define EFLAGS_IF   0x00000200
#define EFLAGS_DF   0x00000400
#define EFLAGS_OF   0x00000800
#define EFLAGS_IOPL 0x00003000
#define EFLAGS_NT   0x00004000
#define EFLAGS_RF   0x00010000
#define EFLAGS_VM   0x00020000
#define EFLAGS_AC   0x00040000
#define EFLAGS_VIF  0x00080000
#define EFLAGS_VIP  0x00100000
#define EFLAGS_ID   0x00200000

/* Interrupts off, DF clear, no TF, NT, AC or ID: what C code and iret may rely on. */
#define KERNEL_EFLAGS EFLAGS_FIXED
/* Interrupts on and nothing else. */
#define USER_EFLAGS (EFLAGS_FIXED | EFLAGS_IF)

#ifndef __ASSEMBLER__
#include "bursar/cpu.h"
_Static_assert(USER_EFLAGS == BURSAR_USER_EFLAGS, "the flags the ABI names");
#endif

#endif /* ARCH_IA32_EFLAGS_H */
