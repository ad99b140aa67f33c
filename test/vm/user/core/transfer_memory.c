/*
 * transfer_memory.c — memory items across a chain A -> B -> C, for every
 * pair of modes: where each page lands, who can revoke what (SYS_UNMAP's
 * two modes), what each revoke takes away, that rights never grow, that the
 * heap that paid for each record and page table is charged once and
 * refunded once, and that a page table goes back when its last entry goes.
 *
 * Expected (docs/design.md §4): A's page is the frame's root mapping R. REVOCABLE
 * COPY makes a child record paid by the sender; COPY a child paid by the
 * receiver and flagged COPY; GRANT moves the sender's record. A revoke
 * (BURSAR_UNMAP_DERIVED) destroys the records below the revoker's, except
 * direct COPY children, whose own subtrees it leaves alone too.
 */
#include "transfer.h"

static const char *const mode_names[] = { "COPY", "REVOCABLE COPY", "GRANT" };

#define RW (BURSAR_RIGHT_READ | BURSAR_RIGHT_WRITE)

#define CHAIN_CHECK_EQUAL(actual, expected, what)                                         \
    TEST_CHECK((actual) == (expected), "%s/%s: %s: got %lld, expected %lld", name1, name2, (what), \
               (long long)(actual), (long long)(expected))

struct ledger {
    uint32_t records, tables, shadows;
};

struct memory_chain {
    struct agent b, c;
    unsigned probe_endpoint;               /* the root's: nobody receives on it */
    struct ledger a, b_heap, c_heap;       /* at the start of a chain */
};

static struct ledger ledger_of(unsigned heap)
{
    return (struct ledger){ heap_live(heap, BURSAR_HEAP_RECORD), heap_live(heap, BURSAR_HEAP_PAGE_TABLE),
                            heap_live(heap, BURSAR_HEAP_SHADOW) };
}

static bool ledger_is(unsigned heap, struct ledger base, int records, int tables)
{
    struct ledger now = ledger_of(heap);

    return now.records == base.records + records && now.tables == base.tables + tables &&
           now.shadows == base.shadows + tables;
}

static int memory_chain_start(struct memory_chain *k)
{
    uintptr_t pin;
    uint32_t frame;
    int error = agent_start(&k->b, 0, 12);

    if (!error)
        error = agent_start(&k->c, 1, 12);
    if (!error)
        error = agent_give(&k->b, k->c.endpoint, AGENT_TARGET, BURSAR_RIGHT_WRITE);
    if (!error)
        error = agent_give(&k->c, k->b.endpoint, AGENT_TARGET, BURSAR_RIGHT_WRITE);
    k->probe_endpoint = core_slot();
    if (!error)
        error = l4_create(BURSAR_SLOT_HEAP, BURSAR_OBJECT_ENDPOINT, k->probe_endpoint, 0);
    /* A page that stays: the root's scratch page table never comes and goes under the ledgers. */
    if (!error)
        error = core_map_fresh_page(&pin, &frame);
    return error;
}

/* Where an item from `address` lands in an agent's window. */
static uintptr_t landing(uintptr_t address)
{
    return AGENT_MEMORY_WINDOW + (address & ((1u << AGENT_MEMORY_LOG2) - 1));
}

/* The root sends one memory item to an agent; the address it reports, in *where. */
int transfer_send_memory(struct agent *to, uintptr_t base, unsigned log2, unsigned rights, unsigned mode,
                         uintptr_t *where)
{
    struct l4_msg m;
    struct l4_item got;
    int error;

    l4_msg_start(&m, AGENT_TAKE);
    l4_msg_append_memory(&m, base, log2, rights, mode);
    error = agent_call(to, &m);
    if (error)
        return error;
    m.tag = BURSAR_TAG(0, 0, m.mr[0]);
    for (unsigned i = 0; i + 1 < BURSAR_MESSAGE_REGISTERS; i++)
        m.mr[i] = m.mr[i + 1];
    if (!l4_msg_item(&m, 0, &got) || got.kind != BURSAR_ITEM_MEMORY || got.log2_size != log2 ||
        got.rights != rights || got.mode != mode)
        return -1000;
    *where = got.address;
    return 0;
}

