/*
 * heaps.c — kernel heaps funded by the real bank (bank_tests 976-979):
 * heap faults served by the bank server within its limit and refused
 * beyond it, the payer taking live pages back, and charge-only heap
 * capabilities that allow exactly creation.
 */
#include "bank_tests.h"

#define CLIENT_HEAP_PAGES 16u

static uint32_t heap_pages_held(unsigned heap)
{
    struct bursar_heap_info info = { 0 };

    l4_heap_info(heap, &info);
    return info.pages_held;
}

USER_TEST(976, heap_faults_are_served_by_the_bank_server)
{
    unsigned a;
    struct bt_client client;
    struct l4_bank_stats before, after;
    uint32_t pages, served, refused, low, high, timeout;

    TEST_CHECK_EQUAL(bt_child(BT_ROOT, 500, 4, &a), 0, "bank A");
    TEST_CHECK_EQUAL(bt_client(a, CLIENT_HEAP_PAGES, &client), 0, "a client whose heap A funds");
    TEST_CHECK_EQUAL(l4_bank_stats(a, &before), 0, "A's figures");
    TEST_CHECK_EQUAL(before.heap_pages, CLIENT_HEAP_PAGES, "the heap's first pages");
    TEST_CHECK_EQUAL(before.heaps, 1, "one heap");
    TEST_CHECK_EQUAL(before.charged, CLIENT_HEAP_PAGES + before.bookkeeping, "charged: heap and bookkeeping");
    /* The client's thread makes 2000 endpoints in its own heap: it faults, the bank answers. */
    client_shared.jobs[0] = (struct client_job){ .run = bt_make_endpoints, .arguments = { 2000 } };
    TEST_CHECK_EQUAL(bt_client_run(&client, 0, BT_CLIENT_PRIORITY), 0, "the client's thread");
    TEST_CHECK(client_job_wait(0, 5000), "the client never finished (%u endpoints)", client_shared.jobs[0].progress);
    TEST_CHECK_EQUAL(client_shared.jobs[0].result, 0, "every endpoint made");
    TEST_CHECK_EQUAL(bt_live(client.heap, BURSAR_HEAP_ENDPOINT), 2000, "2000 endpoints in the heap");
    TEST_CHECK_EQUAL(bank_heap_stats(a, client.handle, &pages, &served, &refused, &low, &high, &timeout), 0, "heap");
    TEST_CHECK(served > 0 && refused == 0, "faults served %u, refused %u", served, refused);
    TEST_CHECK_EQUAL(pages, heap_pages_held(client.heap), "the bank's count is the kernel's");
    TEST_CHECK(pages > CLIENT_HEAP_PAGES, "the heap grew: %u pages", pages);
    TEST_CHECK_EQUAL(l4_bank_stats(a, &after), 0, "A's figures");
    TEST_CHECK_EQUAL(after.heap_pages, pages, "A pays for every page");
    TEST_CHECK_EQUAL(after.charged, pages + after.bookkeeping, "A's charge");
    TEST_CHECK_EQUAL(after.heap_pages_given, pages, "given, ever");
    TEST_CHECK_EQUAL(after.refused, 0, "nothing refused");
}

