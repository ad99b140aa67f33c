/*
 * symbols.h — the kernel's own symbol table, for backtraces. It is linked
 * into the image in a second link step (see SConstruct and
 * tools/make_symbol_table.py); the first link carries an empty table.
 */
#ifndef KERNEL_SYMBOLS_H
#define KERNEL_SYMBOLS_H

#include <stdint.h>

struct kernel_symbol {
    uint32_t address;
    uint32_t name_offset;      /* into kernel_symbol_names */
};

extern const struct kernel_symbol kernel_symbols[];
extern const uint32_t kernel_symbol_count;
extern const char kernel_symbol_names[];

/* The function containing address, or NULL; *offset is address - its start. */
const char *symbol_lookup(uint32_t address, uint32_t *offset);

#endif