/* An agent forwards a memory item to its target; the agent's status. */
int transfer_forward_memory(struct agent *from, uintptr_t base, unsigned log2, unsigned rights, unsigned mode)
{
    struct l4_msg m;
    int error;

    l4_msg_start(&m, AGENT_FORWARD);
    l4_msg_append(&m, 1);
    l4_msg_append(&m, BURSAR_ITEM_MEMORY_WORD(log2, rights, mode));
    l4_msg_append(&m, (uint32_t)base);
    error = agent_call(from, &m);
    return error ? error : (int)m.mr[0];
}

static bool agent_maps(struct agent *a, uintptr_t address, unsigned rights)
{
    return agent_probe(a, address, rights) == -BURSAR_E_TIMEOUT;
}

static uint32_t agent_read(struct agent *a, uintptr_t address)
{
    struct l4_msg m;

    return (uint32_t)agent_do(a, AGENT_READ, address, 0, 0, &m);
}

static void run_memory_chain(struct test_result *result, struct memory_chain *k, unsigned first, unsigned second)
{
    const unsigned rc = BURSAR_REVOCABLE_COPY, cp = BURSAR_COPY, grant = BURSAR_GRANT;
    const char *name1 = mode_names[first], *name2 = mode_names[second];
    unsigned bc_rights = second == grant ? RW : BURSAR_RIGHT_READ;   /* a GRANT moves the mapping unchanged */
    uintptr_t page, in_b, in_c, where = 0;
    uint32_t frame, marker = 0x3e3000 + first * 3 + second;
    bool b_maps, c_maps, c_below_b, b_below_a, c_below_a;
    struct l4_msg m;

    TEST_CHECK_EQUAL(core_map_fresh_page(&page, &frame), 0, "a fresh page");
    *(volatile uint32_t *)page = marker;
    in_b = landing(page);
    in_c = landing(in_b);
    k->a = ledger_of(BURSAR_SLOT_HEAP), k->b_heap = ledger_of(k->b.heap), k->c_heap = ledger_of(k->c.heap);

    /* A -> B, read-write. B's window has no page table yet: B's heap pays one. */
    CHAIN_CHECK_EQUAL(transfer_send_memory(&k->b, page, 12, RW, first, &where), 0, "A sends to B");
    CHAIN_CHECK_EQUAL(where, in_b, "where B was told the page is");
    TEST_CHECK(agent_maps(&k->b, in_b, RW) && agent_read(&k->b, in_b) == marker, "%s/%s: B's page", name1, name2);
    TEST_CHECK((root_probe(k->probe_endpoint, page, BURSAR_RIGHT_READ) == -BURSAR_E_TIMEOUT) == (first != grant),
               "%s/%s: A's own page after the send", name1, name2);
    TEST_CHECK(ledger_is(BURSAR_SLOT_HEAP, k->a, first == rc, 0), "%s/%s: A's heap after A -> B", name1, name2);
    TEST_CHECK(ledger_is(k->b.heap, k->b_heap, first == cp, 1), "%s/%s: B's heap after A -> B", name1, name2);

    /* B -> C, read-only (unless a GRANT, which moves the mapping as it is). */
    CHAIN_CHECK_EQUAL(transfer_forward_memory(&k->b, in_b, 12, bc_rights, second), 0, "B forwards to C");
    TEST_CHECK(agent_maps(&k->c, in_c, bc_rights) && agent_read(&k->c, in_c) == marker, "%s/%s: C's page",
               name1, name2);
    TEST_CHECK(second == grant || agent_probe(&k->c, in_c, RW) == -BURSAR_E_NO_RIGHTS,
               "%s/%s: C can write a read-only page", name1, name2);
    b_maps = agent_maps(&k->b, in_b, BURSAR_RIGHT_READ);
    TEST_CHECK(b_maps == (second != grant), "%s/%s: B still maps: %u", name1, name2, b_maps);
    TEST_CHECK(ledger_is(k->b.heap, k->b_heap, (first == cp) + (second == rc), second == grant ? 0 : 1),
               "%s/%s: B's heap after B -> C", name1, name2);
    TEST_CHECK(ledger_is(k->c.heap, k->c_heap, second == cp, 1), "%s/%s: C's heap after B -> C", name1, name2);

    /* Rights never grow: C cannot pass on WRITE it lacks (nothing changes; B's window slot stays free). */
    if (second != grant) {
        CHAIN_CHECK_EQUAL(transfer_forward_memory(&k->c, in_c, 12, RW, cp), -BURSAR_E_NO_RIGHTS,
                          "C passes on more rights than it has");
        TEST_CHECK(ledger_is(k->c.heap, k->c_heap, second == cp, 1), "%s/%s: C's heap after the refusal",
                   name1, name2);
    }

    /* B revokes: C goes only if its record is a non-COPY child of B's (B -> C a REVOCABLE COPY). */
    CHAIN_CHECK_EQUAL(agent_do(&k->b, AGENT_UNMAP, in_b, 1, BURSAR_UNMAP_DERIVED, &m), 0, "B revokes");
    c_below_b = second == rc;
    c_maps = agent_maps(&k->c, in_c, BURSAR_RIGHT_READ);
    TEST_CHECK(c_maps == !c_below_b, "%s/%s: after B's revoke C maps %u", name1, name2, c_maps);
    TEST_CHECK(agent_maps(&k->b, in_b, BURSAR_RIGHT_READ) == b_maps, "%s/%s: B's own page after its revoke",
               name1, name2);
    TEST_CHECK(ledger_is(k->b.heap, k->b_heap, first == cp, b_maps ? 1 : 0),
               "%s/%s: B's heap after B's revoke", name1, name2);
    TEST_CHECK(ledger_is(k->c.heap, k->c_heap, c_maps && second == cp, c_maps ? 1 : 0),
               "%s/%s: C's heap after B's revoke (its table freed when empty)", name1, name2);

    /* A revokes: a direct COPY child (and all below it) is spared; everything else below R goes. */
    CHAIN_CHECK_EQUAL(l4_unmap_derived(page, 1), 0, "A revokes");
    b_below_a = first == rc;
    c_below_a = first == rc;
    if (first != grant) {
        TEST_CHECK(agent_maps(&k->b, in_b, BURSAR_RIGHT_READ) == (b_maps && !b_below_a),
                   "%s/%s: after A's revoke B maps", name1, name2);
        TEST_CHECK(agent_maps(&k->c, in_c, BURSAR_RIGHT_READ) == (c_maps && !c_below_a),
                   "%s/%s: after A's revoke C maps", name1, name2);
        TEST_CHECK(root_probe(k->probe_endpoint, page, RW) == -BURSAR_E_TIMEOUT, "%s/%s: A keeps its own page",
                   name1, name2);
        c_maps = c_maps && !c_below_a;
        b_maps = b_maps && !b_below_a;
    }
    TEST_CHECK(ledger_is(BURSAR_SLOT_HEAP, k->a, 0, 0), "%s/%s: A's heap after A's revoke (refunded once)",
               name1, name2);
    TEST_CHECK(ledger_is(k->c.heap, k->c_heap, c_maps && second == cp, c_maps ? 1 : 0),
               "%s/%s: C's heap after A's revoke", name1, name2);

    /* Everyone deletes what is left; every ledger is back where the chain started. */
    CHAIN_CHECK_EQUAL(agent_do(&k->c, AGENT_UNMAP, in_c, 1, BURSAR_UNMAP_OWN, &m), 0, "C unmaps");
    CHAIN_CHECK_EQUAL(agent_do(&k->b, AGENT_UNMAP, in_b, 1, BURSAR_UNMAP_OWN, &m), 0, "B unmaps");
    CHAIN_CHECK_EQUAL(l4_unmap(page, 1), 0, "A unmaps");
    TEST_CHECK(ledger_is(BURSAR_SLOT_HEAP, k->a, 0, 0) && ledger_is(k->b.heap, k->b_heap, 0, 0) &&
               ledger_is(k->c.heap, k->c_heap, 0, 0), "%s/%s: ledgers at the end", name1, name2);
}

