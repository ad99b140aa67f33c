/*
 * test_bank_tree.c — cmocka tests of the space bank's bookkeeping
 * (servers/bank/bank_tree.c): limits along the chain, charges, object
 * quotas, the frame ledger and its free runs, heaps, names that go stale,
 * recursive destroy; and a long random run checked step by step against a
 * reference model that recomputes everything naively from a per-frame
 * table (who holds each frame) and the tree's parent links.
 *
 *   test_bank_tree                       the default seeds
 *   test_bank_tree --seed S --ops N      one seed, N steps
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "servers/bank/bank_tree.h"

#define FRAMES 4096u

struct fixture {
    struct bank_ledger ledger;
    struct bank_frame frames[FRAMES];
    uint32_t map[FRAMES / 32];
};

static struct fixture *new_fixture(uint32_t free_from, uint32_t free_to)
{
    struct fixture *f = calloc(1, sizeof *f);

    assert_non_null(f);
    ledger_init(&f->ledger, FRAMES, f->frames, f->map);
    for (uint32_t frame = free_from; frame < free_to; frame++)
        assert_int_equal(ledger_add_free(&f->ledger, frame), BANK_TREE_OK);
    return f;
}

static void assert_ledger_ok(const struct bank_ledger *ledger)
{
    const char *why = "";

    if (!ledger_check(ledger, &why))
        fail_msg("ledger check: %s", why);
}

/* ---- limits along the chain ------------------------------------------------ */

static void test_limits_along_the_chain(void **state)
{
    struct fixture *f = new_fixture(0, 1000);
    struct bank_ledger *l = &f->ledger;
    uint32_t root, a, b, c, first, count;

    (void)state;
    assert_int_equal(ledger_create_root(l, 1000, &root), BANK_TREE_OK);
    assert_int_equal(ledger_create_child(l, root, 100, 10, &a), BANK_TREE_OK);
    assert_int_equal(ledger_create_child(l, a, BANK_UNLIMITED, 5, &b), BANK_TREE_OK);
    assert_int_equal(ledger_create_child(l, b, 500, 1, &c), BANK_TREE_OK);
    assert_int_equal(ledger_effective_limit(l, c), 100);
    assert_int_equal(ledger_available(l, c), 100);
    assert_int_equal(ledger_charge_check(l, c, 101), BANK_TREE_LIMIT);
    assert_int_equal(ledger_charge_check(l, c, 100), BANK_TREE_OK);
    assert_int_equal(ledger_find_run(l, 60, 60, &first, &count), BANK_TREE_OK);
    ledger_sell(l, c, first, count);
    /* Charged to c and every ancestor. */
    assert_int_equal(ledger_object(l, c)->charged, 60);
    assert_int_equal(ledger_object(l, b)->charged, 60);
    assert_int_equal(ledger_object(l, a)->charged, 60);
    assert_int_equal(ledger_object(l, root)->charged, 60);
    assert_int_equal(ledger_object(l, b)->own.sold, 0);
    /* a's room is now 40: b, which has no limit of its own, sees it too. */
    assert_int_equal(ledger_available(l, b), 40);
    assert_int_equal(ledger_charge_check(l, b, 41), BANK_TREE_LIMIT);
    /* Lowering c's limit below its charge: nothing more there, the rest of the chain is unaffected. */
    ledger_set_limit(l, c, 10);
    assert_int_equal(ledger_available(l, c), 0);
    assert_int_equal(ledger_charge_check(l, c, 1), BANK_TREE_LIMIT);
    assert_int_equal(ledger_available(l, b), 40);
    /* The root's limit binds everyone. */
    ledger_set_limit(l, root, 70);
    assert_int_equal(ledger_available(l, b), 10);
    assert_int_equal(ledger_effective_limit(l, b), 70);
    assert_ledger_ok(l);
    free(f);
}

static void test_available_is_bounded_by_free_frames(void **state)
{
    struct fixture *f = new_fixture(0, 50);
    uint32_t root;

    (void)state;
    assert_int_equal(ledger_create_root(&f->ledger, BANK_UNLIMITED, &root), BANK_TREE_OK);
    assert_int_equal(ledger_available(&f->ledger, root), 50);
    assert_int_equal(ledger_effective_limit(&f->ledger, root), BANK_UNLIMITED);
    free(f);
}

/* ---- frames ------------------------------------------------------------------- */

