/*
 * test_mapdb.c — cmocka unit tests for mapdb: every operation, every error
 * (and that an error changes nothing), revoke semantics for capabilities
 * and memory, chunked revokes with records moved and destroyed between
 * chunks, the revoke root destroyed between chunks, and deep trees.
 *
 * Records come from a tiny test heap that mallocs each one, so AddressSanitizer
 * sees any use of a freed record; a limit per heap simulates exhaustion.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "mapdb/mapdb.h"

#define R_READ  1u
#define R_WRITE 2u
#define R_GRANT 4u
#define R_ALL   7u
#define BIG     (1u << 30)
#define LOG_MAX 64

struct test_heap {
    uint32_t limit;     /* records it can still hand out, in total */
    uint32_t live;
};

struct env {
    struct mapdb db;
    struct mapdb_ops ops;
    struct test_heap heap_a, heap_b, heap_c;
    struct mapdb_holder *cleared[LOG_MAX];
    uint32_t cleared_count;
    uintptr_t unmapped[LOG_MAX];
    uint32_t unmapped_count;
    uint32_t freed;
};

static struct mapdb_record *heap_alloc(void *context, void *payer)
{
    struct test_heap *heap = payer;

    (void)context;
    if (heap->live >= heap->limit)
        return NULL;
    heap->live++;
    return malloc(sizeof(struct mapdb_record));
}

static void heap_free(void *context, void *payer, struct mapdb_record *record)
{
    struct env *e = context;
    struct test_heap *heap = payer;

    assert_true(heap->live > 0);
    heap->live--;
    e->freed++;
    free(record);
}

static void log_cleared(void *context, struct mapdb_holder *holder)
{
    struct env *e = context;

    assert_int_equal(holder->state, MAPDB_HOLDER_REVOKED);
    if (e->cleared_count < LOG_MAX)
        e->cleared[e->cleared_count] = holder;
    e->cleared_count++;
}

static void log_unmap(void *context, uintptr_t mapping, struct mapdb_record *record)
{
    struct env *e = context;

    assert_int_equal(record->mapping, mapping);
    if (e->unmapped_count < LOG_MAX)
        e->unmapped[e->unmapped_count] = mapping;
    e->unmapped_count++;
}

static int setup(void **state)
{
    struct env *e = calloc(1, sizeof *e);

    e->ops = (struct mapdb_ops){heap_alloc, heap_free, log_cleared, log_unmap};
    e->heap_a.limit = e->heap_b.limit = e->heap_c.limit = BIG;
    mapdb_init(&e->db, &e->ops, e);
    *state = e;
    return 0;
}

static int teardown(void **state)
{
    struct env *e = *state;

    assert_null(e->db.cursors);
    free(e);
    return 0;
}

/* Run a revoke-like operation to the end with a generous budget. */
static int finish(struct env *e, int status, struct mapdb_cursor *c)
{
    while (status == MAPDB_MORE)
        status = mapdb_continue(&e->db, c, 1000);
    return status;
}

static int revoke(struct env *e, struct mapdb_holder *h)
{
    struct mapdb_cursor c = {0};
    return finish(e, mapdb_revoke(&e->db, h, &c, 1000), &c);
}

static int delete(struct env *e, struct mapdb_holder *h)
{
    struct mapdb_cursor c = {0};
    return finish(e, mapdb_delete(&e->db, h, &c, 1000), &c);
}

static int unmap(struct env *e, struct mapdb_record *r)
{
    struct mapdb_cursor c = {0};
    return finish(e, mapdb_unmap(&e->db, r, &c, 1000), &c);
}

static long tree_size(const struct mapdb_record *root)
{
    long n = mapdb_check_tree(root, NULL, NULL);
    assert_true(n > 0);
    return n;
}

/* ---- fixtures: each asserts its step succeeded ---- */

/* A capability root, with holder holding it with every right. */
static void hold_new_root(struct env *e, struct mapdb_record *root, struct mapdb_holder *holder)
{
    mapdb_root_init(root, MAPDB_KIND_CAP, R_ALL);
    assert_int_equal(mapdb_hold_root(&e->db, root, holder, R_ALL), MAPDB_OK);
}

/* A frame with every right, whose owner's mapping is `mapping`. */
static void map_new_frame(struct env *e, struct mapdb_record *frame, uintptr_t mapping)
{
    mapdb_root_init(frame, MAPDB_KIND_MEMORY, R_ALL);
    assert_int_equal(mapdb_map_root(&e->db, frame, mapping), MAPDB_OK);
}

/* Capability COPY. */
static void share(struct env *e, struct mapdb_holder *source, struct mapdb_holder *destination,
                  uint32_t rights)
{
    assert_int_equal(mapdb_copy(&e->db, source, destination, rights), MAPDB_OK);
}

/* Capability REVOCABLE COPY paid by heap: the new record. */
static struct mapdb_record *derive(struct env *e, struct mapdb_holder *source,
                                   struct mapdb_holder *destination, uint32_t rights,
                                   struct test_heap *heap)
{
    assert_int_equal(mapdb_revocable_copy(&e->db, source, destination, rights, heap), MAPDB_OK);
    return destination->record;
}

/* Memory map (REVOCABLE COPY) paid by the sender's heap: the new mapping's record. */
static struct mapdb_record *map_page(struct env *e, struct mapdb_record *source, uint32_t rights,
                                     struct test_heap *sender_heap, uintptr_t mapping)
{
    struct mapdb_record *out = NULL;

    assert_int_equal(mapdb_map(&e->db, source, rights, sender_heap, mapping, &out), MAPDB_OK);
    return out;
}

/* Memory COPY paid by the receiver's heap: the new mapping's record. */
static struct mapdb_record *copy_page(struct env *e, struct mapdb_record *source, uint32_t rights,
                                      struct test_heap *receiver_heap, uintptr_t mapping)
{
    struct mapdb_record *out = NULL;

    assert_int_equal(mapdb_map_copy(&e->db, source, rights, receiver_heap, mapping, &out),
                     MAPDB_OK);
    return out;
}

/* Continue a chunked operation to its end: how many calls it took, the first included. */
static uint64_t calls_to_finish(struct env *e, int status, struct mapdb_cursor *c, uint32_t budget)
{
    uint64_t calls = 1;

    while (status == MAPDB_MORE) {
        status = mapdb_continue(&e->db, c, budget);
        calls++;
    }
    assert_int_equal(status, MAPDB_OK);
    return calls;
}

/* ---- capability COPY ---- */

static void test_copy_shares_record_and_allocates_nothing(void **state)
{
    struct env *e = *state;
    struct mapdb_record root;
    struct mapdb_holder a = {0}, b = {0};

    hold_new_root(e, &root, &a);
    share(e, &a, &b, R_READ);
    assert_ptr_equal(b.record, &root);
    assert_int_equal(b.rights, R_READ);
    assert_int_equal(b.state, MAPDB_HOLDER_HELD);
    assert_int_equal(e->db.stats.allocated, 0);
    assert_int_equal(tree_size(&root), 1);
    /* The source cannot take a COPY back: revoke spares co-holders. */
    assert_int_equal(revoke(e, &a), MAPDB_OK);
    assert_true(mapdb_holder_is_held(&b));
    assert_int_equal(e->cleared_count, 0);
}

