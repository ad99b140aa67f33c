/*
 * transfer_libl4.c — libl4's typed-item helpers (libl4/message.h,
 * libl4/utcb.h): items go after the words, at most BURSAR_MAX_TYPED_ITEMS
 * of them and never past the last message register; a full message is left
 * as it was; decoding gives back what was encoded; the windows land in the
 * UTCB words the kernel reads.
 */
#include "transfer.h"

USER_TEST(440, libl4_builds_and_decodes_items_within_the_limits)
{
    struct l4_msg m;
    struct l4_item item;
    uint32_t tag;

    l4_msg_start(&m, 9);
    TEST_CHECK(l4_msg_append(&m, 1) && l4_msg_append(&m, 2), "two words");
    for (unsigned i = 0; i < BURSAR_MAX_TYPED_ITEMS; i++)
        TEST_CHECK(l4_msg_append_capability(&m, 20 + i, BURSAR_RIGHT_WRITE, BURSAR_REVOCABLE_COPY, 0x100 + i),
                   "item %u", i);
    tag = m.tag;
    TEST_CHECK(!l4_msg_append_capability(&m, 30, BURSAR_RIGHT_WRITE, BURSAR_COPY, 0), "a ninth item");
    TEST_CHECK(!l4_msg_append(&m, 3), "a word after the items");
    TEST_CHECK_EQUAL(m.tag, tag, "the tag after the refusals");
    TEST_CHECK(l4_msg_words(&m) == 2 && l4_msg_items(&m) == BURSAR_MAX_TYPED_ITEMS && l4_msg_label(&m) == 9,
               "counts: %u words, %u items", l4_msg_words(&m), l4_msg_items(&m));
    TEST_CHECK(l4_msg_item(&m, 5, &item), "decode item 5");
    TEST_CHECK(item.kind == BURSAR_ITEM_CAPABILITY && item.slot == 25 && item.rights == BURSAR_RIGHT_WRITE &&
               item.mode == BURSAR_REVOCABLE_COPY && item.badge == 0x105,
               "item 5: kind %u slot %u rights %x mode %u badge %x", item.kind, item.slot, item.rights, item.mode,
               item.badge);
    TEST_CHECK(!l4_msg_item(&m, BURSAR_MAX_TYPED_ITEMS, &item), "an item past the last");

    /* Room for words: 62 words leave room for exactly one item. */
    l4_msg_start(&m, 1);
    for (unsigned i = 0; i < BURSAR_MESSAGE_REGISTERS - 2; i++)
        l4_msg_append(&m, i);
    TEST_CHECK(l4_msg_append_memory(&m, 0x20000000, 13, BURSAR_RIGHT_READ, BURSAR_COPY), "the last two registers");
    TEST_CHECK(!l4_msg_append_memory(&m, 0x20002000, 12, BURSAR_RIGHT_READ, BURSAR_COPY), "past the registers");
    TEST_CHECK(l4_msg_item(&m, 0, &item) && item.kind == BURSAR_ITEM_MEMORY && item.address == 0x20000000 &&
               item.log2_size == 13 && item.rights == BURSAR_RIGHT_READ && item.mode == BURSAR_COPY,
               "the memory item: kind %u address %x size 2^%u", item.kind, (unsigned)item.address, item.log2_size);

    /* The windows are the two UTCB words the kernel reads. */
    l4_set_receive_windows(40, 3, 0x60000000, 20);
    TEST_CHECK_EQUAL(l4_utcb_word(offsetof(struct bursar_utcb, receive_capabilities)),
                     BURSAR_CAPABILITY_WINDOW(40, 3), "capability window");
    TEST_CHECK_EQUAL(l4_utcb_word(offsetof(struct bursar_utcb, receive_memory)), 0x60000000u | 20,
                     "memory window");
    l4_set_receive_windows(0, 0, 0, 0);
    TEST_CHECK(l4_utcb_word(offsetof(struct bursar_utcb, receive_capabilities)) == 0 &&
               l4_utcb_word(offsetof(struct bursar_utcb, receive_memory)) == 0, "windows closed");
}

/* Words and items together: the words arrive as sent, the items (in the UTCB past MR1) as placed. */
USER_TEST(441, a_message_with_words_and_items_arrives_whole)
{
    static struct agent b;
    unsigned endpoint = core_slot();
    uintptr_t page;
    uint32_t frame;
    struct l4_item cap_item, memory_item;
    struct agent_capability cap;
    struct l4_msg m, got;

    TEST_CHECK_EQUAL(agent_start(&b, 0, 12), 0, "start B");
    TEST_CHECK_EQUAL(l4_create(BURSAR_SLOT_HEAP, BURSAR_OBJECT_ENDPOINT, endpoint, 0), 0, "endpoint");
    TEST_CHECK_EQUAL(core_map_fresh_page(&page, &frame), 0, "a page");
    l4_msg_start(&m, AGENT_TAKE);
    for (unsigned i = 0; i < 3; i++)
        l4_msg_append(&m, 0xa0 + i);
    l4_msg_append_capability(&m, endpoint, BURSAR_RIGHT_WRITE, BURSAR_COPY, 0xbad9e);
    l4_msg_append_memory(&m, page, 12, BURSAR_RIGHT_READ, BURSAR_REVOCABLE_COPY);
    TEST_CHECK_EQUAL(agent_call(&b, &m), 0, "send to B");
    /* B's reply: the item count, the two items as B got them, the three words. */
    got.tag = BURSAR_TAG(0, 0, m.mr[0]);
    for (unsigned i = 0; i < 4; i++)
        got.mr[i] = m.mr[1 + i];
    TEST_CHECK(l4_msg_items(&got) == 2 && l4_msg_item(&got, 0, &cap_item) && l4_msg_item(&got, 1, &memory_item),
               "B got %u items", l4_msg_items(&got));
    TEST_CHECK(cap_item.kind == BURSAR_ITEM_CAPABILITY && cap_item.slot == AGENT_WINDOW && cap_item.badge == 0xbad9e,
               "the capability: kind %u slot %u badge %x", cap_item.kind, cap_item.slot, cap_item.badge);
    TEST_CHECK(memory_item.kind == BURSAR_ITEM_MEMORY &&
               memory_item.address == AGENT_MEMORY_WINDOW + (page & ((1u << AGENT_MEMORY_LOG2) - 1)),
               "the page: kind %u at %x", memory_item.kind, (unsigned)memory_item.address);
    TEST_CHECK(agent_inspect(&b, AGENT_WINDOW, &cap) == 0 && cap.type == BURSAR_OBJECT_ENDPOINT &&
               cap.badge == 0xbad9e, "B's slot: type %u badge %x", cap.type, cap.badge);
    TEST_CHECK(m.mr[5] == 0xa0 && m.mr[6] == 0xa1 && m.mr[7] == 0xa2, "the words B got: %x %x %x", m.mr[5],
               m.mr[6], m.mr[7]);
    TEST_CHECK_EQUAL(agent_probe(&b, memory_item.address, BURSAR_RIGHT_READ), -BURSAR_E_TIMEOUT, "B maps the page");
}

