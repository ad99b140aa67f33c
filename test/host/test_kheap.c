/*
 * test_kheap.c — cmocka unit tests for kheap: type registration, donation,
 * alloc/free and every error they report, heap faults, watermarks, reclaim
 * (free pages, moves, destroys, chunked and interleaved), page-sized
 * objects, kheap_check catching corruption (whole and in steps of any
 * budget, with the same verdict), and a long random run checked against a
 * model after every step.
 *
 * Every object the tests allocate is recorded in a registry and filled
 * with a pattern derived from its id, so moves and destroys can be checked
 * from the outside: the owner callbacks below play the kernel's part.
 * Every test with a fixture starts from one (heap_with_pages, new_objects,
 * free_objects, reclaim_pages build its state) and ends in its teardown,
 * which checks both heaps and every live object.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "kheap/kheap.h"
#include "test/host/kheap_host.h"

#define ARENA_PAGES   64
#define MAX_OBJECTS   80000
#define MAX_PARTNERS  4

/*
 * kheap_check, and the same check in steps (kheap_check_step) with the
 * smallest budget and an odd one: every way must give the same verdict.
 */
static int stepped_check(const struct kheap *heap, uint32_t budget)
{
    struct kheap_check check;
    int status = kheap_check_start(&check, heap);
    uint32_t steps = 0;

    /* Bounded, so a check that stops making progress fails here instead of hanging the run. */
    while (status == KHEAP_CHECK_MORE && steps < 10u * 1000 * 1000) {
        status = kheap_check_step(&check, budget);
        steps++;
    }
    assert_true(status != KHEAP_CHECK_MORE);
    return status;
}

static int check_all_ways(const struct kheap *heap)
{
    int whole = kheap_check(heap);

    assert_int_equal(stepped_check(heap, 1), whole);
    assert_int_equal(stepped_check(heap, 7), whole);
    return whole;
}

#define assert_heap_ok(heap) assert_int_equal(check_all_ways(heap), KHEAP_OK)

struct object_record {
    void *address;                  /* NULL once freed */
    struct kheap *heap;
    uint32_t type;
    bool refuse_move;               /* what can_move answers for it */
    uint32_t partner_count;         /* objects destroy frees along with it */
    uint32_t partners[MAX_PARTNERS];
};

struct fixture {
    struct kheap_host_arena arena;  /* first: kheap_host_page_of needs it */
    struct kheap_typeset types;
    struct kheap_ops ops;
    struct kheap heap, other_heap;
    uint32_t small, fixed, page_type, odd;

    struct object_record objects[MAX_OBJECTS];
    uint32_t object_count;
    uint32_t live_ids[MAX_OBJECTS]; /* ids of live objects, any order */
    uint32_t live_pos[MAX_OBJECTS];
    uint32_t live_count;

    uint32_t moved_calls, destroy_calls, can_move_calls;
    bool destroy_forgets;           /* a broken owner: destroy frees nothing */
    int victim_page;                /* moves must never land here; -1: none */
};

/* ---- objects: allocate, fill, verify, forget ---------------------------- */

static uint32_t object_size(struct fixture *t, uint32_t type)
{
    return t->types.types[type].size;
}

static uint32_t read_id(const void *object)
{
    uint32_t id;
    memcpy(&id, object, sizeof id);
    return id;
}

static void fill_object(struct fixture *t, uint32_t id)
{
    uint8_t *bytes = t->objects[id].address;
    uint32_t size = object_size(t, t->objects[id].type);

    memcpy(bytes, &id, sizeof id);
    for (uint32_t k = sizeof id; k < size; k++)
        bytes[k] = (uint8_t)(id * 31u + k);
}

static void verify_object(struct fixture *t, uint32_t id)
{
    const uint8_t *bytes = t->objects[id].address;
    uint32_t size = object_size(t, t->objects[id].type);

    assert_int_equal(read_id(bytes), id);
    for (uint32_t k = sizeof id; k < size; k++)
        assert_int_equal(bytes[k], (uint8_t)(id * 31u + k));
    struct kheap_page *page = kheap_host_page_of(t, bytes);
    assert_non_null(page);
    assert_ptr_equal(page->owner, t->objects[id].heap);
}

static void verify_all_objects(struct fixture *t)
{
    for (uint32_t i = 0; i < t->live_count; i++)
        verify_object(t, t->live_ids[i]);
}

static uint32_t record_object(struct fixture *t, struct kheap *heap, uint32_t type, void *object)
{
    assert_true(t->object_count < MAX_OBJECTS);
    uint32_t id = t->object_count++;
    struct object_record *record = &t->objects[id];

    memset(record, 0, sizeof *record);
    record->address = object;
    record->heap = heap;
    record->type = type;
    t->live_pos[id] = t->live_count;
    t->live_ids[t->live_count++] = id;
    fill_object(t, id);
    return id;
}

/* Allocation that must succeed; returns the object's id. */
static uint32_t new_object_in(struct fixture *t, struct kheap *heap, uint32_t type)
{
    struct kheap_fault fault;
    void *object = kheap_allocate(heap, type, &fault);

    assert_non_null(object);
    assert_int_equal((uintptr_t)object % t->types.types[type].align, 0);
    return record_object(t, heap, type, object);
}

static uint32_t new_object(struct fixture *t, uint32_t type)
{
    return new_object_in(t, &t->heap, type);
}

static void forget_object(struct fixture *t, uint32_t id)
{
    uint32_t pos = t->live_pos[id];
    uint32_t last = t->live_ids[--t->live_count];

    t->live_ids[pos] = last;
    t->live_pos[last] = pos;
    t->objects[id].address = NULL;
}

static void free_object(struct fixture *t, uint32_t id)
{
    assert_non_null(t->objects[id].address);
    assert_int_equal(kheap_free(t->objects[id].heap, t->objects[id].address), KHEAP_OK);
    forget_object(t, id);
}

static void *address_of(struct fixture *t, uint32_t id)
{
    return t->objects[id].address;
}

static int page_index(struct fixture *t, const void *address)
{
    return kheap_host_index_of(&t->arena, address);
}

static uint32_t live_objects_in_page(struct fixture *t, int index)
{
    uint32_t n = 0;

    for (uint32_t i = 0; i < t->live_count; i++) {
        if (page_index(t, address_of(t, t->live_ids[i])) == index)
            n++;
    }
    return n;
}

/* ---- the owner's side of reclaim ----------------------------------------- */

static void test_moved(void *context, uint32_t type, void *old_address, void *new_address)
{
    struct fixture *t = context;
    uint32_t id = read_id(new_address);

    assert_true(id < t->object_count);
    assert_ptr_equal(t->objects[id].address, old_address);
    assert_int_equal(t->objects[id].type, type);
    assert_memory_equal(old_address, new_address, object_size(t, type));
    assert_int_not_equal(page_index(t, new_address), page_index(t, old_address));
    assert_int_not_equal(page_index(t, new_address), t->victim_page);
    assert_ptr_equal(kheap_host_page_of(t, new_address)->owner, t->objects[id].heap);
    t->objects[id].address = new_address;
    t->moved_calls++;
}

static bool test_can_move(void *context, uint32_t type, const void *object)
{
    struct fixture *t = context;
    uint32_t id = read_id(object);

    assert_int_equal(t->objects[id].type, type);
    t->can_move_calls++;
    return !t->objects[id].refuse_move;
}

static void test_destroy(void *context, uint32_t type, void *object)
{
    struct fixture *t = context;
    uint32_t id = read_id(object);

    assert_ptr_equal(t->objects[id].address, object);
    assert_int_equal(t->objects[id].type, type);
    t->destroy_calls++;
    if (t->destroy_forgets)
        return;
    free_object(t, id);
    for (uint32_t i = 0; i < t->objects[id].partner_count; i++) {
        uint32_t partner = t->objects[id].partners[i];
        if (t->objects[partner].address != NULL)
            free_object(t, partner);
    }
}

static void add_partner(struct fixture *t, uint32_t id, uint32_t partner)
{
    struct object_record *record = &t->objects[id];

    assert_true(record->partner_count < MAX_PARTNERS);
    record->partners[record->partner_count++] = partner;
}

/* ---- fixture -------------------------------------------------------------- */

static int setup(void **state)
{
    struct fixture *t = calloc(1, sizeof *t);

    if (t == NULL || kheap_host_arena_init(&t->arena, ARENA_PAGES) != 0)
        return -1;
    kheap_typeset_init(&t->types);
    t->small = (uint32_t)kheap_type_register(&t->types, "small", 32, 8, true);
    t->fixed = (uint32_t)kheap_type_register(&t->types, "fixed", 64, 16, false);
    t->page_type = (uint32_t)kheap_type_register(&t->types, "page", 4096, 4096, true);
    t->odd = (uint32_t)kheap_type_register(&t->types, "odd", 48, 16, true);
    t->ops.page_of = kheap_host_page_of;
    t->ops.moved = test_moved;
    t->ops.can_move = test_can_move;
    t->ops.destroy = test_destroy;
    kheap_init(&t->heap, &t->types, &t->ops, t);
    kheap_init(&t->other_heap, &t->types, &t->ops, t);
    t->victim_page = -1;
    *state = t;
    return 0;
}

/*
 * After every test, as the kernel's suite does after each of its own: both
 * heaps pass their checks and every live object still holds its pattern.
 */
