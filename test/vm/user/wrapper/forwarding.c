/*
 * forwarding.c — wrapper tests 1100-1108: what a wrapper costs its client's
 * bank, and what it carries: words, long messages, capability and memory
 * items both ways, what it refuses, and that a register-only call through
 * it stays on the kernel's fast path.
 */
#include "wrapper_tests.h"

#include "libl4/printf.h"
#include "libl4/string.h"

#define RW (BURSAR_RIGHT_READ | BURSAR_RIGHT_WRITE)
#define WG (BURSAR_RIGHT_WRITE | BURSAR_RIGHT_GRANT)

/*
 * The echo through `endpoint`: label TARGET_LABEL, two words; 0 if the
 * answer is the echo. With `timeout` 0 the call waits for good, as the
 * kernel's fast path requires (a timeout to disarm is the slow path's).
 */
static int echo_timed(unsigned endpoint, uint32_t a, uint32_t b, unsigned timeout)
{
    uint32_t tag = BURSAR_TAG(TARGET_LABEL, 2, 0), mr0 = a, mr1 = b;
    int error = l4_call(endpoint, &tag, &mr0, &mr1, BURSAR_TIMEOUT_NEVER, timeout);

    if (error)
        return error;
    error = l4_reply_check(tag, BURSAR_TAG(TARGET_LABEL, 2, 0));
    return error ? error : (mr0 == a + 1 && mr1 == b + 1) ? 0 : -BURSAR_E_INVALID_MESSAGE;
}

static int echo(unsigned endpoint, uint32_t a, uint32_t b)
{
    return echo_timed(endpoint, a, b, BURSAR_TIMEOUT_MS(2000));
}

USER_TEST(1100, a_wrapper_is_an_endpoint_paid_by_the_clients_bank_and_paid_back)
{
    struct wt_client client;
    struct wt_target target = { .mode = TARGET_ECHO };
    struct l4_bank_stats before, with, after;
    struct l4_cap_info cap;
    uint32_t handle, live, capacity, mine, quota;
    unsigned wrapper;

    TEST_CHECK_EQUAL(wt_client(&client, BANK_NO_LIMIT), 0, "a client with a bank");
    TEST_CHECK_EQUAL(wt_target_start(&target), 0, "a target");
    TEST_CHECK_EQUAL(l4_bank_stats(client.bank, &before), 0, "the bank before");
    TEST_CHECK_EQUAL(wt_wrap(&client, target.endpoint, &wrapper, &handle), 0, "create");
    TEST_CHECK_EQUAL(l4_cap_inspect(wrapper, &cap), 0, "inspect the wrapper");
    TEST_CHECK(cap.type == BURSAR_OBJECT_ENDPOINT && cap.rights == WG && !cap.revoked,
               "the wrapper: type %u rights %u revoked %u", cap.type, cap.rights, cap.revoked);
    TEST_CHECK_EQUAL(wrapper_info(client.service, &live, &capacity, &mine, &quota), 0, "info");
    TEST_CHECK(live == 1 && mine == 1 && quota > 0 && capacity >= quota, "info: live %u mine %u quota %u of %u",
               live, mine, quota, capacity);
    TEST_CHECK_EQUAL(l4_bank_stats(client.bank, &with), 0, "the bank with the wrapper");
    /* A heap of three pages (its thread, endpoint and reply object) and one page (UTCB and stack). */
    TEST_CHECK(with.heap_pages - before.heap_pages == 3 && with.sold - before.sold == 1 &&
               with.heaps == before.heaps + 1 && with.charged - before.charged >= 4,
               "the bank pays: heap pages +%u, sold +%u, heaps +%u, charged +%u", with.heap_pages - before.heap_pages,
               with.sold - before.sold, with.heaps - before.heaps, with.charged - before.charged);
    TEST_CHECK_EQUAL(echo(wrapper, 1, 2), 0, "a call through it");
    TEST_CHECK_EQUAL(wrapper_destroy(client.service, handle), 0, "destroy");
    TEST_CHECK_EQUAL(l4_bank_stats(client.bank, &after), 0, "the bank after");
    TEST_CHECK(after.charged == before.charged && after.heap_pages == before.heap_pages && after.sold == before.sold &&
               after.heaps == before.heaps,
               "everything back: charged %u heap %u sold %u heaps %u, before %u %u %u %u", after.charged,
               after.heap_pages, after.sold, after.heaps, before.charged, before.heap_pages, before.sold, before.heaps);
    printf("cost wrapper: %u frames charged to the client's bank (%u heap pages, %u sold, %u bookkeeping)\n",
           with.charged - before.charged, with.heap_pages - before.heap_pages, with.sold - before.sold,
           with.bookkeeping - before.bookkeeping);
}