static void test_copy_errors_change_nothing(void **state)
{
    struct env *e = *state;
    struct mapdb_record root;
    struct mapdb_holder a = {0}, b = {0}, c = {0}, empty = {0};

    mapdb_root_init(&root, MAPDB_KIND_CAP, R_ALL);
    assert_int_equal(mapdb_hold_root(&e->db, &root, &a, R_READ | R_WRITE), MAPDB_OK);
    share(e, &a, &b, R_READ);
    struct mapdb_holder a_before = a, b_before = b;

    assert_int_equal(mapdb_copy(&e->db, &empty, &c, 0), MAPDB_E_EMPTY);
    assert_int_equal(mapdb_copy(&e->db, &a, &b, R_READ), MAPDB_E_BUSY);
    assert_int_equal(mapdb_copy(&e->db, &a, &a, R_READ), MAPDB_E_SAME_HOLDER);
    assert_int_equal(mapdb_copy(&e->db, &a, &c, R_GRANT), MAPDB_E_RIGHTS);
    assert_int_equal(mapdb_copy(&e->db, &b, &c, R_WRITE), MAPDB_E_RIGHTS);
    assert_int_equal(mapdb_copy(&e->db, NULL, &c, 0), MAPDB_E_BAD_ARG);
    assert_int_equal(mapdb_copy(&e->db, &a, NULL, 0), MAPDB_E_BAD_ARG);
    assert_int_equal(mapdb_copy(NULL, &a, &c, 0), MAPDB_E_BAD_ARG);
    assert_memory_equal(&a, &a_before, sizeof a);
    assert_memory_equal(&b, &b_before, sizeof b);
    assert_int_equal(c.state, MAPDB_HOLDER_EMPTY);
    assert_int_equal(tree_size(&root), 1);

    /* A scribbled holder is refused, not followed. */
    struct mapdb_holder bad = a;
    bad.next = &c;
    assert_int_equal(mapdb_copy(&e->db, &bad, &c, 0), MAPDB_E_BAD_HOLDER);
    bad = a;
    bad.state = 77;
    assert_int_equal(mapdb_copy(&e->db, &bad, &c, 0), MAPDB_E_BAD_HOLDER);
}

/* ---- REVOCABLE COPY ---- */

static void test_revocable_copy_is_paid_by_sender_and_revocable(void **state)
{
    struct env *e = *state;
    struct mapdb_record root;
    struct mapdb_holder a = {0}, b = {0}, c = {0};

    hold_new_root(e, &root, &a);
    derive(e, &a, &b, R_READ | R_GRANT, &e->heap_a);
    assert_ptr_not_equal(b.record, &root);
    assert_ptr_equal(b.record->payer, &e->heap_a);
    assert_int_equal(e->heap_a.live, 1);
    assert_int_equal(b.record->rights, R_READ | R_GRANT);
    assert_ptr_equal(b.record->parent, &root);
    /* b passes it on with fewer rights; a's revoke reaches both. */
    derive(e, &b, &c, R_READ, &e->heap_b);
    assert_int_equal(mapdb_revocable_copy(&e->db, &b, &a, R_READ, &e->heap_b), MAPDB_E_BUSY);
    assert_int_equal(tree_size(&root), 3);
    assert_int_equal(revoke(e, &a), MAPDB_OK);
    assert_int_equal(b.state, MAPDB_HOLDER_REVOKED);
    assert_int_equal(c.state, MAPDB_HOLDER_REVOKED);
    assert_null(b.record);
    assert_int_equal(e->cleared_count, 2);
    assert_int_equal(e->heap_a.live, 0);
    assert_int_equal(e->heap_b.live, 0);
    assert_int_equal(tree_size(&root), 1);
    assert_true(mapdb_holder_is_held(&a));
}

static void test_revocable_copy_heap_exhausted(void **state)
{
    struct env *e = *state;
    struct mapdb_record root;
    struct mapdb_holder a = {0}, b = {0};

    hold_new_root(e, &root, &a);
    e->heap_a.limit = 0;
    struct mapdb_holder a_before = a;
    assert_int_equal(mapdb_revocable_copy(&e->db, &a, &b, R_READ, &e->heap_a),
                     MAPDB_E_NO_MEMORY);
    assert_int_equal(b.state, MAPDB_HOLDER_EMPTY);
    assert_null(b.record);
    assert_memory_equal(&a, &a_before, sizeof a);
    assert_null(root.first_child);
    assert_int_equal(e->db.stats.allocated, 0);
    /* Errors are found before the allocation is even tried. */
    e->heap_a.limit = BIG;
    assert_int_equal(mapdb_revocable_copy(&e->db, &a, &b, 8, &e->heap_a), MAPDB_E_RIGHTS);
    assert_int_equal(e->heap_a.live, 0);
}

static void test_rights_only_shrink(void **state)
{
    struct env *e = *state;
    struct mapdb_record root;
    struct mapdb_holder a = {0}, b = {0}, c = {0};

    mapdb_root_init(&root, MAPDB_KIND_CAP, R_READ | R_WRITE);
    assert_int_equal(mapdb_hold_root(&e->db, &root, &a, R_ALL), MAPDB_E_RIGHTS);
    assert_int_equal(a.state, MAPDB_HOLDER_EMPTY);
    assert_int_equal(mapdb_hold_root(&e->db, &root, &a, R_READ | R_WRITE), MAPDB_OK);
    derive(e, &a, &b, R_READ, &e->heap_a);
    assert_int_equal(mapdb_revocable_copy(&e->db, &b, &c, R_WRITE, &e->heap_a), MAPDB_E_RIGHTS);
    assert_int_equal(mapdb_copy(&e->db, &b, &c, R_READ | R_WRITE), MAPDB_E_RIGHTS);
    assert_int_equal(mapdb_grant(&e->db, &b, &c, R_WRITE), MAPDB_E_RIGHTS);
    assert_int_equal(e->heap_a.live, 1);
    assert_int_equal(tree_size(&root), 2);
    assert_int_equal(revoke(e, &a), MAPDB_OK);
}

/* ---- GRANT ---- */

static void test_grant_moves_holder(void **state)
{
    struct env *e = *state;
    struct mapdb_record root;
    struct mapdb_holder a = {0}, b = {0}, c = {0}, d = {0};

    hold_new_root(e, &root, &a);
    derive(e, &a, &b, R_ALL, &e->heap_a);
    share(e, &b, &d, R_READ);
    struct mapdb_record *rb = b.record;
    assert_int_equal(mapdb_grant(&e->db, &b, &c, R_READ | R_WRITE), MAPDB_OK);
    assert_int_equal(b.state, MAPDB_HOLDER_EMPTY);
    assert_null(b.record);
    assert_ptr_equal(c.record, rb);
    assert_int_equal(c.rights, R_READ | R_WRITE);
    assert_int_equal(e->heap_a.live, 1);
    assert_int_equal(mapdb_grant(&e->db, &b, &c, 0), MAPDB_E_EMPTY);
    assert_int_equal(mapdb_grant(&e->db, &c, &d, 0), MAPDB_E_BUSY);
    /* The grantor of the record still reaches the new holder. */
    assert_int_equal(revoke(e, &a), MAPDB_OK);
    assert_int_equal(c.state, MAPDB_HOLDER_REVOKED);
    assert_int_equal(d.state, MAPDB_HOLDER_REVOKED);
}

