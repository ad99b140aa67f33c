/*
 * ipc_long_messages.c — messages longer than the two register words on
 * the IPC fast path (up to FAST_PATH_MAX_WORDS, 34, untyped words; issue
 * 14): every length delivers exactly its words and nothing beyond them,
 * both ways, and takes the fast path on the kernel built with it; and
 * every UTCB the slow path would refuse (not mapped, or read-only for the
 * receiver) gets the slow path's answer, never a kernel fault.
 */
#include "core.h"

#include "libl4/utcb.h"

#define STOP_LABEL 0x5109
#define MOST_FAST_WORDS 34          /* kernel/ipc_fastpath.h's FAST_PATH_MAX_WORDS */
#define UNTOUCHED 0x7e7e0000u       /* a message register no message wrote: UNTOUCHED + its index */
#define REPLY_LABEL(words) (0x100 + (words))

/* The words of a message of `label`: word i of the call is label * 256 + i, of the answer that + 1. */
static uint32_t call_word(uint32_t label, unsigned i)
{
    return label * 256 + i;
}

struct long_server {
    unsigned endpoint, reply;
    volatile uint32_t tag, words_wrong, untouched_wrong, calls, failures;
    volatile int error;
};

/* Every message register beyond `words` back to UNTOUCHED + its index. */
static void mark_beyond(unsigned words)
{
    for (unsigned i = words; i < BURSAR_MESSAGE_REGISTERS; i++)
        l4_mr_set(i, UNTOUCHED + i);
}

/*
 * Answers each call with as many words as its label says (REPLY_LABEL),
 * each word the call's + 1, after checking the call's words and that its
 * message registers beyond them and beyond its own last answer kept their
 * marks. A failed receive is counted and the loop receives again (a
 * caller it could not be given).
 */
static void long_server_loop(void *argument)
{
    struct long_server *s = argument;
    uint32_t badge = 0, tag = 0, mr0 = 0, mr1 = 0;
    unsigned answered = 2;
    int error;

    mark_beyond(2);
    error = l4_receive(s->endpoint, s->reply, &badge, &tag, &mr0, &mr1, BURSAR_TIMEOUT_NEVER);
    for (;;) {
        if (error != 0) {
            s->failures++;
            s->error = error;
            error = l4_receive(s->endpoint, s->reply, &badge, &tag, &mr0, &mr1, BURSAR_TIMEOUT_NEVER);
            continue;
        }
        uint32_t label = BURSAR_TAG_LABEL(tag), words = label >= 0x100 ? label - 0x100 : 2;
        uint32_t untyped = BURSAR_TAG_UNTYPED(tag);
        if (label == STOP_LABEL)
            break;
        s->calls++;
        s->tag = tag;
        for (unsigned i = 2; i < untyped && i < BURSAR_MESSAGE_REGISTERS; i++)
            s->words_wrong += l4_mr_get(i) != call_word(label, i);
        for (unsigned i = untyped > answered ? untyped : answered; i < BURSAR_MESSAGE_REGISTERS; i++)
            s->untouched_wrong += l4_mr_get(i) != UNTOUCHED + i;
        for (unsigned i = 2; i < words; i++)
            l4_mr_set(i, call_word(label, i) + 1);
        mark_beyond(words);
        answered = words;
        tag = BURSAR_TAG(label, words, 0);
        mr0++, mr1++;
        error = l4_reply_wait(s->endpoint, s->reply, &badge, &tag, &mr0, &mr1, BURSAR_TIMEOUT_NEVER);
    }
    l4_reply(s->reply, BURSAR_TAG(STOP_LABEL, 0, 0), 0, 0);
}

static uint32_t fast_path_ipcs(void)
{
    struct bursar_system_info info = { 0 };

    l4_system_info(&info);
    return info.fast_path_ipcs;
}

/* The server's own UTCB, so that a test can move it away and back. */
static struct bursar_utcb server_utcb __attribute__((aligned(BURSAR_UTCB_SIZE)));

