/* paging.h — the kernel half of the address space. */
#ifndef ARCH_IA32_PAGING_H
#define ARCH_IA32_PAGING_H

#include <stdbool.h>
#include <stdint.h>

/* Is this kernel-virtual address backed by the direct map right now? */
bool paging_kernel_address_mapped(uint32_t address);

#endif
