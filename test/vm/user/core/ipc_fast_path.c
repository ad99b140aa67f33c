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
#include "cpu_probe.h"

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
    /* A third word lives in the UTCB: both halves are the fast path's, which copies it (test 108). */
    TEST_CHECK_EQUAL(call_once(result, e.endpoint, 0x40, 3, BURSAR_TIMEOUT_NEVER), 2 * expect, "three words");
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

/* ---- A pool of server threads ---- */

#define POOL_THREADS 3
#define POOL_CALLS 12

struct pool_member {
    unsigned endpoint, reply, id;
    volatile unsigned served;
    volatile int error;
};

/* Until a STOP_LABEL call: answer label + 1, this thread's id and MR1 + 1; register-only. */
static void pool_loop(void *argument)
{
    struct pool_member *m = argument;
    uint32_t badge = 0, tag = 0, mr0 = 0, mr1 = 0;
    int error = l4_receive(m->endpoint, m->reply, &badge, &tag, &mr0, &mr1, BURSAR_TIMEOUT_NEVER);

    while (error == 0 && BURSAR_TAG_LABEL(tag) != STOP_LABEL) {
        m->served++;
        tag = BURSAR_TAG(BURSAR_TAG_LABEL(tag) + 1, 2, 0);
        mr0 = m->id, mr1++;
        error = l4_reply_wait(m->endpoint, m->reply, &badge, &tag, &mr0, &mr1, BURSAR_TIMEOUT_NEVER);
    }
    m->error = error;
    if (error == 0)
        l4_reply(m->reply, BURSAR_TAG(STOP_LABEL, 0, 0), 0, 0);
}

/*
 * Three server threads, each with its own reply object, wait on one
 * endpoint. Every call goes to the thread that has waited longest, and its
 * reply-and-wait queues it behind the others (the slow path's order), so
 * the answers come from threads 0, 1, 2, 0, 1, 2...; on the fast-path
 * kernel both halves of every round trip are the fast path's (the
 * reply-and-wait of a pool was the slow path's before issue 14).
 */
USER_TEST(107, a_pool_of_server_threads_is_served_in_order_and_on_the_fast_path)
{
    static struct pool_member members[POOL_THREADS];
    unsigned endpoint = core_slot(), thread;
    uint32_t before, fast;

    TEST_CHECK_EQUAL(l4_create(BURSAR_SLOT_HEAP, BURSAR_OBJECT_ENDPOINT, endpoint, 0), 0, "endpoint");
    for (unsigned i = 0; i < POOL_THREADS; i++) {
        members[i] = (struct pool_member){ .endpoint = endpoint, .reply = core_slot(), .id = i };
        TEST_CHECK_EQUAL(l4_create(BURSAR_SLOT_HEAP, BURSAR_OBJECT_REPLY, members[i].reply, 0), 0, "reply object");
        TEST_CHECK_EQUAL(core_spawn(pool_loop, &members[i], BURSAR_ROOT_PRIORITY, &thread), 0, "server thread");
        l4_yield();                      /* it waits before the next one does */
    }
    before = fast_path_ipcs();
    for (unsigned call = 0; call < POOL_CALLS; call++) {
        uint32_t tag = BURSAR_TAG(0x40 + call, 2, 0), mr0 = 0, mr1 = call;
        int error = l4_call(endpoint, &tag, &mr0, &mr1, BURSAR_TIMEOUT_NEVER, BURSAR_TIMEOUT_NEVER);

        TEST_CHECK(error == 0 && tag == BURSAR_TAG(0x41 + call, 2, 0) && mr1 == call + 1,
                   "call %u: error %d, tag %x, MR1 %u", call, error, tag, mr1);
        TEST_CHECK(mr0 == call % POOL_THREADS, "call %u answered by thread %u", call, mr0);
    }
    /* The slow-path kernel takes none; the fast-path kernel's calls to a waiting pool were fast already. */
    fast = fast_path_ipcs() - before;
    TEST_CHECK(fast == 0 || fast == 2 * POOL_CALLS, "%u fast-path IPCs for %u pool round trips", fast, POOL_CALLS);
    for (unsigned i = 0; i < POOL_THREADS; i++) {
        uint32_t tag = BURSAR_TAG(STOP_LABEL, 0, 0), mr0 = 0, mr1 = 0;
        TEST_CHECK_EQUAL(l4_call(endpoint, &tag, &mr0, &mr1, BURSAR_TIMEOUT_NEVER, BURSAR_TIMEOUT_NEVER), 0,
                         "stop");
    }
    for (unsigned i = 0; i < POOL_THREADS; i++) {
        TEST_CHECK(members[i].error == 0, "thread %u's receives and replies: %d", i, members[i].error);
        TEST_CHECK(members[i].served == POOL_CALLS / POOL_THREADS, "thread %u served %u calls", i,
                   members[i].served);
    }
}

