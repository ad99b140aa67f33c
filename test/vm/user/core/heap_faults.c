/*
 * heap_faults.c — an allocation that finds its heap empty becomes a message
 * to the heap's bank on behalf of the thread; the bank's donation restarts
 * the system call, a refusal or silence fails it cleanly [620-629, 632].
 *
 * The test bank is a thread of the root task serving an endpoint; what it
 * does with each fault is set per test (donate what is wanted, refuse, say
 * nothing, offer a frame that is not its own).
 */
#include "core.h"
#include "heap_tests.h"

#include "libl4/printf.h"
#include "libl4/string.h"
#include "libl4/task_sharing_program.h"

enum bank_mode { BANK_DONATE, BANK_REFUSE, BANK_SILENT, BANK_FOREIGN, BANK_MAPPED };

static struct {
    unsigned endpoint, reply;
    enum bank_mode mode;
    unsigned faults;
    uint32_t words[BURSAR_HEAP_FAULT_WORDS];   /* the last fault's message */
    int reply_error;                           /* what the bank's first reply got (FOREIGN, MAPPED) */
    uint32_t mapped_frame;                     /* BANK_MAPPED: the frame it donates while mapped */
} bank;

/* Up to `wanted` frames in a row from the test frame supply; how many in *count. */
static uint32_t contiguous_frames(uint32_t wanted, uint32_t *count)
{
    uint32_t first = core_frame();

    *count = 1;
    while (*count < wanted && *count < BURSAR_HEAP_FAULT_MAX_FRAMES && core_frame() == first + *count)
        (*count)++;
    return first;
}

static void bank_main(void *argument)
{
    uint32_t tag, mr0, mr1, count, first;

    (void)argument;
    for (;;) {
        int error = l4_receive(bank.endpoint, bank.reply, 0, &tag, &mr0, &mr1, BURSAR_TIMEOUT_NEVER);
        if (error == -BURSAR_E_BUSY) {      /* BANK_SILENT: the last fault waits on for its timeout */
            core_sleep_ms(1);
            continue;
        }
        if (error)
            return;
        if (BURSAR_TAG_LABEL(tag) != BURSAR_LABEL_HEAP_FAULT || BURSAR_TAG_UNTYPED(tag) != BURSAR_HEAP_FAULT_WORDS)
            continue;
        bank.faults++;
        bank.words[0] = mr0;
        bank.words[1] = mr1;
        bank.words[2] = l4_mr_get(2);
        bank.words[3] = l4_mr_get(3);
        switch (bank.mode) {
        case BANK_DONATE:
            first = contiguous_frames(bank.words[3], &count);
            l4_reply(bank.reply, BURSAR_TAG(0, 2, 0), BURSAR_HEAP_FAULT_REPLY(count, BURSAR_SLOT_MEMORY), first);
            break;
        case BANK_REFUSE:
            l4_reply(bank.reply, BURSAR_TAG(0, 2, 0), 0, 0);
            break;
        case BANK_SILENT:           /* the caller waits until the heap's timeout */
            break;
        case BANK_FOREIGN:          /* frame 256 is the kernel image's: refused, then the bank gives up */
            bank.reply_error = l4_reply(bank.reply, BURSAR_TAG(0, 2, 0),
                                        BURSAR_HEAP_FAULT_REPLY(1, BURSAR_SLOT_MEMORY), 256);
            l4_reply(bank.reply, BURSAR_TAG(0, 2, 0), 0, 0);
            break;
        case BANK_MAPPED:           /* its own frame, but mapped: the kernel unmaps it first */
            bank.reply_error = l4_reply(bank.reply, BURSAR_TAG(0, 2, 0),
                                        BURSAR_HEAP_FAULT_REPLY(1, BURSAR_SLOT_MEMORY), bank.mapped_frame);
            break;
        }
    }
}

/* An empty heap whose faults go to a new test bank in `mode`. */
static int bank_heap(unsigned heap, enum bank_mode mode, unsigned timeout_ms)
{
    unsigned thread;
    int error = l4_create(BURSAR_SLOT_HEAP, BURSAR_OBJECT_HEAP, heap, 0);

    memset(&bank, 0, sizeof bank);
    bank.mode = mode;
    bank.endpoint = core_slot();
    bank.reply = core_slot();
    if (!error)
        error = l4_create(BURSAR_SLOT_HEAP, BURSAR_OBJECT_ENDPOINT, bank.endpoint, 0);
    if (!error)
        error = l4_create(BURSAR_SLOT_HEAP, BURSAR_OBJECT_REPLY, bank.reply, 0);
    if (!error)
        error = core_spawn(bank_main, 0, CORE_LOW_PRIORITY, &thread);
    if (!error)
        error = l4_heap_configure(heap, BURSAR_HEAP_BANK, bank.endpoint, 0);
    if (!error && timeout_ms)
        error = l4_heap_configure(heap, BURSAR_HEAP_FAULT_TIMEOUT, BURSAR_TIMEOUT_MS(timeout_ms), 0);
    return error;
}

