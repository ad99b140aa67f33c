/* panic.c — harness self-test image: the kernel panics after boot. */
#include "kernel/boot.h"
#include "kernel/console.h"

void boot_hand_over(void)
{
    panic("harness self-test: deliberate panic");
}
