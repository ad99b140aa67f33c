/*
 * memory.c — memory mappings. A page-table entry cannot carry ring links,
 * so each mapping owns a record holding the kernel's reference to the
 * entry. Map (revocable copy) is paid by the sender, who may unmap it;
 * COPY is paid by the receiver and flagged so the sender's own unmap
 * leaves it alone, while the sender's grantors still reach it.
 */
#include "mapdb/internal.h"

/* Can this record be the source of a mapping operation (or be unmapped)? */
int mapdb_mapping_source_status(const struct mapdb_record *record)
{
    if (record == NULL)
        return MAPDB_E_BAD_ARG;
    if (!record_has(record, MAPDB_F_MEMORY))
        return MAPDB_E_WRONG_KIND;
    if (!record_has(record, MAPDB_F_MAPPED))
        return MAPDB_E_EMPTY;
    return MAPDB_OK;
}

int mapdb_map_root(struct mapdb *db, struct mapdb_record *root, uintptr_t mapping)
{
    mapdb_changing(db);
    if (db == NULL || root == NULL)
        return MAPDB_E_BAD_ARG;
    if (!record_has(root, MAPDB_F_ROOT))
        return MAPDB_E_NOT_ROOT;
    if (!record_has(root, MAPDB_F_MEMORY))
        return MAPDB_E_WRONG_KIND;
    if (record_has(root, MAPDB_F_MAPPED))
        return MAPDB_E_BUSY;
    root->mapping = mapping;
    root->flags |= MAPDB_F_MAPPED;
    return MAPDB_OK;
}

static inline int map_child(struct mapdb *db, struct mapdb_record *source, uint32_t rights,
                     void *payer, uintptr_t mapping, uint16_t extra_flags,
                     struct mapdb_record **out)
{
    int status = db == NULL || out == NULL ? MAPDB_E_BAD_ARG : mapdb_mapping_source_status(source);

    if (status != MAPDB_OK)
        return status;
    if (!rights_within(rights, source->rights))
        return MAPDB_E_RIGHTS;
    struct mapdb_record *child = mapdb_record_alloc(db, payer, rights,
                                              MAPDB_F_MEMORY | MAPDB_F_MAPPED | extra_flags);
    if (child == NULL)
        return MAPDB_E_NO_MEMORY;
    child->mapping = mapping;
    mapdb_tree_add_child(source, child);
    *out = child;
    return MAPDB_OK;
}

int mapdb_map(struct mapdb *db, struct mapdb_record *source, uint32_t rights,
              void *sender_heap, uintptr_t mapping, struct mapdb_record **out)
{
    mapdb_changing(db);
    return map_child(db, source, rights, sender_heap, mapping, 0, out);
}

int mapdb_map_copy(struct mapdb *db, struct mapdb_record *source, uint32_t rights,
                   void *receiver_heap, uintptr_t mapping, struct mapdb_record **out)
{
    mapdb_changing(db);
    return map_child(db, source, rights, receiver_heap, mapping, MAPDB_F_COPY, out);
}

/* GRANT moves the mapping: same record, same place in the tree. */
int mapdb_grant_mapping(struct mapdb *db, struct mapdb_record *record, uintptr_t mapping)
{
    int status = db == NULL ? MAPDB_E_BAD_ARG : mapdb_mapping_source_status(record);

    mapdb_changing(db);
    if (status != MAPDB_OK)
        return status;
    record->mapping = mapping;
    return MAPDB_OK;
}