static bool ledger_exact(void)
{
    struct bursar_system_info info;

    return l4_system_info(&info) == 0 &&
           info.fixed_reservation_frames + info.heap_frames + info.bank_frames == info.usable_frames &&
           l4_debug_dump(BURSAR_SLOT_DEBUG, BURSAR_DUMP_CHECK, 0) == 0;
}

USER_TEST(620, a_heap_fault_served_by_a_donation_restarts_the_call_unseen)
{
    unsigned heap = core_slot(), endpoint = core_slot(), second = core_slot(), task = core_slot();
    struct bursar_heap_info info;
    struct bursar_system_info before, after;

    TEST_CHECK_EQUAL(bank_heap(heap, BANK_DONATE, 0), 0, "heap with a test bank");
    TEST_CHECK_EQUAL(l4_system_info(&before), 0, "system info");
    TEST_CHECK_EQUAL(l4_create(heap, BURSAR_OBJECT_ENDPOINT, endpoint, 0), 0, "create from the empty heap");
    TEST_CHECK_EQUAL(bank.faults, 1, "heap faults the bank saw");
    TEST_CHECK(bank.words[1] == BURSAR_HEAP_ENDPOINT && bank.words[2] == 1 && bank.words[3] == 1,
               "fault message: kind %u, needed %u, wanted %u", bank.words[1], bank.words[2], bank.words[3]);
    TEST_CHECK_EQUAL(l4_send(endpoint, 0, 0, 0, BURSAR_TIMEOUT_ZERO), -BURSAR_E_TIMEOUT, "the endpoint works");
    TEST_CHECK_EQUAL(l4_create(heap, BURSAR_OBJECT_ENDPOINT, second, 0), 0, "a second fits the same page");
    TEST_CHECK_EQUAL(bank.faults, 1, "no second fault");
    /* A task needs several pages of several kinds: fault after fault, then it is made. */
    TEST_CHECK_EQUAL(l4_create(heap, BURSAR_OBJECT_TASK, task, 16), 0, "a task from the heap");
    TEST_CHECK(bank.faults >= 2, "faults for the task: %u", bank.faults);
    TEST_CHECK_EQUAL(l4_heap_info(heap, &info), 0, "heap info");
    TEST_CHECK(info.live_by_type[BURSAR_HEAP_ENDPOINT] == 2 && info.live_by_type[BURSAR_HEAP_TASK] == 1 &&
               info.pages_donated == info.pages_held,
               "%u endpoints, %u tasks, %u donated, %u held", info.live_by_type[BURSAR_HEAP_ENDPOINT],
               info.live_by_type[BURSAR_HEAP_TASK], info.pages_donated, info.pages_held);
    TEST_CHECK_EQUAL(l4_system_info(&after), 0, "system info");
    TEST_CHECK_EQUAL(after.heap_frames, before.heap_frames + info.pages_held, "heap frames");
    TEST_CHECK_EQUAL(after.bank_frames, before.bank_frames - info.pages_held, "bank frames");
    TEST_CHECK(ledger_exact(), "ledger");
}

USER_TEST(621, a_refused_heap_fault_fails_cleanly_and_changes_nothing)
{
    unsigned heap = core_slot(), destination = core_slot();
    struct core_snapshot before, after;
    struct bursar_heap_info info;
    int difference;

    TEST_CHECK_EQUAL(bank_heap(heap, BANK_REFUSE, 0), 0, "heap with a refusing bank");
    core_snapshot_take(&before);
    TEST_CHECK_EQUAL(l4_create(heap, BURSAR_OBJECT_ENDPOINT, destination, 0), -BURSAR_E_OUT_OF_MEMORY, "endpoint");
    TEST_CHECK_EQUAL(l4_create(heap, BURSAR_OBJECT_TASK, destination, 16), -BURSAR_E_OUT_OF_MEMORY, "task");
    TEST_CHECK_EQUAL(bank.faults, 2, "the bank was asked each time");
    core_snapshot_take(&after);
    difference = core_snapshot_compare(&before, &after);
    TEST_CHECK(difference == 0, "a refused fault changed something (%d)", difference);
    TEST_CHECK_EQUAL(l4_heap_info(heap, &info), 0, "heap info");
    TEST_CHECK(info.pages_held == 0, "the heap holds %u pages", info.pages_held);
    /* With no bank at all the answer is the same, at once. */
    TEST_CHECK_EQUAL(l4_heap_configure(heap, BURSAR_HEAP_BANK, BURSAR_NO_CAPABILITY, 0), 0, "no bank");
    TEST_CHECK_EQUAL(l4_create(heap, BURSAR_OBJECT_ENDPOINT, destination, 0), -BURSAR_E_OUT_OF_MEMORY, "no bank");
    TEST_CHECK_EQUAL(bank.faults, 2, "not asked");
}