static void test_sell_return_and_origin(void **state)
{
    struct fixture *f = new_fixture(100, 200);
    struct bank_ledger *l = &f->ledger;
    uint32_t root, a, b, first, count;

    (void)state;
    assert_int_equal(ledger_create_root(l, BANK_UNLIMITED, &root), BANK_TREE_OK);
    assert_int_equal(ledger_create_child(l, root, 50, 4, &a), BANK_TREE_OK);
    assert_int_equal(ledger_create_child(l, a, 50, 0, &b), BANK_TREE_OK);
    assert_int_equal(ledger_find_run(l, 4, 4, &first, &count), BANK_TREE_OK);
    assert_int_equal(first, 100);
    assert_int_equal(count, 4);
    ledger_sell(l, b, first, 4);
    assert_int_equal(ledger_frame_origin(l, b, 101), BANK_FROM_HERE);
    assert_int_equal(ledger_frame_origin(l, a, 101), BANK_FROM_BELOW);
    assert_int_equal(ledger_frame_origin(l, root, 101), BANK_FROM_BELOW);
    assert_int_equal(ledger_frame_origin(l, b, 104), BANK_FROM_NOWHERE);     /* free */
    assert_int_equal(ledger_frame_origin(l, b, 5), BANK_FROM_NOWHERE);       /* absent */
    assert_int_equal(ledger_frame_origin(l, b, FRAMES + 7), BANK_FROM_NOWHERE);
    /* Only the bank that sold a frame takes it back, and only frames it sold. */
    assert_int_equal(ledger_return_check(l, a, 100, 1), BANK_TREE_NOT_HERE);
    assert_int_equal(ledger_return_check(l, b, 100, 5), BANK_TREE_NOT_HERE);
    assert_int_equal(ledger_return_check(l, b, 0, 0), BANK_TREE_NOT_HERE);
    assert_int_equal(ledger_return_check(l, b, FRAMES - 1, 2), BANK_TREE_NOT_HERE);
    assert_int_equal(ledger_return_check(l, b, 0xffffffffu, 2), BANK_TREE_NOT_HERE);
    assert_int_equal(ledger_return_check(l, b, 101, 2), BANK_TREE_OK);
    ledger_return(l, b, 101, 2);
    assert_int_equal(ledger_object(l, b)->own.sold, 2);
    assert_int_equal(ledger_object(l, root)->charged, 2);
    assert_int_equal(ledger_object(l, b)->history.bought, 4);
    assert_int_equal(ledger_object(l, b)->history.returned, 2);
    assert_int_equal(l->free_frames, 98);
    assert_ledger_ok(l);
    free(f);
}

static void test_free_runs(void **state)
{
    struct fixture *f = new_fixture(0, 0);
    struct bank_ledger *l = &f->ledger;
    uint32_t root, first, count;

    (void)state;
    /* Free: 10..12, 40..49, 4090..4095. */
    for (uint32_t frame = 10; frame < 13; frame++)
        ledger_add_free(l, frame);
    for (uint32_t frame = 40; frame < 50; frame++)
        ledger_add_free(l, frame);
    for (uint32_t frame = 4090; frame < FRAMES; frame++)
        ledger_add_free(l, frame);
    assert_int_equal(ledger_create_root(l, BANK_UNLIMITED, &root), BANK_TREE_OK);
    assert_int_equal(ledger_find_run(l, 0, 1, &first, &count), BANK_TREE_ARGUMENT);
    assert_int_equal(ledger_find_run(l, 3, 2, &first, &count), BANK_TREE_ARGUMENT);
    assert_int_equal(ledger_find_run(l, 20, 20, &first, &count), BANK_TREE_NO_FRAMES);
    assert_int_equal(ledger_find_run(l, 11, 11, &first, &count), BANK_TREE_FRAGMENTED);
    assert_int_equal(ledger_find_run(l, 5, 8, &first, &count), BANK_TREE_OK);
    assert_int_equal(first, 40);
    assert_int_equal(count, 8);
    ledger_sell(l, root, first, count);
    /* Next fit from the cursor: 48..49 first, then the end of memory, then wrap to 10. */
    assert_int_equal(ledger_find_run(l, 1, 64, &first, &count), BANK_TREE_OK);
    assert_int_equal(first, 48);
    assert_int_equal(count, 2);
    ledger_sell(l, root, first, count);
    assert_int_equal(ledger_find_run(l, 1, 64, &first, &count), BANK_TREE_OK);
    assert_int_equal(first, 4090);
    assert_int_equal(count, 6);
    ledger_sell(l, root, first, count);
    assert_int_equal(ledger_find_run(l, 1, 64, &first, &count), BANK_TREE_OK);
    assert_int_equal(first, 10);
    assert_int_equal(count, 3);
    ledger_sell(l, root, first, count);
    assert_int_equal(ledger_find_run(l, 1, 1, &first, &count), BANK_TREE_NO_FRAMES);
    assert_ledger_ok(l);
    free(f);
}

static void test_start_states(void **state)
{
    struct fixture *f = new_fixture(0, 10);
    struct bank_ledger *l = &f->ledger;

    (void)state;
    assert_int_equal(ledger_add_free(l, 3), BANK_TREE_ARGUMENT);         /* not absent */
    assert_int_equal(ledger_add_free(l, FRAMES), BANK_TREE_ARGUMENT);
    assert_int_equal(ledger_add_server(l, 20), BANK_TREE_OK);
    assert_int_equal(ledger_add_server(l, 20), BANK_TREE_ARGUMENT);
    assert_int_equal(ledger_take_for_server(l, 4), BANK_TREE_OK);
    assert_int_equal(ledger_take_for_server(l, 4), BANK_TREE_ARGUMENT);
    assert_int_equal(l->free_frames, 9);
    assert_int_equal(l->by_state[BANK_FRAME_SERVER], 2);
    assert_ledger_ok(l);
    free(f);
}