static int teardown(void **state)
{
    struct fixture *t = *state;

    assert_heap_ok(&t->heap);
    assert_heap_ok(&t->other_heap);
    verify_all_objects(t);
    kheap_host_arena_fini(&t->arena);
    free(t);
    return 0;
}

static struct kheap_stats stats_of(const struct kheap *heap)
{
    struct kheap_stats s;
    kheap_get_stats(heap, &s);
    return s;
}

/* Runs reclaim to completion, budget per call, checking after each call. */
static uint32_t reclaim_all(struct kheap *heap, struct kheap_reclaim *reclaim,
                            uint32_t budget, void **out, uint32_t out_capacity)
{
    uint32_t total = 0;

    for (int calls = 0; !reclaim->done; calls++) {
        uint32_t n = 99;
        assert_true(calls < 100000);
        assert_int_equal(kheap_reclaim(heap, reclaim, budget, out + total, out_capacity - total, &n),
                         KHEAP_OK);
        assert_true(n <= budget);
        total += n;
        assert_heap_ok(heap);
    }
    return total;
}

/* A reclaim of `pages` from its start to its end: the pages it returned. */
static uint32_t reclaim_pages(struct kheap *heap, struct kheap_reclaim *reclaim, uint32_t pages,
                              uint32_t budget, void **out, uint32_t out_capacity)
{
    kheap_reclaim_begin(reclaim, pages);
    return reclaim_all(heap, reclaim, budget, out, out_capacity);
}

/* ---- the shared start of most tests ------------------------------------------ */

/* The test heap with the arena's first `pages` pages donated. */
static struct kheap *heap_with_pages(struct fixture *t, uint32_t pages)
{
    assert_int_equal(kheap_host_donate(&t->arena, &t->heap, 0, pages), KHEAP_OK);
    return &t->heap;
}

/* `count` objects of `type` in the test heap, each of which must be allocated. */
static void new_objects(struct fixture *t, uint32_t type, uint32_t count)
{
    for (uint32_t i = 0; i < count; i++)
        new_object(t, type);
}

/* Free the live objects with ids first .. end - 1. */
static void free_objects(struct fixture *t, uint32_t first, uint32_t end)
{
    for (uint32_t id = first; id < end; id++)
        free_object(t, id);
}

/* ---- type registration ---------------------------------------------------- */

static void test_type_register_rounds_slots(void **state)
{
    (void)state;
    struct kheap_typeset set;
    kheap_typeset_init(&set);

    assert_int_equal(kheap_type_register(&set, "tiny", 1, 1, true), 0);
    assert_int_equal(kheap_type_register(&set, "a20", 20, 16, true), 1);
    assert_int_equal(kheap_type_register(&set, "a100", 100, 64, false), 2);
    assert_int_equal(kheap_type_register(&set, "pt", 4096, 4096, true), 3);
    assert_int_equal(kheap_type_register(&set, "exact", 24, 8, true), 4);
    assert_int_equal(set.count, 5);
    assert_int_equal(set.types[0].size, 16);
    assert_int_equal(set.types[1].size, 32);
    assert_int_equal(set.types[2].size, 128);
    assert_int_equal(set.types[3].size, 4096);
    assert_int_equal(set.types[4].size, 24);
    assert_false(set.types[2].movable);
    assert_string_equal(set.types[3].name, "pt");
}

static void test_type_register_errors(void **state)
{
    (void)state;
    struct kheap_typeset set;
    kheap_typeset_init(&set);

    assert_int_equal(kheap_type_register(NULL, "x", 16, 8, true), KHEAP_E_BAD_ARG);
    assert_int_equal(kheap_type_register(&set, NULL, 16, 8, true), KHEAP_E_BAD_ARG);
    assert_int_equal(kheap_type_register(&set, "x", 0, 8, true), KHEAP_E_BAD_ARG);
    assert_int_equal(kheap_type_register(&set, "x", 4097, 8, true), KHEAP_E_BAD_ARG);
    assert_int_equal(kheap_type_register(&set, "x", 16, 0, true), KHEAP_E_BAD_ARG);
    assert_int_equal(kheap_type_register(&set, "x", 16, 12, true), KHEAP_E_BAD_ARG);
    assert_int_equal(kheap_type_register(&set, "x", 16, 8192, true), KHEAP_E_BAD_ARG);
    assert_int_equal(set.count, 0);

    for (uint32_t i = 0; i < KHEAP_MAX_TYPES; i++)
        assert_int_equal(kheap_type_register(&set, "x", 16, 8, true), (int)i);
    assert_int_equal(kheap_type_register(&set, "x", 16, 8, true), KHEAP_E_FULL);
    assert_int_equal(set.count, KHEAP_MAX_TYPES);
}

/* ---- donation ------------------------------------------------------------- */

static void test_donate(void **state)
{
    struct fixture *t = *state;
    struct kheap *heap = &t->heap;

    assert_int_equal(kheap_host_donate(&t->arena, heap, 0, 3), KHEAP_OK);
    struct kheap_stats s = stats_of(heap);
    assert_int_equal(s.pages_held, 3);
    assert_int_equal(s.pages_free, 3);
    assert_int_equal(s.pages_donated, 3);
    assert_int_equal(s.pages_reclaimed, 0);
    assert_ptr_equal(kheap_host_descriptor(&t->arena, 1)->owner, heap);
    assert_heap_ok(heap);

    uint8_t *page3 = kheap_host_page(&t->arena, 3);
    struct kheap_page *descriptor3 = kheap_host_descriptor(&t->arena, 3);
    /* Misaligned page. */
    assert_int_equal(kheap_donate(heap, page3 + 8, descriptor3), KHEAP_E_BAD_PAGE);
    /* Descriptor already in use, by this heap or another. */
    assert_int_equal(kheap_donate(heap, kheap_host_page(&t->arena, 0),
                                  kheap_host_descriptor(&t->arena, 0)), KHEAP_E_BAD_PAGE);
    assert_int_equal(kheap_donate(&t->other_heap, kheap_host_page(&t->arena, 1),
                                  kheap_host_descriptor(&t->arena, 1)), KHEAP_E_BAD_PAGE);
    /* Descriptor that page_of would not find for this page. */
    assert_int_equal(kheap_donate(heap, page3, kheap_host_descriptor(&t->arena, 4)), KHEAP_E_BAD_PAGE);
    /* NULLs. */
    assert_int_equal(kheap_donate(NULL, page3, descriptor3), KHEAP_E_BAD_ARG);
    assert_int_equal(kheap_donate(heap, NULL, descriptor3), KHEAP_E_BAD_ARG);
    assert_int_equal(kheap_donate(heap, page3, NULL), KHEAP_E_BAD_ARG);

    s = stats_of(heap);
    assert_int_equal(s.pages_held, 3);
    assert_int_equal(s.pages_donated, 3);
    assert_null(descriptor3->owner);
    assert_heap_ok(heap);

    /* Of a descriptor only owner counts: kheap sets the rest (the kernel's is a union's leftovers). */
    memset(descriptor3, 0x5a, sizeof *descriptor3);
    descriptor3->owner = NULL;
    assert_int_equal(kheap_donate(&t->other_heap, page3, descriptor3), KHEAP_OK);
    new_object_in(t, &t->other_heap, t->odd);
    assert_ptr_equal(descriptor3->owner, &t->other_heap);
    assert_heap_ok(&t->other_heap);
}

/* ---- alloc and free ------------------------------------------------------- */

static void test_alloc_and_free(void **state)
{
    struct fixture *t = *state;
    struct kheap *heap = heap_with_pages(t, 1);

    uint32_t a = new_object(t, t->small);
    uint32_t b = new_object(t, t->small);
    assert_ptr_not_equal(address_of(t, a), address_of(t, b));
    assert_int_equal(page_index(t, address_of(t, a)), 0);
    assert_int_equal(page_index(t, address_of(t, b)), 0);
    assert_heap_ok(heap);

    struct kheap_stats s = stats_of(heap);
    assert_int_equal(s.pages_free, 0);
    assert_int_equal(s.by_type[t->small].pages, 1);
    assert_int_equal(s.by_type[t->small].live, 2);
    assert_int_equal(s.by_type[t->small].free, 4096 / 32 - 2);
    assert_int_equal(s.by_type[t->small].allocations, 2);

    free_object(t, a);
    assert_heap_ok(heap);
    s = stats_of(heap);
    assert_int_equal(s.by_type[t->small].live, 1);
    assert_int_equal(s.by_type[t->small].frees, 1);
    assert_int_equal(s.pages_free, 0);

    /* The last free makes the page an uncarved free page again. */
    free_object(t, b);
    assert_heap_ok(heap);
    s = stats_of(heap);
    assert_int_equal(s.by_type[t->small].live, 0);
    assert_int_equal(s.by_type[t->small].free, 0);
    assert_int_equal(s.by_type[t->small].pages, 0);
    assert_int_equal(s.pages_free, 1);
    assert_int_equal(s.pages_held, 1);

    /* And it can be carved for another type. */
    uint32_t c = new_object(t, t->fixed);
    assert_int_equal(page_index(t, address_of(t, c)), 0);
}