/*
 * An allocation from `heap` (its bank set to wait FAULT_TIMEOUT_MS) that
 * must fail with OUT_OF_MEMORY after the bank's call timed out: not before
 * the timeout's ticks (docs/abi.md §5), and exactly then once in
 * CORE_TIMING_ATTEMPTS tries (a host stall can add a tick to one try).
 */
#define FAULT_TIMEOUT_MS 50u
static void fails_after_the_fault_timeout(struct test_result *result, unsigned heap, uint32_t type,
                                          unsigned destination, const char *what)
{
    uint32_t want = core_timeout_ticks(FAULT_TIMEOUT_MS), took = 0;
    struct l4_cap_info cap;

    for (unsigned attempt = 0; attempt < CORE_TIMING_ATTEMPTS && (attempt == 0 || took != want); attempt++) {
        uint32_t start = core_tick_start();
        TEST_CHECK_EQUAL(l4_create(heap, type, destination, 0), -BURSAR_E_OUT_OF_MEMORY, what);
        took = core_ticks() - start;
        TEST_CHECK(took >= want, "%s: answered after %u ticks, before the timeout's %u", what, took, want);
        TEST_CHECK_EQUAL(l4_cap_inspect(destination, &cap), 0, "inspect");
        TEST_CHECK_EQUAL(cap.type, BURSAR_OBJECT_NONE, "nothing was created");
        if (took != want)
            printf("  %s: %u ticks, not %u, on try %u\n", what, took, want, attempt + 1);
    }
    TEST_CHECK(took == want, "%s: answered after %u ticks, not %u, in each of %u tries", what, took, want,
               CORE_TIMING_ATTEMPTS);
}

USER_TEST(622, a_bank_that_does_not_answer_times_out_cleanly)
{
    unsigned heap = core_slot(), destination = core_slot(), nobody = core_slot();

    TEST_CHECK_EQUAL(bank_heap(heap, BANK_SILENT, FAULT_TIMEOUT_MS), 0, "heap with a silent bank, 50 ms");
    fails_after_the_fault_timeout(result, heap, BURSAR_OBJECT_ENDPOINT, destination,
                                  "the bank took the fault and never answered");
    if (result->failed)
        return;
    TEST_CHECK(bank.faults >= 1, "the bank never saw it");
    /* A bank endpoint nobody receives on: the send phase times out. */
    TEST_CHECK_EQUAL(l4_create(BURSAR_SLOT_HEAP, BURSAR_OBJECT_ENDPOINT, nobody, 0), 0, "endpoint");
    TEST_CHECK_EQUAL(l4_heap_configure(heap, BURSAR_HEAP_BANK, nobody, 0), 0, "bank nobody serves");
    fails_after_the_fault_timeout(result, heap, BURSAR_OBJECT_REPLY, destination, "a bank nobody serves");
    if (result->failed)
        return;
    TEST_CHECK(ledger_exact(), "ledger");
}

USER_TEST(623, a_bank_offering_a_frame_it_does_not_own_is_refused)
{
    unsigned heap = core_slot(), destination = core_slot();
    struct bursar_heap_info info;

    TEST_CHECK_EQUAL(bank_heap(heap, BANK_FOREIGN, 0), 0, "heap with a bank offering the kernel's frame");
    TEST_CHECK_EQUAL(l4_create(heap, BURSAR_OBJECT_ENDPOINT, destination, 0), -BURSAR_E_OUT_OF_MEMORY, "endpoint");
    TEST_CHECK_EQUAL(bank.reply_error, -BURSAR_E_BAD_FRAME, "the bank's reply with a foreign frame");
    TEST_CHECK_EQUAL(l4_heap_info(heap, &info), 0, "heap info");
    TEST_CHECK(info.pages_held == 0, "the heap holds %u pages", info.pages_held);
    TEST_CHECK(ledger_exact(), "ledger");
}

USER_TEST(624, a_donated_frame_is_unmapped_everywhere_first)
{
    unsigned heap = core_slot(), destination = core_slot();
    uintptr_t page, again = core_scratch_page();
    uint32_t spare = core_frame();

    TEST_CHECK_EQUAL(bank_heap(heap, BANK_MAPPED, 0), 0, "heap with a bank donating a mapped frame");
    TEST_CHECK_EQUAL(core_map_fresh_page(&page, &bank.mapped_frame), 0, "map a frame");
    ((volatile uint32_t *)page)[0] = 0x5a5a5a5a;
    TEST_CHECK_EQUAL(l4_create(heap, BURSAR_OBJECT_ENDPOINT, destination, 0), 0, "endpoint");
    TEST_CHECK_EQUAL(bank.reply_error, 0, "the donation");
    TEST_CHECK_EQUAL(l4_frame_map(BURSAR_SLOT_MEMORY, bank.mapped_frame, again, BURSAR_RIGHT_READ),
                     -BURSAR_E_BAD_FRAME, "the frame is the heap's now");
    TEST_CHECK_EQUAL(l4_frame_map(BURSAR_SLOT_MEMORY, spare, page, BURSAR_RIGHT_READ), 0,
                     "the page it was mapped at is free again");
    TEST_CHECK(ledger_exact(), "ledger");
}

