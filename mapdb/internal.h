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

/*
 * Unlinking is inline: a revoke does it for every record and holder it
 * destroys (revoke.c), and a call would cost as much as the unlinking.
 */

/* Leaves a holder that holds nothing; state says why (EMPTY or REVOKED). */
static inline void mapdb_holder_reset(struct mapdb_holder *holder, uint32_t state)
{
    holder->record = NULL;
    holder->next = holder->prev = NULL;
    holder->rights = 0;
    holder->state = state;
}

/* Unlinks the holder from its record's ring and leaves it empty in state. */
static inline void mapdb_ring_remove(struct mapdb_holder *holder, uint32_t state)
{
    struct mapdb_record *record = holder->record;

    if (holder->next == holder) {
        record->holders = NULL;
    } else {
        holder->prev->next = holder->next;
        holder->next->prev = holder->prev;
        if (record->holders == holder)
            record->holders = holder->next;
    }
    mapdb_holder_reset(holder, state);
}

/* Takes a record out of its parent's child ring (tree.c keeps the order). */
static inline void mapdb_tree_remove(struct mapdb_record *record)
{
    struct mapdb_record *parent = record->parent;

    if (record->next == record) {
        parent->first_child = NULL;
    } else {
        struct mapdb_record *next = record->next;

        record->prev->next = next;
        next->prev = record->prev;
        if (record_has(record, MAPDB_F_FIRST)) {
            /* The next one is ordinary if any ordinary child is left. */
            parent->first_child = next;
            next->parent = parent;
            next->flags |= MAPDB_F_FIRST;
        }
    }
    record->parent = NULL;
    record->next = record->prev = NULL;
    record->flags &= (uint16_t)~MAPDB_F_FIRST;
}

/* tree.c: the parent/child/sibling links. */
void mapdb_tree_add_child(struct mapdb_record *parent, struct mapdb_record *child);

/* holder.c: the ring of capability holders of one record. */
void mapdb_ring_add(struct mapdb_record *record, struct mapdb_holder *holder);
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
