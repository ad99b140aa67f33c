/*
 * large_items.c — IPC memory items past 4 pages move with preemption points
 * between pages (kernel/transfer.c; docs/abi.md §5, "Large memory items"),
 * core_tests 1260-1269 (1268, 1269: the same through a reply and a pager's RESUME).
 *
 * Everything happens in a worker task paid by a heap of the test's own
 * (sharing this program and `area`, libl4/task_sharing_program.h): its sender thread S
 * builds a tree of mappings of one frame at SOURCE and sends up to eight
 * 4 MiB items of it; its receiver thread R takes them in the window at
 * WINDOW; its helper thread H, at S's priority, takes turns with S (S's
 * timeslice is one timer tick, and H yields as soon as it has looked) and
 * looks at the window each time (a one-page item sent nowhere with a zero
 * timeout answers TIMEOUT for a mapped page, NOT_MAPPED for one that is
 * not). When the first page has arrived and the last has not, the transfer
 * is under way and S is stopped at a preemption point: H makes the test's
 * change then (unmaps a source page, maps a window page) or asks the root,
 * above everyone, to make it (destroy S or R, reclaim the worker heap's
 * free pages). A try where H never saw the transfer under way (one that
 * took less than a tick) proves nothing and is made again on a fresh
 * worker, up to ATTEMPTS times.
 *
 * What each test then checks: both results, the receiver's badge, the
 * records of the worker heap (the transfer's records all refunded after a
 * failure), its page tables (the window's freed), and the kernel's own
 * check; core_after_test checks the ledger after the heap is destroyed.
 */
#include "core.h"

#include "bursar/fault.h"
#include "libl4/kernel_stats.h"
#include "libl4/message.h"
#include "libl4/printf.h"
#include "libl4/task_sharing_program.h"
#include "libl4/thread_spawn.h"
#include "libl4/utcb.h"

#define PAGE 4096u
#define ITEM_LOG2 22u
#define ITEM_PAGES 1024u
#define MAX_ITEMS 8u
#define SOURCE 0x40000000u          /* 32 MiB aligned: up to eight 4 MiB items */
#define WINDOW 0x44000000u          /* 32 MiB aligned: where they land */
#define WINDOW_LOG2 25u
#define MARK 0x5ca1ab1eu            /* written in the frame: every page of the window reads it */
#define SENDER_BADGE 0x77u
#define HEAP_FRAMES 400u
#define ATTEMPTS 12u
#define RW (BURSAR_RIGHT_READ | BURSAR_RIGHT_WRITE)

/* Slots of the worker task's capability space. */
enum { W_TASK, W_MEMORY, W_ENDPOINT, W_SEND, W_NAP, W_PROBE, W_ROOT, W_REPLY, W_SLOTS };

/* What happens while the transfer is under way. */
enum change { WATCH_ONLY, UNMAP_SOURCE, MAP_WINDOW, DESTROY_RECEIVER, DESTROY_SENDER, RECLAIM_HEAP, CHECK_KERNEL };

enum { SENDER, RECEIVER, HELPER, THREADS };

struct items_area {
    /* Set by the root before the threads start. */
    unsigned items, mode, change;
    bool receiver_first, helper_above;
    uint32_t frame, spare_frame;
    uint64_t delay;             /* TSC ticks to spin before the transfer starts: a phase in the timer tick */
    /* What the threads saw. */
    volatile int build_result, send_result, receive_result, change_result;
    volatile uint32_t badge, tag, words[2 * MAX_ITEMS], marks_wrong;
    volatile uint32_t window_left, first_source_left;   /* after a failure: sampled window pages mapped */
    volatile bool built, go, sender_inside, sender_done, receiver_waiting, receiver_done, helper_done;
    volatile bool saw_under_way, changed;
    volatile uint32_t records_before;
    volatile int fault_result, second_fault;        /* 1268-1269: the server's or pager's side */
    struct bursar_utcb utcbs[THREADS] __attribute__((aligned(BURSAR_UTCB_SIZE)));
    char stacks[THREADS][4096] __attribute__((aligned(16)));
};
static struct items_area area __attribute__((aligned(4096)));

/* ---- Code that runs in the worker task: only its stack and `area`. ---- */

