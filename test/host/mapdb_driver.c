/*
 * mapdb_driver.c — the world, the reference model and the operations
 * behind mapdb_driver.h.
 *
 * The world: TASKS tasks, each with SLOTS capability slots (two tables, so
 * a table can be "moved" like a reclaimed page) and PTES page-table
 * entries; RESOURCES resources (even: kernel objects, odd: frames); HEAPS
 * real kheaps fed from a shared page pool. Task t pays from heap t % HEAPS.
 *
 * The model keeps, per record, its parent, payer, rights, flags, holder
 * count and mapping; per slot and PTE, what it holds. Operations update the
 * model themselves; destruction is reported by mapdb's callbacks, and each
 * callback is checked against the model as it happens: the record must be
 * inside the subtree that the running revoke (or reclaim) may destroy, be a
 * leaf, and have no holders left. When a revoke finishes, its postcondition
 * is checked. So the model never has to guess how far a chunk got.
 */
#include "test/host/mapdb_driver.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kheap/kheap.h"
#include "mapdb/mapdb.h"
#include "test/host/kheap_host.h"

#define TASKS         8
#define SLOTS         32
#define PTES          32
#define RESOURCES     16
#define HEAPS         4
#define ARENA_PAGES   48
#define OPS_IN_FLIGHT 4
#define ALL_RIGHTS    0xfu
#define NO_RECORD     (-1)
#define GROWTH_PHASE  2048    /* steps per growing / shrinking phase */

/*
 * What the kheap stores: the mapdb record, then the model's id for it,
 * padded so that few fit in a page and reclaim has several pages to move
 * records between.
 */
struct driver_record {
    struct mapdb_record record;
    uint32_t id;
    uint8_t padding[128 - sizeof(struct mapdb_record) - sizeof(uint32_t)];
};

#define RECORDS_PER_PAGE (KHEAP_PAGE_SIZE / sizeof(struct driver_record))
#define MAX_RECORDS      (RESOURCES + ARENA_PAGES * RECORDS_PER_PAGE)

struct model_record {
    bool alive, memory, copy;
    int32_t parent, resource, payer;   /* payer: heap index, -1 for a root */
    uint32_t rights;
    uint32_t children, copy_children;
    uint32_t holders;                  /* capability holders */
    int32_t pte;                       /* memory: PTE index of the mapping, or -1 */
    struct mapdb_record *ptr;          /* where the db has it now */
};

struct model_slot {
    int32_t record;
    uint32_t rights;
    uint32_t state;                    /* enum mapdb_holder_state */
};

enum { MODE_SKIP = 1, MODE_CLEAR_TOP = 2, MODE_FREE_TOP = 4 };

/* A chunked revoke/delete/destroy that may span many steps. */
struct running_op {
    bool used;
    bool top_gone, top_gone_by_self;
    int32_t top;
    uint32_t mode;
    struct mapdb_cursor cursor;
};

enum context { IN_NOTHING, IN_OP, IN_RECLAIM };

enum op_kind {
    OP_COPY, OP_REVOCABLE_COPY, OP_GRANT, OP_REVOKE, OP_DELETE, OP_CONTINUE,
    OP_DESTROY, OP_RECREATE, OP_MAP, OP_MAP_COPY, OP_GRANT_MAPPING, OP_UNMAP,
    OP_DELETE_MAPPING, OP_DONATE, OP_RECLAIM, OP_MOVE_TABLE, OP_MISUSE, OP_KINDS
};

static const struct { const char *name; uint32_t weight; } op_table[OP_KINDS] = {
    [OP_COPY] = {"copy", 32},           [OP_REVOCABLE_COPY] = {"revocable_copy", 48},
    [OP_GRANT] = {"grant", 20},         [OP_REVOKE] = {"revoke", 12},
    [OP_DELETE] = {"delete", 14},       [OP_CONTINUE] = {"continue", 64},
    [OP_DESTROY] = {"destroy", 1},     [OP_RECREATE] = {"recreate", 8},
    [OP_MAP] = {"map", 40},            [OP_MAP_COPY] = {"map_copy", 24},
    [OP_GRANT_MAPPING] = {"grant_mapping", 16}, [OP_UNMAP] = {"unmap", 10},
    [OP_DELETE_MAPPING] = {"delete_mapping", 14}, [OP_DONATE] = {"donate", 16},
    [OP_RECLAIM] = {"reclaim", 8},     [OP_MOVE_TABLE] = {"move_table", 4},
    [OP_MISUSE] = {"misuse", 8},
};

struct driver {
    struct kheap_host_arena arena;
    struct kheap_typeset types;
    uint32_t record_type;
    struct kheap_ops heap_ops;
    struct kheap heaps[HEAPS];
    uint32_t pool[ARENA_PAGES];        /* pages no heap holds */
    uint32_t pool_count;

    struct mapdb db;
    struct mapdb_ops db_ops;
    struct mapdb_record roots[RESOURCES];
    struct mapdb_holder tables[TASKS][2][SLOTS];
    uint32_t table_in_use[TASKS];
    struct mapdb_record *pte[TASKS * PTES];

    struct model_record model[MAX_RECORDS];
    int32_t free_ids[MAX_RECORDS];
    uint32_t free_id_count;
    struct model_slot slots[TASKS][SLOTS];
    int32_t pte_model[TASKS * PTES];
    uint32_t live_by_heap[HEAPS];
    bool seen[MAX_RECORDS];
    int32_t checking_resource;
    uint32_t seen_holders;

    struct running_op ops[OPS_IN_FLIGHT];
    enum context context;
    uint32_t context_op;
    int32_t reclaim_target;
    int32_t last_alloc_id;

    uint64_t rng;
    const uint8_t *bytes;
    size_t byte_count, byte_pos;
    bool use_bytes, out_of_input;

    uint32_t full_check_every;
    uint64_t steps;
    uint64_t counts[OP_KINDS];
    uint64_t errors, no_memory;
    uint32_t max_live;                 /* most records alive at a full check */
    enum op_kind kind;                 /* of the step running now */
    bool failed;
    char failure[320];
};

/* ---- failure reporting and choices ---- */

static bool fail(struct driver *d, const char *fmt, ...)
{
    va_list ap;
    int n;

    if (d->failed)
        return false;
    d->failed = true;
    n = snprintf(d->failure, sizeof d->failure, "step %llu (%s): ",
                 (unsigned long long)d->steps, op_table[d->kind].name);
    va_start(ap, fmt);
    vsnprintf(d->failure + n, sizeof d->failure - (size_t)n, fmt, ap);
    va_end(ap);
    return false;
}