static void run_memory_chains_starting_with(struct test_result *result, unsigned first)
{
    static struct memory_chain k;

    TEST_CHECK_EQUAL(memory_chain_start(&k), 0, "start the agents");
    for (unsigned second = BURSAR_COPY; second <= BURSAR_GRANT; second++) {
        run_memory_chain(result, &k, first, second);
        if (result->failed)
            return;
    }
}

USER_TEST(410, memory_chains_starting_with_copy)
{
    run_memory_chains_starting_with(result, BURSAR_COPY);
}

USER_TEST(411, memory_chains_starting_with_revocable_copy)
{
    run_memory_chains_starting_with(result, BURSAR_REVOCABLE_COPY);
}

USER_TEST(412, memory_chains_starting_with_grant)
{
    run_memory_chains_starting_with(result, BURSAR_GRANT);
}

/*
 * Deleting a mapping (BURSAR_UNMAP_OWN) is not a revoke: the mapping is
 * the only holder of its record, so the record goes with everything below
 * it, memory COPYs included, each record back to its payer.
 */
USER_TEST(413, deleting_a_mapping_takes_the_copies_made_from_it)
{
    static struct memory_chain k;
    uintptr_t page, in_b, in_c, where;
    uint32_t frame;
    struct ledger b0, c0;
    struct l4_msg m;
    const char *name1 = "REVOCABLE COPY", *name2 = "COPY";

    TEST_CHECK_EQUAL(memory_chain_start(&k), 0, "start the agents");
    TEST_CHECK_EQUAL(core_map_fresh_page(&page, &frame), 0, "a fresh page");
    in_b = landing(page);
    in_c = landing(in_b);
    b0 = ledger_of(k.b.heap), c0 = ledger_of(k.c.heap);
    CHAIN_CHECK_EQUAL(transfer_send_memory(&k.b, page, 12, RW, BURSAR_REVOCABLE_COPY, &where), 0, "A maps to B");
    CHAIN_CHECK_EQUAL(transfer_forward_memory(&k.b, in_b, 12, BURSAR_RIGHT_READ, BURSAR_COPY), 0, "B copies to C");
    TEST_CHECK(ledger_is(k.c.heap, c0, 1, 1), "C paid for its record and table");
    CHAIN_CHECK_EQUAL(agent_do(&k.b, AGENT_UNMAP, in_b, 1, BURSAR_UNMAP_OWN, &m), 0, "B deletes its mapping");
    TEST_CHECK(!agent_maps(&k.b, in_b, BURSAR_RIGHT_READ) && !agent_maps(&k.c, in_c, BURSAR_RIGHT_READ),
               "B's or C's page survived B's delete");
    TEST_CHECK(ledger_is(k.b.heap, b0, 0, 0) && ledger_is(k.c.heap, c0, 0, 0), "B's and C's heaps refunded");
    TEST_CHECK(root_probe(k.probe_endpoint, page, RW) == -BURSAR_E_TIMEOUT, "A's page survived");
}

