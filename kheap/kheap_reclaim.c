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
 * its live slots always lie at or after reclaim->next_slot, whatever happens
 * between calls. One reclaim may be in progress per heap at a time; a
 * reclaim abandoned half way leaves its victim flagged, and the next one
 * finishes that page first.
 */
#include "kheap/kheap_internal.h"

#define VICTIM_SCAN 32          /* pages looked at to choose a victim, at most */

void kheap_reclaim_begin(struct kheap_reclaim *reclaim, uint32_t pages)
{
    kheap_zero_bytes(reclaim, sizeof *reclaim);
    reclaim->target = pages;
}

/* The page leaves the heap: base to the payer, descriptor reset. */
static void give_back(struct kheap *heap, struct kheap_page *page,
                      struct kheap_reclaim *reclaim, void **out, uint32_t *out_count)
{
    out[(*out_count)++] = page->base;
    kheap_zero_bytes(page, sizeof *page);
    heap->stats.pages_held--;
    heap->stats.pages_reclaimed++;
    reclaim->returned++;
}

static void give_back_free_page(struct kheap *heap, struct kheap_reclaim *reclaim,
                                void **out, uint32_t *out_count)
{
    struct kheap_page *page = heap->free_pages;

    kheap_remove_free_page(heap, page);
    give_back(heap, page, reclaim, out, out_count);
}