#define EXPECT(d, cond, ...) ((cond) ? true : fail((d), __VA_ARGS__))

static uint64_t next_random(struct driver *d)
{
    /* xorshift64* */
    d->rng ^= d->rng >> 12;
    d->rng ^= d->rng << 25;
    d->rng ^= d->rng >> 27;
    return d->rng * 0x2545F4914F6CDD1DULL;
}

static uint32_t pick(struct driver *d, uint32_t bound)
{
    uint32_t v = 0;

    if (bound <= 1)
        return 0;
    if (!d->use_bytes)
        return (uint32_t)((next_random(d) >> 32) % bound);
    for (uint32_t i = 0; i < (bound > 256 ? 2u : 1u); i++) {
        if (d->byte_pos < d->byte_count)
            v = (v << 8) | d->bytes[d->byte_pos++];
        else
            d->out_of_input = true;
    }
    return v % bound;
}

static uint32_t pick_rights(struct driver *d, uint32_t from)
{
    uint32_t r = pick(d, 8);

    if (r == 0)
        return pick(d, ALL_RIGHTS + 1);      /* may escalate */
    if (r == 1)
        return from & pick(d, ALL_RIGHTS + 1);
    return from;
}

/* ---- the world ---- */

static uint32_t heap_of_task(uint32_t task)
{
    return task % HEAPS;
}

static struct mapdb_holder *holder_at(struct driver *d, uint32_t task, uint32_t slot)
{
    return &d->tables[task][d->table_in_use[task]][slot];
}

static int32_t id_of(struct driver *d, const struct mapdb_record *r)
{
    if (r >= d->roots && r < d->roots + RESOURCES)
        return (int32_t)(r - d->roots);
    return (int32_t)((const struct driver_record *)(const void *)r)->id;
}

static bool inside(struct driver *d, int32_t x, int32_t ancestor)
{
    while (x != NO_RECORD && x != ancestor)
        x = d->model[x].parent;
    return x == ancestor;
}

/*
 * May the running operation destroy record x (is_free) or clear one of its
 * holders? Only inside its subtree, never a skipped memory COPY below top,
 * and top itself only if the operation says so.
 */
static bool event_allowed(struct driver *d, int32_t x, bool is_free)
{
    if (d->context == IN_RECLAIM)
        return inside(d, x, d->reclaim_target);
    if (d->context != IN_OP)
        return false;
    struct running_op *op = &d->ops[d->context_op];
    if (op->top == NO_RECORD)
        return false;
    if (x == op->top)
        return (op->mode & (is_free ? MODE_FREE_TOP : MODE_CLEAR_TOP)) != 0;
    int32_t c = x;
    while (d->model[c].parent != NO_RECORD && d->model[c].parent != op->top)
        c = d->model[c].parent;
    if (d->model[c].parent != op->top)
        return false;
    return !((op->mode & MODE_SKIP) && d->model[c].copy);
}

/* ---- callbacks: kheap's owner and mapdb's kernel ---- */

static struct kheap_page *cb_page_of(void *ctx, const void *addr)
{
    struct driver *d = ctx;
    return kheap_host_page_of(&d->arena, addr);
}

static void cb_moved(void *ctx, uint32_t type, void *old_obj, void *new_obj)
{
    struct driver *d = ctx;
    struct mapdb_record *r = new_obj;
    int32_t id = id_of(d, r);

    (void)type;
    mapdb_record_moved(&d->db, old_obj, new_obj);
    EXPECT(d, d->model[id].alive && d->model[id].ptr == old_obj, "moved record %d unknown", id);
    d->model[id].ptr = r;
    if (d->model[id].memory && d->model[id].pte >= 0) {
        EXPECT(d, d->pte[d->model[id].pte] == old_obj, "moved mapping's PTE wrong");
        d->pte[d->model[id].pte] = r;
    }
}

static void cb_destroy(void *ctx, uint32_t type, void *obj)
{
    struct driver *d = ctx;
    int32_t id = id_of(d, obj);
    enum context saved = d->context;

    (void)type;
    d->context = IN_RECLAIM;
    d->reclaim_target = id;
    int status = mapdb_record_destroy(&d->db, obj);
    EXPECT(d, status == MAPDB_OK, "record_destroy returned %d", status);
    EXPECT(d, !d->model[id].alive, "reclaim-destroyed record %d still alive", id);
    d->context = saved;
}

static struct mapdb_record *cb_alloc(void *ctx, void *payer)
{
    struct driver *d = ctx;
    struct driver_record *r = kheap_allocate(payer, d->record_type, NULL);

    if (r == NULL)
        return NULL;
    if (d->free_id_count == 0) {
        fail(d, "out of model ids");
        return NULL;
    }
    r->id = (uint32_t)d->free_ids[--d->free_id_count];
    d->last_alloc_id = (int32_t)r->id;
    d->model[r->id].ptr = &r->record;
    return &r->record;
}

static void forget_op_tops(struct driver *d, int32_t id)
{
    for (uint32_t k = 0; k < OPS_IN_FLIGHT; k++) {
        struct running_op *op = &d->ops[k];
        if (op->used && op->top == id) {
            op->top_gone = true;
            op->top_gone_by_self = d->context == IN_OP && d->context_op == k;
            op->top = NO_RECORD;
        }
    }
}

static void cb_free(void *ctx, void *payer, struct mapdb_record *record)
{
    struct driver *d = ctx;
    int32_t id = id_of(d, record);
    struct model_record *m = &d->model[id];

    EXPECT(d, id >= RESOURCES && m->alive && m->ptr == record, "free of unknown record %d", id);
    EXPECT(d, payer == &d->heaps[m->payer], "record %d freed to the wrong heap", id);
    EXPECT(d, m->children == 0 && m->holders == 0 && m->pte < 0,
           "record %d freed with children/holders/mapping", id);
    EXPECT(d, event_allowed(d, id, true), "record %d freed outside the revoked subtree", id);
    if (d->failed)
        return;
    struct model_record *parent = &d->model[m->parent];
    parent->children--;
    if (m->copy)
        parent->copy_children--;
    m->alive = false;
    d->live_by_heap[m->payer]--;
    d->free_ids[d->free_id_count++] = id;
    forget_op_tops(d, id);
    EXPECT(d, kheap_free(payer, record) == KHEAP_OK, "kheap_free refused record %d", id);
}