/* ---- Fuzzing the fast path's entry ---- */

#define FUZZ_ROUNDS 3000
#define FUZZ_CHECK_EVERY 100

/* The slots a fuzzed call or reply-and-wait may name: none of them blocks anybody for good. */
struct fuzz_slots {
    unsigned endpoint, reply, badged, read_only, empty;
};

static uint32_t fuzz_state;

static uint32_t fuzz_random(void)
{
    return test_random(&fuzz_state);
}

static uint32_t fuzz_pick(const uint32_t *values, unsigned count)
{
    return values[fuzz_random() % count];
}

/* Junk above the index half the time: the fast path compares the whole word, the slow path masks it. */
static uint32_t fuzz_high_bits(void)
{
    return fuzz_random() % 2 ? 0 : fuzz_random() & 0xffff0000u;
}

/*
 * A tag: any label but the server's stop, up to 70 untyped words (64 is
 * the most), a quarter of them long messages around the fast path's bound
 * (3 to 36 words: it copies up to 34), up to 3 typed items.
 */
static uint32_t fuzz_tag(void)
{
    uint32_t label = fuzz_random() % 0x5000, kind = fuzz_random() % 4;
    uint32_t untyped = kind < 2 ? fuzz_random() % 4 : kind == 2 ? 3 + fuzz_random() % 34 : fuzz_random() % 71;
    uint32_t typed = fuzz_random() % 4 ? 0 : fuzz_random() % 4;

    return BURSAR_TAG(label, untyped, typed);
}

static void fuzz_message_registers(void)
{
    for (unsigned i = 2; i < BURSAR_MESSAGE_REGISTERS; i++)
        l4_mr_set(i, fuzz_random() % 2 ? fuzz_random() : fuzz_random() % 64);
}

struct fuzz_server {
    struct fuzz_slots slots;
    volatile unsigned answered, refused;
    volatile int error;
    uint32_t digest;                 /* every result the server got, in order (digest_add) */
};

/*
 * The differential half of test 105: every call's exact result goes into a
 * digest (FNV-1a over words), the caller's and the server's, printed every
 * FUZZ_CHECK_EVERY rounds. The calls are seeded and the two threads take
 * turns, so both kernels make the same calls in the same order, and
 * tools/run_all.py requires the same digests from the fast-path kernel as
 * from the slow-path one: a call the fast path served differently (another
 * error, a call it should have refused, other registers or message words)
 * shows as the first block of rounds whose digests differ.
 */
#define DIGEST_START 2166136261u

static void digest_add(uint32_t *digest, uint32_t word)
{
    for (unsigned i = 0; i < 4; i++, word >>= 8)
        *digest = (*digest ^ (word & 0xff)) * 16777619u;
}

/*
 * A status and, when it is 0, the registers and every message register in
 * the UTCB: the words beyond the registers that came with the message, and
 * beyond them what the thread itself last put there, which no IPC may
 * change (a copy of more words than the message has would).
 */
