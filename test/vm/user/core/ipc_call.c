/*
 * ipc_call.c — the four ways to talk: call and reply, plain send and
 * receive (both directions), a reply-and-wait server loop, and messages
 * longer than the two register words, both ways.
 */
#include "core.h"

#include "libl4/message.h"

#define LABEL 0x77

struct server {
    unsigned endpoint, reply;
    volatile int error;
    volatile uint32_t badge, tag, mr0, mr1;
    volatile unsigned served;
};

/* Takes one call, answers it with label + 1 and both words doubled. */
static void answer_once(void *argument)
{
    struct server *s = argument;
    uint32_t badge = 0, tag = 0, mr0 = 0, mr1 = 0;

    s->error = l4_receive(s->endpoint, s->reply, &badge, &tag, &mr0, &mr1, BURSAR_TIMEOUT_NEVER);
    s->badge = badge, s->tag = tag, s->mr0 = mr0, s->mr1 = mr1;
    if (s->error == 0)
        s->error = l4_reply(s->reply, BURSAR_TAG(BURSAR_TAG_LABEL(tag) + 1, 2, 0), mr0 * 2, mr1 * 2);
}

static int make_endpoint_and_reply(struct server *s)
{
    int error;

    s->endpoint = core_slot();
    s->reply = core_slot();
    error = l4_create(BURSAR_SLOT_HEAP, BURSAR_OBJECT_ENDPOINT, s->endpoint, 0);
    return error ? error : l4_create(BURSAR_SLOT_HEAP, BURSAR_OBJECT_REPLY, s->reply, 0);
}

USER_TEST(100, call_is_answered_by_reply)
{
    static struct server s;
    uint32_t tag = BURSAR_TAG(LABEL, 2, 0), mr0 = 21, mr1 = 1000;
    unsigned thread;

    s = (struct server){ 0 };
    TEST_CHECK_EQUAL(make_endpoint_and_reply(&s), 0, "endpoint and reply object");
    TEST_CHECK_EQUAL(core_spawn(answer_once, &s, CORE_LOW_PRIORITY, &thread), 0, "server thread");
    TEST_CHECK_EQUAL(l4_call(s.endpoint, &tag, &mr0, &mr1, BURSAR_TIMEOUT_NEVER, BURSAR_TIMEOUT_MS(1000)), 0,
                     "call");
    TEST_CHECK_EQUAL(s.error, 0, "server's receive and reply");
    TEST_CHECK_EQUAL(s.tag, BURSAR_TAG(LABEL, 2, 0), "tag the server got");
    TEST_CHECK_EQUAL(s.mr0, 21, "MR0 the server got");
    TEST_CHECK_EQUAL(s.mr1, 1000, "MR1 the server got");
    TEST_CHECK_EQUAL(s.badge, 0, "badge of the unbadged original");
    TEST_CHECK_EQUAL(BURSAR_TAG_LABEL(tag), LABEL + 1, "reply label");
    TEST_CHECK_EQUAL(BURSAR_TAG_UNTYPED(tag), 2, "reply words");
    TEST_CHECK_EQUAL(mr0, 42, "reply MR0");
    TEST_CHECK_EQUAL(mr1, 2000, "reply MR1");
}

/* Receives one message (no reply object) and keeps it. */
static void receive_once(void *argument)
{
    struct server *s = argument;
    uint32_t badge = 0, tag = 0, mr0 = 0, mr1 = 0;

    s->error = l4_receive(s->endpoint, BURSAR_NO_CAPABILITY, &badge, &tag, &mr0, &mr1, BURSAR_TIMEOUT_NEVER);
    s->badge = badge, s->tag = tag, s->mr0 = mr0, s->mr1 = mr1;
    s->served++;
}

static void send_once(void *argument)
{
    struct server *s = argument;

    s->error = l4_send(s->endpoint, BURSAR_TAG(LABEL, 2, 0), 0xabc, 0xdef, BURSAR_TIMEOUT_NEVER);
    s->served++;
}

