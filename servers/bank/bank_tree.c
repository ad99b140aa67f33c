/*
 * bank_tree.c — the space bank's bookkeeping (bank_tree.h): the tree, the
 * charges along it, object quotas, and the frame ledger with its free map.
 *
 * Costs: a charge or a limit check walks the chain to the root (at most
 * BANK_MAX_DEPTH + 1 banks); selling, returning and donating are O(1) a
 * frame; a search for free frames reads the free map a word at a time;
 * destroying a subtree is O(its banks, heaps and frames).
 */
#include "servers/bank/bank_tree.h"

#define GENERATION_MASK ((1u << BANK_GENERATION_BITS) - 1u)
#define INDEX_MASK      ((1u << BANK_INDEX_BITS) - 1u)

_Static_assert(BANK_MAX_OBJECTS == 1u << BANK_INDEX_BITS, "an index fills its bits");
_Static_assert(BANK_INDEX_BITS + BANK_GENERATION_BITS <= 28, "a name leaves four bits of a badge free");
_Static_assert(sizeof(struct bank_frame) == 12, "the ledger's size per frame is documented");

/* ---- the ledger ----------------------------------------------------------- */

size_t ledger_frames_size(uint32_t frame_count)
{
    return (size_t)frame_count * sizeof(struct bank_frame);
}

size_t ledger_map_size(uint32_t frame_count)
{
    return ((size_t)frame_count + 31) / 32 * sizeof(uint32_t);
}

void ledger_init(struct bank_ledger *ledger, uint32_t frame_count, struct bank_frame *frames,
                      uint32_t *free_map)
{
    *ledger = (struct bank_ledger){ 0 };
    ledger->frame_count = frame_count;
    ledger->frames = frames;
    ledger->free_map = free_map;
    ledger->next_index = 1;
    for (uint32_t i = 0; i < BANK_MAX_OBJECTS; i++)
        ledger->objects[i].first_frame = BANK_NO_FRAME;
    for (size_t w = 0; w < ledger_map_size(frame_count) / sizeof *free_map; w++)
        free_map[w] = 0;
    for (uint32_t f = 0; f < frame_count; f++)
        frames[f] = (struct bank_frame){ .state = BANK_FRAME_ABSENT, .next = BANK_NO_FRAME, .prev = BANK_NO_FRAME };
    ledger->by_state[BANK_FRAME_ABSENT] = frame_count;
}

static void map_set(struct bank_ledger *ledger, uint32_t frame)
{
    ledger->free_map[frame / 32] |= 1u << (frame % 32);
}

static void map_clear(struct bank_ledger *ledger, uint32_t frame)
{
    ledger->free_map[frame / 32] &= ~(1u << (frame % 32));
}

static bool map_test(const struct bank_ledger *ledger, uint32_t frame)
{
    return ledger->free_map[frame / 32] >> (frame % 32) & 1u;
}

static void set_state(struct bank_ledger *ledger, uint32_t frame, enum bank_frame_state state, uint16_t owner)
{
    struct bank_frame *entry = &ledger->frames[frame];

    if (entry->state == BANK_FRAME_FREE) {
        map_clear(ledger, frame);
        ledger->free_frames--;
    }
    ledger->by_state[entry->state]--;
    entry->state = (uint8_t)state;
    entry->owner = owner;
    ledger->by_state[state]++;
    if (state == BANK_FRAME_FREE) {
        map_set(ledger, frame);
        ledger->free_frames++;
    }
}

static int add_absent(struct bank_ledger *ledger, uint32_t frame, enum bank_frame_state state)
{
    if (frame >= ledger->frame_count || ledger->frames[frame].state != BANK_FRAME_ABSENT)
        return BANK_TREE_ARGUMENT;
    set_state(ledger, frame, state, 0);
    return BANK_TREE_OK;
}

int ledger_add_free(struct bank_ledger *ledger, uint32_t frame)
{
    return add_absent(ledger, frame, BANK_FRAME_FREE);
}

int ledger_add_server(struct bank_ledger *ledger, uint32_t frame)
{
    return add_absent(ledger, frame, BANK_FRAME_SERVER);
}