/* ---- heaps and bookkeeping ------------------------------------------------------- */

static void test_heaps_charge_their_bank(void **state)
{
    struct fixture *f = new_fixture(0, 300);
    struct bank_ledger *l = &f->ledger;
    uint32_t root, a, heap, other, first, count;

    (void)state;
    assert_int_equal(ledger_create_root(l, BANK_UNLIMITED, &root), BANK_TREE_OK);
    assert_int_equal(ledger_create_child(l, root, 20, 2, &a), BANK_TREE_OK);
    assert_int_equal(ledger_heap_create(l, a, &heap), BANK_TREE_OK);
    assert_int_equal(ledger_heap_create(l, a, &other), BANK_TREE_OK);
    assert_int_equal(ledger_heap_create(l, a, &count), BANK_TREE_NO_OBJECTS);
    assert_int_equal(ledger_find_run(l, 5, 5, &first, &count), BANK_TREE_OK);
    ledger_donate(l, heap, first, 5);
    assert_int_equal(ledger_find_run(l, 2, 2, &first, &count), BANK_TREE_OK);
    ledger_bookkeeping(l, a, first, 2);
    assert_int_equal(ledger_object(l, a)->own.heap_pages, 5);
    assert_int_equal(ledger_object(l, a)->own.bookkeeping, 2);
    assert_int_equal(ledger_object(l, root)->charged, 7);
    assert_int_equal(ledger_available(l, a), 13);
    /* A reclaim gave back one page of the heap, then the kernel one bookkeeping page. */
    assert_int_equal(ledger_frame_back(l, ledger_first_frame(l, heap)), BANK_TREE_OK);
    assert_int_equal(ledger_frame_back(l, first), BANK_TREE_OK);
    assert_int_equal(ledger_frame_back(l, first), BANK_TREE_ARGUMENT);          /* free now */
    assert_int_equal(ledger_frame_back(l, FRAMES), BANK_TREE_ARGUMENT);
    assert_int_equal(ledger_object(l, heap)->frames, 4);
    assert_int_equal(ledger_object(l, a)->charged, 5);
    assert_int_equal(ledger_object(l, a)->history.heap_pages_back, 1);
    ledger_heap_destroy(l, heap);
    assert_int_equal(ledger_object(l, a)->charged, 1);
    assert_int_equal(ledger_object(l, a)->own.heap_pages, 0);
    assert_int_equal(ledger_object(l, a)->objects_used, 1);
    assert_ledger_ok(l);
    free(f);
}

/* ---- quotas, depth, names ---------------------------------------------------------- */

static void test_object_quota_moves_to_children(void **state)
{
    struct fixture *f = new_fixture(0, 10);
    struct bank_ledger *l = &f->ledger;
    uint32_t root, a, b, c, heap;

    (void)state;
    assert_int_equal(ledger_create_root(l, BANK_UNLIMITED, &root), BANK_TREE_OK);
    assert_int_equal(ledger_object(l, root)->object_quota, BANK_MAX_OBJECTS - 2);
    assert_int_equal(ledger_create_child(l, root, BANK_UNLIMITED, 3, &a), BANK_TREE_OK);
    /* a holds 3: a child with 2 takes all of it (2 + its own record). */
    assert_int_equal(ledger_create_child(l, a, BANK_UNLIMITED, 3, &b), BANK_TREE_NO_OBJECTS);
    assert_int_equal(ledger_create_child(l, a, BANK_UNLIMITED, 2, &b), BANK_TREE_OK);
    assert_int_equal(ledger_heap_create(l, a, &heap), BANK_TREE_NO_OBJECTS);
    assert_int_equal(ledger_create_child(l, b, BANK_UNLIMITED, 1, &c), BANK_TREE_OK);
    assert_int_equal(ledger_heap_create(l, c, &heap), BANK_TREE_OK);
    assert_int_equal(ledger_create_child(l, root, BANK_UNLIMITED, BANK_MAX_OBJECTS, &c), BANK_TREE_NO_OBJECTS);
    /* Destroying b gives a its 3 back. */
    assert_int_equal(ledger_destroy(l, b), BANK_TREE_OK);
    assert_int_equal(ledger_object(l, a)->objects_used, 0);
    assert_int_equal(ledger_heap_create(l, a, &heap), BANK_TREE_OK);
    assert_ledger_ok(l);
    free(f);
}

static void test_depth_is_bounded(void **state)
{
    struct fixture *f = new_fixture(0, 10);
    struct bank_ledger *l = &f->ledger;
    uint32_t bank, child;

    (void)state;
    assert_int_equal(ledger_create_root(l, BANK_UNLIMITED, &bank), BANK_TREE_OK);
    for (uint32_t depth = 1; depth <= BANK_MAX_DEPTH; depth++) {
        assert_int_equal(ledger_create_child(l, bank, BANK_UNLIMITED, 100 - depth, &child), BANK_TREE_OK);
        assert_int_equal(ledger_object(l, child)->depth, depth);
        bank = child;
    }
    assert_int_equal(ledger_create_child(l, bank, BANK_UNLIMITED, 0, &child), BANK_TREE_TOO_DEEP);
    assert_ledger_ok(l);
    free(f);
}

