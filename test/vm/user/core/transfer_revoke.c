/*
 * transfer_revoke.c — revokes that happen while the holder is in the middle
 * of using what it was given: blocked in an IPC through a capability,
 * blocked sending that capability on as an item, or touching a page.
 * docs/abi.md §6 says what each must do.
 */
#include "transfer.h"

#define RW (BURSAR_RIGHT_READ | BURSAR_RIGHT_WRITE)

static int give_revocably(struct agent *to, unsigned slot, unsigned rights)
{
    struct l4_msg m;

    l4_msg_start(&m, AGENT_TAKE);
    l4_msg_append_capability(&m, slot, rights, BURSAR_REVOCABLE_COPY, 0);
    return agent_call(to, &m);
}

/* A request whose reply will not come soon: the call's receive phase gives up after 50 ms. */
static int start_request(struct agent *agent, struct l4_msg *m)
{
    return l4_msg_call(agent->endpoint, m, BURSAR_TIMEOUT_MS(1000), BURSAR_TIMEOUT_MS(50));
}

/*
 * B is blocked sending through a revocable copy when A revokes it: the
 * send was allowed when it began, so it stays blocked and is delivered;
 * B's next send through the slot fails with REVOKED, and A's record is back.
 */
USER_TEST(430, a_revoke_does_not_interrupt_a_send_already_waiting)
{
    static struct agent b;
    unsigned endpoint = core_slot();
    uint32_t records, badge = 0, tag = 0, mr0 = 0, mr1 = 0;
    struct agent_capability cap;
    struct l4_msg m;

    TEST_CHECK_EQUAL(agent_start(&b, 0, 12), 0, "start B");
    TEST_CHECK_EQUAL(l4_create(BURSAR_SLOT_HEAP, BURSAR_OBJECT_ENDPOINT, endpoint, 0), 0, "endpoint");
    records = heap_live(BURSAR_SLOT_HEAP, BURSAR_HEAP_RECORD);
    TEST_CHECK_EQUAL(give_revocably(&b, endpoint, BURSAR_RIGHT_WRITE), 0, "give B a revocable copy");
    TEST_CHECK_EQUAL(heap_live(BURSAR_SLOT_HEAP, BURSAR_HEAP_RECORD), records + 1, "A paid a record");
    l4_msg_start(&m, AGENT_SEND);
    l4_msg_append(&m, AGENT_WINDOW);
    l4_msg_append(&m, BURSAR_TIMEOUT_NEVER);
    TEST_CHECK_EQUAL(start_request(&b, &m), -BURSAR_E_TIMEOUT, "B is blocked sending");
    TEST_CHECK_EQUAL(l4_cap_revoke(endpoint), 0, "A revokes while B waits");
    TEST_CHECK_EQUAL(heap_live(BURSAR_SLOT_HEAP, BURSAR_HEAP_RECORD), records, "A's record is back");
    TEST_CHECK_EQUAL(l4_receive(endpoint, BURSAR_NO_CAPABILITY, &badge, &tag, &mr0, &mr1, BURSAR_TIMEOUT_ZERO), 0,
                     "the waiting message is still delivered");
    TEST_CHECK(BURSAR_TAG_LABEL(tag) == AGENT_TAKE && mr0 == 7, "the message: label %u word %u",
               BURSAR_TAG_LABEL(tag), mr0);
    TEST_CHECK(agent_inspect(&b, AGENT_WINDOW, &cap) == 0 && cap.type == BURSAR_OBJECT_NONE && cap.revoked,
               "B's slot: type %u revoked %u", cap.type, cap.revoked);
    TEST_CHECK_EQUAL(agent_do(&b, AGENT_SEND, AGENT_WINDOW, BURSAR_TIMEOUT_ZERO, 0, &m), -BURSAR_E_REVOKED,
                     "B's next send through the slot");
}

/*
 * B is blocked calling an endpoint with an item naming its revocable copy
 * when A revokes the copy: the item is checked again when the message meets
 * its receiver, so the call fails with REVOKED and the receiver gets nothing.
 * The same call without the revoke delivers the capability.
 */