/* A flexpage of two pages: two records, both pages at the window's matching offset. */
USER_TEST(414, a_two_page_flexpage_maps_two_pages)
{
    static struct memory_chain k;
    uintptr_t base, where;
    uint32_t frame;
    struct ledger a0;

    TEST_CHECK_EQUAL(memory_chain_start(&k), 0, "start the agents");
    do
        base = core_scratch_page();
    while (base % 8192);
    TEST_CHECK_EQUAL(l4_frame_map(BURSAR_SLOT_MEMORY, core_frame(), base, RW), 0, "first page");
    TEST_CHECK_EQUAL(l4_frame_map(BURSAR_SLOT_MEMORY, core_frame(), base + 4096, RW), 0, "second page");
    (void)frame;
    *(volatile uint32_t *)(base + 4096) = 0x2a9e;
    a0 = ledger_of(BURSAR_SLOT_HEAP);
    TEST_CHECK_EQUAL(transfer_send_memory(&k.b, base, 13, RW, BURSAR_REVOCABLE_COPY, &where), 0, "send 8 KiB");
    TEST_CHECK_EQUAL(where, landing(base), "where it landed");
    TEST_CHECK(ledger_is(BURSAR_SLOT_HEAP, a0, 2, 0), "two records from A's heap");
    TEST_CHECK(agent_maps(&k.b, where, RW) && agent_maps(&k.b, where + 4096, RW), "both pages in B");
    TEST_CHECK_EQUAL(agent_read(&k.b, where + 4096), 0x2a9e, "the second page's word");
    TEST_CHECK_EQUAL(l4_unmap_derived(base, 2), 0, "A revokes both");
    TEST_CHECK(!agent_maps(&k.b, where, BURSAR_RIGHT_READ) && !agent_maps(&k.b, where + 4096, BURSAR_RIGHT_READ),
               "B kept a page");
    TEST_CHECK(ledger_is(BURSAR_SLOT_HEAP, a0, 0, 0), "A's heap refunded");
}