static void test_names_go_stale(void **state)
{
    struct fixture *f = new_fixture(0, 10);
    struct bank_ledger *l = &f->ledger;
    uint32_t root, a, heap, name, heap_name, again;

    (void)state;
    assert_int_equal(ledger_create_root(l, BANK_UNLIMITED, &root), BANK_TREE_OK);
    assert_int_equal(ledger_create_root(l, BANK_UNLIMITED, &again), BANK_TREE_ARGUMENT);
    assert_int_equal(ledger_create_child(l, root, BANK_UNLIMITED, 1, &a), BANK_TREE_OK);
    assert_int_equal(ledger_heap_create(l, a, &heap), BANK_TREE_OK);
    name = ledger_object_name(l, a);
    heap_name = ledger_object_name(l, heap);
    assert_int_not_equal(name, 0);
    assert_int_equal(ledger_lookup(l, name, BANK_OBJECT_BANK), a);
    assert_int_equal(ledger_lookup(l, name, BANK_OBJECT_HEAP), 0);
    assert_int_equal(ledger_lookup(l, heap_name, BANK_OBJECT_HEAP), heap);
    assert_int_equal(ledger_lookup(l, 0, BANK_OBJECT_BANK), 0);
    assert_int_equal(ledger_lookup(l, name | 1u << 30, BANK_OBJECT_BANK), 0);
    assert_int_equal(ledger_destroy(l, root), BANK_TREE_ROOT);
    assert_int_equal(ledger_destroy(l, a), BANK_TREE_OK);
    assert_int_equal(ledger_lookup(l, name, BANK_OBJECT_BANK), 0);
    assert_int_equal(ledger_lookup(l, heap_name, BANK_OBJECT_HEAP), 0);
    /* Every index once more: the old names stay stale even when their indexes come back. */
    for (uint32_t i = 0; i < BANK_MAX_OBJECTS - 2; i++) {
        uint32_t child;
        assert_int_equal(ledger_create_child(l, root, BANK_UNLIMITED, 0, &child), BANK_TREE_OK);
        assert_int_not_equal(ledger_object_name(l, child), name);
        assert_int_not_equal(ledger_object_name(l, child), heap_name);
    }
    assert_int_equal(ledger_create_child(l, root, BANK_UNLIMITED, 0, &again), BANK_TREE_NO_OBJECTS);
    assert_int_equal(ledger_lookup(l, name, BANK_OBJECT_BANK), 0);
    assert_ledger_ok(l);
    free(f);
}

/* ---- destroy --------------------------------------------------------------------- */

static void test_destroy_returns_everything(void **state)
{
    struct fixture *f = new_fixture(0, 2000);
    struct bank_ledger *l = &f->ledger;
    uint32_t root, keep, top, first, count, banks[8], heaps[8], seen = 0;

    (void)state;
    assert_int_equal(ledger_create_root(l, BANK_UNLIMITED, &root), BANK_TREE_OK);
    assert_int_equal(ledger_create_child(l, root, 100, 4, &keep), BANK_TREE_OK);
    assert_int_equal(ledger_find_run(l, 10, 10, &first, &count), BANK_TREE_OK);
    ledger_sell(l, keep, first, 10);
    assert_int_equal(ledger_create_child(l, root, 1000, 40, &top), BANK_TREE_OK);
    /* Three levels, two children each at the first: top -> b0, b1; b0 -> b2; b2 -> b3. */
    banks[0] = top;
    assert_int_equal(ledger_create_child(l, top, BANK_UNLIMITED, 20, &banks[1]), BANK_TREE_OK);
    assert_int_equal(ledger_create_child(l, top, 200, 2, &banks[2]), BANK_TREE_OK);
    assert_int_equal(ledger_create_child(l, banks[1], BANK_UNLIMITED, 10, &banks[3]), BANK_TREE_OK);
    assert_int_equal(ledger_create_child(l, banks[3], BANK_UNLIMITED, 2, &banks[4]), BANK_TREE_OK);
    for (uint32_t i = 0; i < 5; i++) {
        assert_int_equal(ledger_heap_create(l, banks[i], &heaps[i]), BANK_TREE_OK);
        assert_int_equal(ledger_find_run(l, 7, 7, &first, &count), BANK_TREE_OK);
        ledger_sell(l, banks[i], first, 7);
        assert_int_equal(ledger_find_run(l, 3, 3, &first, &count), BANK_TREE_OK);
        ledger_donate(l, heaps[i], first, 3);
        assert_int_equal(ledger_find_run(l, 1, 1, &first, &count), BANK_TREE_OK);
        ledger_bookkeeping(l, banks[i], first, 1);
    }
    for (uint32_t b = ledger_subtree_next(l, top, 0); b; b = ledger_subtree_next(l, top, b))
        seen++;
    assert_int_equal(seen, 5);
    assert_int_equal(ledger_object(l, top)->charged, 55);
    assert_int_equal(ledger_object(l, root)->charged, 65);
    assert_int_equal(l->free_frames, 2000 - 65);
    assert_int_equal(ledger_destroy(l, top), BANK_TREE_OK);
    assert_int_equal(l->free_frames, 2000 - 10);
    assert_int_equal(ledger_object(l, root)->charged, 10);
    assert_int_equal(ledger_object(l, root)->objects_used, 5);
    assert_int_equal(l->objects_live, 2);
    for (uint32_t i = 0; i < 5; i++) {
        assert_int_equal(ledger_object(l, banks[i])->kind, BANK_OBJECT_NONE);
        assert_int_equal(ledger_object(l, heaps[i])->kind, BANK_OBJECT_NONE);
    }
    assert_ledger_ok(l);
    free(f);
}