static void cb_cap_cleared(void *ctx, struct mapdb_holder *holder)
{
    struct driver *d = ctx;

    for (uint32_t t = 0; t < TASKS; t++) {
        struct mapdb_holder *table = d->tables[t][d->table_in_use[t]];
        if (holder < table || holder >= table + SLOTS)
            continue;
        struct model_slot *slot = &d->slots[t][holder - table];
        EXPECT(d, slot->state == MAPDB_HOLDER_HELD, "cleared a holder that held nothing");
        EXPECT(d, holder->state == MAPDB_HOLDER_REVOKED && holder->record == NULL,
               "cleared holder not left REVOKED");
        EXPECT(d, event_allowed(d, slot->record, false),
               "holder of record %d (parent %d) cleared outside the revoked subtree"
               " (context %d, op top %d mode %u)", slot->record,
               d->model[slot->record].parent, d->context,
               d->ops[d->context_op].top, d->ops[d->context_op].mode);
        if (d->failed)
            return;
        d->model[slot->record].holders--;
        slot->state = MAPDB_HOLDER_REVOKED;
        slot->record = NO_RECORD;
        slot->rights = 0;
        return;
    }
    fail(d, "cap_cleared on a holder in no table");
}

static void cb_unmap(void *ctx, uintptr_t mapping, struct mapdb_record *record)
{
    struct driver *d = ctx;
    int32_t id = id_of(d, record);
    uint32_t p = (uint32_t)mapping - 1;

    if (!EXPECT(d, mapping >= 1 && p < TASKS * PTES, "unmap of a bad mapping"))
        return;
    EXPECT(d, d->pte[p] == record && d->pte_model[p] == id && d->model[id].pte == (int32_t)p,
           "unmap of record %d disagrees with the page table", id);
    EXPECT(d, event_allowed(d, id, false), "mapping of %d unmapped outside the subtree", id);
    if (d->failed)
        return;
    d->pte[p] = NULL;
    d->pte_model[p] = NO_RECORD;
    d->model[id].pte = -1;
}

/* ---- model updates for successful operations ---- */

static void model_new_record(struct driver *d, int32_t id, int32_t parent, uint32_t payer,
                             uint32_t rights, bool memory, bool copy)
{
    struct model_record *m = &d->model[id];

    m->alive = true;
    m->memory = memory;
    m->copy = copy;
    m->parent = parent;
    m->resource = d->model[parent].resource;
    m->payer = (int32_t)payer;
    m->rights = rights;
    m->children = m->copy_children = m->holders = 0;
    m->pte = -1;
    d->model[parent].children++;
    if (copy)
        d->model[parent].copy_children++;
    d->live_by_heap[payer]++;
}

static void model_hold(struct driver *d, uint32_t t, uint32_t s, int32_t record, uint32_t rights)
{
    d->slots[t][s] = (struct model_slot){record, rights, MAPDB_HOLDER_HELD};
    d->model[record].holders++;
}

static void model_set_pte(struct driver *d, uint32_t p, int32_t record)
{
    d->pte_model[p] = record;
    d->model[record].pte = (int32_t)p;
    d->pte[p] = d->model[record].ptr;
}

/* ---- "nothing changed" around an operation that must fail ---- */

struct snapshot {
    struct mapdb_stats stats;
    struct mapdb_holder a, b;
    uint32_t free_ids;
    uint64_t heap_allocs;
};

static uint64_t heap_allocs(struct driver *d)
{
    uint64_t n = 0;
    for (uint32_t h = 0; h < HEAPS; h++)
        n += d->heaps[h].stats.by_type[d->record_type].allocations;
    return n;
}

static struct snapshot take_snapshot(struct driver *d, const struct mapdb_holder *a,
                                     const struct mapdb_holder *b)
{
    struct snapshot s;

    memset(&s, 0, sizeof s);    /* padding too: snapshots are compared bytewise */
    s.stats = d->db.stats;
    s.free_ids = d->free_id_count;
    s.heap_allocs = heap_allocs(d);
    if (a != NULL)
        s.a = *a;
    if (b != NULL)
        s.b = *b;
    return s;
}

static bool unchanged(struct driver *d, const struct snapshot *before,
                      const struct mapdb_holder *a, const struct mapdb_holder *b)
{
    struct snapshot now = take_snapshot(d, a, b);
    return EXPECT(d, memcmp(&now, before, sizeof now) == 0, "a failed operation changed state");
}

/* Compare a return code with the model's prediction; on error, nothing may change. */
static bool outcome(struct driver *d, int status, int predicted, const struct snapshot *before,
                    const struct mapdb_holder *a, const struct mapdb_holder *b)
{
    if (!EXPECT(d, status == predicted, "returned %d, model predicted %d", status, predicted))
        return false;
    d->errors += status < 0;
    d->no_memory += status == MAPDB_E_NO_MEMORY;
    return status >= 0 || unchanged(d, before, a, b);
}

/* ---- choosing slots ---- */

/* A random slot; when `held`, usually one that holds something. */
static void pick_slot(struct driver *d, bool held, uint32_t *task, uint32_t *slot)
{
    uint32_t start = pick(d, TASKS * SLOTS);
    bool search = pick(d, 4) != 0;

    *task = start / SLOTS;
    *slot = start % SLOTS;
    if (!search)
        return;
    for (uint32_t i = 0; i < TASKS * SLOTS; i++) {
        uint32_t n = (start + i) % (TASKS * SLOTS);
        if ((d->slots[n / SLOTS][n % SLOTS].state == MAPDB_HOLDER_HELD) == held) {
            *task = n / SLOTS;
            *slot = n % SLOTS;
            return;
        }
    }
}

/* A PTE that is mapped (or not); -1 when there is none. */
static int32_t pick_pte(struct driver *d, bool mapped)
{
    uint32_t start = pick(d, TASKS * PTES);

    for (uint32_t i = 0; i < TASKS * PTES; i++) {
        uint32_t p = (start + i) % (TASKS * PTES);
        if ((d->pte_model[p] != NO_RECORD) == mapped)
            return (int32_t)p;
    }
    return -1;
}