/* Items between two threads of one task: a slot to a slot, a page to another address of the same space. */
#define SAME_TASK_WINDOW 0x28000000u

static struct {
    unsigned endpoint;
    volatile int status;
    volatile uint32_t tag, words[4];
} same_task;

static void same_task_receiver(void *unused)
{
    struct l4_msg m;

    (void)unused;
    l4_set_receive_windows(same_task.endpoint + 1, 1, SAME_TASK_WINDOW, 22);
    same_task.status = l4_msg_receive(same_task.endpoint, BURSAR_NO_CAPABILITY, &m, BURSAR_TIMEOUT_MS(1000));
    l4_set_receive_windows(0, 0, 0, 0);     /* the UTCB serves other tests' threads later */
    same_task.tag = m.tag;
    for (unsigned i = 0; i < 4; i++)
        same_task.words[i] = m.mr[i];
}

USER_TEST(442, items_between_two_threads_of_one_task)
{
    unsigned thread, window;
    uintptr_t page, landed;
    uint32_t frame, records, tables;
    struct l4_cap_info cap;
    struct l4_msg m;

    same_task.endpoint = core_slot();
    window = core_slot();
    TEST_CHECK_EQUAL(window, same_task.endpoint + 1, "consecutive slots");
    TEST_CHECK_EQUAL(l4_create(BURSAR_SLOT_HEAP, BURSAR_OBJECT_ENDPOINT, same_task.endpoint, 0), 0, "endpoint");
    TEST_CHECK_EQUAL(core_map_fresh_page(&page, &frame), 0, "a page");
    *(volatile uint32_t *)page = 0x5a3e;
    landed = SAME_TASK_WINDOW + (page & 0x3fffffu);
    records = heap_live(BURSAR_SLOT_HEAP, BURSAR_HEAP_RECORD);
    tables = heap_live(BURSAR_SLOT_HEAP, BURSAR_HEAP_PAGE_TABLE);
    same_task.status = 1;
    TEST_CHECK_EQUAL(core_spawn(same_task_receiver, 0, CORE_LOW_PRIORITY, &thread), 0, "receiver thread");
    core_sleep_ms(20);                  /* the receiver is waiting */
    l4_msg_start(&m, 5);
    l4_msg_append_capability(&m, same_task.endpoint, BURSAR_RIGHT_WRITE, BURSAR_COPY, 0x42);
    l4_msg_append_memory(&m, page, 12, BURSAR_RIGHT_READ, BURSAR_REVOCABLE_COPY);
    TEST_CHECK_EQUAL(l4_msg_send(same_task.endpoint, &m, BURSAR_TIMEOUT_ZERO), 0, "send");
    core_sleep_ms(20);
    TEST_CHECK_EQUAL(same_task.status, 0, "the receiver's receive");
    TEST_CHECK(BURSAR_ITEM_SLOT(same_task.words[0]) == window && same_task.words[1] == 0x42 &&
               same_task.words[3] == landed, "what the receiver was told: slot %u badge %x page %x",
               BURSAR_ITEM_SLOT(same_task.words[0]), same_task.words[1], same_task.words[3]);
    TEST_CHECK_EQUAL(l4_cap_inspect(window, &cap), 0, "inspect");
    TEST_CHECK(cap.type == BURSAR_OBJECT_ENDPOINT && cap.rights == BURSAR_RIGHT_WRITE && cap.badge == 0x42,
               "the window slot: type %u rights %x badge %x", cap.type, cap.rights, cap.badge);
    TEST_CHECK_EQUAL(*(volatile uint32_t *)landed, 0x5a3e, "the page at its new address");
    TEST_CHECK_EQUAL(heap_live(BURSAR_SLOT_HEAP, BURSAR_HEAP_RECORD), records + 1, "one record");
    TEST_CHECK_EQUAL(heap_live(BURSAR_SLOT_HEAP, BURSAR_HEAP_PAGE_TABLE), tables + 1, "one page table");
    TEST_CHECK_EQUAL(l4_unmap_derived(page, 1), 0, "revoke the new mapping");
    TEST_CHECK_EQUAL(heap_live(BURSAR_SLOT_HEAP, BURSAR_HEAP_RECORD), records, "the record is back");
    TEST_CHECK_EQUAL(heap_live(BURSAR_SLOT_HEAP, BURSAR_HEAP_PAGE_TABLE), tables, "the page table is back");
}