USER_TEST(625, watermarks_set_the_batch_a_fault_asks_for)
{
    unsigned heap = core_slot(), slots[4];
    static const uint32_t types[4] = { BURSAR_OBJECT_ENDPOINT, BURSAR_OBJECT_REPLY, BURSAR_OBJECT_HEAP,
                                       BURSAR_OBJECT_ENDPOINT };
    struct bursar_heap_info info;

    TEST_CHECK_EQUAL(bank_heap(heap, BANK_DONATE, 0), 0, "heap with a bank");
    TEST_CHECK_EQUAL(l4_heap_configure(heap, BURSAR_HEAP_WATERMARKS, 3, 2), -BURSAR_E_INVALID_ARGUMENT, "low > high");
    TEST_CHECK_EQUAL(l4_heap_configure(heap, BURSAR_HEAP_WATERMARKS, 0, 5000), -BURSAR_E_INVALID_ARGUMENT, "too high");
    TEST_CHECK_EQUAL(l4_heap_configure(heap, BURSAR_HEAP_WATERMARKS, 1, 3), 0, "low 1, high 3");
    TEST_CHECK_EQUAL(l4_heap_info(heap, &info), 0, "heap info");
    TEST_CHECK(info.low_water == 1 && info.high_water == 3, "watermarks %u, %u", info.low_water, info.high_water);
    /* Three kinds, one page each: the first fault brings 1 + 3 pages, enough for all. */
    for (unsigned i = 0; i < 4; i++) {
        slots[i] = core_slot();
        TEST_CHECK_EQUAL(l4_create(heap, types[i], slots[i], 0), 0, "create");
    }
    TEST_CHECK_EQUAL(bank.faults, 1, "one fault for three kinds");
    TEST_CHECK_EQUAL(bank.words[3], 4, "pages wanted");
    TEST_CHECK_EQUAL(l4_heap_info(heap, &info), 0, "heap info");
    TEST_CHECK(info.pages_held == 4 && info.pages_free == 1, "%u held, %u free", info.pages_held, info.pages_free);
    /* With no high watermark a fault asks for just what the call needs: a task's kinds all at once. */
    TEST_CHECK_EQUAL(l4_heap_configure(heap, BURSAR_HEAP_WATERMARKS, 0, 0), 0, "no watermarks");
    TEST_CHECK_EQUAL(l4_heap_reclaim(heap, 1, 0), 0, "give the free page back");
    bank.faults = 0;
    for (unsigned i = 0; i < 2; i++) {
        unsigned slot = core_slot();
        TEST_CHECK_EQUAL(l4_create(heap, BURSAR_OBJECT_TASK, slot, 16 + 128 * i), 0, "task");
    }
    TEST_CHECK(bank.faults == 2 && bank.words[3] == bank.words[2] && bank.words[2] == 4,
               "%u faults, last wanted %u needed %u", bank.faults, bank.words[3], bank.words[2]);
    TEST_CHECK(ledger_exact(), "ledger");
}

USER_TEST(626, reserve_prefunds_a_heap_in_the_callers_own_context)
{
    unsigned heap = core_slot(), bare = core_slot();
    struct bursar_heap_info info;
    struct core_snapshot before, after;
    int difference;

    TEST_CHECK_EQUAL(bank_heap(heap, BANK_DONATE, 0), 0, "heap with a bank");
    TEST_CHECK_EQUAL(l4_heap_reserve(heap, BURSAR_HEAP_RECORD, 200), 0, "reserve 200 records");
    TEST_CHECK(bank.faults >= 1 && bank.words[1] == BURSAR_HEAP_RECORD && bank.words[2] == 2,
               "%u faults, kind %u, needed %u", bank.faults, bank.words[1], bank.words[2]);
    TEST_CHECK_EQUAL(l4_heap_info(heap, &info), 0, "heap info");
    TEST_CHECK(info.pages_free >= 2, "%u free pages for the records", info.pages_free);
    bank.faults = 0;
    TEST_CHECK_EQUAL(l4_heap_reserve(heap, BURSAR_HEAP_RECORD, 200), 0, "again: already there");
    TEST_CHECK_EQUAL(bank.faults, 0, "no fault");
    TEST_CHECK_EQUAL(l4_heap_reserve(BURSAR_NO_CAPABILITY, BURSAR_HEAP_RECORD, 1), 0, "own task's heap, one free");
    TEST_CHECK_EQUAL(l4_create(BURSAR_SLOT_HEAP, BURSAR_OBJECT_HEAP, bare, 0), 0, "a heap with no bank");
    core_snapshot_take(&before);
    TEST_CHECK_EQUAL(l4_heap_reserve(bare, BURSAR_HEAP_RECORD, 1), -BURSAR_E_OUT_OF_MEMORY, "no bank");
    TEST_CHECK_EQUAL(l4_heap_reserve(bare, BURSAR_HEAP_KIND_COUNT, 1), -BURSAR_E_INVALID_ARGUMENT, "bad kind");
    TEST_CHECK_EQUAL(l4_heap_reserve(bare, BURSAR_HEAP_RECORD, 0), -BURSAR_E_INVALID_ARGUMENT, "zero");
    TEST_CHECK_EQUAL(l4_heap_reserve(bare, BURSAR_HEAP_RECORD, 5000), -BURSAR_E_INVALID_ARGUMENT, "too many");
    TEST_CHECK_EQUAL(l4_heap_reserve(bank.endpoint, BURSAR_HEAP_RECORD, 1), -BURSAR_E_WRONG_TYPE, "not a heap");
    core_snapshot_take(&after);
    difference = core_snapshot_compare(&before, &after);
    TEST_CHECK(difference == 0, "a failed reserve changed something (%d)", difference);
}