int ledger_take_for_server(struct bank_ledger *ledger, uint32_t frame)
{
    if (frame >= ledger->frame_count || ledger->frames[frame].state != BANK_FRAME_FREE)
        return BANK_TREE_ARGUMENT;
    set_state(ledger, frame, BANK_FRAME_SERVER, 0);
    return BANK_TREE_OK;
}

const struct bank_frame *ledger_frame(const struct bank_ledger *ledger, uint32_t frame)
{
    return frame < ledger->frame_count ? &ledger->frames[frame] : NULL;
}

/* ---- an object's frame list ------------------------------------------------ */

static void list_add(struct bank_ledger *ledger, struct bank_object *object, uint32_t frame)
{
    struct bank_frame *entry = &ledger->frames[frame];

    entry->prev = BANK_NO_FRAME;
    entry->next = object->first_frame;
    if (object->first_frame != BANK_NO_FRAME)
        ledger->frames[object->first_frame].prev = frame;
    object->first_frame = frame;
    object->frames++;
}

static void list_remove(struct bank_ledger *ledger, struct bank_object *object, uint32_t frame)
{
    struct bank_frame *entry = &ledger->frames[frame];

    if (entry->prev != BANK_NO_FRAME)
        ledger->frames[entry->prev].next = entry->next;
    else
        object->first_frame = entry->next;
    if (entry->next != BANK_NO_FRAME)
        ledger->frames[entry->next].prev = entry->prev;
    entry->next = entry->prev = BANK_NO_FRAME;
    object->frames--;
}

uint32_t ledger_first_frame(const struct bank_ledger *ledger, uint32_t index)
{
    return index && index < BANK_MAX_OBJECTS ? ledger->objects[index].first_frame : BANK_NO_FRAME;
}

uint32_t ledger_next_frame(const struct bank_ledger *ledger, uint32_t frame)
{
    return frame < ledger->frame_count ? ledger->frames[frame].next : BANK_NO_FRAME;
}

/* ---- names and records ------------------------------------------------------ */

uint32_t ledger_object_name(const struct bank_ledger *ledger, uint32_t index)
{
    return ledger->objects[index].generation << BANK_INDEX_BITS | index;
}

uint32_t ledger_name_index(uint32_t name)
{
    return name & INDEX_MASK;
}

uint32_t ledger_name_generation(uint32_t name)
{
    return name >> BANK_INDEX_BITS & GENERATION_MASK;
}

uint32_t ledger_lookup(const struct bank_ledger *ledger, uint32_t name, enum bank_object_kind kind)
{
    uint32_t index = ledger_name_index(name);
    const struct bank_object *object = &ledger->objects[index];

    if (index == 0 || name >> (BANK_INDEX_BITS + BANK_GENERATION_BITS) != 0 || object->kind != kind ||
        object->generation != ledger_name_generation(name))
        return 0;
    return index;
}

const struct bank_object *ledger_object(const struct bank_ledger *ledger, uint32_t index)
{
    return index && index < BANK_MAX_OBJECTS ? &ledger->objects[index] : NULL;
}

/*
 * An unused index, round robin, so a freed index is reused as late as
 * possible and a stale name stays stale for long (docs/bank.md: a name
 * comes back only after 2^18 - 1 reuses of its index).
 */
static uint32_t new_object(struct bank_ledger *ledger, enum bank_object_kind kind, uint32_t parent)
{
    for (uint32_t tried = 0; tried < BANK_MAX_OBJECTS; tried++) {
        uint32_t index = ledger->next_index;
        struct bank_object *object = &ledger->objects[index];
        uint32_t generation;

        ledger->next_index = index + 1 == BANK_MAX_OBJECTS ? 1 : index + 1;
        if (object->kind != BANK_OBJECT_NONE)
            continue;
        generation = object->generation + 1 > GENERATION_MASK ? 1 : object->generation + 1;
        *object = (struct bank_object){
            .kind = (uint8_t)kind, .parent = (uint16_t)parent, .generation = generation,
            .first_frame = BANK_NO_FRAME, .limit = BANK_UNLIMITED,
        };
        ledger->objects_live++;
        return index;
    }
    return 0;
}

static void free_object(struct bank_ledger *ledger, uint32_t index)
{
    struct bank_object *object = &ledger->objects[index];
    uint32_t generation = object->generation;

    *object = (struct bank_object){ .generation = generation, .first_frame = BANK_NO_FRAME };
    ledger->objects_live--;
}