static void test_alloc_fills_page_then_carves_next(void **state)
{
    struct fixture *t = *state;
    struct kheap *heap = heap_with_pages(t, 2);
    const uint32_t per_page = 4096 / 48;   /* odd: 85 slots, 16 bytes unused */

    for (uint32_t i = 0; i < per_page; i++) {
        uint32_t id = new_object(t, t->odd);
        assert_int_equal(page_index(t, address_of(t, id)), page_index(t, address_of(t, 0)));
    }
    assert_heap_ok(heap);
    assert_int_equal(stats_of(heap).by_type[t->odd].free, 0);

    uint32_t next = new_object(t, t->odd);
    assert_int_not_equal(page_index(t, address_of(t, next)), page_index(t, address_of(t, 0)));
    assert_int_equal(stats_of(heap).by_type[t->odd].pages, 2);
    assert_int_equal(stats_of(heap).by_type[t->odd].free, per_page - 1);
    assert_heap_ok(heap);

    /* A slot freed in the full page is reused before anything else. */
    void *hole = address_of(t, 7);
    free_object(t, 7);
    assert_heap_ok(heap);
    void *again = kheap_allocate(heap, t->odd, NULL);
    assert_ptr_equal(again, hole);
    record_object(t, heap, t->odd, again);
}

static void test_alloc_bad_type(void **state)
{
    struct fixture *t = *state;
    struct kheap *heap = heap_with_pages(t, 1);
    struct kheap_fault fault = { 99, 99, 99 };

    assert_null(kheap_allocate(heap, t->types.count, &fault));
    assert_int_equal(fault.type, t->types.count);
    assert_int_equal(fault.pages_needed, 0);
    assert_int_equal(fault.pages_wanted, 0);
    assert_null(kheap_allocate(heap, KHEAP_MAX_TYPES + 3, NULL));
    assert_null(kheap_allocate(NULL, t->small, &fault));

    struct kheap_stats s = stats_of(heap);
    assert_int_equal(s.faults, 0);
    assert_int_equal(s.pages_free, 1);
}

static void test_fault_contents(void **state)
{
    struct fixture *t = *state;
    struct kheap *heap = &t->heap;
    struct kheap_fault fault = { 0, 0, 0 };

    assert_null(kheap_allocate(heap, t->fixed, &fault));
    assert_int_equal(fault.type, t->fixed);
    assert_int_equal(fault.pages_needed, 1);
    assert_int_equal(fault.pages_wanted, 1);
    assert_null(kheap_allocate(heap, t->fixed, NULL));   /* counted without a report */

    assert_int_equal(kheap_set_watermarks(heap, 2, 6), KHEAP_OK);
    assert_null(kheap_allocate(heap, t->small, &fault));
    assert_int_equal(fault.type, t->small);
    assert_int_equal(fault.pages_needed, 1);
    assert_int_equal(fault.pages_wanted, 6);

    struct kheap_stats s = stats_of(heap);
    assert_int_equal(s.faults, 3);
    assert_int_equal(s.by_type[t->fixed].faults, 2);
    assert_int_equal(s.by_type[t->small].faults, 1);
    assert_int_equal(s.by_type[t->small].allocations, 0);
    assert_heap_ok(heap);

    /* Donating what the fault asked for makes the allocation succeed. */
    assert_int_equal(kheap_host_donate(&t->arena, heap, 0, fault.pages_wanted), KHEAP_OK);
    new_object(t, t->small);
    assert_int_equal(stats_of(heap).pages_free, 5);
    assert_heap_ok(heap);

    /* A full page of one type does not satisfy another: it faults too. */
    assert_int_equal(kheap_set_watermarks(heap, 0, 0), KHEAP_OK);
    new_objects(t, t->page_type, 5);
    assert_null(kheap_allocate(heap, t->fixed, &fault));
    assert_int_equal(fault.type, t->fixed);
    assert_int_equal(fault.pages_wanted, 1);
}

static void test_free_errors(void **state)
{
    struct fixture *t = *state;
    struct kheap *heap = heap_with_pages(t, 2);
    assert_int_equal(kheap_host_donate(&t->arena, &t->other_heap, 2, 1), KHEAP_OK);

    uint32_t a = new_object(t, t->odd);
    uint32_t b = new_object(t, t->odd);
    uint32_t foreign = new_object_in(t, &t->other_heap, t->small);
    uint8_t *pa = address_of(t, a);
    int carved = page_index(t, pa);
    uint8_t *page = kheap_host_page(&t->arena, (uint32_t)carved);
    void *uncarved = kheap_host_page(&t->arena, carved == 0 ? 1 : 0);
    int on_stack;
    struct kheap_stats before = stats_of(heap);

    assert_int_equal(kheap_free(heap, NULL), KHEAP_E_BAD_ARG);
    assert_int_equal(kheap_free(NULL, pa), KHEAP_E_BAD_ARG);
    assert_int_equal(kheap_free(heap, &on_stack), KHEAP_E_NOT_OWNER);
    assert_int_equal(kheap_free(heap, address_of(t, foreign)), KHEAP_E_NOT_OWNER);
    assert_int_equal(kheap_free(&t->other_heap, pa), KHEAP_E_NOT_OWNER);
    /* Inside an object, and past the last slot (85 * 48 = 4080). */
    assert_int_equal(kheap_free(heap, pa + 16), KHEAP_E_BAD_ARG);
    assert_int_equal(kheap_free(heap, page + 4080), KHEAP_E_BAD_ARG);
    /* A slot never allocated, then a real double free. */
    assert_int_equal(kheap_free(heap, page + 48 * 40), KHEAP_E_DOUBLE_FREE);
    free_object(t, a);
    before.by_type[t->odd].live--;
    before.by_type[t->odd].free++;
    before.by_type[t->odd].allocatable++;
    before.by_type[t->odd].frees++;
    assert_int_equal(kheap_free(heap, pa), KHEAP_E_DOUBLE_FREE);
    /* Untouched uncarved page of this heap. */
    assert_int_equal(kheap_free(heap, uncarved), KHEAP_E_DOUBLE_FREE);

    struct kheap_stats after = stats_of(heap);
    assert_memory_equal(&before, &after, sizeof before);
    assert_heap_ok(heap);
    assert_heap_ok(&t->other_heap);

    /* After the page went back to uncarved, a stale pointer is a double free. */
    free_object(t, b);
    assert_int_equal(stats_of(heap).pages_free, 2);
    assert_int_equal(kheap_free(heap, pa), KHEAP_E_DOUBLE_FREE);
}

/* ---- watermarks and reserve checks ----------------------------------------- */

static void test_watermarks(void **state)
{
    struct fixture *t = *state;
    struct kheap *heap = &t->heap;

    assert_int_equal(kheap_set_watermarks(heap, 3, 2), KHEAP_E_BAD_ARG);
    assert_int_equal(kheap_set_watermarks(NULL, 1, 2), KHEAP_E_BAD_ARG);
    assert_int_equal(kheap_set_watermarks(heap, 4, 8), KHEAP_OK);
    assert_int_equal(heap->low_water, 4);
    assert_int_equal(heap->high_water, 8);
    assert_int_equal(kheap_excess_pages(heap), 0);
    assert_int_equal(kheap_refill_pages(heap), 8);

    assert_int_equal(kheap_host_donate(&t->arena, heap, 0, 3), KHEAP_OK);
    assert_int_equal(kheap_refill_pages(heap), 5);
    assert_int_equal(kheap_host_donate(&t->arena, heap, 3, 1), KHEAP_OK);
    assert_int_equal(kheap_refill_pages(heap), 0);   /* at low: no hurry */
    assert_int_equal(kheap_host_donate(&t->arena, heap, 4, 7), KHEAP_OK);
    assert_int_equal(kheap_excess_pages(heap), 3);

    new_object(t, t->small);   /* carves one of the 11 */
    assert_int_equal(kheap_excess_pages(heap), 2);
    assert_int_equal(kheap_set_watermarks(heap, 0, 0), KHEAP_OK);
    assert_int_equal(kheap_excess_pages(heap), 10);
    assert_int_equal(kheap_set_watermarks(heap, 5, 5), KHEAP_OK);
}

static void test_can_alloc(void **state)
{
    struct fixture *t = *state;
    struct kheap *heap = &t->heap;

    assert_true(kheap_can_allocate(heap, t->small, 0));
    assert_false(kheap_can_allocate(heap, t->small, 1));
    assert_false(kheap_can_allocate(heap, t->types.count, 0));
    assert_false(kheap_can_allocate(NULL, t->small, 0));

    assert_int_equal(kheap_host_donate(&t->arena, heap, 0, 1), KHEAP_OK);
    assert_true(kheap_can_allocate(heap, t->small, 128));
    assert_false(kheap_can_allocate(heap, t->small, 129));
    assert_true(kheap_can_allocate(heap, t->page_type, 1));
    assert_false(kheap_can_allocate(heap, t->page_type, 2));

    new_objects(t, t->small, 100);
    assert_true(kheap_can_allocate(heap, t->small, 28));
    assert_false(kheap_can_allocate(heap, t->small, 29));
    assert_false(kheap_can_allocate(heap, t->page_type, 1));
    assert_false(kheap_can_allocate(heap, t->small, UINT32_MAX));

    /* What can_alloc promises, alloc delivers. */
    new_objects(t, t->small, 28);
    assert_false(kheap_can_allocate(heap, t->small, 1));
    assert_null(kheap_allocate(heap, t->small, NULL));
}

