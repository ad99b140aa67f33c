/*
 * tree.c — linking records into their parent's child ring (taking one out,
 * mapdb_tree_remove, is inline in internal.h).
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
#include "mapdb/internal.h"

static void ring_link_after(struct mapdb_record *at, struct mapdb_record *r)
{
    r->prev = at;
    r->next = at->next;
    at->next->prev = r;
    at->next = r;
}

void mapdb_tree_add_child(struct mapdb_record *parent, struct mapdb_record *child)
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
        ring_link_after(first->prev, child);   /* tail */
    else
        ring_link_after(first, child);         /* right behind the first */
}
