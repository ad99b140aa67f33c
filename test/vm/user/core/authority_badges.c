/*
 * authority_badges.c — a badge goes only on an unbadged capability
 * (docs/abi.md §6, "Transfer modes") [830-832]. A badged capability passes
 * on with its own badge; asking for another one, by SYS_CAP_COPY in any
 * mode or by a typed item, is NO_RIGHTS and changes nothing, so a client
 * cannot re-badge its capability to a server's endpoint and pose as
 * another client.
 */
#include "core.h"
#include "proxy.h"
#include "transfer.h"

#include "libl4/message.h"

#define CLIENT_ONE 0x11u
#define CLIENT_TWO 0x22u

static const unsigned modes[] = { BURSAR_COPY, BURSAR_REVOCABLE_COPY, BURSAR_GRANT };

USER_TEST(830, a_badged_capability_is_never_badged_again)
{
    unsigned endpoint = core_slot(), badged = core_slot(), attempt = core_slot(), task = core_slot();
    static struct core_snapshot before, after;
    struct l4_cap_info cap;

    TEST_CHECK_EQUAL(l4_create(BURSAR_SLOT_HEAP, BURSAR_OBJECT_ENDPOINT, endpoint, 0), 0, "endpoint");
    TEST_CHECK_EQUAL(l4_create(BURSAR_SLOT_HEAP, BURSAR_OBJECT_TASK, task, 8), 0, "another task");
    TEST_CHECK_EQUAL(l4_cap_copy(endpoint, badged, BURSAR_RIGHT_WRITE | BURSAR_RIGHT_GRANT, CLIENT_ONE), 0,
                     "an unbadged capability takes a badge");
    for (unsigned m = 0; m < 3; m++) {
        static const uint32_t badges[] = { CLIENT_TWO, CLIENT_ONE, 0xffffffffu };
        for (unsigned b = 0; b < 3; b++) {
            core_snapshot_take(&before);
            TEST_CHECK_EQUAL_FMT(l4_cap_transfer(badged, BURSAR_OWN_TASK, attempt, BURSAR_RIGHT_WRITE, modes[m],
                                                 badges[b]), -BURSAR_E_NO_RIGHTS,
                                 "mode %u: badge %x on a badged one", modes[m], badges[b]);
            TEST_CHECK_EQUAL_FMT(l4_cap_transfer(badged, task, 1 + m, BURSAR_RIGHT_WRITE, modes[m], badges[b]),
                                 -BURSAR_E_NO_RIGHTS, "mode %u: badge %x into another task", modes[m], badges[b]);
            core_snapshot_take(&after);
            TEST_CHECK_EQUAL_FMT(core_snapshot_compare(&before, &after), 0, "mode %u: a refusal changed something",
                                 modes[m]);
        }
    }
    for (unsigned m = 0; m < 3; m++)
        TEST_CHECK_EQUAL_FMT(l4_cap_transfer(endpoint, task, 1 + m, BURSAR_RIGHT_READ, BURSAR_COPY, 0), 0,
                             "the other task's slot %u stayed empty", 1 + m);
    /* Badge word 0: the capability passes on with the badge it has, in every mode. */
    for (unsigned m = 0; m < 3; m++) {
        unsigned destination = core_slot();
        TEST_CHECK_EQUAL_FMT(l4_cap_transfer(badged, BURSAR_OWN_TASK, destination,
                                             BURSAR_RIGHT_WRITE | BURSAR_RIGHT_GRANT, modes[m], 0), 0,
                             "mode %u with badge 0", modes[m]);
        TEST_CHECK_EQUAL(l4_cap_inspect(destination, &cap), 0, "inspect");
        TEST_CHECK(cap.type == BURSAR_OBJECT_ENDPOINT && cap.badge == CLIENT_ONE, "mode %u: type %u badge %x",
                   modes[m], cap.type, cap.badge);
        badged = destination;           /* a GRANT moved it */
    }
}