USER_TEST(977, heap_faults_beyond_the_limit_are_refused_and_others_go_on)
{
    unsigned a, b;
    struct bt_client small, other;
    struct l4_bank_stats sa;
    uint32_t pages, served, refused, low, high, timeout;

    /* A's limit leaves its client's heap four pages to grow. */
    TEST_CHECK_EQUAL(bt_child(BT_ROOT, CLIENT_HEAP_PAGES + 1 + 4, 4, &a), 0, "bank A");
    TEST_CHECK_EQUAL(bt_child(BT_ROOT, 200, 4, &b), 0, "bank B");
    TEST_CHECK_EQUAL(bt_client(a, CLIENT_HEAP_PAGES, &small), 0, "A's client");
    TEST_CHECK_EQUAL(bt_client(b, CLIENT_HEAP_PAGES, &other), 0, "B's client");
    client_shared.jobs[0] = (struct client_job){ .run = bt_make_endpoints, .arguments = { 1000000 } };
    TEST_CHECK_EQUAL(bt_client_run(&small, 0, BT_CLIENT_PRIORITY), 0, "A's client's thread");
    TEST_CHECK(client_job_wait(0, 5000), "A's client never finished");
    TEST_CHECK_EQUAL(client_shared.jobs[0].result, -BURSAR_E_OUT_OF_MEMORY, "A's client runs out, cleanly");
    TEST_CHECK(client_shared.jobs[0].progress > 0, "%u endpoints made",
               client_shared.jobs[0].progress);
    TEST_CHECK_EQUAL(l4_bank_stats(a, &sa), 0, "A's figures");
    TEST_CHECK(sa.charged <= sa.limit && sa.refused > 0, "A charged %u of %u, %u refused", sa.charged, sa.limit,
               sa.refused);
    TEST_CHECK_EQUAL(bank_heap_stats(a, small.handle, &pages, &served, &refused, &low, &high, &timeout), 0, "heap");
    TEST_CHECK(refused > 0, "the heap's faults refused: %u", refused);
    TEST_CHECK_EQUAL(pages, heap_pages_held(small.heap), "the bank's count is the kernel's");
    TEST_CHECK_EQUAL(sa.charged, pages + sa.bookkeeping, "A's charge");
    /* The client's thread lives on; B's client is served as if nothing happened. */
    client_shared.jobs[1] = (struct client_job){ .run = bt_make_endpoints, .arguments = { 300 } };
    TEST_CHECK_EQUAL(bt_client_run(&other, 1, BT_CLIENT_PRIORITY), 0, "B's client's thread");
    TEST_CHECK(client_job_wait(1, 5000), "B's client never finished");
    TEST_CHECK_EQUAL(client_shared.jobs[1].result, 0, "B's client made all 300");
}

USER_TEST(978, the_payer_reclaims_live_heap_pages_through_the_bank)
{
    unsigned a;
    struct bt_client client;
    struct l4_bank_stats before, after;
    struct bursar_system_info system_before, system_after;
    uint32_t held, returned, moved, destroyed;

    TEST_CHECK_EQUAL(bt_child(BT_ROOT, 500, 4, &a), 0, "bank A");
    TEST_CHECK_EQUAL(bt_client(a, CLIENT_HEAP_PAGES, &client), 0, "a client");
    client_shared.jobs[0] = (struct client_job){ .run = bt_make_endpoints_and_records, .arguments = { 100 } };
    TEST_CHECK_EQUAL(bt_client_run(&client, 0, BT_CLIENT_PRIORITY), 0, "the client's thread");
    TEST_CHECK(client_job_wait(0, 5000), "the client never finished");
    TEST_CHECK_EQUAL(client_shared.jobs[0].result, 0, "100 endpoints and records");
    held = heap_pages_held(client.heap);
    TEST_CHECK_EQUAL(l4_bank_stats(a, &before), 0, "A's figures");
    TEST_CHECK_EQUAL(l4_system_info(&system_before), 0, "system");

    /* Two pages, live ones among them: objects move or die, the bank and the kernel agree after. */
    TEST_CHECK_EQUAL(bank_heap_reclaim(a, client.handle, 2, &returned, &moved, &destroyed), 0, "reclaim 2");
    TEST_CHECK_EQUAL(returned, 2, "two pages back");
    TEST_CHECK_EQUAL(heap_pages_held(client.heap), held - 2, "the heap holds two fewer");
    TEST_CHECK_EQUAL(l4_bank_stats(a, &after), 0, "A's figures");
    TEST_CHECK_EQUAL(after.heap_pages, before.heap_pages - 2, "A pays for two fewer");
    TEST_CHECK_EQUAL(after.charged, before.charged - 2, "A's charge");
    TEST_CHECK_EQUAL(after.heap_pages_back, before.heap_pages_back + 2, "back, ever");
    TEST_CHECK_EQUAL(l4_system_info(&system_after), 0, "system");
    TEST_CHECK_EQUAL(system_after.heap_frames, system_before.heap_frames - 2, "the kernel's heaps hold two fewer");
    TEST_CHECK_EQUAL(l4_debug_dump(BURSAR_SLOT_DEBUG, BURSAR_DUMP_CHECK, 0), 0, "the kernel's check");

    /* Everything: the client's task and thread die with their pages, and every page comes back. */
    TEST_CHECK_EQUAL(bank_heap_reclaim(a, client.handle, 100000, &returned, &moved, &destroyed), 0, "reclaim all");
    TEST_CHECK_EQUAL(returned, held - 2, "every page back");
    TEST_CHECK(destroyed > 0, "live objects were destroyed: %u", destroyed);
    TEST_CHECK_EQUAL(heap_pages_held(client.heap), 0, "the heap is empty");
    TEST_CHECK_EQUAL(l4_bank_stats(a, &after), 0, "A's figures");
    TEST_CHECK_EQUAL(after.heap_pages, 0, "A pays for no heap page");
    TEST_CHECK_EQUAL(after.charged, after.bookkeeping, "only bookkeeping is charged");
    TEST_CHECK_EQUAL(bank_heap_reclaim(a, client.handle, 0, &returned, &moved, &destroyed), -BURSAR_E_INVALID_ARGUMENT,
                     "reclaim 0");
    TEST_CHECK_EQUAL(bank_heap_reclaim(a, client.handle + 1, 1, &returned, &moved, &destroyed), -BANK_E_NO_SUCH_HEAP,
                     "a handle that names nothing");
}

