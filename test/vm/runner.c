/*
 * runner.c — the hand-over of the kernel test image: runs every registered
 * KERNEL_TEST (lib/test.c) and leaves QEMU with the success code only if
 * every test ran and passed.
 */
#include "bursar/console_protocol.h"
#include "kernel/boot.h"
#include "kernel/console.h"
#include "kernel/machine.h"
#include "test/vm/kernel_test.h"

extern struct test_case kernel_tests_start[], kernel_tests_end[];

void boot_hand_over(void)
{
    struct test_suite suite = { kernel_tests_start, kernel_tests_end, 0, kprintf };

    machine_exit(test_run_all(&suite) ? BURSAR_EXIT_SUCCESS : BURSAR_EXIT_FAILURE);
}