static void digest_result(uint32_t *digest, int status, const struct l4_words *w)
{
    digest_add(digest, (uint32_t)status);
    if (status != 0)
        return;                      /* the four registers are undefined after a failed IPC */
    digest_add(digest, w->ebx);
    digest_add(digest, w->esi);
    digest_add(digest, w->edi);
    digest_add(digest, w->ebp);
    for (unsigned i = 2; i < BURSAR_MESSAGE_REGISTERS; i++)
        digest_add(digest, l4_mr_get(i));
}

/*
 * One call, by sysenter or (one time in four) by int $0x80. int $0x80 keeps
 * ecx and edx (docs/abi.md §1), whichever path answers: whether they came
 * back goes into the digest, so a fast path that answered an int $0x80
 * thread with its sysexit (ecx and edx clobbered) differs from the slow path.
 */
#define INT80_MARK_ECX 0x0ecc0ecc
#define INT80_MARK_EDX 0x0edd0edd

static int fuzz_ipc(uint32_t *digest, uint32_t eax, struct l4_words *w)
{
    uint32_t ecx = INT80_MARK_ECX, edx = INT80_MARK_EDX;
    int status;

    if (fuzz_random() % 4)
        return l4_sysenter_inline(eax, w);
    status = int80_call_marked(eax, w, &ecx, &edx);
    digest_add(digest, ecx == INT80_MARK_ECX && edx == INT80_MARK_EDX);
    return status;
}

/* No capability or memory comes in through a random item: the windows are shut. */
static void shut_receive_windows(void)
{
    l4_utcb()->receive_capabilities = 0;
    l4_utcb()->receive_memory = 0;
}

/*
 * Answers every call. Each answer is a reply-and-wait naming endpoint and
 * reply slots at random from the safe set, with a random tag and words.
 * When that fails, either nothing was sent (the caller still waits) or the
 * receive that followed failed; a plain reply-and-wait sorts out both (with
 * nobody bound to the reply object it only receives).
 */
static void fuzz_server_loop(void *argument)
{
    struct fuzz_server *s = argument;
    const uint32_t endpoints[] = { s->slots.endpoint, HIGH_SLOT, s->slots.reply, s->slots.badged, s->slots.empty };
    const uint32_t replies[] = { s->slots.reply, s->slots.endpoint, s->slots.empty, HIGH_SLOT };
    uint32_t badge = 0, tag = 0, mr0 = 0, mr1 = 0;
    unsigned plain_failures = 0;
    int error;

    shut_receive_windows();
    error = l4_receive(s->slots.endpoint, s->slots.reply, &badge, &tag, &mr0, &mr1, BURSAR_TIMEOUT_NEVER);
    while (error != 0 || BURSAR_TAG_LABEL(tag) != STOP_LABEL) {
        struct l4_words received = { badge, tag, mr0, mr1 };
        digest_result(&s->digest, error, &received);
        if (error == 0) {
            /* Half the time the right slots, so that many answers get as far as the reply. */
            uint32_t endpoint = fuzz_random() % 2 ? s->slots.endpoint : fuzz_pick(endpoints, 5);
            uint32_t reply = fuzz_random() % 2 ? s->slots.reply : fuzz_pick(replies, 4);
            struct l4_words w = {
                (endpoint | reply << BURSAR_REPLY_INDEX_SHIFT) | (fuzz_random() % 4 ? 0 : fuzz_random() & 0xff80ff80u),
                fuzz_tag(), fuzz_random(), fuzz_random(),
            };
            fuzz_message_registers();
            error = fuzz_ipc(&s->digest, l4_eax(SYS_REPLY_WAIT, BURSAR_TIMEOUT_ZERO, BURSAR_TIMEOUT_NEVER), &w);
            if (error == 0) {
                s->answered++;
                badge = w.ebx, tag = w.esi, mr0 = w.edi, mr1 = w.ebp;
                continue;
            }
            digest_add(&s->digest, (uint32_t)error);
            s->refused++;
        }
        tag = BURSAR_TAG(1, 2, 0);
        error = l4_reply_wait(s->slots.endpoint, s->slots.reply, &badge, &tag, &mr0, &mr1, BURSAR_TIMEOUT_NEVER);
        if (error != 0 && ++plain_failures > 100)
            break;
    }
    s->error = error;
    if (error == 0)
        l4_reply(s->slots.reply, BURSAR_TAG(STOP_LABEL, 0, 0), 0, 0);
}