/* ---- REVOKE and DELETE ---- */

static void test_copy_holder_reached_by_grantors_only(void **state)
{
    struct env *e = *state;
    struct mapdb_record root;
    struct mapdb_holder a = {0}, b = {0}, c = {0};

    hold_new_root(e, &root, &a);
    derive(e, &a, &b, R_ALL, &e->heap_a);
    share(e, &b, &c, R_READ);
    assert_int_equal(revoke(e, &b), MAPDB_OK);
    assert_true(mapdb_holder_is_held(&c));
    assert_int_equal(revoke(e, &a), MAPDB_OK);
    assert_int_equal(b.state, MAPDB_HOLDER_REVOKED);
    assert_int_equal(c.state, MAPDB_HOLDER_REVOKED);
    assert_int_equal(e->heap_a.live, 0);
}

static void test_revoke_of_revoked_or_empty_holder(void **state)
{
    struct env *e = *state;
    struct mapdb_record root;
    struct mapdb_holder a = {0}, b = {0}, empty = {0};
    struct mapdb_cursor c = {0};

    hold_new_root(e, &root, &a);
    derive(e, &a, &b, R_ALL, &e->heap_a);
    assert_int_equal(revoke(e, &a), MAPDB_OK);
    uint64_t freed = e->db.stats.freed;
    assert_int_equal(mapdb_revoke(&e->db, &b, &c, 10), MAPDB_E_REVOKED);
    assert_int_equal(mapdb_delete(&e->db, &b, &c, 10), MAPDB_E_REVOKED);
    assert_int_equal(mapdb_revoke(&e->db, &empty, &c, 10), MAPDB_E_EMPTY);
    assert_int_equal(mapdb_revoke(&e->db, NULL, &c, 10), MAPDB_E_BAD_ARG);
    assert_int_equal(mapdb_revoke(&e->db, &a, &c, 0), MAPDB_E_BAD_ARG);
    assert_int_equal(mapdb_revoke(&e->db, &a, NULL, 10), MAPDB_E_BAD_ARG);
    assert_false(c.active);
    assert_int_equal(e->db.stats.freed, freed);
    /* A revoked slot can be filled again. */
    share(e, &a, &b, R_READ);
}

static void test_delete_last_holder_revokes_and_frees(void **state)
{
    struct env *e = *state;
    struct mapdb_record root;
    struct mapdb_holder a = {0}, b = {0}, b2 = {0}, c = {0};

    hold_new_root(e, &root, &a);
    derive(e, &a, &b, R_ALL, &e->heap_a);
    share(e, &b, &b2, R_ALL);
    derive(e, &b, &c, R_READ, &e->heap_b);
    /* Not the last holder: nothing else happens. */
    assert_int_equal(delete(e, &b), MAPDB_OK);
    assert_int_equal(b.state, MAPDB_HOLDER_EMPTY);
    assert_true(mapdb_holder_is_held(&c));
    assert_int_equal(e->heap_a.live, 1);
    /* The last holder: the subtree goes, and the record with it. */
    assert_int_equal(delete(e, &b2), MAPDB_OK);
    assert_int_equal(b2.state, MAPDB_HOLDER_EMPTY);
    assert_int_equal(c.state, MAPDB_HOLDER_REVOKED);
    assert_int_equal(e->heap_a.live, 0);
    assert_int_equal(e->heap_b.live, 0);
    assert_int_equal(tree_size(&root), 1);
    assert_int_equal(delete(e, &b2), MAPDB_E_EMPTY);
}

static void test_delete_last_root_holder_empties_resource(void **state)
{
    struct env *e = *state;
    struct mapdb_record root;
    struct mapdb_holder a = {0}, b = {0};

    hold_new_root(e, &root, &a);
    derive(e, &a, &b, R_ALL, &e->heap_a);
    assert_false(mapdb_root_is_empty(&root));
    assert_int_equal(delete(e, &a), MAPDB_OK);
    assert_int_equal(b.state, MAPDB_HOLDER_REVOKED);
    assert_true(mapdb_root_is_empty(&root));
    assert_int_equal(e->heap_a.live, 0);
}

static void test_destroy_resource_clears_every_holder(void **state)
{
    struct env *e = *state;
    struct mapdb_record root;
    struct mapdb_holder a = {0}, a2 = {0}, b = {0}, c = {0};
    struct mapdb_cursor cur = {0};

    hold_new_root(e, &root, &a);
    share(e, &a, &a2, R_ALL);
    derive(e, &a, &b, R_ALL, &e->heap_a);
    share(e, &b, &c, R_ALL);
    struct mapdb_record not_root;
    mapdb_root_init(&not_root, MAPDB_KIND_CAP, 0);
    assert_int_equal(mapdb_destroy_resource(&e->db, b.record, &cur, 10), MAPDB_E_NOT_ROOT);
    assert_int_equal(finish(e, mapdb_destroy_resource(&e->db, &root, &cur, 1), &cur), MAPDB_OK);
    assert_int_equal(a.state, MAPDB_HOLDER_REVOKED);
    assert_int_equal(a2.state, MAPDB_HOLDER_REVOKED);
    assert_int_equal(b.state, MAPDB_HOLDER_REVOKED);
    assert_int_equal(c.state, MAPDB_HOLDER_REVOKED);
    assert_int_equal(e->cleared_count, 4);
    assert_true(mapdb_root_is_empty(&root));
    assert_int_equal(e->heap_a.live, 0);
}

/* ---- memory ---- */

static void test_memory_map_copy_and_unmap(void **state)
{
    struct env *e = *state;
    struct mapdb_record frame, *ma, *mb, *mc;

    map_new_frame(e, &frame, 100);
    assert_int_equal(mapdb_map_root(&e->db, &frame, 101), MAPDB_E_BUSY);
    /* A maps to B (paid by A), B copies to C (paid by C), B maps to D (paid by B). */
    mb = map_page(e, &frame, R_READ | R_WRITE, &e->heap_a, 200);
    assert_ptr_equal(mb->payer, &e->heap_a);
    mc = copy_page(e, mb, R_READ, &e->heap_c, 300);
    assert_ptr_equal(mc->payer, &e->heap_c);
    assert_true(mc->flags & MAPDB_F_COPY);
    map_page(e, mb, R_READ, &e->heap_b, 400);
    /* C copies on to E: a COPY of a COPY. */
    copy_page(e, mc, R_READ, &e->heap_a, 500);
    assert_int_equal(tree_size(&frame), 5);
    /* B's own unmap reaches D but skips its direct COPY child C (and C's subtree). */
    assert_int_equal(unmap(e, mb), MAPDB_OK);
    assert_int_equal(e->unmapped_count, 1);
    assert_int_equal(e->unmapped[0], 400);
    assert_int_equal(e->heap_b.live, 0);
    assert_int_equal(tree_size(&frame), 4);
    /* C's unmap skips E, its direct COPY child. */
    assert_int_equal(unmap(e, mc), MAPDB_OK);
    assert_int_equal(e->unmapped_count, 1);
    /* A (B's grantor) reaches B, C and E. */
    assert_int_equal(unmap(e, &frame), MAPDB_OK);
    assert_int_equal(e->unmapped_count, 4);
    assert_int_equal(e->heap_a.live + e->heap_b.live + e->heap_c.live, 0);
    assert_int_equal(tree_size(&frame), 1);
    ma = &frame;
    assert_true(ma->flags & MAPDB_F_MAPPED);
}

