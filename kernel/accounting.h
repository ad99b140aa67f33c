/*
 * accounting.h — the payer rule as arithmetic: every usable frame is in the
 * fixed reservation, in a kernel heap, or held by a bank.
 */
#ifndef KERNEL_ACCOUNTING_H
#define KERNEL_ACCOUNTING_H

#include <stdbool.h>

#include "bursar/objects.h"

void accounting_fill_info(struct bursar_system_info *info);
/* Check the identity and the heaps' own ledgers; print what is wrong. */
bool accounting_check(void);

#endif