/*
 * A paused reclaim's victim keeps free slots that allocation never uses:
 * they are free but not allocatable, and a check over several types at
 * once must not count them (issue 10, finding 6: the kernel's own sum did,
 * and a transfer it accepted then failed in its commit).
 */
static void test_pages_missing_ignores_a_page_under_evacuation(void **state)
{
    struct fixture *t = *state;
    struct kheap *heap = heap_with_pages(t, 2);
    struct kheap_reclaim reclaim;
    void *out[4];
    uint32_t n, counts[KHEAP_MAX_TYPES] = { 0 };

    new_objects(t, t->fixed, 64 + 10);      /* one full page, ten in the next */
    free_objects(t, 0, 50);                 /* the first page: 14 live, 50 free */
    kheap_reclaim_begin(&reclaim, 1);
    assert_int_equal(kheap_reclaim(heap, &reclaim, 1, out, 4, &n), KHEAP_OK);
    assert_false(reclaim.done);             /* the second page is the victim, paused */
    assert_int_equal(kheap_host_donate(&t->arena, heap, 2, 1), KHEAP_OK);
    assert_int_equal(stats_of(heap).by_type[t->fixed].free, 50 + 55);
    assert_int_equal(stats_of(heap).by_type[t->fixed].allocatable, 50);

    counts[t->fixed] = 60;                  /* 50 slots and a new page */
    counts[t->page_type] = 1;               /* and another page */
    assert_int_equal(kheap_pages_missing(heap, counts, t->types.count), 1);
    counts[t->page_type] = 0;
    assert_int_equal(kheap_pages_missing(heap, counts, t->types.count), 0);
    assert_true(kheap_can_allocate(heap, t->fixed, 60));
    assert_false(kheap_can_allocate(heap, t->fixed, 50 + 64 + 1));
    /* Allocation agrees: the 60 take the free page, the page-sized object finds none. */
    new_objects(t, t->fixed, 60);
    assert_null(kheap_allocate(heap, t->page_type, NULL));
}

/* kheap_pages_missing over mixed types, asked with an extra type not registered. */
static void test_pages_missing_arguments(void **state)
{
    struct fixture *t = *state;
    uint32_t counts[KHEAP_MAX_TYPES] = { 0 };

    assert_int_equal(kheap_pages_missing(&t->heap, counts, KHEAP_MAX_TYPES), 0);
    assert_int_equal(kheap_pages_missing(NULL, counts, 1), UINT32_MAX);
    assert_int_equal(kheap_pages_missing(&t->heap, NULL, 1), UINT32_MAX);
    counts[t->types.count] = 1;
    assert_int_equal(kheap_pages_missing(&t->heap, counts, KHEAP_MAX_TYPES), UINT32_MAX);
    counts[t->types.count] = 0;
    counts[t->small] = 129;                 /* 128 to a page */
    counts[t->page_type] = 3;
    assert_int_equal(kheap_pages_missing(&t->heap, counts, t->types.count), 5);
    counts[t->small] = UINT32_MAX;
    counts[t->page_type] = UINT32_MAX;
    assert_int_equal(kheap_pages_missing(&t->heap, counts, t->types.count), UINT32_MAX);
    assert_int_equal(kheap_host_donate(&t->arena, &t->heap, 0, 5), KHEAP_OK);
    counts[t->small] = 129;
    counts[t->page_type] = 3;
    assert_int_equal(kheap_pages_missing(&t->heap, counts, t->types.count), 0);

    /* The one-type form answers the same, arguments included. */
    assert_int_equal(kheap_pages_missing_for(NULL, t->small, 1), UINT32_MAX);
    assert_int_equal(kheap_pages_missing_for(&t->heap, t->types.count, 1), UINT32_MAX);
    assert_int_equal(kheap_pages_missing_for(&t->heap, t->types.count, 0), 0);
    assert_int_equal(kheap_pages_missing_for(&t->heap, t->small, 0), 0);
    assert_int_equal(kheap_pages_missing_for(&t->heap, t->page_type, 5), 0);
    assert_int_equal(kheap_pages_missing_for(&t->heap, t->page_type, 7), 2);
    assert_int_equal(kheap_pages_missing_for(&t->heap, t->small, 128 * 5 + 1), 1);
    assert_int_equal(kheap_pages_missing_for(&t->heap, t->small, UINT32_MAX), (UINT32_MAX - 1) / 128 + 1 - 5);
}

/*
 * The property, at random: with the pages kheap_pages_missing names donated,
 * every allocation asked for succeeds in any order; with one page fewer,
 * one of them fails. States include paused reclaims, frees and destroys.
 */
static uint32_t trial_rng_state = 777;

static uint32_t trial_rng(uint32_t bound)
{
    trial_rng_state = trial_rng_state * 1103515245u + 12345u;
    return (trial_rng_state >> 8) % bound;
}

static uint32_t unused_pages(struct fixture *t)
{
    uint32_t n = 0;

    for (uint32_t i = 0; i < ARENA_PAGES; i++)
        n += kheap_host_descriptor(&t->arena, i)->owner == NULL;
    return n;
}

static void donate_unused(struct fixture *t, uint32_t pages)
{
    for (uint32_t i = 0; i < ARENA_PAGES && pages > 0; i++)
        if (kheap_host_descriptor(&t->arena, i)->owner == NULL) {
            assert_int_equal(kheap_host_donate(&t->arena, &t->heap, i, 1), KHEAP_OK);
            pages--;
        }
    assert_int_equal(pages, 0);
}

/* Allocate counts[] in a random order into objects_made[]. False at the first failure. */
static bool allocate_in_any_order(struct fixture *t, uint32_t *counts, void **objects_made, uint32_t *made)
{
    uint32_t left = 0;

    for (uint32_t type = 0; type < t->types.count; type++)
        left += counts[type];
    for (*made = 0; left > 0; left--) {
        uint32_t pick = trial_rng(left), type = 0;
        while (pick >= counts[type])
            pick -= counts[type++];
        void *object = kheap_allocate(&t->heap, type, NULL);
        if (object == NULL)
            return false;
        counts[type]--;
        objects_made[(*made)++] = object;
    }
    return true;
}

static void test_pages_missing_is_what_alloc_delivers(void **state)
{
    struct fixture *t = *state;
    const uint32_t limits[4] = { 150, 70, 90, 2 };
    struct kheap_reclaim reclaim = { .done = true };
    static void *objects_made[600];
    void *out[4];
    uint32_t exact = 0, short_by_one = 0, paused = 0;

    for (int trial = 0; trial < 6000; trial++) {
        uint32_t counts[KHEAP_MAX_TYPES] = { 0 }, n, made;
        /* Shape the heap: some objects, some frees, a reclaim that may stop half way. */
        for (uint32_t k = trial_rng(16); k > 0; k--) {
            uint32_t type = trial_rng(t->types.count);
            void *object = kheap_allocate(&t->heap, type, NULL);
            if (object != NULL)
                record_object(t, &t->heap, type, object);
            else if (unused_pages(t) > 0)
                donate_unused(t, 1);
        }
        for (uint32_t k = trial_rng(16); k > 0 && t->live_count > 0; k--)
            free_object(t, t->live_ids[trial_rng(t->live_count)]);
        if (trial_rng(2) == 0) {
            /* Past the free pages, so that it evacuates a page. */
            if (reclaim.done)
                kheap_reclaim_begin(&reclaim, stats_of(&t->heap).pages_free + 1 + trial_rng(2));
            assert_int_equal(kheap_reclaim(&t->heap, &reclaim, 1 + trial_rng(6), out, 4, &n), KHEAP_OK);
        }
        paused += !reclaim.done && reclaim.victim != NULL;
        assert_heap_ok(&t->heap);

        for (uint32_t type = 0; type < t->types.count; type++)
            counts[type] = trial_rng(2) ? trial_rng(limits[type] + 1) : 0;
        uint32_t missing = kheap_pages_missing(&t->heap, counts, t->types.count);
        for (uint32_t type = 0; type < t->types.count; type++)
            if (counts[type] == 0 || trial_rng(4) == 0) {
                uint32_t one[KHEAP_MAX_TYPES] = { 0 };
                one[type] = counts[type];
                assert_int_equal(kheap_can_allocate(&t->heap, type, counts[type]),
                                 kheap_pages_missing(&t->heap, one, t->types.count) == 0);
                assert_int_equal(kheap_pages_missing_for(&t->heap, type, counts[type]),
                                 kheap_pages_missing(&t->heap, one, t->types.count));
            }
        if (missing > unused_pages(t))
            continue;
        bool give_all = missing == 0 || trial_rng(2);
        donate_unused(t, give_all ? missing : missing - 1);
        bool ok = allocate_in_any_order(t, counts, objects_made, &made);
        assert_int_equal(ok, give_all);
        exact += give_all && missing > 0;
        short_by_one += !give_all;
        assert_heap_ok(&t->heap);
        for (uint32_t i = 0; i < made; i++)
            assert_int_equal(kheap_free(&t->heap, objects_made[i]), KHEAP_OK);
    }
    verify_all_objects(t);
    print_message("%u exact, %u short by one, %u with a paused reclaim\n", exact, short_by_one, paused);
    /* The run must have met each case often. */
    assert_true(exact > 100 && short_by_one > 100 && paused > 100);
}

