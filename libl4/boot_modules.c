/*
 * boot_modules.c — boot modules by name, mapped for reading (boot_modules.h).
 */
#include "libl4/boot_modules.h"

#include "libl4/l4.h"
#include "libl4/string.h"

#define PAGE_SIZE 4096u

int l4_boot_module_find(const struct bursar_boot_info *boot, const char *name)
{
    for (uint32_t i = 0; i < boot->module_count && i < BURSAR_BOOT_MAX_MODULES; i++)
        if (strcmp(boot->modules[i].name, name) == 0)
            return (int)i;
    return -1;
}

unsigned l4_boot_module_pages(const struct bursar_boot_info *boot, unsigned index)
{
    if (index >= boot->module_count || index >= BURSAR_BOOT_MAX_MODULES)
        return 0;
    return (boot->modules[index].size + PAGE_SIZE - 1) / PAGE_SIZE;
}

int l4_boot_module_map(const struct bursar_boot_info *boot, unsigned index, unsigned memory, uintptr_t address)
{
    unsigned pages = l4_boot_module_pages(boot, index);
    int error = pages ? 0 : -BURSAR_E_INVALID_ARGUMENT;

    for (unsigned i = 0; i < pages && error == 0; i++) {
        error = l4_frame_map(memory, boot->modules[index].first_frame + i, address + i * PAGE_SIZE,
                             BURSAR_RIGHT_READ);
        if (error)
            l4_unmap(address, i);
    }
    return error;
}

void l4_boot_module_unmap(const struct bursar_boot_info *boot, unsigned index, uintptr_t address)
{
    l4_unmap(address, l4_boot_module_pages(boot, index));
}
