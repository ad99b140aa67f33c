/*
 * boot.S — the first instructions: Multiboot v1 header, a boot page
 * directory that maps the kernel in the upper GiB, then a jump into C.
 *
 * GRUB and QEMU's -kernel enter here in 32-bit protected mode with paging
 * off, EAX = multiboot magic, EBX = physical address of the multiboot info.
 * This stub is linked at its physical address (kernel.ld); the rest of the
 * kernel at KERNEL_BASE + physical, so until paging is on every other
 * symbol's address must be converted with PHYS().
 */
#include "arch/ia32/layout.h"

#define MULTIBOOT_MAGIC      0x1BADB002
#define MULTIBOOT_PAGE_ALIGN (1 << 0)   /* modules page aligned */
#define MULTIBOOT_MEMORY_MAP (1 << 1)   /* we need the memory map */
#define MULTIBOOT_FLAGS      (MULTIBOOT_PAGE_ALIGN | MULTIBOOT_MEMORY_MAP)

#define PHYS(symbol) ((symbol) - KERNEL_BASE)

        .section .multiboot, "a"
        .align 4
        .long MULTIBOOT_MAGIC
        .long MULTIBOOT_FLAGS
        .long -(MULTIBOOT_MAGIC + MULTIBOOT_FLAGS)

        .section .boot.text, "ax"
        .globl _start
_start:
        cli
        cld
        /*
         * Fill the boot page directory with 4 MiB pages: the first
         * KERNEL_DIRECT_MAP_MAX bytes of physical memory at KERNEL_BASE, and
         * the first 4 MiB also at 0 so the next instructions survive the
         * switch. machine_paging_init() replaces this directory with the final one.
         */
        movl $PHYS(boot_page_directory), %edi
        movl $(PDE_PRESENT | PDE_WRITABLE | PDE_LARGE), %ecx
        movl %ecx, (%edi)
        addl $(KERNEL_BASE >> 20), %edi          /* 4 bytes per 4 MiB: (base >> 22) * 4 */
        movl $(KERNEL_DIRECT_MAP_MAX >> 22), %edx
1:      movl %ecx, (%edi)
        addl $4, %edi
        addl $0x400000, %ecx
        decl %edx
        jnz 1b

        movl %cr4, %ecx
        orl $CR4_PSE, %ecx
        movl %ecx, %cr4
        movl $PHYS(boot_page_directory), %ecx
        movl %ecx, %cr3
        movl %cr0, %ecx
        orl $(CR0_PG | CR0_WP), %ecx
        movl %ecx, %cr0

        movl $higher_half, %ecx
        jmp *%ecx

        .text
higher_half:
        movl $boot_stack_top, %esp
        xorl %ebp, %ebp                      /* ends every backtrace */
        pushl %ebx                           /* multiboot info (physical) */
        pushl %eax                           /* multiboot magic */
        call kernel_main
        /* kernel_main never returns; if it does, stop here for good. */
2:      cli
        hlt
        jmp 2b

        .section .bss
        .align 4096
        .globl boot_page_directory
boot_page_directory:
        .space 4096
        .globl boot_stack_bottom, boot_stack_top
boot_stack_bottom:
        .space BOOT_STACK_SIZE
boot_stack_top:
