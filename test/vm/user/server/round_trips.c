/*
 * round_trips.c — every generated operation of probe.idl, through the
 * generated client stubs and libl4's server loop with the generated
 * dispatch, in a server task of its own: words in registers and through
 * the UTCB, capability and memory items in each mode both ways, the
 * server's errors by name, the badge, an object-type check (ids 930-939).
 */
#include "probe.h"

#include "libl4/string.h"

/* Fresh probe server for each test; checked garbage-free at the end of each. */
static struct probe probe;

#define START_PROBE(frames) TEST_CHECK_EQUAL(probe_start(&probe, (frames)), 0, "start the probe server")
#define CHECK_NO_GARBAGE()                                                                         \
    TEST_CHECK(probe_shared.state.garbage == 0, "a handler was called with garbage %u time(s)", \
               probe_shared.state.garbage)

USER_TEST(930, words_round_trip_in_registers_and_through_the_utcb)
{
    uint32_t sum = 0, badge = 0, calls = 0, total = 0, first = 0, last = 0;
    unsigned other = core_slot();

    START_PROBE(16);
    TEST_CHECK_EQUAL(probe_add(probe.client, 40, 2, &sum), 0, "add");
    TEST_CHECK_EQUAL(sum, 42, "40 + 2");
    TEST_CHECK_EQUAL(probe_add(probe.client, 0xffffffffu, 3, NULL), 0, "add, result not wanted");
    TEST_CHECK_EQUAL(probe_whoami(probe.client, &badge, &calls), 0, "whoami");
    TEST_CHECK_EQUAL(badge, PROBE_BADGE, "the client's badge");
    TEST_CHECK_EQUAL(calls, 3, "handler calls so far");
    /* A second client, told apart by its badge. */
    TEST_CHECK_EQUAL(l4_cap_copy(probe.endpoint, other, BURSAR_RIGHT_WRITE, 0x777), 0, "a second client");
    TEST_CHECK_EQUAL(probe_whoami(other, &badge, NULL), 0, "whoami, second client");
    TEST_CHECK_EQUAL(badge, 0x777, "the second client's badge");
    TEST_CHECK_EQUAL(probe_sum(probe.client, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, &total, &first, &last), 0, "sum");
    TEST_CHECK(total == 55 && first == 1 && last == 10, "sum of ten words: %u, first %u, last %u", total, first,
               last);
    TEST_CHECK_EQUAL(probe_shared.server.stats.requests, 5, "requests served");
    TEST_CHECK_EQUAL(probe_shared.server.stats.error_replies, 0, "error replies");
    CHECK_NO_GARBAGE();
}

USER_TEST(931, capability_arguments_round_trip_in_each_mode)
{
    unsigned endpoint = core_slot(), spare = core_slot();
    uint32_t type = 0, rights = 0;
    struct l4_cap_info info = { 0 };

    START_PROBE(16);
    TEST_CHECK_EQUAL(l4_create(BURSAR_SLOT_HEAP, BURSAR_OBJECT_ENDPOINT, endpoint, 0), 0, "an endpoint to pass");
    TEST_CHECK_EQUAL(probe_cap_copy(probe.client, endpoint, &type, &rights), 0, "cap_copy");
    TEST_CHECK(type == BURSAR_OBJECT_ENDPOINT && rights == (BURSAR_RIGHT_WRITE | BURSAR_RIGHT_GRANT),
               "COPY arrived as type %u rights %x", type, rights);
    /* Twice more: the server emptied its window after each request, or these would be SLOT_IN_USE. */
    TEST_CHECK_EQUAL(probe_cap_copy(probe.client, endpoint, &type, &rights), 0, "cap_copy again");
    TEST_CHECK_EQUAL(probe_cap_revocable(probe.client, endpoint, &type, &rights), 0, "cap_revocable");
    TEST_CHECK(type == BURSAR_OBJECT_ENDPOINT && rights == BURSAR_RIGHT_WRITE, "REVOCABLE COPY arrived as %u %x",
               type, rights);
    TEST_CHECK_EQUAL(l4_cap_copy(endpoint, spare, BURSAR_RIGHTS_ALL, 0), 0, "a copy to grant away");
    TEST_CHECK_EQUAL(probe_cap_grant(probe.client, spare, &type, &rights), 0, "cap_grant");
    TEST_CHECK(type == BURSAR_OBJECT_ENDPOINT && rights == BURSAR_RIGHT_WRITE, "GRANT arrived as %u %x", type,
               rights);
    TEST_CHECK(l4_cap_inspect(spare, &info) != 0 || info.type == BURSAR_OBJECT_NONE, "the granted slot is empty");
    TEST_CHECK_EQUAL(l4_cap_inspect(endpoint, &info), 0, "the root's own capability");
    TEST_CHECK_EQUAL(info.type, BURSAR_OBJECT_ENDPOINT, "still an endpoint");
    TEST_CHECK_EQUAL(probe_shared.server.stats.requests, 4, "requests served");
    CHECK_NO_GARBAGE();
}