static bool documented(int status)
{
    return status == 0 || (status < 0 && -status < BURSAR_ERROR_COUNT);
}

/*
 * Random calls at the fast path's exact eax (and the server's random
 * reply-and-waits at its), through endpoint, badged, read-only, empty,
 * wrong-type and high slots, with junk above the index, random tags (long
 * messages, typed items, too many words) and random words. Every call must
 * return 0 or a documented error, and the kernel's self-check must pass
 * throughout; on the fast-path kernel a good share must take the fast path.
 * Every result on both sides goes into the digests the harness compares
 * between the two kernels (digest_add above): each call must come out
 * exactly as the slow path makes it.
 */
USER_TEST(105, random_calls_and_reply_and_waits_at_the_fast_paths_entry)
{
    static struct fuzz_server s;
    unsigned thread, succeeded = 0;
    struct fuzz_slots *slots = &s.slots;
    uint32_t before = fast_path_ipcs(), fast;

    s = (struct fuzz_server){ .slots = { .endpoint = core_slot(), .reply = core_slot(), .badged = core_slot(),
                                         .read_only = core_slot(), .empty = core_slot() },
                              .digest = DIGEST_START };
    uint32_t digest = DIGEST_START;
    TEST_CHECK_EQUAL(l4_create(BURSAR_SLOT_HEAP, BURSAR_OBJECT_ENDPOINT, slots->endpoint, 0), 0, "endpoint");
    TEST_CHECK_EQUAL(l4_create(BURSAR_SLOT_HEAP, BURSAR_OBJECT_REPLY, slots->reply, 0), 0, "reply object");
    TEST_CHECK_EQUAL(l4_cap_copy(slots->endpoint, slots->badged, BURSAR_RIGHT_WRITE, BADGE), 0, "a badged copy");
    TEST_CHECK_EQUAL(l4_cap_copy(slots->endpoint, slots->read_only, BURSAR_RIGHT_READ, 0), 0, "a read-only copy");
    TEST_CHECK_EQUAL(l4_cap_copy(slots->endpoint, HIGH_SLOT, BURSAR_RIGHTS_ALL, 0), 0, "a copy in a high slot");
    shut_receive_windows();
    fuzz_state = 0x5eed105u;
    TEST_CHECK_EQUAL(core_spawn(fuzz_server_loop, &s, BURSAR_ROOT_PRIORITY, &thread), 0, "server thread");

    const uint32_t targets[] = { slots->endpoint, slots->badged, slots->read_only, slots->empty, slots->reply,
                                 HIGH_SLOT };
    for (unsigned round = 1; round <= FUZZ_ROUNDS; round++) {
        uint32_t word = fuzz_pick(targets, 6) | fuzz_high_bits();
        struct l4_words w = { word, fuzz_tag(), fuzz_random(), fuzz_random() };

        fuzz_message_registers();
        int status = fuzz_ipc(&digest, l4_eax(SYS_CALL, BURSAR_TIMEOUT_NEVER, BURSAR_TIMEOUT_NEVER), &w);
        TEST_CHECK(documented(status), "round %u: a call through %x returned %d", round, word, status);
        digest_add(&digest, round);
        digest_result(&digest, status, &w);
        succeeded += status == 0;
        if (round % FUZZ_CHECK_EVERY == 0) {
            printf("  fast-path differential %u: caller %08x server %08x\n", round, digest, s.digest);
            TEST_CHECK_EQUAL(l4_debug_dump(BURSAR_SLOT_DEBUG, BURSAR_DUMP_CHECK, 0), 0, "the kernel's self-check");
        }
    }
    fast = fast_path_ipcs() - before;
    uint32_t tag = BURSAR_TAG(STOP_LABEL, 0, 0), mr0 = 0, mr1 = 0;
    TEST_CHECK_EQUAL(l4_call(slots->endpoint, &tag, &mr0, &mr1, BURSAR_TIMEOUT_NEVER, BURSAR_TIMEOUT_NEVER), 0,
                     "stop");
    TEST_CHECK_EQUAL(s.error, 0, "the server's last plain reply-and-wait");
    printf("  %u calls, %u answered; the server answered %u, was refused %u times; %u fast-path IPCs\n",
           FUZZ_ROUNDS, succeeded, s.answered, s.refused, fast);
    TEST_CHECK(succeeded > FUZZ_ROUNDS / 4 && s.refused > FUZZ_ROUNDS / 10,
               "too few calls got anywhere (%u answered, %u refused replies)", succeeded, s.refused);
    TEST_CHECK(fast == 0 || fast > FUZZ_ROUNDS / 10, "only %u fast-path IPCs", fast);
    TEST_CHECK_EQUAL(l4_cap_delete(HIGH_SLOT), 0, "the high slot emptied");
}