/* SYS_HEAP_RESERVE of several kinds: the first `kinds` counts from the message registers. */
static int reserve_many(unsigned heap, unsigned kinds, const uint32_t *counts)
{
    for (unsigned kind = 0; kind < kinds && kind < BURSAR_MESSAGE_REGISTERS; kind++)
        l4_mr_set(kind, counts[kind]);
    return l4_sysenter(SYS_HEAP_RESERVE, heap, BURSAR_HEAP_RESERVE_MANY, kinds, 0);
}

/*
 * One free page satisfies a reserve of one page table and, separately, of
 * one shadow; a reserve of both together asks the bank for the page it
 * lacks (a mapping into a new 4 MiB needs both).
 */
USER_TEST(632, a_reserve_of_several_kinds_counts_them_together)
{
    unsigned heap = core_slot(), bare = core_slot(), weak = core_slot();
    uint32_t counts[BURSAR_HEAP_KIND_COUNT + 1] = { 0 };
    struct bursar_heap_info info;
    struct core_snapshot before, after;
    int difference;

    TEST_CHECK_EQUAL(bank_heap(heap, BANK_DONATE, 0), 0, "heap with a bank");
    TEST_CHECK_EQUAL(l4_heap_reserve(heap, BURSAR_HEAP_PAGE_TABLE, 1), 0, "one page table");
    TEST_CHECK_EQUAL(l4_heap_info(heap, &info), 0, "heap info");
    TEST_CHECK_EQUAL(info.pages_free, 1, "one free page");
    bank.faults = 0;
    TEST_CHECK_EQUAL(l4_heap_reserve(heap, BURSAR_HEAP_SHADOW, 1), 0, "one shadow, on its own");
    TEST_CHECK_EQUAL(bank.faults, 0, "the same free page counted again");
    TEST_CHECK_EQUAL(l4_heap_reserve_tables(heap, 1), 0, "a page table and a shadow together");
    TEST_CHECK(bank.faults == 1 && bank.words[1] == BURSAR_HEAP_PAGE_TABLE && bank.words[2] == 1,
               "%u faults, kind %u (the first asked for), needed %u", bank.faults, bank.words[1], bank.words[2]);
    TEST_CHECK_EQUAL(l4_heap_info(heap, &info), 0, "heap info");
    TEST_CHECK_EQUAL(info.pages_free, 2, "a page each");
    counts[BURSAR_HEAP_PAGE_TABLE] = counts[BURSAR_HEAP_SHADOW] = 2;
    counts[BURSAR_HEAP_ENDPOINT] = 1;
    bank.faults = 0;
    TEST_CHECK_EQUAL(l4_heap_reserve_all(heap, counts), 0, "two of each, and an endpoint");
    TEST_CHECK(bank.faults >= 1 && bank.words[1] == BURSAR_HEAP_ENDPOINT, "%u faults, kind %u", bank.faults,
               bank.words[1]);
    TEST_CHECK_EQUAL(l4_heap_info(heap, &info), 0, "heap info");
    TEST_CHECK_EQUAL(info.pages_free, 5, "four pages of tables and shadows, one of endpoints: three more");
    bank.faults = 0;
    TEST_CHECK_EQUAL(l4_heap_reserve_all(heap, counts), 0, "again: already there");
    TEST_CHECK_EQUAL(bank.faults, 0, "no fault");
    memset(counts, 0, sizeof counts);
    counts[BURSAR_HEAP_RECORD] = 1;
    TEST_CHECK_EQUAL(l4_heap_reserve_all(BURSAR_NO_CAPABILITY, counts), 0, "own task's heap");

    /* Refusals, on a heap with no bank: each changes nothing. */
    TEST_CHECK_EQUAL(l4_create(BURSAR_SLOT_HEAP, BURSAR_OBJECT_HEAP, bare, 0), 0, "a heap with no bank");
    TEST_CHECK_EQUAL(l4_cap_copy(bare, weak, BURSAR_RIGHT_READ, 0), 0, "a copy without CONTROL");
    core_snapshot_take(&before);
    TEST_CHECK_EQUAL(reserve_many(bare, BURSAR_HEAP_KIND_COUNT, counts), -BURSAR_E_OUT_OF_MEMORY, "no bank");
    TEST_CHECK_EQUAL(reserve_many(weak, BURSAR_HEAP_KIND_COUNT, counts), -BURSAR_E_NO_RIGHTS, "no CONTROL");
    TEST_CHECK_EQUAL(reserve_many(bare, 0, counts), -BURSAR_E_INVALID_ARGUMENT, "no kinds");
    TEST_CHECK_EQUAL(reserve_many(bare, BURSAR_HEAP_KIND_COUNT + 1, counts), -BURSAR_E_INVALID_ARGUMENT,
                     "more kinds than there are");
    memset(counts, 0, sizeof counts);
    TEST_CHECK_EQUAL(reserve_many(bare, BURSAR_HEAP_KIND_COUNT, counts), -BURSAR_E_INVALID_ARGUMENT, "none asked for");
    counts[BURSAR_HEAP_SHADOW] = 4097;
    counts[BURSAR_HEAP_RECORD] = 1;
    TEST_CHECK_EQUAL(reserve_many(bare, BURSAR_HEAP_KIND_COUNT, counts), -BURSAR_E_INVALID_ARGUMENT, "a count too big");
    counts[0] = 1;
    TEST_CHECK_EQUAL(reserve_many(bare, 1, counts), -BURSAR_E_OUT_OF_MEMORY, "only the kinds said are read");
    TEST_CHECK_EQUAL(l4_sysenter(SYS_HEAP_RESERVE, bare, BURSAR_HEAP_RESERVE_MANY + 1, 1, 0),
                     -BURSAR_E_INVALID_ARGUMENT, "an unknown kind next to it");
    core_snapshot_take(&after);
    difference = core_snapshot_compare(&before, &after);
    TEST_CHECK(difference == 0, "a failed reserve changed something (%d)", difference);
}

