/*
 * requests.c — the space bank's operations on banks and frames
 * (libl4/bank.idl): who may ask (badges and restrictions), buying and
 * returning frames, the tree, reading it, restricted capabilities and
 * destroy. The heaps' operations are in heaps.c.
 *
 * Every handler checks everything before it changes anything, in the
 * kernel or in the ledger, so a refused request changes nothing.
 */
#include "servers/bank/bank_server.h"

#include "libl4/l4.h"
#include "libl4/string.h"

#define PAGE_SIZE 4096u

/* ---- badges ------------------------------------------------------------------ */

uint32_t badge_of(uint32_t name, uint32_t restrictions, bool channel)
{
    return ledger_name_index(name) | restrictions << BADGE_RESTRICTION_SHIFT | (channel ? BADGE_CHANNEL : 0) |
           ledger_name_generation(name) << BADGE_GENERATION_SHIFT;
}

uint32_t badge_name(uint32_t badge)
{
    return (badge >> BADGE_GENERATION_SHIFT) << BANK_INDEX_BITS | ledger_name_index(badge);
}

uint32_t badge_restrictions(uint32_t badge)
{
    return badge >> BADGE_RESTRICTION_SHIFT & BANK_RESTRICTIONS;
}

bool badge_is_channel(uint32_t badge)
{
    return (badge & BADGE_CHANNEL) != 0;
}

int mint(uint32_t name, uint32_t restrictions, bool channel, unsigned rights)
{
    if (bank.outgoing_used) {
        l4_cap_delete(SLOT_OUTGOING);
        bank.outgoing_used = false;
    }
    int error = l4_cap_transfer(bank.endpoint, BURSAR_OWN_TASK, SLOT_OUTGOING, rights, BURSAR_COPY,
                                badge_of(name, restrictions, channel));
    bank.outgoing_used = error == 0;
    return error;
}

static bool permitted(uint32_t restrictions, enum permission permission)
{
    switch (permission) {
    case ALLOW_BUY:
        return true;
    case ALLOW_MANAGE:
        return !(restrictions & BANK_BUY_ONLY);
    case ALLOW_LIMITS:
        return !(restrictions & (BANK_BUY_ONLY | BANK_NO_LIMITS));
    case ALLOW_DESTROY:
        return !(restrictions & (BANK_BUY_ONLY | BANK_NO_DESTROY));
    }
    return false;
}

/*
 * A badge of 0 (the server's own unbadged capability, only its starter
 * ever had it) or a heap's fault channel names no bank: RESTRICTED. A
 * name whose bank is gone: DESTROYED.
 */
int request_bank(const struct l4_request *request, enum permission permission, uint32_t *index)
{
    if (request->badge == 0 || badge_is_channel(request->badge))
        return -BANK_E_RESTRICTED;
    *index = ledger_lookup(&bank.ledger, badge_name(request->badge), BANK_OBJECT_BANK);
    if (!*index)
        return -BURSAR_E_DESTROYED;
    return permitted(badge_restrictions(request->badge), permission) ? 0 : -BANK_E_RESTRICTED;
}

int protocol_error(int tree_status)
{
    switch (tree_status) {
    case BANK_TREE_OK:          return 0;
    case BANK_TREE_LIMIT:       return -BANK_E_LIMIT_REACHED;
    case BANK_TREE_NO_FRAMES:   return -BURSAR_E_OUT_OF_MEMORY;
    case BANK_TREE_FRAGMENTED:  return -BANK_E_FRAGMENTED;
    case BANK_TREE_NO_OBJECTS:  return -BANK_E_NO_OBJECTS;
    case BANK_TREE_TOO_DEEP:    return -BANK_E_TOO_DEEP;
    case BANK_TREE_STALE:       return -BURSAR_E_DESTROYED;
    case BANK_TREE_NOT_HERE:    return -BANK_E_NOT_BOUGHT_HERE;
    case BANK_TREE_ROOT:        return -BURSAR_E_BUSY;
    default:                    return -BURSAR_E_INVALID_ARGUMENT;
    }
}

/* ---- the root ------------------------------------------------------------------- */

