/*
 * cpu_probe.h — a system call made with chosen flags and segment registers
 * going in, and the flags and segment registers it came back with, read by
 * the first instructions after the return, before any C code could change
 * them (the CPU-state tests, cpu_state.c and cpu_flags.c, and the system-call
 * fuzzer, test/vm/user/syscall_fuzz.c). The probe is all
 * registers and stack, so a thread of another task sharing this program's
 * text (libl4/task_sharing_program.h) can use it on memory of its own.
 */
#ifndef CORE_TESTS_CPU_PROBE_H
#define CORE_TESTS_CPU_PROBE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bursar/cpu.h"
#include "libl4/l4.h"

#define FLAG_CF 0x1u
#define FLAG_ZF 0x40u
#define FLAG_TF 0x100u
#define FLAG_IF 0x200u
#define FLAG_DF 0x400u
#define FLAG_OF 0x800u
#define FLAG_NT 0x4000u
#define FLAG_AC 0x40000u
#define FLAG_ID 0x200000u
/* What a user can set with popf and a test sets: every bit that could cross to another thread. */
#define DIRTY_FLAGS (BURSAR_USER_EFLAGS | FLAG_CF | FLAG_ZF | FLAG_OF | FLAG_DF | FLAG_NT | FLAG_AC | FLAG_ID)

struct cpu_probe {
    uint32_t flags_in, ds_in, es_in, fs_in, gs_in;
    uint32_t flags_out, ds_out, es_out, fs_out, gs_out;
};
_Static_assert(offsetof(struct cpu_probe, gs_in) == 16 && offsetof(struct cpu_probe, flags_out) == 20 &&
               offsetof(struct cpu_probe, gs_out) == 36, "the probe's assembly uses these offsets");

/* Going in: the documented state (the selectors C code needs), with these flags. */
static inline void cpu_probe_clean(struct cpu_probe *p, uint32_t flags)
{
    *p = (struct cpu_probe){ .flags_in = flags, .ds_in = BURSAR_SELECTOR_USER_DATA, .es_in = BURSAR_SELECTOR_USER_DATA,
                             .fs_in = BURSAR_SELECTOR_USER_DATA, .gs_in = BURSAR_SELECTOR_UTCB };
}

/* Going in: every flag a user can set and odd selectors (null, the UTCB's, code as data, RPL 0). */
static inline void cpu_probe_dirty(struct cpu_probe *p, unsigned variant)
{
    static const uint32_t odd[4] = { 0, BURSAR_SELECTOR_UTCB, BURSAR_SELECTOR_USER_CODE, BURSAR_SELECTOR_USER_DATA & ~3u };

    *p = (struct cpu_probe){ .flags_in = DIRTY_FLAGS, .ds_in = odd[(variant + 1) % 4], .es_in = odd[(variant + 2) % 4],
                             .fs_in = odd[variant % 4], .gs_in = odd[(variant + 3) % 4] };
}

/* Came out with exactly what docs/abi.md §1.1 says a system call returns with. */
static inline bool cpu_probe_out_clean(const struct cpu_probe *p)
{
    return p->flags_out == BURSAR_USER_EFLAGS && (p->ds_out & 0xffff) == BURSAR_SELECTOR_USER_DATA &&
           (p->es_out & 0xffff) == BURSAR_SELECTOR_USER_DATA && (p->fs_out & 0xffff) == BURSAR_SELECTOR_USER_DATA &&
           (p->gs_out & 0xffff) == BURSAR_SELECTOR_UTCB;
}

/*
 * Loads the probe's segments and flags (ds last: after it, nothing goes
 * through ds), enters, and stores what came back; then restores the
 * documented state for C code. ebp carries argument 3 (it is the frame
 * pointer, saved around the call); the probe's address waits on the stack.
 */
#define CPU_PROBE_BEFORE                                                       \
    "pushl %%ebp\n\t"                                                          \
    "pushl %%edx\n\t"                                                          \
    "movl %%ecx, %%ebp\n\t"                                                    \
    "movl 12(%%edx), %%ecx\n\t"                                                \
    "movl %%ecx, %%fs\n\t"                                                     \
    "movl 16(%%edx), %%ecx\n\t"                                                \
    "movl %%ecx, %%gs\n\t"                                                     \
    "pushl 0(%%edx)\n\t"                                                       \
    "movl 8(%%edx), %%ecx\n\t"                                                 \
    "movl 4(%%edx), %%edx\n\t"                                                 \
    "movl %%ecx, %%es\n\t"                                                     \
    "movl %%edx, %%ds\n\t"
