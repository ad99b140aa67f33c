/*
 * backtrace.c — walks the frame-pointer chain (the kernel is built with
 * -fno-omit-frame-pointer) and names each return address from the symbol
 * table linked into the image. The walk stops at a zero frame pointer (set
 * in boot.S), at a frame outside the kernel, or after a fixed depth, so a
 * corrupted stack cannot make it fault or loop.
 */
#include "arch/ia32/layout.h"
#include "arch/ia32/paging.h"
#include "arch/ia32/trap.h"
#include "kernel/console.h"
#include "kernel/machine.h"
#include "kernel/symbols.h"

#define BACKTRACE_MAX_DEPTH 24

static void print_location(uint32_t address)
{
    uint32_t offset;
    const char *name = symbol_lookup(address, &offset);

    if (name)
        kprintf("    %08x  %s+0x%x\n", address, name, offset);
    else
        kprintf("    %08x  ?\n", address);
}

static int frame_pointer_plausible(uint32_t frame_pointer)
{
    return (frame_pointer & 3) == 0 && paging_kernel_address_mapped(frame_pointer) &&
           paging_kernel_address_mapped(frame_pointer + 7);
}

void backtrace_from(uint32_t instruction, uint32_t frame_pointer)
{
    kprintf("  backtrace:\n");
    print_location(instruction);
    for (int depth = 0; depth < BACKTRACE_MAX_DEPTH && frame_pointer_plausible(frame_pointer); depth++) {
        const uint32_t *frame = (const uint32_t *)frame_pointer;
        uint32_t return_address = frame[1];
        if (return_address < KERNEL_BASE)
            break;
        print_location(return_address - 1);   /* inside the call, not after it */
        if (frame[0] <= frame_pointer)        /* stacks grow down: callers are above */
            break;
        frame_pointer = frame[0];
    }
}

/* Starts at our caller: its return address, and the frame it saved. */
void machine_backtrace(void)
{
    const uint32_t *own_frame = __builtin_frame_address(0);

    backtrace_from((uint32_t)(uintptr_t)__builtin_return_address(0) - 1, own_frame[0]);
}
