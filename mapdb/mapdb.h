/*
 * mapdb.h — the mapping database: for every resource, who holds it, who
 * they got it from, and who paid for the bookkeeping.
 *
 * A resource (kernel object or physical frame) embeds a root record. Every
 * revocable derivation hangs a child record under the record it came from,
 * so each resource has a tree of records. Holders point at records:
 *
 *   - a capability holder (struct mapdb_holder, embedded in a capability
 *     slot) carries ring links, so several holders can share one record and
 *     a plain COPY allocates nothing;
 *   - a memory mapping (a page-table entry) has no room for links, so every
 *     mapping has a record of its own that carries an opaque reference the
 *     kernel uses to find the entry ("mapping").
 *
 * Records other than roots are allocated from, and returned to, the heap
 * of the party that paid for them, through struct mapdb_ops. Revoke is
 * iterative and runs in bounded chunks driven by a caller-owned cursor.
 * See docs/mapdb.md for the semantics and a worked example.
 *
 * Plain C11, freestanding: <stdint.h>, <stddef.h>, <stdbool.h> only.
 * mapdb never calls back into itself from a callback, and callbacks must
 * not call into mapdb.
 */
#ifndef MAPDB_MAPDB_H
#define MAPDB_MAPDB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* 0 is success; MAPDB_MORE means "call mapdb_continue"; errors are < 0. */
enum mapdb_status {
    MAPDB_OK = 0,
    MAPDB_MORE = 1,              /* revoke budget used up: not finished yet */
    MAPDB_E_BAD_ARG = -1,        /* NULL pointer, zero budget, bad kind */
    MAPDB_E_EMPTY = -2,          /* holder holds nothing / record not mapped */
    MAPDB_E_REVOKED = -3,        /* holder was cleared by a revoke */
    MAPDB_E_BUSY = -4,           /* destination holder already holds something */
    MAPDB_E_RIGHTS = -5,         /* rights not a subset of the source's */
    MAPDB_E_NO_MEMORY = -6,      /* payer heap has no free record */
    MAPDB_E_WRONG_KIND = -7,     /* capability operation on memory, or the reverse */
    MAPDB_E_SAME_HOLDER = -8,    /* source and destination are the same holder */
    MAPDB_E_CURSOR_BUSY = -9,    /* cursor is still running another revoke */
    MAPDB_E_NOT_ROOT = -10,      /* operation needs a root record */
    MAPDB_E_IS_ROOT = -11,       /* operation not allowed on a root record */
    MAPDB_E_BAD_HOLDER = -12,    /* holder fields inconsistent: not a live holder */
    MAPDB_E_CORRUPT = -13,       /* mapdb_check_tree found a broken invariant */
    MAPDB_E_NOT_LEAF = -14,      /* one-step operation on a record with children */
};

enum mapdb_kind {
    MAPDB_KIND_CAP = 0,          /* records held by capability holders */
    MAPDB_KIND_MEMORY = 1,       /* records each carrying one mapping */
};

/* Record flags. */
#define MAPDB_F_ROOT    0x01u  /* embedded in the resource: never freed or moved */
#define MAPDB_F_MEMORY  0x02u  /* memory record: one mapping, no holder ring */
#define MAPDB_F_COPY    0x04u  /* memory COPY: a revoke of its parent skips it */
#define MAPDB_F_FIRST   0x08u  /* first child of its parent: ->parent is valid */
#define MAPDB_F_MAPPED  0x10u  /* memory record whose mapping is live */

struct mapdb_holder;

/*
 * One node of a derivation tree. Siblings form a ring; the parent knows
 * its first child, and only that first child knows the parent. That keeps
 * a record move O(1) in the number of children; revoke always walks down
 * through first children, so it never needs another child's parent.
 */
struct mapdb_record {
    struct mapdb_record *parent;      /* valid only with MAPDB_F_FIRST */
    struct mapdb_record *first_child; /* NULL when a leaf */
    struct mapdb_record *next, *prev; /* ring of siblings */
    union {
        struct mapdb_holder *holders; /* capability: one holder of the ring, or NULL */
        uintptr_t mapping;            /* memory: kernel's reference to the PTE */
    };
    void *payer;                      /* heap that paid; NULL for a root */
    uint32_t rights;
    uint16_t flags;                   /* MAPDB_F_* */
    uint16_t cursors;                 /* revoke cursors pointing here (sticky at max) */
};

enum mapdb_holder_state {
    MAPDB_HOLDER_EMPTY = 0,      /* never held, deleted, or granted away */
    MAPDB_HOLDER_HELD = 1,
    MAPDB_HOLDER_REVOKED = 2,    /* cleared by a revoke: empty, and says why */
};

/*
 * A capability holder, embedded in a capability slot. All-zero is an empty
 * holder. Holders of the same record form a ring.
 */
struct mapdb_holder {
    struct mapdb_record *record;
    struct mapdb_holder *next, *prev;
    uint32_t rights;             /* subset of record->rights */
    uint32_t state;              /* enum mapdb_holder_state */
};

