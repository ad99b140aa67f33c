/*
 * authority.c — the one mapping database, and what it needs from the
 * kernel: records come from and go back to the heap that pays for them, a
 * revoked capability slot is emptied, a revoked mapping clears its
 * page-table entry.
 */
#include "kernel/console.h"
#include "kernel/cspace.h"
#include "kernel/heap.h"
#include "kernel/memory.h"

struct mapdb authority;

static struct mapdb_record *allocate_record(void *context, void *payer)
{
    (void)context;
    return heap_allocate(payer, BURSAR_HEAP_RECORD);
}

static void free_record(void *context, void *payer, struct mapdb_record *record)
{
    (void)context;
    heap_free_to(payer, record);        /* kheap checks the record's page is the payer's */
}

/* The holder is embedded first in its slot: the slot forgets its object. */
static void capability_cleared(void *context, struct mapdb_holder *holder)
{
    (void)context;
    struct cap_slot *slot = (struct cap_slot *)holder;

    slot->object = NULL;
    slot->type = BURSAR_OBJECT_NONE;
    slot->badge = 0;
}

static void mapping_removed(void *context, uintptr_t mapping, struct mapdb_record *record)
{
    uint32_t units = memory_mapping_removed(mapping);

    (void)context;
    (void)record;
    if (units)              /* a page table freed; most removals cost only mapdb's step */
        mapdb_charge(&authority, units);
}

static const struct mapdb_ops authority_ops = {
    .alloc_record = allocate_record, .free_record = free_record,
    .cap_cleared = capability_cleared, .unmap = mapping_removed,
};

void authority_init(void)
{
    mapdb_init(&authority, &authority_ops, NULL);
}
