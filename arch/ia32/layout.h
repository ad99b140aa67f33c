/*
 * layout.h — where things are in the virtual address space, and the few
 * control-register and page-table bits the boot assembly needs. Included by
 * assembly, so only #defines here.
 */
#ifndef ARCH_IA32_LAYOUT_H
#define ARCH_IA32_LAYOUT_H

/* The kernel owns the upper GiB; user space is everything below it. */
#define KERNEL_BASE            0xC0000000
#define USER_TOP               KERNEL_BASE
/*
 * Physical memory the kernel maps 1:1 at KERNEL_BASE (4 MiB pages). Frames
 * above it are not used: 768 MiB leaves the top 256 MiB of the kernel half
 * free for device windows.
 */
#define KERNEL_DIRECT_MAP_MAX  0x30000000
#define KERNEL_LOAD_PHYS       0x00100000

#define BOOT_STACK_SIZE        16384

#define PAGE_SIZE              4096
#define PAGE_SHIFT             12
#define LARGE_PAGE_SIZE        0x400000

/*
 * The one page of the kernel half that user mode may read: its first word is
 * the running thread's UTCB address, read as %gs:0 (paging.c, gdt.c).
 */
#define UTCB_POINTER_PAGE      0xFFFFF000

#define PTE_PRESENT            0x001
#define PTE_WRITABLE           0x002
#define PTE_USER               0x004
#define PTE_GLOBAL             0x100

#define PDE_PRESENT            0x001
#define PDE_WRITABLE           0x002
#define PDE_USER               0x004
#define PDE_LARGE              0x080
#define PDE_GLOBAL             0x100

#define CR0_MP                 0x00000002
#define CR0_EM                 0x00000004
#define CR0_TS                 0x00000008
#define CR0_NE                 0x00000020
#define CR0_WP                 0x00010000
#define CR0_AM                 0x00040000
#define CR0_PG                 0x80000000
#define CR4_PSE                0x00000010
#define CR4_PGE                0x00000080
#define CR4_OSFXSR             0x00000200
#define CR4_OSXMMEXCPT         0x00000400

#endif /* ARCH_IA32_LAYOUT_H */