/* Once, to whoever holds the unbadged capability: the server's starter. */
static int serve_root(struct l4_request *request, unsigned *cap)
{
    int error;

    if (request->badge != 0 || bank.root_given)
        return -BANK_E_RESTRICTED;
    error = mint(ledger_object_name(&bank.ledger, bank.root), 0, false, BURSAR_RIGHT_WRITE | BURSAR_RIGHT_GRANT);
    if (error)
        return error;
    bank.root_given = true;
    bank.pending = (struct pending){ .kind = PENDING_ROOT };
    *cap = SLOT_OUTGOING;
    return 0;
}

/* ---- frames --------------------------------------------------------------------- */

/*
 * The block is mapped in the staging area, zeroed, and granted in the
 * reply: the buyer's mapping is then the frames' own (root) mapping, and no
 * record is allocated for it anywhere. Only when the buyer has taken the
 * reply does the ledger sell the frames (main.c commits); until then they
 * are FREE to everyone else, and the server does nothing else meanwhile.
 */
static int serve_buy(struct l4_request *request, uint32_t address, uint32_t log2, uint32_t *first_frame,
                     uintptr_t *pages, unsigned *pages_log2)
{
    uint32_t index, count, first, found;
    int error = request_bank(request, ALLOW_BUY, &index);

    if (error)
        return error;
    if (log2 > BANK_BUY_MAX_LOG2)
        return -BURSAR_E_INVALID_ARGUMENT;
    count = 1u << log2;
    if (address % (count * PAGE_SIZE))
        return -BURSAR_E_MISALIGNED;
    if (address == 0 || address >= BURSAR_USER_TOP || (BURSAR_USER_TOP - address) / PAGE_SIZE < count)
        return -BURSAR_E_INVALID_ADDRESS;
    error = charge_check(index, count);
    if (error == BANK_TREE_OK)
        error = find_frames(count, count, &first, &found);
    if (error != BANK_TREE_OK) {
        if (error == BANK_TREE_LIMIT)
            ledger_note_refusal(&bank.ledger, index);
        return protocol_error(error);
    }
    for (uint32_t i = 0; i < count; i++) {
        uintptr_t page = STAGING_AREA + i * PAGE_SIZE;
        error = l4_frame_map(bank.memory, first + i, page, BURSAR_RIGHT_READ | BURSAR_RIGHT_WRITE);
        if (error) {
            l4_unmap(STAGING_AREA, i);
            return error;
        }
        l4_zero_page((void *)page);
    }
    bank.pending = (struct pending){ .kind = PENDING_SALE, .owner = index, .first = first, .count = count };
    *first_frame = first;
    *pages = STAGING_AREA;
    *pages_log2 = 12 + log2;
    return 0;
}

/* Every mapping of each frame, wherever the buyer put it, goes; then the frames are free. */
static int serve_return_frames(struct l4_request *request, uint32_t first_frame, uint32_t count)
{
    uint32_t index;
    int error = request_bank(request, ALLOW_MANAGE, &index);

    if (error)
        return error;
    if (count == 0 || count > BANK_RETURN_MAX)
        return -BURSAR_E_INVALID_ARGUMENT;
    if (ledger_return_check(&bank.ledger, index, first_frame, count) != BANK_TREE_OK)
        return -BANK_E_NOT_BOUGHT_HERE;
    for (uint32_t f = first_frame; f < first_frame + count; f++)
        l4_frame_unmap(bank.memory, f, NULL);
    ledger_return(&bank.ledger, index, first_frame, count);
    return 0;
}

static int serve_origin(struct l4_request *request, uint32_t frame, uint32_t *origin)
{
    uint32_t index;
    int error = request_bank(request, ALLOW_MANAGE, &index);

    if (error)
        return error;
    switch (ledger_frame_origin(&bank.ledger, index, frame)) {
    case BANK_FROM_HERE:  *origin = BANK_ORIGIN_HERE; break;
    case BANK_FROM_BELOW: *origin = BANK_ORIGIN_BELOW; break;
    default:              *origin = BANK_ORIGIN_NONE; break;
    }
    return 0;
}

/* ---- the tree ------------------------------------------------------------------ */

/*
 * The child's record comes from the parent's object quota; its bookkeeping
 * heap is a heap object in the parent's, so the parent pays for it (the
 * request is the parent's), and it has no bank: the server funds it
 * directly and never faults on it.
 */
