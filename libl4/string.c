/*
 * string.c — the memory and string functions of user programs.
 *
 * memcpy and memset move four bytes at a time with rep movsl / rep stosl,
 * then the last few with rep movsb / stosb: a page copied or cleared costs
 * a handful of instructions under -icount, not one loop round a byte
 * (the loader's segment copies and l4_zero_page, the frame sources' and the
 * bank's page clears, use them). The string instructions run forwards because EFLAGS.DF is clear
 * at every function boundary, as the i386 System V ABI requires of C code
 * (and GCC's own inlined string instructions assume); the kernel starts
 * every thread and ends every system call with DF clear (docs/abi.md §1.1,
 * docs/security.md). Unaligned addresses are correct, only slower.
 *
 * gcc recognises a copy or fill loop and may replace it with a call to
 * memcpy or memset, which inside memmove would be endless recursion; the
 * optimize attribute switches that transformation off there.
 */
#include "libl4/string.h"

#include <stdint.h>

#define NO_LOOP_TO_CALL __attribute__((optimize("no-tree-loop-distribute-patterns")))

void *memcpy(void *destination, const void *source, size_t size)
{
    void *d = destination;
    const void *s = source;
    size_t words = size / 4, bytes = size % 4;

    __asm__ volatile("rep movsl\n\t"
                     "mov %[bytes], %%ecx\n\t"
                     "rep movsb"
                     : "+D"(d), "+S"(s), "+c"(words)
                     : [bytes] "r"(bytes)
                     : "memory");
    return destination;
}

/* Copies backwards, byte by byte, when the destination overlaps the source from above. */
NO_LOOP_TO_CALL void *memmove(void *destination, const void *source, size_t size)
{
    unsigned char *d = destination;
    const unsigned char *s = source;

    if ((uintptr_t)d - (uintptr_t)s >= size)
        return memcpy(destination, source, size);
    while (size--)
        d[size] = s[size];
    return destination;
}

void *memset(void *destination, int value, size_t size)
{
    void *d = destination;
    uint32_t pattern = (uint8_t)value * 0x01010101u;
    size_t words = size / 4, bytes = size % 4;

    __asm__ volatile("rep stosl\n\t"
                     "mov %[bytes], %%ecx\n\t"
                     "rep stosb"
                     : "+D"(d), "+c"(words)
                     : "a"(pattern), [bytes] "r"(bytes)
                     : "memory");
    return destination;
}

int memcmp(const void *a, const void *b, size_t size)
{
    const unsigned char *x = a, *y = b;

    for (size_t i = 0; i < size; i++)
        if (x[i] != y[i])
            return x[i] < y[i] ? -1 : 1;
    return 0;
}

size_t strlen(const char *s)
{
    size_t length = 0;

    while (s[length])
        length++;
    return length;
}

int strcmp(const char *a, const char *b)
{
    while (*a && *a == *b) {
        a++;
        b++;
    }
    return (unsigned char)*a - (unsigned char)*b;
}

void l4_zero_page(void *page)
{
    memset(page, 0, 4096);
}
