/*
 * kheap_reclaim.c — giving pages back to the payer, in bounded steps.
 *
 * Free pages go first. When none is left, a carved page is chosen as the
 * victim (one that moves alone can empty, else the least-used one) and
 * emptied one live object at a time: moved into a free slot of another page
 * of its type when it may move and there is one, otherwise destroyed by the
 * owner. An empty victim is handed back.
 *
 * The victim is flagged and parked on its type's full list, so allocation
 * never puts a new object in it and frees leave it where it is; that is why
 * its live slots always lie at or after st->next_slot, whatever happens
 * between calls. One reclaim may be in progress per heap at a time; a
 * reclaim abandoned half way leaves its victim flagged, and the next one
 * finishes that page first.
 */
#include "kheap/kheap_internal.h"

#define VICTIM_SCAN 32          /* pages looked at to choose a victim, at most */

void kheap_reclaim_begin(struct kheap_reclaim *st, uint32_t pages)
{
    kheap_zero_bytes(st, sizeof *st);
    st->target = pages;
}

/* The page leaves the heap: base to the payer, descriptor reset. */
static void give_back(struct kheap *heap, struct kheap_page *page,
                      struct kheap_reclaim *st, void **out, uint32_t *out_count)
{
    out[(*out_count)++] = page->base;
    kheap_zero_bytes(page, sizeof *page);
    heap->stats.pages_held--;
    heap->stats.pages_reclaimed++;
    st->returned++;
}

static void give_back_free_page(struct kheap *heap, struct kheap_reclaim *st,
                                void **out, uint32_t *out_count)
{
    struct kheap_page *page = heap->free_pages;

    kheap_remove_free_page(heap, page);
    give_back(heap, page, st, out, out_count);
}

static void give_back_victim(struct kheap *heap, struct kheap_reclaim *st,
                             void **out, uint32_t *out_count)
{
    struct kheap_page *page = st->victim;

    kheap_list_remove(&heap->full[page->type], page);
    kheap_uncarve(heap, page);
    heap->evacuating = NULL;
    give_back(heap, page, st, out, out_count);
    st->victim = NULL;
}

/*
 * A page whose live objects all fit in the free slots of other pages of its
 * type can be emptied by moves alone, destroying nothing (unless can_move
 * refuses some object when the time comes).
 */
static bool empties_by_moves(const struct kheap *heap, const struct kheap_page *page)
{
    const struct kheap_type_stats *type = &heap->stats.by_type[page->type];

    return heap->types->types[page->type].movable && heap->ops->moved != NULL &&
           type->allocatable - kheap_allocatable_in(page) >= page->live;
}

/*
 * The victim: the page an abandoned reclaim was emptying, if any; otherwise
 * a page that empties by moves alone, if there is one, else any page, and
 * among those the one with the fewest live objects (least to move or
 * destroy). The choice looks at VICTIM_SCAN pages at most, partial ones
 * (the likeliest to be little used) first, so a step stays short however
 * many pages the heap holds: in a bigger heap the victim is the best of
 * the pages looked at.
 */
static struct kheap_page *least_used_page(struct kheap *heap, uint32_t *scanned_pages)
{
    struct kheap_page *best = NULL;
    bool best_by_moves = false;
    uint32_t scanned = 0;

    *scanned_pages = 0;
    if (heap->evacuating)
        return heap->evacuating;
    for (int l = 0; l < 2; l++) {
        for (uint32_t type = 0; type < heap->types->count; type++) {
            for (struct kheap_page *p = l == 0 ? heap->partial[type] : heap->full[type]; p != NULL; p = p->next) {
                bool by_moves = empties_by_moves(heap, p);
                if (best == NULL || (by_moves && !best_by_moves) ||
                    (by_moves == best_by_moves && p->live < best->live)) {
                    best = p;
                    best_by_moves = by_moves;
                }
                *scanned_pages = ++scanned;
                if (scanned == VICTIM_SCAN)
                    return best;
            }
        }
    }
    return best;
}

static void start_evacuation(struct kheap *heap, struct kheap_reclaim *st,
                             struct kheap_page *page)
{
    if (!(page->flags & KHEAP_PAGE_EVACUATING)) {
        kheap_list_remove(kheap_list_of(heap, page), page);
        kheap_set_evacuating(heap, page, true);
        kheap_list_push(&heap->full[page->type], page);
    }
    st->victim = page;
    st->next_slot = 0;
}

/* Target met: the victim, if any, goes back to being an ordinary page. */
static void stop_evacuation(struct kheap *heap, struct kheap_page *page)
{
    kheap_list_remove(&heap->full[page->type], page);
    kheap_set_evacuating(heap, page, false);
    if (page->live == 0) {
        kheap_uncarve(heap, page);
        kheap_add_free_page(heap, page);
    } else {
        kheap_file_page(heap, page);
    }
}

/* The victim named by st, if it is still this heap's page under evacuation. */
static struct kheap_page *current_victim(struct kheap *heap, struct kheap_reclaim *st)
{
    struct kheap_page *page = st->victim;

    if (page != NULL && page->owner == heap && page->type != KHEAP_UNCARVED &&
        (page->flags & KHEAP_PAGE_EVACUATING))
        return page;
    st->victim = NULL;
    return NULL;
}