/* ---- reclaim ----------------------------------------------------------------- */

static void test_reclaim_free_pages_first(void **state)
{
    struct fixture *t = *state;
    struct kheap *heap = heap_with_pages(t, 4);
    struct kheap_reclaim reclaim;
    void *out[8];
    uint32_t n = 0;
    uint32_t id = new_object(t, t->small);
    int carved = page_index(t, address_of(t, id));

    kheap_reclaim_begin(&reclaim, 2);
    assert_int_equal(kheap_reclaim(heap, &reclaim, 10, out, 8, &n), KHEAP_OK);
    assert_int_equal(n, 2);
    assert_true(reclaim.done);
    assert_int_equal(reclaim.returned, 2);
    assert_int_equal(reclaim.moved + reclaim.destroyed, 0);
    for (uint32_t i = 0; i < n; i++) {
        int index = page_index(t, out[i]);
        assert_true(index >= 0 && index < 4);
        assert_int_not_equal(index, carved);
        assert_ptr_equal(out[i], kheap_host_page(&t->arena, (uint32_t)index));
        assert_null(kheap_host_descriptor(&t->arena, (uint32_t)index)->owner);
    }
    assert_ptr_not_equal(out[0], out[1]);

    struct kheap_stats s = stats_of(heap);
    assert_int_equal(s.pages_held, 2);
    assert_int_equal(s.pages_free, 1);
    assert_int_equal(s.pages_reclaimed, 2);
    assert_int_equal(t->destroy_calls + t->moved_calls, 0);
    assert_heap_ok(heap);

    /* A returned page can be donated again, to any heap. */
    int index = page_index(t, out[0]);
    assert_int_equal(kheap_donate(&t->other_heap, out[0],
                                  kheap_host_descriptor(&t->arena, (uint32_t)index)), KHEAP_OK);
    assert_heap_ok(&t->other_heap);

    /* A further call on a finished reclaim does nothing. */
    assert_int_equal(kheap_reclaim(heap, &reclaim, 10, out, 8, &n), KHEAP_OK);
    assert_int_equal(n, 0);
}

static void test_reclaim_moves_least_used_page(void **state)
{
    struct fixture *t = *state;
    struct kheap *heap = heap_with_pages(t, 2);
    struct kheap_reclaim reclaim;
    void *out[4];

    new_objects(t, t->small, 138);   /* 128 fill the first page, 10 start the second */
    int full = page_index(t, address_of(t, 0));
    int light = page_index(t, address_of(t, 137));
    assert_int_not_equal(full, light);
    free_objects(t, 0, 28);
    assert_int_equal(live_objects_in_page(t, full), 100);
    assert_int_equal(live_objects_in_page(t, light), 10);
    assert_heap_ok(heap);

    t->victim_page = light;
    uint32_t n = reclaim_pages(heap, &reclaim, 1, 100, out, 4);
    assert_int_equal(n, 1);
    assert_ptr_equal(out[0], kheap_host_page(&t->arena, (uint32_t)light));
    assert_int_equal(reclaim.moved, 10);
    assert_int_equal(reclaim.destroyed, 0);
    assert_int_equal(t->moved_calls, 10);
    assert_int_equal(t->destroy_calls, 0);
    assert_int_equal(t->can_move_calls, 10);
    assert_int_equal(live_objects_in_page(t, full), 110);

    struct kheap_stats s = stats_of(heap);
    assert_int_equal(s.by_type[t->small].moved, 10);
    assert_int_equal(s.by_type[t->small].live, 110);
    assert_int_equal(s.by_type[t->small].free, 18);
    assert_int_equal(s.by_type[t->small].pages, 1);
    assert_int_equal(s.pages_held, 1);
    assert_int_equal(s.pages_reclaimed, 1);
}

/*
 * A page that moves alone can empty goes before a page with fewer live
 * objects that would have to be destroyed: the payer loses nothing.
 */
static void test_reclaim_prefers_a_page_moves_can_empty(void **state)
{
    struct fixture *t = *state;
    struct kheap *heap = heap_with_pages(t, 3);
    struct kheap_reclaim reclaim;
    void *out[4];

    uint32_t lone = new_object(t, t->fixed);            /* one live, cannot move */
    new_objects(t, t->small, 138);                      /* 128 fill a page, 10 start another */
    int fixed_page = page_index(t, address_of(t, lone));
    int full = page_index(t, address_of(t, 1));
    int light = page_index(t, address_of(t, 138));
    free_objects(t, 1, 1 + 20);                         /* room for the light page's 10 */
    assert_int_equal(stats_of(heap).pages_free, 0);

    t->victim_page = light;
    assert_int_equal(reclaim_pages(heap, &reclaim, 1, 100, out, 4), 1);
    assert_ptr_equal(out[0], kheap_host_page(&t->arena, (uint32_t)light));
    assert_int_equal(reclaim.moved, 10);
    assert_int_equal(reclaim.destroyed, 0);
    assert_non_null(address_of(t, lone));
    assert_int_equal(live_objects_in_page(t, full), 118);

    /* Now no page empties by moves: the least-used one goes, destroyed. */
    t->victim_page = -1;
    assert_int_equal(reclaim_pages(heap, &reclaim, 1, 100, out, 4), 1);
    assert_ptr_equal(out[0], kheap_host_page(&t->arena, (uint32_t)fixed_page));
    assert_int_equal(reclaim.moved, 0);
    assert_int_equal(reclaim.destroyed, 1);
    assert_null(address_of(t, lone));
}

/*
 * kheap_reclaim_next names what the next unit will move or destroy; an
 * owner that frees it first (a long teardown of its own) finds the reclaim
 * carrying on past it.
 */
static void test_reclaim_next_names_the_next_object(void **state)
{
    struct fixture *t = *state;
    struct kheap *heap = heap_with_pages(t, 3);
    struct kheap_reclaim reclaim;
    uint32_t type = 99;
    bool moves = true;
    void *out[4];

    uint32_t a = new_object(t, t->fixed), b = new_object(t, t->fixed);
    kheap_reclaim_begin(&reclaim, 3);
    /* A free page first: the next unit returns it, no object. */
    assert_null(kheap_reclaim_next(heap, &reclaim, &type, &moves));
    assert_int_equal(kheap_reclaim(heap, &reclaim, 2, out, 4, &(uint32_t){ 0 }), KHEAP_OK);
    assert_int_equal(stats_of(heap).pages_free, 0);
    assert_ptr_equal(kheap_reclaim_next(heap, &reclaim, &type, &moves), address_of(t, a));
    assert_int_equal(type, t->fixed);
    assert_false(moves);
    /* Asking again changes nothing. */
    assert_ptr_equal(kheap_reclaim_next(heap, &reclaim, &type, &moves), address_of(t, a));
    assert_heap_ok(heap);
    free_object(t, a);                  /* the owner's own teardown */
    assert_ptr_equal(kheap_reclaim_next(heap, &reclaim, &type, &moves), address_of(t, b));
    assert_int_equal(kheap_reclaim(heap, &reclaim, 10, out, 4, &(uint32_t){ 0 }), KHEAP_OK);
    assert_true(reclaim.done);
    assert_int_equal(reclaim.destroyed, 1);
    assert_int_equal(t->destroy_calls, 1);
    assert_null(kheap_reclaim_next(heap, &reclaim, &type, &moves));
    assert_int_equal(stats_of(heap).pages_held, 0);
}

static void test_reclaim_destroys_unmovable(void **state)
{
    struct fixture *t = *state;
    struct kheap *heap = heap_with_pages(t, 2);
    struct kheap_reclaim reclaim;
    void *out[4];

    new_objects(t, t->fixed, 67);    /* 64 per page */
    int light = page_index(t, address_of(t, 66));
    free_objects(t, 0, 14);

    assert_int_equal(reclaim_pages(heap, &reclaim, 1, 100, out, 4), 1);
    assert_ptr_equal(out[0], kheap_host_page(&t->arena, (uint32_t)light));
    assert_int_equal(reclaim.destroyed, 3);
    assert_int_equal(reclaim.moved, 0);
    assert_int_equal(t->destroy_calls, 3);
    assert_int_equal(t->can_move_calls, 0);   /* not movable: not even asked */
    for (uint32_t id = 64; id < 67; id++)
        assert_null(address_of(t, id));
    assert_int_equal(t->live_count, 50);
    assert_int_equal(stats_of(heap).by_type[t->fixed].destroyed, 3);
    assert_int_equal(stats_of(heap).by_type[t->fixed].live, 50);
}

static void test_reclaim_destroys_when_can_move_refuses(void **state)
{
    struct fixture *t = *state;
    struct kheap *heap = heap_with_pages(t, 2);
    struct kheap_reclaim reclaim;
    void *out[4];

    new_objects(t, t->small, 133);
    free_objects(t, 0, 10);
    t->objects[130].refuse_move = true;     /* e.g. a running thread's stack */

    assert_int_equal(reclaim_pages(heap, &reclaim, 1, 1000, out, 4), 1);
    assert_int_equal(reclaim.moved, 4);
    assert_int_equal(reclaim.destroyed, 1);
    assert_null(address_of(t, 130));
    assert_non_null(address_of(t, 131));
    assert_int_equal(t->live_count, 122);
}

