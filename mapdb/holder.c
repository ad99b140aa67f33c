/*
 * holder.c — capability holders and the ring that joins the holders of one
 * record. The ring is what lets COPY share a record without allocating, and
 * lets a revoke find and clear every holder of a record it destroys
 * (linking one in and out is inline, in links.h).
 */
#include "mapdb/internal.h"

void mapdb_holder_init(struct mapdb_holder *holder)
{
    mapdb_holder_reset(holder, MAPDB_HOLDER_EMPTY);
}

bool mapdb_holder_is_held(const struct mapdb_holder *holder)
{
    return holder != NULL && holder->state == MAPDB_HOLDER_HELD;
}

/*
 * new_holder takes old_holder's place in its record's ring: it holds the
 * record, and its neighbours and the record's pointer to its first holder
 * name it. old_holder's own fields are left as they were. The one splice
 * for both GRANT (mapdb_grant) and a moved slot (mapdb_holder_moved).
 *
 * Links are read from the old copy, not the new one: when a whole table of
 * holders moves, neighbours fixed earlier in the same move have already
 * updated the old copies, so reading them gives the current neighbours.
 */
void mapdb_ring_move(struct mapdb_holder *old_holder, struct mapdb_holder *new_holder)
{
    struct mapdb_record *record = old_holder->record;

    new_holder->record = record;
    new_holder->state = MAPDB_HOLDER_HELD;
    if (old_holder->next == old_holder) {
        new_holder->next = new_holder->prev = new_holder;
    } else {
        new_holder->next = old_holder->next;
        new_holder->prev = old_holder->prev;
        new_holder->next->prev = new_holder;
        new_holder->prev->next = new_holder;
    }
    if (record->holders == old_holder)
        record->holders = new_holder;
}

/* Can this holder be the source of an operation (or be revoked)? */
int mapdb_holder_source_status(const struct mapdb_holder *holder)
{
    if (holder == NULL)
        return MAPDB_E_BAD_ARG;
    switch (holder->state) {
    case MAPDB_HOLDER_EMPTY:
        return MAPDB_E_EMPTY;
    case MAPDB_HOLDER_REVOKED:
        return MAPDB_E_REVOKED;
    case MAPDB_HOLDER_HELD:
        break;
    default:
        return MAPDB_E_BAD_HOLDER;
    }
    /* A cheap sanity check that catches stale or scribbled holders. */
    if (holder->record == NULL || holder->next == NULL ||
        holder->next->prev != holder || holder->prev->next != holder)
        return MAPDB_E_BAD_HOLDER;
    if (record_has(holder->record, MAPDB_F_MEMORY))
        return MAPDB_E_WRONG_KIND;
    if (!rights_within(holder->rights, holder->record->rights))
        return MAPDB_E_BAD_HOLDER;
    return MAPDB_OK;
}

int mapdb_holder_destination_status(const struct mapdb_holder *source,
                                    const struct mapdb_holder *destination)
{
    if (destination == NULL)
        return MAPDB_E_BAD_ARG;
    if (destination == source)
        return MAPDB_E_SAME_HOLDER;
    if (destination->state == MAPDB_HOLDER_HELD)
        return MAPDB_E_BUSY;
    if (destination->state != MAPDB_HOLDER_EMPTY && destination->state != MAPDB_HOLDER_REVOKED)
        return MAPDB_E_BAD_HOLDER;
    return MAPDB_OK;
}

/* The bytes were copied already; only the ring needs to learn the new place. */
void mapdb_holder_moved(struct mapdb *db, struct mapdb_holder *old_holder,
                        struct mapdb_holder *new_holder)
{
    mapdb_changing(db);
    if (old_holder->state == MAPDB_HOLDER_HELD)
        mapdb_ring_move(old_holder, new_holder);
}
