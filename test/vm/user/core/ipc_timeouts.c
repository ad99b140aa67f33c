/*
 * ipc_timeouts.c — every timeout kind on both phases: zero (fails at once
 * when nobody is there), relative (fails after exactly the documented
 * number of timer ticks) and infinite (waits until the partner comes,
 * however long that takes), for send, receive, and both phases of a call.
 *
 * Every bound is counted in the kernel's timer ticks, the clock timeouts
 * count in (docs/abi.md §5): a relative timeout of T ms expires on the tick
 * ⌈T/10⌉ + 1 ticks after the tick the call was made in, a zero one never
 * waits for a tick, and a zero receive phase of a call ends at the next
 * tick. Each timed call starts at the beginning of a tick
 * (core_tick_start). A lower bound then holds on every try. The exact count
 * is missed only if the host stalls the guest across a tick between that
 * start and the call, or between the wake-up and the reading; so an exact
 * check is tried up to CORE_TIMING_ATTEMPTS times and must hold once — a
 * timeout that ends late, or a zero one that waits, does so every time.
 * Nothing here reads the TSC: its calibration at boot drifts with the
 * host's load.
 */
#include "core.h"

#include "libl4/printf.h"

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

/* One timed call on p's endpoint with a timeout code; its error. */
typedef int (*timed_call)(struct partner *p, uint32_t timeout);

static int send_once(struct partner *p, uint32_t timeout)
{
    return l4_send(p->endpoint, BURSAR_TAG(1, 2, 0), 1, 2, timeout);
}

static int receive_once(struct partner *p, uint32_t timeout)
{
    return l4_receive(p->endpoint, p->reply, 0, 0, 0, 0, timeout);
}

static int call_send_phase_once(struct partner *p, uint32_t timeout)
{
    uint32_t tag = BURSAR_TAG(1, 0, 0), mr0 = 0, mr1 = 0;

    return l4_call(p->endpoint, &tag, &mr0, &mr1, timeout, BURSAR_TIMEOUT_NEVER);
}

/*
 * `call` with `timeout` (a code that waits `ms`, or ZERO for ms 0) on an
 * endpoint nobody is at: it must time out, leave the queue empty and take
 * at least `want` ticks every time, and exactly `want` once.
 */
static void times_out_after(struct test_result *result, struct partner *p, timed_call call, uint32_t timeout,
                            unsigned ms, uint32_t want)
{
    uint32_t took = 0;

    for (unsigned attempt = 0; attempt < CORE_TIMING_ATTEMPTS && (attempt == 0 || took != want); attempt++) {
        uint32_t start = core_tick_start();
        int error = call(p, timeout);
        took = core_ticks() - start;
        TEST_CHECK_EQUAL_FMT(error, -BURSAR_E_TIMEOUT, "%u ms timeout", ms);
        TEST_CHECK(took >= want, "%u ms timeout: ended after %u ticks, before the %u the ABI says", ms, took, want);
        TEST_CHECK(queue_is_empty(p->endpoint), "%u ms timeout: left queued", ms);
        if (took != want)
            printf("  %u ms timeout: %u ticks, not %u, on try %u\n", ms, took, want, attempt + 1);
    }
    TEST_CHECK(took == want, "%u ms timeout: ended after %u ticks, not %u, in each of %u tries", ms, took, want,
               CORE_TIMING_ATTEMPTS);
}

/* Every relative timeout in `timeouts` with `call`, each on an endpoint nobody is at. */
static void relative_timeouts(struct test_result *result, timed_call call, const unsigned *timeouts, unsigned count)
{
    static struct partner p;

    TEST_CHECK_EQUAL(make_endpoint(&p), 0, "endpoint");
    for (unsigned i = 0; i < count; i++) {
        times_out_after(result, &p, call, BURSAR_TIMEOUT_MS(timeouts[i]), timeouts[i],
                        core_timeout_ticks(timeouts[i]));
        if (result->failed)
            return;
    }
}

USER_TEST(110, send_with_zero_timeout_and_no_receiver_fails_at_once)
{
    static struct partner p;

    TEST_CHECK_EQUAL(make_endpoint(&p), 0, "endpoint");
    times_out_after(result, &p, send_once, BURSAR_TIMEOUT_ZERO, 0, 0);
}