/* ---- charge-only ---- */

/* What a server handed a charge-only copy (in CLIENT_FIRST_FREE) can and cannot do with it. */
static int use_charge_only(struct client_job *job)
{
    const unsigned heap = CLIENT_FIRST_FREE, made = CLIENT_FIRST_FREE + 1, copy = CLIENT_FIRST_FREE + 2;
    struct bursar_heap_info info;
    struct bursar_reclaim_info reclaim;
    int error = l4_create(heap, BURSAR_OBJECT_ENDPOINT, made, 0);

    if (error)
        return error;
    job->progress = 1;
    if (l4_heap_info(heap, &info) != -BURSAR_E_NO_RIGHTS ||
        l4_heap_reclaim(heap, 1, &reclaim) != -BURSAR_E_NO_RIGHTS ||
        l4_heap_configure(heap, BURSAR_HEAP_WATERMARKS, 0, 0) != -BURSAR_E_NO_RIGHTS ||
        l4_heap_reserve(heap, BURSAR_HEAP_ENDPOINT, 1) != -BURSAR_E_NO_RIGHTS ||
        l4_destroy(heap) != -BURSAR_E_NO_RIGHTS ||
        l4_cap_transfer(heap, BURSAR_OWN_TASK, copy, BURSAR_RIGHTS_ALL, BURSAR_COPY, 0) != -BURSAR_E_NO_RIGHTS)
        return -BURSAR_E_CHECK_FAILED;
    job->progress = 2;
    return 0;
}

static int create_again(struct client_job *job)
{
    (void)job;
    return l4_create(CLIENT_FIRST_FREE, BURSAR_OBJECT_ENDPOINT, CLIENT_FIRST_FREE + 3, 0);
}

USER_TEST(979, a_charge_only_heap_capability_allows_exactly_creation)
{
    unsigned a, b, heap = bt_slot();
    struct bt_client server;
    uint32_t handle, endpoints, pages;
    struct l4_cap_info made;

    TEST_CHECK_EQUAL(bt_child(BT_ROOT, 500, 4, &a), 0, "the client's bank A");
    TEST_CHECK_EQUAL(bt_child(BT_ROOT, 500, 4, &b), 0, "the server's bank B");
    TEST_CHECK_EQUAL(bank_heap_create(a, 4, 0, 0, BURSAR_TIMEOUT_NEVER, heap, &handle), 0, "the client's heap");
    TEST_CHECK_EQUAL(bt_client(b, CLIENT_HEAP_PAGES, &server), 0, "a server in a task of its own");
    /* The client gives the server a charge-only revocable copy. */
    TEST_CHECK_EQUAL(l4_cap_transfer(heap, server.task, CLIENT_FIRST_FREE, BURSAR_RIGHT_CHARGE, BURSAR_REVOCABLE_COPY,
                                     0), 0, "charge-only copy to the server");
    endpoints = bt_live(heap, BURSAR_HEAP_ENDPOINT);
    client_shared.jobs[0] = (struct client_job){ .run = use_charge_only };
    TEST_CHECK_EQUAL(bt_client_run(&server, 0, BT_CLIENT_PRIORITY), 0, "the server's thread");
    TEST_CHECK(client_job_wait(0, 5000), "the server never finished");
    TEST_CHECK_EQUAL(client_shared.jobs[0].result, 0, "creation allowed, everything else refused");
    TEST_CHECK_EQUAL(bt_live(heap, BURSAR_HEAP_ENDPOINT), endpoints + 1, "the endpoint is the client's to pay");
    /* The client revokes: the server can charge no more. */
    TEST_CHECK_EQUAL(l4_cap_revoke(heap), 0, "revoke the copy");
    client_shared.jobs[1] = (struct client_job){ .run = create_again };
    TEST_CHECK_EQUAL(bt_client_run(&server, 1, BT_CLIENT_PRIORITY), 0, "the server again");
    TEST_CHECK(client_job_wait(1, 5000), "the server never finished");
    TEST_CHECK_EQUAL(client_shared.jobs[1].result, -BURSAR_E_REVOKED, "the revoked copy creates nothing");
    /* The payer takes it all back through the bank: the server's endpoint dies with the heap. */
    TEST_CHECK_EQUAL(bank_heap_destroy(a, handle, &pages), 0, "destroy the heap");
    TEST_CHECK(pages >= 4, "%u pages back", pages);
    TEST_CHECK_EQUAL(l4_cap_inspect(heap, &made), 0, "inspect");
    TEST_CHECK_EQUAL(made.type, BURSAR_OBJECT_NONE, "the client's heap capability is revoked");
    TEST_CHECK_EQUAL(bank_heap_destroy(a, handle, &pages), -BANK_E_NO_SUCH_HEAP, "destroyed twice");
}

