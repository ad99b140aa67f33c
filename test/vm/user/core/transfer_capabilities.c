/*
 * transfer_capabilities.c — capability items across a chain A -> B -> C
 * (the root, then two agents with heaps of their own), for every pair of
 * modes: who holds what after each hop, who can revoke what, what each
 * revoke takes away, that rights never grow, and that the heap that paid
 * for each record is charged once and refunded once.
 *
 * Expected, from the mapping database (docs/design.md §4): A holds the endpoint's
 * root record R. A COPY shares the sender's record; a REVOCABLE COPY makes
 * a child of it, paid by the sender's heap; a GRANT moves the holder. A
 * revoke destroys the records below the revoker's record, so it clears
 * exactly the holders whose record lies strictly below.
 */
#include "transfer.h"

static const char *const mode_names[] = { "COPY", "REVOCABLE COPY", "GRANT" };

/* TEST_CHECK_EQUAL naming the chain (name1, name2 in scope). */
#define CHAIN_CHECK_EQUAL(actual, expected, what)                                         \
    TEST_CHECK((actual) == (expected), "%s/%s: %s: got %lld, expected %lld", name1, name2, (what), \
               (long long)(actual), (long long)(expected))

struct chain {
    struct agent b, c;
    unsigned endpoint, keep;            /* the root's slots: A's capability, and a COPY kept for teardown */
    uint32_t boot_records, b_records, c_records;
};

static int chain_start(struct chain *k)
{
    int error = agent_start(&k->b, 0, 12);

    if (!error)
        error = agent_start(&k->c, 1, 12);
    /* B forwards to C; C forwards back to B (to show that rights do not grow). */
    if (!error)
        error = agent_give(&k->b, k->c.endpoint, AGENT_TARGET, BURSAR_RIGHT_WRITE);
    if (!error)
        error = agent_give(&k->c, k->b.endpoint, AGENT_TARGET, BURSAR_RIGHT_WRITE);
    k->endpoint = core_slot();
    k->keep = core_slot();
    return error;
}

/* The root sends one capability item to B; what B got, in *got. */
static int send_capability(struct agent *to, unsigned slot, unsigned rights, unsigned mode, uint32_t badge,
                           struct l4_item *got)
{
    struct l4_msg m;
    int error;

    l4_msg_start(&m, AGENT_TAKE);
    l4_msg_append_capability(&m, slot, rights, mode, badge);
    error = agent_call(to, &m);
    if (error)
        return error;
    /* The reply's words: the item count, then the items as B received them. */
    m.tag = BURSAR_TAG(0, 0, m.mr[0]);
    for (unsigned i = 0; i + 1 < BURSAR_MESSAGE_REGISTERS; i++)
        m.mr[i] = m.mr[i + 1];
    return l4_msg_item(&m, 0, got) ? 0 : -1;
}

/* B forwards its slot to C with one capability item; B's status. */
static int forward_capability(struct agent *from, unsigned slot, unsigned rights, unsigned mode, uint32_t badge)
{
    struct l4_msg m;
    int error;

    l4_msg_start(&m, AGENT_FORWARD);
    l4_msg_append(&m, 1);
    l4_msg_append(&m, BURSAR_ITEM_CAPABILITY_WORD(slot, rights, mode));
    l4_msg_append(&m, badge);
    error = agent_call(from, &m);
    return error ? error : (int)m.mr[0];
}

static bool holds(struct agent *a, unsigned slot, struct agent_capability *cap)
{
    return agent_inspect(a, slot, cap) == 0 && cap->type == BURSAR_OBJECT_ENDPOINT;
}

static void take_ledgers(struct chain *k)
{
    k->boot_records = heap_live(BURSAR_SLOT_HEAP, BURSAR_HEAP_RECORD);
    k->b_records = heap_live(k->b.heap, BURSAR_HEAP_RECORD);
    k->c_records = heap_live(k->c.heap, BURSAR_HEAP_RECORD);
}

/*
 * One chain: A -> B by `first`, B -> C by `second`, then B revokes, then A
 * revokes, then A destroys the endpoint. Checks every holder and every
 * ledger after every step.
 */