/* What the kernel (or a host test) does for mapdb. context is passed back. */
struct mapdb_ops {
    /*
     * A record from the payer's heap, or NULL if that heap has no free
     * record right now. Must not fault or block: the caller reserves first.
     */
    struct mapdb_record *(*alloc_record)(void *context, void *payer);
    /* Return a record to the heap that paid for it. */
    void (*free_record)(void *context, void *payer, struct mapdb_record *record);
    /* A revoke emptied this capability holder (already state REVOKED). May be NULL. */
    void (*cap_cleared)(void *context, struct mapdb_holder *holder);
    /* A revoke destroyed this mapping: clear the page-table entry. */
    void (*unmap)(void *context, uintptr_t mapping, struct mapdb_record *record);
};

struct mapdb_cursor;

struct mapdb_stats {
    uint64_t allocated, freed, moved;  /* records, over the db's life */
    uint64_t holders_cleared, unmapped;
};

struct mapdb {
    const struct mapdb_ops *ops;
    void *context;
    struct mapdb_cursor *cursors;      /* active revoke cursors */
    struct mapdb_stats stats;
    uint32_t charged;                  /* extra units the current step's callbacks cost (mapdb_charge) */
    /*
     * Advances whenever an operation that may change the database is
     * called: a reader that stops in the middle of a walk (and lets others
     * run) knows whether what it holds may be stale.
     */
    uint32_t generation;
};

/*
 * A revoke in progress. The caller owns the memory (e.g. in the thread
 * control block) and zeroes it or calls mapdb_cursor_init once. While a
 * revoke is active the cursor is registered with the db, which keeps its
 * pointers right when records are freed or moved by others.
 */
struct mapdb_cursor {
    struct mapdb_cursor *next, *prev;  /* in db->cursors while active */
    struct mapdb_record *top;          /* record whose subtree goes; NULL when done */
    struct mapdb_record *at;           /* deepest record reached */
    uint32_t mode;                     /* private: what to do with top */
    bool active;
    bool top_lost;                     /* top was destroyed by someone else */
    uint32_t destroyed;                /* records freed by this cursor */
    uint32_t units;                    /* units of work the last start or continue did */
};

/* Set-up. */
void mapdb_init(struct mapdb *db, const struct mapdb_ops *ops, void *context);
void mapdb_root_init(struct mapdb_record *root, enum mapdb_kind kind, uint32_t rights);
void mapdb_holder_init(struct mapdb_holder *holder);
void mapdb_cursor_init(struct mapdb_cursor *cursor);

/* Make an empty holder a holder of a capability root (object creation). */
int mapdb_hold_root(struct mapdb *db, struct mapdb_record *root,
                    struct mapdb_holder *destination, uint32_t rights);
/* Give a memory root its mapping (the frame owner's), making it a source. */
int mapdb_map_root(struct mapdb *db, struct mapdb_record *root, uintptr_t mapping);

/* Capabilities. None of these allocates except mapdb_revocable_copy. */
int mapdb_copy(struct mapdb *db, struct mapdb_holder *source,
               struct mapdb_holder *destination, uint32_t rights);
int mapdb_revocable_copy(struct mapdb *db, struct mapdb_holder *source,
                         struct mapdb_holder *destination, uint32_t rights, void *payer);
int mapdb_grant(struct mapdb *db, struct mapdb_holder *source,
                struct mapdb_holder *destination, uint32_t rights);

/* Memory. A mapping is named by its record. */
int mapdb_map(struct mapdb *db, struct mapdb_record *source, uint32_t rights,
              void *sender_heap, uintptr_t mapping, struct mapdb_record **out);
int mapdb_map_copy(struct mapdb *db, struct mapdb_record *source, uint32_t rights,
                   void *receiver_heap, uintptr_t mapping, struct mapdb_record **out);
int mapdb_grant_mapping(struct mapdb *db, struct mapdb_record *record, uintptr_t mapping);

/*
 * Chunked operations. Each does at most `budget` units of work (a record
 * entered, a holder cleared, a record freed) and returns MAPDB_OK when
 * finished or MAPDB_MORE when the caller must call mapdb_continue with
 * the same cursor. Argument errors are reported before anything changes.
 * Each call that starts or continues a revoke leaves in cursor->units the
 * units it did (so a caller can count its work between preemption points);
 * a call that starts none leaves the cursor as it was.
 *
 * mapdb_revoke / mapdb_unmap: destroy the descendants of the record, except
 *   direct children that are memory COPYs.
 * mapdb_delete / mapdb_delete_mapping: drop this holder; if it was the last
 *   one, destroy the record's whole subtree and (unless a root) the record.
 * mapdb_destroy_resource: clear every holder of the root and destroy the
 *   whole tree; the root stays, empty.
 */
int mapdb_revoke(struct mapdb *db, struct mapdb_holder *holder,
                 struct mapdb_cursor *cursor, uint32_t budget);
int mapdb_unmap(struct mapdb *db, struct mapdb_record *record,
                struct mapdb_cursor *cursor, uint32_t budget);
