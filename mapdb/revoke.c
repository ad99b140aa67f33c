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

/* Which child of n to go down into next, or NULL when n is done. */
static struct mapdb_record *next_victim(const struct mapdb_cursor *cursor,
                                        const struct mapdb_record *n)
{
    struct mapdb_record *first = n->first_child;

    if (first == NULL || n != cursor->top || !(cursor->mode & REVOKE_SKIP_COPIES))
        return first;
    /* tree.c keeps ordinary children right after the first one. */
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
        mapdb_record_free(db, top);
        cursor->destroyed++;
    }
}

/* One unit of work. Returns false when the revoke has finished. */
static bool revoke_step(struct mapdb *db, struct mapdb_cursor *cursor)
{
    struct mapdb_record *n = cursor->at;
    bool clear_holders = n != cursor->top || (cursor->mode & REVOKE_CLEAR_TOP);

    if (clear_holders && mapdb_record_clear_one_holder(db, n))
        return true;
    struct mapdb_record *child = next_victim(cursor, n);
    if (child != NULL) {
        mapdb_cursor_point(&cursor->at, child);
        return true;
    }
    if (n == cursor->top) {
        revoke_finish(db, cursor);
        return false;
    }
    mapdb_cursor_point(&cursor->at, mapdb_cursor_parent_of(cursor, n));
    mapdb_record_free(db, n);
    cursor->destroyed++;
    return true;
}

int mapdb_continue(struct mapdb *db, struct mapdb_cursor *cursor, uint32_t budget)
{
    mapdb_changing(db);
    if (db == NULL || cursor == NULL || budget == 0)
        return MAPDB_E_BAD_ARG;
    cursor->units = 0;
    /* Finished, or its top was destroyed by someone else: nothing to do. */
    if (!cursor->active)
        return MAPDB_OK;
    while (cursor->units < budget) {
        db->charged = 0;
        bool more = revoke_step(db, cursor);
        cursor->units += 1 + db->charged;
        if (!more)
            return MAPDB_OK;
    }
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