static uint32_t address_space_switches(void)
{
    struct bursar_system_info info = { 0 };

    l4_system_info(&info);
    return info.address_space_switches;
}

/*
 * SYS_NULL, the benchmarks' floor: without a task it does nothing; with one
 * it loads that task's address space and the caller's again (two CR3 loads,
 * none for the own task), through the fast path's entry for slots 0-127 and
 * the slow path above; a slot that names no task fails as any lookup does.
 */
USER_TEST(106, sys_null_switches_to_a_task_and_back_and_checks_the_capability)
{
    unsigned task = core_slot(), endpoint = core_slot();
    uint32_t before;

    TEST_CHECK_EQUAL(l4_create(BURSAR_SLOT_HEAP, BURSAR_OBJECT_TASK, task, 16), 0, "a task");
    TEST_CHECK_EQUAL(l4_create(BURSAR_SLOT_HEAP, BURSAR_OBJECT_ENDPOINT, endpoint, 0), 0, "an endpoint");
    TEST_CHECK_EQUAL(l4_cap_copy(task, HIGH_SLOT, BURSAR_RIGHT_READ, 0), 0, "a copy in a high slot");
    TEST_CHECK_EQUAL(l4_null(BURSAR_NO_CAPABILITY), 0, "no task");
    before = address_space_switches();
    TEST_CHECK_EQUAL(l4_null(BURSAR_SLOT_TASK), 0, "the own task");
    TEST_CHECK_EQUAL(address_space_switches() - before, 0, "CR3 loads for the own task");
    before = address_space_switches();
    TEST_CHECK_EQUAL(l4_null(task), 0, "another task");
    TEST_CHECK_EQUAL(address_space_switches() - before, 2, "CR3 loads for another task");
    before = address_space_switches();
    TEST_CHECK_EQUAL(l4_null(HIGH_SLOT), 0, "another task, through a high slot");
    TEST_CHECK_EQUAL(address_space_switches() - before, 2, "CR3 loads through the high slot");
    TEST_CHECK_EQUAL(l4_null(endpoint), -BURSAR_E_WRONG_TYPE, "an endpoint");
    TEST_CHECK_EQUAL(l4_null(HIGH_SLOT + 1), -BURSAR_E_EMPTY_SLOT, "an empty slot no test uses");
    TEST_CHECK_EQUAL(l4_null(BURSAR_ROOT_SLOTS), -BURSAR_E_INVALID_CAPABILITY, "beyond the slots");
    TEST_CHECK_EQUAL(l4_cap_delete(HIGH_SLOT), 0, "the high slot emptied");
}
