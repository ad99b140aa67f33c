/*
 * fault_fuzz.c — seeded random replies to exceptions and page faults. Each
 * reply's result is checked against what docs/abi.md §8 says it must be
 * (refused replies change nothing, accepted ones do exactly what they say),
 * the faulting thread's progress is counted, and the kernel's own ledger
 * check runs as it goes. Replies that would kill the thread are left out
 * (tests 505 and 524 cover them); everything else is fair game, including
 * registers the thread resumes with, memory items in any mode, and a
 * pager's RAISE, whose exception the test (the thread's handler too)
 * checks word by word and answers.
 */
#include "fault_pager.h"

#define ROUNDS 600
#define CHECK_EVERY 200

static uint32_t random_state;

static uint32_t next_random(void)
{
    return test_random(&random_state);
}

static uint32_t random_below(uint32_t bound)
{
    return next_random() % bound;
}

/* A label: mostly the three the kernel knows (RAISE only to a page fault), sometimes anything. */
static uint32_t random_label(void)
{
    switch (random_below(5)) {
    case 0: case 1: return BURSAR_LABEL_RESUME;
    case 2: return BURSAR_LABEL_KILL;
    case 3: return BURSAR_LABEL_RAISE;
    default: return next_random() & 0xffffu;
    }
}

/* Untyped words: mostly the counts the kernel accepts, sometimes one off or more. */
static uint32_t random_word_count(uint32_t interesting)
{
    switch (random_below(5)) {
    case 0: case 1: return 0;
    case 2: return interesting;
    case 3: return interesting + 1;
    default: return random_below(17);
    }
}

/* One typed item: a memory item over `source` most of the time, random words otherwise. */
static void random_item(uint32_t *word0, uint32_t *word1, uintptr_t source)
{
    static const unsigned modes[] = { BURSAR_COPY, BURSAR_REVOCABLE_COPY, BURSAR_REVOCABLE_COPY, BURSAR_GRANT, 3 };
    unsigned log2 = 12 + random_below(3);

    if (random_below(4) == 0) {
        *word0 = next_random();
        *word1 = next_random();
        return;
    }
    *word0 = BURSAR_ITEM_MEMORY_WORD(log2, random_below(4) ? BURSAR_RIGHT_READ : random_below(16),
                                     modes[random_below(sizeof modes / sizeof modes[0])]);
    *word1 = random_below(4) ? source : source + 4096u * random_below(4);
}

/* Sends tag and words[0..count) as the reply; with reply-and-wait, what arrived next is in *next. */
static int send_reply(const struct fault_server *server, uint32_t tag, const uint32_t *words, uint32_t count,
                      bool and_wait, struct received_fault *next)
{
    uint32_t mr0 = count > 0 ? words[0] : 0, mr1 = count > 1 ? words[1] : 0, badge = 0;
    int error;

    for (uint32_t i = 2; i < count; i++)
        l4_mr_set(i, words[i]);
    if (!and_wait)
        return l4_reply(server->reply, tag, mr0, mr1);
    error = l4_reply_wait(server->endpoint, server->reply, &badge, &tag, &mr0, &mr1, BURSAR_TIMEOUT_MS(200));
    if (error == 0) {
        next->label = BURSAR_TAG_LABEL(tag);
        next->words = BURSAR_TAG_UNTYPED(tag);
        next->word[0] = mr0;
        next->word[1] = mr1;
        for (uint32_t i = 2; i < next->words && i < BURSAR_RAISED_FAULT_WORDS; i++)
            next->word[i] = l4_mr_get(i);
    }
    return error;
}

/* ---- exceptions ---- */

static volatile uint32_t traps_passed;

/* ud2 for ever; every register but esp and ebp may come back changed. */
static void trap_for_ever(void *unused)
{
    (void)unused;
    for (;;) {
        __asm__ volatile("ud2" : : : "eax", "ebx", "ecx", "edx", "esi", "edi", "cc", "memory");
        traps_passed++;
    }
}

