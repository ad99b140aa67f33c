/*
 * ipc_timeouts.c — every timeout kind on both phases: zero (fails at once
 * when nobody is there), relative (fails after about that long, measured
 * with the TSC) and infinite (waits until the partner comes, however long
 * that takes), for send, receive, and both phases of a call.
 *
 * Relative timeouts are rounded up to whole 10 ms timer ticks and expire on
 * a tick boundary, so a wait of T ms ends between T and T + 20 ms. Lower
 * bounds are checked in the kernel's timer ticks, the clock timeouts count
 * in; upper bounds with the TSC and generously, because TCG's clock is the
 * host's and a loaded host skews the TSC's calibration at boot.
 */
#include "core.h"

#define FAST_MS 5                       /* "at once": well under one timer tick */
#define SLACK_MS 200

struct partner {
    unsigned endpoint, reply;
    unsigned delay_ms;
    volatile int error;
    volatile unsigned done;
};

static int make_endpoint(struct partner *p)
{
    p->endpoint = core_slot();
    p->reply = core_slot();
    int error = l4_create(BURSAR_SLOT_HEAP, BURSAR_OBJECT_ENDPOINT, p->endpoint, 0);
    return error ? error : l4_create(BURSAR_SLOT_HEAP, BURSAR_OBJECT_REPLY, p->reply, 0);
}

/* The endpoint's queue is empty: nobody left behind by a timed-out operation. */
static bool queue_is_empty(unsigned endpoint)
{
    return l4_send(endpoint, 0, 0, 0, BURSAR_TIMEOUT_ZERO) == -BURSAR_E_TIMEOUT &&
           l4_receive(endpoint, BURSAR_NO_CAPABILITY, 0, 0, 0, 0, BURSAR_TIMEOUT_ZERO) == -BURSAR_E_TIMEOUT;
}

static uint32_t start_ticks;

/* The TSC now, and the timer ticks, for the checks after a wait. */
static uint64_t mark_start(void)
{
    start_ticks = core_ticks();
    return l4_timestamp();
}

/* Milliseconds of timer ticks since mark_start(). */
static uint32_t ticks_elapsed_ms(void)
{
    return core_ticks_elapsed_ms(start_ticks);
}

USER_TEST(110, send_with_zero_timeout_and_no_receiver_fails_at_once)
{
    static struct partner p;
    uint64_t start;
    int error;

    TEST_CHECK_EQUAL(make_endpoint(&p), 0, "endpoint");
    start = mark_start();
    error = l4_send(p.endpoint, BURSAR_TAG(1, 2, 0), 1, 2, BURSAR_TIMEOUT_ZERO);
    TEST_CHECK(core_elapsed_ms(start) < FAST_MS, "took %u ms", core_elapsed_ms(start));
    TEST_CHECK_EQUAL(error, -BURSAR_E_TIMEOUT, "send");
    TEST_CHECK(queue_is_empty(p.endpoint), "sender left queued");
}

/* A relative timeout of `ms` ends with TIMEOUT: not before `ms` of timer ticks, and not long after. */
static const char *check_relative(int error, uint32_t elapsed, unsigned ms)
{
    if (error != -BURSAR_E_TIMEOUT)
        return "did not time out";
    if (ticks_elapsed_ms() < ms)
        return "timed out too early";
    if (elapsed > ms + SLACK_MS)
        return "timed out too late";
    return 0;
}

USER_TEST(111, send_with_relative_timeout_fails_after_about_that_long)
{
    static struct partner p;
    static const unsigned timeouts[] = { 30, 120, 1500 };

    TEST_CHECK_EQUAL(make_endpoint(&p), 0, "endpoint");
    for (unsigned i = 0; i < sizeof timeouts / sizeof timeouts[0]; i++) {
        uint64_t start = mark_start();
        int error = l4_send(p.endpoint, BURSAR_TAG(1, 0, 0), 0, 0, BURSAR_TIMEOUT_MS(timeouts[i]));
        uint32_t elapsed = core_elapsed_ms(start);
        const char *problem = check_relative(error, elapsed, timeouts[i]);
        TEST_CHECK(!problem, "%u ms timeout: %s (error %d after %u ms)", timeouts[i], problem ? problem : "",
                   error, elapsed);
        TEST_CHECK(queue_is_empty(p.endpoint), "sender left queued");
    }
}

/* Sleeps, then receives once. */
static void late_receiver(void *argument)
{
    struct partner *p = argument;

    core_sleep_ms(p->delay_ms);
    p->error = l4_receive(p->endpoint, BURSAR_NO_CAPABILITY, 0, 0, 0, 0, BURSAR_TIMEOUT_NEVER);
    p->done = 1;
}

