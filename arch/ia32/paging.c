/*
 * paging.c — the kernel half of every address space: physical memory mapped
 * 1:1 at KERNEL_BASE with 4 MiB global pages, so the kernel needs no page
 * tables of its own (and so allocates none). The boot directory from
 * boot.S becomes the master copy; user address spaces copy its upper
 * quarter. One exception to "no page tables": the top 4 MiB have one, for
 * the UTCB pointer page, the only kernel-half page user mode can read.
 */
#include "arch/ia32/layout.h"
#include "arch/ia32/paging.h"
#include "arch/ia32/x86.h"
#include "kernel/console.h"
#include "kernel/machine.h"

#define PAGE_DIRECTORY_ENTRIES 1024
#define KERNEL_FIRST_ENTRY (KERNEL_BASE >> 22)

extern uint32_t boot_page_directory[PAGE_DIRECTORY_ENTRIES];

/*
 * Word 0 is the running thread's UTCB address; user code reads it as %gs:0
 * (the UTCB segment's base is UTCB_POINTER_PAGE, gdt.c). That costs one
 * store per thread switch, where a per-thread segment base would cost a
 * descriptor rewrite and a %gs reload. User mode may only read the page; the
 * kernel writes it through its own mapping of the kernel image.
 */
uint32_t utcb_pointer_page[PAGE_SIZE / 4] __attribute__((aligned(PAGE_SIZE)));
static uint32_t top_page_table[PAGE_DIRECTORY_ENTRIES] __attribute__((aligned(PAGE_SIZE)));

static void map_utcb_pointer_page(void)
{
    top_page_table[(UTCB_POINTER_PAGE >> 12) % PAGE_DIRECTORY_ENTRIES] =
        ((uint32_t)utcb_pointer_page - KERNEL_BASE) | PTE_PRESENT | PTE_USER | PTE_GLOBAL;
    boot_page_directory[UTCB_POINTER_PAGE >> 22] =
        ((uint32_t)top_page_table - KERNEL_BASE) | PDE_PRESENT | PDE_WRITABLE | PDE_USER;
}

/* Before machine_paging_init the boot map covers the whole direct-map window. */
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
    map_utcb_pointer_page();
    /* Reloading CR3 does not drop global entries: toggle PGE to flush them too. */
    write_cr4(read_cr4() & ~CR4_PGE);
    write_cr3(read_cr3());
    write_cr4(read_cr4() | CR4_PGE);
}
