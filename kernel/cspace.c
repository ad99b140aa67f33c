/*
 * cspace.c — capability spaces and the capability operations, each a thin
 * layer over the mapping database: the slot's holder is what mapdb links,
 * the rest of the slot is a cache of what the capability names.
 */
#include "bursar/errors.h"
#include "kernel/console.h"
#include "kernel/cspace.h"
#include "kernel/debug.h"
#include "kernel/frame_table.h"
#include "kernel/heap.h"
#include "kernel/preempt.h"

/*
 * A preemption point every PREEMPT_CHUNK slots: the task is dying, so no
 * slot gets a new capability meanwhile, and a revoke by another thread
 * that empties a slot first is simply seen here as an empty slot. Index
 * lookups fail from the start (slot_count 0), as pages go one by one.
 */
void cspace_destroy(struct cspace *cspace)
{
    cspace->slot_count = 0;
    for (uint32_t p = 0; p < CSPACE_MAX_PAGES && cspace->pages[p]; p++) {
        for (uint32_t i = 0; i < CAP_SLOTS_PER_PAGE && (cspace->zeroed & 1u << p); i++) {
            if (cspace->pages[p][i].object)
                cap_delete(&cspace->pages[p][i]);
            preempt_work(1);
        }
        heap_free(cspace->pages[p]);
        cspace->pages[p] = NULL;
        preempt_work(2);                        /* a page back to its heap: two units' worth */
    }
}

/* An all-zero slot is empty: one page's clearing is the most any lookup adds to a call. */
struct cap_slot *cspace_page(struct cspace *cspace, uint32_t p)
{
    if (!(cspace->zeroed & 1u << p)) {
        frame_zero_page(cspace->pages[p]);
        cspace->zeroed |= (uint16_t)(1u << p);
    }
    return cspace->pages[p];
}

struct cap_slot *cspace_slot(struct cspace *cspace, uint32_t index, int *error)
{
    if (index >= cspace->slot_count) {
        *error = -BURSAR_E_INVALID_CAPABILITY;
        return NULL;
    }
    return &cspace_page(cspace, index / CAP_SLOTS_PER_PAGE)[index % CAP_SLOTS_PER_PAGE];
}

struct cap_slot *cspace_lookup(struct cspace *cspace, uint32_t index, enum bursar_object_type type,
                               uint32_t rights, int *error)
{
    struct cap_slot *slot = cspace_slot(cspace, index, error);

    if (!slot)
        return NULL;
    if (!slot->object) {
        *error = slot->holder.state == MAPDB_HOLDER_REVOKED ? -BURSAR_E_REVOKED : -BURSAR_E_EMPTY_SLOT;
        return NULL;
    }
    if (type != BURSAR_OBJECT_NONE && slot->type != type) {
        *error = -BURSAR_E_WRONG_TYPE;
        return NULL;
    }
    if ((slot->holder.rights & rights) != rights) {
        *error = -BURSAR_E_NO_RIGHTS;
        return NULL;
    }
    if (slot->object->dying) {
        *error = -BURSAR_E_DESTROYED;
        return NULL;
    }
    return slot;
}

struct cap_slot *cspace_empty_slot(struct cspace *cspace, uint32_t index, int *error)
{
    struct cap_slot *slot = cspace_slot(cspace, index, error);

    if (slot && slot->object) {
        *error = -BURSAR_E_SLOT_IN_USE;
        return NULL;
    }
    return slot;
}

static void slot_fill(struct cap_slot *slot, struct object *object, uint32_t badge)
{
    slot->object = object;
    slot->type = object->type;
    slot->badge = badge;
}

void cap_install_root(struct cap_slot *slot, struct object *object)
{
    slot->holder = (struct mapdb_holder){ 0 };
    int status = mapdb_hold_root(&authority, &object->capabilities, &slot->holder, BURSAR_RIGHTS_ALL);
    KERNEL_ASSERT(status == MAPDB_OK);
    slot_fill(slot, object, 0);
}

/*
 * Rights only shrink. A badge goes only on an unbadged capability, as
 * seL4's mint: a badged one passes on with its own badge (badge word 0)
 * and never with another, or a client could re-badge its capability to a
 * server's endpoint and pose as another client.
 */
int cap_check_derivation(const struct cap_slot *source, uint32_t rights, uint32_t badge)
{
    if ((rights & source->holder.rights) != rights)
        return -BURSAR_E_NO_RIGHTS;
    if (badge && source->badge)
        return -BURSAR_E_NO_RIGHTS;
    return BURSAR_OK;
}

