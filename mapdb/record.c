/*
 * record.c — the life of a record: set-up, allocation from a payer's heap,
 * clearing its holders, freeing it back to its payer, and being moved by a
 * heap reclaim.
 */
#include "mapdb/internal.h"

void mapdb_init(struct mapdb *db, const struct mapdb_ops *ops, void *context)
{
    db->ops = ops;
    db->context = context;
    db->cursors = NULL;
    db->stats = (struct mapdb_stats){0};
    db->charged = 0;
    db->generation = 0;
}

static void record_clear_fields(struct mapdb_record *r, uint32_t rights, uint16_t flags)
{
    r->parent = NULL;
    r->first_child = NULL;
    r->next = r->prev = NULL;
    r->holders = NULL;
    r->mapping = 0;
    r->payer = NULL;
    r->rights = rights;
    r->flags = flags;
    r->cursors = 0;
}

void mapdb_root_init(struct mapdb_record *root, enum mapdb_kind kind, uint32_t rights)
{
    uint16_t flags = MAPDB_F_ROOT;

    if (kind == MAPDB_KIND_MEMORY)
        flags |= MAPDB_F_MEMORY;
    record_clear_fields(root, rights, flags);
}

/* NULL when the payer's heap is empty; nothing has changed then. */
struct mapdb_record *mapdb_record_alloc(struct mapdb *db, void *payer, uint32_t rights,
                                  uint16_t flags)
{
    struct mapdb_record *r = db->ops->alloc_record(db->context, payer);

    if (r == NULL)
        return NULL;
    record_clear_fields(r, rights, flags);
    r->payer = payer;
    db->stats.allocated++;
    return r;
}

/*
 * The bytes are already at new_record. Each neighbour that points here is
 * found through the new copy's own links, so the cost is O(1) plus one
 * step per capability holder (each holds a pointer to the record).
 */
void mapdb_record_moved(struct mapdb *db, struct mapdb_record *old_record,
                        struct mapdb_record *new_record)
{
    struct mapdb_record *r = new_record;

    mapdb_changing(db);
    if (record_has(r, MAPDB_F_ROOT))
        return;     /* roots live inside their resource and never move */
    if (r->next == old_record) {
        r->next = r->prev = r;
    } else {
        r->next->prev = r;
        r->prev->next = r;
    }
    if (record_has(r, MAPDB_F_FIRST))
        r->parent->first_child = r;
    if (r->first_child != NULL)
        r->first_child->parent = r;
    if (!record_has(r, MAPDB_F_MEMORY) && r->holders != NULL) {
        struct mapdb_holder *h = r->holders;
        do {
            h->record = r;
            h = h->next;
        } while (h != r->holders);
    }
    if (r->cursors != 0)
        mapdb_cursors_moved(db, old_record, new_record);
    db->stats.moved++;
}