/* Typed items: the same rule, checked with every other part of the message before anything moves. */
USER_TEST(831, a_message_cannot_rebadge_a_badged_capability)
{
    static struct agent b;
    static struct core_snapshot before, after;
    unsigned endpoint = core_slot(), badged = core_slot();
    struct agent_capability cap;
    struct l4_msg m;

    TEST_CHECK_EQUAL(agent_start(&b, 0, 12), 0, "start B");
    TEST_CHECK_EQUAL(l4_create(BURSAR_SLOT_HEAP, BURSAR_OBJECT_ENDPOINT, endpoint, 0), 0, "endpoint");
    TEST_CHECK_EQUAL(l4_cap_copy(endpoint, badged, BURSAR_RIGHT_WRITE | BURSAR_RIGHT_GRANT, CLIENT_ONE), 0, "badged");
    for (unsigned i = 0; i < 3; i++) {
        core_snapshot_take(&before);
        l4_msg_start(&m, AGENT_TAKE);
        l4_msg_append_capability(&m, badged, BURSAR_RIGHT_WRITE, modes[i], CLIENT_TWO);
        TEST_CHECK_EQUAL_FMT(agent_call(&b, &m), -BURSAR_E_NO_RIGHTS, "mode %u: an item re-badging it", modes[i]);
        core_snapshot_take(&after);
        TEST_CHECK_EQUAL_FMT(core_snapshot_compare(&before, &after), 0, "mode %u: the refusal changed something",
                             modes[i]);
        TEST_CHECK(agent_inspect(&b, AGENT_WINDOW, &cap) == 0 && cap.type == BURSAR_OBJECT_NONE,
                   "mode %u: B's window slot holds type %u", modes[i], cap.type);
    }
    /* With badge 0 it arrives, with its own badge. */
    l4_msg_start(&m, AGENT_TAKE);
    l4_msg_append_capability(&m, badged, BURSAR_RIGHT_WRITE, BURSAR_COPY, 0);
    TEST_CHECK_EQUAL(agent_call(&b, &m), 0, "the item with badge 0");
    TEST_CHECK(agent_inspect(&b, AGENT_WINDOW, &cap) == 0 && cap.type == BURSAR_OBJECT_ENDPOINT &&
               cap.badge == CLIENT_ONE, "B's slot: type %u badge %x", cap.type, cap.badge);
    /* An unbadged capability still takes a badge in a message. */
    TEST_CHECK_EQUAL(agent_do(&b, AGENT_DELETE, AGENT_WINDOW, 0, 0, &m), 0, "B empties its window slot");
    l4_msg_start(&m, AGENT_TAKE);
    l4_msg_append_capability(&m, endpoint, BURSAR_RIGHT_WRITE, BURSAR_COPY, CLIENT_TWO);
    TEST_CHECK_EQUAL(agent_call(&b, &m), 0, "an unbadged capability badged in a message");
    TEST_CHECK(agent_inspect(&b, AGENT_WINDOW, &cap) == 0 && cap.badge == CLIENT_TWO, "B's slot: badge %x",
               cap.badge);
}

/* The attack itself, from another task: client two holds its badged capability and tries to be client one. */
static struct {
    unsigned endpoint;
    volatile int status;
    volatile uint32_t badge, mr0;
} server;

static void server_receive(void *unused)
{
    uint32_t badge = 0, mr0 = 0;

    (void)unused;
    server.status = l4_receive(server.endpoint, BURSAR_NO_CAPABILITY, &badge, 0, &mr0, 0, BURSAR_TIMEOUT_MS(2000));
    server.badge = badge;
    server.mr0 = mr0;
}

USER_TEST(832, a_client_cannot_pose_as_another_client)
{
    static struct proxy client;
    unsigned badged = core_slot(), thread;
    struct l4_words out;

    server.endpoint = core_slot();
    server.status = 1;
    TEST_CHECK_EQUAL(l4_create(BURSAR_SLOT_HEAP, BURSAR_OBJECT_ENDPOINT, server.endpoint, 0), 0, "server endpoint");
    TEST_CHECK_EQUAL(proxy_start(&client, 0), 0, "client two's task");
    TEST_CHECK_EQUAL(l4_cap_copy(server.endpoint, badged, BURSAR_RIGHTS_ALL & ~BURSAR_RIGHT_READ, CLIENT_TWO), 0,
                     "client two's badged capability");
    TEST_CHECK_EQUAL(proxy_give(&client, badged, PROXY_FIRST_FREE, BURSAR_RIGHT_WRITE | BURSAR_RIGHT_GRANT), 0,
                     "given to client two");
    for (unsigned m = 0; m < 3; m++) {
        uint32_t word = (PROXY_FIRST_FREE + 1) | BURSAR_OWN_TASK << 16;
        TEST_CHECK_EQUAL_FMT(proxy_syscall(&client, SYS_CAP_COPY, PROXY_FIRST_FREE, word,
                                           BURSAR_RIGHT_WRITE | modes[m] << BURSAR_TRANSFER_MODE_SHIFT, CLIENT_ONE, 0),
                             -BURSAR_E_NO_RIGHTS, "mode %u: client two re-badges its capability", modes[m]);
        TEST_CHECK_EQUAL(proxy_syscall(&client, SYS_CAP_INSPECT, PROXY_FIRST_FREE + 1, 0, 0, 0, &out), 0, "inspect");
        TEST_CHECK_EQUAL_FMT(out.ebx, BURSAR_OBJECT_NONE, "mode %u: the destination stayed empty", modes[m]);
    }
    /* The server (a thread above the client, below the root) waits; what arrives carries client two's badge. */
    TEST_CHECK_EQUAL(core_spawn(server_receive, 0, CORE_LOW_PRIORITY + 1, &thread), 0, "server thread");
    TEST_CHECK_EQUAL(proxy_syscall(&client, l4_eax(SYS_SEND, BURSAR_TIMEOUT_MS(1000), 0), PROXY_FIRST_FREE,
                                   BURSAR_TAG(1, 1, 0), 0x5e4d, 0, 0), 0, "client two sends");
    TEST_CHECK(server.status == 0 && server.badge == CLIENT_TWO && server.mr0 == 0x5e4d,
               "the server got status %d badge %x word %x", server.status, server.badge, server.mr0);
}