USER_TEST(1101, register_only_calls_go_through_with_label_words_and_the_targets_badge)
{
    struct wt_client client;
    struct wt_target target = { .mode = TARGET_ECHO };
    unsigned badged = wt_slot(), wrapper;
    uint32_t handle, tag = BURSAR_TAG(TARGET_LABEL, 2, 0) | BURSAR_TAG_ERROR, mr0 = 41, mr1 = 0xfffffff0u;

    TEST_CHECK_EQUAL(wt_client(&client, BANK_NO_LIMIT), 0, "client");
    TEST_CHECK_EQUAL(wt_target_start(&target), 0, "target");
    TEST_CHECK_EQUAL(l4_cap_copy(target.endpoint, badged, WG, 0x5a5a), 0, "a badged capability to the target");
    TEST_CHECK_EQUAL(wt_wrap(&client, badged, &wrapper, &handle), 0, "create");
    /* Flags travel too: the error flag here is the caller's business, carried unchanged. */
    TEST_CHECK_EQUAL(l4_call(wrapper, &tag, &mr0, &mr1, BURSAR_TIMEOUT_NEVER, BURSAR_TIMEOUT_MS(2000)), 0, "call");
    TEST_CHECK(target.calls == 1 && target.tag == (BURSAR_TAG(TARGET_LABEL, 2, 0) | BURSAR_TAG_ERROR) &&
               target.words[0] == 41 && target.words[1] == 0xfffffff0u && target.badge == 0x5a5a,
               "the target saw %u calls, tag %x, words %u %x, badge %x", target.calls, target.tag, target.words[0],
               target.words[1], target.badge);
    TEST_CHECK(tag == BURSAR_TAG(TARGET_LABEL, 2, 0) && mr0 == 42 && mr1 == 0xfffffff1u,
               "the answer relayed: tag %x words %u %x", tag, mr0, mr1);
    for (uint32_t i = 0; i < 10; i++)
        TEST_CHECK_EQUAL_FMT(echo(wrapper, i, 2 * i), 0, "call %u", i);
    TEST_CHECK_EQUAL(target.calls, 11u, "calls the target saw");
    TEST_CHECK_EQUAL(wrapper_destroy(client.service, handle), 0, "destroy");
}

USER_TEST(1102, long_messages_go_through_word_for_word)
{
    struct wt_client client;
    struct wt_target target = { .mode = TARGET_ECHO };
    struct l4_msg m;
    unsigned wrapper;
    uint32_t handle;

    TEST_CHECK_EQUAL(wt_client(&client, BANK_NO_LIMIT), 0, "client");
    TEST_CHECK_EQUAL(wt_target_start(&target), 0, "target");
    TEST_CHECK_EQUAL(wt_wrap(&client, target.endpoint, &wrapper, &handle), 0, "create");
    for (unsigned words = 3; words <= BURSAR_MESSAGE_REGISTERS; words += 61) {
        l4_msg_start(&m, TARGET_LABEL);
        for (unsigned i = 0; i < words; i++)
            l4_msg_append(&m, 1000 * words + i);
        TEST_CHECK_EQUAL_FMT(wt_call(wrapper, &m), 0, "a call of %u words", words);
        TEST_CHECK(l4_msg_label(&m) == TARGET_LABEL && l4_msg_words(&m) == words && l4_msg_items(&m) == 0,
                   "the answer's shape: label %x, %u words, %u items", l4_msg_label(&m), l4_msg_words(&m),
                   l4_msg_items(&m));
        for (unsigned i = 0; i < words; i++)
            TEST_CHECK(target.words[i] == 1000 * words + i && m.mr[i] == 1000 * words + i + 1,
                       "word %u of %u: the target saw %u, the answer %u", i, words, target.words[i], m.mr[i]);
    }
    TEST_CHECK_EQUAL(wrapper_destroy(client.service, handle), 0, "destroy");
}