USER_TEST(627, heap_settings_are_checked_and_change_nothing_when_refused)
{
    unsigned heap = core_slot(), weak = core_slot(), endpoint = core_slot(), receive_only = core_slot();
    struct bursar_heap_info before, after;

    TEST_CHECK_EQUAL(l4_create(BURSAR_SLOT_HEAP, BURSAR_OBJECT_HEAP, heap, 0), 0, "heap");
    TEST_CHECK_EQUAL(l4_create(BURSAR_SLOT_HEAP, BURSAR_OBJECT_ENDPOINT, endpoint, 0), 0, "endpoint");
    TEST_CHECK_EQUAL(l4_cap_copy(heap, weak, BURSAR_RIGHT_READ, 0), 0, "heap copy without CONTROL");
    TEST_CHECK_EQUAL(l4_cap_copy(endpoint, receive_only, BURSAR_RIGHT_READ, 0), 0, "endpoint copy without WRITE");
    TEST_CHECK_EQUAL(l4_heap_info(heap, &before), 0, "heap info");
    TEST_CHECK_EQUAL(l4_heap_configure(heap, BURSAR_HEAP_SETTING_COUNT, 0, 0), -BURSAR_E_INVALID_ARGUMENT, "setting");
    TEST_CHECK_EQUAL(l4_heap_configure(weak, BURSAR_HEAP_WATERMARKS, 0, 1), -BURSAR_E_NO_RIGHTS, "no CONTROL");
    TEST_CHECK_EQUAL(l4_heap_configure(endpoint, BURSAR_HEAP_WATERMARKS, 0, 1), -BURSAR_E_WRONG_TYPE, "not a heap");
    TEST_CHECK_EQUAL(l4_heap_configure(heap, BURSAR_HEAP_BANK, heap, 0), -BURSAR_E_WRONG_TYPE, "bank not an endpoint");
    TEST_CHECK_EQUAL(l4_heap_configure(heap, BURSAR_HEAP_BANK, receive_only, 0), -BURSAR_E_NO_RIGHTS, "no WRITE");
    TEST_CHECK_EQUAL(l4_heap_configure(heap, BURSAR_HEAP_FAULT_TIMEOUT, 0x1000, 0), -BURSAR_E_INVALID_ARGUMENT,
                     "timeout code");
    TEST_CHECK_EQUAL(l4_heap_info(heap, &after), 0, "heap info");
    TEST_CHECK(memcmp(&before, &after, sizeof before) == 0, "a refused setting changed the heap");
}