USER_TEST(989, a_heaps_watermarks_and_timeout_are_set_through_the_bank)
{
    unsigned a;
    struct bt_client client;
    struct bursar_heap_info info;
    uint32_t pages, served, refused, low, high, timeout, faults_without;

    TEST_CHECK_EQUAL(bt_child(BT_ROOT, 500, 4, &a), 0, "bank A");
    TEST_CHECK_EQUAL(bt_client(a, CLIENT_HEAP_PAGES, &client), 0, "a client");
    /* Without watermarks: one fault a page. */
    client_shared.jobs[0] = (struct client_job){ .run = bt_make_endpoints, .arguments = { 1000 } };
    TEST_CHECK_EQUAL(bt_client_run(&client, 0, BT_CLIENT_PRIORITY), 0, "the client's thread");
    TEST_CHECK(client_job_wait(0, 5000) && client_shared.jobs[0].result == 0, "1000 endpoints");
    TEST_CHECK_EQUAL(bank_heap_stats(a, client.handle, &pages, &faults_without, &refused, &low, &high, &timeout), 0,
                     "heap");
    TEST_CHECK(low == 0 && high == 0 && timeout == BURSAR_TIMEOUT_NEVER, "settings %u %u %x", low, high, timeout);
    /* Low 2, high 8, a timeout: the settings reach the kernel, and the next 1000 take fewer faults. */
    TEST_CHECK_EQUAL(bank_heap_configure(a, client.handle, 2, 8, BURSAR_TIMEOUT_MS(500)), 0, "configure");
    TEST_CHECK_EQUAL(bank_heap_configure(a, client.handle, 9, 8, 0), -BURSAR_E_INVALID_ARGUMENT, "low above high");
    TEST_CHECK_EQUAL(bank_heap_configure(a, client.handle, 0, 1025, 0), -BURSAR_E_INVALID_ARGUMENT, "high past 1024");
    TEST_CHECK_EQUAL(bank_heap_configure(a, client.handle, 0, 1, 0x1000), -BURSAR_E_INVALID_ARGUMENT, "timeout code");
    TEST_CHECK_EQUAL(l4_heap_info(client.heap, &info), 0, "the kernel's view");
    TEST_CHECK(info.low_water == 2 && info.high_water == 8, "the kernel has low %u high %u", info.low_water,
               info.high_water);
    client_shared.jobs[1] = (struct client_job){ .run = bt_make_endpoints, .arguments = { 1000 } };
    /* We make the thread, and we are not the heap's payer: its page must be there already. */
    TEST_CHECK_EQUAL(bank_heap_fund(a, client.handle, 1), 0, "a page for the second thread");
    TEST_CHECK_EQUAL(bt_client_run(&client, 1, BT_CLIENT_PRIORITY), 0, "the client's thread again");
    TEST_CHECK(client_job_wait(1, 5000) && client_shared.jobs[1].result == 0, "1000 more");
    TEST_CHECK_EQUAL(bank_heap_stats(a, client.handle, &pages, &served, &refused, &low, &high, &timeout), 0, "heap");
    TEST_CHECK(low == 2 && high == 8 && timeout == BURSAR_TIMEOUT_MS(500), "settings %u %u %x", low, high, timeout);
    TEST_CHECK(served - faults_without < faults_without, "with a high watermark %u faults, without %u",
               served - faults_without, faults_without);
    TEST_CHECK_EQUAL(l4_heap_info(client.heap, &info), 0, "the kernel's view");
    TEST_CHECK(info.pages_free >= 2, "the low watermark keeps %u free pages", info.pages_free);
    TEST_CHECK_EQUAL(pages, info.pages_held, "the bank's count is the kernel's");
}