USER_TEST(1103, capability_items_go_through_copy_as_copy_revocable_as_the_senders_revocable_copy)
{
    struct wt_client client;
    struct wt_target target = { .mode = TARGET_ECHO, .keep_items = true };
    unsigned wrapper, given = wt_slot(), mine = wt_slot();
    uint32_t handle;
    struct l4_msg m;
    struct l4_cap_info cap;
    bool same = false;

    TEST_CHECK_EQUAL(wt_client(&client, BANK_NO_LIMIT), 0, "client");
    TEST_CHECK_EQUAL(wt_target_start(&target), 0, "target");
    TEST_CHECK_EQUAL(wt_wrap(&client, target.endpoint, &wrapper, &handle), 0, "create");
    TEST_CHECK_EQUAL(l4_create(WT_ACTOR_HEAP, BURSAR_OBJECT_ENDPOINT, given, 0), 0, "an endpoint to give");
    TEST_CHECK_EQUAL(l4_cap_copy(given, mine, BURSAR_RIGHTS_ALL, 0), 0, "a copy to give it from");

    /* COPY: the target holds the same object, a COPY, with the rights sent. */
    l4_msg_start(&m, TARGET_LABEL);
    l4_msg_append(&m, 7);
    l4_msg_append_capability(&m, mine, WG, BURSAR_COPY, 0);
    TEST_CHECK_EQUAL(wt_call(wrapper, &m), 0, "a call with a capability COPY");
    TEST_CHECK(target.calls == 1 && BURSAR_TAG_TYPED(target.tag) == 1 && target.items[0].kind == BURSAR_ITEM_CAPABILITY &&
               target.items[0].mode == BURSAR_COPY && target.items[0].rights == WG,
               "the target got %u items: kind %u mode %u rights %u", BURSAR_TAG_TYPED(target.tag),
               target.items[0].kind, target.items[0].mode, target.items[0].rights);
    TEST_CHECK_EQUAL(l4_cap_compare(target.items[0].slot, given, &same), 0, "compare");
    TEST_CHECK(same, "the target's capability names the endpoint given");
    TEST_CHECK_EQUAL(l4_cap_delete(target.items[0].slot), 0, "the target lets it go");

    /* REVOCABLE COPY: arrives as the sender's revocable copy, moved on (GRANT), and the sender revokes it. */
    l4_msg_start(&m, TARGET_LABEL);
    l4_msg_append(&m, 8);
    l4_msg_append_capability(&m, mine, WG, BURSAR_REVOCABLE_COPY, 0);
    TEST_CHECK_EQUAL(wt_call(wrapper, &m), 0, "a call with a REVOCABLE COPY");
    TEST_CHECK(target.calls == 2 && target.items[0].mode == BURSAR_GRANT && target.items[0].rights == WG,
               "the target got mode %u rights %u", target.items[0].mode, target.items[0].rights);
    TEST_CHECK_EQUAL(l4_cap_inspect(target.items[0].slot, &cap), 0, "the target's slot");
    TEST_CHECK(cap.type == BURSAR_OBJECT_ENDPOINT, "it holds an endpoint: type %u", cap.type);
    TEST_CHECK_EQUAL(l4_cap_revoke(mine), 0, "the sender revokes its revocable copies");
    TEST_CHECK_EQUAL(l4_cap_inspect(target.items[0].slot, &cap), 0, "the target's slot after");
    TEST_CHECK(cap.type == BURSAR_OBJECT_NONE && cap.revoked, "revoked at the target: type %u revoked %u", cap.type,
               cap.revoked);
    TEST_CHECK_EQUAL(echo(wrapper, 3, 4), 0, "the wrapper goes on");
    TEST_CHECK_EQUAL(wrapper_destroy(client.service, handle), 0, "destroy");
}