/* A thread of the root task waiting in a heap fault; its create's result. */
static volatile int waiting_result;
static unsigned waiting_heap, waiting_slot;

static void create_in_waiting_heap(void *argument)
{
    (void)argument;
    waiting_result = 1;
    waiting_result = l4_create(waiting_heap, BURSAR_OBJECT_ENDPOINT, waiting_slot, 0);
}

USER_TEST(628, destroying_a_heap_ends_the_wait_on_its_bank)
{
    unsigned heap = core_slot(), thread;
    struct l4_cap_info cap;

    TEST_CHECK_EQUAL(bank_heap(heap, BANK_SILENT, 0), 0, "heap whose bank never answers, no timeout");
    waiting_heap = heap;
    waiting_slot = core_slot();
    waiting_result = 0;
    TEST_CHECK_EQUAL(core_spawn(create_in_waiting_heap, 0, CORE_LOW_PRIORITY, &thread), 0, "thread");
    core_sleep_ms(30);
    TEST_CHECK_EQUAL(bank.faults, 1, "the bank took the fault");
    TEST_CHECK_EQUAL(waiting_result, 1, "the thread waits");
    TEST_CHECK_EQUAL(l4_destroy(heap), 0, "destroy the heap");
    core_sleep_ms(20);
    TEST_CHECK_EQUAL(waiting_result, -BURSAR_E_OUT_OF_MEMORY, "the wait ended in a clean error");
    TEST_CHECK_EQUAL(l4_cap_inspect(waiting_slot, &cap), 0, "inspect");
    TEST_CHECK_EQUAL(cap.type, BURSAR_OBJECT_NONE, "nothing was created");
    TEST_CHECK(ledger_exact(), "ledger");
}

/*
 * An agent task paid by a heap with a bank replies with a revocable copy:
 * the record is the agent's to pay, its heap faults in the agent's context,
 * and the reply is delivered after the donation as if nothing happened.
 */
USER_TEST(629, an_ipc_item_the_sender_pays_for_faults_in_the_senders_context)
{
    unsigned heap = core_slot(), landing = core_slot();
    struct heap_agent agent;
    struct bursar_heap_info info;
    struct l4_cap_info cap;
    uint32_t tag, mr0 = 0, mr1 = 0;
    int error;

    TEST_CHECK_EQUAL(bank_heap(heap, BANK_DONATE, 0), 0, "heap with a bank");
    /*
     * Creating the agent faults (the root names the heap); mapping its
     * program does not (its page tables are the agent's heap's to pay), so
     * the faults bring a batch: eight pages beyond what each one needs.
     */
    TEST_CHECK_EQUAL(l4_heap_configure(heap, BURSAR_HEAP_WATERMARKS, 0, 8), 0, "high watermark 8");
    TEST_CHECK_EQUAL(heap_agent_start(heap, 0, &agent), 0, "agent paid by the heap, through faults");
    TEST_CHECK_EQUAL(l4_heap_info(heap, &info), 0, "heap info");
    if (info.pages_free)
        TEST_CHECK_EQUAL(l4_heap_reclaim(heap, info.pages_free, 0), 0, "no free page left");
    TEST_CHECK_EQUAL(l4_heap_info(heap, &info), 0, "heap info");
    TEST_CHECK(info.pages_free == 0 && info.free_by_type[BURSAR_HEAP_RECORD] == 0, "%u free pages, %u free records",
               info.pages_free, info.free_by_type[BURSAR_HEAP_RECORD]);
    bank.faults = 0;
    l4_set_receive_windows(landing, 1, 0, 0);
    tag = BURSAR_TAG(HEAP_AGENT_REPLY_ITEM, 0, 0);
    error = l4_call(agent.endpoint, &tag, &mr0, &mr1, BURSAR_TIMEOUT_NEVER, BURSAR_TIMEOUT_MS(2000));
    l4_set_receive_windows(0, 0, 0, 0);
    TEST_CHECK_EQUAL(error, 0, "the call");
    TEST_CHECK_EQUAL(BURSAR_TAG_TYPED(tag), 1, "one item in the reply");
    TEST_CHECK(bank.faults == 1 && bank.words[1] == BURSAR_HEAP_RECORD, "%u faults, kind %u", bank.faults,
               bank.words[1]);
    TEST_CHECK_EQUAL(l4_cap_inspect(landing, &cap), 0, "inspect");
    TEST_CHECK_EQUAL(cap.type, BURSAR_OBJECT_ENDPOINT, "the copy landed");
    TEST_CHECK_EQUAL(l4_heap_info(heap, &info), 0, "heap info");
    TEST_CHECK_EQUAL(info.live_by_type[BURSAR_HEAP_RECORD], 1, "its record, paid by the agent's heap");
    TEST_CHECK(ledger_exact(), "ledger");
}

static struct { char page[4096]; } map_source __attribute__((aligned(4096)));

