/*
 * machine_fpu_inline.h — the x87/SSE switch, inline because both thread
 * switches run it on every switch (its contract: kernel/machine_fpu.h,
 * which includes this through the include path of the two files that
 * switch threads, SConstruct). Two instructions; it includes no other arch
 * header.
 */
#ifndef ARCH_IA32_MACHINE_FPU_INLINE_H
#define ARCH_IA32_MACHINE_FPU_INLINE_H

#include <stdint.h>

/*
 * The x87/SSE state of the thread leaving into `save`, the next one's from
 * `load` (arch/ia32/fpu.c says why eagerly). Two instructions; neither
 * raises a pending x87 exception, which stays with its thread.
 */
static inline __attribute__((always_inline)) void machine_fpu_switch(void *save, const void *load)
{
    __asm__ volatile("fxsave %0\n\t"
                     "fxrstor %1"
                     : "=m"(*(uint8_t(*)[512])save) : "m"(*(const uint8_t(*)[512])load));
}

#endif /* ARCH_IA32_MACHINE_FPU_INLINE_H */
