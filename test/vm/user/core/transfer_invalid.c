/*
 * transfer_invalid.c — typed items that must be refused, each with its
 * documented error (docs/abi.md §5), and a refused message changes nothing
 * on either side: not the root's slots or heap, not the receiver's window
 * slots, mappings or heap. Also the all-or-nothing rule (a good item next to
 * a bad one does not move), refusals by the receiver's windows and heap,
 * and a reply whose items the caller refuses.
 */
#include "transfer.h"

#include "libl4/string.h"

#define RW (BURSAR_RIGHT_READ | BURSAR_RIGHT_WRITE)

/* Everything a refused message must leave alone. */
struct world {
    struct core_snapshot root;
    struct bursar_heap_info b_heap, c_heap;
    struct agent_capability b_window[AGENT_WINDOW_SLOTS];
    int b_pages[4];
};

struct fixture {
    struct agent b, c;
    unsigned endpoint, no_grant, read_grant, empty, revoked, probe;
    uintptr_t page, read_only_page, unmapped_page, pair;     /* pair: two pages, 8 KiB aligned */
};

static uintptr_t landing(uintptr_t address)
{
    return AGENT_MEMORY_WINDOW + (address & ((1u << AGENT_MEMORY_LOG2) - 1));
}

static int fixture_make(struct fixture *f)
{
    unsigned source;
    uint32_t frame;
    int error;

    if ((error = agent_start(&f->b, 0, 12)) || (error = agent_start(&f->c, 1, 12)) ||
        (error = agent_give(&f->b, f->c.endpoint, AGENT_TARGET, BURSAR_RIGHT_WRITE)))
        return error;
    f->endpoint = core_slot(), f->no_grant = core_slot(), f->read_grant = core_slot();
    f->empty = core_slot(), f->revoked = core_slot(), f->probe = core_slot(), source = core_slot();
    if ((error = l4_create(BURSAR_SLOT_HEAP, BURSAR_OBJECT_ENDPOINT, f->endpoint, 0)) ||
        (error = l4_create(BURSAR_SLOT_HEAP, BURSAR_OBJECT_ENDPOINT, f->probe, 0)) ||
        (error = l4_cap_copy(f->endpoint, f->no_grant, RW, 0)) ||
        (error = l4_cap_copy(f->endpoint, f->read_grant, BURSAR_RIGHT_READ | BURSAR_RIGHT_GRANT, 0)) ||
        (error = l4_create(BURSAR_SLOT_HEAP, BURSAR_OBJECT_ENDPOINT, source, 0)) ||
        (error = l4_cap_transfer(source, BURSAR_OWN_TASK, f->revoked, BURSAR_RIGHTS_ALL, BURSAR_REVOCABLE_COPY, 0)) ||
        (error = l4_cap_revoke(source)) || (error = core_map_fresh_page(&f->page, &frame)) ||
        /* A slot that says empty, not revoked (per-test slots may have been revoked before). */
        (error = l4_cap_copy(f->probe, f->empty, BURSAR_RIGHT_READ, 0)) || (error = l4_cap_delete(f->empty)))
        return error;
    f->read_only_page = core_scratch_page();
    if ((error = l4_frame_map(BURSAR_SLOT_MEMORY, core_frame(), f->read_only_page, BURSAR_RIGHT_READ)))
        return error;
    f->unmapped_page = core_scratch_page();
    do
        f->pair = core_scratch_page();
    while (f->pair % 8192);
    core_scratch_page();
    if ((error = l4_frame_map(BURSAR_SLOT_MEMORY, core_frame(), f->pair, RW)) ||
        (error = l4_frame_map(BURSAR_SLOT_MEMORY, core_frame(), f->pair + 4096, RW)))
        return error;
    return 0;
}

static void world_take(struct fixture *f, struct world *w)
{
    static const unsigned probe_rights = BURSAR_RIGHT_READ;
    uintptr_t pages[4] = { landing(f->page), landing(f->read_only_page), landing(f->pair),
                           landing(f->pair + 4096) };

    memset(w, 0, sizeof *w);
    core_snapshot_take(&w->root);
    l4_heap_info(f->b.heap, &w->b_heap);
    l4_heap_info(f->c.heap, &w->c_heap);
    for (unsigned i = 0; i < AGENT_WINDOW_SLOTS; i++)
        agent_inspect(&f->b, AGENT_WINDOW + i, &w->b_window[i]);
    for (unsigned i = 0; i < 4; i++)
        w->b_pages[i] = agent_probe(&f->b, pages[i], probe_rights);
}

