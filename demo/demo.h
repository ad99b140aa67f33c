/*
 * demo.h — what demo.c and faults.c share: the root task's capability
 * slots, so the two files never hand out the same one.
 */
#ifndef DEMO_DEMO_H
#define DEMO_DEMO_H

#include "bursar/boot.h"

enum {
    ENDPOINT = BURSAR_SLOT_FIRST_FREE, REPLY, SERVER_TASK, SERVER_THREAD,   /* the adder server */
    COPY, EXTRA_ENDPOINT, LENT_HEAP,                                        /* capabilities */
    SERVICE_ENDPOINT, SERVICE_REPLY, SERVICE_THREAD,                        /* the pager and bank thread */
    CHILD_HEAP, CHILD_OBJECT,                                               /* the heap that faults */
};

/* faults.c: step 6, a page fault a user pager serves; step 7, a heap fault a bank serves. */
int start_pager_and_bank(void);
void show_page_fault(const struct bursar_boot_info *boot_info);
void show_heap_fault(const struct bursar_boot_info *boot_info);

#endif /* DEMO_DEMO_H */