USER_TEST(431, a_revoked_item_source_is_refused_when_the_message_is_delivered)
{
    static struct agent b;
    unsigned endpoint = core_slot(), inbox = core_slot(), window = core_slot();
    uint32_t badge = 0, tag = 0, mr0 = 0, mr1 = 0;
    struct agent_capability cap;
    struct l4_cap_info own;
    struct l4_msg m;

    TEST_CHECK_EQUAL(agent_start(&b, 0, 12), 0, "start B");
    TEST_CHECK_EQUAL(l4_create(BURSAR_SLOT_HEAP, BURSAR_OBJECT_ENDPOINT, endpoint, 0), 0, "endpoint");
    TEST_CHECK_EQUAL(l4_create(BURSAR_SLOT_HEAP, BURSAR_OBJECT_ENDPOINT, inbox, 0), 0, "the root's inbox");
    TEST_CHECK_EQUAL(agent_give(&b, inbox, AGENT_TARGET, BURSAR_RIGHT_WRITE), 0, "B calls the root's inbox");
    TEST_CHECK_EQUAL(give_revocably(&b, endpoint, BURSAR_RIGHT_WRITE | BURSAR_RIGHT_GRANT), 0, "give B a copy");
    l4_set_receive_windows(window, 1, 0, 0);
    for (unsigned round = 0; round < 2; round++) {
        l4_msg_start(&m, AGENT_FORWARD);
        l4_msg_append(&m, 1);
        l4_msg_append(&m, BURSAR_ITEM_CAPABILITY_WORD(AGENT_WINDOW, BURSAR_RIGHT_WRITE, BURSAR_COPY));
        l4_msg_append(&m, 0);
        TEST_CHECK_EQUAL(start_request(&b, &m), -BURSAR_E_TIMEOUT, "B is blocked calling the inbox");
        if (round == 1)
            TEST_CHECK_EQUAL(l4_cap_revoke(endpoint), 0, "A revokes while B waits");
        tag = 0;
        TEST_CHECK_EQUAL(l4_receive(inbox, BURSAR_NO_CAPABILITY, &badge, &tag, &mr0, &mr1, BURSAR_TIMEOUT_ZERO),
                         round == 0 ? 0 : -BURSAR_E_TIMEOUT, "the root receives");
        TEST_CHECK_EQUAL(l4_cap_inspect(window, &own), 0, "inspect the root's window");
        if (round == 0) {
            TEST_CHECK(BURSAR_TAG_TYPED(tag) == 1 && own.type == BURSAR_OBJECT_ENDPOINT,
                       "without the revoke: %u items, window type %u", BURSAR_TAG_TYPED(tag), own.type);
            TEST_CHECK_EQUAL(l4_cap_delete(window), 0, "empty the window");
        } else {
            TEST_CHECK_EQUAL(own.type, BURSAR_OBJECT_NONE, "after the revoke the window stays empty");
        }
    }
    l4_set_receive_windows(0, 0, 0, 0);
    /* B's call failed with REVOKED (its reply went nowhere: the root's request had timed out). */
    TEST_CHECK(agent_inspect(&b, AGENT_WINDOW, &cap) == 0 && cap.type == BURSAR_OBJECT_NONE && cap.revoked,
               "B's slot: type %u revoked %u", cap.type, cap.revoked);
}

/*
 * B reads a page A mapped to it, in a loop, when A revokes the mapping: B's
 * next read faults. B's thread has no pager, so it is killed with one logged
 * line (with a pager the fault would go there: the faults work) and nothing
 * else is affected; A's record and B's page table go back to their heaps.
 */
USER_TEST(432, a_revoke_of_a_page_the_receiver_is_reading)
{
    static struct agent b;
    volatile uint32_t *counter;
    uintptr_t page, where;
    uint32_t frame, records, tables, before, after;
    struct l4_msg m;

    TEST_CHECK_EQUAL(agent_start(&b, 0, 12), 0, "start B");
    counter = agent_counter(0);
    TEST_CHECK_EQUAL(core_map_fresh_page(&page, &frame), 0, "a page");
    records = heap_live(BURSAR_SLOT_HEAP, BURSAR_HEAP_RECORD);
    tables = heap_live(b.heap, BURSAR_HEAP_PAGE_TABLE);
    TEST_CHECK_EQUAL(transfer_send_memory(&b, page, 12, RW, BURSAR_REVOCABLE_COPY, &where), 0, "map it to B");
    TEST_CHECK_EQUAL(agent_do(&b, AGENT_TOUCH, where, 0, 0, &m), 0, "B starts reading");
    core_sleep_ms(30);
    before = *counter;
    core_sleep_ms(30);
    TEST_CHECK(*counter > before && before > 0, "B is reading: %u then %u", before, *counter);
    TEST_CHECK_EQUAL(l4_unmap_derived(page, 1), 0, "A revokes");
    core_sleep_ms(30);
    before = *counter;
    core_sleep_ms(30);
    after = *counter;
    TEST_CHECK(after == before, "B went on reading: %u then %u", before, after);
    TEST_CHECK_EQUAL(l4_send(b.endpoint, BURSAR_TAG(AGENT_TAKE, 0, 0), 0, 0, BURSAR_TIMEOUT_ZERO),
                     -BURSAR_E_TIMEOUT, "B's thread no longer receives");
    TEST_CHECK_EQUAL(heap_live(BURSAR_SLOT_HEAP, BURSAR_HEAP_RECORD), records, "A's record is back");
    TEST_CHECK_EQUAL(heap_live(b.heap, BURSAR_HEAP_PAGE_TABLE), tables, "B's window page table is back");
    TEST_CHECK_EQUAL(*(volatile uint32_t *)page, *(volatile uint32_t *)page, "A's own page");
}
