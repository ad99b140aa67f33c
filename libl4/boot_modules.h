/*
 * boot_modules.h — the root task's boot modules: finding one by name and
 * mapping it to read it (e.g. to hand it to the loader, libl4/loader.h).
 *
 * A module's name is what the kernel put in struct bursar_boot_module: the
 * last path component of the first word of the boot loader's command line
 * for it ("build/user/init.elf" and GRUB's "init.elf" are both "init.elf";
 * docs/abi.md §7). Module frames belong to the boot memory capability and
 * are not in the free ranges, so a frame source never hands them out.
 */
#ifndef LIBL4_BOOT_MODULES_H
#define LIBL4_BOOT_MODULES_H

#include <stdint.h>

#include "bursar/boot.h"

/* The index of the first module called `name`, or -1. */
int l4_boot_module_find(const struct bursar_boot_info *boot, const char *name);

/* Pages module `index` spans. */
unsigned l4_boot_module_pages(const struct bursar_boot_info *boot, unsigned index);

/*
 * Maps module `index` read-only at the page-aligned `address` with memory
 * capability `memory`: its bytes are then at `address`. 0 or -BURSAR_E_*
 * (INVALID_ARGUMENT: no such module; the mapping's errors; a frame can be
 * mapped once at a time, so a module already mapped is ALREADY_MAPPED).
 * Nothing stays mapped on error.
 */
int l4_boot_module_map(const struct bursar_boot_info *boot, unsigned index, unsigned memory, uintptr_t address);

/* Unmaps what l4_boot_module_map() mapped. */
void l4_boot_module_unmap(const struct bursar_boot_info *boot, unsigned index, uintptr_t address);

#endif /* LIBL4_BOOT_MODULES_H */
