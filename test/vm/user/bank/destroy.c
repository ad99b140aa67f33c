/*
 * destroy.c — destroying banks (bank_tests 980-981): a tree four levels
 * deep, with live heaps, tasks, threads, records and mappings in it,
 * gives back every frame and heap page to the page; a destroyed bank's
 * capabilities, restricted ones and those of its children answer
 * DESTROYED, and the banks beside it do not notice.
 */
#include "bank_tests.h"

#define PAGE_SIZE 4096u
#define LEVELS 4u
#define PAGES_PER_LEVEL 8u
#define CLIENT_PAGES 0x00800000u      /* where each level's client sees the level's bought pages */

USER_TEST(980, destroy_gives_back_everything_of_a_tree_four_levels_deep)
{
    static const uint32_t quotas[LEVELS] = { 100, 60, 30, 10 };
    unsigned banks[LEVELS], extra_heap[LEVELS];
    struct bt_client clients[LEVELS];
    uint32_t frames[LEVELS][PAGES_PER_LEVEL], handle;
    uintptr_t pages[LEVELS];
    struct bursar_system_info before, during, after;
    struct bursar_heap_info boot_before, boot_after;
    struct l4_bank_stats top, root_before, root_during, root_after;

    TEST_CHECK_EQUAL(l4_system_info(&before), 0, "system");
    TEST_CHECK_EQUAL(l4_heap_info(BURSAR_SLOT_HEAP, &boot_before), 0, "the boot heap");
    TEST_CHECK_EQUAL(l4_bank_stats(BT_ROOT, &root_before), 0, "the root bank");
    for (unsigned i = 0; i < LEVELS; i++) {
        TEST_CHECK_EQUAL_FMT(bt_child(i == 0 ? BT_ROOT : banks[i - 1], i == 0 ? 5000 : BANK_NO_LIMIT, quotas[i],
                                  &banks[i]), 0, "level %u", i);
        /* A client task with a live thread that made endpoints and records in its own heap. */
        TEST_CHECK_EQUAL_FMT(bt_client(banks[i], 16, &clients[i]), 0, "level %u's client", i);
        client_shared.jobs[i] = (struct client_job){ .run = bt_make_endpoints_and_records, .arguments = { 20 } };
        TEST_CHECK_EQUAL_FMT(bt_client_run(&clients[i], i, BT_CLIENT_PRIORITY), 0, "level %u's thread", i);
        TEST_CHECK(client_job_wait(i, 5000), "level %u's thread never finished", i);
        TEST_CHECK_EQUAL_FMT(client_shared.jobs[i].result, 0, "level %u's endpoints and records", i);
        /* Pages bought at this level, mapped here and on into the client (records paid by our heap). */
        pages[i] = bt_pages(PAGES_PER_LEVEL);
        TEST_CHECK_EQUAL_FMT(l4_bank_buy(banks[i], pages[i], PAGES_PER_LEVEL, frames[i]), 0, "level %u's pages", i);
        *(volatile uint32_t *)pages[i] = 980 + i;
        TEST_CHECK_EQUAL_FMT(l4_map(clients[i].task, pages[i], CLIENT_PAGES, BURSAR_RIGHT_READ, PAGES_PER_LEVEL), 0,
                         "level %u's pages mapped into its client", i);
        /* And a second heap with objects but no task. */
        extra_heap[i] = bt_slot();
        TEST_CHECK_EQUAL_FMT(bank_heap_create(banks[i], 2, 0, 0, BURSAR_TIMEOUT_NEVER, extra_heap[i], &handle), 0,
                         "level %u's second heap", i);
        TEST_CHECK_EQUAL(l4_create(extra_heap[i], BURSAR_OBJECT_ENDPOINT, bt_slot(), 0), 0, "an endpoint in it");
    }
    TEST_CHECK_EQUAL(l4_system_info(&during), 0, "system");
    TEST_CHECK(during.heap_frames > before.heap_frames && during.tasks == before.tasks + LEVELS &&
               during.threads == before.threads + LEVELS, "the tree is live: heap frames %u, tasks %u, threads %u",
               during.heap_frames, during.tasks, during.threads);
    TEST_CHECK_EQUAL(l4_bank_stats(banks[0], &top), 0, "the top bank");
    TEST_CHECK_EQUAL(l4_bank_stats(BT_ROOT, &root_during), 0, "the root bank");
    /* Every new heap page is the top bank's, but the root's page for the top bank's own record. */
    TEST_CHECK_EQUAL(top.charged + (root_during.bookkeeping - root_before.bookkeeping),
                     during.heap_frames - before.heap_frames + LEVELS * PAGES_PER_LEVEL,
                     "the top bank is charged for every heap page and frame below it");

    TEST_CHECK_EQUAL(bank_destroy(banks[0]), 0, "destroy the top bank");

    TEST_CHECK_EQUAL(l4_system_info(&after), 0, "system");
    TEST_CHECK(after.heap_frames == before.heap_frames && after.bank_frames == before.bank_frames &&
               after.heaps == before.heaps && after.tasks == before.tasks && after.threads == before.threads,
               "after: heap frames %u (was %u), heaps %u (%u), tasks %u (%u), threads %u (%u)", after.heap_frames,
               before.heap_frames, after.heaps, before.heaps, after.tasks, before.tasks, after.threads,
               before.threads);
    TEST_CHECK_EQUAL(l4_debug_dump(BURSAR_SLOT_DEBUG, BURSAR_DUMP_CHECK, 0), 0, "the kernel's check");
    TEST_CHECK_EQUAL(l4_bank_stats(BT_ROOT, &root_after), 0, "the root bank");
    TEST_CHECK(root_after.charged == root_before.charged && root_after.available == root_before.available &&
               root_after.children == root_before.children && root_after.objects_used == root_before.objects_used,
               "the root bank: charged %u (was %u), available %u (was %u)", root_after.charged, root_before.charged,
               root_after.available, root_before.available);
    TEST_CHECK_EQUAL(l4_heap_info(BURSAR_SLOT_HEAP, &boot_after), 0, "the boot heap");
    TEST_CHECK_EQUAL(boot_after.live_by_type[BURSAR_HEAP_RECORD], boot_before.live_by_type[BURSAR_HEAP_RECORD],
                     "every record of a mapping into the tree's tasks refunded");
    for (unsigned i = 0; i < LEVELS; i++) {
        struct l4_bank_stats gone;
        TEST_CHECK(!bt_mapped(pages[i]) && !bt_mapped(pages[i] + (PAGES_PER_LEVEL - 1) * PAGE_SIZE),
                   "level %u's pages are unmapped", i);
        TEST_CHECK_EQUAL_FMT(l4_bank_stats(banks[i], &gone), -BURSAR_E_DESTROYED, "level %u's bank", i);
    }
}