static void test_memory_errors_change_nothing(void **state)
{
    struct env *e = *state;
    struct mapdb_record frame, object, *out = NULL;
    struct mapdb_cursor c = {0};

    mapdb_root_init(&frame, MAPDB_KIND_MEMORY, R_READ);
    mapdb_root_init(&object, MAPDB_KIND_CAP, R_ALL);
    assert_int_equal(mapdb_map(&e->db, &frame, R_READ, &e->heap_a, 1, &out), MAPDB_E_EMPTY);
    assert_int_equal(mapdb_unmap(&e->db, &frame, &c, 10), MAPDB_E_EMPTY);
    assert_int_equal(mapdb_map_root(&e->db, &object, 1), MAPDB_E_WRONG_KIND);
    assert_int_equal(mapdb_map(&e->db, &object, R_READ, &e->heap_a, 1, &out), MAPDB_E_WRONG_KIND);
    assert_int_equal(mapdb_map_root(&e->db, &frame, 1), MAPDB_OK);
    assert_int_equal(mapdb_map(&e->db, &frame, R_WRITE, &e->heap_a, 2, &out), MAPDB_E_RIGHTS);
    e->heap_c.limit = 0;
    assert_int_equal(mapdb_map_copy(&e->db, &frame, R_READ, &e->heap_c, 2, &out),
                     MAPDB_E_NO_MEMORY);
    assert_null(out);
    assert_null(frame.first_child);
    assert_int_equal(e->db.stats.allocated, 0);
    assert_int_equal(mapdb_map(&e->db, &frame, R_READ, &e->heap_a, 2, NULL), MAPDB_E_BAD_ARG);
    map_page(e, &frame, R_READ, &e->heap_a, 2);
    struct mapdb_holder h = {0};
    assert_int_equal(mapdb_hold_root(&e->db, &frame, &h, R_READ), MAPDB_E_WRONG_KIND);
    assert_int_equal(unmap(e, &frame), MAPDB_OK);
}

static void test_memory_grant_and_delete_mapping(void **state)
{
    struct env *e = *state;
    struct mapdb_record frame, *mb;
    struct mapdb_cursor c = {0};

    map_new_frame(e, &frame, 1);
    mb = map_page(e, &frame, R_ALL, &e->heap_a, 2);
    copy_page(e, mb, R_READ, &e->heap_c, 3);
    uint64_t allocated = e->db.stats.allocated;
    assert_int_equal(mapdb_grant_mapping(&e->db, mb, 22), MAPDB_OK);
    assert_int_equal(mb->mapping, 22);
    assert_int_equal(e->db.stats.allocated, allocated);
    /*
     * Deleting B's mapping (the kernel clears that PTE itself) is deleting
     * the record's only holder: the whole subtree goes, COPYs included.
     */
    assert_int_equal(finish(e, mapdb_delete_mapping(&e->db, mb, &c, 1), &c), MAPDB_OK);
    assert_int_equal(e->unmapped_count, 1);
    assert_int_equal(e->unmapped[0], 3);
    assert_int_equal(e->heap_a.live + e->heap_c.live, 0);
    assert_int_equal(tree_size(&frame), 1);
    /* The root's own mapping: deleting it empties the resource. */
    assert_int_equal(finish(e, mapdb_delete_mapping(&e->db, &frame, &c, 1), &c), MAPDB_OK);
    assert_true(mapdb_root_is_empty(&frame));
    assert_int_equal(mapdb_delete_mapping(&e->db, &frame, &c, 1), MAPDB_E_EMPTY);
    assert_int_equal(mapdb_grant_mapping(&e->db, &frame, 5), MAPDB_E_EMPTY);
}

/* The one-step delete of a leaf mapping: what mapdb_delete_mapping does, refused on a record with children. */
static void test_delete_leaf_mapping(void **state)
{
    struct env *e = *state;
    struct mapdb_record frame, *mb, *mc;

    map_new_frame(e, &frame, 1);
    mb = map_page(e, &frame, R_ALL, &e->heap_a, 2);
    mc = copy_page(e, mb, R_READ, &e->heap_c, 3);
    uint64_t freed = e->db.stats.freed;
    /* B has a child: refused, and nothing changes. */
    assert_int_equal(mapdb_delete_leaf_mapping(&e->db, mb), MAPDB_E_NOT_LEAF);
    assert_true(mb->flags & MAPDB_F_MAPPED);
    assert_int_equal(tree_size(&frame), 3);
    assert_int_equal(e->db.stats.freed, freed);
    assert_int_equal(mapdb_delete_leaf_mapping(NULL, mc), MAPDB_E_BAD_ARG);
    /* C is a leaf: its record goes back to its payer at once; the kernel clears the entry, not mapdb. */
    assert_int_equal(mapdb_delete_leaf_mapping(&e->db, mc), MAPDB_OK);
    assert_int_equal(e->heap_c.live, 0);
    assert_int_equal(e->unmapped_count, 0);
    assert_null(e->db.cursors);
    assert_int_equal(mapdb_delete_leaf_mapping(&e->db, mb), MAPDB_OK);
    assert_int_equal(e->heap_a.live, 0);
    assert_int_equal(tree_size(&frame), 1);
    /* The root's own mapping: the resource is emptied, not freed; then there is nothing to delete. */
    assert_int_equal(mapdb_delete_leaf_mapping(&e->db, &frame), MAPDB_OK);
    assert_true(mapdb_root_is_empty(&frame));
    assert_int_equal(mapdb_delete_leaf_mapping(&e->db, &frame), MAPDB_E_EMPTY);
    struct mapdb_record object;
    mapdb_root_init(&object, MAPDB_KIND_CAP, R_ALL);
    assert_int_equal(mapdb_delete_leaf_mapping(&e->db, &object), MAPDB_E_WRONG_KIND);
}

/* ---- chunked revokes while the tree changes ---- */

