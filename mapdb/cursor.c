/*
 * cursor.c — revoke cursors, and keeping them right while the tree changes
 * under them between chunks.
 *
 * A cursor points at two records: top (whose subtree is going) and at (the
 * deepest record reached). Each record counts the cursors pointing at it,
 * so freeing or moving a record only looks at the cursor list when some
 * cursor really points there; every other free and move stays O(1).
 *
 * Where `at` can be: top itself, a first child (revoke walks down through
 * first children, and a first child stays first until removed), or a
 * direct child of top (the one case where revoke steps past a first child,
 * to skip a memory COPY). So its parent is always known.
 */
#include "mapdb/internal.h"

#define CURSOR_COUNT_STICKY 0xffffu  /* too many to count: always look */

void mapdb_cursor_init(struct mapdb_cursor *cursor)
{
    *cursor = (struct mapdb_cursor){0};
}

void mapdb_cursor_point(struct mapdb_record **field, struct mapdb_record *record)
{
    struct mapdb_record *old = *field;

    if (old != NULL && old->cursors != CURSOR_COUNT_STICKY)
        old->cursors--;
    if (record != NULL && record->cursors != CURSOR_COUNT_STICKY)
        record->cursors++;
    *field = record;
}

void mapdb_cursor_register(struct mapdb *db, struct mapdb_cursor *cursor)
{
    cursor->prev = NULL;
    cursor->next = db->cursors;
    if (db->cursors != NULL)
        db->cursors->prev = cursor;
    db->cursors = cursor;
    cursor->active = true;
}

void mapdb_cursor_unregister(struct mapdb *db, struct mapdb_cursor *cursor)
{
    if (cursor->prev != NULL)
        cursor->prev->next = cursor->next;
    else
        db->cursors = cursor->next;
    if (cursor->next != NULL)
        cursor->next->prev = cursor->prev;
    cursor->next = cursor->prev = NULL;
    mapdb_cursor_point(&cursor->at, NULL);
    mapdb_cursor_point(&cursor->top, NULL);
    cursor->active = false;
}

/*
 * record is about to be freed by someone. A cursor whose top it is has
 * nothing left to do: freeing a record needs its subtree gone first. A
 * cursor standing on it climbs to its parent, which is still there.
 */
void mapdb_cursors_forget(struct mapdb *db, struct mapdb_record *record)
{
    struct mapdb_cursor *c = db->cursors;

    while (c != NULL) {
        struct mapdb_cursor *next = c->next;

        if (c->top == record) {
            c->top_lost = true;
            mapdb_cursor_unregister(db, c);
        } else if (c->at == record) {
            mapdb_cursor_point(&c->at, mapdb_cursor_parent_of(c, record));
        }
        c = next;
    }
}

void mapdb_cursors_moved(struct mapdb *db, struct mapdb_record *old_record,
                   struct mapdb_record *new_record)
{
    for (struct mapdb_cursor *c = db->cursors; c != NULL; c = c->next) {
        if (c->top == old_record)
            c->top = new_record;
        if (c->at == old_record)
            c->at = new_record;
    }
}

void mapdb_cursor_abandon(struct mapdb *db, struct mapdb_cursor *cursor)
{
    if (cursor->active)
        mapdb_cursor_unregister(db, cursor);
}

static bool is_child_of(const struct mapdb_record *child, const struct mapdb_record *parent)
{
    const struct mapdb_record *c = parent->first_child;

    if (c == NULL)
        return false;
    do {
        if (c == child)
            return true;
        c = c->next;
    } while (c != parent->first_child);
    return false;
}

/* Test support: O(depth) per cursor. */
int mapdb_check_cursors(const struct mapdb *db)
{
    for (const struct mapdb_cursor *c = db->cursors; c != NULL; c = c->next) {
        if (!c->active || c->top == NULL || c->at == NULL)
            return MAPDB_E_CORRUPT;
        if (c->top->cursors == 0 || c->at->cursors == 0)
            return MAPDB_E_CORRUPT;
        if (c->next != NULL && c->next->prev != c)
            return MAPDB_E_CORRUPT;
        const struct mapdb_record *r = c->at;
        while (r != c->top) {
            if (record_has(r, MAPDB_F_FIRST)) {
                r = r->parent;
            } else {
                if (!is_child_of(r, c->top))
                    return MAPDB_E_CORRUPT;
                r = c->top;
            }
            if (r == NULL)
                return MAPDB_E_CORRUPT;
        }
    }
    return MAPDB_OK;
}
