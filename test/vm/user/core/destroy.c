/*
 * destroy.c — destroying what threads are blocked on: an endpoint wakes
 * every sender and receiver queued on it with BURSAR_E_DESTROYED, a reply
 * object wakes its bound caller, and a destroyed thread leaves its
 * endpoint's queue without disturbing the others in it.
 */
#include "core.h"

struct blocked {
    unsigned endpoint, reply;
    uint32_t word;
    volatile int error;
    volatile bool returned;
};

static void block_sending(void *argument)
{
    struct blocked *b = argument;

    b->error = l4_send(b->endpoint, BURSAR_TAG(1, 1, 0), b->word, 0, BURSAR_TIMEOUT_NEVER);
    b->returned = true;
}

static void block_receiving(void *argument)
{
    struct blocked *b = argument;

    b->error = l4_receive(b->endpoint, BURSAR_NO_CAPABILITY, 0, 0, 0, 0, BURSAR_TIMEOUT_NEVER);
    b->returned = true;
}

static void block_receiving_with_reply(void *argument)
{
    struct blocked *b = argument;

    b->error = l4_receive(b->endpoint, b->reply, 0, 0, 0, 0, BURSAR_TIMEOUT_NEVER);
    b->returned = true;
}

static void block_calling(void *argument)
{
    struct blocked *b = argument;
    uint32_t tag = BURSAR_TAG(1, 0, 0), mr0 = 0, mr1 = 0;

    b->error = l4_call(b->endpoint, &tag, &mr0, &mr1, BURSAR_TIMEOUT_NEVER, BURSAR_TIMEOUT_NEVER);
    b->returned = true;
}

/* Three threads block on a new endpoint doing `what`; then it is destroyed. */
static void destroy_under(struct test_result *result, void (*what)(void *))
{
    static struct blocked threads[3];
    unsigned endpoint = core_slot(), thread;
    struct l4_cap_info cap;

    TEST_CHECK_EQUAL(l4_create(BURSAR_SLOT_HEAP, BURSAR_OBJECT_ENDPOINT, endpoint, 0), 0, "endpoint");
    for (unsigned i = 0; i < 3; i++) {
        threads[i] = (struct blocked){ .endpoint = endpoint, .word = i, .error = 1 };
        TEST_CHECK_EQUAL(core_spawn(what, &threads[i], CORE_LOW_PRIORITY, &thread), 0, "thread");
    }
    core_sleep_ms(20);
    for (unsigned i = 0; i < 3; i++)
        TEST_CHECK(!threads[i].returned, "thread %u returned before the destroy (%d)", i, threads[i].error);
    TEST_CHECK_EQUAL(l4_destroy(endpoint), 0, "destroy the endpoint");
    core_sleep_ms(20);
    for (unsigned i = 0; i < 3; i++)
        TEST_CHECK(threads[i].returned && threads[i].error == -BURSAR_E_DESTROYED,
                   "thread %u: returned %u with %d", i, threads[i].returned, threads[i].error);
    TEST_CHECK_EQUAL(l4_cap_inspect(endpoint, &cap), 0, "inspect");
    TEST_CHECK_EQUAL(cap.type, BURSAR_OBJECT_NONE, "the destroyed endpoint's slot");
    TEST_CHECK_EQUAL(l4_send(endpoint, 0, 0, 0, BURSAR_TIMEOUT_ZERO), -BURSAR_E_REVOKED, "send to it");
}

USER_TEST(130, destroying_an_endpoint_wakes_its_blocked_senders)
{
    destroy_under(result, block_sending);
}

USER_TEST(131, destroying_an_endpoint_wakes_its_blocked_receivers)
{
    destroy_under(result, block_receiving);
}

USER_TEST(132, destroying_an_endpoint_wakes_its_blocked_callers)
{
    destroy_under(result, block_calling);
}