USER_TEST(1104, items_in_replies_come_back_capability_and_memory)
{
    struct wt_client client;
    struct wt_target target = { .mode = TARGET_REPLY_CAPABILITY, .reply_rights = WG, .reply_mode = BURSAR_COPY };
    unsigned wrapper, landed = wt_slot();
    uintptr_t page = wt_pages(1), window = wt_pages(16);
    uint32_t handle, frame;
    struct l4_msg m;
    struct l4_item item;
    bool same = false;

    TEST_CHECK_EQUAL(wt_client(&client, BANK_NO_LIMIT), 0, "client");
    TEST_CHECK_EQUAL(wt_target_start(&target), 0, "target");
    target.reply_slot = target.endpoint;
    TEST_CHECK_EQUAL(wt_wrap(&client, target.endpoint, &wrapper, &handle), 0, "create");

    l4_set_receive_windows(landed, 1, window, 16);
    l4_msg_start(&m, TARGET_LABEL);
    l4_msg_append(&m, 5);
    TEST_CHECK_EQUAL(wt_call(wrapper, &m), 0, "a call answered with a capability COPY");
    TEST_CHECK(l4_msg_words(&m) == 1 && m.mr[0] == 6 && l4_msg_items(&m) == 1, "the answer: %u words (%u), %u items",
               l4_msg_words(&m), m.mr[0], l4_msg_items(&m));
    TEST_CHECK(l4_msg_item(&m, 0, &item) && item.kind == BURSAR_ITEM_CAPABILITY && item.mode == BURSAR_COPY &&
               item.rights == WG && item.slot == landed, "the item: kind %u mode %u rights %u slot %u", item.kind,
               item.mode, item.rights, item.slot);
    TEST_CHECK_EQUAL(l4_cap_compare(landed, target.endpoint, &same), 0, "compare");
    TEST_CHECK(same, "it names the target's endpoint");
    TEST_CHECK_EQUAL(l4_cap_delete(landed), 0, "delete it");
    l4_msg_start(&m, TARGET_LABEL);
    l4_msg_append(&m, 5);
    TEST_CHECK_EQUAL(wt_call(wrapper, &m), 0, "a second one: the wrapper's window was cleaned");
    TEST_CHECK_EQUAL(l4_cap_delete(landed), 0, "delete it");

    /* Memory by GRANT: the target's page, with what it wrote, moves to the caller. */
    TEST_CHECK_EQUAL(l4_bank_buy(client.bank, page, 1, &frame), 0, "the target's page");
    memset((void *)page, 0xa5, 4096);
    target.reply_page = page;
    target.reply_rights = RW;
    target.reply_mode = BURSAR_GRANT;
    target.mode = TARGET_REPLY_MEMORY;
    l4_msg_start(&m, TARGET_LABEL);
    TEST_CHECK_EQUAL(wt_call(wrapper, &m), 0, "a call answered with memory");
    TEST_CHECK(l4_msg_item(&m, 0, &item) && item.kind == BURSAR_ITEM_MEMORY && item.mode == BURSAR_GRANT &&
               item.rights == RW && item.address >= window && item.address < window + 0x10000,
               "the item: kind %u mode %u rights %u at %x", item.kind, item.mode, item.rights, item.address);
    TEST_CHECK(((volatile uint8_t *)item.address)[100] == 0xa5, "the bytes came with it");
    l4_set_receive_windows(BURSAR_NO_CAPABILITY, 0, 0, 0);
    TEST_CHECK_EQUAL(l4_bank_return(client.bank, &frame, 1), 0, "the page back to the bank");
    target.mode = TARGET_ECHO;
    TEST_CHECK_EQUAL(echo(wrapper, 1, 1), 0, "the wrapper goes on");
    TEST_CHECK_EQUAL(wrapper_destroy(client.service, handle), 0, "destroy");
}

