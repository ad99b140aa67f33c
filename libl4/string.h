/*
 * string.h — the few C library memory and string functions user programs
 * get (libl4/string.c). gcc may emit calls to memcpy and memset on its own,
 * even with -ffreestanding, so these must exist under those names.
 */
#ifndef LIBL4_STRING_H
#define LIBL4_STRING_H

#include <stddef.h>

void *memcpy(void *destination, const void *source, size_t size);
void *memmove(void *destination, const void *source, size_t size);
void *memset(void *destination, int value, size_t size);
int memcmp(const void *a, const void *b, size_t size);
size_t strlen(const char *s);
int strcmp(const char *a, const char *b);

/* Zeroes one 4 KiB page (page-aligned) with word stores: what a frame source does to every frame it hands out. */
void l4_zero_page(void *page);

#endif /* LIBL4_STRING_H */