USER_TEST(530, random_replies_to_exceptions_are_refused_or_acted_on_exactly_as_documented)
{
    struct fault_server handler;
    struct received_fault fault;
    unsigned thread, accepted = 0, refused = 0, skips = 0;
    bool bound;

    random_state = 530;
    traps_passed = 0;
    TEST_CHECK_EQUAL(fault_server_create(&handler), 0, "handler");
    TEST_CHECK_EQUAL(core_spawn(trap_for_ever, NULL, CORE_LOW_PRIORITY, &thread), 0, "thread");
    TEST_CHECK_EQUAL(l4_thread_configure(thread, BURSAR_THREAD_EXCEPTION_HANDLER, handler.endpoint), 0,
                     "its handler");
    TEST_CHECK_EQUAL(fault_receive(&handler, &fault, 1000), 0, "the first exception");
    bound = true;
    for (unsigned round = 0; round < ROUNDS && bound; round++) {
        struct bursar_exception_state state;
        uint32_t words[BURSAR_MESSAGE_REGISTERS] = { 0 }, label = random_label();
        uint32_t count = random_word_count(BURSAR_EXCEPTION_WORDS), items = random_below(6) == 0 ? 1 + random_below(2) : 0;
        bool and_wait = random_below(2), skip = false;
        int expected, error;

        TEST_CHECK(fault.label == BURSAR_LABEL_EXCEPTION && fault.words == BURSAR_EXCEPTION_WORDS,
                   "round %u: message label %x words %u", round, fault.label, fault.words);
        for (uint32_t i = 0; i < BURSAR_EXCEPTION_WORDS; i++)
            ((uint32_t *)&state)[i] = fault.word[i];
        TEST_CHECK(state.vector == 6, "round %u: vector %u", round, state.vector);
        if (label == BURSAR_LABEL_KILL && count == 0 && items == 0)
            count = 1;                          /* a valid KILL ends the thread: not here */
        for (uint32_t i = 0; i < count; i++)
            words[i] = next_random();
        if (count == BURSAR_EXCEPTION_WORDS) {
            /* Registers at random, but a stack and frame it can go on with, at ud2, after it or in the kernel. */
            words[3] = state.esp;
            words[9] = state.ebp;
            switch (random_below(3)) {
            case 0: words[2] = state.eip; break;
            case 1: words[2] = state.eip + 2, skip = true; break;
            default: words[2] = 0xc0000000u + (next_random() & 0x3fffffffu); break;
            }
        }
        for (uint32_t n = 0; n < items; n++)
            random_item(&words[count + 2 * n], &words[count + 2 * n + 1], (uintptr_t)program_start);
        /* What §8 says: no items; RESUME (never RAISE) with 0 or 12 words; eip below the kernel. */
        if (items)
            expected = 1;                       /* some error: the item's own, or INVALID_MESSAGE */
        else if (label == BURSAR_LABEL_RESUME && (count == 0 || count == BURSAR_EXCEPTION_WORDS))
            expected = count && words[2] >= 0xc0000000u ? -BURSAR_E_INVALID_ADDRESS : 0;
        else
            expected = -BURSAR_E_INVALID_MESSAGE;
        error = send_reply(&handler, BURSAR_TAG(label, count, items), words, count + 2 * items, and_wait, &fault);
        if (expected == 1) {
            TEST_CHECK(error < 0, "round %u: a reply with %u items was taken", round, items);
        } else if (expected != 0) {
            TEST_CHECK(error == expected, "round %u: label %x, %u words, eip %x: %d, expected %d", round, label,
                       count, words[2], error, expected);
        } else {
            /* Taken: with reply-and-wait the next exception is already here. */
            TEST_CHECK(error == 0, "round %u: a good reply (label %x, %u words) failed: %d", round, label, count,
                       error);
            accepted++;
            skips += skip;
            bound = and_wait ? true : fault_receive(&handler, &fault, 1000) == 0;
            TEST_CHECK(bound, "round %u: the thread did not trap again", round);
            continue;
        }
        refused++;
        if (round % CHECK_EVERY == CHECK_EVERY - 1)
            TEST_CHECK_EQUAL(l4_debug_dump(BURSAR_SLOT_DEBUG, BURSAR_DUMP_CHECK, 0), 0, "the kernel's own check");
    }
    TEST_CHECK(accepted > 50 && refused > 50, "%u accepted, %u refused: the mix is off", accepted, refused);
    TEST_CHECK_EQUAL(traps_passed, skips, "ud2s the thread got past, against replies that skipped one");
}

