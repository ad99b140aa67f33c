/*
 * test_avl.c — host tests of lib/avl.c, the ordered set the kernel keeps
 * its timeouts in: the invariants after every step of random inserts and
 * removals against a plain sorted array, equal keys first in first out,
 * and a height that stays logarithmic however the keys come.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <cmocka.h>

#include "lib/avl.h"

#define NODES 2000

struct item {
    struct avl_node node;           /* first: a node's address is its item's */
    unsigned order;                 /* when it was inserted */
    int in_tree;
};

static struct item items[NODES];

/* The reference: the items in the tree, sorted by key and then by insertion. */
static int compare(const void *a, const void *b)
{
    const struct item *x = *(const struct item *const *)a, *y = *(const struct item *const *)b;

    if (x->node.key != y->node.key)
        return x->node.key < y->node.key ? -1 : 1;
    return x->order < y->order ? -1 : x->order > y->order;
}

static void in_order(const struct avl_node *node, const struct item **out, unsigned *count)
{
    if (!node)
        return;
    in_order(node->left, out, count);
    out[(*count)++] = (const struct item *)node;
    in_order(node->right, out, count);
}

static void check_against_reference(const struct avl_tree *tree)
{
    static const struct item *expected[NODES], *seen[NODES];
    unsigned live = 0, count = 0;

    for (unsigned i = 0; i < NODES; i++)
        if (items[i].in_tree)
            expected[live++] = &items[i];
    qsort(expected, live, sizeof expected[0], compare);
    assert_int_equal(avl_check(tree), (long)live);
    in_order(tree->root, seen, &count);
    assert_int_equal(count, live);
    for (unsigned i = 0; i < live; i++)
        assert_ptr_equal(seen[i], expected[i]);
    assert_ptr_equal(avl_first(tree), live ? &expected[0]->node : NULL);
}

static void test_random_inserts_and_removals(void **state)
{
    struct avl_tree tree = { 0 };
    unsigned order = 0;

    (void)state;
    srand(1);
    for (unsigned i = 0; i < NODES; i++)
        items[i] = (struct item){ 0 };
    for (unsigned step = 0; step < 20000; step++) {
        struct item *item = &items[rand() % NODES];
        if (item->in_tree) {
            avl_remove(&tree, &item->node);
            item->in_tree = 0;
        } else {
            item->node.key = (uint64_t)(rand() % 64);     /* few keys: many equals */
            item->order = order++;
            avl_insert(&tree, &item->node);
            item->in_tree = 1;
        }
        if (step % 97 == 0)
            check_against_reference(&tree);
    }
    check_against_reference(&tree);
    /* Emptied from the front, as a timer drains its timeouts. */
    while (avl_first(&tree)) {
        struct item *item = (struct item *)avl_first(&tree);
        avl_remove(&tree, &item->node);
        item->in_tree = 0;
    }
    check_against_reference(&tree);
}

static void test_equal_keys_leave_in_insertion_order(void **state)
{
    struct avl_tree tree = { 0 };

    (void)state;
    for (unsigned i = 0; i < 100; i++) {
        items[i] = (struct item){ .node.key = 7 };
        avl_insert(&tree, &items[i].node);
    }
    for (unsigned i = 0; i < 100; i++) {
        assert_ptr_equal(avl_first(&tree), &items[i].node);
        avl_remove(&tree, &items[i].node);
    }
    assert_null(avl_first(&tree));
}

/* Ascending keys, the worst order for an unbalanced tree: the height stays within 1.44 log2 n. */
static void test_height_stays_logarithmic(void **state)
{
    struct avl_tree tree = { 0 };

    (void)state;
    for (unsigned i = 0; i < NODES; i++) {
        items[i] = (struct item){ .node.key = i };
        avl_insert(&tree, &items[i].node);
    }
    assert_int_equal(avl_check(&tree), NODES);
    assert_true(tree.root->height <= 16);      /* 1.44 * log2(2000) is about 15.8 */
    for (unsigned i = 0; i < NODES; i += 2)
        avl_remove(&tree, &items[i].node);
    assert_int_equal(avl_check(&tree), NODES / 2);
    assert_true(tree.root->height <= 15);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_random_inserts_and_removals),
        cmocka_unit_test(test_equal_keys_leave_in_insertion_order),
        cmocka_unit_test(test_height_stays_logarithmic),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