static void test_reclaim_destroys_when_no_room(void **state)
{
    struct fixture *t = *state;
    struct kheap *heap = heap_with_pages(t, 2);
    struct kheap_reclaim reclaim;
    void *out[4];

    /* One partial small page and one full fixed page: nowhere to move to. */
    new_objects(t, t->small, 5);
    new_objects(t, t->fixed, 64);
    int small_page = page_index(t, address_of(t, 0));

    assert_int_equal(reclaim_pages(heap, &reclaim, 1, 1, out, 4), 1);
    assert_ptr_equal(out[0], kheap_host_page(&t->arena, (uint32_t)small_page));
    assert_int_equal(reclaim.destroyed, 5);
    assert_int_equal(reclaim.moved, 0);
    assert_int_equal(t->live_count, 64);
    assert_int_equal(stats_of(heap).pages_held, 1);
}

static void test_reclaim_destroy_frees_more_in_victim(void **state)
{
    struct fixture *t = *state;
    struct kheap *heap = heap_with_pages(t, 2);
    struct kheap_reclaim reclaim;
    void *out[4];

    new_objects(t, t->fixed, 64 + 6);
    int light = page_index(t, address_of(t, 64));
    /* Destroying 64 takes 65 and 67 with it (a revoked subtree), and 3 elsewhere. */
    add_partner(t, 64, 65);
    add_partner(t, 64, 67);
    add_partner(t, 64, 3);
    /* 68 takes 69, which comes after it in the page. */
    add_partner(t, 68, 69);

    assert_int_equal(reclaim_pages(heap, &reclaim, 1, 1, out, 4), 1);
    assert_ptr_equal(out[0], kheap_host_page(&t->arena, (uint32_t)light));
    assert_int_equal(t->destroy_calls, 3);  /* 64, 66, 68 */
    assert_int_equal(reclaim.destroyed, 3);
    assert_int_equal(stats_of(heap).by_type[t->fixed].destroyed, 3);
    assert_null(address_of(t, 3));
    assert_int_equal(t->live_count, 63);
    assert_int_equal(stats_of(heap).by_type[t->fixed].live, 63);
}

static void test_reclaim_destroy_empties_another_page(void **state)
{
    struct fixture *t = *state;
    struct kheap *heap = heap_with_pages(t, 2);
    struct kheap_reclaim reclaim;
    void *out[4];

    uint32_t victim_object = new_object(t, t->fixed);
    uint32_t other = new_object(t, t->small);
    uint32_t second = new_object(t, t->small);
    add_partner(t, victim_object, other);
    add_partner(t, victim_object, second);

    /* The fixed page (1 live) is the victim; destroying it empties the
     * small page too, which is then returned as a free page. */
    assert_int_equal(reclaim_pages(heap, &reclaim, 2, 1, out, 4), 2);
    assert_int_equal(reclaim.destroyed, 1);
    assert_int_equal(t->live_count, 0);
    assert_int_equal(stats_of(heap).pages_held, 0);
}

static void test_reclaim_chunked_with_interleaved_alloc_free(void **state)
{
    struct fixture *t = *state;
    struct kheap *heap = heap_with_pages(t, 3);
    struct kheap_reclaim reclaim;
    void *out[4];
    uint32_t n;

    new_objects(t, t->small, 128 + 128 + 20);
    /* Page of 0..127 keeps 60; page of 128..255 keeps 98; 256..275: 20 live. */
    free_objects(t, 0, 68);
    free_objects(t, 128, 158);
    int victim = page_index(t, address_of(t, 256));
    t->victim_page = victim;
    assert_heap_ok(heap);

    kheap_reclaim_begin(&reclaim, 1);
    uint32_t work_before = 0;
    for (int round = 0; !reclaim.done; round++) {
        assert_true(round < 1000);
        assert_int_equal(kheap_reclaim(heap, &reclaim, 1, out, 4, &n), KHEAP_OK);
        uint32_t work = reclaim.moved + reclaim.destroyed + reclaim.returned;
        assert_true(work - work_before <= 1);   /* budget 1: one unit */
        work_before = work;
        assert_heap_ok(heap);
        if (reclaim.done)
            break;

        /* Between calls: new objects never land in the victim... */
        uint32_t fresh = new_object(t, t->small);
        assert_int_not_equal(page_index(t, address_of(t, fresh)), victim);
        /* ...and the owner frees objects, some of them in the victim. */
        uint32_t id = 256 + (uint32_t)round * 2 + 1;
        if (id < 276 && address_of(t, id) != NULL)
            free_object(t, id);
        if (round % 3 == 0)
            free_object(t, t->live_ids[(uint32_t)round % t->live_count]);
        assert_heap_ok(heap);
    }
    assert_int_equal(n, 1);
    assert_ptr_equal(out[0], kheap_host_page(&t->arena, (uint32_t)victim));
    assert_true(reclaim.moved > 0);
    assert_int_equal(reclaim.destroyed, 0);
    assert_int_equal(reclaim.moved, t->moved_calls);
    assert_int_equal(live_objects_in_page(t, victim), 0);
    assert_int_equal(stats_of(heap).pages_held, 2);
}

static void test_reclaim_victim_emptied_between_calls(void **state)
{
    struct fixture *t = *state;
    struct kheap *heap = heap_with_pages(t, 2);
    struct kheap_reclaim reclaim;
    void *out[4];
    uint32_t n;

    new_objects(t, t->small, 128 + 6);
    free_objects(t, 0, 20);
    int victim = page_index(t, address_of(t, 128));

    kheap_reclaim_begin(&reclaim, 1);
    assert_int_equal(kheap_reclaim(heap, &reclaim, 1, out, 4, &n), KHEAP_OK);
    assert_int_equal(n, 0);
    assert_int_equal(reclaim.moved, 1);
    assert_false(reclaim.done);

    /* The owner frees the rest of the victim: it stays out of the free
     * pages (it is still being evacuated) and the next step returns it. */
    free_objects(t, 129, 134);
    assert_int_equal(stats_of(heap).pages_free, 0);
    assert_heap_ok(heap);

    assert_int_equal(kheap_reclaim(heap, &reclaim, 1, out, 4, &n), KHEAP_OK);
    assert_int_equal(n, 1);
    assert_ptr_equal(out[0], kheap_host_page(&t->arena, (uint32_t)victim));
    assert_true(reclaim.done);
    assert_int_equal(reclaim.moved, 1);
}

static void test_reclaim_free_page_appears_mid_evacuation(void **state)
{
    struct fixture *t = *state;
    struct kheap *heap = heap_with_pages(t, 3);
    struct kheap_reclaim reclaim;
    void *out[4];
    uint32_t n;

    new_objects(t, t->small, 128 + 10);
    uint32_t lone = new_object(t, t->fixed);
    free_objects(t, 0, 20);
    int small_victim = page_index(t, address_of(t, 128));
    int fixed_page = page_index(t, address_of(t, lone));
    /* 20 live in the fixed page, so the small page with 10 is the victim. */
    new_objects(t, t->fixed, 19);

    kheap_reclaim_begin(&reclaim, 1);
    assert_int_equal(kheap_reclaim(heap, &reclaim, 2, out, 4, &n), KHEAP_OK);
    assert_int_equal(n, 0);
    assert_int_equal(reclaim.moved, 2);
    assert_int_equal(live_objects_in_page(t, small_victim), 8);

    /* The fixed page empties between calls: a free page beats evacuation. */
    for (uint32_t i = 0; i < t->object_count; i++) {
        if (t->objects[i].address != NULL && t->objects[i].type == t->fixed)
            free_object(t, i);
    }
    assert_int_equal(kheap_reclaim(heap, &reclaim, 5, out, 4, &n), KHEAP_OK);
    assert_int_equal(n, 1);
    assert_ptr_equal(out[0], kheap_host_page(&t->arena, (uint32_t)fixed_page));
    assert_true(reclaim.done);
    assert_int_equal(reclaim.moved, 2);
    assert_heap_ok(heap);

    /* The abandoned victim is an ordinary partial page again. */
    new_objects(t, t->small, 31);
    assert_true(live_objects_in_page(t, small_victim) > 8);
}

static void test_reclaim_abandoned_victim_is_finished_later(void **state)
{
    struct fixture *t = *state;
    struct kheap *heap = heap_with_pages(t, 2);
    struct kheap_reclaim first, second;
    void *out[4];
    uint32_t n;

    new_objects(t, t->small, 128 + 5);
    free_objects(t, 0, 30);
    int victim = page_index(t, address_of(t, 128));
    t->victim_page = victim;

    kheap_reclaim_begin(&first, 1);
    assert_int_equal(kheap_reclaim(heap, &first, 1, out, 4, &n), KHEAP_OK);
    assert_int_equal(first.moved, 1);
    /* first is dropped. Its victim stays closed to allocation... */
    for (int i = 0; i < 20; i++) {
        uint32_t id = new_object(t, t->small);
        assert_int_not_equal(page_index(t, address_of(t, id)), victim);
    }
    assert_heap_ok(heap);

    /* ...until the next reclaim, which finishes that page first. */
    assert_int_equal(reclaim_pages(heap, &second, 1, 1, out, 4), 1);
    assert_ptr_equal(out[0], kheap_host_page(&t->arena, (uint32_t)victim));
    assert_int_equal(second.moved, 4);
}