/* ---- page faults ---- */

/* Two 16 KiB regions of scratch pages: the thread reads the first word of one; the other is the root's to lend. */
struct reader {
    uintptr_t region;
    volatile uint32_t passed;
};

/* Read, count, unmap what the pager lent, read again. */
static void read_for_ever(void *argument)
{
    struct reader *r = argument;

    for (;;) {
        (void)*(volatile uint32_t *)r->region;
        r->passed++;
        l4_unmap(r->region, 4);
    }
}

/* Four consecutive scratch pages, 16 KiB-aligned (the scratch area starts on 4 MiB). */
static uintptr_t scratch_region(void)
{
    uintptr_t first = core_scratch_page();

    while (first & 0x3fffu)
        first = core_scratch_page();
    for (unsigned i = 1; i < 4; i++)
        core_scratch_page();
    return first;
}

/*
 * After an accepted RAISE: the exception the thread's handler (this test)
 * gets must be §8's, 14 words: vector 14, the access bits as the error
 * code, the faulting eip, the address and the pager's reason. Sometimes a
 * RAISE in answer first (an exception's reply is never RAISE), then RESUME
 * with no words: the thread retries the access and faults to its pager
 * again. *faulted: whether it did (that page fault is then in *fault); a
 * failed check is the test's result.
 */
static void answer_raised(struct test_result *result, const struct fault_server *server, struct received_fault *fault,
                          uint32_t eip, uint32_t address, uint32_t reason, unsigned round, bool *faulted)
{
    struct bursar_exception_state state = exception_state_of(fault);
    uint32_t words[1] = { reason };
    int error;

    *faulted = false;
    TEST_CHECK(fault->label == BURSAR_LABEL_EXCEPTION && fault->words == BURSAR_RAISED_FAULT_WORDS,
               "round %u: after RAISE, label %x with %u words", round, fault->label, fault->words);
    TEST_CHECK(state.vector == 14 && state.error_code == 0 && state.eip == eip &&
               fault->word[BURSAR_RAISED_FAULT_ADDRESS] == address && fault->word[BURSAR_RAISED_FAULT_REASON] == reason,
               "round %u: raised as vector %u, access %x, eip %x (fault's %x), address %x, reason %x (sent %x)", round,
               state.vector, state.error_code, state.eip, eip, fault->word[BURSAR_RAISED_FAULT_ADDRESS],
               fault->word[BURSAR_RAISED_FAULT_REASON], reason);
    if (random_below(2)) {
        error = send_reply(server, BURSAR_TAG(BURSAR_LABEL_RAISE, 1, 0), words, 1, false, fault);
        TEST_CHECK(error == -BURSAR_E_INVALID_MESSAGE, "round %u: RAISE to the raised exception: %d", round, error);
    }
    error = send_reply(server, BURSAR_TAG(BURSAR_LABEL_RESUME, 0, 0), words, 0, random_below(2), fault);
    TEST_CHECK(error == 0, "round %u: RESUME to the raised exception: %d", round, error);
    *faulted = fault->label == BURSAR_LABEL_EXCEPTION ? fault_receive(server, fault, 1000) == 0 : true;
}