static void nap(void)
{
    l4_receive(W_NAP, BURSAR_NO_CAPABILITY, 0, 0, 0, 0, BURSAR_TIMEOUT_MS(1));
}

static bool mapped(uintptr_t page)
{
    struct l4_msg m;

    l4_msg_start(&m, 1);
    l4_msg_append_memory(&m, page, 12, BURSAR_RIGHT_READ, BURSAR_COPY);
    return l4_msg_send(W_PROBE, &m, BURSAR_TIMEOUT_ZERO) == -BURSAR_E_TIMEOUT;
}

/* Naps end on a timer tick; a transfer started right after one may end before the next. */
static void spin(void)
{
    uint64_t start = l4_timestamp();

    while (l4_timestamp() - start < area.delay)
        ;
}

static uintptr_t last_window_page(void)
{
    return WINDOW + area.items * ITEM_PAGES * PAGE - PAGE;
}

/*
 * Under way: its first page has arrived and this one has not. A reclaim
 * needs a whole item still to come (its records need new pages); the other
 * changes need only the last page still to come.
 */
static uintptr_t watched_page(void)
{
    return area.change == RECLAIM_HEAP ? WINDOW + (area.items - 1) * ITEM_PAGES * PAGE : last_window_page();
}

/* One frame at SOURCE and a mapping of it at every page after, by doubling. */
static int build_source(void)
{
    unsigned pages = area.items * ITEM_PAGES;
    int error = l4_frame_map(W_MEMORY, area.frame, SOURCE, RW);

    if (!error)
        *(volatile uint32_t *)SOURCE = MARK;
    for (unsigned have = 1; have < pages && !error;) {
        unsigned more = have < pages - have ? have : pages - have;
        error = l4_map(W_TASK, SOURCE, SOURCE + have * PAGE, RW, more);
        have += more;
    }
    return error;
}

/* Window pages still mapped, one in 64 and the last. */
static uint32_t window_pages_mapped(void)
{
    uint32_t count = 0;

    for (unsigned page = 0; page < area.items * ITEM_PAGES; page += 64)
        count += mapped(WINDOW + page * PAGE);
    return count + mapped(last_window_page());
}

/* The source this test's sender (or pager) offers: built, then said so. */
static void build_source_then_say_so(void)
{
    area.build_result = build_source();
    area.built = true;
}

/* The message's items: the test's count of 4 MiB items from SOURCE on, in its mode. */
static void write_items(volatile struct bursar_utcb *utcb)
{
    for (unsigned n = 0; n < area.items; n++) {
        utcb->mr[2 * n] = BURSAR_ITEM_MEMORY_WORD(ITEM_LOG2, RW, area.mode);
        utcb->mr[2 * n + 1] = SOURCE + n * ITEM_PAGES * PAGE;
    }
}

/* A server's or pager's start: its source built, then, on the test's go, the first message received. */
static void build_then_receive(uint32_t *tag, uint32_t *mr0)
{
    uint32_t badge, mr1;

    build_source_then_say_so();
    while (!area.go)
        nap();
    area.fault_result = l4_receive(W_ENDPOINT, W_REPLY, &badge, tag, mr0, &mr1, BURSAR_TIMEOUT_NEVER);
}

static void sender_main(void *unused)
{
    volatile struct bursar_utcb *utcb = l4_utcb();

    (void)unused;
    build_source_then_say_so();
    while (!area.go || (area.receiver_first && !area.receiver_waiting))
        nap();
    write_items(utcb);
    area.sender_inside = true;
    if (area.receiver_first)
        spin();
    if (!area.build_result)
        area.send_result = l4_send(W_SEND, BURSAR_TAG(0, 0, area.items), utcb->mr[0], utcb->mr[1],
                                   BURSAR_TIMEOUT_NEVER);
    area.first_source_left = mapped(SOURCE);
    area.sender_done = true;
}

