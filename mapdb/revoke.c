/*
 * revoke.c — the revoke engine: destroy the subtree under a record in
 * bounded chunks, without recursion.
 *
 * The cursor walks down through first children to a leaf, clearing each
 * record's holders on the way down (so nothing below can derive any more),
 * frees the leaf, climbs to its parent and goes down again. Every record
 * is entered once and freed once, so a tree of n records with h holders
 * costs O(n + h) units however it is shaped. All state between chunks is
 * in the cursor and the tree itself, and cursor.c keeps the cursor right
 * when other operations free or move records in between.
 */
#include "mapdb/internal.h"

/*
 * Clear one holder (or the mapping) of a record that is being destroyed.
 * Returns false when there was nothing left to clear.
 */
static bool clear_one_holder(struct mapdb *db, struct mapdb_record *record)
{
    if (record_has(record, MAPDB_F_MEMORY)) {
        if (!record_has(record, MAPDB_F_MAPPED))
            return false;
        record->flags &= (uint16_t)~MAPDB_F_MAPPED;
        db->stats.unmapped++;
        db->ops->unmap(db->context, record->mapping, record);
        return true;
    }
    struct mapdb_holder *holder = record->holders;
    if (holder == NULL)
        return false;
    mapdb_ring_remove(holder, MAPDB_HOLDER_REVOKED);
    db->stats.holders_cleared++;
    if (db->ops->cap_cleared != NULL)
        db->ops->cap_cleared(db->context, holder);
    return true;
}

/* Which child of n to go down into next, or NULL when n is done. */
static struct mapdb_record *next_victim(const struct mapdb_cursor *cursor,
                                        const struct mapdb_record *n)
{
    struct mapdb_record *first = n->first_child;

    if (first == NULL || n != cursor->top || !(cursor->mode & REVOKE_SKIP_COPIES))
        return first;
    /* links.h keeps ordinary children right after the first one. */
    if (!record_has(first, MAPDB_F_COPY))
        return first;
    if (first->next != first && !record_has(first->next, MAPDB_F_COPY))
        return first->next;
    return NULL;
}

static void revoke_finish(struct mapdb *db, struct mapdb_cursor *cursor)
{
    struct mapdb_record *top = cursor->top;
    bool free_top = (cursor->mode & REVOKE_FREE_TOP) != 0;

    /* Unregister first, or freeing top would look like someone else did. */
    mapdb_cursor_unregister(db, cursor);
    if (free_top) {
        mapdb_free_leaf(db, top);
        cursor->destroyed++;
    }
}

/*
 * Runs the revoke until it ends or has done `budget` units (one per record
 * entered, holder or mapping cleared, record freed, plus what callbacks
 * charged). Nothing else touches the tree while this runs (callbacks may
 * not call into mapdb), so the record it stands on is a local here and is
 * counted in cursor->at only between calls, where others may free or move
 * it: two counter updates a call instead of two a step.
 */
int mapdb_continue(struct mapdb *db, struct mapdb_cursor *cursor, uint32_t budget)
{
    mapdb_changing(db);
    if (db == NULL || cursor == NULL || budget == 0)
        return MAPDB_E_BAD_ARG;
    cursor->units = 0;
    /* Finished, or its top was destroyed by someone else: nothing to do. */
    if (!cursor->active)
        return MAPDB_OK;
    struct mapdb_record *top = cursor->top, *at = cursor->at;
    bool clear_top = (cursor->mode & REVOKE_CLEAR_TOP) != 0;
    uint32_t units = 0;

    mapdb_cursor_point(&cursor->at, NULL);
    db->charged = 0;
    while (units + db->charged < budget) {
        units++;
        if ((at != top || clear_top) && clear_one_holder(db, at))
            continue;
        struct mapdb_record *child = next_victim(cursor, at);
        if (child != NULL) {
            at = child;
            continue;
        }
        if (at == top) {
            revoke_finish(db, cursor);
            cursor->units = units + db->charged;
            return MAPDB_OK;
        }
        struct mapdb_record *parent = mapdb_cursor_parent_of(cursor, at);
        mapdb_free_leaf(db, at);
        cursor->destroyed++;
        at = parent;
    }
    mapdb_cursor_point(&cursor->at, at);
    cursor->units = units + db->charged;
    return MAPDB_MORE;
}

void mapdb_charge(struct mapdb *db, uint32_t units)
{
    db->charged += units;
}

int mapdb_revoke_start(struct mapdb *db, struct mapdb_cursor *cursor,
                 struct mapdb_record *top, uint32_t mode, uint32_t budget)
{
    cursor->top = cursor->at = NULL;
    cursor->mode = mode;
    cursor->top_lost = false;
    cursor->destroyed = 0;
    if (top->first_child == NULL && !(mode & REVOKE_CLEAR_TOP)) {
        /* Nothing below (an unmap of a leaf mapping, say): the last step at once, no cursor to keep. */
        mapdb_changing(db);
        cursor->units = 1;
        if (mode & REVOKE_FREE_TOP) {
            mapdb_free_leaf(db, top);
            cursor->destroyed = 1;
        }
        return MAPDB_OK;
    }
    mapdb_cursor_point(&cursor->top, top);
    mapdb_cursor_point(&cursor->at, top);
    mapdb_cursor_register(db, cursor);
    return mapdb_continue(db, cursor, budget);
}

/* Checks shared by every operation that may start a revoke. */
int mapdb_cursor_status(const struct mapdb *db, const struct mapdb_cursor *cursor,
                  uint32_t budget)
{
    if (db == NULL || cursor == NULL || budget == 0)
        return MAPDB_E_BAD_ARG;
    if (cursor->active)
        return MAPDB_E_CURSOR_BUSY;
    return MAPDB_OK;
}

/* The cursor's checks, then the holder's: for revoke and delete of a capability. */
int mapdb_holder_revoke_status(const struct mapdb *db, const struct mapdb_holder *holder,
                               const struct mapdb_cursor *cursor, uint32_t budget)
{
    int status = mapdb_cursor_status(db, cursor, budget);

    return status == MAPDB_OK ? mapdb_holder_source_status(holder) : status;
}

/* The cursor's checks, then the mapping's: for unmap and delete of a mapping. */
int mapdb_mapping_revoke_status(const struct mapdb *db, const struct mapdb_record *record,
                                const struct mapdb_cursor *cursor, uint32_t budget)
{
    int status = mapdb_cursor_status(db, cursor, budget);

    return status == MAPDB_OK ? mapdb_mapping_source_status(record) : status;
}

int mapdb_revoke(struct mapdb *db, struct mapdb_holder *holder,
                 struct mapdb_cursor *cursor, uint32_t budget)
{
    int status = mapdb_holder_revoke_status(db, holder, cursor, budget);

    mapdb_changing(db);
    if (status != MAPDB_OK)
        return status;
    return mapdb_revoke_start(db, cursor, holder->record, REVOKE_SKIP_COPIES, budget);
}

int mapdb_unmap(struct mapdb *db, struct mapdb_record *record,
                struct mapdb_cursor *cursor, uint32_t budget)
{
    int status = mapdb_mapping_revoke_status(db, record, cursor, budget);

    mapdb_changing(db);
    if (status != MAPDB_OK)
        return status;
    return mapdb_revoke_start(db, cursor, record, REVOKE_SKIP_COPIES, budget);
}