int mapdb_delete(struct mapdb *db, struct mapdb_holder *holder,
                 struct mapdb_cursor *cursor, uint32_t budget);
int mapdb_delete_mapping(struct mapdb *db, struct mapdb_record *record,
                         struct mapdb_cursor *cursor, uint32_t budget);
/*
 * mapdb_delete_mapping of a mapping nothing was derived from
 * (mapdb_record_is_leaf): one step, so no cursor and no budget. Same
 * effect and errors, and MAPDB_E_NOT_LEAF for a record with children
 * (nothing changes then: the caller takes the chunked way).
 */
int mapdb_delete_leaf_mapping(struct mapdb *db, struct mapdb_record *record);
int mapdb_destroy_resource(struct mapdb *db, struct mapdb_record *root,
                           struct mapdb_cursor *cursor, uint32_t budget);
int mapdb_continue(struct mapdb *db, struct mapdb_cursor *cursor, uint32_t budget);
/*
 * From a callback inside a chunked operation: what it just did was worth
 * `units` more units of the budget than the one its step counts (the
 * kernel freed a page table, say), so a chunk stays bounded in time.
 */
void mapdb_charge(struct mapdb *db, uint32_t units);
/* Stop a revoke early (e.g. its thread died). The tree stays well-formed. */
void mapdb_cursor_abandon(struct mapdb *db, struct mapdb_cursor *cursor);

/*
 * Heap reclaim (called from the kernel's kheap ops). After the bytes of a
 * record were copied from old to new, mapdb_record_moved points every
 * relative, holder and cursor at new. mapdb_record_destroy revokes the
 * record's subtree, clears its holders and frees it, all before it returns
 * (the work is proportional to the subtree).
 */
void mapdb_record_moved(struct mapdb *db, struct mapdb_record *old_record,
                        struct mapdb_record *new_record);
int  mapdb_record_destroy(struct mapdb *db, struct mapdb_record *record);
/*
 * The same work in chunks, for a caller that may stop between them:
 * mapdb_record_empty clears the record's holders (or its mapping) and
 * destroys its whole subtree, memory COPYs included, leaving the record an
 * empty leaf (chunked like mapdb_revoke; the cursor is told if someone else
 * frees the record meanwhile). mapdb_record_destroy of an empty record is
 * O(1). A record that is empty stays so: nobody holds it to derive from.
 */
int  mapdb_record_empty(struct mapdb *db, struct mapdb_record *record,
                        struct mapdb_cursor *cursor, uint32_t budget);
bool mapdb_record_is_empty(const struct mapdb_record *record);
/*
 * A capability slot moved (e.g. its table page was reclaimed). Call once
 * per holder, after the bytes were copied and while old is still readable.
 */
void mapdb_holder_moved(struct mapdb *db, struct mapdb_holder *old_holder,
                        struct mapdb_holder *new_holder);

/* Queries. */
bool mapdb_holder_is_held(const struct mapdb_holder *holder);
bool mapdb_record_is_leaf(const struct mapdb_record *record);
/* True when a root has no holder, no mapping and no children left. */
bool mapdb_root_is_empty(const struct mapdb_record *root);

/*
 * Walk a whole tree without recursion and check every structural invariant
 * (links, flags, ordering, kinds, rights only shrinking, holder rings).
 * visit (may be NULL) sees every record with its parent (NULL for the root).
 * Returns the number of records, or MAPDB_E_CORRUPT.
 */
typedef void (*mapdb_visit_fn)(void *arg, const struct mapdb_record *record,
                               const struct mapdb_record *parent);
long mapdb_check_tree(const struct mapdb_record *root, mapdb_visit_fn visit, void *arg);
/*
 * Visit every record of a tree in preorder (a record, then its children's
 * subtrees in sibling order) with its depth (0 for the root), without
 * recursion and without checking anything. Returns the number of records.
 * For debug listings; the tree must not change during the walk.
 */
typedef void (*mapdb_walk_fn)(void *arg, const struct mapdb_record *record, unsigned depth);
long mapdb_walk_tree(const struct mapdb_record *root, mapdb_walk_fn visit, void *arg);
/*
 * The same walk one O(1) step at a time, for a walk that stops between
 * steps (valid only while db->generation stays). State: *at, *depth and
 * *climbing, starting at root, 0, false (the root itself is the first
 * record). A step goes to the next record in preorder (MAPDB_WALK_VISIT,
 * *at is it), or climbs one level towards it (MAPDB_WALK_CLIMB: a deep
 * tree's last leaf is followed by as many climbs as it is deep), or ends
 * (MAPDB_WALK_END).
 */
enum mapdb_walk_step { MAPDB_WALK_END, MAPDB_WALK_VISIT, MAPDB_WALK_CLIMB };
enum mapdb_walk_step mapdb_walk_step(const struct mapdb_record *root, const struct mapdb_record **at,
                                     unsigned *depth, bool *climbing);
/* Check that every active cursor of db points where it may. */
int  mapdb_check_cursors(const struct mapdb *db);

#endif /* MAPDB_MAPDB_H */