USER_TEST(932, memory_arguments_round_trip_in_each_mode)
{
    uintptr_t page;
    uint32_t frame, first = 0, address = 0;
    volatile uint32_t *words;
    struct bursar_heap_info before, after;

    START_PROBE(16);
    TEST_CHECK_EQUAL(core_map_fresh_page(&page, &frame), 0, "a page");
    words = (volatile uint32_t *)page;
    words[0] = 1000;
    TEST_CHECK_EQUAL(l4_heap_info(probe.heap, &before), 0, "the server's heap before");
    TEST_CHECK_EQUAL(probe_mem_copy(probe.client, page, 12, &first, &address), 0, "mem_copy");
    TEST_CHECK(first == 1000 && address >= PROBE_MEMORY_WINDOW, "COPY read %u at %x", first, address);
    TEST_CHECK_EQUAL(words[1023], 0, "a read-only COPY left the page as it was");
    /* The server paid a record for the COPY while it held it and got it back when its window was cleared. */
    TEST_CHECK_EQUAL(l4_heap_info(probe.heap, &after), 0, "the server's heap after");
    TEST_CHECK_EQUAL(after.live_by_type[BURSAR_HEAP_RECORD], before.live_by_type[BURSAR_HEAP_RECORD],
                     "the server's records after a COPY came and went");

    words[0] = 2000;
    TEST_CHECK_EQUAL(probe_mem_revocable(probe.client, page, 12, &first, &address), 0, "mem_revocable");
    TEST_CHECK_EQUAL(first, 2000, "REVOCABLE COPY read");
    TEST_CHECK_EQUAL(words[1023], 2001, "the server wrote through its mapping");
    TEST_CHECK_EQUAL(probe_page_mapped(page, BURSAR_RIGHT_READ), -BURSAR_E_TIMEOUT, "still mapped here");

    words[0] = 3000;
    TEST_CHECK_EQUAL(probe_mem_grant(probe.client, page, 12, &first, &address), 0, "mem_grant");
    TEST_CHECK_EQUAL(first, 3000, "GRANT read");
    TEST_CHECK_EQUAL(probe_page_mapped(page, BURSAR_RIGHT_READ), -BURSAR_E_NOT_MAPPED, "granted away");
    TEST_CHECK_EQUAL(probe_shared.server.stats.requests, 3, "requests served");
    CHECK_NO_GARBAGE();
}

