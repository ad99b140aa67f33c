/*
 * demo.c — the hand-over of the demo image (`./bursar run`): for now the
 * boot log is the demo, and the machine powers off cleanly afterwards.
 */
#include "bursar/test_protocol.h"
#include "kernel/boot.h"
#include "kernel/console.h"
#include "kernel/machine.h"

void boot_hand_over(void)
{
    kprintf("demo: the kernel is up; powering off\n");
    machine_exit(BURSAR_EXIT_SUCCESS);
}