static int32_t free_op(struct driver *d)
{
    uint32_t start = pick(d, OPS_IN_FLIGHT);

    for (uint32_t i = 0; i < OPS_IN_FLIGHT; i++) {
        uint32_t k = (start + i) % OPS_IN_FLIGHT;
        if (!d->ops[k].used)
            return (int32_t)k;
    }
    return -1;
}

static int predict_source(const struct model_slot *s)
{
    if (s->state == MAPDB_HOLDER_EMPTY)
        return MAPDB_E_EMPTY;
    if (s->state == MAPDB_HOLDER_REVOKED)
        return MAPDB_E_REVOKED;
    return MAPDB_OK;
}

static int predict_transfer(struct driver *d, uint32_t t1, uint32_t s1, uint32_t t2,
                            uint32_t s2, uint32_t rights)
{
    const struct model_slot *src = &d->slots[t1][s1], *dst = &d->slots[t2][s2];
    int status = predict_source(src);

    if (status != MAPDB_OK)
        return status;
    if (t1 == t2 && s1 == s2)
        return MAPDB_E_SAME_HOLDER;
    if (dst->state == MAPDB_HOLDER_HELD)
        return MAPDB_E_BUSY;
    if (rights & ~src->rights)
        return MAPDB_E_RIGHTS;
    return MAPDB_OK;
}

/* ---- chunked operations ---- */

static bool op_finished(struct driver *d, struct running_op *op)
{
    op->used = false;
    if (op->top_gone) {
        if (op->top_gone_by_self)
            return EXPECT(d, (op->mode & MODE_FREE_TOP) && !op->cursor.top_lost,
                          "revoke freed its own top unasked");
        return EXPECT(d, op->cursor.top_lost, "top destroyed by another, cursor not told");
    }
    struct model_record *m = &d->model[op->top];
    EXPECT(d, !op->cursor.top_lost && !op->cursor.active, "cursor state wrong at finish");
    EXPECT(d, !(op->mode & MODE_FREE_TOP), "finished without freeing its top %d", op->top);
    if (op->mode & MODE_SKIP)
        EXPECT(d, m->children == m->copy_children, "revoke left revocable children of %d",
               op->top);
    else
        EXPECT(d, m->children == 0, "revoke left children of %d", op->top);
    if (op->mode & MODE_CLEAR_TOP)
        EXPECT(d, m->holders == 0 && m->pte < 0, "destroy left holders of %d", op->top);
    return !d->failed;
}

static void enter_op(struct driver *d, uint32_t k, int32_t top, uint32_t mode)
{
    struct running_op *op = &d->ops[k];

    op->used = true;
    op->top_gone = op->top_gone_by_self = false;
    op->top = top;
    op->mode = mode;
    d->context = IN_OP;
    d->context_op = k;
}

/* After starting or continuing op k: MORE keeps it running, OK finishes it. */
static bool after_chunk(struct driver *d, uint32_t k, int status)
{
    d->context = IN_NOTHING;
    if (status == MAPDB_MORE)
        return EXPECT(d, d->ops[k].cursor.active || d->ops[k].top_gone,
                      "MORE but cursor inactive");
    if (!EXPECT(d, status == MAPDB_OK, "chunk returned %d", status))
        return false;
    return op_finished(d, &d->ops[k]);
}

static uint32_t pick_budget(struct driver *d)
{
    return 1 + pick(d, 12);
}

static bool do_continue(struct driver *d)
{
    uint32_t start = pick(d, OPS_IN_FLIGHT);

    for (uint32_t i = 0; i < OPS_IN_FLIGHT; i++) {
        uint32_t k = (start + i) % OPS_IN_FLIGHT;
        if (!d->ops[k].used)
            continue;
        d->context = IN_OP;
        d->context_op = k;
        return after_chunk(d, k, mapdb_continue(&d->db, &d->ops[k].cursor, pick_budget(d)));
    }
    return true;
}

/* ---- capability operations ---- */

static bool do_transfer(struct driver *d, enum op_kind kind)
{
    uint32_t t1, s1, t2, s2;

    pick_slot(d, true, &t1, &s1);
    pick_slot(d, false, &t2, &s2);
    struct mapdb_holder *src = holder_at(d, t1, s1), *dst = holder_at(d, t2, s2);
    struct model_slot ms = d->slots[t1][s1];
    uint32_t rights = pick_rights(d, ms.state == MAPDB_HOLDER_HELD ? ms.rights : ALL_RIGHTS);
    struct kheap *heap = &d->heaps[heap_of_task(t1)];
    int predicted = predict_transfer(d, t1, s1, t2, s2, rights);
    int status;

    if (kind == OP_REVOCABLE_COPY && predicted == MAPDB_OK &&
        !kheap_can_allocate(heap, d->record_type, 1))
        predicted = MAPDB_E_NO_MEMORY;
    struct snapshot before = take_snapshot(d, src, dst);
    if (kind == OP_COPY)
        status = mapdb_copy(&d->db, src, dst, rights);
    else if (kind == OP_GRANT)
        status = mapdb_grant(&d->db, src, dst, rights);
    else
        status = mapdb_revocable_copy(&d->db, src, dst, rights, heap);
    if (!outcome(d, status, predicted, &before, src, dst) || status != MAPDB_OK)
        return !d->failed;
    if (kind == OP_REVOCABLE_COPY) {
        int32_t id = d->last_alloc_id;
        model_new_record(d, id, ms.record, heap_of_task(t1), rights, false, false);
        model_hold(d, t2, s2, id, rights);
    } else {
        model_hold(d, t2, s2, ms.record, rights);
        if (kind == OP_GRANT) {
            d->slots[t1][s1] = (struct model_slot){NO_RECORD, 0, MAPDB_HOLDER_EMPTY};
            d->model[ms.record].holders--;
        }
    }
    return true;
}