/* A sibling in the middle of the parent's list: the others stay linked. */
static void test_destroy_middle_sibling(void **state)
{
    struct fixture *f = new_fixture(0, 100);
    struct bank_ledger *l = &f->ledger;
    uint32_t root, a, b, c, seen = 0;

    (void)state;
    assert_int_equal(ledger_create_root(l, BANK_UNLIMITED, &root), BANK_TREE_OK);
    assert_int_equal(ledger_create_child(l, root, 10, 0, &a), BANK_TREE_OK);
    assert_int_equal(ledger_create_child(l, root, 10, 0, &b), BANK_TREE_OK);
    assert_int_equal(ledger_create_child(l, root, 10, 0, &c), BANK_TREE_OK);
    assert_int_equal(ledger_destroy(l, b), BANK_TREE_OK);
    for (uint32_t x = ledger_subtree_next(l, root, 0); x; x = ledger_subtree_next(l, root, x))
        seen++;
    assert_int_equal(seen, 3);
    assert_ledger_ok(l);
    free(f);
}

/* The checker catches what it claims to: each corruption is noticed. */
static void test_check_catches_corruption(void **state)
{
    struct fixture *f = new_fixture(0, 100);
    struct bank_ledger *l = &f->ledger;
    uint32_t root, a, first, count;
    const char *why = NULL;

    (void)state;
    assert_int_equal(ledger_create_root(l, BANK_UNLIMITED, &root), BANK_TREE_OK);
    assert_int_equal(ledger_create_child(l, root, 10, 0, &a), BANK_TREE_OK);
    assert_int_equal(ledger_find_run(l, 3, 3, &first, &count), BANK_TREE_OK);
    ledger_sell(l, a, first, 3);
    assert_ledger_ok(l);
    l->objects[root].charged++;
    assert_false(ledger_check(l, &why));
    l->objects[root].charged--;
    l->free_map[0] |= 1;                     /* frame 0 is sold */
    assert_false(ledger_check(l, &why));
    l->free_map[0] &= ~1u;
    l->frames[first + 1].owner = (uint16_t)root;
    assert_false(ledger_check(l, &why));
    l->frames[first + 1].owner = (uint16_t)a;
    l->objects[root].objects_used++;
    assert_false(ledger_check(l, &why));
    l->objects[root].objects_used--;
    assert_ledger_ok(l);
    free(f);
}

/* ---- the model -------------------------------------------------------------------- */

/*
 * The reference: who holds each frame (0 free, else an object index with
 * its kind), each object's kind, parent and limit. Charges, availability,
 * effective limits and quotas are recomputed from these by brute force.
 */
struct model {
    uint8_t kind[BANK_MAX_OBJECTS];
    uint32_t parent[BANK_MAX_OBJECTS];
    uint32_t limit[BANK_MAX_OBJECTS];
    uint32_t quota[BANK_MAX_OBJECTS];
    uint32_t name[BANK_MAX_OBJECTS];
    uint8_t frame_state[FRAMES];
    uint32_t frame_owner[FRAMES];
};

static uint64_t rng_state;

static uint32_t rnd(uint32_t n)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return n ? (uint32_t)(rng_state % n) : 0;
}

static bool model_below(const struct model *m, uint32_t ancestor, uint32_t bank)
{
    for (uint32_t b = bank; b; b = m->parent[b])
        if (b == ancestor)
            return true;
    return false;
}

/* The bank a frame is charged to directly, or 0. */
static uint32_t charged_to(const struct model *m, uint32_t frame)
{
    switch (m->frame_state[frame]) {
    case BANK_FRAME_SOLD:
    case BANK_FRAME_BOOKKEEPING:
        return m->frame_owner[frame];
    case BANK_FRAME_HEAP:
        return m->parent[m->frame_owner[frame]];
    default:
        return 0;
    }
}

/* Every bank's charge at once: each held frame counts for its bank and all the ancestors. */
static void model_charges(const struct model *m, uint32_t *charged)
{
    memset(charged, 0, BANK_MAX_OBJECTS * sizeof *charged);
    for (uint32_t f = 0; f < FRAMES; f++)
        for (uint32_t b = charged_to(m, f); b; b = m->parent[b])
            charged[b]++;
}