static void give_back_victim(struct kheap *heap, struct kheap_reclaim *reclaim,
                             void **out, uint32_t *out_count)
{
    struct kheap_page *page = reclaim->victim;

    kheap_list_remove(&heap->full[page->type], page);
    kheap_uncarve(heap, page);
    heap->evacuating = NULL;
    give_back(heap, page, reclaim, out, out_count);
    reclaim->victim = NULL;
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
static struct kheap_page *least_used_page(struct kheap *heap, struct kheap_reclaim *reclaim)
{
    struct kheap_page *best = NULL;
    bool best_by_moves = false;
    uint32_t scanned = 0;

    if (heap->evacuating)
        return heap->evacuating;
    for (int list = 0; list < 2; list++) {
        for (uint32_t type = 0; type < heap->types->count; type++) {
            struct kheap_page *first = list == 0 ? heap->partial[type] : heap->full[type];
            for (struct kheap_page *page = first; page != NULL; page = page->next) {
                bool by_moves = empties_by_moves(heap, page);
                if (best == NULL || (by_moves && !best_by_moves) ||
                    (by_moves == best_by_moves && page->live < best->live)) {
                    best = page;
                    best_by_moves = by_moves;
                }
                reclaim->examined += KHEAP_VICTIM_PAGE_STEPS;
                if (++scanned == VICTIM_SCAN)
                    return best;
            }
        }
    }
    return best;
}

static void start_evacuation(struct kheap *heap, struct kheap_reclaim *reclaim,
                             struct kheap_page *page)
{
    if (!(page->flags & KHEAP_PAGE_EVACUATING)) {
        kheap_list_remove(kheap_list_of(heap, page), page);
        kheap_set_evacuating(heap, page, true);
        kheap_list_push(&heap->full[page->type], page);
    }
    reclaim->victim = page;
    reclaim->next_slot = 0;
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

/* The victim named by reclaim, if it is still this heap's page under evacuation. */
static struct kheap_page *current_victim(struct kheap *heap, struct kheap_reclaim *reclaim)
{
    struct kheap_page *page = reclaim->victim;

    if (page != NULL && page->owner == heap && page->type != KHEAP_UNCARVED &&
        (page->flags & KHEAP_PAGE_EVACUATING))
        return page;
    reclaim->victim = NULL;
    return NULL;
}

static bool may_move(struct kheap *heap, uint32_t type, const void *object)
{
    const struct kheap_ops *ops = heap->ops;

    if (!heap->types->types[type].movable || ops->moved == NULL)
        return false;
    if (heap->partial[type] == NULL)
        return false;   /* no room: moving would need a page we are emptying */
    return ops->can_move == NULL || ops->can_move(heap->context, type, object);
}

static void move_object(struct kheap *heap, struct kheap_page *victim, uint32_t index)
{
    uint32_t type = victim->type;
    uint32_t slot_size = kheap_slot_size(heap, type);
    struct kheap_page *destination = heap->partial[type];
    void *old_object = kheap_slot_address(victim, slot_size, index);
    void *new_object = kheap_take_slot(heap, destination);

    if (destination->live == destination->slots) {
        kheap_list_remove(&heap->partial[type], destination);
        kheap_list_push(&heap->full[type], destination);
    }
    kheap_copy_bytes(new_object, old_object, slot_size);
    heap->ops->moved(heap->context, type, old_object, new_object);
    /* Tolerate an owner that freed old_object itself. */
    if (kheap_slot_is_live(victim, index))
        kheap_release_slot(heap, victim, index);
    heap->stats.by_type[type].moved++;
}

/*
 * The victim's next live slot at or after reclaim->next_slot, or
 * victim->bumped: slots the bump pointer never reached are free.
 */
static uint32_t next_live_slot(const struct kheap_page *victim, const struct kheap_reclaim *reclaim)
{
    uint32_t index = reclaim->next_slot;

    while (index < victim->bumped && !kheap_slot_is_live(victim, index))
        index++;
    return index;
}

/* One unit of work: move or destroy the victim's next live object. */
static int evacuate_next(struct kheap *heap, struct kheap_reclaim *reclaim,
                         struct kheap_page *victim)
{
    uint32_t index = next_live_slot(victim, reclaim);

    if (index >= victim->bumped)
        return KHEAP_E_BAD_ARG;     /* live count disagrees with the bitmap */

    uint32_t type = victim->type;
    void *object = kheap_slot_address(victim, kheap_slot_size(heap, type), index);
    if (may_move(heap, type, object)) {
        move_object(heap, victim, index);
        reclaim->moved++;
    } else {
        if (heap->ops->destroy == NULL)
            return KHEAP_E_BAD_ARG;
        heap->ops->destroy(heap->context, type, object);
        /* destroy must free object; without that reclaim could never finish. */
        if (kheap_slot_is_live(victim, index))
            return KHEAP_E_BAD_ARG;
        heap->stats.by_type[type].destroyed++;
        reclaim->destroyed++;
    }
    reclaim->next_slot = index + 1;
    return KHEAP_OK;
}

static bool reclaim_finished(struct kheap *heap, struct kheap_reclaim *reclaim)
{
    if (reclaim->done)
        return true;
    if (reclaim->returned < reclaim->target && heap->stats.pages_held > 0)
        return false;
    struct kheap_page *victim = current_victim(heap, reclaim);
    if (victim != NULL)
        stop_evacuation(heap, victim);
    reclaim->victim = NULL;
    reclaim->done = true;
    return true;
}

int kheap_reclaim(struct kheap *heap, struct kheap_reclaim *reclaim, uint32_t budget,
                  void **out, uint32_t out_capacity, uint32_t *out_count)
{
    if (heap == NULL || reclaim == NULL || out_count == NULL ||
        (out == NULL && out_capacity > 0))
        return KHEAP_E_BAD_ARG;
    *out_count = 0;

    for (; budget > 0 && !reclaim_finished(heap, reclaim); budget--) {
        if (heap->free_pages != NULL) {
            if (*out_count == out_capacity)
                break;
            give_back_free_page(heap, reclaim, out, out_count);
            continue;
        }
        struct kheap_page *victim = current_victim(heap, reclaim);
        if (victim == NULL) {
            victim = least_used_page(heap, reclaim);
            if (victim == NULL)
                return KHEAP_E_BAD_PAGE;    /* pages held, none on a list */
            start_evacuation(heap, reclaim, victim);
        }
        if (victim->live == 0) {
            if (*out_count == out_capacity)
                break;
            give_back_victim(heap, reclaim, out, out_count);
            continue;
        }
        int status = evacuate_next(heap, reclaim, victim);
        if (status != KHEAP_OK)
            return status;
    }
    reclaim_finished(heap, reclaim);
    return KHEAP_OK;
}

void *kheap_reclaim_next(struct kheap *heap, struct kheap_reclaim *reclaim, uint32_t *type, bool *moves)
{
    struct kheap_page *victim;
    uint32_t index;
    void *object;

    if (reclaim != NULL)
        reclaim->examined = 0;
    if (heap == NULL || reclaim == NULL || type == NULL || moves == NULL || reclaim_finished(heap, reclaim) ||
        heap->free_pages != NULL)
        return NULL;
    victim = current_victim(heap, reclaim);
    if (victim == NULL) {
        victim = least_used_page(heap, reclaim);
        if (victim == NULL)
            return NULL;
        start_evacuation(heap, reclaim, victim);
    }
    index = next_live_slot(victim, reclaim);
    reclaim->examined += index - reclaim->next_slot;
    /* No slot below it can become live (nothing allocates from a victim): evacuate_next starts here. */
    reclaim->next_slot = index;
    if (victim->live == 0 || index >= victim->bumped)
        return NULL;
    *type = victim->type;
    object = kheap_slot_address(victim, kheap_slot_size(heap, victim->type), index);
    *moves = may_move(heap, victim->type, object);
    return object;
}
