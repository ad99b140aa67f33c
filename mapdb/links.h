/*
 * links.h — linking records into and out of their parent's child ring, and
 * holders into and out of their record's ring. Inline: every map, copy and
 * revoke step does it, and a call would cost as much as the linking.
 * Included by internal.h; assumes its arguments were validated.
 *
 * Children of a record form a ring. Order matters in one way only: after
 * the first child come the ordinary children, and memory-COPY children are
 * kept at the tail. So a revoke that must skip COPY children finds an
 * ordinary one in O(1): the first child, or the one right after it.
 *
 * Only the first child stores the parent pointer. New children never go
 * in front of the first one, so a record stays first until it is removed;
 * a revoke that walked down through first children can always climb back.
 */
#ifndef MAPDB_LINKS_H
#define MAPDB_LINKS_H

/* Puts record into a sibling ring, right after `at`. */
static inline void mapdb_sibling_link_after(struct mapdb_record *at, struct mapdb_record *record)
{
    record->prev = at;
    record->next = at->next;
    at->next->prev = record;
    at->next = record;
}

/* Hangs child under parent: first if it is the only one, else by the order above. */
static inline void mapdb_tree_add_child(struct mapdb_record *parent, struct mapdb_record *child)
{
    struct mapdb_record *first = parent->first_child;

    if (first == NULL) {
        child->next = child->prev = child;
        child->parent = parent;
        child->flags |= MAPDB_F_FIRST;
        parent->first_child = child;
        return;
    }
    child->parent = NULL;
    child->flags &= (uint16_t)~MAPDB_F_FIRST;
    if (record_has(child, MAPDB_F_COPY))
        mapdb_sibling_link_after(first->prev, child);   /* tail */
    else
        mapdb_sibling_link_after(first, child);         /* right behind the first */
}

/*
 * Takes a record out of its parent's child ring (the order above stays),
 * leaving the record's own links as they were: for a record about to be
 * freed, which nobody reads again.
 */
static inline void mapdb_tree_unlink(struct mapdb_record *record)
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
}

/* Leaves a holder that holds nothing; state says why (EMPTY or REVOKED). */
static inline void mapdb_holder_reset(struct mapdb_holder *holder, uint32_t state)
{
    holder->record = NULL;
    holder->next = holder->prev = NULL;
    holder->rights = 0;
    holder->state = state;
}

/* Makes holder a holder of record, in its ring. */
static inline void mapdb_ring_add(struct mapdb_record *record, struct mapdb_holder *holder)
{
    struct mapdb_holder *first = record->holders;

    holder->record = record;
    holder->state = MAPDB_HOLDER_HELD;
    if (first == NULL) {
        holder->next = holder->prev = holder;
        record->holders = holder;
        return;
    }
    holder->prev = first;
    holder->next = first->next;
    first->next->prev = holder;
    first->next = holder;
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

#endif /* MAPDB_LINKS_H */
