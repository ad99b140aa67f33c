/*
 * delete.c — operations that end a holder's or a resource's life: delete a
 * capability holder, delete a mapping, destroy a resource, and destroy a
 * record because its payer's heap is reclaiming the memory under it.
 */
#include "mapdb/internal.h"

/* What happens to a record whose last holder just went. */
static uint32_t orphan_mode(const struct mapdb_record *record)
{
    /* A root belongs to its resource: empty it, never free it. */
    return record_has(record, MAPDB_F_ROOT) ? 0 : REVOKE_FREE_TOP;
}

int mapdb_delete(struct mapdb *db, struct mapdb_holder *holder,
                 struct mapdb_cursor *cursor, uint32_t budget)
{
    int status = mapdb_holder_revoke_status(db, holder, cursor, budget);

    mapdb_changing(db);
    if (status != MAPDB_OK)
        return status;
    struct mapdb_record *record = holder->record;
    mapdb_ring_remove(holder, MAPDB_HOLDER_EMPTY);
    if (record->holders != NULL)
        return MAPDB_OK;
    return mapdb_revoke_start(db, cursor, record, orphan_mode(record), budget);
}

/* The kernel is removing the page-table entry itself: no unmap callback. */
int mapdb_delete_mapping(struct mapdb *db, struct mapdb_record *record,
                         struct mapdb_cursor *cursor, uint32_t budget)
{
    int status = mapdb_mapping_revoke_status(db, record, cursor, budget);

    mapdb_changing(db);
    if (status != MAPDB_OK)
        return status;
    record->flags &= (uint16_t)~MAPDB_F_MAPPED;
    return mapdb_revoke_start(db, cursor, record, orphan_mode(record), budget);
}

int mapdb_delete_leaf_mapping(struct mapdb *db, struct mapdb_record *record)
{
    int status = db == NULL ? MAPDB_E_BAD_ARG : mapdb_mapping_source_status(record);

    mapdb_changing(db);
    if (status != MAPDB_OK)
        return status;
    if (record->first_child != NULL)
        return MAPDB_E_NOT_LEAF;
    record->flags &= (uint16_t)~MAPDB_F_MAPPED;
    if (!record_has(record, MAPDB_F_ROOT))
        mapdb_free_leaf(db, record);
    return MAPDB_OK;
}

int mapdb_destroy_resource(struct mapdb *db, struct mapdb_record *root,
                           struct mapdb_cursor *cursor, uint32_t budget)
{
    int status = mapdb_cursor_status(db, cursor, budget);

    mapdb_changing(db);
    if (status != MAPDB_OK)
        return status;
    if (root == NULL)
        return MAPDB_E_BAD_ARG;
    if (!record_has(root, MAPDB_F_ROOT))
        return MAPDB_E_NOT_ROOT;
    return mapdb_revoke_start(db, cursor, root, REVOKE_CLEAR_TOP, budget);
}

/*
 * Ahead of a reclaim's destroy: the record's holders (or its mapping) go
 * and so does its whole subtree, memory COPYs included, in chunks; the
 * record stays, an empty leaf, for mapdb_record_destroy to free in O(1).
 * Once empty it stays empty: nothing can derive from a record nobody holds.
 */
int mapdb_record_empty(struct mapdb *db, struct mapdb_record *record,
                       struct mapdb_cursor *cursor, uint32_t budget)
{
    int status = mapdb_cursor_status(db, cursor, budget);

    mapdb_changing(db);
    if (status != MAPDB_OK)
        return status;
    if (record == NULL)
        return MAPDB_E_BAD_ARG;
    if (record_has(record, MAPDB_F_ROOT))
        return MAPDB_E_IS_ROOT;
    return mapdb_revoke_start(db, cursor, record, REVOKE_CLEAR_TOP, budget);
}

bool mapdb_record_is_empty(const struct mapdb_record *record)
{
    if (record->first_child != NULL)
        return false;
    if (record_has(record, MAPDB_F_MEMORY))
        return !record_has(record, MAPDB_F_MAPPED);
    return record->holders == NULL;
}

/*
 * kheap's destroy callback must have freed the object when it returns, so
 * this runs to the end in one go (iteratively: no stack growth). On an
 * empty record (mapdb_record_empty) that is one step.
 */
int mapdb_record_destroy(struct mapdb *db, struct mapdb_record *record)
{
    struct mapdb_cursor cursor;
    int status;

    mapdb_changing(db);
    if (db == NULL || record == NULL)
        return MAPDB_E_BAD_ARG;
    if (record_has(record, MAPDB_F_ROOT))
        return MAPDB_E_IS_ROOT;
    mapdb_cursor_init(&cursor);
    status = mapdb_revoke_start(db, &cursor, record, REVOKE_CLEAR_TOP | REVOKE_FREE_TOP,
                          UINT32_MAX);
    while (status == MAPDB_MORE)
        status = mapdb_continue(db, &cursor, UINT32_MAX);
    return status;
}