/* Unlink `index` from the list starting at *first (children or heaps, by next_sibling). */
static void unlink_sibling(struct bank_ledger *ledger, uint16_t *first, uint32_t index)
{
    uint16_t *link = first;

    while (*link && *link != index)
        link = &ledger->objects[*link].next_sibling;
    if (*link)
        *link = ledger->objects[index].next_sibling;
}

/* ---- the tree ---------------------------------------------------------------- */

int ledger_create_root(struct bank_ledger *ledger, uint32_t limit, uint32_t *root)
{
    uint32_t index;

    if (ledger->root)
        return BANK_TREE_ARGUMENT;
    index = new_object(ledger, BANK_OBJECT_BANK, 0);
    ledger->objects[index].limit = limit;
    ledger->objects[index].object_quota = BANK_MAX_OBJECTS - 2;    /* every index but 0 and its own */
    ledger->root = index;
    *root = index;
    return BANK_TREE_OK;
}

static uint32_t objects_free(const struct bank_object *bank)
{
    return bank->object_quota - bank->objects_used;
}

int ledger_create_child(struct bank_ledger *ledger, uint32_t parent, uint32_t limit, uint32_t objects,
                      uint32_t *child)
{
    struct bank_object *up = &ledger->objects[parent];
    uint32_t index;

    if (up->depth + 1u > BANK_MAX_DEPTH)
        return BANK_TREE_TOO_DEEP;
    if (objects >= BANK_MAX_OBJECTS || objects_free(up) < objects + 1)
        return BANK_TREE_NO_OBJECTS;
    index = new_object(ledger, BANK_OBJECT_BANK, parent);
    if (!index)
        return BANK_TREE_NO_OBJECTS;      /* cannot happen while quotas add up; kept as a guard */
    up = &ledger->objects[parent];
    up->objects_used += objects + 1;
    ledger->objects[index].depth = (uint8_t)(up->depth + 1);
    ledger->objects[index].limit = limit;
    ledger->objects[index].object_quota = objects;
    ledger->objects[index].next_sibling = up->first_child;
    up->first_child = (uint16_t)index;
    *child = index;
    return BANK_TREE_OK;
}

void ledger_set_limit(struct bank_ledger *ledger, uint32_t bank, uint32_t limit)
{
    ledger->objects[bank].limit = limit;
}

uint32_t ledger_effective_limit(const struct bank_ledger *ledger, uint32_t bank)
{
    uint32_t limit = BANK_UNLIMITED;

    for (uint32_t b = bank; b; b = ledger->objects[b].parent)
        if (ledger->objects[b].limit < limit)
            limit = ledger->objects[b].limit;
    return limit;
}

static uint32_t room(const struct bank_object *bank)
{
    if (bank->limit == BANK_UNLIMITED)
        return BANK_UNLIMITED;
    return bank->charged >= bank->limit ? 0 : bank->limit - bank->charged;
}

uint32_t ledger_available(const struct bank_ledger *ledger, uint32_t bank)
{
    uint32_t available = ledger->free_frames;

    for (uint32_t b = bank; b; b = ledger->objects[b].parent)
        if (room(&ledger->objects[b]) < available)
            available = room(&ledger->objects[b]);
    return available;
}

int ledger_charge_check(const struct bank_ledger *ledger, uint32_t bank, uint32_t count)
{
    for (uint32_t b = bank; b; b = ledger->objects[b].parent)
        if (room(&ledger->objects[b]) < count)
            return BANK_TREE_LIMIT;
    return BANK_TREE_OK;
}

bool ledger_is_ancestor(const struct bank_ledger *ledger, uint32_t ancestor, uint32_t bank)
{
    for (uint32_t b = bank; b; b = ledger->objects[b].parent)
        if (b == ancestor)
            return true;
    return false;
}

void ledger_note_refusal(struct bank_ledger *ledger, uint32_t bank)
{
    ledger->objects[bank].history.refused++;
}

void ledger_note_unclaimed(struct bank_ledger *ledger, uint32_t bank)
{
    ledger->objects[bank].history.unclaimed++;
}

