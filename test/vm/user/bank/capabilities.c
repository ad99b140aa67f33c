/*
 * capabilities.c — what a bank capability may do (bank_tests 982, 987,
 * 988): each restriction refuses exactly what it must, restricted
 * capabilities only make more restricted ones, the brand check tells
 * genuine banks from look-alikes, and object quotas and depth are bounded.
 */
#include "bank_tests.h"

#define PAGE_SIZE 4096u

USER_TEST(982, each_restricted_capability_refuses_what_it_must)
{
    unsigned a, no_destroy = bt_slot(), no_limits = bt_slot(), buy_only = bt_slot(), again = bt_slot();
    unsigned both = bt_slot(), heap = bt_slot(), heap2 = bt_slot();
    uint32_t frame, origin, handle, genuine, restrictions, returned, moved, destroyed, pages, x;
    uintptr_t page = bt_pages(1);
    struct l4_bank_stats s, before, after;

    TEST_CHECK_EQUAL(bt_child(BT_ROOT, 100, 10, &a), 0, "bank A");
    TEST_CHECK_EQUAL(bank_restricted(a, BANK_NO_DESTROY, no_destroy), 0, "no destroy");
    TEST_CHECK_EQUAL(bank_restricted(a, BANK_NO_LIMITS, no_limits), 0, "no limits");
    TEST_CHECK_EQUAL(bank_restricted(a, BANK_BUY_ONLY, buy_only), 0, "buy only");
    TEST_CHECK_EQUAL(bank_restricted(a, 8, again), -BURSAR_E_INVALID_ARGUMENT, "an unknown restriction");

    /* Buy only: buying, heaps and funding them; nothing else. */
    TEST_CHECK_EQUAL(bank_buy(buy_only, page, 0, page, 12, &frame, NULL, NULL), 0, "buy");
    TEST_CHECK_EQUAL(bank_heap_create(buy_only, 1, 0, 0, BURSAR_TIMEOUT_NEVER, heap, &handle), 0, "a heap");
    TEST_CHECK_EQUAL(bank_heap_fund(buy_only, handle, 1), 0, "fund it");
    TEST_CHECK_EQUAL(bank_return_frames(buy_only, frame, 1), -BANK_E_RESTRICTED, "return");
    TEST_CHECK_EQUAL(bank_origin(buy_only, frame, &origin), -BANK_E_RESTRICTED, "origin");
    TEST_CHECK_EQUAL(l4_bank_stats(buy_only, &s), -BANK_E_RESTRICTED, "stats");
    TEST_CHECK_EQUAL(bank_child_stats(buy_only, 0, &x, &x, &x, &x, &x, &x, &x, &x), -BANK_E_RESTRICTED, "child stats");
    TEST_CHECK_EQUAL(bank_create_child(buy_only, 10, 0, bt_slot()), -BANK_E_RESTRICTED, "a child");
    TEST_CHECK_EQUAL(bank_set_limit(buy_only, 1000), -BANK_E_RESTRICTED, "the limit");
    TEST_CHECK_EQUAL(bank_destroy(buy_only), -BANK_E_RESTRICTED, "destroy");
    TEST_CHECK_EQUAL(bank_heap_reclaim(buy_only, handle, 1, &returned, &moved, &destroyed), -BANK_E_RESTRICTED,
                     "reclaim");
    TEST_CHECK_EQUAL(bank_heap_destroy(buy_only, handle, &pages), -BANK_E_RESTRICTED, "destroy the heap");
    TEST_CHECK_EQUAL(bank_heap_configure(buy_only, handle, 0, 1, 0), -BANK_E_RESTRICTED, "configure the heap");
    TEST_CHECK_EQUAL(bank_heap_stats(buy_only, handle, &x, &x, &x, &x, &x, &x), -BANK_E_RESTRICTED, "heap figures");
    /* A restricted capability makes only more restricted ones: asking for none keeps buy-only. */
    TEST_CHECK_EQUAL(bank_restricted(buy_only, 0, again), 0, "restricted(0) of buy-only");
    TEST_CHECK_EQUAL(l4_bank_stats(again, &s), -BANK_E_RESTRICTED, "still buy-only");
    TEST_CHECK_EQUAL(bank_verify(a, again, &genuine, &restrictions), 0, "verify it");
    TEST_CHECK(genuine == BANK_GENUINE && restrictions == BANK_BUY_ONLY, "genuine %u, restrictions %u", genuine,
               restrictions);

    /* No limits: everything but the limit. */
    TEST_CHECK_EQUAL(bank_set_limit(no_limits, 1000), -BANK_E_RESTRICTED, "the limit");
    TEST_CHECK_EQUAL(l4_bank_stats(no_limits, &s), 0, "stats");
    TEST_CHECK_EQUAL(s.limit, 100, "the limit is as it was");
    TEST_CHECK_EQUAL(bank_origin(no_limits, frame, &origin), 0, "origin");
    TEST_CHECK_EQUAL(bank_heap_stats(no_limits, handle, &x, &x, &x, &x, &x, &x), 0, "heap figures");
    /* No destroy: everything but destroy; more restrictions add up. */
    TEST_CHECK_EQUAL(bank_destroy(no_destroy), -BANK_E_RESTRICTED, "destroy");
    TEST_CHECK_EQUAL(bank_set_limit(no_destroy, 90), 0, "the limit");
    TEST_CHECK_EQUAL(bank_restricted(no_destroy, BANK_NO_LIMITS, both), 0, "no destroy, no limits");
    TEST_CHECK_EQUAL(bank_set_limit(both, 100), -BANK_E_RESTRICTED, "the limit, through both");
    TEST_CHECK_EQUAL(bank_destroy(both), -BANK_E_RESTRICTED, "destroy, through both");
    TEST_CHECK_EQUAL(bank_heap_create(both, 1, 0, 0, BURSAR_TIMEOUT_NEVER, heap2, &handle), 0, "a heap, through both");
    TEST_CHECK_EQUAL(bank_return_frames(both, frame, 1), 0, "return, through both");

    /* The refusals changed nothing: only what was allowed shows. */
    TEST_CHECK_EQUAL(l4_bank_stats(a, &before), 0, "A's figures");
    TEST_CHECK(before.limit == 90 && before.heaps == 2 && before.sold == 0 && before.children == 0,
               "A: limit %u heaps %u sold %u children %u", before.limit, before.heaps, before.sold, before.children);
    /* The full capability still does everything; no limits may still destroy. */
    TEST_CHECK_EQUAL(bank_set_limit(a, 100), 0, "the limit, through the full capability");
    TEST_CHECK_EQUAL(bank_destroy(no_limits), 0, "destroy through no-limits");
    TEST_CHECK_EQUAL(l4_bank_stats(a, &after), -BURSAR_E_DESTROYED, "A is gone");
}