/* 0 if equal, else which part differs. */
static int world_compare(const struct world *a, const struct world *b)
{
    int root = core_snapshot_compare(&a->root, &b->root);

    if (root)
        return 1000 + root;
    if (memcmp(&a->b_heap, &b->b_heap, sizeof a->b_heap) || memcmp(&a->c_heap, &b->c_heap, sizeof a->c_heap))
        return 1;
    if (memcmp(a->b_window, b->b_window, sizeof a->b_window))
        return 2;
    if (memcmp(a->b_pages, b->b_pages, sizeof a->b_pages))
        return 3;
    return 0;
}

/* One refused message from the root to B: up to three raw items. */
struct bad_items {
    const char *what;
    unsigned count;
    uint32_t words[6];
    int error;
};

static int send_raw(struct agent *to, unsigned count, const uint32_t *words)
{
    struct l4_msg m;

    m.tag = BURSAR_TAG(AGENT_TAKE, 0, count);
    m.badge = 0;
    for (unsigned i = 0; i < BURSAR_ITEM_WORDS * count; i++)
        m.mr[i] = words[i];
    return agent_call(to, &m);
}

static void run_bad_items(struct test_result *result, struct fixture *f, const struct bad_items *cases,
                          unsigned count)
{
    static struct world before, after;

    for (unsigned i = 0; i < count; i++) {
        int error, difference;
        world_take(f, &before);
        error = send_raw(&f->b, cases[i].count, cases[i].words);
        world_take(f, &after);
        difference = world_compare(&before, &after);
        TEST_CHECK(error == -cases[i].error, "%s: got %d, expected %d", cases[i].what, error, -cases[i].error);
        TEST_CHECK(difference == 0, "%s: changed something (%d)", cases[i].what, difference);
    }
}

#define CAP(slot, rights, mode) BURSAR_ITEM_CAPABILITY_WORD((slot), (rights), (mode))
#define MEM(log2, rights, mode) BURSAR_ITEM_MEMORY_WORD((log2), (rights), (mode))
#define RUN(table) run_bad_items(result, &f, (table), sizeof(table) / sizeof((table)[0]))

