/*
 * fpu.c — x87, MMX and SSE state, one copy per thread, switched eagerly:
 * every thread switch saves the running thread's state (fxsave) into its
 * TCB and loads the next one's (fxrstor), so the registers only ever hold
 * the running thread's state. The switch itself is inline in
 * machine_fast_inline.h (two instructions, on the IPC fast path too).
 *
 * Why eager rather than lazy (CR0.TS and a device-not-available trap on a
 * thread's first FPU instruction after a switch): measured in guest
 * instructions, eager costs 2 per switch for every thread; lazy costs a
 * test of the owner on every switch for threads that never touch the FPU
 * (4-5 instructions in the fast path) and a trap, a save and a load for
 * every switch between two threads that both use it. And lazy leaves the
 * previous thread's registers in the CPU, which speculative execution can
 * read on many Intel CPUs (LazyFP, CVE-2018-3665): the state must never
 * stay behind for another thread.
 *
 * The CPU: FXSAVE is required (every CPU since the Pentium II has it);
 * CR0.NE makes x87 errors exceptions (#MF, vector 16) rather than the old
 * external interrupt, CR0.MP makes wait instructions honour TS, and with
 * SSE present CR4.OSFXSR enables it and CR4.OSXMMEXCPT makes its errors
 * exceptions (#XM, vector 19) instead of invalid opcodes. A user's x87 or
 * SIMD exception reaches its exception handler like any other. The kernel
 * itself never uses the FPU (it is built -mgeneral-regs-only).
 */
#include "arch/ia32/layout.h"
#include "arch/ia32/trap.h"
#include "arch/ia32/x86.h"
#include "bursar/cpu.h"
#include "kernel/console.h"
#include "kernel/ipc_fastpath.h"
#include "kernel/machine.h"

#define CPUID_FXSR (1u << 24)
#define CPUID_SSE  (1u << 25)

/* The FXSAVE image's fields the kernel writes: control word and MXCSR. */
#define FXSAVE_CONTROL_WORD 0
#define FXSAVE_MXCSR        24

static uint32_t cpuid_features(void)
{
    uint32_t eax = 1, ebx, ecx, edx;

    __asm__ volatile("cpuid" : "+a"(eax), "=b"(ebx), "=c"(ecx), "=d"(edx));
    return edx;
}

void fpu_init(void)
{
    uint32_t features = cpuid_features();

    if (!(features & CPUID_FXSR))
        panic("the CPU has no FXSAVE: Bursar keeps each thread's x87/SSE state with it");
    write_cr0((read_cr0() & ~(CR0_EM | CR0_TS)) | CR0_MP | CR0_NE);
    if (features & CPUID_SSE) {
        write_cr4(read_cr4() | CR4_OSFXSR | CR4_OSXMMEXCPT);
        fast_path_max_words = FAST_PATH_MAX_WORDS;    /* its long-message copy goes through SSE registers */
    }
    __asm__ volatile("fninit");
}

/* As after fninit, with SSE's default too: every exception masked, round to nearest, registers zero. */
void machine_fpu_state_init(void *state)
{
    uint8_t *image = state;
    uint32_t *word = state;

    /* Four words a step (the image is 16-byte aligned): a byte at a time was 2 000 instructions of a thread's creation. */
    _Static_assert(MACHINE_FPU_STATE_SIZE % (4 * sizeof(uint32_t)) == 0, "whole steps");
    for (uint32_t i = 0; i < MACHINE_FPU_STATE_SIZE / sizeof *word; i += 4) {
        word[i] = 0;
        word[i + 1] = 0;
        word[i + 2] = 0;
        word[i + 3] = 0;
    }
    *(uint16_t *)(image + FXSAVE_CONTROL_WORD) = BURSAR_FPU_CONTROL_WORD;
    *(uint32_t *)(image + FXSAVE_MXCSR) = BURSAR_FPU_MXCSR;
}
