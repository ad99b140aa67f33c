/*
 * copy.c — passing capabilities on: COPY shares the source's record,
 * REVOCABLE COPY hangs a new child record paid by the sender, GRANT moves
 * the holder itself. All validation happens before anything changes, and
 * the only allocation comes before the first change, so every error leaves
 * the database as it was.
 */
#include "mapdb/internal.h"

static int transfer_status(struct mapdb_holder *source, struct mapdb_holder *destination,
                           uint32_t rights)
{
    int status = mapdb_holder_source_status(source);

    if (status != MAPDB_OK)
        return status;
    status = mapdb_holder_destination_status(source, destination);
    if (status != MAPDB_OK)
        return status;
    if (!rights_within(rights, source->rights))
        return MAPDB_E_RIGHTS;
    return MAPDB_OK;
}

int mapdb_hold_root(struct mapdb *db, struct mapdb_record *root,
                    struct mapdb_holder *destination, uint32_t rights)
{
    int status;

    mapdb_changing(db);
    if (db == NULL || root == NULL)
        return MAPDB_E_BAD_ARG;
    if (!record_has(root, MAPDB_F_ROOT))
        return MAPDB_E_NOT_ROOT;
    if (record_has(root, MAPDB_F_MEMORY))
        return MAPDB_E_WRONG_KIND;
    status = mapdb_holder_destination_status(NULL, destination);
    if (status != MAPDB_OK)
        return status;
    if (!rights_within(rights, root->rights))
        return MAPDB_E_RIGHTS;
    mapdb_ring_add(root, destination);
    destination->rights = rights;
    return MAPDB_OK;
}

int mapdb_copy(struct mapdb *db, struct mapdb_holder *source,
               struct mapdb_holder *destination, uint32_t rights)
{
    int status = db == NULL ? MAPDB_E_BAD_ARG : transfer_status(source, destination, rights);

    mapdb_changing(db);
    if (status != MAPDB_OK)
        return status;
    mapdb_ring_add(source->record, destination);
    destination->rights = rights;
    return MAPDB_OK;
}

int mapdb_revocable_copy(struct mapdb *db, struct mapdb_holder *source,
                         struct mapdb_holder *destination, uint32_t rights, void *payer)
{
    int status = db == NULL ? MAPDB_E_BAD_ARG : transfer_status(source, destination, rights);

    mapdb_changing(db);
    if (status != MAPDB_OK)
        return status;
    struct mapdb_record *child = mapdb_record_alloc(db, payer, rights, 0);
    if (child == NULL)
        return MAPDB_E_NO_MEMORY;
    mapdb_tree_add_child(source->record, child);
    mapdb_ring_add(child, destination);
    destination->rights = rights;
    return MAPDB_OK;
}

int mapdb_grant(struct mapdb *db, struct mapdb_holder *source,
                struct mapdb_holder *destination, uint32_t rights)
{
    int status = db == NULL ? MAPDB_E_BAD_ARG : transfer_status(source, destination, rights);

    mapdb_changing(db);
    if (status != MAPDB_OK)
        return status;
    mapdb_ring_move(source, destination);
    destination->rights = rights;
    mapdb_holder_reset(source, MAPDB_HOLDER_EMPTY);
    return MAPDB_OK;
}
