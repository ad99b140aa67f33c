/*
 * boot_info.h — what the boot loader told us, in the kernel's own terms:
 * the physical memory map, the modules and the command line. The arch code
 * fills it from the multiboot structures, which may then be overwritten.
 */
#ifndef KERNEL_BOOT_INFO_H
#define KERNEL_BOOT_INFO_H

#include <stdint.h>

#define BOOT_MAX_MEMORY_REGIONS 32
#define BOOT_MAX_MODULES        16
#define BOOT_MAX_STRING         128

enum memory_region_type {
    MEMORY_AVAILABLE = 1,      /* RAM the kernel may use */
    MEMORY_RESERVED,           /* firmware, devices, anything else */
    MEMORY_ACPI_RECLAIMABLE,
    MEMORY_ACPI_NVS,
    MEMORY_BAD,
};

struct memory_region {
    uint64_t start;            /* physical, bytes */
    uint64_t end;              /* exclusive */
    uint32_t type;             /* enum memory_region_type */
};

struct boot_module {
    uint64_t start;            /* physical, bytes */
    uint64_t end;              /* exclusive */
    char name[BOOT_MAX_STRING];/* the loader's command line for it */
};

struct boot_info {
    struct memory_region regions[BOOT_MAX_MEMORY_REGIONS];
    uint32_t region_count;
    struct boot_module modules[BOOT_MAX_MODULES];
    uint32_t module_count;
    char command_line[BOOT_MAX_STRING];
    char loader_name[BOOT_MAX_STRING];
};

#endif /* KERNEL_BOOT_INFO_H */