/* A tree under a root holder: `fan` children, each with `fan` children. */
static void build_two_levels(struct env *e, struct mapdb_record *root, struct mapdb_holder *a,
                             struct mapdb_holder *h, uint32_t fan)
{
    hold_new_root(e, root, a);
    for (uint32_t i = 0; i < fan; i++) {
        struct mapdb_holder *child = &h[i * (fan + 1)];
        derive(e, a, child, R_ALL, &e->heap_a);
        for (uint32_t j = 1; j <= fan; j++)
            derive(e, child, &child[j], R_READ, &e->heap_b);
    }
}

/* What kheap does when it moves a live record. */
static struct mapdb_record *move_record(struct env *e, struct mapdb_record *old)
{
    struct mapdb_record *moved = malloc(sizeof *moved);

    memcpy(moved, old, sizeof *moved);
    mapdb_record_moved(&e->db, old, moved);
    memset(old, 0x6b, sizeof *old);
    free(old);
    return moved;
}

static void test_chunked_revoke_makes_progress(void **state)
{
    struct env *e = *state;
    struct mapdb_record root;
    struct mapdb_holder a = {0}, h[4 * 5] = {{0}};
    struct mapdb_cursor c = {0};
    int calls = 1, status;

    build_two_levels(e, &root, &a, h, 4);
    assert_int_equal(tree_size(&root), 21);
    status = mapdb_revoke(&e->db, &a, &c, 1);
    while (status == MAPDB_MORE) {
        assert_true(c.active);
        assert_int_equal(mapdb_check_cursors(&e->db), MAPDB_OK);
        assert_true(tree_size(&root) >= 1);
        status = mapdb_continue(&e->db, &c, 1);
        calls++;
    }
    assert_int_equal(status, MAPDB_OK);
    assert_false(c.active);
    assert_int_equal(c.destroyed, 20);
    /* One unit per record entered, holder cleared and record freed, plus the end. */
    assert_int_equal(calls, 20 * 3 + 1);
    assert_int_equal(mapdb_continue(&e->db, &c, 1), MAPDB_OK);
    assert_int_equal(tree_size(&root), 1);
}

static void test_cursor_busy_and_abandon(void **state)
{
    struct env *e = *state;
    struct mapdb_record root;
    struct mapdb_holder a = {0}, h[3 * 4] = {{0}};
    struct mapdb_cursor c = {0};

    build_two_levels(e, &root, &a, h, 3);
    assert_int_equal(mapdb_revoke(&e->db, &a, &c, 2), MAPDB_MORE);
    assert_int_equal(mapdb_revoke(&e->db, &a, &c, 2), MAPDB_E_CURSOR_BUSY);
    assert_int_equal(mapdb_delete(&e->db, &a, &c, 2), MAPDB_E_CURSOR_BUSY);
    assert_int_equal(mapdb_continue(&e->db, &c, 0), MAPDB_E_BAD_ARG);
    assert_true(mapdb_holder_is_held(&a));
    mapdb_cursor_abandon(&e->db, &c);
    assert_false(c.active);
    assert_null(e->db.cursors);
    assert_int_equal(mapdb_check_tree(&root, NULL, NULL), tree_size(&root));
    assert_int_equal(revoke(e, &a), MAPDB_OK);
    assert_int_equal(tree_size(&root), 1);
}

static void test_reclaim_moves_records_during_revoke(void **state)
{
    struct env *e = *state;
    struct mapdb_record root;
    struct mapdb_holder a = {0}, h[5 * 6] = {{0}};
    struct mapdb_cursor c = {0};
    int status, moves = 0;

    build_two_levels(e, &root, &a, h, 5);
    status = mapdb_revoke(&e->db, &a, &c, 3);
    while (status == MAPDB_MORE) {
        /* Move the record the cursor stands on, and every still-held record. */
        if (c.at != &root) {
            move_record(e, c.at);
            moves++;
        }
        for (uint32_t i = 0; i < 30; i++) {
            if (mapdb_holder_is_held(&h[i])) {
                move_record(e, h[i].record);
                moves++;
            }
        }
        assert_int_equal(mapdb_check_cursors(&e->db), MAPDB_OK);
        assert_true(tree_size(&root) > 0);
        status = mapdb_continue(&e->db, &c, 3);
    }
    assert_int_equal(status, MAPDB_OK);
    assert_true(moves > 30);
    assert_int_equal(e->heap_a.live + e->heap_b.live, 0);
    for (uint32_t i = 0; i < 30; i++)
        assert_int_equal(h[i].state, MAPDB_HOLDER_REVOKED);
    assert_int_equal(tree_size(&root), 1);
}

static void test_moved_record_keeps_relatives(void **state)
{
    struct env *e = *state;
    struct mapdb_record root;
    struct mapdb_holder a = {0}, b = {0}, b2 = {0}, c1 = {0}, c2 = {0};

    hold_new_root(e, &root, &a);
    derive(e, &a, &b, R_ALL, &e->heap_a);
    share(e, &b, &b2, R_READ);
    derive(e, &b, &c1, R_READ, &e->heap_a);
    derive(e, &b, &c2, R_READ, &e->heap_a);
    struct mapdb_record *moved = move_record(e, b.record);
    assert_ptr_equal(b.record, moved);
    assert_ptr_equal(b2.record, moved);
    assert_ptr_equal(root.first_child, moved);
    assert_ptr_equal(moved->first_child->parent, moved);
    assert_int_equal(tree_size(&root), 4);
    /* Moving a first child and a middle child of a ring. */
    move_record(e, c1.record);
    move_record(e, c2.record);
    assert_int_equal(tree_size(&root), 4);
    assert_int_equal(e->db.stats.moved, 3);
    assert_int_equal(revoke(e, &a), MAPDB_OK);
    assert_int_equal(c1.state, MAPDB_HOLDER_REVOKED);
    assert_int_equal(tree_size(&root), 1);
}

static void test_reclaim_destroys_records_during_revoke(void **state)
{
    struct env *e = *state;
    struct mapdb_record root;
    struct mapdb_holder a = {0}, h[5 * 6] = {{0}};
    struct mapdb_cursor c = {0};
    int status, destroyed = 0;

    build_two_levels(e, &root, &a, h, 5);
    assert_int_equal(mapdb_record_destroy(&e->db, &root), MAPDB_E_IS_ROOT);
    assert_int_equal(mapdb_record_destroy(&e->db, NULL), MAPDB_E_BAD_ARG);
    /* Reclaim before any revoke: a middle record goes with its subtree. */
    assert_int_equal(mapdb_record_destroy(&e->db, h[6].record), MAPDB_OK);
    for (uint32_t j = 6; j < 12; j++)
        assert_int_equal(h[j].state, MAPDB_HOLDER_REVOKED);
    assert_int_equal(tree_size(&root), 1 + 4 * 6);

    status = mapdb_revoke(&e->db, &a, &c, 4);
    while (status == MAPDB_MORE) {
        /* Destroy whatever the cursor stands on, when it is not the top. */
        if (c.at != &root) {
            assert_int_equal(mapdb_record_destroy(&e->db, c.at), MAPDB_OK);
            destroyed++;
        }
        assert_int_equal(mapdb_check_cursors(&e->db), MAPDB_OK);
        status = mapdb_continue(&e->db, &c, 4);
    }
    assert_int_equal(status, MAPDB_OK);
    assert_true(destroyed > 0);
    assert_int_equal(e->heap_a.live + e->heap_b.live, 0);
    for (uint32_t i = 0; i < 30; i++)
        assert_int_equal(h[i].state, MAPDB_HOLDER_REVOKED);
    assert_true(mapdb_holder_is_held(&a));
    assert_int_equal(tree_size(&root), 1);
}