static bool do_revoke_or_delete(struct driver *d, enum op_kind kind)
{
    int32_t k = free_op(d);
    uint32_t t, s;

    if (k < 0)
        return do_continue(d);
    pick_slot(d, true, &t, &s);
    struct mapdb_holder *h = holder_at(d, t, s);
    struct model_slot ms = d->slots[t][s];
    int predicted = predict_source(&ms);
    struct mapdb_cursor *cursor = &d->ops[k].cursor;
    struct snapshot before = take_snapshot(d, h, NULL);
    uint32_t budget = pick_budget(d);
    int status;

    if (predicted != MAPDB_OK) {
        status = kind == OP_REVOKE ? mapdb_revoke(&d->db, h, cursor, budget)
                                   : mapdb_delete(&d->db, h, cursor, budget);
        return outcome(d, status, predicted, &before, h, NULL);
    }
    if (kind == OP_REVOKE) {
        enter_op(d, (uint32_t)k, ms.record, MODE_SKIP);
        return after_chunk(d, (uint32_t)k, mapdb_revoke(&d->db, h, cursor, budget));
    }
    struct model_record *m = &d->model[ms.record];
    d->slots[t][s] = (struct model_slot){NO_RECORD, 0, MAPDB_HOLDER_EMPTY};
    m->holders--;
    if (m->holders > 0) {
        status = mapdb_delete(&d->db, h, cursor, budget);
        return EXPECT(d, status == MAPDB_OK && !cursor->active && h->state == MAPDB_HOLDER_EMPTY,
                      "delete of a shared holder returned %d", status);
    }
    enter_op(d, (uint32_t)k, ms.record, ms.record < RESOURCES ? 0 : MODE_FREE_TOP);
    return after_chunk(d, (uint32_t)k, mapdb_delete(&d->db, h, cursor, budget));
}

/* ---- resources ---- */

static bool root_busy(struct driver *d, int32_t r)
{
    for (uint32_t k = 0; k < OPS_IN_FLIGHT; k++)
        if (d->ops[k].used && d->ops[k].top == r)
            return true;
    return false;
}

static bool do_destroy(struct driver *d)
{
    int32_t k = free_op(d);
    int32_t r = (int32_t)pick(d, RESOURCES);

    if (k < 0)
        return do_continue(d);
    enter_op(d, (uint32_t)k, r, MODE_CLEAR_TOP);
    return after_chunk(d, (uint32_t)k, mapdb_destroy_resource(&d->db, &d->roots[r],
                                                              &d->ops[k].cursor, pick_budget(d)));
}

/* Give an emptied resource a first holder again, like creating a new object. */
static bool give_root_holder(struct driver *d, int32_t r)
{
    struct model_record *m = &d->model[r];

    if (m->memory) {
        int32_t p = pick_pte(d, false);
        if (p < 0)
            return true;
        if (!EXPECT(d, mapdb_map_root(&d->db, &d->roots[r], (uintptr_t)p + 1) == MAPDB_OK,
                    "map_root failed"))
            return false;
        model_set_pte(d, (uint32_t)p, r);
        return true;
    }
    uint32_t t, s;
    pick_slot(d, false, &t, &s);
    if (d->slots[t][s].state == MAPDB_HOLDER_HELD)
        return true;
    if (!EXPECT(d, mapdb_hold_root(&d->db, &d->roots[r], holder_at(d, t, s), ALL_RIGHTS) ==
                   MAPDB_OK, "hold_root failed"))
        return false;
    model_hold(d, t, s, r, ALL_RIGHTS);
    return true;
}

static bool do_recreate(struct driver *d)
{
    int32_t r = (int32_t)pick(d, RESOURCES);
    struct model_record *m = &d->model[r];
    bool empty = m->children == 0 && m->holders == 0 && m->pte < 0;

    if (!EXPECT(d, mapdb_root_is_empty(&d->roots[r]) == empty, "root_is_empty disagrees"))
        return false;
    if (!empty || root_busy(d, r))
        return true;
    return give_root_holder(d, r);
}

/* ---- memory operations ---- */

static bool do_map(struct driver *d, bool copy)
{
    int32_t p1 = pick_pte(d, true), p2 = pick_pte(d, false);

    if (p1 < 0 || p2 < 0)
        return true;
    int32_t src_id = d->pte_model[p1];
    struct mapdb_record *src = d->pte[p1], *out = NULL;
    uint32_t rights = pick_rights(d, d->model[src_id].rights);
    uint32_t payer = heap_of_task((uint32_t)(copy ? p2 : p1) / PTES);
    struct kheap *heap = &d->heaps[payer];
    int predicted = MAPDB_OK, status;

    if (rights & ~d->model[src_id].rights)
        predicted = MAPDB_E_RIGHTS;
    else if (!kheap_can_allocate(heap, d->record_type, 1))
        predicted = MAPDB_E_NO_MEMORY;
    struct snapshot before = take_snapshot(d, NULL, NULL);
    if (copy)
        status = mapdb_map_copy(&d->db, src, rights, heap, (uintptr_t)p2 + 1, &out);
    else
        status = mapdb_map(&d->db, src, rights, heap, (uintptr_t)p2 + 1, &out);
    if (!outcome(d, status, predicted, &before, NULL, NULL) || status != MAPDB_OK)
        return !d->failed;
    int32_t id = d->last_alloc_id;
    if (!EXPECT(d, out == d->model[id].ptr && out->mapping == (uintptr_t)p2 + 1,
                "map returned the wrong record"))
        return false;
    model_new_record(d, id, src_id, payer, rights, true, copy);
    model_set_pte(d, (uint32_t)p2, id);
    return true;
}

static bool do_grant_mapping(struct driver *d)
{
    int32_t p1 = pick_pte(d, true), p2 = pick_pte(d, false);

    if (p1 < 0 || p2 < 0)
        return true;
    int32_t id = d->pte_model[p1];
    int status = mapdb_grant_mapping(&d->db, d->pte[p1], (uintptr_t)p2 + 1);
    if (!EXPECT(d, status == MAPDB_OK, "grant_mapping returned %d", status))
        return false;
    d->pte[p1] = NULL;
    d->pte_model[p1] = NO_RECORD;
    model_set_pte(d, (uint32_t)p2, id);
    return true;
}

static bool do_unmap_or_delete(struct driver *d, enum op_kind kind)
{
    int32_t k = free_op(d), p = pick_pte(d, true);

    if (k < 0)
        return do_continue(d);
    if (p < 0)
        return true;
    int32_t id = d->pte_model[p];
    struct mapdb_record *r = d->pte[p];
    struct mapdb_cursor *cursor = &d->ops[k].cursor;
    uint32_t budget = pick_budget(d);

    if (kind == OP_UNMAP) {
        enter_op(d, (uint32_t)k, id, MODE_SKIP);
        return after_chunk(d, (uint32_t)k, mapdb_unmap(&d->db, r, cursor, budget));
    }
    /* The kernel clears its own page-table entry. */
    d->pte[p] = NULL;
    d->pte_model[p] = NO_RECORD;
    d->model[id].pte = -1;
    enter_op(d, (uint32_t)k, id, id < RESOURCES ? 0 : MODE_FREE_TOP);
    return after_chunk(d, (uint32_t)k, mapdb_delete_mapping(&d->db, r, cursor, budget));
}