USER_TEST(1105, memory_items_go_through_revocable_copy_and_grant)
{
    struct wt_client client;
    struct wt_target target = { .mode = TARGET_ECHO, .keep_items = true };
    unsigned wrapper;
    uintptr_t page = wt_pages(2);
    uint32_t handle, frames[2];
    struct l4_msg m;
    volatile uint8_t *seen;

    TEST_CHECK_EQUAL(wt_client(&client, BANK_NO_LIMIT), 0, "client");
    TEST_CHECK_EQUAL(wt_target_start(&target), 0, "target");
    TEST_CHECK_EQUAL(wt_wrap(&client, target.endpoint, &wrapper, &handle), 0, "create");
    TEST_CHECK_EQUAL(l4_bank_buy(client.bank, page, 2, frames), 0, "two pages");
    memset((void *)page, 0x3c, 8192);

    /* REVOCABLE COPY: the target sees the bytes; the sender's revoke takes the page away from it. */
    l4_msg_start(&m, TARGET_LABEL);
    l4_msg_append_memory(&m, page, 12, RW, BURSAR_REVOCABLE_COPY);
    TEST_CHECK_EQUAL(wt_call(wrapper, &m), 0, "a call with memory, REVOCABLE COPY");
    TEST_CHECK(target.calls == 1 && target.items[0].kind == BURSAR_ITEM_MEMORY && target.items[0].mode == BURSAR_GRANT &&
               target.items[0].rights == RW, "the target got kind %u mode %u rights %u", target.items[0].kind,
               target.items[0].mode, target.items[0].rights);
    seen = (volatile uint8_t *)target.items[0].address;
    TEST_CHECK(seen[17] == 0x3c, "the bytes arrived");
    seen[18] = 0x77;
    TEST_CHECK(((volatile uint8_t *)page)[18] == 0x77, "one page, shared");
    TEST_CHECK_EQUAL(l4_unmap_derived(page, 1), 0, "the sender revokes what it mapped");
    TEST_CHECK_EQUAL(l4_map(BURSAR_SLOT_TASK, target.items[0].address, wt_pages(1), BURSAR_RIGHT_READ, 1),
                     -BURSAR_E_NOT_MAPPED, "the target's page is gone");

    /* GRANT: the page moves; the sender has it no more. */
    l4_msg_start(&m, TARGET_LABEL);
    l4_msg_append_memory(&m, page + 4096, 12, RW, BURSAR_GRANT);
    TEST_CHECK_EQUAL(wt_call(wrapper, &m), 0, "a call with memory, GRANT");
    TEST_CHECK(target.calls == 2 && target.items[0].mode == BURSAR_GRANT, "the target got mode %u",
               target.items[0].mode);
    TEST_CHECK(((volatile uint8_t *)target.items[0].address)[5] == 0x3c, "the bytes arrived");
    TEST_CHECK_EQUAL(l4_map(BURSAR_SLOT_TASK, page + 4096, wt_pages(1), BURSAR_RIGHT_READ, 1),
                     -BURSAR_E_NOT_MAPPED, "the sender's page is gone");
    TEST_CHECK_EQUAL(echo(wrapper, 1, 1), 0, "the wrapper goes on");
    TEST_CHECK_EQUAL(wrapper_destroy(client.service, handle), 0, "destroy");
}

USER_TEST(1106, items_a_wrapper_does_not_carry_are_refused_and_the_wrapper_goes_on)
{
    struct wt_client client;
    struct wt_target target = { .mode = TARGET_ECHO };
    unsigned wrapper, given = wt_slot();
    uintptr_t page = wt_pages(1);
    uint32_t handle, frame;
    struct l4_msg m;

    TEST_CHECK_EQUAL(wt_client(&client, BANK_NO_LIMIT), 0, "client");
    TEST_CHECK_EQUAL(wt_target_start(&target), 0, "target");
    TEST_CHECK_EQUAL(wt_wrap(&client, target.endpoint, &wrapper, &handle), 0, "create");
    TEST_CHECK_EQUAL(l4_create(WT_ACTOR_HEAP, BURSAR_OBJECT_ENDPOINT, given, 0), 0, "an endpoint");
    TEST_CHECK_EQUAL(l4_bank_buy(client.bank, page, 1, &frame), 0, "a page");

    l4_msg_start(&m, TARGET_LABEL);
    l4_msg_append_memory(&m, page, 12, BURSAR_RIGHT_READ, BURSAR_COPY);
    TEST_CHECK_EQUAL(l4_rpc(wrapper, &m, BURSAR_TIMEOUT_NEVER, BURSAR_TIMEOUT_MS(3000)), -WRAPPER_E_NOT_FORWARDED,
                     "a memory COPY");
    l4_msg_start(&m, TARGET_LABEL);
    l4_msg_append_capability(&m, given, BURSAR_RIGHT_WRITE, BURSAR_COPY, 0);
    TEST_CHECK_EQUAL(l4_rpc(wrapper, &m, BURSAR_TIMEOUT_NEVER, BURSAR_TIMEOUT_MS(3000)), -WRAPPER_E_NOT_FORWARDED,
                     "a capability without GRANT");
    TEST_CHECK_EQUAL(target.calls, 0u, "the target saw neither");
    /* The windows are clean: items go through again, and so do words. */
    l4_msg_start(&m, TARGET_LABEL);
    l4_msg_append_capability(&m, given, WG, BURSAR_COPY, 0);
    l4_msg_append_memory(&m, page, 12, BURSAR_RIGHT_READ, BURSAR_REVOCABLE_COPY);
    TEST_CHECK_EQUAL(l4_rpc(wrapper, &m, BURSAR_TIMEOUT_NEVER, BURSAR_TIMEOUT_MS(3000)), 0, "two good items");
    TEST_CHECK_EQUAL(target.calls, 1u, "the target saw them");
    TEST_CHECK_EQUAL(echo(wrapper, 9, 9), 0, "words");
    TEST_CHECK_EQUAL(wrapper_destroy(client.service, handle), 0, "destroy");
    TEST_CHECK_EQUAL(l4_bank_return(client.bank, &frame, 1), 0, "the page back");
}