USER_TEST(112, send_with_infinite_timeout_waits_for_a_receiver)
{
    static struct partner p;
    unsigned thread;
    uint64_t start;
    uint32_t elapsed;
    int error;

    TEST_CHECK_EQUAL(make_endpoint(&p), 0, "endpoint");
    p.delay_ms = 300;
    p.done = 0;
    TEST_CHECK_EQUAL(core_spawn(late_receiver, &p, CORE_LOW_PRIORITY, &thread), 0, "receiver thread");
    start = mark_start();
    error = l4_send(p.endpoint, BURSAR_TAG(1, 0, 0), 0, 0, BURSAR_TIMEOUT_NEVER);
    elapsed = core_elapsed_ms(start);
    TEST_CHECK_EQUAL(error, 0, "send");
    TEST_CHECK(ticks_elapsed_ms() >= p.delay_ms - 10, "returned after %u ms, before the receiver came", elapsed);
    core_sleep_ms(10);
    TEST_CHECK(p.done && p.error == 0, "receiver: done %u error %d", p.done, p.error);
}

USER_TEST(113, receive_with_zero_timeout_and_no_sender_fails_at_once)
{
    static struct partner p;
    uint64_t start;
    int error;

    TEST_CHECK_EQUAL(make_endpoint(&p), 0, "endpoint");
    start = mark_start();
    error = l4_receive(p.endpoint, p.reply, 0, 0, 0, 0, BURSAR_TIMEOUT_ZERO);
    TEST_CHECK(core_elapsed_ms(start) < FAST_MS, "took %u ms", core_elapsed_ms(start));
    TEST_CHECK_EQUAL(error, -BURSAR_E_TIMEOUT, "receive");
    TEST_CHECK(queue_is_empty(p.endpoint), "receiver left queued");
}

USER_TEST(114, receive_with_relative_timeout_fails_after_about_that_long)
{
    static struct partner p;
    static const unsigned timeouts[] = { 30, 120, 1500 };

    TEST_CHECK_EQUAL(make_endpoint(&p), 0, "endpoint");
    for (unsigned i = 0; i < sizeof timeouts / sizeof timeouts[0]; i++) {
        uint64_t start = mark_start();
        int error = l4_receive(p.endpoint, p.reply, 0, 0, 0, 0, BURSAR_TIMEOUT_MS(timeouts[i]));
        uint32_t elapsed = core_elapsed_ms(start);
        const char *problem = check_relative(error, elapsed, timeouts[i]);
        TEST_CHECK(!problem, "%u ms timeout: %s (error %d after %u ms)", timeouts[i], problem ? problem : "",
                   error, elapsed);
        TEST_CHECK(queue_is_empty(p.endpoint), "receiver left queued");
    }
}

/* Sleeps, then sends once. */
static void late_sender(void *argument)
{
    struct partner *p = argument;

    core_sleep_ms(p->delay_ms);
    p->error = l4_send(p->endpoint, BURSAR_TAG(9, 1, 0), 99, 0, BURSAR_TIMEOUT_NEVER);
    p->done = 1;
}

USER_TEST(115, receive_with_infinite_timeout_waits_for_a_sender)
{
    static struct partner p;
    unsigned thread;
    uint32_t tag = 0, mr0 = 0, elapsed;
    uint64_t start;
    int error;

    TEST_CHECK_EQUAL(make_endpoint(&p), 0, "endpoint");
    p.delay_ms = 300;
    p.done = 0;
    TEST_CHECK_EQUAL(core_spawn(late_sender, &p, CORE_LOW_PRIORITY, &thread), 0, "sender thread");
    start = mark_start();
    error = l4_receive(p.endpoint, p.reply, 0, &tag, &mr0, 0, BURSAR_TIMEOUT_NEVER);
    elapsed = core_elapsed_ms(start);
    TEST_CHECK_EQUAL(error, 0, "receive");
    TEST_CHECK(tag == BURSAR_TAG(9, 1, 0) && mr0 == 99, "message %x %u", tag, mr0);
    TEST_CHECK(ticks_elapsed_ms() >= p.delay_ms - 10, "returned after %u ms, before the sender came", elapsed);
    core_sleep_ms(10);
    TEST_CHECK(p.done && p.error == 0, "sender: done %u error %d", p.done, p.error);
}