USER_TEST(420, malformed_items_are_refused_and_change_nothing)
{
    static struct fixture f;
    TEST_CHECK_EQUAL(fixture_make(&f), 0, "fixture");
    const uint32_t all = BURSAR_RIGHTS_ALL, e = f.endpoint;
    const struct bad_items cases[] = {
        { "kind 0", 1, { 0 | BURSAR_RIGHT_READ << 8, 0 }, BURSAR_E_INVALID_ARGUMENT },
        { "kind 3", 1, { 3 | BURSAR_RIGHT_READ << 8, 0 }, BURSAR_E_INVALID_ARGUMENT },
        { "capability: mode 3", 1, { CAP(e, all, 3), 0 }, BURSAR_E_INVALID_ARGUMENT },
        { "memory: mode 3", 1, { MEM(12, RW, 3), f.page }, BURSAR_E_INVALID_ARGUMENT },
        { "capability: reserved bit", 1, { CAP(e, all, 0) | 0x40, 0 }, BURSAR_E_INVALID_ARGUMENT },
        { "memory: reserved bit", 1, { MEM(12, RW, 0) | 0x200000, f.page }, BURSAR_E_INVALID_ARGUMENT },
        { "memory: size 2^11", 1, { MEM(11, RW, 0), f.page }, BURSAR_E_INVALID_ARGUMENT },
        { "memory: size 2^23", 1, { MEM(23, RW, 0), 0x20000000 }, BURSAR_E_INVALID_ARGUMENT },
        { "memory: no READ", 1, { MEM(12, BURSAR_RIGHT_WRITE, 0), f.page }, BURSAR_E_INVALID_ARGUMENT },
        { "memory: GRANT right", 1, { MEM(12, RW | BURSAR_RIGHT_GRANT, 0), f.page }, BURSAR_E_INVALID_ARGUMENT },
        { "memory: flexpage not aligned", 1, { MEM(13, RW, 0), f.pair + 4096 }, BURSAR_E_MISALIGNED },
        { "memory: page 0", 1, { MEM(12, RW, 0), 0 }, BURSAR_E_INVALID_ADDRESS },
        { "memory: kernel address", 1, { MEM(12, RW, 0), 0xc0000000u }, BURSAR_E_INVALID_ADDRESS },
        { "memory: kernel 4 MiB", 1, { MEM(22, RW, 1), 0xffc00000u }, BURSAR_E_INVALID_ADDRESS },
        { "memory: not mapped", 1, { MEM(12, BURSAR_RIGHT_READ, 0), f.unmapped_page }, BURSAR_E_NOT_MAPPED },
        { "memory: a hole in the flexpage", 1, { MEM(14, BURSAR_RIGHT_READ, 0), f.page & ~16383u },
          BURSAR_E_NOT_MAPPED },
        { "memory: WRITE on a read-only page", 1, { MEM(12, RW, 1), f.read_only_page }, BURSAR_E_NO_RIGHTS },
        { "memory: GRANT with fewer rights", 1, { MEM(12, BURSAR_RIGHT_READ, 2), f.page }, BURSAR_E_NO_RIGHTS },
        { "capability: no such slot", 1, { CAP(2000, all, 0), 0 }, BURSAR_E_INVALID_CAPABILITY },
        { "capability: empty slot", 1, { CAP(f.empty, all, 0), 0 }, BURSAR_E_EMPTY_SLOT },
        { "capability: revoked slot", 1, { CAP(f.revoked, all, 0), 0 }, BURSAR_E_REVOKED },
        { "capability: no GRANT right", 1, { CAP(f.no_grant, BURSAR_RIGHT_WRITE, 0), 0 }, BURSAR_E_NO_RIGHTS },
        { "capability: more rights than the source", 1, { CAP(f.read_grant, RW, 1), 0 }, BURSAR_E_NO_RIGHTS },
        { "capability: one slot granted twice", 2, { CAP(e, all, 2), 0, CAP(e, all, 2), 0 },
          BURSAR_E_INVALID_ARGUMENT },
        { "capability: granted and copied", 2, { CAP(e, all, 0), 0, CAP(e, all, 2), 0 }, BURSAR_E_INVALID_ARGUMENT },
        { "memory: granted and copied", 2, { MEM(12, RW, 2), f.page, MEM(12, RW, 0), f.page },
          BURSAR_E_INVALID_ARGUMENT },
        /* All or nothing: the good items before and after a bad one do not move. */
        { "a good item, then a bad one", 3, { CAP(e, all, 1), 0, MEM(12, RW, 1), f.page, CAP(f.empty, all, 0), 0 },
          BURSAR_E_EMPTY_SLOT },
        { "a good memory item, then a bad one", 2, { MEM(12, RW, 0), f.page, MEM(12, RW, 0), f.unmapped_page },
          BURSAR_E_NOT_MAPPED },
    };
    RUN(cases);
}