static void receiver_main(void *unused)
{
    volatile struct bursar_utcb *utcb = l4_utcb();
    uint32_t badge = 0, tag = 0, mr0 = 0, mr1 = 0;

    (void)unused;
    l4_set_receive_windows(0, 0, WINDOW, WINDOW_LOG2);
    /* Second: the sender is blocked in its send when the receive comes, and hands it the work. */
    while (!area.receiver_first && !area.sender_inside)
        nap();
    if (!area.receiver_first) {
        nap();
        spin();
    }
    area.receiver_waiting = true;
    area.receive_result = l4_receive(W_ENDPOINT, BURSAR_NO_CAPABILITY, &badge, &tag, &mr0, &mr1,
                                     BURSAR_TIMEOUT_NEVER);
    area.badge = badge;
    area.tag = tag;
    area.words[0] = mr0;
    area.words[1] = mr1;
    for (unsigned i = 2; i < 2 * MAX_ITEMS; i++)
        area.words[i] = utcb->mr[i];
    if (area.receive_result == 0 && area.mode != BURSAR_GRANT)
        for (unsigned page = 0; page < area.items * ITEM_PAGES; page++)
            area.marks_wrong += *(volatile uint32_t *)(WINDOW + page * PAGE) != MARK;
    if (area.receive_result != 0)
        area.window_left = window_pages_mapped();
    area.receiver_done = true;
}

static int make_change(void)
{
    switch (area.change) {
    case UNMAP_SOURCE:          /* the sender's own thread takes its last page away */
        return l4_unmap(SOURCE + area.items * ITEM_PAGES * PAGE - PAGE, 1);
    case MAP_WINDOW:            /* the receiver's own thread maps a page where the last one lands */
        return l4_frame_map(W_MEMORY, area.spare_frame, last_window_page(), RW);
    default:                    /* the root does it, at once: it is above everyone */
        return l4_send(W_ROOT, BURSAR_TAG(area.change, 0, 0), 0, 0, BURSAR_TIMEOUT_NEVER);
    }
}

static void helper_main(void *unused)
{
    (void)unused;
    while (!area.sender_done || !area.receiver_done) {
        if (area.helper_above)
            nap();              /* above S: wakes on timer ticks and preempts it */
        else
            l4_yield();         /* beside S: runs whenever S's one-tick timeslice ends */
        if (!area.sender_inside || area.sender_done || area.saw_under_way)
            continue;
        if (!mapped(WINDOW) || mapped(watched_page()))
            continue;
        area.saw_under_way = true;
        if (area.change != WATCH_ONLY) {
            area.change_result = make_change();
            area.changed = true;
        }
    }
    area.helper_done = true;
}

/* ---- The root's side. ---- */

struct worker {
    unsigned heap, task, endpoint, root_endpoint, threads[THREADS];
};

static uint32_t frames[HEAP_FRAMES];
static struct core_frame_set frame_set = { frames, HEAP_FRAMES, false };

static uint32_t live_in(unsigned heap, enum bursar_heap_kind kind)
{
    struct bursar_heap_info info = { 0 };

    l4_heap_info(heap, &info);
    return info.live_by_type[kind];
}

static int give(const struct worker *w, unsigned own_slot, unsigned its_slot, unsigned rights, uint32_t badge)
{
    return l4_cap_transfer(own_slot, w->task, its_slot, rights, BURSAR_COPY, badge);
}

static int worker_create(struct worker *w)
{
    struct l4_task_spec spec = { .shared = &area, .shared_size = sizeof area, .capability_slots = W_SLOTS };
    unsigned nap_endpoint = core_slot(), probe_endpoint = core_slot();
    int error;

    w->heap = core_slot();
    w->task = core_slot();
    w->endpoint = core_slot();
    w->root_endpoint = core_slot();
    spec.heap = w->heap;
    spec.slot = w->task;
    error = l4_create(BURSAR_SLOT_HEAP, BURSAR_OBJECT_HEAP, w->heap, 0);
    if (!error)
        error = core_heap_fund(w->heap, &frame_set);
    if (!error)
        error = l4_task_create_sharing_program(&spec);
    if (!error)
        error = l4_create(w->heap, BURSAR_OBJECT_ENDPOINT, w->endpoint, 0);
    if (!error)
        error = l4_create(w->heap, BURSAR_OBJECT_ENDPOINT, nap_endpoint, 0);
    if (!error)
        error = l4_create(w->heap, BURSAR_OBJECT_ENDPOINT, probe_endpoint, 0);
    if (!error)
        error = l4_create(w->heap, BURSAR_OBJECT_ENDPOINT, w->root_endpoint, 0);
    if (!error)
        error = give(w, w->task, W_TASK, BURSAR_RIGHTS_ALL, 0);
    if (!error)
        error = give(w, BURSAR_SLOT_MEMORY, W_MEMORY, BURSAR_RIGHTS_ALL, 0);
    if (!error)
        error = give(w, w->endpoint, W_ENDPOINT, BURSAR_RIGHT_READ, 0);
    if (!error)
        error = give(w, w->endpoint, W_SEND, BURSAR_RIGHT_WRITE, SENDER_BADGE);
    if (!error)
        error = give(w, nap_endpoint, W_NAP, BURSAR_RIGHTS_ALL, 0);
    if (!error)
        error = give(w, probe_endpoint, W_PROBE, BURSAR_RIGHT_WRITE, 0);
    if (!error)
        error = give(w, w->root_endpoint, W_ROOT, BURSAR_RIGHT_WRITE, 0);
    if (!error) {
        unsigned reply = core_slot();
        error = l4_create(w->heap, BURSAR_OBJECT_REPLY, reply, 0);
        if (!error)
            error = give(w, reply, W_REPLY, BURSAR_RIGHT_WRITE, 0);
    }
    return error;
}

