/*
 * check.c — queries, and the invariant checker the tests (and a kernel
 * debug command) run over a whole tree. The walk is iterative like
 * everything else: it follows first-child, sibling and first-child-parent
 * links, so it needs no stack however deep the tree is.
 */
#include "mapdb/internal.h"

bool mapdb_record_is_leaf(const struct mapdb_record *record)
{
    return record->first_child == NULL;
}

bool mapdb_root_is_empty(const struct mapdb_record *root)
{
    if (root->first_child != NULL)
        return false;
    if (record_has(root, MAPDB_F_MEMORY))
        return !record_has(root, MAPDB_F_MAPPED);
    return root->holders == NULL;
}

static bool holders_ok(const struct mapdb_record *r)
{
    if (record_has(r, MAPDB_F_MEMORY))
        return true;
    if (record_has(r, MAPDB_F_MAPPED | MAPDB_F_COPY))
        return false;   /* only memory records have these */
    const struct mapdb_holder *h = r->holders;
    if (h == NULL)
        return true;
    do {
        if (h->record != r || h->state != MAPDB_HOLDER_HELD ||
            h->next == NULL || h->next->prev != h ||
            !rights_within(h->rights, r->rights))
            return false;
        h = h->next;
    } while (h != r->holders);
    return true;
}

static bool child_ok(const struct mapdb_record *c, const struct mapdb_record *parent,
                     const struct mapdb_record *first)
{
    if (c->next == NULL || c->next->prev != c)
        return false;
    if ((c == first) != record_has(c, MAPDB_F_FIRST))
        return false;
    if (record_has(c, MAPDB_F_ROOT))
        return false;
    if (record_has(c, MAPDB_F_MEMORY) != record_has(parent, MAPDB_F_MEMORY))
        return false;
    return rights_within(c->rights, parent->rights) && holders_ok(c);
}

/*
 * Check r's children against r, in one pass over the ring: links, flags,
 * rights, holders, and the order links.h promises (after the first child,
 * no ordinary child follows a COPY).
 */
static bool children_ok(const struct mapdb_record *r, mapdb_visit_fn visit,
                        void *arg, long *count)
{
    const struct mapdb_record *first = r->first_child;
    const struct mapdb_record *c = first;
    bool seen_copy = false;

    if (first == NULL)
        return true;
    if (first->parent != r)
        return false;
    do {
        if (!child_ok(c, r, first))
            return false;
        if (c != first) {
            if (record_has(c, MAPDB_F_COPY))
                seen_copy = true;
            else if (seen_copy)
                return false;
        }
        if (visit != NULL)
            visit(arg, c, r);
        (*count)++;
        c = c->next;
    } while (c != first);
    return true;
}

/*
 * The record after `n` in preorder below `root`, or NULL when the walk is
 * done; *depth follows it. Shared by the checker and mapdb_walk_tree.
 */
static const struct mapdb_record *preorder_next(const struct mapdb_record *root, const struct mapdb_record *n,
                                                unsigned *depth)
{
    if (n->first_child != NULL) {
        (*depth)++;
        return n->first_child;
    }
    /* Next sibling; climb when the ring wraps back to its first. */
    for (;;) {
        if (n == root)
            return NULL;
        if (!record_has(n->next, MAPDB_F_FIRST))
            return n->next;
        n = n->next->parent;
        (*depth)--;
    }
}

long mapdb_check_tree(const struct mapdb_record *root, mapdb_visit_fn visit, void *arg)
{
    long count = 1;
    unsigned depth = 0;

    if (root == NULL || !record_has(root, MAPDB_F_ROOT) ||
        record_has(root, MAPDB_F_FIRST | MAPDB_F_COPY) || !holders_ok(root))
        return MAPDB_E_CORRUPT;
    if (visit != NULL)
        visit(arg, root, NULL);
    for (const struct mapdb_record *n = root; n != NULL; n = preorder_next(root, n, &depth))
        if (!children_ok(n, visit, arg, &count))
            return MAPDB_E_CORRUPT;
    return count;
}

/* preorder_next, cut where it would climb: each call is O(1). */
enum mapdb_walk_step mapdb_walk_step(const struct mapdb_record *root, const struct mapdb_record **at,
                                     unsigned *depth, bool *climbing)
{
    const struct mapdb_record *n = *at;

    if (!*climbing && n->first_child != NULL) {
        *at = n->first_child;
        (*depth)++;
        return MAPDB_WALK_VISIT;
    }
    if (n == root) {
        *at = NULL;
        return MAPDB_WALK_END;
    }
    if (!record_has(n->next, MAPDB_F_FIRST)) {
        *at = n->next;
        *climbing = false;
        return MAPDB_WALK_VISIT;
    }
    *at = n->next->parent;
    (*depth)--;
    *climbing = true;
    return MAPDB_WALK_CLIMB;
}

long mapdb_walk_tree(const struct mapdb_record *root, mapdb_walk_fn visit, void *arg)
{
    unsigned depth = 0;
    long count = 0;

    if (root == NULL || visit == NULL)
        return MAPDB_E_BAD_ARG;
    for (const struct mapdb_record *n = root; n != NULL; n = preorder_next(root, n, &depth)) {
        visit(arg, n, depth);
        count++;
    }
    return count;
}
