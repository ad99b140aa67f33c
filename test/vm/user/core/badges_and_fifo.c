/*
 * badges_and_fifo.c — what a receiver learns about its senders: the badge
 * of the capability each one used, the order in which they blocked, and
 * that a reply object answers its caller exactly once.
 */
#include "core.h"

struct sender {
    unsigned slot;                 /* the (badged) endpoint capability it sends through */
    unsigned delay_ms;             /* sleeps this long before sending */
    uint32_t word;
    volatile int error;
};

static void send_after_delay(void *argument)
{
    struct sender *s = argument;

    if (s->delay_ms)
        core_sleep_ms(s->delay_ms);
    s->error = l4_send(s->slot, BURSAR_TAG(3, 1, 0), s->word, 0, BURSAR_TIMEOUT_MS(2000));
}

USER_TEST(120, receiver_sees_the_badge_of_the_capability_each_sender_used)
{
    static struct sender senders[4];
    static const uint32_t badges[4] = { 0, 0x11, 0x2222, 0xfffffff0u };
    unsigned endpoint = core_slot(), rebadged = core_slot(), thread;
    struct l4_cap_info cap;
    bool seen[4] = { false, false, false, false };

    TEST_CHECK_EQUAL(l4_create(BURSAR_SLOT_HEAP, BURSAR_OBJECT_ENDPOINT, endpoint, 0), 0, "endpoint");
    for (unsigned i = 0; i < 4; i++) {
        senders[i] = (struct sender){ .slot = endpoint, .word = i, .error = 1 };
        if (badges[i]) {
            senders[i].slot = core_slot();
            TEST_CHECK_EQUAL(l4_cap_copy(endpoint, senders[i].slot, BURSAR_RIGHT_WRITE, badges[i]), 0, "badged copy");
            TEST_CHECK_EQUAL(l4_cap_inspect(senders[i].slot, &cap), 0, "inspect the copy");
            TEST_CHECK(cap.badge == badges[i] && cap.rights == BURSAR_RIGHT_WRITE, "copy: badge %x rights %x",
                       cap.badge, cap.rights);
        }
        TEST_CHECK_EQUAL(core_spawn(send_after_delay, &senders[i], CORE_LOW_PRIORITY, &thread), 0, "sender");
    }
    for (unsigned i = 0; i < 4; i++) {
        uint32_t badge = 0, mr0 = 0;
        int error = l4_receive(endpoint, BURSAR_NO_CAPABILITY, &badge, 0, &mr0, 0, BURSAR_TIMEOUT_MS(1000));
        TEST_CHECK(error == 0, "receive %u: %d (senders: %d %d %d %d)", i, error, senders[0].error,
                   senders[1].error, senders[2].error, senders[3].error);
        TEST_CHECK(mr0 < 4 && !seen[mr0], "word %u", mr0);
        seen[mr0] = true;
        TEST_CHECK(badge == badges[mr0], "sender %u: badge %x, expected %x", mr0, badge, badges[mr0]);
    }
    /* A copy with badge 0 keeps its source's badge. */
    TEST_CHECK_EQUAL(l4_cap_copy(senders[1].slot, rebadged, BURSAR_RIGHT_WRITE, 0), 0, "copy of a badged copy");
    TEST_CHECK_EQUAL(l4_cap_inspect(rebadged, &cap), 0, "inspect");
    TEST_CHECK_EQUAL(cap.badge, badges[1], "badge kept");
}

USER_TEST(121, blocked_senders_are_received_in_the_order_they_blocked)
{
    enum { SENDERS = 5 };
    static struct sender senders[SENDERS];
    /* Started in slot order, but each blocks after its own delay: the order is 3 1 4 0 2. */
    static const unsigned delays[SENDERS] = { 80, 40, 100, 20, 60 };
    static const unsigned expected[SENDERS] = { 3, 1, 4, 0, 2 };
    unsigned endpoint = core_slot(), thread;

    TEST_CHECK_EQUAL(l4_create(BURSAR_SLOT_HEAP, BURSAR_OBJECT_ENDPOINT, endpoint, 0), 0, "endpoint");
    for (unsigned i = 0; i < SENDERS; i++) {
        senders[i] = (struct sender){ .slot = endpoint, .delay_ms = delays[i], .word = i };
        TEST_CHECK_EQUAL(core_spawn(send_after_delay, &senders[i], CORE_LOW_PRIORITY, &thread), 0, "sender");
    }
    core_sleep_ms(200);                        /* every sender is blocked by now */
    for (unsigned i = 0; i < SENDERS; i++) {
        uint32_t mr0 = 0xffff;
        TEST_CHECK_EQUAL(l4_receive(endpoint, BURSAR_NO_CAPABILITY, 0, 0, &mr0, 0, BURSAR_TIMEOUT_ZERO), 0,
                         "receive a blocked sender");
        TEST_CHECK(mr0 == expected[i], "message %u came from sender %u, expected %u", i, mr0, expected[i]);
    }
    TEST_CHECK_EQUAL(l4_receive(endpoint, BURSAR_NO_CAPABILITY, 0, 0, 0, 0, BURSAR_TIMEOUT_ZERO),
                     -BURSAR_E_TIMEOUT, "queue empty afterwards");
}