static uint32_t model_free(const struct model *m)
{
    uint32_t free_frames = 0;

    for (uint32_t f = 0; f < FRAMES; f++)
        free_frames += m->frame_state[f] == BANK_FRAME_FREE;
    return free_frames;
}

/* The smallest room under a limit along the chain. */
static uint32_t model_room(const struct model *m, const uint32_t *charged, uint32_t bank)
{
    uint32_t smallest = BANK_UNLIMITED;

    for (uint32_t b = bank; b; b = m->parent[b]) {
        uint32_t room = m->limit[b] == BANK_UNLIMITED ? BANK_UNLIMITED
                        : charged[b] >= m->limit[b] ? 0 : m->limit[b] - charged[b];
        if (room < smallest)
            smallest = room;
    }
    return smallest;
}

static uint32_t model_room_now(const struct model *m, uint32_t bank)
{
    static uint32_t charged[BANK_MAX_OBJECTS];

    model_charges(m, charged);
    return model_room(m, charged, bank);
}

static uint32_t model_objects_used(const struct model *m, uint32_t bank)
{
    uint32_t used = 0;

    for (uint32_t i = 1; i < BANK_MAX_OBJECTS; i++) {
        if (m->kind[i] == BANK_OBJECT_HEAP && m->parent[i] == bank)
            used++;
        if (m->kind[i] == BANK_OBJECT_BANK && m->parent[i] == bank)
            used += 1 + m->quota[i];
    }
    return used;
}

static uint32_t model_depth(const struct model *m, uint32_t bank)
{
    uint32_t depth = 0;

    for (uint32_t b = m->parent[bank]; b; b = m->parent[b])
        depth++;
    return depth;
}

/* A live object of `kind`, or 0. */
static uint32_t pick(const struct model *m, uint8_t kind)
{
    uint32_t start = 1 + rnd(BANK_MAX_OBJECTS - 1);

    for (uint32_t i = 0; i < BANK_MAX_OBJECTS - 1; i++) {
        uint32_t index = 1 + (start - 1 + i) % (BANK_MAX_OBJECTS - 1);
        if (m->kind[index] == kind)
            return index;
    }
    return 0;
}

/* Frames of the model held by `owner` in `state`, one at random, or BANK_NO_FRAME. */
static uint32_t pick_frame(const struct model *m, uint8_t state, uint32_t owner)
{
    uint32_t start = rnd(FRAMES);

    for (uint32_t i = 0; i < FRAMES; i++) {
        uint32_t f = (start + i) % FRAMES;
        if (m->frame_state[f] == state && (owner == 0 || m->frame_owner[f] == owner))
            return f;
    }
    return BANK_NO_FRAME;
}

static void model_take(struct model *m, uint32_t first, uint32_t count, uint8_t state, uint32_t owner)
{
    for (uint32_t f = first; f < first + count; f++) {
        assert_int_equal(m->frame_state[f], BANK_FRAME_FREE);
        m->frame_state[f] = state;
        m->frame_owner[f] = owner;
    }
}

/* Everything the model knows equals what the ledger says. */
static void compare(const struct model *m, const struct bank_ledger *l)
{
    static uint32_t charged[BANK_MAX_OBJECTS];
    uint32_t free_frames = model_free(m);

    model_charges(m, charged);
    assert_ledger_ok(l);
    assert_int_equal(l->free_frames, free_frames);
    for (uint32_t f = 0; f < FRAMES; f++) {
        assert_int_equal(l->frames[f].state, m->frame_state[f]);
        if (m->frame_owner[f])
            assert_int_equal(l->frames[f].owner, m->frame_owner[f]);
    }
    for (uint32_t i = 1; i < BANK_MAX_OBJECTS; i++) {
        assert_int_equal(l->objects[i].kind, m->kind[i]);
        if (m->kind[i] == BANK_OBJECT_NONE) {
            assert_int_equal(ledger_lookup(l, m->name[i], BANK_OBJECT_BANK), 0);
            assert_int_equal(ledger_lookup(l, m->name[i], BANK_OBJECT_HEAP), 0);
            continue;
        }
        assert_int_equal(ledger_lookup(l, m->name[i], m->kind[i]), i);
        assert_int_equal(l->objects[i].parent, m->parent[i]);
        if (m->kind[i] != BANK_OBJECT_BANK)
            continue;
        assert_int_equal(l->objects[i].charged, charged[i]);
        assert_int_equal(ledger_available(l, i), model_room(m, charged, i) < free_frames ? model_room(m, charged, i)
                                                                                        : free_frames);
        assert_int_equal(l->objects[i].objects_used, model_objects_used(m, i));
        assert_int_equal(l->objects[i].depth, model_depth(m, i));
    }
}

