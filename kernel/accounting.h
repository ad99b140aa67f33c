/*
 * accounting.h — the payer rule as arithmetic: every usable frame is in the
 * fixed reservation, in a kernel heap, or held by a bank.
 */
#ifndef KERNEL_ACCOUNTING_H
#define KERNEL_ACCOUNTING_H

#include <stdbool.h>

#include "bursar/objects.h"

/* The figures of the identity (the check itself: kernel/self_check.c). */
void accounting_fill_info(struct bursar_system_info *info);

#endif