static bool may_move(struct kheap *heap, uint32_t type, const void *obj)
{
    const struct kheap_ops *ops = heap->ops;

    if (!heap->types->types[type].movable || ops->moved == NULL)
        return false;
    if (heap->partial[type] == NULL)
        return false;   /* no room: moving would need a page we are emptying */
    return ops->can_move == NULL || ops->can_move(heap->ctx, type, obj);
}

static void move_object(struct kheap *heap, struct kheap_page *victim, uint32_t index)
{
    uint32_t type = victim->type;
    uint32_t slot_size = kheap_slot_size(heap, type);
    struct kheap_page *dest = heap->partial[type];
    void *old_obj = kheap_slot_address(victim, slot_size, index);
    void *new_obj = kheap_take_slot(heap, dest);

    if (dest->live == dest->slots) {
        kheap_list_remove(&heap->partial[type], dest);
        kheap_list_push(&heap->full[type], dest);
    }
    kheap_copy_bytes(new_obj, old_obj, slot_size);
    heap->ops->moved(heap->ctx, type, old_obj, new_obj);
    /* Tolerate an owner that freed old_obj itself. */
    if (kheap_slot_is_live(victim, index))
        kheap_release_slot(heap, victim, index);
    heap->stats.by_type[type].moved++;
}

/* The victim's next live slot at or after st->next_slot, or victim->slots. */
static uint32_t next_live_slot(const struct kheap_page *victim, const struct kheap_reclaim *st)
{
    uint32_t index = st->next_slot;

    while (index < victim->slots && !kheap_slot_is_live(victim, index))
        index++;
    return index;
}

/* One unit of work: move or destroy the victim's next live object. */
static int evacuate_next(struct kheap *heap, struct kheap_reclaim *st,
                         struct kheap_page *victim)
{
    uint32_t index = next_live_slot(victim, st);

    if (index >= victim->slots)
        return KHEAP_E_BAD_ARG;     /* live count disagrees with the bitmap */

    uint32_t type = victim->type;
    void *obj = kheap_slot_address(victim, kheap_slot_size(heap, type), index);
    if (may_move(heap, type, obj)) {
        move_object(heap, victim, index);
        st->moved++;
    } else {
        if (heap->ops->destroy == NULL)
            return KHEAP_E_BAD_ARG;
        heap->ops->destroy(heap->ctx, type, obj);
        /* destroy must free obj; without that reclaim could never finish. */
        if (kheap_slot_is_live(victim, index))
            return KHEAP_E_BAD_ARG;
        heap->stats.by_type[type].destroyed++;
        st->destroyed++;
    }
    st->next_slot = index + 1;
    return KHEAP_OK;
}

static bool reclaim_finished(struct kheap *heap, struct kheap_reclaim *st)
{
    if (st->done)
        return true;
    if (st->returned < st->target && heap->stats.pages_held > 0)
        return false;
    struct kheap_page *victim = current_victim(heap, st);
    if (victim != NULL)
        stop_evacuation(heap, victim);
    st->victim = NULL;
    st->done = true;
    return true;
}

int kheap_reclaim(struct kheap *heap, struct kheap_reclaim *st, uint32_t budget,
                  void **out, uint32_t out_capacity, uint32_t *out_count)
{
    if (heap == NULL || st == NULL || out_count == NULL ||
        (out == NULL && out_capacity > 0))
        return KHEAP_E_BAD_ARG;
    *out_count = 0;

    for (; budget > 0 && !reclaim_finished(heap, st); budget--) {
        if (heap->free_pages != NULL) {
            if (*out_count == out_capacity)
                break;
            give_back_free_page(heap, st, out, out_count);
            continue;
        }
        struct kheap_page *victim = current_victim(heap, st);
        if (victim == NULL) {
            uint32_t scanned_pages;
            victim = least_used_page(heap, &scanned_pages);
            if (victim == NULL)
                return KHEAP_E_BAD_PAGE;    /* pages held, none on a list */
            start_evacuation(heap, st, victim);
        }
        if (victim->live == 0) {
            if (*out_count == out_capacity)
                break;
            give_back_victim(heap, st, out, out_count);
            continue;
        }
        int status = evacuate_next(heap, st, victim);
        if (status != KHEAP_OK)
            return status;
    }
    reclaim_finished(heap, st);
    return KHEAP_OK;
}

void *kheap_reclaim_next(struct kheap *heap, struct kheap_reclaim *st, uint32_t *type, bool *moves)
{
    struct kheap_page *victim;
    uint32_t index;
    void *obj;

    if (st != NULL)
        st->examined = 0;
    if (heap == NULL || st == NULL || type == NULL || moves == NULL || reclaim_finished(heap, st) ||
        heap->free_pages != NULL)
        return NULL;
    victim = current_victim(heap, st);
    if (victim == NULL) {
        uint32_t scanned_pages;
        victim = least_used_page(heap, &scanned_pages);
        st->examined = scanned_pages * KHEAP_VICTIM_PAGE_STEPS;
        if (victim == NULL)
            return NULL;
        start_evacuation(heap, st, victim);
    }
    index = next_live_slot(victim, st);
    st->examined += index - st->next_slot;
    if (victim->live == 0 || index >= victim->slots)
        return NULL;
    *type = victim->type;
    obj = kheap_slot_address(victim, kheap_slot_size(heap, victim->type), index);
    *moves = may_move(heap, victim->type, obj);
    return obj;
}
