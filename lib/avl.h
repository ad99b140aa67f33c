/*
 * avl.h — an ordered set of nodes embedded in their owners (an intrusive
 * AVL tree): insert and remove in O(log n) at worst, the smallest in O(1).
 * Nodes with equal keys keep the order they were inserted in. Nothing is
 * allocated, so the kernel can keep any number of timeouts in one without
 * a walk whose length a user chooses.
 *
 * Freestanding: <stdint.h>, <stddef.h> and <stdbool.h> only.
 */
#ifndef LIB_AVL_H
#define LIB_AVL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct avl_node {
    struct avl_node *left, *right, *parent;
    uint64_t key;
    int32_t height;                 /* of the subtree it roots: 1 for a leaf */
};

struct avl_tree {
    struct avl_node *root;
    struct avl_node *first;         /* the smallest key, the earliest of equals; NULL when empty */
};

/* `node->key` set by the caller; the node must not be in a tree. */
void avl_insert(struct avl_tree *tree, struct avl_node *node);
/* `node` must be in `tree`. */
void avl_remove(struct avl_tree *tree, struct avl_node *node);

static inline struct avl_node *avl_first(const struct avl_tree *tree)
{
    return tree->first;
}

/*
 * Every structural invariant (order, heights, balance, parent links, the
 * cached first): the number of nodes, or -1. For tests; O(n) and recursive
 * to the tree's height (at most about 1.44 log2 n).
 */
long avl_check(const struct avl_tree *tree);

#endif /* LIB_AVL_H */