static void test_reclaim_reports_destroy_that_frees_nothing(void **state)
{
    struct fixture *t = *state;
    struct kheap *heap = heap_with_pages(t, 1);
    struct kheap_reclaim reclaim;
    void *out[4];
    uint32_t n;
    new_objects(t, t->fixed, 3);

    t->destroy_forgets = true;
    kheap_reclaim_begin(&reclaim, 1);
    assert_int_equal(kheap_reclaim(heap, &reclaim, 10, out, 4, &n), KHEAP_E_BAD_ARG);
    assert_int_equal(reclaim.destroyed, 0);
    assert_false(reclaim.done);
    assert_heap_ok(heap);

    /* Once the owner behaves, the same reclaim carries on and finishes. */
    t->destroy_forgets = false;
    assert_int_equal(reclaim_all(heap, &reclaim, 10, out, 4), 1);
    assert_int_equal(reclaim.destroyed, 3);
    assert_int_equal(t->live_count, 0);
}

static void test_reclaim_budget_and_capacity(void **state)
{
    struct fixture *t = *state;
    struct kheap *heap = heap_with_pages(t, 3);
    struct kheap_reclaim reclaim;
    void *out[4];
    uint32_t n = 7;

    /* A zeroed state asks for nothing and is done at once. */
    memset(&reclaim, 0, sizeof reclaim);
    assert_int_equal(kheap_reclaim(heap, &reclaim, 5, out, 4, &n), KHEAP_OK);
    assert_int_equal(n, 0);
    assert_true(reclaim.done);

    kheap_reclaim_begin(&reclaim, 3);
    assert_int_equal(kheap_reclaim(heap, &reclaim, 0, out, 4, &n), KHEAP_OK);
    assert_int_equal(n, 0);
    assert_false(reclaim.done);
    assert_int_equal(kheap_reclaim(heap, &reclaim, 10, out, 0, &n), KHEAP_OK);
    assert_int_equal(n, 0);
    assert_false(reclaim.done);

    assert_int_equal(kheap_reclaim(NULL, &reclaim, 1, out, 4, &n), KHEAP_E_BAD_ARG);
    assert_int_equal(kheap_reclaim(heap, NULL, 1, out, 4, &n), KHEAP_E_BAD_ARG);
    assert_int_equal(kheap_reclaim(heap, &reclaim, 1, NULL, 4, &n), KHEAP_E_BAD_ARG);
    assert_int_equal(kheap_reclaim(heap, &reclaim, 1, out, 4, NULL), KHEAP_E_BAD_ARG);

    for (int call = 0; call < 3; call++) {
        assert_int_equal(kheap_reclaim(heap, &reclaim, 10, out, 1, &n), KHEAP_OK);
        assert_int_equal(n, 1);
        assert_int_equal(reclaim.returned, (uint32_t)call + 1);
        assert_heap_ok(heap);
    }
    assert_true(reclaim.done);
    assert_int_equal(stats_of(heap).pages_held, 0);
}

static void test_reclaim_whole_heap(void **state)
{
    struct fixture *t = *state;
    struct kheap *heap = heap_with_pages(t, 8);
    struct kheap_reclaim reclaim;
    void *out[16];

    new_objects(t, t->small, 150);
    new_objects(t, t->fixed, 70);
    new_objects(t, t->page_type, 2);
    for (uint32_t id = 0; id < 222; id += 3)
        free_object(t, id);

    assert_int_equal(reclaim_pages(heap, &reclaim, 100, 3, out, 16), 8);    /* more than it holds */
    assert_int_equal(t->live_count, 0);
    struct kheap_stats s = stats_of(heap);
    assert_int_equal(s.pages_held, 0);
    assert_int_equal(s.pages_free, 0);
    assert_int_equal(s.pages_reclaimed, 8);
    for (uint32_t type = 0; type < t->types.count; type++) {
        assert_int_equal(s.by_type[type].live, 0);
        assert_int_equal(s.by_type[type].pages, 0);
        /* Destroy frees through kheap_free; moves are neither. */
        assert_int_equal(s.by_type[type].allocations, s.by_type[type].frees);
    }
    assert_int_equal(reclaim.destroyed, t->destroy_calls);
    assert_int_equal(reclaim.moved, t->moved_calls);
    for (uint32_t i = 0; i < 8; i++)
        assert_null(kheap_host_descriptor(&t->arena, i)->owner);
}

/* ---- page-sized objects ------------------------------------------------------- */

static void test_page_sized_objects(void **state)
{
    struct fixture *t = *state;
    struct kheap *heap = heap_with_pages(t, 3);
    struct kheap_reclaim reclaim;
    struct kheap_fault fault;
    void *out[4];

    uint32_t ids[3];
    for (int i = 0; i < 3; i++) {
        ids[i] = new_object(t, t->page_type);
        int index = page_index(t, address_of(t, ids[i]));
        assert_ptr_equal(address_of(t, ids[i]), kheap_host_page(&t->arena, (uint32_t)index));
    }
    assert_null(kheap_allocate(heap, t->page_type, &fault));
    assert_int_equal(fault.pages_needed, 1);
    struct kheap_stats s = stats_of(heap);
    assert_int_equal(s.by_type[t->page_type].pages, 3);
    assert_int_equal(s.by_type[t->page_type].live, 3);
    assert_int_equal(s.by_type[t->page_type].free, 0);
    assert_heap_ok(heap);
    verify_all_objects(t);

    uint8_t *middle = (uint8_t *)address_of(t, ids[1]) + 2048;
    assert_int_equal(kheap_free(heap, middle), KHEAP_E_BAD_ARG);
    free_object(t, ids[1]);
    assert_int_equal(stats_of(heap).pages_free, 1);
    assert_heap_ok(heap);

    /* One free page, then a page-table page with nowhere to go: destroyed. */
    assert_int_equal(reclaim_pages(heap, &reclaim, 2, 1, out, 4), 2);
    assert_int_equal(reclaim.destroyed, 1);
    assert_int_equal(reclaim.moved, 0);
    assert_int_equal(t->live_count, 1);
    assert_int_equal(stats_of(heap).pages_held, 1);
}

/* ---- the bump pointer ---------------------------------------------------------- */

/*
 * Carving a page touches none of its slots: the first allocation writes
 * only its own object, slots come from the bump pointer in order, and a
 * freed slot is taken again before the bump pointer moves on. (Threading
 * every slot onto the free list wrote the first word of each.)
 */
static void test_carving_touches_no_slot(void **state)
{
    struct fixture *t = *state;
    uint8_t *page = kheap_host_page(&t->arena, 0);
    struct kheap *heap = heap_with_pages(t, 1);     /* the arena's pages start filled with 0xa5 */

    uint32_t first = new_object(t, t->small);
    assert_ptr_equal(address_of(t, first), page);
    for (uint32_t k = 32; k < KHEAP_PAGE_SIZE; k++)
        assert_int_equal(page[k], 0xa5);
    assert_int_equal(kheap_host_descriptor(&t->arena, 0)->bumped, 1);

    uint32_t second = new_object(t, t->small), third = new_object(t, t->small);
    assert_ptr_equal(address_of(t, second), page + 32);
    assert_ptr_equal(address_of(t, third), page + 64);
    void *hole = address_of(t, second);
    free_object(t, second);
    assert_ptr_equal(address_of(t, new_object(t, t->small)), hole);
    assert_ptr_equal(address_of(t, new_object(t, t->small)), page + 96);
    for (uint32_t k = 128; k < KHEAP_PAGE_SIZE; k++)
        assert_int_equal(page[k], 0xa5);
    assert_int_equal(kheap_host_descriptor(&t->arena, 0)->bumped, 4);
    assert_int_equal(stats_of(heap).by_type[t->small].free, 128 - 4);
    assert_int_equal(stats_of(heap).by_type[t->small].allocatable, 128 - 4);
    assert_true(kheap_can_allocate(heap, t->small, 128 - 4));
    assert_false(kheap_can_allocate(heap, t->small, 128 - 4 + 1));
    new_objects(t, t->small, 128 - 4);              /* the rest, from the bump pointer */
    assert_int_equal(kheap_host_descriptor(&t->arena, 0)->bumped, 128);
    assert_null(kheap_allocate(heap, t->small, NULL));
}

/* kheap_check holds the bump pointer to the page: what lies past it, what the free list holds. */
static void test_check_detects_a_wrong_bump_pointer(void **state)
{
    struct fixture *t = *state;
    struct kheap *heap = heap_with_pages(t, 2);
    uint32_t a = new_object(t, t->small), b = new_object(t, t->small), c = new_object(t, t->small);
    struct kheap_page *carved = kheap_host_page_of(t, address_of(t, a));
    struct kheap_page *free_page = heap->free_pages;

    (void)a;
    free_object(t, b);                      /* the free list: b's slot; bumped 3 */
    assert_heap_ok(heap);
    carved->bumped = 2;                     /* c, live, past the bump pointer */
    assert_int_not_equal(check_all_ways(heap), KHEAP_OK);
    carved->bumped = 4;                     /* a slot neither live, freed, nor past it */
    assert_int_not_equal(check_all_ways(heap), KHEAP_OK);
    carved->bumped = 129;                   /* past the page's last slot */
    assert_int_not_equal(check_all_ways(heap), KHEAP_OK);
    carved->bumped = 3;
    assert_heap_ok(heap);

    free_object(t, c);                      /* the free list: c's slot, then b's */
    carved->bumped = 2;                     /* a freed slot past the bump pointer */
    assert_int_not_equal(check_all_ways(heap), KHEAP_OK);
    carved->bumped = 3;
    assert_heap_ok(heap);

    free_page->bumped = 1;                  /* an uncarved page with a bump pointer */
    assert_int_not_equal(check_all_ways(heap), KHEAP_OK);
    free_page->bumped = 0;
    free_page->live_bitmap[1] = 4;          /* an uncarved page with a live bit, which carving would keep */
    assert_int_not_equal(check_all_ways(heap), KHEAP_OK);
    free_page->live_bitmap[1] = 0;
    assert_heap_ok(heap);
}