USER_TEST(987, verify_tells_genuine_banks_from_look_alikes)
{
    unsigned a, fake = bt_slot(), fake_badged = bt_slot(), weak = bt_slot(), restricted = bt_slot();
    unsigned heap = bt_slot();
    uint32_t genuine, restrictions, handle;
    struct l4_cap_info info;

    TEST_CHECK_EQUAL(bt_child(BT_ROOT, 100, 4, &a), 0, "bank A");
    TEST_CHECK_EQUAL(bank_verify(BT_ROOT, a, &genuine, &restrictions), 0, "verify A");
    TEST_CHECK(genuine == BANK_GENUINE && restrictions == 0, "A: genuine %u, restrictions %u", genuine, restrictions);
    TEST_CHECK_EQUAL(bank_verify(a, BT_ROOT, &genuine, &restrictions), 0, "verify the root, asking A");
    TEST_CHECK_EQUAL(genuine, BANK_GENUINE, "the root is genuine");
    TEST_CHECK_EQUAL(bank_restricted(a, BANK_NO_DESTROY | BANK_NO_LIMITS, restricted), 0, "restricted");
    TEST_CHECK_EQUAL(bank_verify(a, restricted, &genuine, &restrictions), 0, "verify the restricted one");
    TEST_CHECK(genuine == BANK_GENUINE && restrictions == (BANK_NO_DESTROY | BANK_NO_LIMITS),
               "restricted: genuine %u, restrictions %u", genuine, restrictions);
    /*
     * A look-alike: an endpoint of ours, badged exactly as A is. Anyone can make one; it answers nothing,
     * and it is not the bank server's endpoint.
     */
    TEST_CHECK_EQUAL(l4_cap_inspect(a, &info), 0, "A's badge");
    TEST_CHECK_EQUAL(l4_create(BURSAR_SLOT_HEAP, BURSAR_OBJECT_ENDPOINT, fake, 0), 0, "a look-alike endpoint");
    TEST_CHECK_EQUAL(l4_cap_transfer(fake, BURSAR_OWN_TASK, fake_badged, BURSAR_RIGHT_WRITE | BURSAR_RIGHT_GRANT,
                                     BURSAR_COPY, info.badge), 0, "badged as A");
    TEST_CHECK_EQUAL(bank_verify(a, fake_badged, &genuine, &restrictions), 0, "verify the look-alike");
    TEST_CHECK_EQUAL(genuine, BANK_NOT_GENUINE, "the look-alike is not a bank");
    TEST_CHECK_EQUAL(bank_verify(a, fake, &genuine, &restrictions), 0, "verify an unbadged endpoint");
    TEST_CHECK_EQUAL(genuine, BANK_NOT_GENUINE, "not a bank");
    /* Other objects, and a capability that may not be passed on. */
    TEST_CHECK_EQUAL(bank_heap_create(a, 1, 0, 0, BURSAR_TIMEOUT_NEVER, heap, &handle), 0, "a heap");
    TEST_CHECK_EQUAL(bank_verify(a, heap, &genuine, &restrictions), 0, "verify a heap");
    TEST_CHECK_EQUAL(genuine, BANK_NOT_GENUINE, "a heap is not a bank");
    TEST_CHECK_EQUAL(l4_cap_transfer(a, BURSAR_OWN_TASK, weak, BURSAR_RIGHT_WRITE, BURSAR_COPY, 0), 0, "no GRANT");
    TEST_CHECK_EQUAL(bank_verify(a, weak, &genuine, &restrictions), -BURSAR_E_NO_RIGHTS,
                     "a capability without GRANT cannot be shown");
    TEST_CHECK_EQUAL(bank_verify(weak, a, &genuine, &restrictions), 0, "asking through a WRITE-only capability");
    TEST_CHECK_EQUAL(genuine, BANK_GENUINE, "is fine");
}