USER_TEST(981, a_destroyed_bank_answers_destroyed_and_its_neighbours_go_on)
{
    unsigned a, b, c, restricted = bt_slot(), heap = bt_slot(), fresh;
    uint32_t handle, genuine, restrictions, frames[2], pages, served, refused, low, high, timeout;
    uintptr_t page = bt_pages(2), other = bt_pages(1);
    struct l4_bank_stats before, after, gone;

    TEST_CHECK_EQUAL(bt_child(BT_ROOT, 100, 10, &a), 0, "A");
    TEST_CHECK_EQUAL(bt_child(a, 50, 2, &b), 0, "A's child B");
    TEST_CHECK_EQUAL(bt_child(BT_ROOT, 100, 4, &c), 0, "C beside A");
    TEST_CHECK_EQUAL(bank_restricted(a, BANK_NO_DESTROY, restricted), 0, "a restricted capability to A");
    TEST_CHECK_EQUAL(bank_heap_create(a, 1, 0, 0, BURSAR_TIMEOUT_NEVER, heap, &handle), 0, "A's heap");
    TEST_CHECK_EQUAL(l4_bank_buy(b, page, 2, frames), 0, "B's pages");
    TEST_CHECK_EQUAL(l4_bank_buy(c, other, 1, frames), 0, "C's page");
    TEST_CHECK_EQUAL(l4_bank_stats(c, &before), 0, "C's figures");

    TEST_CHECK_EQUAL(bank_destroy(restricted), -BANK_E_RESTRICTED, "the restricted capability may not");
    TEST_CHECK_EQUAL(bank_destroy(a), 0, "destroy A");
    TEST_CHECK_EQUAL(l4_bank_stats(a, &gone), -BURSAR_E_DESTROYED, "A's figures");
    TEST_CHECK_EQUAL(l4_bank_stats(restricted, &gone), -BURSAR_E_DESTROYED, "through the restricted capability");
    TEST_CHECK_EQUAL(l4_bank_stats(b, &gone), -BURSAR_E_DESTROYED, "A's child");
    TEST_CHECK_EQUAL(bank_buy(b, page, 0, page, 12, NULL, NULL, NULL), -BURSAR_E_DESTROYED, "buying from the child");
    TEST_CHECK_EQUAL(bank_heap_stats(a, handle, &pages, &served, &refused, &low, &high, &timeout),
                     -BURSAR_E_DESTROYED, "A's heap");
    TEST_CHECK_EQUAL(bank_destroy(a), -BURSAR_E_DESTROYED, "destroying it again");
    TEST_CHECK_EQUAL(bank_create_child(a, 1, 0, bt_slot()), -BURSAR_E_DESTROYED, "a child of a destroyed bank");
    TEST_CHECK_EQUAL(bank_verify(BT_ROOT, a, &genuine, &restrictions), 0, "verify A");
    TEST_CHECK_EQUAL(genuine, BANK_GENUINE_DESTROYED, "a genuine bank, destroyed");
    TEST_CHECK(!bt_mapped(page) && !bt_mapped(page + PAGE_SIZE), "B's pages are gone");
    /* C never noticed. A new bank does not bring A back. */
    TEST_CHECK_EQUAL(l4_bank_stats(c, &after), 0, "C's figures");
    TEST_CHECK(after.charged == before.charged && after.sold == before.sold && bt_mapped(other), "C unchanged");
    TEST_CHECK_EQUAL(bt_child(BT_ROOT, 10, 0, &fresh), 0, "a new bank");
    TEST_CHECK_EQUAL(l4_bank_stats(a, &gone), -BURSAR_E_DESTROYED, "A stays destroyed");
    TEST_CHECK_EQUAL(bank_destroy(BT_ROOT), -BURSAR_E_BUSY, "the root bank cannot be destroyed");
}