static int start(struct worker *w, unsigned index, void (*entry)(void *), unsigned priority)
{
    struct l4_thread_spec spec = {
        .heap = w->heap, .task = w->task, .slot = core_slot(),
        .stack = area.stacks[index], .stack_size = sizeof area.stacks[index],
        .utcb = (uintptr_t)&area.utcbs[index], .priority = priority, .entry = entry, .argument = 0,
    };

    w->threads[index] = spec.slot;
    return l4_thread_spawn(&spec);
}

/* The change the helper asked the root for: the root is above everyone, so S is still stopped. */
static int root_change(const struct worker *w, uint32_t change)
{
    struct bursar_heap_info info = { 0 };
    int error;

    switch (change) {
    case DESTROY_RECEIVER:
        return l4_destroy(w->threads[RECEIVER]);
    case DESTROY_SENDER:
        return l4_destroy(w->threads[SENDER]);
    case CHECK_KERNEL:          /* the kernel's own check, with a receiver held and S stopped at a point */
        return l4_debug_dump(BURSAR_SLOT_DEBUG, BURSAR_DUMP_CHECK, 0);
    case RECLAIM_HEAP:          /* its free pages only: the transfer's next record or table finds none */
        error = l4_heap_info(w->heap, &info);
        return error ? error : l4_heap_reclaim(w->heap, info.pages_free, NULL);
    default:
        return -BURSAR_E_INVALID_ARGUMENT;
    }
}

struct scenario {
    unsigned items, mode, change;
    bool receiver_first, helper_above;
};

/* One try on a fresh worker; the root waits (serving the helper's requests) until the threads are done. */
static void run_try(struct test_result *result, struct worker *w, const struct scenario *s, unsigned attempt,
                    struct l4_preempt_stats *stats)
{
    uint32_t deadline = core_ticks() + 3000;

