/* hang.c — harness self-test image: the kernel stops making progress. */
#include "kernel/boot.h"
#include "kernel/machine.h"

void boot_hand_over(void)
{
    for (;;)
        machine_wait_for_interrupt();
}