static int start_server(struct long_server *s, unsigned *thread)
{
    int error;

    *s = (struct long_server){ .endpoint = core_slot(), .reply = core_slot() };
    error = l4_create(BURSAR_SLOT_HEAP, BURSAR_OBJECT_ENDPOINT, s->endpoint, 0);
    if (!error)
        error = l4_create(BURSAR_SLOT_HEAP, BURSAR_OBJECT_REPLY, s->reply, 0);
    if (!error)
        error = core_spawn_with_utcb(long_server_loop, s, BURSAR_ROOT_PRIORITY, (uintptr_t)&server_utcb, thread);
    if (!error)
        l4_yield();                      /* it waits */
    return error;
}

static int stop_server(struct long_server *s)
{
    uint32_t tag = BURSAR_TAG(STOP_LABEL, 0, 0), mr0 = 0, mr1 = 0;

    return l4_call(s->endpoint, &tag, &mr0, &mr1, BURSAR_TIMEOUT_NEVER, BURSAR_TIMEOUT_NEVER);
}

/*
 * One call of `words` words asking for an answer of `answer` words; the
 * answer's words checked (and that the registers beyond it kept their
 * marks). Returns the call's status.
 */
static int long_call(struct test_result *result, struct long_server *s, unsigned words, unsigned answer)
{
    uint32_t label = REPLY_LABEL(answer), tag = BURSAR_TAG(label, words, 0), mr0 = 1, mr1 = 2;
    uint32_t wrong = 0, untouched_wrong = 0;
    int error;

    for (unsigned i = 2; i < words && i < BURSAR_MESSAGE_REGISTERS; i++)
        l4_mr_set(i, call_word(label, i));
    mark_beyond(words);
    error = l4_call(s->endpoint, &tag, &mr0, &mr1, BURSAR_TIMEOUT_NEVER, BURSAR_TIMEOUT_NEVER);
    if (error)
        return error;
    if (tag != BURSAR_TAG(label, answer, 0) || mr0 != 2 || mr1 != 3)
        test_fail(result, __FILE__, __LINE__, "%u words answered %u: tag %x, %u %u", words, answer, tag, mr0, mr1);
    /* The call's own words beyond the answer's are still there: only the answer's were written. */
    for (unsigned i = 2; i < answer; i++)
        wrong += l4_mr_get(i) != call_word(label, i) + 1;
    for (unsigned i = answer > words ? answer : words; i < BURSAR_MESSAGE_REGISTERS; i++)
        untouched_wrong += l4_mr_get(i) != UNTOUCHED + i;
    for (unsigned i = answer; i < words && i < BURSAR_MESSAGE_REGISTERS; i++)
        untouched_wrong += l4_mr_get(i) != call_word(label, i);
    if (wrong || untouched_wrong)
        test_fail(result, __FILE__, __LINE__, "%u words answered %u: %u answer words wrong, %u others changed",
                  words, answer, wrong, untouched_wrong);
    return 0;
}

/*
 * Calls of every length from 3 to 36 words, answered with the same length
 * and with 2, 3 and 34 words: each message's words arrive exactly, the
 * receiver's registers beyond them keep what they held, and on the
 * fast-path kernel each IPC of at most 34 untyped words is the fast path's
 * (both halves of a round trip), each longer one the slow path's.
 * 64 words is the most a message has; 65 is INVALID_MESSAGE on both.
 */