    for (volatile char *p = (volatile char *)&area; p < (volatile char *)area.utcbs; p++)
        *p = 0;
    area.items = s->items;
    area.mode = s->mode;
    area.change = s->change;
    area.receiver_first = s->receiver_first;
    area.helper_above = s->helper_above;
    /* 0, 7, 14, 1, 8, ... ms: over two ticks, as a helper above wakes every other one. */
    area.delay = (uint64_t)core_boot->tsc_khz * (attempt * 7 % 20);
    area.frame = core_frame();
    area.spare_frame = core_frame();
    TEST_CHECK_EQUAL(worker_create(w), 0, "the worker task");
    TEST_CHECK_EQUAL(start(w, HELPER, helper_main, CORE_LOW_PRIORITY + (s->helper_above ? 20 : 0)), 0,
                     "the helper");
    TEST_CHECK_EQUAL(start(w, RECEIVER, receiver_main, CORE_LOW_PRIORITY + 10), 0, "the receiver");
    TEST_CHECK_EQUAL(start(w, SENDER, sender_main, CORE_LOW_PRIORITY), 0, "the sender");
    TEST_CHECK_EQUAL(l4_thread_configure(w->threads[SENDER], BURSAR_THREAD_TIMESLICE, 1), 0, "S's timeslice");
    while (!area.built && core_ticks() < deadline)
        core_sleep_ms(1);
    TEST_CHECK_EQUAL(area.build_result, 0, "the sender's tree of mappings");
    area.records_before = live_in(w->heap, BURSAR_HEAP_RECORD);
    l4_preempt_stats(BURSAR_SLOT_DEBUG, stats, 1);
    area.go = true;
    while (!area.helper_done && core_ticks() < deadline) {
        uint32_t badge, tag, mr0, mr1;
        if (l4_receive(w->root_endpoint, BURSAR_NO_CAPABILITY, &badge, &tag, &mr0, &mr1, BURSAR_TIMEOUT_MS(1)) == 0)
            area.change_result = root_change(w, BURSAR_TAG_LABEL(tag));
        /* A destroyed thread never says it is done: the root says it for it. */
        if (area.changed && s->change == DESTROY_RECEIVER && area.sender_done)
            area.receiver_done = true;
        if (area.changed && s->change == DESTROY_SENDER && area.receiver_done)
            area.sender_done = true;
    }
    l4_preempt_stats(BURSAR_SLOT_DEBUG, stats, 0);
    TEST_CHECK(area.helper_done, "the worker's threads did not finish (sender %d, receiver %d)", area.sender_done,
               area.receiver_done);
    printf("  %u item(s) of %u pages, mode %u, receiver %s, helper %s: saw it under way %s; %u points, %u switched\n",
           s->items, ITEM_PAGES, s->mode, s->receiver_first ? "first" : "second", s->helper_above ? "above" : "beside",
           area.saw_under_way ? "yes" : "no", stats->points, stats->switches);
}

/*
 * A scenario tried until the helper saw its transfer under way, each try
 * on a fresh worker (the last one's heap destroyed, which takes everything
 * it paid for); `verdict` checks a conclusive try.
 */
typedef void (*verdict)(struct test_result *result, const struct worker *w, const struct scenario *s,
                        const struct l4_preempt_stats *stats);

static void until_under_way(struct test_result *result, const struct scenario *s, verdict check)
{
    static struct worker w;
    struct l4_preempt_stats stats;
    unsigned mark = core_slots_mark();
    bool conclusive = false;

    for (unsigned attempt = 0; attempt < ATTEMPTS && !conclusive && !result->failed; attempt++) {
        if (attempt) {
            l4_destroy(w.heap);
            core_slots_release(mark);
        }
        run_try(result, &w, s, attempt, &stats);
        conclusive = area.saw_under_way && (s->change == WATCH_ONLY || area.changed);
        if (conclusive && !result->failed)
            check(result, &w, s, &stats);
    }
    TEST_CHECK(conclusive, "the helper never saw the transfer under way in %u tries", ATTEMPTS);
    TEST_CHECK_EQUAL(l4_debug_dump(BURSAR_SLOT_DEBUG, BURSAR_DUMP_CHECK, 0), 0, "the kernel's check");
    /* The next scenario funds its heap with the same frames. */
    TEST_CHECK_EQUAL(l4_destroy(w.heap), 0, "the worker heap's destroy");
    core_slots_release(mark);
}

/* Arrived whole: every item word rewritten, every page mapped and reading the frame's mark. */
static void arrived_whole(struct test_result *result, const struct worker *w, const struct scenario *s,
                          const struct l4_preempt_stats *stats)
{
    uint32_t moved = s->items * ITEM_PAGES;

    TEST_CHECK_EQUAL(area.change_result, 0, "the kernel's check while the transfer was under way");
    TEST_CHECK_EQUAL(area.send_result, 0, "the send");
    TEST_CHECK_EQUAL(area.receive_result, 0, "the receive");
    TEST_CHECK_EQUAL(area.badge, SENDER_BADGE, "the sender's badge");
    TEST_CHECK_EQUAL(area.tag, BURSAR_TAG(0, 0, s->items), "the tag");
    for (unsigned n = 0; n < s->items; n++) {
        TEST_CHECK_EQUAL_FMT(area.words[2 * n], BURSAR_ITEM_MEMORY_WORD(ITEM_LOG2, RW, s->mode), "item %u's word", n);
        TEST_CHECK_EQUAL_FMT(area.words[2 * n + 1], WINDOW + n * ITEM_PAGES * PAGE, "where item %u landed", n);
    }
    TEST_CHECK(stats->points > moved / 4, "only %u preemption points for %u pages", stats->points, moved);
    if (s->mode == BURSAR_GRANT) {              /* moved: no new record */
        TEST_CHECK_EQUAL(live_in(w->heap, BURSAR_HEAP_RECORD), area.records_before, "records after a GRANT");
        return;
    }
    TEST_CHECK_EQUAL(area.marks_wrong, 0, "window pages that do not read the frame");
    TEST_CHECK_EQUAL(live_in(w->heap, BURSAR_HEAP_RECORD), area.records_before + moved, "a record a page");
}

