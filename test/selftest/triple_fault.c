/*
 * triple_fault.c — harness self-test image: with an empty IDT any exception
 * cannot be delivered, which escalates to a triple fault (a CPU reset that
 * -no-reboot turns into QEMU exiting with status 0).
 */
#include <stdint.h>

#include "kernel/boot.h"

void boot_hand_over(void)
{
    struct __attribute__((packed)) { uint16_t limit; uint32_t base; } empty = { 0, 0 };

    __asm__ volatile("cli; lidt %0; int3" : : "m"(empty));
    for (;;)
        ;
}