USER_TEST(111, send_with_relative_timeout_fails_after_about_that_long)
{
    static const unsigned timeouts[] = { 1, 30, 120, 1500 };

    relative_timeouts(result, send_once, timeouts, sizeof timeouts / sizeof timeouts[0]);
}

/* Sleeps, then receives once. */
static void late_receiver(void *argument)
{
    struct partner *p = argument;

    core_sleep_ms(p->delay_ms);
    p->error = l4_receive(p->endpoint, BURSAR_NO_CAPABILITY, 0, 0, 0, 0, BURSAR_TIMEOUT_NEVER);
    p->done = 1;
}

/*
 * After an infinite wait for a partner who slept `delay_ms` first (a sleep
 * begun in the tick the wait began in, or later): at least that sleep's
 * ticks have passed.
 */
static bool waited_for_partner(uint32_t start, const struct partner *p, uint32_t *took)
{
    *took = core_ticks() - start;
    return *took >= core_timeout_ticks(p->delay_ms);
}

USER_TEST(112, send_with_infinite_timeout_waits_for_a_receiver)
{
    static struct partner p;
    unsigned thread;
    uint32_t start, took;
    int error;

    TEST_CHECK_EQUAL(make_endpoint(&p), 0, "endpoint");
    p.delay_ms = 300;
    p.done = 0;
    TEST_CHECK_EQUAL(core_spawn(late_receiver, &p, CORE_LOW_PRIORITY, &thread), 0, "receiver thread");
    start = core_ticks();
    error = l4_send(p.endpoint, BURSAR_TAG(1, 0, 0), 0, 0, BURSAR_TIMEOUT_NEVER);
    TEST_CHECK_EQUAL(error, 0, "send");
    TEST_CHECK(waited_for_partner(start, &p, &took), "returned after %u ticks, before the receiver came", took);
    core_sleep_ms(10);
    TEST_CHECK(p.done && p.error == 0, "receiver: done %u error %d", p.done, p.error);
}

USER_TEST(113, receive_with_zero_timeout_and_no_sender_fails_at_once)
{
    static struct partner p;

    TEST_CHECK_EQUAL(make_endpoint(&p), 0, "endpoint");
    times_out_after(result, &p, receive_once, BURSAR_TIMEOUT_ZERO, 0, 0);
}

USER_TEST(114, receive_with_relative_timeout_fails_after_about_that_long)
{
    static const unsigned timeouts[] = { 1, 30, 120, 1500 };

    relative_timeouts(result, receive_once, timeouts, sizeof timeouts / sizeof timeouts[0]);
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
    uint32_t tag = 0, mr0 = 0, start, took;
    int error;

    TEST_CHECK_EQUAL(make_endpoint(&p), 0, "endpoint");
    p.delay_ms = 300;
    p.done = 0;
    TEST_CHECK_EQUAL(core_spawn(late_sender, &p, CORE_LOW_PRIORITY, &thread), 0, "sender thread");
    start = core_ticks();
    error = l4_receive(p.endpoint, p.reply, 0, &tag, &mr0, 0, BURSAR_TIMEOUT_NEVER);
    TEST_CHECK_EQUAL(error, 0, "receive");
    TEST_CHECK(tag == BURSAR_TAG(9, 1, 0) && mr0 == 99, "message %x %u", tag, mr0);
    TEST_CHECK(waited_for_partner(start, &p, &took), "returned after %u ticks, before the sender came", took);
    core_sleep_ms(10);
    TEST_CHECK(p.done && p.error == 0, "sender: done %u error %d", p.done, p.error);
}