USER_TEST(990, a_payer_acting_through_the_kernel_is_followed_by_the_bank)
{
    unsigned a, heap = bt_slot();
    uint32_t handle, pages, served, refused, low, high, timeout, frames[8];
    struct bursar_reclaim_info reclaim;
    struct bursar_system_info before, after;
    struct l4_bank_stats s, empty;
    uintptr_t page = bt_pages(8);

    TEST_CHECK_EQUAL(bt_child(BT_ROOT, BANK_NO_LIMIT, 4, &a), 0, "bank A");
    TEST_CHECK_EQUAL(l4_bank_stats(a, &empty), 0, "A's figures");
    TEST_CHECK_EQUAL(bank_heap_create(a, 8, 0, 0, BURSAR_TIMEOUT_NEVER, heap, &handle), 0, "a heap of 8 pages");
    TEST_CHECK_EQUAL(l4_bank_stats(a, &s), 0, "A's figures");
    /* A's limit leaves no room beyond the heap. */
    TEST_CHECK_EQUAL(bank_set_limit(a, s.charged), 0, "A's limit: what it holds");
    for (unsigned i = 0; i < 20; i++)
        TEST_CHECK_EQUAL_FMT(l4_create(heap, BURSAR_OBJECT_ENDPOINT, bt_slot(), 0), 0, "endpoint %u", i);
    /* The payer reclaims three pages itself, through the kernel: the bank's figures follow. */
    TEST_CHECK_EQUAL(l4_system_info(&before), 0, "system");
    TEST_CHECK_EQUAL(l4_heap_reclaim(heap, 3, &reclaim), 0, "the payer's own reclaim");
    TEST_CHECK_EQUAL(reclaim.pages_reclaimed, 3, "three pages");
    TEST_CHECK_EQUAL(l4_system_info(&after), 0, "system");
    TEST_CHECK_EQUAL(after.heap_frames, before.heap_frames - 3, "the kernel's heaps hold three fewer");
    TEST_CHECK_EQUAL(bank_heap_stats(a, handle, &pages, &served, &refused, &low, &high, &timeout), 0, "heap");
    TEST_CHECK_EQUAL(pages, 5, "the bank counts five pages");
    TEST_CHECK_EQUAL(l4_bank_stats(a, &s), 0, "A's figures");
    TEST_CHECK(s.heap_pages == 5 && s.heap_pages_back == 3 && s.available == 3,
               "A: %u heap pages, %u back, %u available", s.heap_pages, s.heap_pages_back, s.available);
    /* The payer destroys the heap itself: the frames are A's to buy again, though the bank was not asked. */
    TEST_CHECK_EQUAL(l4_destroy(heap), 0, "the payer's own destroy");
    TEST_CHECK_EQUAL(l4_bank_buy(a, page, 8, frames), 0, "8 frames where the heap was, under A's limit");
    TEST_CHECK_EQUAL(bank_heap_stats(a, handle, &pages, &served, &refused, &low, &high, &timeout),
                     -BANK_E_NO_SUCH_HEAP, "the heap is gone for the bank too");
    TEST_CHECK_EQUAL(l4_bank_stats(a, &s), 0, "A's figures");
    TEST_CHECK(s.heaps == 0 && s.heap_pages == 0 && s.sold == 8 && s.objects_used == 0,
               "A: %u heaps, %u heap pages, %u sold, %u objects", s.heaps, s.heap_pages, s.sold, s.objects_used);
    TEST_CHECK_EQUAL(l4_debug_dump(BURSAR_SLOT_DEBUG, BURSAR_DUMP_CHECK, 0), 0, "the kernel's check");
}