#define CPU_PROBE_AFTER                                                        \
    "pushfl\n\t"                                                               \
    "pushl %%gs\n\t"                                                           \
    "pushl %%fs\n\t"                                                           \
    "pushl %%es\n\t"                                                           \
    "pushl %%ds\n\t"                                                           \
    "movl %[data], %%ecx\n\t"                                                  \
    "movl %%ecx, %%ds\n\t"                                                     \
    "movl %%ecx, %%es\n\t"                                                     \
    "movl %%ecx, %%fs\n\t"                                                     \
    "movl %[utcb], %%ecx\n\t"                                                  \
    "movl %%ecx, %%gs\n\t"                                                     \
    "movl 20(%%esp), %%edx\n\t"                                                \
    "popl 24(%%edx)\n\t"                                                       \
    "popl 28(%%edx)\n\t"                                                       \
    "popl 32(%%edx)\n\t"                                                       \
    "popl 36(%%edx)\n\t"                                                       \
    "popl 20(%%edx)\n\t"                                                       \
    "pushl %[flags]\n\t"                                                       \
    "popfl\n\t"                                                                \
    "popl %%edx\n\t"                                                           \
    "movl %%ebp, %%ecx\n\t"                                                    \
    "popl %%ebp"
#define CPU_PROBE_OPERANDS                                                     \
    : "+a"(eax), "+b"(w->ebx), "+S"(w->esi), "+D"(w->edi), "+c"(w->ebp), "+d"(p) \
    : [data] "i"(BURSAR_SELECTOR_USER_DATA), [utcb] "i"(BURSAR_SELECTOR_UTCB), \
      [flags] "i"(BURSAR_USER_EFLAGS)                                          \
    : "memory", "cc"

/* A system call by sysenter (by int $0x80 if `by_int`) with the probe's state; returns eax. */
static inline int cpu_probe_call(bool by_int, uint32_t eax, struct l4_words *w, struct cpu_probe *p)
{
    if (by_int)
        __asm__ volatile(CPU_PROBE_BEFORE
                         "popfl\n\t"
                         "int $0x80\n\t"
                         CPU_PROBE_AFTER
                         CPU_PROBE_OPERANDS);
    else
        __asm__ volatile(CPU_PROBE_BEFORE
                         "movl $1f, %%edx\n\t"
                         "leal 4(%%esp), %%ecx\n\t"
                         "popfl\n\t"
                         "sysenter\n"
                         "1:\n\t"
                         CPU_PROBE_AFTER
                         CPU_PROBE_OPERANDS);
    return (int)eax;
}

/*
 * A system call by int $0x80 with ecx and edx set to marks (int $0x80 keeps
 * every register but eax and the four results: docs/abi.md §1); returns
 * eax, the results in *w, and in *ecx and *edx what came back in them.
 */
static inline int int80_call_marked(uint32_t eax, struct l4_words *w, uint32_t *ecx, uint32_t *edx)
{
    uint32_t regs[7] = { eax, w->ebx, w->esi, w->edi, w->ebp, *ecx, *edx };

    __asm__ volatile("pushl %%ebp\n\t"
                     "pushl %%eax\n\t"                 /* regs */
                     "movl 4(%%eax), %%ebx\n\t"
                     "movl 8(%%eax), %%esi\n\t"
                     "movl 12(%%eax), %%edi\n\t"
                     "movl 16(%%eax), %%ebp\n\t"
                     "movl 20(%%eax), %%ecx\n\t"
                     "movl 24(%%eax), %%edx\n\t"
                     "movl 0(%%eax), %%eax\n\t"
                     "int $0x80\n\t"
                     "xchgl %%eax, (%%esp)\n\t"        /* regs back; the result waits on the stack */
                     "movl %%ebx, 4(%%eax)\n\t"
                     "movl %%esi, 8(%%eax)\n\t"
                     "movl %%edi, 12(%%eax)\n\t"
                     "movl %%ebp, 16(%%eax)\n\t"
                     "movl %%ecx, 20(%%eax)\n\t"
                     "movl %%edx, 24(%%eax)\n\t"
                     "popl %%ecx\n\t"
                     "movl %%ecx, 0(%%eax)\n\t"
                     "popl %%ebp"
                     : : "a"(regs) : "ebx", "ecx", "edx", "esi", "edi", "memory", "cc");
    *w = (struct l4_words){ regs[1], regs[2], regs[3], regs[4] };
    *ecx = regs[5];
    *edx = regs[6];
    return (int)regs[0];
}

#endif /* CORE_TESTS_CPU_PROBE_H */
