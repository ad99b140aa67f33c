/*
 * hand_over.c — what the production kernel does once it is up: check the
 * boot modules, start the root task from the first one, and schedule. The
 * machine powers off when the root task's first thread ends.
 */
#include "bursar/console_protocol.h"
#include "kernel/boot.h"
#include "kernel/machine.h"
#include "kernel/root_task.h"
#include "kernel/scheduler.h"

void boot_hand_over(void)
{
    modules_check(&boot_info);
    if (!root_task_create(&boot_info))
        machine_exit(BURSAR_EXIT_FAILURE);
    scheduler_start();
}
