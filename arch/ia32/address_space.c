/*
 * address_space.c — user page directories and page tables in the ia32
 * two-level format. The kernel half of every directory is a copy of the
 * master directory's (4 MiB global pages), so switching address spaces never
 * touches kernel mappings. Page tables and directories themselves are kernel
 * heap objects the generic kernel allocated; this file only writes entries.
 */
#include "arch/ia32/layout.h"
#include "arch/ia32/x86.h"
#include "kernel/machine.h"

#define ENTRIES 1024
#define KERNEL_FIRST_ENTRY (KERNEL_BASE >> 22)
#define ENTRY_ADDRESS_MASK 0xfffff000u

extern uint32_t boot_page_directory[ENTRIES];

static uint32_t directory_index(uint32_t address) { return address >> 22; }
static uint32_t table_index(uint32_t address)     { return (address >> 12) & (ENTRIES - 1); }

/* Four entries a step: a task's creation runs with interrupts off, and this is most of it. */
void machine_address_space_init(uint32_t *page_directory)
{
    _Static_assert(KERNEL_FIRST_ENTRY % 4 == 0, "whole steps");
    for (uint32_t i = 0; i < KERNEL_FIRST_ENTRY; i += 4) {
        page_directory[i] = 0;
        page_directory[i + 1] = 0;
        page_directory[i + 2] = 0;
        page_directory[i + 3] = 0;
    }
    for (uint32_t i = KERNEL_FIRST_ENTRY; i < ENTRIES; i += 4) {
        page_directory[i] = boot_page_directory[i];
        page_directory[i + 1] = boot_page_directory[i + 1];
        page_directory[i + 2] = boot_page_directory[i + 2];
        page_directory[i + 3] = boot_page_directory[i + 3];
    }
}

void machine_address_space_activate(const uint32_t *page_directory)
{
    uint32_t physical = (uint32_t)page_directory - KERNEL_BASE;   /* the direct map, inline: a hot path */

    if (read_cr3() != physical) {
        write_cr3(physical);
        machine_counters.address_space_switches++;
    }
}

void machine_address_space_activate_kernel(void)
{
    machine_address_space_activate(boot_page_directory);
}

const uint32_t *machine_current_page_directory(void)
{
    return machine_physical_to_virtual(read_cr3());
}

uint32_t *machine_page_table_of(const uint32_t *page_directory, uint32_t address)
{
    uint32_t entry = page_directory[directory_index(address)];

    if (!(entry & PDE_PRESENT) || (entry & PDE_LARGE))
        return 0;
    return machine_physical_to_virtual(entry & ENTRY_ADDRESS_MASK);
}

/* User and writable at this level; the page-table entries decide. */
void machine_page_table_install(uint32_t *page_directory, uint32_t address, uint32_t *page_table)
{
    uint32_t physical = (uint32_t)machine_virtual_to_physical(page_table);

    page_directory[directory_index(address)] = physical | PDE_PRESENT | PDE_WRITABLE | PDE_USER;
}

void machine_page_table_remove(uint32_t *page_directory, uint32_t address)
{
    page_directory[directory_index(address)] = 0;
    if (read_cr3() == (uint32_t)machine_virtual_to_physical(page_directory))
        write_cr3(read_cr3());     /* the whole 4 MiB may be cached */
}

uint32_t *machine_pte_of(uint32_t *page_table, uint32_t address)
{
    return &page_table[table_index(address)];
}

void machine_pte_set(uint32_t *pte, uint64_t physical, bool writable)
{
    *pte = ((uint32_t)physical & ENTRY_ADDRESS_MASK) | PTE_PRESENT | PTE_USER | (writable ? PTE_WRITABLE : 0);
}

void machine_pte_clear(uint32_t *pte)             { *pte = 0; }
bool machine_pte_present(uint32_t pte)            { return pte & PTE_PRESENT; }
bool machine_pte_writable(uint32_t pte)           { return pte & PTE_WRITABLE; }
uint64_t machine_pte_physical(uint32_t pte)       { return pte & ENTRY_ADDRESS_MASK; }

void machine_tlb_flush_page(uint32_t address)
{
    __asm__ volatile("invlpg (%0)" : : "r"(address) : "memory");
}