USER_TEST(933, capability_results_round_trip_in_each_mode)
{
    unsigned copy = core_slot(), revocable = core_slot(), granted = core_slot();
    struct l4_cap_info info = { 0 };
    uint32_t before = l4_utcb()->receive_capabilities;

    START_PROBE(16);
    TEST_CHECK_EQUAL(probe_give_copy(probe.client, copy), 0, "give_copy");
    TEST_CHECK(l4_cap_inspect(copy, &info) == 0 && info.type == BURSAR_OBJECT_ENDPOINT &&
               info.rights == BURSAR_RIGHT_WRITE, "COPY landed: type %u rights %x", info.type, info.rights);
    TEST_CHECK_EQUAL(probe_give_revocable(probe.client, revocable), 0, "give_revocable");
    TEST_CHECK(l4_cap_inspect(revocable, &info) == 0 && info.type == BURSAR_OBJECT_ENDPOINT,
               "REVOCABLE COPY landed: type %u", info.type);
    TEST_CHECK_EQUAL(probe_give_grant(probe.client, granted), 0, "give_grant");
    TEST_CHECK(l4_cap_inspect(granted, &info) == 0 && info.type == BURSAR_OBJECT_ENDPOINT,
               "GRANT landed: type %u", info.type);
    TEST_CHECK_EQUAL(probe_give_grant(probe.client, core_slot()), 0, "give_grant twice: the server made another");
    /* What came is usable: it names the endpoint the root gave the server. */
    TEST_CHECK_EQUAL(l4_send(copy, BURSAR_TAG(1, 0, 0), 0, 0, BURSAR_TIMEOUT_ZERO), -BURSAR_E_TIMEOUT,
                     "a send through the copy finds no receiver");
    TEST_CHECK_EQUAL(l4_utcb()->receive_capabilities, before, "the stubs put the root's window back");
    CHECK_NO_GARBAGE();
}

USER_TEST(934, memory_results_round_trip_by_copy_and_by_grant)
{
    uintptr_t window = core_scratch_page(), page, landed = 0;
    uint32_t frame;
    unsigned log2 = 0;

    START_PROBE(16);
    TEST_CHECK_EQUAL(probe_give_page_copy(probe.client, 0xfeed, window, 12, &landed, &log2), 0, "give_page_copy");
    TEST_CHECK(landed == window && log2 == 12, "landed at %x, size 2^%u", (unsigned)landed, log2);
    TEST_CHECK_EQUAL(*(volatile uint32_t *)landed, 0xfeed, "the server's page, read here");
    TEST_CHECK_EQUAL(l4_unmap(window, 1), 0, "give it back");

    /* A page stocked with the server (it keeps what arrived) comes back by GRANT. */
    TEST_CHECK_EQUAL(core_map_fresh_page(&page, &frame), 0, "a page");
    *(volatile uint32_t *)page = 0xabcd;
    TEST_CHECK_EQUAL(probe_stock(probe.client, page, 12), 0, "stock");
    TEST_CHECK_EQUAL(probe_page_mapped(page, BURSAR_RIGHT_READ), -BURSAR_E_NOT_MAPPED, "granted to the server");
    TEST_CHECK(probe_shared.state.stocked != 0, "the server kept it");
    TEST_CHECK_EQUAL(probe_give_page_grant(probe.client, window, 12, &landed, &log2), 0, "give_page_grant");
    TEST_CHECK_EQUAL(*(volatile uint32_t *)landed, 0xabcd, "the same page came back");
    TEST_CHECK_EQUAL(probe_give_page_grant(probe.client, window, 12, &landed, &log2), -BURSAR_E_EMPTY_SLOT,
                     "nothing left to give");
    TEST_CHECK_EQUAL(l4_utcb()->receive_memory, 0, "the stubs closed the memory window again");
    CHECK_NO_GARBAGE();
}

USER_TEST(935, a_handlers_error_reaches_the_client_by_name)
{
    START_PROBE(16);
    TEST_CHECK_EQUAL(probe_fail(probe.client, PROBE_E_ODD), -PROBE_E_ODD, "the interface's own error");
    TEST_CHECK(strcmp(probe_error_name(-PROBE_E_ODD), "ODD") == 0, "named %s", probe_error_name(-PROBE_E_ODD));
    TEST_CHECK_EQUAL(probe_fail(probe.client, BURSAR_E_OUT_OF_MEMORY), -BURSAR_E_OUT_OF_MEMORY, "a kernel error");
    TEST_CHECK(strcmp(probe_error_name(-BURSAR_E_OUT_OF_MEMORY), "OUT_OF_MEMORY") == 0, "named %s",
               probe_error_name(-BURSAR_E_OUT_OF_MEMORY));
    TEST_CHECK_EQUAL(probe_shared.server.stats.undeclared_errors, 0, "both declared");
    /* An error the interface does not list for `fail` still reaches the client, and is counted. */
    TEST_CHECK_EQUAL(probe_fail(probe.client, BURSAR_E_BUSY), -BURSAR_E_BUSY, "an undeclared error");
    TEST_CHECK_EQUAL(probe_shared.server.stats.undeclared_errors, 1, "counted as undeclared");
    TEST_CHECK_EQUAL(probe_shared.server.stats.error_replies, 3, "error replies");
    TEST_CHECK_EQUAL(probe_shared.server.stats.malformed, 0, "none of them malformed");
    CHECK_NO_GARBAGE();
}