/* In an actor: a plain call, a call through a revocable copy and one through a wrapper, each counted. */
struct fast_path_job {
    struct wt_job job;
    unsigned plain, revocable, wrapper;
    uint32_t fast[3], cr3[3];
};

static int count_calls(struct wt_job *job)
{
    struct fast_path_job *f = (struct fast_path_job *)job;
    unsigned endpoints[] = { f->plain, f->revocable, f->wrapper };

    for (unsigned i = 0; i < 3; i++) {
        struct bursar_system_info before, after;
        l4_system_info(&before);
        int error = echo_timed(endpoints[i], i, i, BURSAR_TIMEOUT_NEVER);
        l4_system_info(&after);
        if (error)
            return error;
        f->fast[i] = after.fast_path_ipcs - before.fast_path_ipcs;
        f->cr3[i] = after.address_space_switches - before.address_space_switches;
    }
    return 0;
}

USER_TEST(1107, a_call_through_a_wrapper_takes_the_fast_path_four_times_as_a_plain_call_does_twice)
{
    struct wt_client client;
    struct wt_target target = { .mode = TARGET_ECHO };
    struct fast_path_job f = { .job.run = count_calls };
    uint32_t handle;

    TEST_CHECK_EQUAL(wt_client(&client, BANK_NO_LIMIT), 0, "client");
    TEST_CHECK_EQUAL(wt_target_start(&target), 0, "target");
    f.plain = target.endpoint;
    f.revocable = wt_slot();
    TEST_CHECK_EQUAL(l4_cap_transfer(target.endpoint, BURSAR_OWN_TASK, f.revocable, WG, BURSAR_REVOCABLE_COPY, 0), 0,
                     "a revocable copy");
    TEST_CHECK_EQUAL(wt_wrap(&client, target.endpoint, &f.wrapper, &handle), 0, "create");
    TEST_CHECK_EQUAL(echo(f.wrapper, 0, 0), 0, "a first call: the forwarding thread is waiting");
    TEST_CHECK_EQUAL(wt_job_start(&f.job), 0, "an actor at the wrapper's priority");
    TEST_CHECK(wt_job_wait(&f.job, 2000), "it finished");
    TEST_CHECK_EQUAL(f.job.result, 0, "its calls");
    /* The slow-path kernel takes none; the other takes each IPC of the round trips. */
    TEST_CHECK(f.fast[1] == f.fast[0] && f.fast[2] == 2 * f.fast[0] && (f.fast[0] == 0 || f.fast[0] == 2),
               "fast-path IPCs: plain %u, revocable copy %u, wrapper %u", f.fast[0], f.fast[1], f.fast[2]);
    /* The actor and the target share this task; the wrapper is the server's: there and back, twice. */
    TEST_CHECK(f.cr3[0] == 0 && f.cr3[1] == 0 && f.cr3[2] == 4, "CR3 loads: plain %u, revocable %u, wrapper %u",
               f.cr3[0], f.cr3[1], f.cr3[2]);
    TEST_CHECK_EQUAL(wrapper_destroy(client.service, handle), 0, "destroy");
}
