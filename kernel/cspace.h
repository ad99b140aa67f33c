/*
 * cspace.h — capability spaces: each task has numbered slots, kept in
 * capability-table pages paid by the task's heap. A slot embeds a mapdb
 * holder (so COPY allocates nothing) plus what the kernel needs at every
 * invocation: the object, its type, and the badge.
 */
#ifndef KERNEL_CSPACE_H
#define KERNEL_CSPACE_H

#include "kernel/object.h"

struct task;

struct cap_slot {
    struct mapdb_holder holder;      /* rights live here (holder.rights) */
    struct object *object;           /* NULL when empty */
    uint32_t badge;
    uint8_t type;                    /* enum bursar_object_type, NONE when empty */
    uint8_t reserved[3];
};
_Static_assert(sizeof(struct cap_slot) == 32, "128 slots to a capability-table page");

#define CAP_SLOTS_PER_PAGE (4096 / sizeof(struct cap_slot))
#define CSPACE_MAX_PAGES 16
#define CSPACE_MAX_SLOTS (CAP_SLOTS_PER_PAGE * CSPACE_MAX_PAGES)

/*
 * A page is zeroed (all its slots empty) when a slot of it is first
 * reached, not when the space is made: creating a task with many slots
 * would otherwise clear them all at once, with interrupts off. The pages
 * are taken by task_create, one at a time, before slot_count opens them.
 */
struct cspace {
    struct cap_slot *pages[CSPACE_MAX_PAGES];
    uint32_t slot_count;
    uint16_t zeroed;                 /* bit p: pages[p] was zeroed */
};
_Static_assert(CSPACE_MAX_PAGES <= 16, "one bit a page in cspace.zeroed");

/* The global mapping database for capabilities and memory. */
extern struct mapdb authority;
void authority_init(void);

/* Delete every capability, then free the table pages. */
void cspace_destroy(struct cspace *cspace);

/* Page p of the space, zeroed first if it never was (p < the pages it has). */
struct cap_slot *cspace_page(struct cspace *cspace, uint32_t p);
/* A slot by index, or NULL with *error set (INVALID_CAPABILITY). */
struct cap_slot *cspace_slot(struct cspace *cspace, uint32_t index, int *error);
/*
 * The capability at `index`, checked: it exists, holds `type` (or any type
 * with BURSAR_OBJECT_NONE) and carries every right in `rights`. NULL with
 * *error set otherwise.
 */
struct cap_slot *cspace_lookup(struct cspace *cspace, uint32_t index, enum bursar_object_type type,
                               uint32_t rights, int *error);
/*
 * The same, inline when the capability passes (in a page zeroed already):
 * the IPC system calls look up one or two on every call. Otherwise the
 * call above makes the same checks and says which one failed.
 */
static inline __attribute__((always_inline)) struct cap_slot *
cspace_lookup_inline(struct cspace *cspace, uint32_t index, enum bursar_object_type type, uint32_t rights,
                     int *error)
{
    uint32_t page = index / CAP_SLOTS_PER_PAGE;

    if (index < cspace->slot_count && (cspace->zeroed & 1u << page)) {
        struct cap_slot *slot = &cspace->pages[page][index % CAP_SLOTS_PER_PAGE];
        if (slot->object && (type == BURSAR_OBJECT_NONE || slot->type == type) &&
            (slot->holder.rights & rights) == rights && !slot->object->dying)
            return slot;
    }
    return cspace_lookup(cspace, index, type, rights, error);
}
/* An empty slot for a new capability, or NULL with *error set. */
struct cap_slot *cspace_empty_slot(struct cspace *cspace, uint32_t index, int *error);

/* Install the first capability to a new object (all rights). */
void cap_install_root(struct cap_slot *slot, struct object *object);
/*
 * May `source` be derived with `rights` and `badge` (0: keep its own)?
 * NO_RIGHTS for more rights than it has, or for a badge on a badged one.
 */
int cap_check_derivation(const struct cap_slot *source, uint32_t rights, uint32_t badge);
/* Derive: COPY (shares the record) or REVOCABLE COPY (a record from `payer`); checked first. */
int cap_copy(struct cap_slot *source, struct cap_slot *destination, uint32_t rights, uint32_t badge);
int cap_revocable_copy(struct cap_slot *source, struct cap_slot *destination, uint32_t rights,
                       uint32_t badge, struct heap *payer);
/* GRANT: the capability moves to `destination`; `source` ends up empty. */
int cap_grant(struct cap_slot *source, struct cap_slot *destination, uint32_t rights, uint32_t badge);
/* Move a capability to an empty slot (e.g. one on the kernel stack); nothing is allocated. */
void cap_move(struct cap_slot *from, struct cap_slot *to);
/* Delete and revoke may pass preemption points (kernel/preempt.h). */
int cap_delete(struct cap_slot *slot);
int cap_revoke(struct cap_slot *slot);
/* Destroying an object: every capability to it, everywhere, goes. */
void cap_revoke_all(struct object *object);

#endif /* KERNEL_CSPACE_H */