/*
 * Failed after it started: both sides have the error (the receiver an empty
 * message with the sender's badge), every page moved is taken back.
 */
static int expected_error;
static uint32_t records_gone;

static void taken_back(struct test_result *result, const struct worker *w, const struct scenario *s,
                       const struct l4_preempt_stats *stats)
{
    (void)stats;
    TEST_CHECK_EQUAL(area.change_result, 0, "the change");
    if (s->change != DESTROY_SENDER)
        TEST_CHECK_EQUAL(area.send_result, expected_error, "the sender's result");
    if (s->change != DESTROY_RECEIVER) {
        TEST_CHECK_EQUAL(area.receive_result, expected_error, "the receiver's result");
        TEST_CHECK_EQUAL(area.badge, SENDER_BADGE, "the receiver hears whose message failed");
        TEST_CHECK_EQUAL(area.tag, 0, "an empty message");
    }
    if (s->change != DESTROY_RECEIVER)         /* H's own page stays where the last one would land */
        TEST_CHECK_EQUAL(area.window_left, s->change == MAP_WINDOW, "window pages left mapped (one in 64)");
    if (s->mode == BURSAR_GRANT) {
        /* The pages granted before the failure are gone from both sides: the first one, at least. */
        TEST_CHECK_EQUAL(area.first_source_left, 0, "the first source page after a failed GRANT");
        TEST_CHECK(live_in(w->heap, BURSAR_HEAP_RECORD) < area.records_before - records_gone,
                   "no granted page's record was freed");
        return;
    }
    TEST_CHECK_EQUAL(area.first_source_left, s->change != DESTROY_SENDER, "the first source page");
    TEST_CHECK_EQUAL(live_in(w->heap, BURSAR_HEAP_RECORD), area.records_before - records_gone,
                     "records after the take-back");
}

/* A change made mid-transfer of MAX_ITEMS items that must end it with `error`, `gone` records fewer. */
static void expect_taken_back(struct test_result *result, unsigned mode, unsigned change, bool receiver_first,
                              int error, uint32_t gone)
{
    const struct scenario s = { MAX_ITEMS, mode, change, receiver_first, false };

    expected_error = error;
    records_gone = gone;
    until_under_way(result, &s, taken_back);
}

/*
 * The helper is above the sender here: it saw the window part filled, so a
 * higher-priority thread ran while the sender was inside its send. Then the
 * root, above it, runs the kernel's check with the receiver held.
 */
USER_TEST(1260, a_large_memory_item_passes_preemption_points_and_arrives_whole)
{
    const struct scenario direct = { MAX_ITEMS, BURSAR_REVOCABLE_COPY, CHECK_KERNEL, true, true };
    const struct scenario handed = { MAX_ITEMS, BURSAR_REVOCABLE_COPY, CHECK_KERNEL, false, true };

    until_under_way(result, &direct, arrived_whole);
    until_under_way(result, &handed, arrived_whole);
}

USER_TEST(1261, a_large_copy_and_a_large_grant_arrive_whole_both_ways)
{
    const struct scenario copy = { MAX_ITEMS, BURSAR_COPY, WATCH_ONLY, true, false };
    const struct scenario grant = { MAX_ITEMS, BURSAR_GRANT, WATCH_ONLY, false, false };

    until_under_way(result, &copy, arrived_whole);
    until_under_way(result, &grant, arrived_whole);
}

USER_TEST(1262, the_senders_other_thread_unmaps_a_source_page_mid_transfer)
{
    /* records gone: the page unmapped */
    expect_taken_back(result, BURSAR_REVOCABLE_COPY, UNMAP_SOURCE, true, -BURSAR_E_NOT_MAPPED, 1);
}

