/*
 * avl.c — the intrusive AVL tree of avl.h. Each node keeps the height of
 * its subtree; after an insert or a removal the path to the root is walked
 * once, fixing heights and rotating where the two sides differ by two.
 * Equal keys go to the right when inserted, and neither rotations nor the
 * successor swap of a removal change the in-order sequence, so equals stay
 * first in, first out.
 */
#include "lib/avl.h"

static int32_t height(const struct avl_node *node)
{
    return node ? node->height : 0;
}

static void update_height(struct avl_node *node)
{
    int32_t left = height(node->left), right = height(node->right);

    node->height = 1 + (left > right ? left : right);
}

/* `parent`'s link to `old` (or the root, if no parent) now leads to `new_child`. */
static void replace_child(struct avl_tree *tree, struct avl_node *parent, struct avl_node *old,
                          struct avl_node *new_child)
{
    if (!parent)
        tree->root = new_child;
    else if (parent->left == old)
        parent->left = new_child;
    else
        parent->right = new_child;
    if (new_child)
        new_child->parent = parent;
}

static struct avl_node *rotate_left(struct avl_tree *tree, struct avl_node *x)
{
    struct avl_node *y = x->right;

    x->right = y->left;
    if (y->left)
        y->left->parent = x;
    replace_child(tree, x->parent, x, y);
    y->left = x;
    x->parent = y;
    update_height(x);
    update_height(y);
    return y;
}

static struct avl_node *rotate_right(struct avl_tree *tree, struct avl_node *x)
{
    struct avl_node *y = x->left;

    x->left = y->right;
    if (y->right)
        y->right->parent = x;
    replace_child(tree, x->parent, x, y);
    y->right = x;
    x->parent = y;
    update_height(x);
    update_height(y);
    return y;
}

/* From `node` up to the root: heights fixed, each side at most one taller than the other. */
static void rebalance(struct avl_tree *tree, struct avl_node *node)
{
    while (node) {
        int32_t balance = height(node->left) - height(node->right);

        if (balance > 1) {
            if (height(node->left->left) < height(node->left->right))
                rotate_left(tree, node->left);
            node = rotate_right(tree, node);
        } else if (balance < -1) {
            if (height(node->right->right) < height(node->right->left))
                rotate_right(tree, node->right);
            node = rotate_left(tree, node);
        } else {
            update_height(node);
        }
        node = node->parent;
    }
}

static struct avl_node *leftmost(struct avl_node *node)
{
    while (node->left)
        node = node->left;
    return node;
}

void avl_insert(struct avl_tree *tree, struct avl_node *node)
{
    struct avl_node *parent = NULL, **link = &tree->root;

    while (*link) {
        parent = *link;
        link = node->key < parent->key ? &parent->left : &parent->right;
    }
    node->left = node->right = NULL;
    node->parent = parent;
    node->height = 1;
    *link = node;
    if (!tree->first || node->key < tree->first->key)
        tree->first = node;
    rebalance(tree, parent);
}

void avl_remove(struct avl_tree *tree, struct avl_node *node)
{
    struct avl_node *start;

    /* The first has no left child: the next in order is its right subtree's leftmost, or its parent. */
    if (tree->first == node)
        tree->first = node->right ? leftmost(node->right) : node->parent;
    if (node->left && node->right) {
        /* Its successor (no left child) takes its place. */
        struct avl_node *successor = leftmost(node->right);

        if (successor->parent == node) {
            start = successor;
        } else {
            start = successor->parent;
            replace_child(tree, successor->parent, successor, successor->right);
            successor->right = node->right;
            successor->right->parent = successor;
        }
        replace_child(tree, node->parent, node, successor);
        successor->left = node->left;
        successor->left->parent = successor;
        successor->height = node->height;
    } else {
        start = node->parent;
        replace_child(tree, node->parent, node, node->left ? node->left : node->right);
    }
    node->left = node->right = node->parent = NULL;
    rebalance(tree, start);
}

/* The subtree's node count, or -1; its keys must lie in [low, high]. */
static long check_subtree(const struct avl_node *node, const struct avl_node *parent, uint64_t low, uint64_t high)
{
    long left, right;

    if (!node)
        return 0;
    if (node->parent != parent || node->key < low || node->key > high)
        return -1;
    left = check_subtree(node->left, node, low, node->key);
    right = check_subtree(node->right, node, node->key, high);
    if (left < 0 || right < 0)
        return -1;
    int32_t balance = height(node->left) - height(node->right);
    if (balance < -1 || balance > 1 || node->height != 1 + (height(node->left) > height(node->right)
                                                             ? height(node->left) : height(node->right)))
        return -1;
    return left + right + 1;
}

long avl_check(const struct avl_tree *tree)
{
    long count = check_subtree(tree->root, NULL, 0, UINT64_MAX);

    if (count < 0)
        return -1;
    if ((tree->root == NULL) != (tree->first == NULL))
        return -1;
    if (tree->root && tree->first != leftmost(tree->root))
        return -1;
    return count;
}