USER_TEST(101, send_reaches_a_waiting_receiver_and_receive_takes_a_waiting_sender)
{
    static struct server s;
    uint32_t tag = 0, mr0 = 0, mr1 = 0, badge = 1;
    unsigned thread;

    s = (struct server){ 0 };
    TEST_CHECK_EQUAL(make_endpoint_and_reply(&s), 0, "endpoint");
    /* The receiver blocks first; a zero-timeout send must then find it. */
    TEST_CHECK_EQUAL(core_spawn(receive_once, &s, CORE_LOW_PRIORITY, &thread), 0, "receiver thread");
    core_sleep_ms(20);
    TEST_CHECK_EQUAL(s.served, 0, "receiver returned before anything was sent");
    TEST_CHECK_EQUAL(l4_send(s.endpoint, BURSAR_TAG(LABEL, 2, 0), 5, 6, BURSAR_TIMEOUT_ZERO), 0, "send");
    core_sleep_ms(20);
    TEST_CHECK_EQUAL(s.served, 1, "receiver done");
    TEST_CHECK_EQUAL(s.error, 0, "receive");
    TEST_CHECK_EQUAL(s.tag, BURSAR_TAG(LABEL, 2, 0), "tag");
    TEST_CHECK(s.mr0 == 5 && s.mr1 == 6, "words %u %u", (unsigned)s.mr0, (unsigned)s.mr1);

    /* The other way round: the sender blocks first; a zero-timeout receive takes it. */
    s.served = 0;
    TEST_CHECK_EQUAL(core_spawn(send_once, &s, CORE_LOW_PRIORITY, &thread), 0, "sender thread");
    core_sleep_ms(20);
    TEST_CHECK_EQUAL(s.served, 0, "send returned with nobody receiving");
    TEST_CHECK_EQUAL(l4_receive(s.endpoint, BURSAR_NO_CAPABILITY, &badge, &tag, &mr0, &mr1, BURSAR_TIMEOUT_ZERO),
                     0, "receive");
    TEST_CHECK(tag == BURSAR_TAG(LABEL, 2, 0) && mr0 == 0xabc && mr1 == 0xdef && badge == 0,
               "got tag %x words %x %x badge %u", tag, mr0, mr1, badge);
    core_sleep_ms(20);
    TEST_CHECK_EQUAL(s.served, 1, "sender released");
    TEST_CHECK_EQUAL(s.error, 0, "send result");
}

/* A server that keeps a running total: each reply is the sum of all words so far. */
static void summing_server(void *argument)
{
    struct server *s = argument;
    uint32_t badge = 0, tag = 0, mr0 = 0, mr1 = 0, total = 0;
    int error = l4_receive(s->endpoint, s->reply, &badge, &tag, &mr0, &mr1, BURSAR_TIMEOUT_NEVER);

    while (error == 0) {
        total += mr0 + mr1;
        s->served++;
        tag = BURSAR_TAG(LABEL, 1, 0);
        mr0 = total;
        mr1 = 0;
        error = l4_reply_wait(s->endpoint, s->reply, &badge, &tag, &mr0, &mr1, BURSAR_TIMEOUT_NEVER);
    }
    s->error = error;
}

USER_TEST(102, reply_and_wait_serves_a_loop_of_calls)
{
    static struct server s;
    unsigned thread;
    uint32_t expected = 0;

    s = (struct server){ 0 };
    TEST_CHECK_EQUAL(make_endpoint_and_reply(&s), 0, "endpoint and reply object");
    TEST_CHECK_EQUAL(core_spawn(summing_server, &s, CORE_LOW_PRIORITY, &thread), 0, "server thread");
    for (uint32_t i = 1; i <= 10; i++) {
        uint32_t tag = BURSAR_TAG(LABEL, 2, 0), mr0 = i, mr1 = 100 * i;
        expected += i + 100 * i;
        TEST_CHECK_EQUAL(l4_call(s.endpoint, &tag, &mr0, &mr1, BURSAR_TIMEOUT_NEVER, BURSAR_TIMEOUT_MS(1000)), 0,
                         "call");
        TEST_CHECK_EQUAL(mr0, expected, "running total");
        TEST_CHECK_EQUAL(BURSAR_TAG_UNTYPED(tag), 1, "reply words");
    }
    TEST_CHECK_EQUAL(s.served, 10, "calls served");
    TEST_CHECK_EQUAL(s.error, 0, "server still waiting");
}