USER_TEST(116, call_send_phase_zero_and_relative_time_out_without_a_receiver)
{
    static struct partner p;

    TEST_CHECK_EQUAL(make_endpoint(&p), 0, "endpoint");
    times_out_after(result, &p, call_send_phase_once, BURSAR_TIMEOUT_ZERO, 0, 0);
    if (!result->failed)
        times_out_after(result, &p, call_send_phase_once, BURSAR_TIMEOUT_MS(80), 80, core_timeout_ticks(80));
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

/*
 * One call to a server that takes it and never answers, with `timeout` on
 * the receive phase: it must time out, unbind the caller, and take at least
 * `want` ticks; the ticks it took in *took.
 */
static void unanswered_call(struct test_result *result, struct partner *p, uint32_t timeout, uint32_t want,
                            uint32_t *took)
{
    uint32_t tag = BURSAR_TAG(1, 0, 0), mr0 = 0, mr1 = 0, start;
    unsigned thread;
    int error;

    p->delay_ms = 0;
    p->done = 0;
    TEST_CHECK_EQUAL(core_spawn(slow_server, p, CORE_LOW_PRIORITY, &thread), 0, "server thread");
    start = core_tick_start();                      /* meanwhile the server waits */
    error = l4_call(p->endpoint, &tag, &mr0, &mr1, BURSAR_TIMEOUT_NEVER, timeout);
    *took = core_ticks() - start;
    TEST_CHECK_EQUAL(p->done, 1, "the server took the call");
    TEST_CHECK_EQUAL(error, -BURSAR_E_TIMEOUT, "call");
    TEST_CHECK(*took >= want, "ended after %u ticks, before the %u the ABI says", *took, want);
    /* The timed-out caller is no longer bound: the reply object answers nobody. */
    TEST_CHECK_EQUAL(l4_reply(p->reply, 0, 0, 0), -BURSAR_E_NO_CALLER, "late reply");
    TEST_CHECK_EQUAL(l4_destroy(thread), 0, "stop the server");
    l4_cap_delete(thread);
}

USER_TEST(117, call_receive_phase_times_out_when_no_reply_comes)
{
    static struct partner p;
    static const unsigned timeouts[] = { 0, 60, 400 };    /* 0: the zero timeout */

    TEST_CHECK_EQUAL(make_endpoint(&p), 0, "endpoint");
    for (unsigned i = 0; i < sizeof timeouts / sizeof timeouts[0]; i++) {
        /* Zero on the receive phase ends at the next tick (the reply cannot be there when it starts). */
        uint32_t timeout = timeouts[i] ? BURSAR_TIMEOUT_MS(timeouts[i]) : BURSAR_TIMEOUT_ZERO;
        uint32_t want = timeouts[i] ? core_timeout_ticks(timeouts[i]) : 1, took = 0;
        for (unsigned attempt = 0; attempt < CORE_TIMING_ATTEMPTS && (attempt == 0 || took != want); attempt++) {
            unanswered_call(result, &p, timeout, want, &took);
            if (result->failed)
                return;
            if (took != want)
                printf("  %u ms receive phase: %u ticks, not %u, on try %u\n", timeouts[i], took, want, attempt + 1);
        }
        TEST_CHECK(took == want, "%u ms receive phase: ended after %u ticks, not %u, in each of %u tries",
                   timeouts[i], took, want, CORE_TIMING_ATTEMPTS);
    }
}

USER_TEST(118, call_receive_phase_infinite_waits_for_a_late_reply)
{
    static struct partner p;
    uint32_t tag = BURSAR_TAG(1, 0, 0), mr0 = 0, mr1 = 0, start, took;
    unsigned thread;
    int error;

    TEST_CHECK_EQUAL(make_endpoint(&p), 0, "endpoint");
    p.delay_ms = 300;
    p.done = 0;
    TEST_CHECK_EQUAL(core_spawn(slow_server, &p, CORE_LOW_PRIORITY, &thread), 0, "server thread");
    start = core_ticks();
    error = l4_call(p.endpoint, &tag, &mr0, &mr1, BURSAR_TIMEOUT_NEVER, BURSAR_TIMEOUT_NEVER);
    TEST_CHECK_EQUAL(error, 0, "call");
    TEST_CHECK(tag == BURSAR_TAG(2, 1, 0) && mr0 == 7, "reply %x %u", tag, mr0);
    TEST_CHECK(waited_for_partner(start, &p, &took), "returned after %u ticks, before the reply", took);
    core_sleep_ms(10);
    TEST_CHECK(p.done == 2 && p.error == 0, "server: done %u reply %d", p.done, p.error);
}