USER_TEST(108, long_messages_take_the_fast_path_with_exactly_their_words)
{
    static struct long_server s;
    const unsigned answers[] = { 0, 2, 3, MOST_FAST_WORDS };
    unsigned thread;
    uint32_t before, fast;
    bool has_fast_path;

    TEST_CHECK_EQUAL(start_server(&s, &thread), 0, "server");
    before = fast_path_ipcs();
    TEST_CHECK_EQUAL(long_call(result, &s, 2, 2), 0, "a register-only call");
    fast = fast_path_ipcs() - before;
    TEST_CHECK(fast == 0 || fast == 2, "a register-only round trip took %u fast-path IPCs", fast);
    has_fast_path = fast == 2;
    for (unsigned words = 3; words <= MOST_FAST_WORDS + 2; words++) {
        for (unsigned a = 0; a < sizeof answers / sizeof answers[0]; a++) {
            unsigned answer = answers[a] ? answers[a] : words;
            uint32_t expect = has_fast_path ? (words <= MOST_FAST_WORDS) + (answer <= MOST_FAST_WORDS) : 0;
            before = fast_path_ipcs();
            TEST_CHECK(long_call(result, &s, words, answer) == 0, "%u words answered %u: the call failed", words,
                       answer);
            fast = fast_path_ipcs() - before;
            TEST_CHECK(fast == expect, "%u words answered %u: %u fast-path IPCs, not %u", words, answer, fast,
                       expect);
        }
    }
    TEST_CHECK_EQUAL(long_call(result, &s, BURSAR_MESSAGE_REGISTERS, BURSAR_MESSAGE_REGISTERS), 0, "64 words");
    TEST_CHECK_EQUAL(long_call(result, &s, BURSAR_MESSAGE_REGISTERS + 1, 2), -BURSAR_E_INVALID_MESSAGE, "65 words");
    TEST_CHECK_EQUAL(stop_server(&s), 0, "stop");
    TEST_CHECK(s.words_wrong == 0 && s.untouched_wrong == 0 && s.failures == 0,
               "the server: %u words wrong, %u registers beyond the message changed, %u failed receives",
               s.words_wrong, s.untouched_wrong, s.failures);
}

/* ---- UTCBs the slow path refuses ---- */

struct long_caller {
    unsigned endpoint, words, answer;
    volatile int error;
    volatile bool done;
};

/* Makes one call of `words` words asking for `answer`, with whatever UTCB it was given; never touches it. */
static void caller_once(void *argument)
{
    struct long_caller *c = argument;
    uint32_t tag = BURSAR_TAG(REPLY_LABEL(c->answer), c->words, 0), mr0 = 1, mr1 = 2;

    c->error = l4_call(c->endpoint, &tag, &mr0, &mr1, BURSAR_TIMEOUT_NEVER, BURSAR_TIMEOUT_NEVER);
    c->done = true;
}

#define CALLER_FAILED 1             /* no error code: the caller could not be started or never returned */

/* A caller thread at the root's priority with its UTCB at `utcb`, run until its call returns: its status. */
static int call_from(struct long_server *s, uintptr_t utcb, unsigned words, unsigned answer)
{
    static struct long_caller c;
    unsigned thread;

    c = (struct long_caller){ .endpoint = s->endpoint, .words = words, .answer = answer };
    if (core_spawn_with_utcb(caller_once, &c, BURSAR_ROOT_PRIORITY, utcb, &thread) != 0)
        return CALLER_FAILED;
    for (unsigned i = 0; i < 10 && !c.done; i++)
        core_sleep_ms(2);
    return c.done ? c.error : CALLER_FAILED;
}

/*
 * A fresh frame mapped read-write at one scratch page and, from there,
 * read-only at another: the read-only address (0 if that failed), its first UTCB's
 * words MR2 .. filled through the other with call_word(REPLY_LABEL(answer), i).
 */
static uintptr_t read_only_utcb(unsigned answer)
{
    uintptr_t writable, read_only = core_scratch_page();
    uint32_t frame;

    if (core_map_fresh_page(&writable, &frame) != 0 ||
        l4_map(BURSAR_SLOT_TASK, writable, read_only, BURSAR_RIGHT_READ, 1) != 0)
        return 0;
    for (unsigned i = 2; i < BURSAR_MESSAGE_REGISTERS; i++)
        ((struct bursar_utcb *)writable)->mr[i] = call_word(REPLY_LABEL(answer), i);
    return read_only;
}