/* ---- heaps ---- */

static bool do_donate(struct driver *d)
{
    if (d->pool_count == 0)
        return true;
    uint32_t i = pick(d, d->pool_count);
    uint32_t page = d->pool[i];
    struct kheap *heap = &d->heaps[pick(d, HEAPS)];

    d->pool[i] = d->pool[--d->pool_count];
    return EXPECT(d, kheap_host_donate(&d->arena, heap, page, 1) == KHEAP_OK, "donate failed");
}

static bool reclaim_pages(struct driver *d, struct kheap *heap, uint32_t pages)
{
    struct kheap_reclaim st;
    void *out[8];
    uint32_t n, rounds = 0;

    kheap_reclaim_begin(&st, pages);
    while (!st.done && !d->failed) {
        if (!EXPECT(d, kheap_reclaim(heap, &st, 4, out, 8, &n) == KHEAP_OK, "reclaim failed"))
            return false;
        for (uint32_t i = 0; i < n; i++)
            d->pool[d->pool_count++] = (uint32_t)kheap_host_index_of(&d->arena, out[i]);
        if (!EXPECT(d, ++rounds < 100000, "reclaim does not finish"))
            return false;
    }
    return !d->failed;
}

/* Sometimes more than the free pages, so that live records move or die. */
static bool do_reclaim(struct driver *d)
{
    struct kheap *heap = &d->heaps[pick(d, HEAPS)];

    return reclaim_pages(d, heap, 1 + pick(d, heap->stats.pages_free + 2));
}

/* A capability table moves, as when its page is reclaimed. */
static bool do_move_table(struct driver *d)
{
    uint32_t t = pick(d, TASKS), from = d->table_in_use[t];
    struct mapdb_holder *old_table = d->tables[t][from], *new_table = d->tables[t][1 - from];

    memcpy(new_table, old_table, sizeof d->tables[t][0]);
    for (uint32_t s = 0; s < SLOTS; s++)
        mapdb_holder_moved(&d->db, &old_table[s], &new_table[s]);
    d->table_in_use[t] = 1 - from;
    memset(old_table, 0x5a, sizeof d->tables[t][0]);
    return true;
}

/* Calls that must be refused without changing anything. */
static bool do_misuse(struct driver *d)
{
    uint32_t t, s;
    struct snapshot before = take_snapshot(d, NULL, NULL);
    struct mapdb_record *out = NULL;
    int status;

    pick_slot(d, true, &t, &s);
    switch (pick(d, 4)) {
    case 0:
        for (uint32_t k = 0; k < OPS_IN_FLIGHT; k++) {
            if (!d->ops[k].cursor.active)
                continue;
            status = mapdb_revoke(&d->db, holder_at(d, t, s), &d->ops[k].cursor, 4);
            return outcome(d, status, MAPDB_E_CURSOR_BUSY, &before, NULL, NULL);
        }
        return true;
    case 1:
        status = mapdb_map(&d->db, &d->roots[0], 1, &d->heaps[0], 1, &out);
        return outcome(d, status, MAPDB_E_WRONG_KIND, &before, NULL, NULL);
    case 2:
        status = mapdb_copy(&d->db, NULL, holder_at(d, t, s), 0);
        return outcome(d, status, MAPDB_E_BAD_ARG, &before, NULL, NULL);
    default:
        for (uint32_t r = 1; r < RESOURCES; r += 2) {
            if (d->model[r].pte >= 0)
                continue;
            status = mapdb_map(&d->db, &d->roots[r], 1, &d->heaps[0], 1, &out);
            return outcome(d, status, MAPDB_E_EMPTY, &before, NULL, NULL);
        }
        return true;
    }
}

/* ---- the full check ---- */

static void check_visit(void *arg, const struct mapdb_record *r, const struct mapdb_record *parent)
{
    struct driver *d = arg;
    int32_t id = id_of(d, r);

    if (!EXPECT(d, id >= 0 && (uint32_t)id < MAX_RECORDS, "tree holds an unknown record"))
        return;
    struct model_record *m = &d->model[id];
    EXPECT(d, m->alive && !d->seen[id] && m->ptr == r, "record %d dead, seen twice or moved", id);
    EXPECT(d, m->resource == d->checking_resource, "record %d in the wrong tree", id);
    EXPECT(d, parent == NULL ? m->parent == NO_RECORD : m->parent == id_of(d, parent),
           "record %d has the wrong parent", id);
    EXPECT(d, m->rights == r->rights && m->copy == ((r->flags & MAPDB_F_COPY) != 0),
           "record %d rights/flags differ", id);
    if (id >= RESOURCES) {
        struct kheap *payer = &d->heaps[m->payer];
        struct kheap_page *page = kheap_host_page_of(&d->arena, r);
        EXPECT(d, r->payer == payer && page != NULL && page->owner == payer,
               "record %d not paid by its heap", id);
    }
    if (m->memory) {
        bool mapped = (r->flags & MAPDB_F_MAPPED) != 0;
        EXPECT(d, mapped == (m->pte >= 0), "record %d mapped state differs", id);
        if (mapped)
            EXPECT(d, r->mapping == (uintptr_t)m->pte + 1 && d->pte[m->pte] == r,
                   "record %d mapping differs", id);
    } else {
        uint32_t n = 0;
        const struct mapdb_holder *h = r->holders;
        if (h != NULL) {
            do {
                n++;
                h = h->next;
            } while (h != r->holders && n <= TASKS * SLOTS);
        }
        EXPECT(d, n == m->holders, "record %d has %u holders, model %u", id, n, m->holders);
        d->seen_holders += n;
    }
    d->seen[id] = true;
}