/*
 * What a reclaim does, in chunks, before it frees a record: empty it (its
 * holders, its whole subtree), with another revoke of the same tree in
 * flight; then the destroy is one step.
 */
static void test_record_empty_in_chunks_then_destroy(void **state)
{
    struct env *e = *state;
    struct mapdb_record root;
    struct mapdb_holder a = {0}, h[5 * 6] = {{0}}, extra = {0};
    struct mapdb_cursor c = {0}, other = {0};
    struct mapdb_record *middle;
    int status, chunks = 0;

    build_two_levels(e, &root, &a, h, 5);
    middle = h[6].record;
    share(e, &h[6], &extra, R_READ);   /* two holders */
    assert_int_equal(mapdb_record_empty(&e->db, &root, &c, 1), MAPDB_E_IS_ROOT);
    assert_int_equal(mapdb_record_empty(&e->db, NULL, &c, 1), MAPDB_E_BAD_ARG);
    assert_int_equal(mapdb_record_empty(&e->db, middle, &c, 0), MAPDB_E_BAD_ARG);
    assert_false(mapdb_record_is_empty(middle));
    /* Someone revokes below it meanwhile, from its other holder. */
    assert_int_equal(mapdb_revoke(&e->db, &extra, &other, 2), MAPDB_MORE);
    status = mapdb_record_empty(&e->db, middle, &c, 2);
    while (status == MAPDB_MORE) {
        chunks++;
        assert_int_equal(mapdb_check_cursors(&e->db), MAPDB_OK);
        if (other.active)
            assert_true(mapdb_continue(&e->db, &other, 1) >= 0);
        status = mapdb_continue(&e->db, &c, 2);
    }
    assert_int_equal(status, MAPDB_OK);
    assert_int_equal(finish(e, mapdb_continue(&e->db, &other, 1), &other), MAPDB_OK);
    assert_true(chunks >= 3);
    assert_true(mapdb_record_is_empty(middle));
    for (uint32_t j = 6; j < 12; j++)
        assert_int_equal(h[j].state, MAPDB_HOLDER_REVOKED);
    assert_int_equal(extra.state, MAPDB_HOLDER_REVOKED);
    assert_int_equal(tree_size(&root), 1 + 4 * 6 + 1);
    uint64_t freed = e->db.stats.freed;
    assert_int_equal(mapdb_record_destroy(&e->db, middle), MAPDB_OK);
    assert_int_equal(e->db.stats.freed, freed + 1);
    assert_int_equal(tree_size(&root), 1 + 4 * 6);
    assert_int_equal(revoke(e, &a), MAPDB_OK);
}

/* A memory record's direct COPY children go too (a revoke would spare them). */
static void test_record_empty_takes_memory_copies(void **state)
{
    struct env *e = *state;
    struct mapdb_record frame, *mb, *mc;
    struct mapdb_cursor c = {0};

    map_new_frame(e, &frame, 100);
    mb = map_page(e, &frame, R_READ, &e->heap_a, 200);
    mc = copy_page(e, mb, R_READ, &e->heap_c, 300);
    map_page(e, mb, R_READ, &e->heap_b, 400);
    copy_page(e, mc, R_READ, &e->heap_a, 500);
    assert_int_equal(finish(e, mapdb_record_empty(&e->db, mb, &c, 1), &c), MAPDB_OK);
    assert_true(mapdb_record_is_empty(mb));
    assert_int_equal(e->unmapped_count, 4);       /* its own mapping, C, D and E */
    assert_int_equal(e->heap_b.live + e->heap_c.live, 0);
    assert_int_equal(tree_size(&frame), 2);
    assert_int_equal(mapdb_record_destroy(&e->db, mb), MAPDB_OK);
    assert_int_equal(e->heap_a.live, 0);
    assert_int_equal(tree_size(&frame), 1);
}

static void test_revoke_root_destroyed_between_chunks(void **state)
{
    struct env *e = *state;
    struct mapdb_record root;
    struct mapdb_holder a = {0}, h[4 * 5] = {{0}};
    struct mapdb_cursor inner = {0}, outer = {0}, third = {0};

    build_two_levels(e, &root, &a, h, 4);
    /* h[5] holds the second child; start revoking below it. */
    assert_int_equal(mapdb_revoke(&e->db, &h[5], &inner, 2), MAPDB_MORE);
    /* A third revoke of the same record, also in flight. */
    assert_int_equal(mapdb_revoke(&e->db, &h[5], &third, 1), MAPDB_MORE);
    /* Someone revokes the ancestor, destroying inner's top, in one go. */
    assert_int_equal(finish(e, mapdb_revoke(&e->db, &a, &outer, 7), &outer), MAPDB_OK);
    assert_false(inner.active);
    assert_true(inner.top_lost);
    assert_null(inner.top);
    assert_true(third.top_lost);
    assert_int_equal(mapdb_continue(&e->db, &inner, 5), MAPDB_OK);
    assert_int_equal(mapdb_continue(&e->db, &third, 5), MAPDB_OK);
    assert_null(e->db.cursors);
    assert_int_equal(h[5].state, MAPDB_HOLDER_REVOKED);
    assert_int_equal(tree_size(&root), 1);
}

static void test_reclaim_destroys_revoke_root(void **state)
{
    struct env *e = *state;
    struct mapdb_record root;
    struct mapdb_holder a = {0}, h[4 * 5] = {{0}};
    struct mapdb_cursor c = {0};

    build_two_levels(e, &root, &a, h, 4);
    assert_int_equal(mapdb_revoke(&e->db, &h[0], &c, 3), MAPDB_MORE);
    assert_ptr_equal(c.top, h[0].record);
    assert_int_equal(mapdb_record_destroy(&e->db, h[0].record), MAPDB_OK);
    assert_int_equal(h[0].state, MAPDB_HOLDER_REVOKED);
    assert_true(c.top_lost);
    assert_int_equal(mapdb_continue(&e->db, &c, 3), MAPDB_OK);
    assert_int_equal(tree_size(&root), 1 + 3 * 5);
    assert_int_equal(revoke(e, &a), MAPDB_OK);
}