static void model_destroy(struct model *m, uint32_t top)
{
    for (uint32_t i = 1; i < BANK_MAX_OBJECTS; i++) {
        uint32_t bank = m->kind[i] == BANK_OBJECT_HEAP ? m->parent[i] : i;
        if (m->kind[i] != BANK_OBJECT_NONE && model_below(m, top, bank))
            m->kind[i] = 0xff;                  /* dying: parent links still needed below */
    }
    for (uint32_t f = 0; f < FRAMES; f++)
        if (m->frame_owner[f] && m->kind[m->frame_owner[f]] == 0xff) {
            m->frame_state[f] = BANK_FRAME_FREE;
            m->frame_owner[f] = 0;
        }
    for (uint32_t i = 1; i < BANK_MAX_OBJECTS; i++)
        if (m->kind[i] == 0xff)
            m->kind[i] = BANK_OBJECT_NONE;
}

static uint32_t random_limit(void)
{
    return rnd(4) == 0 ? BANK_UNLIMITED : rnd(300);
}

/* One random operation, done to both, results compared. */
static void model_step(struct model *m, struct bank_ledger *l, uint32_t root)
{
    uint32_t bank = pick(m, BANK_OBJECT_BANK), heap = pick(m, BANK_OBJECT_HEAP);
    uint32_t first = 0, count = 0, index = 0, wanted;
    int status, expected;

    switch (rnd(12)) {
    case 0: {                                                   /* a child */
        uint32_t limit = random_limit(), objects = rnd(20);
        uint32_t free_objects = m->quota[bank] - model_objects_used(m, bank);
        expected = model_depth(m, bank) + 1 > BANK_MAX_DEPTH ? BANK_TREE_TOO_DEEP
                   : free_objects < objects + 1 ? BANK_TREE_NO_OBJECTS : BANK_TREE_OK;
        status = ledger_create_child(l, bank, limit, objects, &index);
        assert_int_equal(status, expected);
        if (status == BANK_TREE_OK) {
            m->kind[index] = BANK_OBJECT_BANK;
            m->parent[index] = bank;
            m->limit[index] = limit;
            m->quota[index] = objects;
            m->name[index] = ledger_object_name(l, index);
        }
        break;
    }
    case 1:                                                     /* a limit */
        m->limit[bank] = random_limit();
        ledger_set_limit(l, bank, m->limit[bank]);
        break;
    case 2:
    case 3:
    case 4: {                                                   /* buy a run */
        wanted = 1 + rnd(rnd(4) == 0 ? 40 : 4);
        expected = model_room_now(m, bank) >= wanted ? BANK_TREE_OK : BANK_TREE_LIMIT;
        status = ledger_charge_check(l, bank, wanted);
        assert_int_equal(status, expected);
        if (status != BANK_TREE_OK)
            break;
        status = ledger_find_run(l, wanted, wanted, &first, &count);
        if (model_free(m) < wanted)
            assert_int_equal(status, BANK_TREE_NO_FRAMES);
        if (status != BANK_TREE_OK)
            break;
        assert_int_equal(count, wanted);
        model_take(m, first, count, BANK_FRAME_SOLD, bank);
        ledger_sell(l, bank, first, count);
        break;
    }
    case 5: {                                                   /* return, right or wrong */
        uint32_t frame = pick_frame(m, BANK_FRAME_SOLD, rnd(3) ? bank : 0);
        if (frame == BANK_NO_FRAME)
            frame = rnd(FRAMES);
        count = 1 + rnd(3);
        expected = BANK_TREE_OK;
        for (uint32_t f = frame; f < frame + count; f++)
            if (f >= FRAMES || m->frame_state[f] != BANK_FRAME_SOLD || m->frame_owner[f] != bank)
                expected = BANK_TREE_NOT_HERE;
        assert_int_equal(ledger_return_check(l, bank, frame, count), expected);
        if (expected != BANK_TREE_OK)
            break;
        for (uint32_t f = frame; f < frame + count; f++) {
            m->frame_state[f] = BANK_FRAME_FREE;
            m->frame_owner[f] = 0;
        }
        ledger_return(l, bank, frame, count);
        break;
    }
    case 6:                                                     /* a heap */
        expected = m->quota[bank] - model_objects_used(m, bank) >= 1 ? BANK_TREE_OK : BANK_TREE_NO_OBJECTS;
        status = ledger_heap_create(l, bank, &index);
        assert_int_equal(status, expected);
        if (status == BANK_TREE_OK) {
            m->kind[index] = BANK_OBJECT_HEAP;
            m->parent[index] = bank;
            m->name[index] = ledger_object_name(l, index);
        }
        break;
    case 7: {                                                   /* a heap fault: donate, or bookkeeping */
        bool to_heap = heap && rnd(2);
        uint32_t payer = to_heap ? m->parent[heap] : bank;
        wanted = 1 + rnd(8);
        if (ledger_charge_check(l, payer, wanted) != BANK_TREE_OK) {
            assert_true(model_room_now(m, payer) < wanted);
            break;
        }
        if (ledger_find_run(l, 1, wanted, &first, &count) != BANK_TREE_OK)
            break;
        if (to_heap) {
            model_take(m, first, count, BANK_FRAME_HEAP, heap);
            ledger_donate(l, heap, first, count);
        } else {
            model_take(m, first, count, BANK_FRAME_BOOKKEEPING, bank);
            ledger_bookkeeping(l, bank, first, count);
        }
        break;
    }
    case 8: {                                                   /* a reclaim gave pages back */
        uint32_t frame = pick_frame(m, rnd(2) ? BANK_FRAME_HEAP : BANK_FRAME_BOOKKEEPING, 0);
        if (frame == BANK_NO_FRAME)
            break;
        assert_int_equal(ledger_frame_back(l, frame), BANK_TREE_OK);
        m->frame_state[frame] = BANK_FRAME_FREE;
        m->frame_owner[frame] = 0;
        break;
    }
    case 9:                                                     /* a heap destroyed */
        if (!heap)
            break;
        ledger_heap_destroy(l, heap);
        for (uint32_t f = 0; f < FRAMES; f++)
            if (m->frame_owner[f] == heap && m->frame_state[f] == BANK_FRAME_HEAP) {
                m->frame_state[f] = BANK_FRAME_FREE;
                m->frame_owner[f] = 0;
            }
        m->kind[heap] = BANK_OBJECT_NONE;
        break;
    case 10:                                                    /* a bank destroyed, rarely */
        if (rnd(3))
            break;
        status = ledger_destroy(l, bank);
        assert_int_equal(status, bank == root ? BANK_TREE_ROOT : BANK_TREE_OK);
        if (status == BANK_TREE_OK)
            model_destroy(m, bank);
        break;
    default: {                                                  /* where a frame came from */
        uint32_t frame = rnd(FRAMES + 2);
        enum bank_frame_origin origin = BANK_FROM_NOWHERE;
        if (frame < FRAMES && m->frame_state[frame] == BANK_FRAME_SOLD)
            origin = m->frame_owner[frame] == bank ? BANK_FROM_HERE
                     : model_below(m, bank, m->frame_owner[frame]) ? BANK_FROM_BELOW : BANK_FROM_NOWHERE;
        assert_int_equal(ledger_frame_origin(l, bank, frame), origin);
        break;
    }
    }
}

