/*
 * multiboot.c — reads the Multiboot v1 information structure into the
 * kernel's struct boot_info. Everything the loader hands over is treated as
 * untrusted input: counts are clamped, strings bounded, and every pointer is
 * checked to lie in the direct map before it is followed.
 */
#include "arch/ia32/layout.h"
#include "kernel/console.h"
#include "kernel/machine.h"

#define MULTIBOOT_LOADER_MAGIC 0x2BADB002

#define MULTIBOOT_INFO_MEMORY       (1u << 0)
#define MULTIBOOT_INFO_COMMAND_LINE (1u << 2)
#define MULTIBOOT_INFO_MODULES      (1u << 3)
#define MULTIBOOT_INFO_MEMORY_MAP   (1u << 6)
#define MULTIBOOT_INFO_LOADER_NAME  (1u << 9)

struct multiboot_info {
    uint32_t flags;
    uint32_t memory_lower_kib, memory_upper_kib;
    uint32_t boot_device;
    uint32_t command_line;
    uint32_t module_count, module_address;
    uint32_t symbols[4];
    uint32_t memory_map_length, memory_map_address;
    uint32_t drives_length, drives_address;
    uint32_t config_table;
    uint32_t loader_name;
} __attribute__((packed));
_Static_assert(sizeof(struct multiboot_info) == 68, "Multiboot v1 info layout (through loader name)");

struct multiboot_module {
    uint32_t start, end;
    uint32_t command_line;
    uint32_t reserved;
} __attribute__((packed));
_Static_assert(sizeof(struct multiboot_module) == 16, "Multiboot v1 module layout");

/* `size` does not count itself: the next entry is at +size+4. */
struct multiboot_memory_entry {
    uint32_t size;
    uint64_t address;
    uint64_t length;
    uint32_t type;
} __attribute__((packed));
_Static_assert(sizeof(struct multiboot_memory_entry) == 24, "Multiboot v1 memory map entry layout");

/* A loader structure of `size` bytes at `physical`, if it is in the direct map. */
static const void *loader_pointer(uint32_t physical, uint32_t size)
{
    if (physical == 0 || (uint64_t)physical + size > KERNEL_DIRECT_MAP_MAX)
        return 0;
    return machine_physical_to_virtual(physical);
}

static void copy_loader_string(char *destination, uint32_t physical)
{
    const char *source = loader_pointer(physical, 1);
    uint32_t i = 0;

    if (source)
        for (; i + 1 < BOOT_MAX_STRING && (uint64_t)physical + i + 1 < KERNEL_DIRECT_MAP_MAX && source[i]; i++)
            destination[i] = source[i];
    destination[i] = '\0';
}

static uint32_t region_type(uint32_t multiboot_type)
{
    switch (multiboot_type) {
    case 1: return MEMORY_AVAILABLE;
    case 3: return MEMORY_ACPI_RECLAIMABLE;
    case 4: return MEMORY_ACPI_NVS;
    case 5: return MEMORY_BAD;
    default: return MEMORY_RESERVED;
    }
}

static void add_region(struct boot_info *out, uint64_t start, uint64_t length, uint32_t type)
{
    if (length == 0 || start + length < start)
        return;
    if (out->region_count == BOOT_MAX_MEMORY_REGIONS) {
        kprintf("boot: memory map has more than %u regions; the rest are ignored\n",
                BOOT_MAX_MEMORY_REGIONS);
        return;
    }
    out->regions[out->region_count++] = (struct memory_region){ start, start + length, type };
}

static void read_memory_map(const struct multiboot_info *info, struct boot_info *out)
{
    const uint8_t *cursor, *end;

    if (!(info->flags & MULTIBOOT_INFO_MEMORY_MAP)) {
        /* Old loaders: only "lower" and "upper" memory sizes. */
        add_region(out, 0, (uint64_t)info->memory_lower_kib * 1024, MEMORY_AVAILABLE);
        add_region(out, 0x100000, (uint64_t)info->memory_upper_kib * 1024, MEMORY_AVAILABLE);
        return;
    }
    cursor = loader_pointer(info->memory_map_address, info->memory_map_length);
    if (!cursor)
        return;
    end = cursor + info->memory_map_length;
    while (cursor + sizeof(struct multiboot_memory_entry) <= end) {
        const struct multiboot_memory_entry *entry = (const void *)cursor;
        add_region(out, entry->address, entry->length, region_type(entry->type));
        if (entry->size < 20)          /* malformed: would loop or misparse */
            break;
        cursor += entry->size + 4;
    }
}

static void read_modules(const struct multiboot_info *info, struct boot_info *out)
{
    const struct multiboot_module *modules;
    uint32_t count = info->module_count;

    if (!(info->flags & MULTIBOOT_INFO_MODULES) || count == 0)
        return;
    if (count > BOOT_MAX_MODULES) {
        kprintf("boot: %u modules, only the first %u are used\n", count, BOOT_MAX_MODULES);
        count = BOOT_MAX_MODULES;
    }
    modules = loader_pointer(info->module_address, count * sizeof(*modules));
    if (!modules)
        return;
    for (uint32_t i = 0; i < count; i++) {
        struct boot_module *module = &out->modules[out->module_count++];
        module->start = modules[i].start;
        module->end = modules[i].end;
        copy_loader_string(module->name, modules[i].command_line);
    }
}

bool machine_read_boot_info(uint32_t loader_magic, uint32_t loader_info, struct boot_info *out)
{
    const struct multiboot_info *info;

    *out = (struct boot_info){ 0 };
    if (loader_magic != MULTIBOOT_LOADER_MAGIC) {
        kprintf("boot: not started by a Multiboot loader (magic %08x)\n", loader_magic);
        return false;
    }
    info = loader_pointer(loader_info, sizeof(*info));
    if (!info) {
        kprintf("boot: Multiboot information at %08x is out of reach\n", loader_info);
        return false;
    }
    read_memory_map(info, out);
    read_modules(info, out);
    if (info->flags & MULTIBOOT_INFO_COMMAND_LINE)
        copy_loader_string(out->command_line, info->command_line);
    if (info->flags & MULTIBOOT_INFO_LOADER_NAME)
        copy_loader_string(out->loader_name, info->loader_name);
    return out->region_count > 0;
}