static void charge(struct bank_ledger *ledger, uint32_t bank, uint32_t count)
{
    for (uint32_t b = bank; b; b = ledger->objects[b].parent)
        ledger->objects[b].charged += count;
}

static void uncharge(struct bank_ledger *ledger, uint32_t bank, uint32_t count)
{
    for (uint32_t b = bank; b; b = ledger->objects[b].parent)
        ledger->objects[b].charged -= count;
}

/* ---- frames ------------------------------------------------------------------ */

/* The first FREE frame at or after `from` and before `end`, or `end`: whole empty words are skipped. */
static uint32_t next_free(const struct bank_ledger *ledger, uint32_t from, uint32_t end)
{
    while (from < end) {
        uint32_t word = ledger->free_map[from / 32] >> (from % 32);
        if (word)
            return from + (uint32_t)__builtin_ctz(word) < end ? from + (uint32_t)__builtin_ctz(word) : end;
        from = (from / 32 + 1) * 32;
    }
    return end;
}

/* Free frames from `frame` on, counting at most `max`. */
static uint32_t run_length(const struct bank_ledger *ledger, uint32_t frame, uint32_t max)
{
    uint32_t length = 0;

    while (length < max && frame + length < ledger->frame_count && map_test(ledger, frame + length))
        length++;
    return length;
}

/* First fit in [from, end). */
static bool find_in(struct bank_ledger *ledger, uint32_t from, uint32_t end, uint32_t min, uint32_t max,
                    uint32_t *first, uint32_t *count)
{
    for (uint32_t frame = next_free(ledger, from, end); frame < end; frame = next_free(ledger, frame, end)) {
        uint32_t length = run_length(ledger, frame, max);
        if (length >= min) {
            *first = frame;
            *count = length;
            return true;
        }
        frame += length;
    }
    return false;
}

int ledger_find_run(struct bank_ledger *ledger, uint32_t min, uint32_t max, uint32_t *first, uint32_t *count)
{
    if (min == 0 || max < min)
        return BANK_TREE_ARGUMENT;
    if (ledger->free_frames < min)
        return BANK_TREE_NO_FRAMES;
    if (!find_in(ledger, ledger->cursor, ledger->frame_count, min, max, first, count) &&
        !find_in(ledger, 0, ledger->cursor < ledger->frame_count ? ledger->cursor : ledger->frame_count, min,
                 max, first, count))
        return BANK_TREE_FRAGMENTED;
    ledger->cursor = *first + *count;
    return BANK_TREE_OK;
}

/*
 * Frames first .. first + count - 1 go to `state`, owned by `owner` and on
 * its list (sold, donated, bookkeeping). Inline: the server's per-frame
 * paths cost what they did as three loops (bench/vm/bank_bench.c).
 */
static inline struct bank_object *take_frames(struct bank_ledger *ledger, uint32_t owner,
                                              enum bank_frame_state state, uint32_t first, uint32_t count)
{
    struct bank_object *object = &ledger->objects[owner];

    for (uint32_t f = first; f < first + count; f++) {
        set_state(ledger, f, state, (uint16_t)owner);
        list_add(ledger, object, f);
    }
    return object;
}

void ledger_sell(struct bank_ledger *ledger, uint32_t bank, uint32_t first, uint32_t count)
{
    struct bank_object *object = take_frames(ledger, bank, BANK_FRAME_SOLD, first, count);

    object->own.sold += count;
    object->history.bought += count;
    charge(ledger, bank, count);
}

int ledger_return_check(const struct bank_ledger *ledger, uint32_t bank, uint32_t first, uint32_t count)
{
    if (count == 0 || first >= ledger->frame_count || count > ledger->frame_count - first)
        return BANK_TREE_NOT_HERE;
    for (uint32_t f = first; f < first + count; f++)
        if (ledger->frames[f].state != BANK_FRAME_SOLD || ledger->frames[f].owner != bank)
            return BANK_TREE_NOT_HERE;
    return BANK_TREE_OK;
}

void ledger_return(struct bank_ledger *ledger, uint32_t bank, uint32_t first, uint32_t count)
{
    struct bank_object *object = &ledger->objects[bank];

    for (uint32_t f = first; f < first + count; f++) {
        list_remove(ledger, object, f);
        set_state(ledger, f, BANK_FRAME_FREE, 0);
    }
    object->own.sold -= count;
    object->history.returned += count;
    uncharge(ledger, bank, count);
}