static bool check_slots(struct driver *d, uint32_t *held)
{
    for (uint32_t t = 0; t < TASKS; t++) {
        for (uint32_t s = 0; s < SLOTS; s++) {
            const struct mapdb_holder *h = holder_at(d, t, s);
            const struct model_slot *ms = &d->slots[t][s];
            EXPECT(d, h->state == ms->state, "slot %u.%u state differs", t, s);
            if (ms->state != MAPDB_HOLDER_HELD)
                continue;
            (*held)++;
            EXPECT(d, h->record == d->model[ms->record].ptr && h->rights == ms->rights,
                   "slot %u.%u holds the wrong thing", t, s);
        }
    }
    for (uint32_t p = 0; p < TASKS * PTES; p++) {
        int32_t id = d->pte_model[p];
        EXPECT(d, d->pte[p] == (id == NO_RECORD ? NULL : d->model[id].ptr), "PTE %u differs", p);
    }
    return !d->failed;
}

static bool check_ledger(struct driver *d)
{
    uint32_t pages = d->pool_count, live = 0;

    for (uint32_t h = 0; h < HEAPS; h++) {
        struct kheap_stats st;
        kheap_get_stats(&d->heaps[h], &st);
        EXPECT(d, kheap_check(&d->heaps[h]) == KHEAP_OK, "kheap_check failed for heap %u", h);
        EXPECT(d, st.by_type[d->record_type].live == d->live_by_heap[h],
               "heap %u has %u live records, model %u", h,
               st.by_type[d->record_type].live, d->live_by_heap[h]);
        EXPECT(d, st.pages_held == st.pages_donated - st.pages_reclaimed,
               "heap %u page ledger does not add up", h);
        pages += st.pages_held;
        live += d->live_by_heap[h];
    }
    EXPECT(d, pages == ARENA_PAGES, "%u pages accounted for, %u exist", pages, ARENA_PAGES);
    EXPECT(d, d->db.stats.allocated - d->db.stats.freed == live, "db record count differs");
    return !d->failed;
}

static bool check_cursors(struct driver *d)
{
    uint32_t running = 0, registered = 0;

    for (uint32_t k = 0; k < OPS_IN_FLIGHT; k++)
        running += d->ops[k].used && d->ops[k].cursor.active;
    for (struct mapdb_cursor *c = d->db.cursors; c != NULL; c = c->next)
        registered++;
    EXPECT(d, running == registered, "%u cursors registered, %u running", registered, running);
    return EXPECT(d, mapdb_check_cursors(&d->db) == MAPDB_OK, "mapdb_check_cursors failed");
}

bool driver_check(struct driver *d)
{
    uint32_t live = 0, held = 0;

    memset(d->seen, 0, sizeof d->seen);
    d->seen_holders = 0;
    for (int32_t r = 0; r < RESOURCES && !d->failed; r++) {
        d->checking_resource = r;
        long n = mapdb_check_tree(&d->roots[r], check_visit, d);
        EXPECT(d, n > 0, "mapdb_check_tree(resource %d) = %ld", r, n);
    }
    for (uint32_t id = 0; id < MAX_RECORDS; id++) {
        live += d->model[id].alive;
        EXPECT(d, d->model[id].alive == d->seen[id], "record %u unreachable from its root", id);
    }
    check_slots(d, &held);
    EXPECT(d, held == d->seen_holders, "holders in slots %u, in rings %u", held, d->seen_holders);
    check_ledger(d);
    check_cursors(d);
    if (live > d->max_live)
        d->max_live = live;
    return !d->failed;
}

/* Test support: damage one live record behind the model's back. */
bool driver_tamper(struct driver *d)
{
    for (uint32_t id = RESOURCES; id < MAX_RECORDS; id++) {
        if (d->model[id].alive) {
            d->model[id].ptr->rights ^= 1;
            return true;
        }
    }
    return false;
}

/* ---- steps ---- */

static enum op_kind pick_kind(struct driver *d)
{
    uint32_t total = 0, r;

    for (uint32_t k = 0; k < OP_KINDS; k++)
        total += op_table[k].weight;
    r = pick(d, total);
    for (uint32_t k = 0; k < OP_KINDS; k++) {
        if (r < op_table[k].weight)
            return (enum op_kind)k;
        r -= op_table[k].weight;
    }
    return OP_CONTINUE;
}

static bool destructive(enum op_kind kind)
{
    return kind == OP_REVOKE || kind == OP_DELETE || kind == OP_DESTROY ||
           kind == OP_UNMAP || kind == OP_DELETE_MAPPING;
}

/*
 * Alternate growing and shrinking phases: with one fixed mix, revokes near
 * the roots keep the trees small, and big trees (many heap pages, records
 * that reclaim must move) would never be seen.
 */
static enum op_kind pick_phased_kind(struct driver *d)
{
    enum op_kind kind = pick_kind(d);
    bool growing = (d->steps / GROWTH_PHASE) % 2 == 0;

    if (growing && destructive(kind) && pick(d, 8) != 0)
        return pick(d, 2) ? OP_REVOCABLE_COPY : OP_MAP;
    return kind;
}

static bool run_kind(struct driver *d, enum op_kind kind)
{
    switch (kind) {
    case OP_COPY:
    case OP_REVOCABLE_COPY:
    case OP_GRANT:
        return do_transfer(d, kind);
    case OP_REVOKE:
    case OP_DELETE:
        return do_revoke_or_delete(d, kind);
    case OP_CONTINUE:
        return do_continue(d);
    case OP_DESTROY:
        return do_destroy(d);
    case OP_RECREATE:
        return do_recreate(d);
    case OP_MAP:
    case OP_MAP_COPY:
        return do_map(d, kind == OP_MAP_COPY);
    case OP_GRANT_MAPPING:
        return do_grant_mapping(d);
    case OP_UNMAP:
    case OP_DELETE_MAPPING:
        return do_unmap_or_delete(d, kind);
    case OP_DONATE:
        return do_donate(d);
    case OP_RECLAIM:
        return do_reclaim(d);
    case OP_MOVE_TABLE:
        return do_move_table(d);
    default:
        return do_misuse(d);
    }
}

bool driver_step(struct driver *d)
{
    enum op_kind kind = pick_phased_kind(d);

    d->steps++;
    d->counts[kind]++;
    d->kind = kind;
    if (!run_kind(d, kind) || d->failed)
        return fail(d, "during %s", op_table[kind].name);
    uint64_t live = 0;
    for (uint32_t h = 0; h < HEAPS; h++)
        live += d->live_by_heap[h];
    if (d->db.stats.allocated - d->db.stats.freed != live)
        return fail(d, "record count differs after %s", op_table[kind].name);
    if (d->full_check_every != 0 && d->steps % d->full_check_every == 0)
        return driver_check(d);
    return true;
}