/* The receiver's windows decide; a refusal leaves the receiver waiting, and changes nothing. */
USER_TEST(421, items_the_receivers_windows_do_not_take_are_refused)
{
    static struct fixture f;
    struct l4_msg m;
    uintptr_t where;
    TEST_CHECK_EQUAL(fixture_make(&f), 0, "fixture");
    const uint32_t all = BURSAR_RIGHTS_ALL, e = f.endpoint, cap_window = BURSAR_CAPABILITY_WINDOW(AGENT_WINDOW, 2);
    const struct bad_items three_caps = { "three capabilities, a window of two", 3,
                                          { CAP(e, all, 1), 0, CAP(e, all, 0), 0, CAP(e, all, 0), 0 },
                                          BURSAR_E_NO_RECEIVE_WINDOW };
    const struct bad_items past_space = { "a window past the capability space", 2,
                                          { CAP(e, all, 1), 0, CAP(e, all, 0), 0 }, BURSAR_E_NO_RECEIVE_WINDOW };
    const struct bad_items no_cap_window = { "no capability window", 1, { CAP(e, all, 0), 0 },
                                             BURSAR_E_NO_RECEIVE_WINDOW };
    const struct bad_items no_memory_window = { "no memory window", 1, { MEM(12, RW, 0), f.page },
                                                BURSAR_E_NO_RECEIVE_WINDOW };
    const struct bad_items small_window = { "a memory window smaller than the item", 1,
                                            { MEM(13, RW, 1), f.pair }, BURSAR_E_NO_RECEIVE_WINDOW };
    const struct bad_items kernel_window = { "a memory window in the kernel", 1, { MEM(12, RW, 1), f.page },
                                             BURSAR_E_NO_RECEIVE_WINDOW };
    const struct bad_items occupied = { "the window slot holds a capability", 1, { CAP(e, all, 0), 0 },
                                        BURSAR_E_SLOT_IN_USE };
    const struct bad_items mapped = { "the destination page is mapped", 1, { MEM(12, RW, 1), f.page },
                                      BURSAR_E_ALREADY_MAPPED };
    const struct bad_items twice = { "two items onto one page", 2,
                                     { MEM(12, RW, 1), f.pair, MEM(12, RW, 1), f.pair + 4096 },
                                     BURSAR_E_ALREADY_MAPPED };

    TEST_CHECK_EQUAL(agent_do(&f.b, AGENT_WINDOWS, cap_window, 0, 0, &m), 0, "B: two slots, no memory window");
    run_bad_items(result, &f, &three_caps, 1);
    run_bad_items(result, &f, &no_memory_window, 1);
    TEST_CHECK_EQUAL(agent_do(&f.b, AGENT_WINDOWS, BURSAR_CAPABILITY_WINDOW(AGENT_SLOTS - 1, 2),
                              BURSAR_MEMORY_WINDOW(AGENT_MEMORY_WINDOW, 12), 0, &m), 0, "B: windows at the edge");
    run_bad_items(result, &f, &past_space, 1);
    run_bad_items(result, &f, &small_window, 1);
    TEST_CHECK_EQUAL(agent_do(&f.b, AGENT_WINDOWS, 0, BURSAR_MEMORY_WINDOW(0xc0000000u, 12), 0, &m), 0,
                     "B: no capability window, a kernel memory window");
    run_bad_items(result, &f, &no_cap_window, 1);
    run_bad_items(result, &f, &kernel_window, 1);
    /* Back to the usual windows; fill slot 16 and one page, then aim at them. */
    TEST_CHECK_EQUAL(agent_do(&f.b, AGENT_WINDOWS, BURSAR_CAPABILITY_WINDOW(AGENT_WINDOW, AGENT_WINDOW_SLOTS),
                              BURSAR_MEMORY_WINDOW(AGENT_MEMORY_WINDOW, AGENT_MEMORY_LOG2), 0, &m), 0, "B: windows");
    TEST_CHECK_EQUAL(agent_give(&f.b, f.endpoint, AGENT_WINDOW, BURSAR_RIGHT_READ), 0, "fill B's window slot");
    run_bad_items(result, &f, &occupied, 1);
    TEST_CHECK_EQUAL(transfer_send_memory(&f.b, f.page, 12, RW, BURSAR_REVOCABLE_COPY, &where), 0, "map a page");
    run_bad_items(result, &f, &mapped, 1);
    /* Two items landing on one page: the pair's pages land at distinct offsets, so aim the second there. */
    TEST_CHECK_EQUAL(agent_do(&f.b, AGENT_WINDOWS, BURSAR_CAPABILITY_WINDOW(AGENT_WINDOW, AGENT_WINDOW_SLOTS),
                              BURSAR_MEMORY_WINDOW(landing(f.pair) & ~4095u, 12), 0, &m), 0, "B: a one-page window");
    run_bad_items(result, &f, &twice, 1);
    (void)where;
}

/* Fills a heap with threads in `task` until it has no free page; the first thread's slot in *first. */
static int exhaust(unsigned heap, unsigned task, unsigned *first, unsigned *made)
{
    int error = 0;

    *first = core_slot();
    error = l4_create(heap, BURSAR_OBJECT_THREAD, *first, task);
    for (*made = 1; *made < 24 && error == 0; (*made)++)
        error = l4_create(heap, BURSAR_OBJECT_THREAD, core_slot(), task);
    return error == -BURSAR_E_OUT_OF_MEMORY && *made > 3 ? 0 : -1;
}

/*
 * The receiver pays only from what is already free in its heap: a page
 * table it needs and the record of a memory COPY are refused with
 * RECEIVER_HEAP_EMPTY when there is none, and nothing changes; what the
 * sender pays for still goes through. A sender whose own heap is empty
 * gets OUT_OF_MEMORY for what it would pay.
 */