struct twice {
    unsigned endpoint, reply;
    volatile int first, second, receive;
    volatile bool done;
};

/* Takes a call and replies to it twice. */
static void reply_twice(void *argument)
{
    struct twice *t = argument;

    t->receive = l4_receive(t->endpoint, t->reply, 0, 0, 0, 0, BURSAR_TIMEOUT_NEVER);
    t->first = l4_reply(t->reply, BURSAR_TAG(1, 1, 0), 1, 0);
    t->second = l4_reply(t->reply, BURSAR_TAG(2, 1, 0), 2, 0);
    t->done = true;
}

USER_TEST(122, a_reply_object_answers_once_then_has_no_caller)
{
    static struct twice t;
    uint32_t tag = BURSAR_TAG(7, 0, 0), mr0 = 0, mr1 = 0;
    unsigned thread;

    t = (struct twice){ .endpoint = core_slot(), .reply = core_slot() };
    TEST_CHECK_EQUAL(l4_create(BURSAR_SLOT_HEAP, BURSAR_OBJECT_ENDPOINT, t.endpoint, 0), 0, "endpoint");
    TEST_CHECK_EQUAL(l4_create(BURSAR_SLOT_HEAP, BURSAR_OBJECT_REPLY, t.reply, 0), 0, "reply object");
    TEST_CHECK_EQUAL(core_spawn(reply_twice, &t, CORE_LOW_PRIORITY, &thread), 0, "server");
    TEST_CHECK_EQUAL(l4_call(t.endpoint, &tag, &mr0, &mr1, BURSAR_TIMEOUT_NEVER, BURSAR_TIMEOUT_MS(1000)), 0, "call");
    TEST_CHECK(BURSAR_TAG_LABEL(tag) == 1 && mr0 == 1, "got reply label %u word %u", BURSAR_TAG_LABEL(tag), mr0);
    core_sleep_ms(10);
    TEST_CHECK(t.done, "server did not finish");
    TEST_CHECK_EQUAL(t.receive, 0, "server's receive");
    TEST_CHECK_EQUAL(t.first, 0, "first reply");
    TEST_CHECK_EQUAL(t.second, -BURSAR_E_NO_CALLER, "second reply");
    /* And the root's own reply through an unbound object is refused the same way. */
    TEST_CHECK_EQUAL(l4_reply(t.reply, 0, 0, 0), -BURSAR_E_NO_CALLER, "reply with nothing bound");
}

struct shared_reply {
    unsigned endpoint, reply;
    volatile int error;
    volatile bool returned;
};

static void receive_into_shared_reply(void *argument)
{
    struct shared_reply *s = argument;

    s->error = l4_receive(s->endpoint, s->reply, 0, 0, 0, 0, BURSAR_TIMEOUT_NEVER);
    s->returned = true;
}

/*
 * One reply object named by two waiting receivers could be bound to two
 * callers at once; the kernel must refuse the second receive (BUSY), as it
 * does when the object is already bound.
 */
USER_TEST(123, a_reply_object_waited_on_by_one_receiver_is_refused_to_another)
{
    static struct shared_reply first, second;
    unsigned endpoint = core_slot(), reply = core_slot(), thread;

    TEST_CHECK_EQUAL(l4_create(BURSAR_SLOT_HEAP, BURSAR_OBJECT_ENDPOINT, endpoint, 0), 0, "endpoint");
    TEST_CHECK_EQUAL(l4_create(BURSAR_SLOT_HEAP, BURSAR_OBJECT_REPLY, reply, 0), 0, "reply object");
    first = second = (struct shared_reply){ .endpoint = endpoint, .reply = reply };
    TEST_CHECK_EQUAL(core_spawn(receive_into_shared_reply, &first, CORE_LOW_PRIORITY, &thread), 0, "receiver 1");
    core_sleep_ms(10);
    TEST_CHECK_EQUAL(core_spawn(receive_into_shared_reply, &second, CORE_LOW_PRIORITY, &thread), 0, "receiver 2");
    core_sleep_ms(10);
    TEST_CHECK(!first.returned, "first receiver returned (%d)", first.error);
    /* The teardown destroys both receivers before anyone calls, whatever happened here. */
    TEST_CHECK(second.returned && second.error == -BURSAR_E_BUSY,
               "second receive with the same reply object: %s (error %d)",
               second.returned ? "returned" : "accepted and blocked", second.error);
}