USER_TEST(1263, the_receivers_other_thread_maps_into_the_window_mid_transfer)
{
    expect_taken_back(result, BURSAR_REVOCABLE_COPY, MAP_WINDOW, false, -BURSAR_E_ALREADY_MAPPED, 0);
}

USER_TEST(1264, the_receiver_destroyed_mid_transfer)
{
    expect_taken_back(result, BURSAR_REVOCABLE_COPY, DESTROY_RECEIVER, true, -BURSAR_E_DESTROYED, 0);
}

USER_TEST(1265, the_sender_destroyed_mid_transfer)
{
    expect_taken_back(result, BURSAR_REVOCABLE_COPY, DESTROY_SENDER, false, -BURSAR_E_DESTROYED, 0);
}

USER_TEST(1266, the_payer_heap_reclaimed_mid_transfer)
{
    expect_taken_back(result, BURSAR_REVOCABLE_COPY, RECLAIM_HEAP, true, -BURSAR_E_RECEIVER_HEAP_EMPTY, 0);
}

/*
 * A GRANT taken back: the pages it had moved are unmapped from the receiver
 * and not given back (docs/abi.md §5): the sender has lost them, and their
 * records are freed; the ledger and the kernel's check hold.
 */
USER_TEST(1267, a_large_grant_failing_mid_transfer_leaves_its_moved_pages_with_neither_side)
{
    expect_taken_back(result, BURSAR_GRANT, UNMAP_SOURCE, true, -BURSAR_E_NOT_MAPPED, 1);
}

/* ---- Replies: a server's to a call, a pager's to a page fault (1268, 1269). ---- */

/* The client calls; the reply carries the items, which land in its window. */
static void client_main(void *unused)
{
    volatile struct bursar_utcb *utcb = l4_utcb();
    uint32_t tag = BURSAR_TAG(1, 0, 0), mr0 = 0, mr1 = 0;

    (void)unused;
    l4_set_receive_windows(0, 0, WINDOW, WINDOW_LOG2);
    area.receiver_waiting = true;
    area.receive_result = l4_call(W_SEND, &tag, &mr0, &mr1, BURSAR_TIMEOUT_NEVER, BURSAR_TIMEOUT_NEVER);
    area.tag = tag;
    area.words[0] = mr0;
    area.words[1] = mr1;
    for (unsigned i = 2; i < 2 * MAX_ITEMS; i++)
        area.words[i] = utcb->mr[i];
    if (area.receive_result == 0)
        for (unsigned page = 0; page < area.items * ITEM_PAGES; page++)
            area.marks_wrong += *(volatile uint32_t *)(WINDOW + page * PAGE) != MARK;
    area.receiver_done = true;
}

static void server_main(void *unused)
{
    volatile struct bursar_utcb *utcb = l4_utcb();
    uint32_t tag, mr0;

    (void)unused;
    build_then_receive(&tag, &mr0);
    write_items(utcb);
    if (!area.fault_result)
        area.send_result = l4_reply(W_REPLY, BURSAR_TAG(0, 0, area.items), utcb->mr[0], utcb->mr[1]);
    area.sender_done = true;
}

#define FAULT_ADDRESS (WINDOW + 0x123458u)

/* The faulting thread: one read past its pager's reply, then every page of the 4 MiB it mapped. */
static void faulter_main(void *unused)
{
    (void)unused;
    while (!area.go)
        nap();
    area.receiver_waiting = true;
    area.marks_wrong += *(volatile uint32_t *)(FAULT_ADDRESS & ~(PAGE - 1)) != MARK;
    for (unsigned page = 0; page < ITEM_PAGES; page++)
        area.marks_wrong += *(volatile uint32_t *)(WINDOW + page * PAGE) != MARK;
    area.receiver_done = true;
}

/* Its pager answers the fault with RESUME and one 4 MiB item; a second fault would be a failure. */
static void pager_main(void *unused)
{
    uint32_t badge, tag, mr0, mr1;

    (void)unused;
    build_then_receive(&tag, &mr0);
    area.tag = tag;
    area.words[0] = mr0;
    if (!area.fault_result)
        area.send_result = l4_reply(W_REPLY, BURSAR_TAG(BURSAR_LABEL_RESUME, 0, 1),
                                    BURSAR_ITEM_MEMORY_WORD(ITEM_LOG2, BURSAR_RIGHT_READ, area.mode), SOURCE);
    area.second_fault = l4_receive(W_ENDPOINT, W_REPLY, &badge, &tag, &mr0, &mr1, BURSAR_TIMEOUT_MS(50)) == 0;
    area.sender_done = true;
}