USER_TEST(531, random_replies_to_page_faults_are_refused_or_acted_on_exactly_as_documented)
{
    static struct reader r;
    struct fault_server pager;
    struct received_fault fault;
    unsigned thread, accepted = 0, refused = 0, mapped = 0, raised = 0;
    uintptr_t source = scratch_region();
    bool bound;

    random_state = 531;
    r = (struct reader){ .region = scratch_region() };
    for (unsigned i = 0; i < 4; i++)
        TEST_CHECK_EQUAL(l4_frame_map(BURSAR_SLOT_MEMORY, core_frame(), source + 4096u * i,
                                      BURSAR_RIGHT_READ | BURSAR_RIGHT_WRITE), 0, "a source page");
    TEST_CHECK_EQUAL(fault_server_create(&pager), 0, "pager");
    TEST_CHECK_EQUAL(core_spawn(read_for_ever, &r, CORE_LOW_PRIORITY, &thread), 0, "thread");
    TEST_CHECK_EQUAL(l4_thread_configure(thread, BURSAR_THREAD_PAGER, pager.endpoint), 0, "its pager");
    TEST_CHECK_EQUAL(l4_thread_configure(thread, BURSAR_THREAD_EXCEPTION_HANDLER, pager.endpoint), 0,
                     "its exception handler: the same endpoint");
    TEST_CHECK_EQUAL(fault_receive(&pager, &fault, 1000), 0, "the first fault");
    bound = true;
    for (unsigned round = 0; round < ROUNDS && bound; round++) {
        uint32_t words[BURSAR_MESSAGE_REGISTERS] = { 0 }, label = random_label();
        uint32_t count = random_word_count(1), items = random_below(3) == 0 ? 0 : random_below(3) == 0 ? 2 : 1;
        bool and_wait = random_below(2), raise;
        uint32_t eip = fault.word[BURSAR_PAGE_FAULT_IP];
        int error;

        TEST_CHECK(fault.label == BURSAR_LABEL_PAGE_FAULT && fault.word[BURSAR_PAGE_FAULT_ADDRESS] == r.region &&
                   fault.word[BURSAR_PAGE_FAULT_ACCESS] == 0,
                   "round %u: label %x address %x access %x", round, fault.label,
                   fault.word[BURSAR_PAGE_FAULT_ADDRESS], fault.word[BURSAR_PAGE_FAULT_ACCESS]);
        if (label == BURSAR_LABEL_KILL && count == 0 && items == 0)
            count = 1;
        if (label == BURSAR_LABEL_RAISE && items == 0 && random_below(2))
            count = 1;                          /* half of them the one word RAISE takes */
        raise = label == BURSAR_LABEL_RAISE && count == 1 && items == 0;
        for (uint32_t i = 0; i < count; i++)
            words[i] = next_random();
        for (uint32_t n = 0; n < items; n++)
            random_item(&words[count + 2 * n], &words[count + 2 * n + 1], source);
        error = send_reply(&pager, BURSAR_TAG(label, count, items), words, count + 2 * items, and_wait, &fault);
        /*
         * What §8 says: RESUME with no words and at most one item (which may
         * still be refused), or RAISE with exactly one word and no item;
         * anything else without an item is INVALID_MESSAGE.
         */
        if (raise) {
            TEST_CHECK(error == 0, "round %u: RAISE with one word failed: %d", round, error);
            raised++;
        } else if (label != BURSAR_LABEL_RESUME || count != 0 || items > 1) {
            if (items)
                TEST_CHECK(error < 0, "round %u: label %x, %u words, %u items taken", round, label, count, items);
            else
                TEST_CHECK(error == -BURSAR_E_INVALID_MESSAGE, "round %u: label %x, %u words: %d, expected %d", round,
                           label, count, error, -BURSAR_E_INVALID_MESSAGE);
            refused++;
        } else if (items == 0) {
            TEST_CHECK(error == 0, "round %u: a plain RESUME failed: %d", round, error);
        } else if (error < 0) {
            refused++;
        } else {
            mapped++;
        }
        if (error == 0) {
            accepted++;
            bound = and_wait ? true : fault_receive(&pager, &fault, 1000) == 0;
            /* A raised fault came to the handler (this test): answered, the thread faults again. */
            if (bound && raise)
                answer_raised(result, &pager, &fault, eip, r.region, words[0], round, &bound);
            TEST_CHECK(bound, "round %u: the thread did not fault again", round);
        }
        if (round % CHECK_EVERY == CHECK_EVERY - 1)
            TEST_CHECK_EQUAL(l4_debug_dump(BURSAR_SLOT_DEBUG, BURSAR_DUMP_CHECK, 0), 0, "the kernel's own check");
    }
    TEST_CHECK(accepted > 50 && refused > 50 && mapped > 10 && raised > 10,
               "%u accepted (%u mapped, %u raised), %u refused: the mix is off", accepted, mapped, raised, refused);
    TEST_CHECK_EQUAL(r.passed, mapped, "reads the thread got past, against items the kernel mapped");
}