static int serve_create_child(struct l4_request *request, uint32_t limit, uint32_t objects, unsigned *cap)
{
    uint32_t index, child;
    const struct bank_object *parent;
    int error = request_bank(request, ALLOW_MANAGE, &index);

    if (error)
        return error;
    parent = ledger_object(&bank.ledger, index);
    if (parent->depth + 1u > BANK_MAX_DEPTH)
        return -BANK_E_TOO_DEEP;
    if (objects >= BANK_MAX_OBJECTS || parent->object_quota - parent->objects_used < objects + 1)
        return -BANK_E_NO_OBJECTS;
    error = bookkeeping_room(index);
    if (error)
        return error;
    error = protocol_error(ledger_create_child(&bank.ledger, index, limit, objects, &child));
    if (error)
        return error;
    error = l4_create(object_slot(index), BURSAR_OBJECT_HEAP, object_slot(child), 0);
    if (!error)
        error = mint(ledger_object_name(&bank.ledger, child), 0, false, BURSAR_RIGHT_WRITE | BURSAR_RIGHT_GRANT);
    if (error) {
        l4_destroy(object_slot(child));
        ledger_destroy(&bank.ledger, child);
        return error;
    }
    bank.pending = (struct pending){ .kind = PENDING_CHILD, .owner = child };
    *cap = SLOT_OUTGOING;
    return 0;
}

static int serve_set_limit(struct l4_request *request, uint32_t limit)
{
    uint32_t index;
    int error = request_bank(request, ALLOW_LIMITS, &index);

    if (error)
        return error;
    ledger_set_limit(&bank.ledger, index, limit);
    return 0;
}

static uint32_t count_list(uint32_t first)
{
    uint32_t count = 0;

    for (uint32_t i = first; i; i = bank.ledger.objects[i].next_sibling)
        count++;
    return count;
}

static int serve_stats(struct l4_request *request, uint32_t *limit, uint32_t *effective_limit, uint32_t *available,
                       uint32_t *charged, uint32_t *sold, uint32_t *heap_pages, uint32_t *bookkeeping,
                       uint32_t *children, uint32_t *heaps, uint32_t *object_quota, uint32_t *objects_used,
                       uint32_t *bought, uint32_t *returned, uint32_t *heap_pages_given, uint32_t *heap_pages_back,
                       uint32_t *refused, uint32_t *unclaimed)
{
    uint32_t index;
    const struct bank_object *b;
    int error = request_bank(request, ALLOW_MANAGE, &index);

    if (error)
        return error;
    sync_subtree(index);
    b = ledger_object(&bank.ledger, index);
    *limit = b->limit;
    *effective_limit = ledger_effective_limit(&bank.ledger, index);
    *available = ledger_available(&bank.ledger, index);
    *charged = b->charged;
    *sold = b->own.sold;
    *heap_pages = b->own.heap_pages;
    *bookkeeping = b->own.bookkeeping;
    *children = count_list(b->first_child);
    *heaps = count_list(b->first_heap);
    *object_quota = b->object_quota;
    *objects_used = b->objects_used;
    *bought = b->history.bought;
    *returned = b->history.returned;
    *heap_pages_given = b->history.heap_pages_given;
    *heap_pages_back = b->history.heap_pages_back;
    *refused = b->history.refused;
    *unclaimed = b->history.unclaimed;
    return 0;
}

static int serve_child_stats(struct l4_request *request, uint32_t position, uint32_t *limit, uint32_t *charged,
                             uint32_t *sold, uint32_t *heap_pages, uint32_t *bookkeeping, uint32_t *children,
                             uint32_t *heaps, uint32_t *object_quota)
{
    uint32_t index, child;
    const struct bank_object *c;
    int error = request_bank(request, ALLOW_MANAGE, &index);

    if (error)
        return error;
    child = bank.ledger.objects[index].first_child;
    for (uint32_t i = 0; i < position && child; i++)
        child = bank.ledger.objects[child].next_sibling;
    if (!child)
        return -BURSAR_E_INVALID_ARGUMENT;
    sync_subtree(child);
    c = ledger_object(&bank.ledger, child);
    *limit = c->limit;
    *charged = c->charged;
    *sold = c->own.sold;
    *heap_pages = c->own.heap_pages;
    *bookkeeping = c->own.bookkeeping;
    *children = count_list(c->first_child);
    *heaps = count_list(c->first_heap);
    *object_quota = c->object_quota;
    return 0;
}