USER_TEST(936, every_error_has_its_name)
{
    for (int e = 0; e < BURSAR_ERROR_COUNT; e++) {
        const char *name = l4_error_name(-e);
        TEST_CHECK(name && strcmp(name, "unknown error") != 0, "error %d has no name", e);
        TEST_CHECK(strcmp(name, l4_error_name(e)) == 0, "error %d: the sign changes its name", e);
        for (int other = 0; other < e; other++)
            TEST_CHECK(strcmp(name, l4_error_name(other)) != 0, "errors %d and %d share the name %s", e, other, name);
    }
    TEST_CHECK(strcmp(l4_error_name(-BURSAR_E_REVOKED), "REVOKED") == 0, "REVOKED: %s",
               l4_error_name(-BURSAR_E_REVOKED));
    TEST_CHECK(strcmp(l4_error_name(0), "OK") == 0, "0: %s", l4_error_name(0));
    TEST_CHECK(strcmp(l4_error_name(-BURSAR_ERROR_COUNT), "unknown error") == 0, "past the last: %s",
               l4_error_name(-BURSAR_ERROR_COUNT));
    TEST_CHECK(strcmp(probe_error_name(-299), "unknown error") == 0, "not the interface's: %s",
               probe_error_name(-299));
}

USER_TEST(937, a_capability_of_the_wrong_object_type_is_refused_before_the_handler)
{
    unsigned endpoint = core_slot();
    uint32_t pages = 0, calls;

    START_PROBE(16);
    TEST_CHECK_EQUAL(l4_create(BURSAR_SLOT_HEAP, BURSAR_OBJECT_ENDPOINT, endpoint, 0), 0, "an endpoint");
    TEST_CHECK_EQUAL(probe_take_heap(probe.client, probe.heap, &pages), 0, "take_heap with a heap");
    TEST_CHECK(pages == 16, "the heap holds %u pages", pages);
    calls = probe_shared.state.calls;
    TEST_CHECK_EQUAL(probe_take_heap(probe.client, endpoint, &pages), -BURSAR_E_WRONG_TYPE,
                     "take_heap with an endpoint");
    TEST_CHECK_EQUAL(probe_shared.state.calls, calls, "the handler was not called");
    TEST_CHECK_EQUAL(probe_take_heap(probe.client, probe.heap, &pages), 0, "and a heap again");
    CHECK_NO_GARBAGE();
}

USER_TEST(938, words_and_items_mixed_in_one_request)
{
    unsigned endpoint = core_slot();
    uintptr_t page;
    uint32_t frame, a = 0, b = 0, rights = 0, first = 0;

    START_PROBE(16);
    TEST_CHECK_EQUAL(l4_create(BURSAR_SLOT_HEAP, BURSAR_OBJECT_ENDPOINT, endpoint, 0), 0, "an endpoint");
    TEST_CHECK_EQUAL(core_map_fresh_page(&page, &frame), 0, "a page");
    *(volatile uint32_t *)page = 77;
    TEST_CHECK_EQUAL(probe_mixed(probe.client, 11, endpoint, 22, page, 12, &a, &b, &rights, &first), 0, "mixed");
    TEST_CHECK(a == 11 && b == 22 && rights == BURSAR_RIGHT_WRITE && first == 77,
               "mixed: a %u b %u rights %x first %u", a, b, rights, first);
    CHECK_NO_GARBAGE();
}