enum bank_frame_origin ledger_frame_origin(const struct bank_ledger *ledger, uint32_t bank, uint32_t frame)
{
    const struct bank_frame *entry = ledger_frame(ledger, frame);

    if (!entry || entry->state != BANK_FRAME_SOLD)
        return BANK_FROM_NOWHERE;
    if (entry->owner == bank)
        return BANK_FROM_HERE;
    return ledger_is_ancestor(ledger, bank, entry->owner) ? BANK_FROM_BELOW : BANK_FROM_NOWHERE;
}

void ledger_donate(struct bank_ledger *ledger, uint32_t heap, uint32_t first, uint32_t count)
{
    struct bank_object *object = take_frames(ledger, heap, BANK_FRAME_HEAP, first, count);
    struct bank_object *bank = &ledger->objects[object->parent];

    bank->own.heap_pages += count;
    bank->history.heap_pages_given += count;
    charge(ledger, object->parent, count);
}

void ledger_bookkeeping(struct bank_ledger *ledger, uint32_t bank, uint32_t first, uint32_t count)
{
    struct bank_object *object = take_frames(ledger, bank, BANK_FRAME_BOOKKEEPING, first, count);

    object->own.bookkeeping += count;
    charge(ledger, bank, count);
}

int ledger_frame_back(struct bank_ledger *ledger, uint32_t frame)
{
    struct bank_frame *entry;
    struct bank_object *owner;

    if (frame >= ledger->frame_count)
        return BANK_TREE_ARGUMENT;
    entry = &ledger->frames[frame];
    owner = &ledger->objects[entry->owner];
    if (entry->state == BANK_FRAME_HEAP) {
        struct bank_object *bank = &ledger->objects[owner->parent];
        list_remove(ledger, owner, frame);
        bank->own.heap_pages--;
        bank->history.heap_pages_back++;
        uncharge(ledger, owner->parent, 1);
    } else if (entry->state == BANK_FRAME_BOOKKEEPING) {
        list_remove(ledger, owner, frame);
        owner->own.bookkeeping--;
        uncharge(ledger, entry->owner, 1);
    } else {
        return BANK_TREE_ARGUMENT;
    }
    set_state(ledger, frame, BANK_FRAME_FREE, 0);
    return BANK_TREE_OK;
}

/* ---- heaps --------------------------------------------------------------------- */

int ledger_heap_create(struct bank_ledger *ledger, uint32_t bank, uint32_t *heap)
{
    struct bank_object *owner = &ledger->objects[bank];
    uint32_t index;

    if (objects_free(owner) < 1)
        return BANK_TREE_NO_OBJECTS;
    index = new_object(ledger, BANK_OBJECT_HEAP, bank);
    if (!index)
        return BANK_TREE_NO_OBJECTS;
    owner = &ledger->objects[bank];
    owner->objects_used++;
    ledger->objects[index].next_sibling = owner->first_heap;
    owner->first_heap = (uint16_t)index;
    *heap = index;
    return BANK_TREE_OK;
}

/* All of a heap's pages back: FREE, uncharged from its bank's chain. */
static void heap_release(struct bank_ledger *ledger, uint32_t heap)
{
    while (ledger->objects[heap].first_frame != BANK_NO_FRAME)
        ledger_frame_back(ledger, ledger->objects[heap].first_frame);
}

void ledger_heap_destroy(struct bank_ledger *ledger, uint32_t heap)
{
    uint32_t bank = ledger->objects[heap].parent;

    heap_release(ledger, heap);
    unlink_sibling(ledger, &ledger->objects[bank].first_heap, heap);
    ledger->objects[bank].objects_used--;
    free_object(ledger, heap);
}

/* ---- destroy ------------------------------------------------------------------- */

uint32_t ledger_subtree_next(const struct bank_ledger *ledger, uint32_t top, uint32_t previous)
{
    if (previous == 0)
        return top;
    if (ledger->objects[previous].first_child)
        return ledger->objects[previous].first_child;
    for (uint32_t b = previous; b != top; b = ledger->objects[b].parent)
        if (ledger->objects[b].next_sibling)
            return ledger->objects[b].next_sibling;
    return 0;
}