/* Any capability may make one with more restrictions; none can make one with fewer. */
static int serve_restricted(struct l4_request *request, uint32_t restrictions, unsigned *cap)
{
    uint32_t index;
    int error = request_bank(request, ALLOW_BUY, &index);

    if (error)
        return error;
    if (restrictions & ~BANK_RESTRICTIONS)
        return -BURSAR_E_INVALID_ARGUMENT;
    error = mint(ledger_object_name(&bank.ledger, index), restrictions | badge_restrictions(request->badge), false,
                 BURSAR_RIGHT_WRITE | BURSAR_RIGHT_GRANT);
    if (error)
        return error;
    *cap = SLOT_OUTGOING;
    return 0;
}

/*
 * The brand check: a bank is genuine when the candidate names this
 * server's own endpoint (SYS_CAP_COMPARE: the kernel says only whether the
 * two capabilities name one object) and its badge names a bank. A
 * look-alike — another server's endpoint answering the same protocol, with
 * any badge it likes — names another object. Anyone may ask, through any
 * capability to the server; the answer says nothing about other banks.
 */
static int serve_verify(struct l4_request *request, unsigned candidate, uint32_t *genuine, uint32_t *restrictions)
{
    struct l4_cap_info info;
    bool same = false;

    (void)request;
    *genuine = BANK_NOT_GENUINE;
    *restrictions = 0;
    if (l4_cap_compare(candidate, bank.endpoint, &same) != 0 || !same || l4_cap_inspect(candidate, &info) != 0 ||
        info.badge == 0 || badge_is_channel(info.badge))
        return 0;
    *genuine = ledger_lookup(&bank.ledger, badge_name(info.badge), BANK_OBJECT_BANK) ? BANK_GENUINE
                                                                                      : BANK_GENUINE_DESTROYED;
    *restrictions = badge_restrictions(info.badge);
    return 0;
}

/*
 * Recursive and always successful. The bank's bookkeeping heap is
 * destroyed, and with it every heap object in it: the heaps the bank funds,
 * with everything in them, and the bookkeeping heaps of its children, with
 * theirs, down the tree; all their pages return to the memory object. Then
 * every frame the subtree's banks sold is taken back from every mapping
 * (SYS_FRAME_UNMAP, wherever the buyer put it), and the ledger frees the lot.
 */
int destroy_bank_now(uint32_t index)
{
    uint32_t parent = ledger_object(&bank.ledger, index)->parent;
    /* The heaps first: if the kernel refused (it has no reason to), nothing would have changed. */
    int error = l4_destroy(object_slot(index));

    if (error)
        return error;
    for (uint32_t b = ledger_subtree_next(&bank.ledger, index, 0); b; b = ledger_subtree_next(&bank.ledger, index, b))
        for (uint32_t f = ledger_first_frame(&bank.ledger, b); f != BANK_NO_FRAME; f = ledger_next_frame(&bank.ledger, f))
            if (ledger_frame(&bank.ledger, f)->state == BANK_FRAME_SOLD)
                l4_frame_unmap(bank.memory, f, NULL);
    ledger_destroy(&bank.ledger, index);
    bookkeeping_shrink(parent);
    return 0;
}

static int serve_destroy(struct l4_request *request)
{
    uint32_t index;
    int error = request_bank(request, ALLOW_DESTROY, &index);

    if (error)
        return error;
    return index == bank.root ? -BURSAR_E_BUSY : destroy_bank_now(index);
}

/* ---- heaps (heaps.c) ------------------------------------------------------------- */

const struct bank_handlers bank_request_handlers = {
    .root = serve_root,
    .buy = serve_buy,
    .return_frames = serve_return_frames,
    .origin = serve_origin,
    .create_child = serve_create_child,
    .set_limit = serve_set_limit,
    .stats = serve_stats,
    .child_stats = serve_child_stats,
    .restricted = serve_restricted,
    .verify = serve_verify,
    .destroy = serve_destroy,
    .heap_create = heap_create,
    .heap_fund = heap_fund,
    .heap_reclaim = heap_reclaim,
    .heap_destroy = heap_destroy,
    .heap_configure = heap_configure,
    .heap_stats = heap_stats,
};
