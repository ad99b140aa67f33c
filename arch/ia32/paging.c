/*
 * paging.c — the kernel half of every address space: physical memory mapped
 * 1:1 at KERNEL_BASE with 4 MiB global pages, so the kernel needs no page
 * tables of its own (and so allocates none). The boot directory from
 * boot.S becomes the master copy; user address spaces (later) copy its
 * upper quarter.
 */
#include "arch/ia32/layout.h"
#include "arch/ia32/paging.h"
#include "arch/ia32/x86.h"
#include "kernel/console.h"
#include "kernel/machine.h"

#define PAGE_DIRECTORY_ENTRIES 1024
#define KERNEL_FIRST_ENTRY (KERNEL_BASE >> 22)

extern uint32_t boot_page_directory[PAGE_DIRECTORY_ENTRIES];

/* Before paging_init the boot map covers the whole direct-map window. */
static uint32_t kernel_mapped_end = KERNEL_BASE + (KERNEL_DIRECT_MAP_MAX - 1);

bool paging_kernel_address_mapped(uint32_t address)
{
    return address >= KERNEL_BASE && address <= kernel_mapped_end;
}

/*
 * Map [0, direct_map_end) at KERNEL_BASE and nothing else: the identity
 * mapping that boot.S needed for the switch is removed, so a stray user
 * address in the kernel faults instead of reaching physical memory.
 */
void machine_paging_init(uint64_t direct_map_end)
{
    uint32_t large_pages = (uint32_t)((direct_map_end + LARGE_PAGE_SIZE - 1) / LARGE_PAGE_SIZE);

    KERNEL_ASSERT(direct_map_end > 0 && direct_map_end <= KERNEL_DIRECT_MAP_MAX);
    kernel_mapped_end = (uint32_t)(KERNEL_BASE + large_pages * LARGE_PAGE_SIZE - 1);
    write_cr4(read_cr4() | CR4_PSE | CR4_PGE);
    for (uint32_t i = 0; i < KERNEL_FIRST_ENTRY; i++)
        boot_page_directory[i] = 0;
    for (uint32_t i = 0; i < PAGE_DIRECTORY_ENTRIES - KERNEL_FIRST_ENTRY; i++)
        boot_page_directory[KERNEL_FIRST_ENTRY + i] = i < large_pages
            ? (i * LARGE_PAGE_SIZE) | PDE_PRESENT | PDE_WRITABLE | PDE_LARGE | PDE_GLOBAL
            : 0;
    /* Reloading CR3 does not drop global entries: toggle PGE to flush them too. */
    write_cr4(read_cr4() & ~CR4_PGE);
    write_cr3(read_cr3());
    write_cr4(read_cr4() | CR4_PGE);
}