/* Answers each long message with its words reversed and one more word: the count. */
static void reversing_server(void *argument)
{
    struct server *s = argument;
    static struct l4_msg m, answer;
    int error = l4_msg_receive(s->endpoint, s->reply, &m, BURSAR_TIMEOUT_NEVER);

    while (error == 0) {
        unsigned words = l4_msg_words(&m);
        l4_msg_start(&answer, l4_msg_label(&m));
        for (unsigned i = 0; i < words; i++)
            l4_msg_append(&answer, m.mr[words - 1 - i]);
        l4_msg_append(&answer, words);
        s->served++;
        m = answer;
        error = l4_msg_reply_wait(s->endpoint, s->reply, &m, BURSAR_TIMEOUT_NEVER);
    }
    s->error = error;
}

/* Sends one 64-word message. */
static void long_sender(void *argument)
{
    struct server *s = argument;
    static struct l4_msg m;

    l4_msg_start(&m, LABEL);
    for (unsigned i = 0; i < BURSAR_MESSAGE_REGISTERS; i++)
        l4_msg_append(&m, 0x1000 + i * 7);
    s->error = l4_msg_send(s->endpoint, &m, BURSAR_TIMEOUT_NEVER);
    s->served++;
}

USER_TEST(103, long_messages_travel_both_ways)
{
    static struct server s, sender;
    static struct l4_msg m;
    unsigned thread;

    s = sender = (struct server){ 0 };
    TEST_CHECK_EQUAL(make_endpoint_and_reply(&s), 0, "endpoint and reply object");
    TEST_CHECK_EQUAL(core_spawn(reversing_server, &s, CORE_LOW_PRIORITY, &thread), 0, "server thread");
    for (unsigned words = 3; words < BURSAR_MESSAGE_REGISTERS; words += 20) {
        l4_msg_start(&m, LABEL);
        for (unsigned i = 0; i < words; i++)
            l4_msg_append(&m, 0xc0de0000u + i);
        TEST_CHECK_EQUAL(l4_msg_call(s.endpoint, &m, BURSAR_TIMEOUT_NEVER, BURSAR_TIMEOUT_MS(1000)), 0, "call");
        TEST_CHECK_EQUAL(l4_msg_words(&m), words + 1, "reply words");
        for (unsigned i = 0; i < words; i++)
            TEST_CHECK_EQUAL(m.mr[i], 0xc0de0000u + words - 1 - i, "reversed word");
        TEST_CHECK_EQUAL(m.mr[words], words, "count word");
    }
    /* Into the root: a full 64-word send, received with a plain receive. */
    sender.endpoint = core_slot();
    TEST_CHECK_EQUAL(l4_create(BURSAR_SLOT_HEAP, BURSAR_OBJECT_ENDPOINT, sender.endpoint, 0), 0, "endpoint");
    TEST_CHECK_EQUAL(core_spawn(long_sender, &sender, CORE_LOW_PRIORITY, &thread), 0, "sender thread");
    TEST_CHECK_EQUAL(l4_msg_receive(sender.endpoint, BURSAR_NO_CAPABILITY, &m, BURSAR_TIMEOUT_MS(1000)), 0,
                     "receive");
    TEST_CHECK_EQUAL(l4_msg_words(&m), BURSAR_MESSAGE_REGISTERS, "words received");
    for (unsigned i = 0; i < BURSAR_MESSAGE_REGISTERS; i++)
        TEST_CHECK_EQUAL(m.mr[i], 0x1000 + i * 7, "word");
    core_sleep_ms(10);
    TEST_CHECK_EQUAL(sender.served, 1, "sender released");
    TEST_CHECK_EQUAL(sender.error, 0, "sender's result");
}