/* One bank of a dying subtree, its children gone already: frames FREE, heaps and record gone. */
static void destroy_one(struct bank_ledger *ledger, uint32_t bank)
{
    struct bank_object *object = &ledger->objects[bank];

    while (object->first_heap)
        ledger_heap_destroy(ledger, object->first_heap);
    while (object->first_frame != BANK_NO_FRAME) {
        uint32_t frame = object->first_frame;
        if (ledger->frames[frame].state == BANK_FRAME_SOLD) {
            list_remove(ledger, object, frame);
            object->own.sold--;
            uncharge(ledger, bank, 1);
            set_state(ledger, frame, BANK_FRAME_FREE, 0);
        } else {
            ledger_frame_back(ledger, frame);
        }
    }
    free_object(ledger, bank);
}

/*
 * The subtree is first taken off its parent (and its quota given back);
 * then, without recursion, a leaf of it is destroyed at a time, found
 * along first_child. The dying banks keep their parent links, so each
 * uncharge still reaches the ancestors above the subtree.
 */
int ledger_destroy(struct bank_ledger *ledger, uint32_t bank)
{
    uint32_t parent;

    if (bank == ledger->root)
        return BANK_TREE_ROOT;
    parent = ledger->objects[bank].parent;
    unlink_sibling(ledger, &ledger->objects[parent].first_child, bank);
    ledger->objects[parent].objects_used -= ledger->objects[bank].object_quota + 1;
    while (ledger->objects[bank].kind == BANK_OBJECT_BANK) {
        uint32_t leaf = bank;
        while (ledger->objects[leaf].first_child)
            leaf = ledger->objects[leaf].first_child;
        if (leaf != bank) {
            uint32_t up = ledger->objects[leaf].parent;
            ledger->objects[up].first_child = ledger->objects[leaf].next_sibling;
            ledger->objects[up].objects_used -= ledger->objects[leaf].object_quota + 1;
        }
        destroy_one(ledger, leaf);
    }
    return BANK_TREE_OK;
}

/* ---- checking ----------------------------------------------------------------- */

#define CHECK(condition, message) do { if (!(condition)) { *why = (message); return false; } } while (0)

static bool check_frames(const struct bank_ledger *ledger, const char **why)
{
    uint32_t counted[BANK_FRAME_STATES] = { 0 };

    for (uint32_t f = 0; f < ledger->frame_count; f++) {
        const struct bank_frame *entry = &ledger->frames[f];
        CHECK(entry->state < BANK_FRAME_STATES, "a frame has an unknown state");
        counted[entry->state]++;
        CHECK(map_test(ledger, f) == (entry->state == BANK_FRAME_FREE), "the free map disagrees with a frame");
        if (entry->state == BANK_FRAME_SOLD || entry->state == BANK_FRAME_BOOKKEEPING) {
            CHECK(ledger->objects[entry->owner].kind == BANK_OBJECT_BANK, "a sold frame's owner is not a bank");
        } else if (entry->state == BANK_FRAME_HEAP) {
            CHECK(ledger->objects[entry->owner].kind == BANK_OBJECT_HEAP, "a heap frame's owner is not a heap");
        } else {
            CHECK(entry->next == BANK_NO_FRAME && entry->prev == BANK_NO_FRAME, "an unowned frame is on a list");
        }
    }
    for (uint32_t s = 0; s < BANK_FRAME_STATES; s++)
        CHECK(counted[s] == ledger->by_state[s], "the count of frames in a state is wrong");
    CHECK(ledger->free_frames == counted[BANK_FRAME_FREE], "the free count is wrong");
    return true;
}