static int from_mapdb(int status)
{
    switch (status) {
    case MAPDB_OK: return BURSAR_OK;
    case MAPDB_E_RIGHTS: return -BURSAR_E_NO_RIGHTS;
    case MAPDB_E_NO_MEMORY: return -BURSAR_E_OUT_OF_MEMORY;
    case MAPDB_E_BUSY: return -BURSAR_E_SLOT_IN_USE;
    case MAPDB_E_REVOKED: return -BURSAR_E_REVOKED;
    case MAPDB_E_EMPTY: return -BURSAR_E_EMPTY_SLOT;
    default: return -BURSAR_E_INVALID_ARGUMENT;
    }
}

/* A revoked-but-not-reused slot still says REVOKED; a new capability may go there. */
static void slot_make_reusable(struct cap_slot *slot)
{
    if (!slot->object)
        slot->holder = (struct mapdb_holder){ 0 };
}

int cap_copy(struct cap_slot *source, struct cap_slot *destination, uint32_t rights, uint32_t badge)
{
    slot_make_reusable(destination);
    int status = from_mapdb(mapdb_copy(&authority, &source->holder, &destination->holder, rights));
    if (status == BURSAR_OK)
        slot_fill(destination, source->object, badge ? badge : source->badge);
    return status;
}

int cap_revocable_copy(struct cap_slot *source, struct cap_slot *destination, uint32_t rights,
                       uint32_t badge, struct heap *payer)
{
    slot_make_reusable(destination);
    int status = from_mapdb(mapdb_revocable_copy(&authority, &source->holder, &destination->holder,
                                                 rights, payer));
    if (status == BURSAR_OK)
        slot_fill(destination, source->object, badge ? badge : source->badge);
    return status;
}

int cap_grant(struct cap_slot *source, struct cap_slot *destination, uint32_t rights, uint32_t badge)
{
    struct object *object = source->object;
    uint32_t old_badge = source->badge;

    slot_make_reusable(destination);
    int status = from_mapdb(mapdb_grant(&authority, &source->holder, &destination->holder, rights));
    if (status != BURSAR_OK)
        return status;
    slot_fill(destination, object, badge ? badge : old_badge);
    source->object = NULL;
    source->type = BURSAR_OBJECT_NONE;
    source->badge = 0;
    return BURSAR_OK;
}

void cap_move(struct cap_slot *from, struct cap_slot *to)
{
    *to = *from;
    mapdb_holder_moved(&authority, &from->holder, &to->holder);
    *from = (struct cap_slot){ 0 };
}

/*
 * The holder leaves the record's ring in the first chunk, so the slot is
 * emptied before the first preemption point: what is left (revoking an
 * orphaned subtree) touches only the tree, and the slot may be reused, or
 * its table freed, meanwhile.
 */
int cap_delete(struct cap_slot *slot)
{
    struct mapdb_cursor cursor;

    mapdb_cursor_init(&cursor);
    int status = mapdb_delete(&authority, &slot->holder, &cursor, preempt_budget());
    if (status < 0)
        return from_mapdb(status);
    *slot = (struct cap_slot){ 0 };
    status = preempt_finish(&cursor, status);
    KERNEL_ASSERT(status == MAPDB_OK);
    return BURSAR_OK;
}

/* Others may revoke, delete or destroy under it between chunks; mapdb keeps the cursor right. */
int cap_revoke(struct cap_slot *slot)
{
    struct mapdb_cursor cursor;

    mapdb_cursor_init(&cursor);
    int status = mapdb_revoke(&authority, &slot->holder, &cursor, preempt_budget());
    if (status < 0)
        return from_mapdb(status);
    return from_mapdb(preempt_finish(&cursor, status));
}

/*
 * The object is dying, so no new capability to it can appear. Once its
 * tree is empty, a revoke that other threads started at its root has
 * nothing left to do; it is stopped here, because the root goes with the
 * object.
 */
void cap_revoke_all(struct object *object)
{
    struct mapdb_cursor cursor;

    KERNEL_ASSERT(object->dying);
    mapdb_cursor_init(&cursor);
    int status = preempt_finish(&cursor, mapdb_destroy_resource(&authority, &object->capabilities, &cursor,
                                                                preempt_budget()));
    if (status != MAPDB_OK) {
        /* The panic's own listing shows tasks and threads; the tree shows who still holds what. */
        debug_print_tree(&object->capabilities, "an object whose destroy failed");
        panic("cap_revoke_all: mapdb status %d for object type %u", status, object->type);
    }
    preempt_forget_root(&object->capabilities);
}