/* ---- kheap_check catches what it should --------------------------------------- */

static void test_check_detects_corruption(void **state)
{
    struct fixture *t = *state;
    struct kheap *heap = heap_with_pages(t, 2);
    uint32_t a = new_object(t, t->small);
    uint32_t b = new_object(t, t->small);
    free_object(t, b);
    assert_heap_ok(heap);

    struct kheap_page *desc = kheap_host_page_of(t, address_of(t, a));
    desc->live++;
    assert_int_not_equal(check_all_ways(heap), KHEAP_OK);
    desc->live--;
    assert_heap_ok(heap);

    heap->stats.by_type[t->small].live++;
    assert_int_not_equal(check_all_ways(heap), KHEAP_OK);
    heap->stats.by_type[t->small].live--;

    heap->stats.pages_held++;
    assert_int_not_equal(check_all_ways(heap), KHEAP_OK);
    heap->stats.pages_held--;

    desc->owner = &t->other_heap;
    assert_int_equal(check_all_ways(heap), KHEAP_E_NOT_OWNER);
    desc->owner = heap;

    desc->live_bitmap[0] ^= 1u << 5;
    assert_int_not_equal(check_all_ways(heap), KHEAP_E_NOT_OWNER);
    assert_int_not_equal(check_all_ways(heap), KHEAP_OK);
    desc->live_bitmap[0] ^= 1u << 5;
    assert_heap_ok(heap);

    /* A use-after-free that scribbles on a free slot's link. */
    void **link = desc->free_list;
    void *saved = *link;
    *link = (uint8_t *)address_of(t, a) + 8;
    assert_int_not_equal(check_all_ways(heap), KHEAP_OK);
    *link = desc->free_list;    /* a cycle */
    assert_int_not_equal(check_all_ways(heap), KHEAP_OK);
    *link = saved;
    assert_heap_ok(heap);

    struct kheap_page *free_desc = heap->free_pages;
    free_desc->prev = free_desc;
    assert_int_not_equal(check_all_ways(heap), KHEAP_OK);
    free_desc->prev = NULL;
    assert_heap_ok(heap);
    assert_int_equal(check_all_ways(NULL), KHEAP_E_BAD_ARG);
}

/* ---- a long random run against the model ------------------------------------- */

static uint32_t rng_state = 12345;

static uint32_t rng(uint32_t bound)
{
    rng_state = rng_state * 1103515245u + 12345u;
    return (rng_state >> 8) % bound;
}

static int unused_arena_page(struct fixture *t)
{
    uint32_t start = rng(ARENA_PAGES);

    for (uint32_t k = 0; k < ARENA_PAGES; k++) {
        uint32_t i = (start + k) % ARENA_PAGES;
        if (kheap_host_descriptor(&t->arena, i)->owner == NULL)
            return (int)i;
    }
    return -1;
}

static void donate_some(struct fixture *t, uint32_t pages)
{
    for (uint32_t k = 0; k < pages; k++) {
        int i = unused_arena_page(t);
        if (i < 0)
            return;
        assert_int_equal(kheap_donate(&t->heap, kheap_host_page(&t->arena, (uint32_t)i),
                                      kheap_host_descriptor(&t->arena, (uint32_t)i)), KHEAP_OK);
    }
}

static void random_alloc(struct fixture *t)
{
    uint32_t types[4] = { t->small, t->fixed, t->odd, t->page_type };
    uint32_t type = types[rng(rng(8) == 0 ? 4 : 3)];
    struct kheap_fault fault;
    void *object = kheap_allocate(&t->heap, type, &fault);

    if (object == NULL) {
        assert_int_equal(fault.type, type);
        assert_int_equal(fault.pages_needed, 1);
        assert_true(fault.pages_wanted >= 1);
        assert_false(kheap_can_allocate(&t->heap, type, 1));
        donate_some(t, 1 + rng(fault.pages_wanted));
        return;
    }
    uint32_t id = record_object(t, &t->heap, type, object);
    if (t->live_count > 1 && rng(4) == 0)
        add_partner(t, id, t->live_ids[rng(t->live_count)]);
    if (rng(10) == 0)
        t->objects[id].refuse_move = true;
}

static void test_random_run(void **state)
{
    struct fixture *t = *state;
    struct kheap_reclaim reclaim;
    void *out[ARENA_PAGES];
    bool reclaiming = false;
    uint64_t returned = 0;

    assert_int_equal(kheap_set_watermarks(&t->heap, 1, 3), KHEAP_OK);
    memset(&reclaim, 0, sizeof reclaim);
    for (int step = 0; step < 30000; step++) {
        uint32_t r = rng(100);
        if (r < 50) {
            random_alloc(t);
        } else if (r < 85 && t->live_count > 0) {
            uint32_t id = t->live_ids[rng(t->live_count)];
            assert_int_equal(kheap_free(&t->other_heap, address_of(t, id)), KHEAP_E_NOT_OWNER);
            free_object(t, id);
        } else if (r < 97) {
            if (!reclaiming) {
                kheap_reclaim_begin(&reclaim, 1 + rng(4));
                reclaiming = true;
            }
            uint32_t n;
            uint32_t cap = 1 + rng(3);
            assert_int_equal(kheap_reclaim(&t->heap, &reclaim, 1 + rng(4), out, cap, &n), KHEAP_OK);
            assert_true(n <= cap);
            returned += n;
            for (uint32_t i = 0; i < n; i++)
                assert_null(kheap_host_page_of(t, out[i])->owner);
            reclaiming = !reclaim.done;
        } else {
            donate_some(t, 1);
        }
        assert_heap_ok(&t->heap);
        struct kheap_stats s = stats_of(&t->heap);
        assert_int_equal(s.pages_reclaimed, returned);
        uint32_t live = 0;
        for (uint32_t type = 0; type < t->types.count; type++)
            live += s.by_type[type].live;
        assert_int_equal(live, t->live_count);
        if (step % 500 == 0)
            verify_all_objects(t);
    }
    verify_all_objects(t);
    assert_true(returned > 0);
    /* The run must have exercised both ways of emptying a victim. */
    struct kheap_stats s = stats_of(&t->heap);
    uint64_t moved = 0, destroyed = 0;
    for (uint32_t type = 0; type < t->types.count; type++) {
        moved += s.by_type[type].moved;
        destroyed += s.by_type[type].destroyed;
    }
    assert_true(moved > 100);
    assert_true(destroyed > 100);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_type_register_rounds_slots),
        cmocka_unit_test(test_type_register_errors),
        cmocka_unit_test_setup_teardown(test_donate, setup, teardown),
        cmocka_unit_test_setup_teardown(test_alloc_and_free, setup, teardown),
        cmocka_unit_test_setup_teardown(test_alloc_fills_page_then_carves_next, setup, teardown),
        cmocka_unit_test_setup_teardown(test_alloc_bad_type, setup, teardown),
        cmocka_unit_test_setup_teardown(test_fault_contents, setup, teardown),
        cmocka_unit_test_setup_teardown(test_free_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_watermarks, setup, teardown),
        cmocka_unit_test_setup_teardown(test_can_alloc, setup, teardown),
        cmocka_unit_test_setup_teardown(test_pages_missing_ignores_a_page_under_evacuation, setup, teardown),
        cmocka_unit_test_setup_teardown(test_pages_missing_arguments, setup, teardown),
        cmocka_unit_test_setup_teardown(test_pages_missing_is_what_alloc_delivers, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reclaim_free_pages_first, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reclaim_moves_least_used_page, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reclaim_destroys_unmovable, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reclaim_destroys_when_can_move_refuses, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reclaim_destroys_when_no_room, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reclaim_destroy_frees_more_in_victim, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reclaim_destroy_empties_another_page, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reclaim_chunked_with_interleaved_alloc_free, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reclaim_victim_emptied_between_calls, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reclaim_free_page_appears_mid_evacuation, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reclaim_abandoned_victim_is_finished_later, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reclaim_reports_destroy_that_frees_nothing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reclaim_budget_and_capacity, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reclaim_whole_heap, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reclaim_prefers_a_page_moves_can_empty, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reclaim_next_names_the_next_object, setup, teardown),
        cmocka_unit_test_setup_teardown(test_page_sized_objects, setup, teardown),
        cmocka_unit_test_setup_teardown(test_carving_touches_no_slot, setup, teardown),
        cmocka_unit_test_setup_teardown(test_check_detects_a_wrong_bump_pointer, setup, teardown),
        cmocka_unit_test_setup_teardown(test_check_detects_corruption, setup, teardown),
        cmocka_unit_test_setup_teardown(test_random_run, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