USER_TEST(988, object_quotas_depth_and_per_child_figures)
{
    unsigned a, c1, c2, chain[BANK_MAX_DEPTH_FOR_TESTS], deeper;
    uint32_t handle, limit, charged, sold, heap_pages, bookkeeping, children, heaps_count, quota;
    uintptr_t page = bt_pages(4);
    uint32_t frames[4];
    struct l4_bank_stats s;

    TEST_CHECK_EQUAL(bt_child(BT_ROOT, 500, 6, &a), 0, "A with 6 objects");
    TEST_CHECK_EQUAL(bank_create_child(a, 50, 6, bt_slot()), -BANK_E_NO_OBJECTS, "a child wanting all 6 and itself");
    TEST_CHECK_EQUAL(bt_child(a, 50, 1, &c1), 0, "C1 with 1 (2 of A's)");
    TEST_CHECK_EQUAL(bt_child(a, 60, 0, &c2), 0, "C2 with 0 (1 of A's)");
    for (unsigned i = 0; i < 3; i++) {
        TEST_CHECK_EQUAL_FMT(bank_heap_create(a, 0, 0, 0, BURSAR_TIMEOUT_NEVER, bt_slot(), &handle), 0, "heap %u", i);
    }
    TEST_CHECK_EQUAL(bank_heap_create(a, 0, 0, 0, BURSAR_TIMEOUT_NEVER, bt_slot(), &handle), -BANK_E_NO_OBJECTS,
                     "a fourth heap");
    TEST_CHECK_EQUAL(bank_heap_create(c2, 0, 0, 0, BURSAR_TIMEOUT_NEVER, bt_slot(), &handle), -BANK_E_NO_OBJECTS,
                     "C2 has no quota for a heap");
    TEST_CHECK_EQUAL(bank_heap_create(c1, 0, 0, 0, BURSAR_TIMEOUT_NEVER, bt_slot(), &handle), 0, "C1 has one");
    TEST_CHECK_EQUAL(l4_bank_buy(c1, page, 4, frames), 0, "C1 buys 4");
    TEST_CHECK_EQUAL(l4_bank_stats(a, &s), 0, "A's figures");
    TEST_CHECK(s.children == 2 && s.heaps == 3 && s.object_quota == 6 && s.objects_used == 6,
               "A: children %u heaps %u quota %u used %u", s.children, s.heaps, s.object_quota, s.objects_used);
    /* Children are listed newest first. */
    TEST_CHECK_EQUAL(bank_child_stats(a, 1, &limit, &charged, &sold, &heap_pages, &bookkeeping, &children,
                                      &heaps_count, &quota), 0, "A's second child");
    TEST_CHECK(limit == 50 && sold == 4 && heaps_count == 1 && quota == 1 && charged == sold + bookkeeping,
               "C1: limit %u sold %u heaps %u quota %u charged %u bookkeeping %u", limit, sold, heaps_count, quota,
               charged, bookkeeping);
    TEST_CHECK_EQUAL(bank_child_stats(a, 0, &limit, &charged, &sold, &heap_pages, &bookkeeping, &children,
                                      &heaps_count, &quota), 0, "A's first child");
    TEST_CHECK(limit == 60 && charged == 0 && quota == 0, "C2: limit %u charged %u quota %u", limit, charged, quota);
    /* Depth: sixteen levels below the root, not seventeen. */
    chain[0] = BT_ROOT;
    for (unsigned i = 1; i < BANK_MAX_DEPTH_FOR_TESTS; i++)
        TEST_CHECK_EQUAL_FMT(bt_child(chain[i - 1], BANK_NO_LIMIT, 40 - 2 * i, &chain[i]), 0, "level %u", i);
    TEST_CHECK_EQUAL(bank_create_child(chain[BANK_MAX_DEPTH_FOR_TESTS - 1], 10, 0, deeper = bt_slot()),
                     -BANK_E_TOO_DEEP, "a seventeenth level");
    (void)deeper;
}
