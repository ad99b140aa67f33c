/*
 * symbols.c — address → function name, by binary search over the sorted
 * table the build generates.
 */
#include "kernel/symbols.h"

#include <stddef.h>

const char *symbol_lookup(uint32_t address, uint32_t *offset)
{
    uint32_t low = 0, high = kernel_symbol_count;

    if (high == 0 || address < kernel_symbols[0].address)
        return NULL;
    /* Find the last symbol whose address is <= address. */
    while (high - low > 1) {
        uint32_t middle = low + (high - low) / 2;
        if (kernel_symbols[middle].address <= address)
            low = middle;
        else
            high = middle;
    }
    *offset = address - kernel_symbols[low].address;
    return &kernel_symbol_names[kernel_symbols[low].name_offset];
}