/* The two threads, the root waiting until both are done (or a deadline); the preemption counts around. */
static void run_pair(struct test_result *result, struct worker *w, void (*serving)(void *), void (*served)(void *),
                     unsigned items, struct l4_preempt_stats *stats)
{
    uint32_t deadline = core_ticks() + 3000;

    for (volatile char *p = (volatile char *)&area; p < (volatile char *)area.utcbs; p++)
        *p = 0;
    area.items = items;
    area.mode = BURSAR_REVOCABLE_COPY;
    area.frame = core_frame();
    TEST_CHECK_EQUAL(worker_create(w), 0, "the worker task");
    TEST_CHECK_EQUAL(start(w, SENDER, serving, CORE_LOW_PRIORITY), 0, "the server");
    TEST_CHECK_EQUAL(start(w, RECEIVER, served, CORE_LOW_PRIORITY), 0, "the client");
    if (served == faulter_main)
        TEST_CHECK_EQUAL(l4_thread_configure(w->threads[RECEIVER], BURSAR_THREAD_PAGER, w->endpoint), 0, "its pager");
    while (!area.built && core_ticks() < deadline)
        core_sleep_ms(1);
    TEST_CHECK_EQUAL(area.build_result, 0, "the tree of mappings");
    area.records_before = live_in(w->heap, BURSAR_HEAP_RECORD);
    l4_preempt_stats(BURSAR_SLOT_DEBUG, stats, 1);
    area.go = true;
    while ((!area.sender_done || !area.receiver_done) && core_ticks() < deadline)
        core_sleep_ms(1);
    l4_preempt_stats(BURSAR_SLOT_DEBUG, stats, 0);
    TEST_CHECK(area.sender_done && area.receiver_done, "not done (server %d, client %d)", area.sender_done,
               area.receiver_done);
    TEST_CHECK_EQUAL(area.fault_result, 0, "what the server received");
    TEST_CHECK_EQUAL(area.send_result, 0, "the reply");
    TEST_CHECK(stats->points > items * ITEM_PAGES / 4, "only %u preemption points for %u pages", stats->points,
               items * ITEM_PAGES);
    TEST_CHECK_EQUAL(area.marks_wrong, 0, "pages that do not read the frame");
    TEST_CHECK_EQUAL(live_in(w->heap, BURSAR_HEAP_RECORD), area.records_before + items * ITEM_PAGES,
                     "a record a page");
    TEST_CHECK_EQUAL(l4_debug_dump(BURSAR_SLOT_DEBUG, BURSAR_DUMP_CHECK, 0), 0, "the kernel's check");
}

USER_TEST(1268, a_reply_carries_eight_large_items_to_its_caller)
{
    static struct worker w;
    struct l4_preempt_stats stats;

    run_pair(result, &w, server_main, client_main, MAX_ITEMS, &stats);
    if (result->failed)
        return;
    TEST_CHECK_EQUAL(area.receive_result, 0, "the call");
    TEST_CHECK_EQUAL(area.tag, BURSAR_TAG(0, 0, MAX_ITEMS), "the reply's tag");
    for (unsigned n = 0; n < MAX_ITEMS; n++)
        TEST_CHECK_EQUAL_FMT(area.words[2 * n + 1], WINDOW + n * ITEM_PAGES * PAGE, "where item %u landed", n);
}

USER_TEST(1269, a_pagers_resume_maps_4_mib_at_the_fault_with_preemption_points)
{
    static struct worker w;
    struct l4_preempt_stats stats;

    run_pair(result, &w, pager_main, faulter_main, 1, &stats);
    if (result->failed)
        return;
    TEST_CHECK_EQUAL(BURSAR_TAG_LABEL(area.tag), BURSAR_LABEL_PAGE_FAULT, "what the pager received");
    TEST_CHECK_EQUAL(area.words[0], FAULT_ADDRESS & ~(PAGE - 1), "the fault's address");
    TEST_CHECK(!area.second_fault, "the thread faulted again inside the 4 MiB its pager mapped");
}