static void test_interleaved_revokes_of_one_tree(void **state)
{
    struct env *e = *state;
    struct mapdb_record root;
    struct mapdb_holder a = {0}, h[6 * 7] = {{0}};
    struct mapdb_cursor c[3] = {{0}};
    int status[3];

    build_two_levels(e, &root, &a, h, 6);
    status[0] = mapdb_revoke(&e->db, &a, &c[0], 1);
    status[1] = mapdb_revoke(&e->db, &h[7], &c[1], 1);
    status[2] = mapdb_delete(&e->db, &h[14], &c[2], 1);
    while (status[0] == MAPDB_MORE || status[1] == MAPDB_MORE || status[2] == MAPDB_MORE) {
        for (int i = 2; i >= 0; i--)
            if (status[i] == MAPDB_MORE)
                status[i] = mapdb_continue(&e->db, &c[i], 2);
        assert_int_equal(mapdb_check_cursors(&e->db), MAPDB_OK);
        assert_true(tree_size(&root) >= 1);
    }
    for (int i = 0; i < 3; i++)
        assert_int_equal(status[i], MAPDB_OK);
    assert_int_equal(e->heap_a.live + e->heap_b.live, 0);
    assert_int_equal(tree_size(&root), 1);
}

/* ---- size ---- */

#define DEEP 100000u

static void test_deep_chain_revoked_without_recursion(void **state)
{
    struct env *e = *state;
    struct mapdb_record root;
    struct mapdb_holder *h = calloc(DEEP + 1, sizeof *h);
    struct mapdb_cursor c = {0};

    hold_new_root(e, &root, &h[0]);
    for (uint32_t i = 1; i <= DEEP; i++)
        derive(e, &h[i - 1], &h[i], R_ALL, &e->heap_a);
    assert_int_equal(tree_size(&root), DEEP + 1);
    uint64_t calls = calls_to_finish(e, mapdb_revoke(&e->db, &h[0], &c, 1000), &c, 1000);
    assert_int_equal(c.destroyed, DEEP);
    /* Linear: enter, clear, free per record. */
    assert_int_equal(calls, (3 * DEEP) / 1000 + 1);
    assert_int_equal(e->heap_a.live, 0);
    assert_int_equal(h[DEEP].state, MAPDB_HOLDER_REVOKED);

    /* The same chain, destroyed by reclaim at its top in one call. */
    for (uint32_t i = 1; i <= DEEP; i++) {
        mapdb_holder_init(&h[i]);
        derive(e, &h[i - 1], &h[i], R_ALL, &e->heap_a);
    }
    assert_int_equal(mapdb_record_destroy(&e->db, h[1].record), MAPDB_OK);
    assert_int_equal(e->heap_a.live, 0);
    assert_int_equal(tree_size(&root), 1);
    free(h);
}

static void test_wide_tree_linear_work(void **state)
{
    struct env *e = *state;
    struct mapdb_record root;
    struct mapdb_holder *h = calloc(DEEP + 1, sizeof *h);
    struct mapdb_cursor c = {0};

    hold_new_root(e, &root, &h[0]);
    for (uint32_t i = 1; i <= DEEP; i++)
        derive(e, &h[0], &h[i], R_ALL, &e->heap_a);
    uint64_t calls = calls_to_finish(e, mapdb_revoke(&e->db, &h[0], &c, 1), &c, 1);
    assert_int_equal(calls, 3 * DEEP + 1);
    assert_int_equal(tree_size(&root), 1);
    free(h);
}

/* ---- holders moving, and the checker ---- */

static void test_holder_table_moves(void **state)
{
    struct env *e = *state;
    struct mapdb_record root;
    struct mapdb_holder old_table[6] = {{0}}, new_table[6], other = {0};

    hold_new_root(e, &root, &old_table[0]);
    /* Ring: other and five table slots, neighbours inside and outside the table. */
    share(e, &old_table[0], &old_table[1], R_ALL);
    share(e, &old_table[1], &other, R_ALL);
    share(e, &old_table[0], &old_table[3], R_ALL);
    derive(e, &old_table[0], &old_table[4], R_READ, &e->heap_a);
    memcpy(new_table, old_table, sizeof old_table);
    for (int i = 0; i < 6; i++)
        mapdb_holder_moved(&e->db, &old_table[i], &new_table[i]);
    memset(old_table, 0x5a, sizeof old_table);
    assert_int_equal(tree_size(&root), 2);
    uint32_t ring = 0;
    const struct mapdb_holder *h = root.holders;
    do {
        assert_true(h == &other || (h >= new_table && h < new_table + 6));
        ring++;
        h = h->next;
    } while (h != root.holders);
    assert_int_equal(ring, 4);
    assert_int_equal(revoke(e, &new_table[0]), MAPDB_OK);
    assert_int_equal(new_table[4].state, MAPDB_HOLDER_REVOKED);
    assert_ptr_equal(e->cleared[0], &new_table[4]);
}

static void test_check_tree_catches_corruption(void **state)
{
    struct env *e = *state;
    struct mapdb_record root, frame, *m1, *m2, *m3;
    struct mapdb_holder a = {0}, b = {0}, c = {0};

    hold_new_root(e, &root, &a);
    derive(e, &a, &b, R_READ, &e->heap_a);
    derive(e, &a, &c, R_READ, &e->heap_a);
    assert_int_equal(mapdb_check_tree(&root, NULL, NULL), 3);
    b.record->rights = R_ALL | 8;      /* more than the parent */
    assert_int_equal(mapdb_check_tree(&root, NULL, NULL), MAPDB_E_CORRUPT);
    b.record->rights = R_READ;
    b.rights = R_ALL;                  /* holder above its record */
    assert_int_equal(mapdb_check_tree(&root, NULL, NULL), MAPDB_E_CORRUPT);
    b.rights = R_READ;
    c.record->flags ^= MAPDB_F_FIRST;  /* two first children */
    assert_int_equal(mapdb_check_tree(&root, NULL, NULL), MAPDB_E_CORRUPT);
    c.record->flags ^= MAPDB_F_FIRST;
    assert_int_equal(mapdb_check_tree(&root, NULL, NULL), 3);
    assert_int_equal(revoke(e, &a), MAPDB_OK);

    /* Ordering: an ordinary child behind a COPY child breaks the skip. */
    map_new_frame(e, &frame, 1);
    m1 = map_page(e, &frame, R_ALL, &e->heap_a, 2);
    m2 = copy_page(e, &frame, R_ALL, &e->heap_a, 3);
    m3 = map_page(e, &frame, R_ALL, &e->heap_a, 4);
    assert_int_equal(mapdb_check_tree(&frame, NULL, NULL), 4);
    m3->flags |= MAPDB_F_COPY;
    m2->flags &= (uint16_t)~MAPDB_F_COPY;
    assert_int_equal(mapdb_check_tree(&frame, NULL, NULL), MAPDB_E_CORRUPT);
    m3->flags &= (uint16_t)~MAPDB_F_COPY;
    m2->flags |= MAPDB_F_COPY;
    /* The frame's own unmap spares the COPY; destroying the frame does not. */
    assert_int_equal(unmap(e, &frame), MAPDB_OK);
    assert_int_equal(mapdb_check_tree(&frame, NULL, NULL), 2);
    assert_ptr_equal(frame.first_child, m2);
    struct mapdb_cursor cur = {0};
    assert_int_equal(finish(e, mapdb_destroy_resource(&e->db, &frame, &cur, 1), &cur), MAPDB_OK);
    assert_int_equal(mapdb_check_tree(&frame, NULL, NULL), 1);
    assert_true(mapdb_root_is_empty(&frame));
    assert_int_equal(e->heap_a.live, 0);
    (void)m1;
}