static uint64_t chosen_seed, chosen_ops;
static bool seed_given;

static void run_model(uint64_t seed, uint64_t ops)
{
    struct fixture *f = new_fixture(0, 0);
    struct model *m = calloc(1, sizeof *m);
    uint32_t root;

    assert_non_null(m);
    rng_state = seed * 2654435761u + 1;
    /* Free frames in a few ranges, the rest absent (the kernel's, modules). */
    for (uint32_t frame = 0; frame < FRAMES; frame++)
        if ((frame / 256) % 4 != 3 && frame % 97 != 5) {
            ledger_add_free(&f->ledger, frame);
            m->frame_state[frame] = BANK_FRAME_FREE;
        }
    assert_int_equal(ledger_create_root(&f->ledger, 2500, &root), BANK_TREE_OK);
    m->kind[root] = BANK_OBJECT_BANK;
    m->limit[root] = 2500;
    m->quota[root] = BANK_MAX_OBJECTS - 2;
    m->name[root] = ledger_object_name(&f->ledger, root);
    for (uint64_t i = 0; i < ops; i++) {
        model_step(m, &f->ledger, root);
        if (i % 16 == 0 || i + 1 == ops)
            compare(m, &f->ledger);
    }
    free(m);
    free(f);
}

static void test_model_random(void **state)
{
    static const uint64_t seeds[] = {1, 2, 3, 0xbeef, 20260101};

    (void)state;
    if (seed_given) {
        run_model(chosen_seed, chosen_ops);
        return;
    }
    for (size_t i = 0; i < sizeof seeds / sizeof seeds[0]; i++)
        run_model(seeds[i], 3000);
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_limits_along_the_chain),
        cmocka_unit_test(test_available_is_bounded_by_free_frames),
        cmocka_unit_test(test_sell_return_and_origin),
        cmocka_unit_test(test_free_runs),
        cmocka_unit_test(test_start_states),
        cmocka_unit_test(test_heaps_charge_their_bank),
        cmocka_unit_test(test_object_quota_moves_to_children),
        cmocka_unit_test(test_depth_is_bounded),
        cmocka_unit_test(test_names_go_stale),
        cmocka_unit_test(test_destroy_returns_everything),
        cmocka_unit_test(test_destroy_middle_sibling),
        cmocka_unit_test(test_check_catches_corruption),
        cmocka_unit_test(test_model_random),
    };

    for (int i = 1; i + 1 < argc; i += 2) {
        if (strcmp(argv[i], "--seed") == 0) {
            chosen_seed = strtoull(argv[i + 1], NULL, 0);
            seed_given = true;
        } else if (strcmp(argv[i], "--ops") == 0) {
            chosen_ops = strtoull(argv[i + 1], NULL, 0);
        }
    }
    if (seed_given && chosen_ops == 0)
        chosen_ops = 10000;
    return cmocka_run_group_tests(tests, NULL, NULL);
}
