/*
 * fpu_state.h — a thread's x87/SSE state as user code sees it: values to
 * load into every register, the FXSAVE image to read them back, and the
 * comparison that ignores what every FPU instruction changes (the
 * last-instruction pointers). Used by the FPU tests (fpu.c) and the
 * system-call fuzzer. Everything is inline assembly or plain integer C
 * (the x87 values are given as the bits of doubles), so nothing between a
 * load and a save touches the registers.
 */
#ifndef CORE_TESTS_FPU_STATE_H
#define CORE_TESTS_FPU_STATE_H

#include <stdbool.h>
#include <stdint.h>

#include "bursar/cpu.h"
#include "libl4/string.h"

/* An FXSAVE image, 16-byte aligned. */
struct fpu_image {
    uint8_t bytes[512];
} __attribute__((aligned(16)));

/* What a thread loads: control words and one value per register. */
struct fpu_values {
    uint16_t control;
    uint32_t mxcsr;
    uint64_t x87[8];            /* the bits of a double each */
    uint32_t xmm[8][4];
};

static inline void fpu_save(struct fpu_image *image)
{
    __asm__ volatile("fxsave %0" : "=m"(*image));
}

/* fninit, the control words, eight x87 values (st0 ends up x87[7]) and xmm0-7. */
static inline void fpu_load(const struct fpu_values *v)
{
    __asm__ volatile("fninit\n\t"
                     "fldcw %0\n\t"
                     "ldmxcsr %1"
                     : : "m"(v->control), "m"(v->mxcsr) : "memory");
    for (unsigned i = 0; i < 8; i++)
        __asm__ volatile("fldl %0" : : "m"(v->x87[i]) : "memory");
    __asm__ volatile("movups 0(%0), %%xmm0\n\t"
                     "movups 16(%0), %%xmm1\n\t"
                     "movups 32(%0), %%xmm2\n\t"
                     "movups 48(%0), %%xmm3\n\t"
                     "movups 64(%0), %%xmm4\n\t"
                     "movups 80(%0), %%xmm5\n\t"
                     "movups 96(%0), %%xmm6\n\t"
                     "movups 112(%0), %%xmm7"
                     : : "r"(v->xmm) : "memory");
}

/* A different set of values for each `seed`; every exception stays masked. */
static inline void fpu_values_make(struct fpu_values *v, uint32_t seed)
{
    v->control = (uint16_t)(0x037f | (seed % 4) << 10);       /* rounding control by seed */
    v->mxcsr = 0x1f80u | (seed % 4) << 13 | (seed & 1) << 15;    /* rounding, flush to zero */
    for (unsigned i = 0; i < 8; i++) {
        v->x87[i] = 0x4000000000000000ull | (uint64_t)(seed * 8 + i) << 20;    /* 2.0 and a bit more */
        for (unsigned j = 0; j < 4; j++)
            v->xmm[i][j] = seed * 0x01010101u + i * 16 + j;
    }
}

/* Control, status, abridged tags, MXCSR, the eight x87 and eight SSE registers: all but pointers. */
static inline bool fpu_same(const struct fpu_image *a, const struct fpu_image *b)
{
    if (memcmp(a->bytes, b->bytes, 5) != 0 || memcmp(a->bytes + 24, b->bytes + 24, 4) != 0)
        return false;
    for (unsigned i = 0; i < 8; i++)
        if (memcmp(a->bytes + 32 + 16 * i, b->bytes + 32 + 16 * i, 10) != 0)
            return false;
    return memcmp(a->bytes + 160, b->bytes + 160, 128) == 0;
}

/* The state a thread starts with (bursar/cpu.h): fninit's and SSE's defaults, registers zero. */
static inline void fpu_clean_image(struct fpu_image *image)
{
    memset(image, 0, sizeof *image);
    *(uint16_t *)image->bytes = BURSAR_FPU_CONTROL_WORD;
    *(uint32_t *)(image->bytes + 24) = BURSAR_FPU_MXCSR;
}

#endif /* CORE_TESTS_FPU_STATE_H */