/* An object's list: well linked, each frame owned by it in the right states, as long as it says. */
static bool check_list(const struct bank_ledger *ledger, uint32_t index, uint32_t *sold, uint32_t *bookkeeping,
                       const char **why)
{
    const struct bank_object *object = &ledger->objects[index];
    uint32_t length = 0, previous = BANK_NO_FRAME;

    *sold = *bookkeeping = 0;
    for (uint32_t f = object->first_frame; f != BANK_NO_FRAME; f = ledger->frames[f].next) {
        CHECK(f < ledger->frame_count && length < ledger->frame_count, "a frame list runs away");
        CHECK(ledger->frames[f].prev == previous, "a frame list's back link is wrong");
        CHECK(ledger->frames[f].owner == index, "a frame is on another object's list");
        if (object->kind == BANK_OBJECT_HEAP)
            CHECK(ledger->frames[f].state == BANK_FRAME_HEAP, "a heap lists a frame that is not a heap page");
        else if (ledger->frames[f].state == BANK_FRAME_SOLD)
            (*sold)++;
        else
            CHECK(ledger->frames[f].state == BANK_FRAME_BOOKKEEPING, "a bank lists a frame it does not hold");
        (*bookkeeping) += ledger->frames[f].state == BANK_FRAME_BOOKKEEPING;
        previous = f;
        length++;
    }
    CHECK(length == object->frames, "an object's frame count is wrong");
    return true;
}

static bool check_bank(const struct bank_ledger *ledger, uint32_t index, const char **why)
{
    const struct bank_object *bank = &ledger->objects[index];
    uint32_t sold, bookkeeping, heap_pages = 0, children_charged = 0, used = 0, heap_sold, heap_bookkeeping;

    if (!check_list(ledger, index, &sold, &bookkeeping, why))
        return false;
    CHECK(sold == bank->own.sold && bookkeeping == bank->own.bookkeeping, "a bank's own counts are wrong");
    for (uint32_t h = bank->first_heap; h; h = ledger->objects[h].next_sibling) {
        CHECK(ledger->objects[h].kind == BANK_OBJECT_HEAP && ledger->objects[h].parent == index,
              "a bank lists a heap that is not its own");
        if (!check_list(ledger, h, &heap_sold, &heap_bookkeeping, why))
            return false;
        heap_pages += ledger->objects[h].frames;
        used++;
    }
    CHECK(heap_pages == bank->own.heap_pages, "a bank's heap pages are wrong");
    for (uint32_t c = bank->first_child; c; c = ledger->objects[c].next_sibling) {
        const struct bank_object *child = &ledger->objects[c];
        CHECK(child->kind == BANK_OBJECT_BANK && child->parent == index, "a bank lists a child that is not its own");
        CHECK(child->depth == bank->depth + 1 && child->depth <= BANK_MAX_DEPTH, "a child's depth is wrong");
        children_charged += child->charged;
        used += child->object_quota + 1;
    }
    CHECK(bank->charged == bank->own.sold + bank->own.heap_pages + bank->own.bookkeeping + children_charged,
          "a bank's charge is not its own plus its children's");
    CHECK(bank->objects_used == used && used <= bank->object_quota, "a bank's object quota is wrong");
    return true;
}

bool ledger_check(const struct bank_ledger *ledger, const char **why)
{
    uint32_t live = 0, banks_reached = 0, banks = 0;

    if (!check_frames(ledger, why))
        return false;
    for (uint32_t i = 1; i < BANK_MAX_OBJECTS; i++) {
        const struct bank_object *object = &ledger->objects[i];
        if (object->kind == BANK_OBJECT_NONE) {
            CHECK(object->first_frame == BANK_NO_FRAME && object->frames == 0, "a free record holds frames");
            continue;
        }
        live++;
        CHECK(object->generation != 0, "a live record has generation 0");
        if (object->kind == BANK_OBJECT_BANK) {
            banks++;
            if (!check_bank(ledger, i, why))
                return false;
        } else {
            CHECK(ledger->objects[object->parent].kind == BANK_OBJECT_BANK, "a heap's bank is gone");
        }
    }
    CHECK(live == ledger->objects_live, "the count of live records is wrong");
    CHECK(ledger->objects[0].kind == BANK_OBJECT_NONE, "index 0 is in use");
    if (ledger->root) {
        CHECK(ledger->objects[ledger->root].kind == BANK_OBJECT_BANK && ledger->objects[ledger->root].parent == 0,
              "the root is not a bank without a parent");
        for (uint32_t b = ledger_subtree_next(ledger, ledger->root, 0); b; b = ledger_subtree_next(ledger, ledger->root, b))
            CHECK(++banks_reached <= banks, "the tree has a cycle");
        CHECK(banks_reached == banks, "a live bank is not in the tree");
    }
    return true;
}