static bool run_to_end(struct driver *d, uint32_t k)
{
    int status = MAPDB_MORE;

    while (status == MAPDB_MORE && !d->failed) {
        d->context = IN_OP;
        d->context_op = k;
        status = mapdb_continue(&d->db, &d->ops[k].cursor, 64);
        if (!after_chunk(d, k, status))
            return false;
    }
    return !d->failed;
}

bool driver_finish(struct driver *d)
{
    for (uint32_t k = 0; k < OPS_IN_FLIGHT; k++)
        if (d->ops[k].used && !run_to_end(d, k))
            return false;
    for (int32_t r = 0; r < RESOURCES; r++) {
        enter_op(d, 0, r, MODE_CLEAR_TOP);
        int status = mapdb_destroy_resource(&d->db, &d->roots[r], &d->ops[0].cursor, 64);
        if (!after_chunk(d, 0, status) || (d->ops[0].used && !run_to_end(d, 0)))
            return false;
    }
    if (!driver_check(d))
        return false;
    for (uint32_t id = RESOURCES; id < MAX_RECORDS; id++)
        EXPECT(d, !d->model[id].alive, "record %u left after destroying everything", id);
    EXPECT(d, d->db.stats.allocated == d->db.stats.freed && d->db.cursors == NULL,
           "records or cursors left in the db");
    for (uint32_t h = 0; h < HEAPS && !d->failed; h++)
        reclaim_pages(d, &d->heaps[h], d->heaps[h].stats.pages_held);
    for (uint32_t h = 0; h < HEAPS; h++)
        EXPECT(d, d->heaps[h].stats.pages_held == 0 && d->live_by_heap[h] == 0,
               "heap %u not empty at the end", h);
    return EXPECT(d, d->pool_count == ARENA_PAGES, "pages lost: %u of %u back",
                  d->pool_count, ARENA_PAGES);
}

/* ---- set-up ---- */

static void init_model(struct driver *d)
{
    for (uint32_t id = 0; id < MAX_RECORDS; id++)
        d->model[id] = (struct model_record){.parent = NO_RECORD, .resource = -1,
                                             .payer = -1, .pte = -1};
    for (uint32_t id = MAX_RECORDS; id > RESOURCES; id--)
        d->free_ids[d->free_id_count++] = (int32_t)id - 1;
    for (uint32_t p = 0; p < TASKS * PTES; p++)
        d->pte_model[p] = NO_RECORD;
    for (uint32_t t = 0; t < TASKS; t++)
        for (uint32_t s = 0; s < SLOTS; s++)
            d->slots[t][s] = (struct model_slot){NO_RECORD, 0, MAPDB_HOLDER_EMPTY};
}

static bool init_heaps(struct driver *d)
{
    kheap_typeset_init(&d->types);
    int type = kheap_type_register(&d->types, "mapdb_record", sizeof(struct driver_record),
                                   _Alignof(struct driver_record), true);
    if (type < 0 || kheap_host_arena_init(&d->arena, ARENA_PAGES) != 0)
        return false;
    d->record_type = (uint32_t)type;
    d->heap_ops = (struct kheap_ops){cb_page_of, cb_moved, NULL, cb_destroy};
    for (uint32_t i = 0; i < ARENA_PAGES; i++)
        d->pool[d->pool_count++] = ARENA_PAGES - 1 - i;
    for (uint32_t h = 0; h < HEAPS; h++) {
        kheap_init(&d->heaps[h], &d->types, &d->heap_ops, d);
        if (kheap_host_donate(&d->arena, &d->heaps[h], d->pool[--d->pool_count], 1) != KHEAP_OK)
            return false;
    }
    return true;
}

struct driver *driver_create(uint32_t full_check_every)
{
    struct driver *d = calloc(1, sizeof *d);

    if (d == NULL)
        return NULL;
    d->full_check_every = full_check_every;
    d->rng = 1;
    init_model(d);
    if (!init_heaps(d)) {
        driver_free(d);
        return NULL;
    }
    d->db_ops = (struct mapdb_ops){cb_alloc, cb_free, cb_cap_cleared, cb_unmap};
    mapdb_init(&d->db, &d->db_ops, d);
    for (int32_t r = 0; r < RESOURCES; r++) {
        bool memory = r % 2 == 1;
        mapdb_root_init(&d->roots[r], memory ? MAPDB_KIND_MEMORY : MAPDB_KIND_CAP, ALL_RIGHTS);
        d->model[r] = (struct model_record){.alive = true, .memory = memory,
                                            .parent = NO_RECORD, .resource = r, .payer = -1,
                                            .rights = ALL_RIGHTS, .pte = -1,
                                            .ptr = &d->roots[r]};
        give_root_holder(d, r);
    }
    return d;
}

void driver_free(struct driver *d)
{
    if (d == NULL)
        return;
    kheap_host_arena_fini(&d->arena);
    free(d);
}

void driver_use_seed(struct driver *d, uint64_t seed)
{
    d->use_bytes = false;
    d->rng = seed * 0x9E3779B97F4A7C15ULL + 0x632BE59BD9B4E019ULL;
    if (d->rng == 0)
        d->rng = 1;
}

void driver_use_bytes(struct driver *d, const uint8_t *data, size_t size)
{
    d->use_bytes = true;
    d->bytes = data;
    d->byte_count = size;
    d->byte_pos = 0;
    d->out_of_input = false;
}

bool driver_out_of_input(const struct driver *d)
{
    return d->out_of_input;
}

const char *driver_failure(const struct driver *d)
{
    return d->failed ? d->failure : "";
}

uint64_t driver_steps(const struct driver *d)
{
    return d->steps;
}

void driver_print_counts(const struct driver *d)
{
    for (uint32_t k = 0; k < OP_KINDS; k++)
        printf("%s%s=%llu", k ? " " : "  ", op_table[k].name, (unsigned long long)d->counts[k]);
    printf("\n  records allocated=%llu freed=%llu moved=%llu; holders cleared=%llu;"
           " unmapped=%llu; refused for lack of memory=%llu; errors=%llu; max live=%u\n",
           (unsigned long long)d->db.stats.allocated, (unsigned long long)d->db.stats.freed,
           (unsigned long long)d->db.stats.moved,
           (unsigned long long)d->db.stats.holders_cleared,
           (unsigned long long)d->db.stats.unmapped, (unsigned long long)d->no_memory,
           (unsigned long long)d->errors, d->max_live);
}