USER_TEST(422, an_empty_receiver_heap_refuses_only_what_the_receiver_pays_for)
{
    static struct fixture f;
    static struct world before, after;
    struct bursar_heap_info b_heap, b_heap_after, c_heap;
    struct agent_capability cap;
    unsigned first, made;
    uintptr_t where;
    TEST_CHECK_EQUAL(fixture_make(&f), 0, "fixture");
    const struct bad_items table = { "a page table for the receiver", 1,
                                     { MEM(12, RW, BURSAR_REVOCABLE_COPY), f.page }, BURSAR_E_RECEIVER_HEAP_EMPTY };
    const struct bad_items copy_record = { "memory COPY: the receiver's record", 1,
                                           { MEM(12, RW, BURSAR_COPY), f.pair }, BURSAR_E_RECEIVER_HEAP_EMPTY };
    const struct bad_items both = { "a capability item next to a memory COPY", 2,
                                    { CAP(f.endpoint, BURSAR_RIGHTS_ALL, BURSAR_COPY), 0,
                                      MEM(12, RW, BURSAR_COPY), f.pair }, BURSAR_E_RECEIVER_HEAP_EMPTY };

    /* B's heap full and no page table in B's window yet: even a map A pays for needs B's table. */
    TEST_CHECK_EQUAL(exhaust(f.b.heap, f.b.task, &first, &made), 0, "fill B's heap");
    run_bad_items(result, &f, &table, 1);
    if (result->failed)
        return;
    /* Room for exactly a page table and its shadow: the map goes through, A pays its record. */
    TEST_CHECK_EQUAL(l4_destroy(first), 0, "free a page of B's heap");
    TEST_CHECK_EQUAL(l4_destroy(first + 1), 0, "and another");
    TEST_CHECK_EQUAL(transfer_send_memory(&f.b, f.page, 12, RW, BURSAR_REVOCABLE_COPY, &where), 0,
                     "map into B (A pays the record, B the table)");
    TEST_CHECK_EQUAL(l4_heap_info(f.b.heap, &b_heap), 0, "B's heap");
    TEST_CHECK_EQUAL(b_heap.pages_free, 0, "B's heap has no free page left");
    /* A memory COPY needs a record from B's heap: refused, even next to an item B need not pay for. */
    run_bad_items(result, &f, &copy_record, 1);
    run_bad_items(result, &f, &both, 1);
    if (result->failed)
        return;
    /* What A pays for, or what moves, still goes through, and B's heap does not change. */
    TEST_CHECK_EQUAL(transfer_send_memory(&f.b, f.pair, 12, RW, BURSAR_REVOCABLE_COPY, &where), 0, "map");
    TEST_CHECK_EQUAL(transfer_send_memory(&f.b, f.pair + 4096, 12, RW, BURSAR_GRANT, &where), 0, "grant");
    world_take(&f, &before);
    TEST_CHECK_EQUAL(send_raw(&f.b, 2, (const uint32_t[]){ CAP(f.endpoint, BURSAR_RIGHTS_ALL, BURSAR_COPY), 0,
                                                           CAP(f.endpoint, BURSAR_RIGHTS_ALL,
                                                               BURSAR_REVOCABLE_COPY), 0 }), 0,
                     "a COPY and a REVOCABLE COPY of a capability");
    TEST_CHECK_EQUAL(l4_heap_info(f.b.heap, &b_heap_after), 0, "B's heap");
    TEST_CHECK(memcmp(&b_heap, &b_heap_after, sizeof b_heap) == 0, "B's heap changed");
    /* B's own heap is empty: what B would pay for (a REVOCABLE COPY) is refused with OUT_OF_MEMORY. */
    TEST_CHECK_EQUAL(l4_heap_info(f.c.heap, &c_heap), 0, "C's heap");
    TEST_CHECK_EQUAL(transfer_forward_memory(&f.b, landing(f.page), 12, RW, BURSAR_REVOCABLE_COPY),
                     -BURSAR_E_OUT_OF_MEMORY, "B maps to C from an empty heap");
    TEST_CHECK_EQUAL(agent_do(&f.b, AGENT_FORWARD, 1, CAP(AGENT_WINDOW + 1, BURSAR_RIGHT_READ,
                                                          BURSAR_REVOCABLE_COPY), 0, &(struct l4_msg){ 0 }),
                     -BURSAR_E_OUT_OF_MEMORY, "B passes a revocable copy on from an empty heap");
    TEST_CHECK(agent_inspect(&f.c, AGENT_WINDOW, &cap) == 0 && cap.type == BURSAR_OBJECT_NONE,
               "C got a capability");
    TEST_CHECK_EQUAL(l4_heap_info(f.b.heap, &b_heap_after), 0, "B's heap");
    TEST_CHECK(memcmp(&b_heap, &b_heap_after, sizeof b_heap) == 0, "B's heap changed after the refusals");
    /* C pays for a COPY from B: that goes through. */
    TEST_CHECK_EQUAL(transfer_forward_memory(&f.b, landing(f.page), 12, BURSAR_RIGHT_READ, BURSAR_COPY), 0,
                     "B copies to C (C pays)");
    TEST_CHECK_EQUAL(heap_live(f.c.heap, BURSAR_HEAP_RECORD), c_heap.live_by_type[BURSAR_HEAP_RECORD] + 1,
                     "C's heap paid the record");
    (void)after;
}