USER_TEST(116, call_send_phase_zero_and_relative_time_out_without_a_receiver)
{
    static struct partner p;
    uint32_t tag = BURSAR_TAG(1, 0, 0), mr0 = 0, mr1 = 0, elapsed;
    uint64_t start;
    int error;
    const char *problem;

    TEST_CHECK_EQUAL(make_endpoint(&p), 0, "endpoint");
    start = mark_start();
    error = l4_call(p.endpoint, &tag, &mr0, &mr1, BURSAR_TIMEOUT_ZERO, BURSAR_TIMEOUT_NEVER);
    TEST_CHECK(core_elapsed_ms(start) < FAST_MS, "zero: took %u ms", core_elapsed_ms(start));
    TEST_CHECK_EQUAL(error, -BURSAR_E_TIMEOUT, "call, send phase zero");
    start = mark_start();
    error = l4_call(p.endpoint, &tag, &mr0, &mr1, BURSAR_TIMEOUT_MS(80), BURSAR_TIMEOUT_NEVER);
    elapsed = core_elapsed_ms(start);
    problem = check_relative(error, elapsed, 80);
    TEST_CHECK(!problem, "call, send phase 80 ms: %s (error %d after %u ms)", problem ? problem : "", error,
               elapsed);
    TEST_CHECK(queue_is_empty(p.endpoint), "caller left queued");
}

/* Takes one call and answers only after p->delay_ms (never, when 0); the reply's result is kept. */
static void slow_server(void *argument)
{
    struct partner *p = argument;

    if (l4_receive(p->endpoint, p->reply, 0, 0, 0, 0, BURSAR_TIMEOUT_NEVER) != 0)
        return;
    p->done = 1;
    core_sleep_ms(p->delay_ms ? p->delay_ms : 100000);
    p->error = l4_reply(p->reply, BURSAR_TAG(2, 1, 0), 7, 0);
    p->done = 2;
}

USER_TEST(117, call_receive_phase_times_out_when_no_reply_comes)
{
    static struct partner p;
    static const unsigned timeouts[] = { 0, 60, 400 };    /* 0: the zero timeout */

    TEST_CHECK_EQUAL(make_endpoint(&p), 0, "endpoint");
    for (unsigned i = 0; i < sizeof timeouts / sizeof timeouts[0]; i++) {
        uint32_t tag = BURSAR_TAG(1, 0, 0), mr0 = 0, mr1 = 0, elapsed;
        unsigned thread;
        uint64_t start;
        int error;

        p.delay_ms = 0;
        p.done = 0;
        TEST_CHECK_EQUAL(core_spawn(slow_server, &p, CORE_LOW_PRIORITY, &thread), 0, "server thread");
        core_sleep_ms(10);                              /* the server waits first */
        start = mark_start();
        error = l4_call(p.endpoint, &tag, &mr0, &mr1, BURSAR_TIMEOUT_NEVER, BURSAR_TIMEOUT_MS(timeouts[i]));
        elapsed = core_elapsed_ms(start);
        TEST_CHECK_EQUAL(p.done, 1, "the server took the call");
        TEST_CHECK_EQUAL(error, -BURSAR_E_TIMEOUT, "call");
        if (timeouts[i] == 0) {
            /* Zero on the receive phase: the reply must be there when the phase starts; it never is. */
            TEST_CHECK(elapsed <= 20, "zero receive phase took %u ms", elapsed);
        } else {
            const char *problem = check_relative(error, elapsed, timeouts[i]);
            TEST_CHECK(!problem, "%u ms: %s after %u ms", timeouts[i], problem ? problem : "", elapsed);
        }
        /* The timed-out caller is no longer bound: the reply object answers nobody. */
        TEST_CHECK_EQUAL(l4_reply(p.reply, 0, 0, 0), -BURSAR_E_NO_CALLER, "late reply");
        TEST_CHECK_EQUAL(l4_destroy(thread), 0, "stop the server");
        l4_cap_delete(thread);
    }
}

USER_TEST(118, call_receive_phase_infinite_waits_for_a_late_reply)
{
    static struct partner p;
    uint32_t tag = BURSAR_TAG(1, 0, 0), mr0 = 0, mr1 = 0, elapsed;
    unsigned thread;
    uint64_t start;
    int error;

    TEST_CHECK_EQUAL(make_endpoint(&p), 0, "endpoint");
    p.delay_ms = 300;
    p.done = 0;
    TEST_CHECK_EQUAL(core_spawn(slow_server, &p, CORE_LOW_PRIORITY, &thread), 0, "server thread");
    start = mark_start();
    error = l4_call(p.endpoint, &tag, &mr0, &mr1, BURSAR_TIMEOUT_NEVER, BURSAR_TIMEOUT_NEVER);
    elapsed = core_elapsed_ms(start);
    TEST_CHECK_EQUAL(error, 0, "call");
    TEST_CHECK(tag == BURSAR_TAG(2, 1, 0) && mr0 == 7, "reply %x %u", tag, mr0);
    TEST_CHECK(ticks_elapsed_ms() >= p.delay_ms - 10, "returned after %u ms, before the reply", elapsed);
    core_sleep_ms(10);
    TEST_CHECK(p.done == 2 && p.error == 0, "server: done %u reply %d", p.done, p.error);
}
