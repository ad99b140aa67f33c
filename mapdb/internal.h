/*
 * internal.h — helpers shared by the mapdb source files. Not for users of
 * mapdb: everything here assumes its arguments were already validated.
 */
#ifndef MAPDB_INTERNAL_H
#define MAPDB_INTERNAL_H

#include "mapdb/mapdb.h"

/* Cursor modes: what a revoke does besides destroying descendants. */
#define REVOKE_SKIP_COPIES 0x1u  /* leave direct memory-COPY children of top */
#define REVOKE_CLEAR_TOP   0x2u  /* clear top's own holders / mapping first */
#define REVOKE_FREE_TOP    0x4u  /* free top itself at the end */

static inline bool record_has(const struct mapdb_record *r, uint16_t flag)
{
    return (r->flags & flag) != 0;
}

static inline bool rights_within(uint32_t rights, uint32_t allowed)
{
    return (rights & ~allowed) == 0;
}

/* Every operation that may change the database says so first (struct mapdb's generation). */
static inline void mapdb_changing(struct mapdb *db)
{
    if (db != NULL)
        db->generation++;
}

#include "mapdb/links.h"

/* holder.c: the ring of capability holders of one record. */
void mapdb_ring_move(struct mapdb_holder *old_holder, struct mapdb_holder *new_holder);
int  mapdb_holder_source_status(const struct mapdb_holder *holder);
int  mapdb_holder_destination_status(const struct mapdb_holder *source,
                                     const struct mapdb_holder *destination);

/* record.c: records that come from and go back to a payer's heap. */
struct mapdb_record *mapdb_record_alloc(struct mapdb *db, void *payer, uint32_t rights,
                                  uint16_t flags);

/* cursor.c: keeping active revoke cursors right while the tree changes. */
void mapdb_cursor_point(struct mapdb_record **field, struct mapdb_record *record);
void mapdb_cursor_register(struct mapdb *db, struct mapdb_cursor *cursor);
void mapdb_cursor_unregister(struct mapdb *db, struct mapdb_cursor *cursor);
void mapdb_cursors_forget(struct mapdb *db, struct mapdb_record *record);
void mapdb_cursors_moved(struct mapdb *db, struct mapdb_record *old_record,
                   struct mapdb_record *new_record);

/*
 * Take a leaf with no holders left out of the tree and give it back to its
 * payer. Cursors are told first, while the record still knows its parent.
 */
static inline void mapdb_free_leaf(struct mapdb *db, struct mapdb_record *record)
{
    if (record->cursors != 0)
        mapdb_cursors_forget(db, record);
    mapdb_tree_unlink(record);
    db->stats.freed++;
    db->ops->free_record(db->context, record->payer, record);
}

/* The parent of a record a cursor stands on (cursor.c says where that can be). */
static inline struct mapdb_record *mapdb_cursor_parent_of(const struct mapdb_cursor *cursor,
                                                          const struct mapdb_record *record)
{
    return record_has(record, MAPDB_F_FIRST) ? record->parent : cursor->top;
}

/* memory.c: can this record be the source of a mapping operation? */
int mapdb_mapping_source_status(const struct mapdb_record *record);

/* revoke.c: start a chunked revoke of top's subtree. */
int mapdb_cursor_status(const struct mapdb *db, const struct mapdb_cursor *cursor,
                  uint32_t budget);
int mapdb_holder_revoke_status(const struct mapdb *db, const struct mapdb_holder *holder,
                               const struct mapdb_cursor *cursor, uint32_t budget);
int mapdb_mapping_revoke_status(const struct mapdb *db, const struct mapdb_record *record,
                                const struct mapdb_cursor *cursor, uint32_t budget);
int mapdb_revoke_start(struct mapdb *db, struct mapdb_cursor *cursor,
                 struct mapdb_record *top, uint32_t mode, uint32_t budget);

#endif /* MAPDB_INTERNAL_H */