/* A reply's items follow the same rules: a refused reply leaves the caller waiting for a good one. */
USER_TEST(423, a_reply_whose_items_the_caller_refuses_changes_nothing)
{
    static struct fixture f;
    static struct core_snapshot before, after;
    unsigned window = core_slot();
    struct l4_cap_info cap;
    struct l4_item item;
    struct l4_msg m;
    TEST_CHECK_EQUAL(fixture_make(&f), 0, "fixture");

    TEST_CHECK_EQUAL(agent_give(&f.b, f.endpoint, AGENT_SPARE, BURSAR_RIGHT_READ | BURSAR_RIGHT_GRANT), 0,
                     "give B a capability it may pass on");
    l4_set_receive_windows(0, 0, 0, 0);
    core_snapshot_take(&before);
    l4_msg_start(&m, AGENT_GIVE_BACK);
    l4_msg_append(&m, 1);
    l4_msg_append(&m, CAP(AGENT_SPARE, BURSAR_RIGHT_READ, BURSAR_COPY));
    l4_msg_append(&m, 0x77);
    TEST_CHECK_EQUAL(agent_call(&f.b, &m), 0, "call B");
    core_snapshot_take(&after);
    TEST_CHECK(l4_msg_items(&m) == 0 && (int)m.mr[0] == -BURSAR_E_NO_RECEIVE_WINDOW,
               "the reply B got back: %d (items %u)", (int)m.mr[0], l4_msg_items(&m));
    TEST_CHECK_EQUAL(core_snapshot_compare(&before, &after), 0, "the refused reply changed the root");
    /* With a window, the same reply lands. */
    l4_set_receive_windows(window, 1, 0, 0);
    l4_msg_start(&m, AGENT_GIVE_BACK);
    l4_msg_append(&m, 1);
    l4_msg_append(&m, CAP(AGENT_SPARE, BURSAR_RIGHT_READ, BURSAR_COPY));
    l4_msg_append(&m, 0x77);
    TEST_CHECK_EQUAL(agent_call(&f.b, &m), 0, "call B again");
    l4_set_receive_windows(0, 0, 0, 0);
    TEST_CHECK(l4_msg_item(&m, 0, &item) && item.kind == BURSAR_ITEM_CAPABILITY && item.slot == window &&
               item.badge == 0x77, "the item: kind %u slot %u badge %x", item.kind, item.slot, item.badge);
    TEST_CHECK_EQUAL(l4_cap_inspect(window, &cap), 0, "inspect");
    TEST_CHECK(cap.type == BURSAR_OBJECT_ENDPOINT && cap.rights == BURSAR_RIGHT_READ && cap.badge == 0x77,
               "the root's window slot: type %u rights %x badge %x", cap.type, cap.rights, cap.badge);
}

USER_TEST(424, unmap_with_an_unknown_mode_is_refused)
{
    static struct fixture f;
    TEST_CHECK_EQUAL(fixture_make(&f), 0, "fixture");
    TEST_CHECK_EQUAL(l4_sysenter(SYS_UNMAP, f.page, 1, 2, 0), -BURSAR_E_INVALID_ARGUMENT, "mode 2");
    TEST_CHECK_EQUAL(root_probe(f.probe, f.page, RW), -BURSAR_E_TIMEOUT, "the page is still mapped");
}
