/*
 * ipc_fast_path.c — the IPC fast path (kernel/ipc_fastpath.c) serves what
 * it claims to, and leaves everything else to the slow path with the same
 * result. A server thread at the root's priority answers every call with
 * reply-and-wait; each case makes one call and checks both the answer and
 * how many IPCs the fast path completed (SYS_SYSTEM_INFO.fast_path_ipcs):
 * on the kernel built without a fast path that count never moves, and the
 * answers are the same. The test says which it found ("fast path: on" or
 * "off"), and the harness checks that against the kernel it booted, so a
 * fast path that silently stopped serving anything would not pass as the
 * slow-path kernel.
 */
#include "core.h"

#include "libl4/printf.h"
#include "libl4/utcb.h"

#define STOP_LABEL 0x5109
#define HIGH_SLOT 300u      /* beyond the first capability-table page (slots 0-127) */
#define BADGE 0xbad6e

struct echo {
    unsigned endpoint, reply;
    volatile uint32_t badge, tag, mr0, mr1, mr2;
    volatile int error;
};

/* Until a STOP_LABEL call: record the message, answer label + 1 and both words + 1, two words only. */
static void echo_loop(void *argument)
{
    struct echo *e = argument;
    uint32_t badge = 0, tag = 0, mr0 = 0, mr1 = 0;
    int error = l4_receive(e->endpoint, e->reply, &badge, &tag, &mr0, &mr1, BURSAR_TIMEOUT_NEVER);

    while (error == 0 && BURSAR_TAG_LABEL(tag) != STOP_LABEL) {
        e->badge = badge, e->tag = tag, e->mr0 = mr0, e->mr1 = mr1;
        e->mr2 = BURSAR_TAG_UNTYPED(tag) > 2 ? l4_mr_get(2) : 0;
        tag = BURSAR_TAG(BURSAR_TAG_LABEL(tag) + 1, 2, 0);
        mr0++, mr1++;
        error = l4_reply_wait(e->endpoint, e->reply, &badge, &tag, &mr0, &mr1, BURSAR_TIMEOUT_NEVER);
    }
    e->error = error;
    if (error == 0)
        l4_reply(e->reply, BURSAR_TAG(STOP_LABEL, 0, 0), 0, 0);
}

static uint32_t fast_path_ipcs(void)
{
    struct bursar_system_info info = { 0 };

    l4_system_info(&info);
    return info.fast_path_ipcs;
}

#define CALL_FAILED 0xffffffffu

/*
 * One call through `slot`; its answer must be label + 1 and the words + 1.
 * Returns the fast-path IPCs it took, or CALL_FAILED (the failure recorded).
 */
static uint32_t call_once(struct test_result *result, unsigned slot, uint32_t label, unsigned words,
                          unsigned receive_timeout)
{
    uint32_t before = fast_path_ipcs(), tag = BURSAR_TAG(label, words, 0), mr0 = 10, mr1 = 20;
    int error;

    l4_mr_set(2, 30);
    error = l4_call(slot, &tag, &mr0, &mr1, BURSAR_TIMEOUT_NEVER, receive_timeout);
    if (error || tag != BURSAR_TAG(label + 1, 2, 0) || mr0 != 11 || mr1 != 21) {
        test_fail(result, __FILE__, __LINE__, "call %x: error %d, answer tag %x words %u %u", label, error, tag,
                  mr0, mr1);
        return CALL_FAILED;
    }
    return fast_path_ipcs() - before;
}

USER_TEST(104, the_fast_path_serves_what_it_claims_and_leaves_the_rest_with_the_same_result)
{
    static struct echo e;
    unsigned thread, badged = core_slot();
    uint32_t fast;

    e = (struct echo){ .endpoint = core_slot(), .reply = core_slot() };
    TEST_CHECK_EQUAL(l4_create(BURSAR_SLOT_HEAP, BURSAR_OBJECT_ENDPOINT, e.endpoint, 0), 0, "endpoint");
    TEST_CHECK_EQUAL(l4_create(BURSAR_SLOT_HEAP, BURSAR_OBJECT_REPLY, e.reply, 0), 0, "reply object");
    TEST_CHECK_EQUAL(l4_cap_copy(e.endpoint, badged, BURSAR_RIGHT_WRITE, BADGE), 0, "a badged copy");
    TEST_CHECK_EQUAL(l4_cap_copy(e.endpoint, HIGH_SLOT, BURSAR_RIGHTS_ALL, 0), 0, "a copy in a high slot");
    TEST_CHECK_EQUAL(core_spawn(echo_loop, &e, BURSAR_ROOT_PRIORITY, &thread), 0, "server thread");
    /* After one call the server is in its loop. */
    TEST_CHECK(call_once(result, e.endpoint, 0x10, 2, BURSAR_TIMEOUT_NEVER) != CALL_FAILED, "the first call");

    /* Register-only both ways: the call and the server's reply-and-wait, or neither. */
    fast = call_once(result, e.endpoint, 0x20, 2, BURSAR_TIMEOUT_NEVER);
    TEST_CHECK(fast == 2 || fast == 0, "a register-only round trip took %u fast-path IPCs", fast);
    bool has_fast_path = fast == 2;
    printf("  fast path: %s\n", has_fast_path ? "on" : "off");
    uint32_t expect = has_fast_path ? 1 : 0;

    TEST_CHECK_EQUAL(call_once(result, badged, 0x30, 2, BURSAR_TIMEOUT_NEVER), 2 * expect, "a badged call");
    TEST_CHECK_EQUAL(e.badge, BADGE, "the badge the server got");
    /* A third word lives in the UTCB: the call is the slow path's, the register-only reply is not. */
    TEST_CHECK_EQUAL(call_once(result, e.endpoint, 0x40, 3, BURSAR_TIMEOUT_NEVER), expect, "three words");
    TEST_CHECK(e.mr0 == 10 && e.mr1 == 20 && e.mr2 == 30, "words the server got: %u %u %u", e.mr0, e.mr1, e.mr2);
    /* A receive timeout on the call: both halves are the slow path's (the reply has a timeout to disarm). */
    TEST_CHECK_EQUAL(call_once(result, e.endpoint, 0x50, 2, BURSAR_TIMEOUT_MS(1000)), 0, "a receive timeout");
    TEST_CHECK_EQUAL(call_once(result, HIGH_SLOT, 0x60, 2, BURSAR_TIMEOUT_NEVER), expect, "a high slot");
    TEST_CHECK_EQUAL(e.badge, 0, "no badge through the unbadged copy");
    TEST_CHECK_EQUAL(call_once(result, e.endpoint, 0x70, 2, BURSAR_TIMEOUT_NEVER), 2 * expect, "back to both");

    uint32_t tag = BURSAR_TAG(STOP_LABEL, 0, 0), mr0 = 0, mr1 = 0;
    TEST_CHECK_EQUAL(l4_call(e.endpoint, &tag, &mr0, &mr1, BURSAR_TIMEOUT_NEVER, BURSAR_TIMEOUT_NEVER), 0, "stop");
    TEST_CHECK_EQUAL(e.error, 0, "the server's receives and replies");
    TEST_CHECK_EQUAL(l4_cap_delete(HIGH_SLOT), 0, "the high slot emptied");
}
