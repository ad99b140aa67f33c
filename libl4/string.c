/*
 * string.c — byte-at-a-time memory and string functions for user programs.
 * Plain on purpose: they are for correctness, not speed.
 *
 * gcc recognises a copy or fill loop and may replace it with a call to
 * memcpy or memset, which inside memcpy or memset would be endless
 * recursion; the optimize attribute switches that transformation off here.
 */
#include "libl4/string.h"

#include <stdint.h>

#define NO_LOOP_TO_CALL __attribute__((optimize("no-tree-loop-distribute-patterns")))

NO_LOOP_TO_CALL void *memcpy(void *destination, const void *source, size_t size)
{
    unsigned char *d = destination;
    const unsigned char *s = source;

    while (size--)
        *d++ = *s++;
    return destination;
}

/* Copies backwards when the destination overlaps the source from above. */
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

NO_LOOP_TO_CALL void *memset(void *destination, int value, size_t size)
{
    unsigned char *d = destination;

    while (size--)
        *d++ = (unsigned char)value;
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

/* rep stosl: one instruction a word, where a byte loop costs four or more. */
void l4_zero_page(void *page)
{
    void *destination = page;
    size_t words = 4096 / 4;

    __asm__ volatile("rep stosl" : "+D"(destination), "+c"(words) : "a"(0) : "memory");
}