/*
 * Long messages at the fast path's exact eax from and to UTCBs the slow
 * path refuses: a caller whose UTCB is not mapped (NOT_MAPPED, and the
 * server never hears of it), a server whose UTCB is not mapped or
 * read-only when the call arrives (NOT_MAPPED for both, the call not
 * delivered), an answer to a caller whose UTCB is not mapped or read-only
 * (NOT_MAPPED for the caller; the server receives again). A read-only UTCB
 * may send (the slow path only reads it). Each time the fast path
 * completes nothing it should not have, the same results come out on both
 * kernels, and the kernel neither faults nor leaves the server in the
 * wrong address space: the server answers right after.
 */
USER_TEST(109, long_messages_to_and_from_utcbs_the_slow_path_refuses)
{
    static struct long_server s;
    unsigned thread;
    uint32_t before;

    TEST_CHECK_EQUAL(start_server(&s, &thread), 0, "server");
    TEST_CHECK_EQUAL(long_call(result, &s, 8, 8), 0, "a long call");
    uint32_t calls = s.calls;

    /* The caller's UTCB is not mapped: its call is refused before anybody hears of it. */
    before = fast_path_ipcs();
    TEST_CHECK_EQUAL(call_from(&s, core_scratch_page(), 8, 2), -BURSAR_E_NOT_MAPPED, "unmapped caller");
    TEST_CHECK_EQUAL(s.calls, calls, "the server got the call");
    TEST_CHECK_EQUAL(fast_path_ipcs() - before, 0, "fast-path IPCs");

    /* A read-only UTCB sends: its words arrive. */
    uintptr_t read_only = read_only_utcb(2);
    TEST_CHECK(read_only != 0, "a read-only page");
    TEST_CHECK_EQUAL(call_from(&s, read_only, 10, 2), 0, "a read-only caller");
    TEST_CHECK_EQUAL(s.calls, calls + 1, "the server's calls");
    TEST_CHECK_EQUAL(s.words_wrong, 0, "the words it got");

    /* ... but an answer of more than two words cannot be put into it. */
    TEST_CHECK_EQUAL(call_from(&s, read_only, 2, 8), -BURSAR_E_NOT_MAPPED, "a long answer to it");
    TEST_CHECK_EQUAL(call_from(&s, core_scratch_page(), 2, 8), -BURSAR_E_NOT_MAPPED,
                     "a long answer to an unmapped caller");
    TEST_CHECK_EQUAL(s.calls, calls + 3, "the server's calls");
    TEST_CHECK_EQUAL(long_call(result, &s, 8, 8), 0, "a long call after them");

    /* The server's UTCB goes while it waits: the call is not delivered and both hear why. */
    const uintptr_t server_utcbs[] = { core_scratch_page(), read_only_utcb(2) };
    TEST_CHECK(server_utcbs[1] != 0, "another read-only page");
    for (unsigned i = 0; i < 2; i++) {
        uint32_t failures = s.failures;
        TEST_CHECK_EQUAL(l4_thread_configure(thread, BURSAR_THREAD_UTCB, server_utcbs[i]), 0, "its UTCB moved");
        before = fast_path_ipcs();
        TEST_CHECK_EQUAL(long_call(result, &s, 8, 2), -BURSAR_E_NOT_MAPPED, "a long call to it");
        TEST_CHECK_EQUAL(fast_path_ipcs() - before, 0, "fast-path IPCs");
        /* Back before it runs: it records the failure and receives again, without touching its UTCB. */
        TEST_CHECK_EQUAL(l4_thread_configure(thread, BURSAR_THREAD_UTCB, (uintptr_t)&server_utcb), 0,
                         "its UTCB back");
        l4_yield();
        TEST_CHECK_EQUAL(s.failures, failures + 1, "the server's failed receives");
        TEST_CHECK_EQUAL(s.error, -BURSAR_E_NOT_MAPPED, "what it heard");
        TEST_CHECK_EQUAL(long_call(result, &s, 8, 8), 0, "a long call after it");
    }
    TEST_CHECK_EQUAL(stop_server(&s), 0, "stop");
    TEST_CHECK(s.words_wrong == 0 && s.untouched_wrong == 0, "the server: %u words wrong, %u registers changed",
               s.words_wrong, s.untouched_wrong);
}