static void run_chain(struct test_result *result, struct chain *k, unsigned first, unsigned second)
{
    const unsigned rc = BURSAR_REVOCABLE_COPY;
    const char *name1 = mode_names[first], *name2 = mode_names[second];
    struct agent_capability cap;
    struct l4_cap_info own;
    struct l4_item got;
    bool b_holds, c_holds, c_cleared_by_b;
    uint32_t badge = 0x400 + first * 3 + second;

    TEST_CHECK_EQUAL(l4_create(BURSAR_SLOT_HEAP, BURSAR_OBJECT_ENDPOINT, k->endpoint, 0), 0, "endpoint");
    TEST_CHECK_EQUAL(l4_cap_copy(k->endpoint, k->keep, BURSAR_RIGHTS_ALL, 0), 0, "a copy to destroy it with");
    take_ledgers(k);

    /* A -> B. */
    CHAIN_CHECK_EQUAL(send_capability(&k->b, k->endpoint, BURSAR_RIGHTS_ALL, first, badge, &got), 0, "A sends to B");
    TEST_CHECK(got.kind == BURSAR_ITEM_CAPABILITY && got.slot == AGENT_WINDOW && got.badge == badge &&
               got.mode == first && got.rights == BURSAR_RIGHTS_ALL,
               "%s/%s: B was told kind %u slot %u badge %x mode %u rights %x", name1, name2, got.kind, got.slot,
               got.badge, got.mode, got.rights);
    TEST_CHECK(holds(&k->b, AGENT_WINDOW, &cap) && cap.badge == badge && cap.rights == BURSAR_RIGHTS_ALL,
               "%s/%s: B's window slot: type %u badge %x rights %x", name1, name2, cap.type, cap.badge, cap.rights);
    TEST_CHECK_EQUAL(l4_cap_inspect(k->endpoint, &own), 0, "inspect A's slot");
    TEST_CHECK(first == BURSAR_GRANT ? own.type == BURSAR_OBJECT_NONE && !own.revoked
                                     : own.type == BURSAR_OBJECT_ENDPOINT,
               "%s/%s: A's slot after the send: type %u revoked %u", name1, name2, own.type, own.revoked);
    CHAIN_CHECK_EQUAL(heap_live(BURSAR_SLOT_HEAP, BURSAR_HEAP_RECORD), k->boot_records + (first == rc), "records in A's heap after A -> B");
    CHAIN_CHECK_EQUAL(heap_live(k->b.heap, BURSAR_HEAP_RECORD), k->b_records, "B's heap after A -> B");

    /* B -> C, with fewer rights (no CONTROL). */
    CHAIN_CHECK_EQUAL(forward_capability(&k->b, AGENT_WINDOW, BURSAR_RIGHT_READ | BURSAR_RIGHT_WRITE |
                                        BURSAR_RIGHT_GRANT, second, 0), 0, "B forwards to C");
    TEST_CHECK(holds(&k->c, AGENT_WINDOW, &cap) && cap.badge == badge &&
               cap.rights == (BURSAR_RIGHT_READ | BURSAR_RIGHT_WRITE | BURSAR_RIGHT_GRANT),
               "%s/%s: C's slot: type %u badge %x rights %x", name1, name2, cap.type, cap.badge, cap.rights);
    b_holds = holds(&k->b, AGENT_WINDOW, &cap);
    TEST_CHECK(b_holds == (second != BURSAR_GRANT), "%s/%s: B still holds: %u", name1, name2, b_holds);
    CHAIN_CHECK_EQUAL(heap_live(k->b.heap, BURSAR_HEAP_RECORD), k->b_records + (second == rc), "records in B's heap after B -> C");
    CHAIN_CHECK_EQUAL(heap_live(k->c.heap, BURSAR_HEAP_RECORD), k->c_records, "C's heap");

    /* Rights never grow: C cannot pass on CONTROL it does not have; nothing changes. */
    CHAIN_CHECK_EQUAL(forward_capability(&k->c, AGENT_WINDOW, BURSAR_RIGHTS_ALL, BURSAR_COPY, 0),
                     -BURSAR_E_NO_RIGHTS, "C passes on more rights than it has");
    TEST_CHECK(!holds(&k->b, AGENT_WINDOW + (b_holds ? 1 : 0), &cap), "%s/%s: B got something from C",
               name1, name2);

    /* C's own revoke: it derived nothing, so nothing happens. */
    CHAIN_CHECK_EQUAL(agent_do(&k->c, AGENT_REVOKE, AGENT_WINDOW, 0, 0, &(struct l4_msg){ 0 }), 0, "C revokes");
    TEST_CHECK(holds(&k->c, AGENT_WINDOW, &cap), "%s/%s: C lost its own capability", name1, name2);

    /* B revokes: C goes only if C's record is a child of B's (B -> C was a REVOCABLE COPY). */
    CHAIN_CHECK_EQUAL(agent_do(&k->b, AGENT_REVOKE, AGENT_WINDOW, 0, 0, &(struct l4_msg){ 0 }),
                     b_holds ? 0 : -BURSAR_E_EMPTY_SLOT, "B revokes");
    c_cleared_by_b = second == rc;
    c_holds = holds(&k->c, AGENT_WINDOW, &cap);
    TEST_CHECK(c_holds == !c_cleared_by_b && cap.revoked == c_cleared_by_b,
               "%s/%s: after B's revoke C holds %u (revoked %u)", name1, name2, c_holds, cap.revoked);
    TEST_CHECK(holds(&k->b, AGENT_WINDOW, &cap) == b_holds, "%s/%s: B's own capability after its revoke",
               name1, name2);
    CHAIN_CHECK_EQUAL(heap_live(k->b.heap, BURSAR_HEAP_RECORD), k->b_records, "B's heap after B's revoke (refunded once)");

    /* A revokes its root record: every holder of a record strictly below R goes. */
    if (first != BURSAR_GRANT) {
        bool b_below = first == rc, c_below = first == rc || second == rc;
        CHAIN_CHECK_EQUAL(l4_cap_revoke(k->endpoint), 0, "A revokes");
        TEST_CHECK(holds(&k->b, AGENT_WINDOW, &cap) == (b_holds && !b_below),
                   "%s/%s: after A's revoke B holds %u", name1, name2, cap.type != 0);
        TEST_CHECK(holds(&k->c, AGENT_WINDOW, &cap) == (c_holds && !c_below),
                   "%s/%s: after A's revoke C holds %u", name1, name2, cap.type != 0);
        TEST_CHECK_EQUAL(l4_cap_inspect(k->endpoint, &own), 0, "inspect");
        CHAIN_CHECK_EQUAL(own.type, BURSAR_OBJECT_ENDPOINT, "A keeps its own");
    } else {
        CHAIN_CHECK_EQUAL(l4_cap_revoke(k->endpoint), -BURSAR_E_EMPTY_SLOT, "A gave its slot away");
    }
    CHAIN_CHECK_EQUAL(heap_live(BURSAR_SLOT_HEAP, BURSAR_HEAP_RECORD), k->boot_records,
                      "A's heap after A's revoke (refunded once)");
    CHAIN_CHECK_EQUAL(heap_live(k->b.heap, BURSAR_HEAP_RECORD), k->b_records, "B's heap");

    /* Destroying the endpoint clears whatever is left; every ledger is back where it started. */
    TEST_CHECK_EQUAL(l4_destroy(k->keep), 0, "destroy the endpoint");
    TEST_CHECK(!holds(&k->b, AGENT_WINDOW, &cap) && !holds(&k->c, AGENT_WINDOW, &cap),
               "%s/%s: a holder outlived the endpoint", name1, name2);
    TEST_CHECK(heap_live(BURSAR_SLOT_HEAP, BURSAR_HEAP_RECORD) == k->boot_records &&
               heap_live(k->b.heap, BURSAR_HEAP_RECORD) == k->b_records &&
               heap_live(k->c.heap, BURSAR_HEAP_RECORD) == k->c_records, "%s/%s: records after the destroy",
               name1, name2);
    /* Empty the windows (revoked slots say so until deleted) for the next chain. */
    agent_do(&k->b, AGENT_DELETE, AGENT_WINDOW, 0, 0, &(struct l4_msg){ 0 });
    agent_do(&k->c, AGENT_DELETE, AGENT_WINDOW, 0, 0, &(struct l4_msg){ 0 });
    l4_cap_delete(k->endpoint);
    l4_cap_delete(k->keep);
}

