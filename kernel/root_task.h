/*
 * root_task.h — the boot modules as the kernel judged them, and the root
 * task made from the first one.
 */
#ifndef KERNEL_ROOT_TASK_H
#define KERNEL_ROOT_TASK_H

#include <stdbool.h>
#include <stdint.h>

#include "kernel/boot_info.h"

struct thread;

/* Why a module was refused, or NULL if it was accepted. */
extern const char *boot_module_refusal[BOOT_MAX_MODULES];

/* Check every module; refused ones are reported on the console. */
void modules_check(const struct boot_info *boot);
/* Hand every frame outside the fixed reservation to the root bank, load module 0, start it. */
bool root_task_create(const struct boot_info *boot);
bool thread_is_root(const struct thread *thread);

#endif