USER_TEST(133, destroying_a_reply_object_wakes_the_caller_bound_to_it)
{
    static struct blocked caller;
    unsigned endpoint = core_slot(), reply = core_slot(), thread;
    uint32_t tag = 0;

    TEST_CHECK_EQUAL(l4_create(BURSAR_SLOT_HEAP, BURSAR_OBJECT_ENDPOINT, endpoint, 0), 0, "endpoint");
    TEST_CHECK_EQUAL(l4_create(BURSAR_SLOT_HEAP, BURSAR_OBJECT_REPLY, reply, 0), 0, "reply object");
    caller = (struct blocked){ .endpoint = endpoint, .error = 1 };
    TEST_CHECK_EQUAL(core_spawn(block_calling, &caller, CORE_LOW_PRIORITY, &thread), 0, "caller");
    TEST_CHECK_EQUAL(l4_receive(endpoint, reply, 0, &tag, 0, 0, BURSAR_TIMEOUT_MS(1000)), 0, "take the call");
    core_sleep_ms(20);
    TEST_CHECK(!caller.returned, "caller returned before the destroy (%d)", caller.error);
    TEST_CHECK_EQUAL(l4_destroy(reply), 0, "destroy the reply object");
    core_sleep_ms(20);
    TEST_CHECK(caller.returned && caller.error == -BURSAR_E_DESTROYED, "caller: returned %u with %d",
               caller.returned, caller.error);
}

USER_TEST(134, destroying_a_reply_object_wakes_a_receiver_waiting_to_bind_it)
{
    static struct blocked receiver;
    unsigned endpoint = core_slot(), reply = core_slot(), thread;

    TEST_CHECK_EQUAL(l4_create(BURSAR_SLOT_HEAP, BURSAR_OBJECT_ENDPOINT, endpoint, 0), 0, "endpoint");
    TEST_CHECK_EQUAL(l4_create(BURSAR_SLOT_HEAP, BURSAR_OBJECT_REPLY, reply, 0), 0, "reply object");
    receiver = (struct blocked){ .endpoint = endpoint, .reply = reply, .error = 1 };
    TEST_CHECK_EQUAL(core_spawn(block_receiving_with_reply, &receiver, CORE_LOW_PRIORITY, &thread), 0, "receiver");
    core_sleep_ms(20);
    TEST_CHECK_EQUAL(l4_destroy(reply), 0, "destroy the reply object");
    core_sleep_ms(20);
    TEST_CHECK(receiver.returned, "receiver still waiting");
    TEST_CHECK_EQUAL(receiver.error, -BURSAR_E_DESTROYED, "receiver's result");
}

USER_TEST(135, destroying_a_blocked_thread_takes_it_out_of_the_queue_and_nothing_else)
{
    static struct blocked senders[4];
    unsigned endpoint = core_slot(), threads[4];

    TEST_CHECK_EQUAL(l4_create(BURSAR_SLOT_HEAP, BURSAR_OBJECT_ENDPOINT, endpoint, 0), 0, "endpoint");
    for (unsigned i = 0; i < 4; i++) {
        senders[i] = (struct blocked){ .endpoint = endpoint, .word = i, .error = 1 };
        TEST_CHECK_EQUAL(core_spawn(block_sending, &senders[i], CORE_LOW_PRIORITY, &threads[i]), 0, "sender");
    }
    core_sleep_ms(20);
    /* The first, a middle and the last one go; 2 stays. */
    TEST_CHECK_EQUAL(l4_destroy(threads[0]), 0, "destroy sender 0");
    TEST_CHECK_EQUAL(l4_destroy(threads[1]), 0, "destroy sender 1");
    TEST_CHECK_EQUAL(l4_destroy(threads[3]), 0, "destroy sender 3");
    uint32_t mr0 = 0xff;
    TEST_CHECK_EQUAL(l4_receive(endpoint, BURSAR_NO_CAPABILITY, 0, 0, &mr0, 0, BURSAR_TIMEOUT_ZERO), 0, "receive");
    TEST_CHECK_EQUAL(mr0, 2, "the one sender left");
    TEST_CHECK_EQUAL(l4_receive(endpoint, BURSAR_NO_CAPABILITY, 0, 0, 0, 0, BURSAR_TIMEOUT_ZERO),
                     -BURSAR_E_TIMEOUT, "nobody else queued");
    core_sleep_ms(20);
    TEST_CHECK(senders[2].returned && senders[2].error == 0, "sender 2: returned %u with %d", senders[2].returned,
               senders[2].error);
    for (unsigned i = 0; i < 4; i += (i == 1 ? 2 : 1))
        TEST_CHECK(!senders[i].returned, "destroyed sender %u ran on", i);
}