/* No party waits on another party's bank: SYS_MAP's page tables are the destination's to pay. */
USER_TEST(630, a_call_charging_another_partys_heap_does_not_wait_on_its_bank)
{
    unsigned heap = core_slot(), task = core_slot();
    struct bursar_heap_info info;

    TEST_CHECK_EQUAL(bank_heap(heap, BANK_DONATE, 0), 0, "heap with a bank");
    TEST_CHECK_EQUAL(l4_create(heap, BURSAR_OBJECT_TASK, task, 16), 0, "a task paid by it (faults: the root named it)");
    TEST_CHECK_EQUAL(l4_heap_info(heap, &info), 0, "heap info");
    if (info.pages_free)
        TEST_CHECK_EQUAL(l4_heap_reclaim(heap, info.pages_free, 0), 0, "no free page left");
    bank.faults = 0;
    map_source.page[0] = 1;
    TEST_CHECK_EQUAL(l4_map(task, (uintptr_t)&map_source, 0x10000000, BURSAR_RIGHT_READ, 1), -BURSAR_E_OUT_OF_MEMORY,
                     "its page table: out of memory, no wait");
    TEST_CHECK_EQUAL(bank.faults, 0, "the bank was not asked");
    TEST_CHECK_EQUAL(l4_heap_reserve(heap, BURSAR_HEAP_PAGE_TABLE, 2), 0,
                     "the payer reserves a page each for the table and its shadow (and faults)");
    TEST_CHECK_EQUAL(bank.faults, 1, "asked now");
    TEST_CHECK_EQUAL(l4_map(task, (uintptr_t)&map_source, 0x10000000, BURSAR_RIGHT_READ, 1), 0, "then the map fits");
    TEST_CHECK(ledger_exact(), "ledger");
}

USER_TEST(631, below_the_low_watermark_a_call_asks_for_a_refill_and_keeps_its_result)
{
    unsigned heap = core_slot(), slots[5];
    struct bursar_heap_info info;

    TEST_CHECK_EQUAL(bank_heap(heap, BANK_DONATE, 0), 0, "heap with a bank");
    TEST_CHECK_EQUAL(l4_heap_configure(heap, BURSAR_HEAP_WATERMARKS, 2, 3), 0, "low 2, high 3");
    for (unsigned i = 0; i < 5; i++)
        slots[i] = core_slot();
    /* A fault: 1 needed + 3; then an endpoint page, a reply page: 2 free, not below the low mark. */
    TEST_CHECK_EQUAL(l4_create(heap, BURSAR_OBJECT_ENDPOINT, slots[0], 0), 0, "endpoint");
    TEST_CHECK_EQUAL(l4_create(heap, BURSAR_OBJECT_REPLY, slots[1], 0), 0, "reply object");
    TEST_CHECK_EQUAL(bank.faults, 1, "one fault");
    TEST_CHECK(bank.words[2] == 1 && bank.words[3] == 4, "needed %u, wanted %u", bank.words[2], bank.words[3]);
    /* A heap-object page leaves 1 free: below 2, so the call asks for 2 more before it returns. */
    TEST_CHECK_EQUAL(l4_create(heap, BURSAR_OBJECT_HEAP, slots[2], 0), 0, "heap object");
    TEST_CHECK_EQUAL(bank.faults, 2, "a refill");
    TEST_CHECK(bank.words[1] == BURSAR_HEAP_HEAP && bank.words[2] == 0 && bank.words[3] == 2,
               "refill: kind %u, needed %u, wanted %u", bank.words[1], bank.words[2], bank.words[3]);
    TEST_CHECK_EQUAL(l4_heap_info(heap, &info), 0, "heap info");
    TEST_CHECK_EQUAL(info.pages_free, 3, "back at the high mark");
    /* A refused refill changes nothing about the call that asked for it. */
    bank.mode = BANK_REFUSE;
    TEST_CHECK_EQUAL(l4_create(heap, BURSAR_OBJECT_THREAD, slots[3], BURSAR_SLOT_TASK), 0, "thread: 2 free");
    TEST_CHECK_EQUAL(bank.faults, 2, "not below the mark");
    TEST_CHECK_EQUAL(l4_create(heap, BURSAR_OBJECT_THREAD, slots[4], BURSAR_SLOT_TASK), 0,
                     "thread: 1 free, refill refused, the thread is made all the same");
    TEST_CHECK_EQUAL(bank.faults, 3, "the refill was asked for");
    TEST_CHECK_EQUAL(l4_heap_info(heap, &info), 0, "heap info");
    TEST_CHECK(info.pages_free == 1 && info.live_by_type[BURSAR_HEAP_THREAD] == 2, "%u free, %u threads",
               info.pages_free, info.live_by_type[BURSAR_HEAP_THREAD]);
    TEST_CHECK(ledger_exact(), "ledger");
}