/* ---- the worked example of docs/mapdb.md, step by step ---- */

static void test_worked_example(void **state)
{
    struct env *e = *state;
    struct test_heap *heap_of_a = &e->heap_a, *heap_of_b = &e->heap_b, *heap_of_c = &e->heap_c;
    struct mapdb_record endpoint, frame, *mb, *mc;
    struct mapdb_holder a = {0}, b = {0}, c = {0}, c2 = {0};

    hold_new_root(e, &endpoint, &a);
    derive(e, &a, &b, R_READ | R_WRITE, heap_of_a);
    share(e, &b, &c, R_READ);
    assert_int_equal(heap_of_a->live, 1);
    assert_int_equal(revoke(e, &b), MAPDB_OK);              /* 3: nothing happens */
    assert_true(mapdb_holder_is_held(&c));
    assert_int_equal(mapdb_grant(&e->db, &b, &c2, R_READ | R_WRITE), MAPDB_OK);   /* 4 */
    assert_int_equal(b.state, MAPDB_HOLDER_EMPTY);
    assert_int_equal(revoke(e, &a), MAPDB_OK);              /* 5 */
    assert_int_equal(c.state, MAPDB_HOLDER_REVOKED);
    assert_int_equal(c2.state, MAPDB_HOLDER_REVOKED);
    assert_int_equal(heap_of_a->live, 0);
    assert_true(mapdb_holder_is_held(&a));
    assert_int_equal(revoke(e, &c), MAPDB_E_REVOKED);       /* 6 */

    map_new_frame(e, &frame, 0xa);
    mb = map_page(e, &frame, R_ALL, heap_of_a, 0xb);
    mc = copy_page(e, mb, R_READ, heap_of_c, 0xc);
    map_page(e, mb, R_READ, heap_of_b, 0xd);
    assert_int_equal(unmap(e, mb), MAPDB_OK);               /* 4: D goes, C stays */
    assert_int_equal(e->unmapped_count, 1);
    assert_int_equal(e->unmapped[0], 0xd);
    assert_int_equal(heap_of_b->live, 0);
    assert_int_equal(heap_of_c->live, 1);
    assert_int_equal(unmap(e, &frame), MAPDB_OK);           /* 5: B and C go */
    assert_int_equal(e->unmapped_count, 3);
    assert_int_equal(heap_of_a->live + heap_of_c->live, 0);
    heap_of_c->limit = 0;                                   /* 7 */
    mb = map_page(e, &frame, R_ALL, heap_of_a, 0xb);
    assert_int_equal(mapdb_map_copy(&e->db, mb, R_READ, heap_of_c, 0xc, &mc), MAPDB_E_NO_MEMORY);
    assert_int_equal(tree_size(&frame), 2);
    assert_int_equal(unmap(e, &frame), MAPDB_OK);
}

struct walk_log {
    const struct mapdb_record *records[8];
    unsigned depths[8];
    unsigned count;
};

static void log_walk(void *arg, const struct mapdb_record *record, unsigned depth)
{
    struct walk_log *log = arg;

    if (log->count < 8) {
        log->records[log->count] = record;
        log->depths[log->count] = depth;
    }
    log->count++;
}

/* root -> a -> (a1 -> a11, a2); root -> b: preorder with depths, siblings in ring order. */
static void test_walk_is_preorder_with_depths(void **state)
{
    struct env *e = *state;
    struct mapdb_record root;
    struct mapdb_holder h = {0}, a = {0}, b = {0}, a1 = {0}, a2 = {0}, a11 = {0};
    struct walk_log log = {0};

    hold_new_root(e, &root, &h);
    derive(e, &h, &a, R_ALL, &e->heap_a);
    derive(e, &h, &b, R_READ, &e->heap_b);
    derive(e, &a, &a1, R_ALL, &e->heap_a);
    derive(e, &a, &a2, R_READ, &e->heap_a);
    derive(e, &a1, &a11, R_READ, &e->heap_c);
    assert_int_equal(mapdb_walk_tree(&root, log_walk, &log), 6);
    assert_int_equal(log.count, 6);
    assert_ptr_equal(log.records[0], &root);
    assert_int_equal(log.depths[0], 0);
    /* Every record appears once, at the depth of its holder's derivation. */
    const struct mapdb_record *expected[] = { a.record, a1.record, a11.record, a2.record, b.record };
    const unsigned depths[] = { 1, 2, 3, 2, 1 };
    for (unsigned i = 0; i < 5; i++) {
        unsigned found = 0;
        for (unsigned j = 1; j < 6; j++)
            if (log.records[j] == expected[i]) {
                assert_int_equal(log.depths[j], depths[i]);
                found++;
            }
        assert_int_equal(found, 1);
    }
    /* Preorder: a subtree's records come right after its top. */
    for (unsigned j = 1; j < 6; j++)
        if (log.records[j] == a1.record)
            assert_ptr_equal(log.records[j + 1], a11.record);
    assert_int_equal(mapdb_walk_tree(NULL, log_walk, &log), MAPDB_E_BAD_ARG);
    assert_int_equal(revoke(e, &h), MAPDB_OK);
    assert_int_equal(mapdb_walk_tree(&root, log_walk, &log), 1);
}

#define TEST(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        TEST(test_copy_shares_record_and_allocates_nothing),
        TEST(test_walk_is_preorder_with_depths),
        TEST(test_copy_errors_change_nothing),
        TEST(test_revocable_copy_is_paid_by_sender_and_revocable),
        TEST(test_revocable_copy_heap_exhausted),
        TEST(test_rights_only_shrink),
        TEST(test_grant_moves_holder),
        TEST(test_copy_holder_reached_by_grantors_only),
        TEST(test_revoke_of_revoked_or_empty_holder),
        TEST(test_delete_last_holder_revokes_and_frees),
        TEST(test_delete_last_root_holder_empties_resource),
        TEST(test_destroy_resource_clears_every_holder),
        TEST(test_memory_map_copy_and_unmap),
        TEST(test_memory_errors_change_nothing),
        TEST(test_memory_grant_and_delete_mapping),
        TEST(test_delete_leaf_mapping),
        TEST(test_chunked_revoke_makes_progress),
        TEST(test_cursor_busy_and_abandon),
        TEST(test_reclaim_moves_records_during_revoke),
        TEST(test_moved_record_keeps_relatives),
        TEST(test_reclaim_destroys_records_during_revoke),
        TEST(test_record_empty_in_chunks_then_destroy),
        TEST(test_record_empty_takes_memory_copies),
        TEST(test_revoke_root_destroyed_between_chunks),
        TEST(test_reclaim_destroys_revoke_root),
        TEST(test_interleaved_revokes_of_one_tree),
        TEST(test_deep_chain_revoked_without_recursion),
        TEST(test_wide_tree_linear_work),
        TEST(test_holder_table_moves),
        TEST(test_check_tree_catches_corruption),
        TEST(test_worked_example),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