static void run_chains_starting_with(struct test_result *result, unsigned first)
{
    static struct chain k;

    TEST_CHECK_EQUAL(chain_start(&k), 0, "start the agents");
    for (unsigned second = BURSAR_COPY; second <= BURSAR_GRANT; second++) {
        run_chain(result, &k, first, second);
        if (result->failed)
            return;
    }
}

USER_TEST(400, capability_chains_starting_with_copy)
{
    run_chains_starting_with(result, BURSAR_COPY);
}

USER_TEST(401, capability_chains_starting_with_revocable_copy)
{
    run_chains_starting_with(result, BURSAR_REVOCABLE_COPY);
}

USER_TEST(402, capability_chains_starting_with_grant)
{
    run_chains_starting_with(result, BURSAR_GRANT);
}

/*
 * Deleting a capability (docs/design.md §4): deleting the last holder of a record
 * revokes the record's subtree and frees it to its payer; deleting one of
 * several holders of a record (a COPY shares it) takes only that holder.
 */
USER_TEST(403, deleting_the_last_holder_of_a_record_revokes_what_came_from_it)
{
    static struct chain k;
    const char *name1 = "REVOCABLE COPY", *name2 = "delete";
    struct agent_capability cap;
    struct l4_item got;
    struct l4_msg m;

    TEST_CHECK_EQUAL(chain_start(&k), 0, "start the agents");
    TEST_CHECK_EQUAL(l4_create(BURSAR_SLOT_HEAP, BURSAR_OBJECT_ENDPOINT, k.endpoint, 0), 0, "endpoint");
    take_ledgers(&k);
    /* A -> B revocable (A pays rB), B -> C revocable (B pays rC below rB). B deletes: rB had one holder. */
    CHAIN_CHECK_EQUAL(send_capability(&k.b, k.endpoint, BURSAR_RIGHTS_ALL, BURSAR_REVOCABLE_COPY, 0, &got), 0,
                      "A -> B");
    CHAIN_CHECK_EQUAL(forward_capability(&k.b, AGENT_WINDOW, BURSAR_RIGHTS_ALL, BURSAR_REVOCABLE_COPY, 0), 0,
                      "B -> C");
    CHAIN_CHECK_EQUAL(agent_do(&k.b, AGENT_DELETE, AGENT_WINDOW, 0, 0, &m), 0, "B deletes");
    TEST_CHECK(agent_inspect(&k.c, AGENT_WINDOW, &cap) == 0 && cap.type == BURSAR_OBJECT_NONE && cap.revoked,
               "C after B's delete: type %u revoked %u", cap.type, cap.revoked);
    TEST_CHECK(agent_inspect(&k.b, AGENT_WINDOW, &cap) == 0 && cap.type == BURSAR_OBJECT_NONE && !cap.revoked,
               "B's own slot after its delete: type %u revoked %u", cap.type, cap.revoked);
    CHAIN_CHECK_EQUAL(heap_live(BURSAR_SLOT_HEAP, BURSAR_HEAP_RECORD), k.boot_records, "A's heap refunded");
    CHAIN_CHECK_EQUAL(heap_live(k.b.heap, BURSAR_HEAP_RECORD), k.b_records, "B's heap refunded");
    agent_do(&k.c, AGENT_DELETE, AGENT_WINDOW, 0, 0, &m);

    /* A -> B revocable, B -> C COPY (C shares rB). B deletes: rB keeps C's holder, A still pays for it. */
    name2 = "COPY, then delete";
    CHAIN_CHECK_EQUAL(send_capability(&k.b, k.endpoint, BURSAR_RIGHTS_ALL, BURSAR_REVOCABLE_COPY, 0, &got), 0,
                      "A -> B");
    CHAIN_CHECK_EQUAL(forward_capability(&k.b, AGENT_WINDOW, BURSAR_RIGHTS_ALL, BURSAR_COPY, 0), 0, "B -> C");
    CHAIN_CHECK_EQUAL(agent_do(&k.b, AGENT_DELETE, AGENT_WINDOW, 0, 0, &m), 0, "B deletes");
    TEST_CHECK(agent_inspect(&k.c, AGENT_WINDOW, &cap) == 0 && cap.type == BURSAR_OBJECT_ENDPOINT,
               "C after B's delete: type %u", cap.type);
    CHAIN_CHECK_EQUAL(heap_live(BURSAR_SLOT_HEAP, BURSAR_HEAP_RECORD), k.boot_records + 1, "A still pays for rB");
    CHAIN_CHECK_EQUAL(agent_do(&k.c, AGENT_DELETE, AGENT_WINDOW, 0, 0, &m), 0, "C deletes the last holder");
    CHAIN_CHECK_EQUAL(heap_live(BURSAR_SLOT_HEAP, BURSAR_HEAP_RECORD), k.boot_records, "A's heap refunded");
    TEST_CHECK_EQUAL(l4_destroy(k.endpoint), 0, "destroy the endpoint");
}
