/*
 * hostile.c — clients that misbehave harm only themselves (bank_tests
 * 983-986): malformed requests, a client that never takes its reply (to a
 * purchase, to a heap fault), a client flooding the server, a client
 * destroying its own bank in the middle of its requests, a client whose
 * thread's pager is its bank (992). After each, other clients' requests are
 * still answered and their figures are unchanged.
 *
 * The bank server runs at BT_BANK_PRIORITY, below the helpers here: a
 * request delivered to it waits until every helper has blocked, which
 * lets a test act between a client's call and the server's answer.
 */
#include "bank_tests.h"

#include "libl4/message.h"
#include "libl4/printf.h"

#define PAGE_SIZE 4096u

/* Another bank's figures, and a purchase through it, unchanged by whatever the test did to its own. */
struct bystander {
    unsigned bank;
    struct l4_bank_stats stats;
    uintptr_t page;
    uint32_t frame;
};

static int bystander_start(struct bystander *b)
{
    int error = bt_child(BT_ROOT, 50, 2, &b->bank);

    b->page = bt_pages(1);
    if (!error)
        error = bank_buy(b->bank, b->page, 0, b->page, 12, &b->frame, NULL, NULL);
    if (!error)
        error = l4_bank_stats(b->bank, &b->stats);
    return error;
}

/* The bystander's figures are as they were, and it is still served: 0, or what went wrong. */
static int bystander_harm(struct bystander *b)
{
    struct l4_bank_stats now;
    uint32_t frame;
    uintptr_t page = bt_pages(1);
    int error = l4_bank_stats(b->bank, &now);

    if (error)
        return error;
    if (now.charged != b->stats.charged || now.sold != b->stats.sold || now.bought != b->stats.bought)
        return 1;
    if (!bt_mapped(b->page))
        return 2;
    error = bank_buy(b->bank, page, 0, page, 12, &frame, NULL, NULL);
    return error ? error : bank_return_frames(b->bank, frame, 1);
}

#define CHECK_BYSTANDER(b) TEST_CHECK_EQUAL(bystander_harm(b), 0, "the bystander was harmed")

USER_TEST(983, malformed_requests_are_refused_and_the_bank_serves_on)
{
    unsigned a, item_slot = bt_slot(), heap = bt_slot();
    struct bystander bystander;
    struct l4_bank_stats before, after;
    struct l4_msg m;
    uint32_t tag, mr0, mr1, handle;
    uintptr_t page = bt_pages(1);

    TEST_CHECK_EQUAL(bystander_start(&bystander), 0, "a bystander");
    TEST_CHECK_EQUAL(bt_child(BT_ROOT, 100, 4, &a), 0, "bank A");
    TEST_CHECK_EQUAL(bank_heap_create(a, 1, 0, 0, BURSAR_TIMEOUT_NEVER, heap, &handle), 0, "a heap");
    TEST_CHECK_EQUAL(l4_bank_stats(a, &before), 0, "A's figures");
    /* Words too few or too many for the operation. */
    tag = BURSAR_TAG(BANK_LABEL_BUY, 1, 0), mr0 = page, mr1 = 0;
    TEST_CHECK_EQUAL(l4_call(a, &tag, &mr0, &mr1, BURSAR_TIMEOUT_NEVER, BURSAR_TIMEOUT_NEVER), 0, "buy, one word");
    TEST_CHECK_EQUAL(l4_reply_check(tag, 0), -BURSAR_E_INVALID_MESSAGE, "refused as malformed");
    tag = BURSAR_TAG(BANK_LABEL_STATS, 2, 0);
    TEST_CHECK_EQUAL(l4_call(a, &tag, &mr0, &mr1, BURSAR_TIMEOUT_NEVER, BURSAR_TIMEOUT_NEVER), 0, "stats, 2 words");
    TEST_CHECK_EQUAL(l4_reply_check(tag, 0), -BURSAR_E_INVALID_MESSAGE, "refused as malformed");
    /* Labels the bank does not serve, inside its range and outside. */
    tag = BURSAR_TAG(BANK_LABEL_DESTROY + 1, 0, 0);
    TEST_CHECK_EQUAL(l4_call(a, &tag, &mr0, &mr1, BURSAR_TIMEOUT_NEVER, BURSAR_TIMEOUT_NEVER), 0, "a gap's label");
    TEST_CHECK_EQUAL(l4_reply_check(tag, 0), -BURSAR_E_UNKNOWN_OPERATION, "unknown");
    tag = BURSAR_TAG(7, 0, 0);
    TEST_CHECK_EQUAL(l4_call(a, &tag, &mr0, &mr1, BURSAR_TIMEOUT_NEVER, BURSAR_TIMEOUT_NEVER), 0, "label 7");
    TEST_CHECK_EQUAL(l4_reply_check(tag, 0), -BURSAR_E_UNKNOWN_OPERATION, "unknown");
    /* A heap fault forged by a client: it names no heap, and gets no frame. */
    l4_msg_start(&m, BURSAR_LABEL_HEAP_FAULT);
    l4_msg_append(&m, 1);
    l4_msg_append(&m, BURSAR_HEAP_ENDPOINT);
    l4_msg_append(&m, 64);
    l4_msg_append(&m, 64);
    TEST_CHECK_EQUAL(l4_rpc(a, &m, BURSAR_TIMEOUT_NEVER, BURSAR_TIMEOUT_NEVER), -BURSAR_E_UNKNOWN_OPERATION,
                     "a forged heap fault");
    /* An item where none belongs: refused, and the item does not stay in the server's window. */
    l4_msg_start(&m, BANK_LABEL_BUY);
    l4_msg_append(&m, page);
    l4_msg_append(&m, 0);
    l4_msg_append_capability(&m, a, BURSAR_RIGHT_WRITE, BURSAR_COPY, 0);
    TEST_CHECK_EQUAL(l4_rpc(a, &m, BURSAR_TIMEOUT_NEVER, BURSAR_TIMEOUT_NEVER), -BURSAR_E_INVALID_MESSAGE,
                     "buy with a capability item");
    /* verify with memory instead of a capability. */
    l4_msg_start(&m, BANK_LABEL_VERIFY);
    l4_msg_append_memory(&m, bystander.page, 12, BURSAR_RIGHT_READ, BURSAR_COPY);
    TEST_CHECK_EQUAL(l4_rpc(a, &m, BURSAR_TIMEOUT_NEVER, BURSAR_TIMEOUT_NEVER), -BURSAR_E_NO_RECEIVE_WINDOW,
                     "verify with a page: the server opens no memory window, the kernel refuses it");
    TEST_CHECK_EQUAL(bank_root(a, item_slot), -BANK_E_RESTRICTED, "asking for the root bank");
    TEST_CHECK_EQUAL(bank_heap_fund(a, handle ^ 0x400u, 1), -BANK_E_NO_SUCH_HEAP, "a handle with another generation");
    TEST_CHECK_EQUAL(bank_heap_fund(a, handle, 0), -BURSAR_E_INVALID_ARGUMENT, "funding with nothing");
    TEST_CHECK_EQUAL(bank_heap_create(a, 1, 5, 2, BURSAR_TIMEOUT_NEVER, bt_slot(), &handle), -BURSAR_E_INVALID_ARGUMENT,
                     "low above high");
    TEST_CHECK_EQUAL(l4_bank_stats(a, &after), 0, "A's figures");
    TEST_CHECK(after.charged == before.charged && after.sold == before.sold && after.heaps == before.heaps,
               "the malformed requests changed A: charged %u -> %u", before.charged, after.charged);
    CHECK_BYSTANDER(&bystander);
    TEST_CHECK_EQUAL(bank_buy(a, page, 0, page, 12, NULL, NULL, NULL), 0, "A is served as ever");
}

/* ---- a client that never takes its reply ---- */

static struct {
    unsigned bank, victim;
    uintptr_t page;
    uint32_t log2, first;
    volatile bool called;
    volatile int result;
} caller;

/* Calls the bank and would wait for the reply. */
static void calling_thread(void *unused)
{
    (void)unused;
    caller.called = true;
    caller.result = bank_buy(caller.bank, caller.page, caller.log2, caller.page, 12 + caller.log2, &caller.first, NULL,
                             NULL);
}

/* Runs once the caller has blocked (the bank, below both, has not taken the call yet): kills the caller. */
static void killer_thread(void *unused)
{
    (void)unused;
    while (!caller.called)
        l4_yield();
    l4_destroy(caller.victim);
}

/* The same for a client's heap fault: the thread faulting is destroyed before the bank answers. */
static void fault_killer_thread(void *unused)
{
    (void)unused;
    l4_destroy(caller.victim);
}

USER_TEST(984, a_client_that_never_takes_its_reply_keeps_nothing_and_harms_no_one)
{
    unsigned a, killer, occupied = bt_slot();
    struct bystander bystander;
    struct bt_client client;
    struct l4_bank_stats before, after;
    uint32_t pages, served, refused, low, high, timeout, handle, attempts = 0;
    struct bursar_heap_info info;
    uintptr_t page = bt_pages(1);

    TEST_CHECK_EQUAL(bystander_start(&bystander), 0, "a bystander");
    TEST_CHECK_EQUAL(bt_child(BT_ROOT, 2000, 4, &a), 0, "bank A");
    TEST_CHECK_EQUAL(l4_create(BURSAR_SLOT_HEAP, BURSAR_OBJECT_REPLY, occupied, 0), 0, "an occupied slot");
    TEST_CHECK_EQUAL(l4_bank_stats(a, &before), 0, "A's figures");

    /* A buyer destroyed while its call waits for the bank: the bank never hears of it. */
    caller = (__typeof__(caller)){ .bank = a, .page = bt_pages(16), .log2 = 4, .result = 1 };
    TEST_CHECK_EQUAL(bt_spawn(calling_thread, 0, 199, &caller.victim), 0, "the caller (199)");
    TEST_CHECK_EQUAL(bt_spawn(killer_thread, 0, BT_HELPER_PRIORITY, &killer), 0, "the killer (180)");
    root_sleep_ms(50);
    TEST_CHECK(caller.called && caller.result == 1, "the caller called and never returned (%d)", caller.result);
    TEST_CHECK(!bt_mapped(caller.page), "nothing is mapped where the caller asked");

    /*
     * Replies the caller cannot take: frames granted where it has a page already, a new heap's and a new
     * bank's only capability into a slot that is taken. The kernel refuses each reply; the frames stay
     * free, the heap and the bank are destroyed again, and the bank counts each as unclaimed.
     */
    TEST_CHECK_EQUAL(bank_buy(bystander.bank, page, 0, page, 12, NULL, NULL, NULL), 0, "a page of our own there");
    TEST_CHECK_EQUAL(bank_buy(a, page, 0, page, 12, NULL, NULL, NULL), -BURSAR_E_ALREADY_MAPPED, "frames, refused");
    TEST_CHECK_EQUAL(bank_heap_create(a, 4, 0, 0, BURSAR_TIMEOUT_NEVER, occupied, &handle), -BURSAR_E_SLOT_IN_USE,
                     "a heap, refused");
    TEST_CHECK_EQUAL(bank_create_child(a, 10, 1, occupied), -BURSAR_E_SLOT_IN_USE, "a bank, refused");
    TEST_CHECK_EQUAL(l4_bank_stats(a, &after), 0, "A's figures");
    TEST_CHECK(after.sold == before.sold && after.charged == before.charged && after.heaps == before.heaps &&
               after.children == before.children && after.objects_used == before.objects_used &&
               after.available == before.available && after.unclaimed == before.unclaimed + 3,
               "A after three replies nobody took: sold %u charged %u heaps %u children %u objects %u unclaimed %u",
               after.sold, after.charged, after.heaps, after.children, after.objects_used, after.unclaimed);
    bystander.stats.bought++;           /* its own page, kept */
    bystander.stats.sold++;
    bystander.stats.charged++;

    /*
     * A buyer destroyed while the bank works on its purchase (512 frames to map and zero): the root
     * wakes on a timer tick, above the bank, and destroys the buyer; the reply then finds no caller. A
     * tick falls inside the bank's work only when the host is slow enough: up to 30 tries, each in a
     * bank of its own (destroyed after, with whatever its buyer got); when it happens, the frames must
     * have stayed free.
     */
    caller.page = bt_pages(512);
    caller.log2 = 9;
    for (after.unclaimed = 0; after.unclaimed == 0 && attempts < 30; attempts++) {
        unsigned x;
        TEST_CHECK_EQUAL_FMT(bt_child(BT_ROOT, 1000, 0, &x), 0, "attempt %u's bank", attempts);
        caller.bank = x;
        caller.called = false;
        caller.result = 1;
        TEST_CHECK_EQUAL(bt_spawn(calling_thread, 0, 199, &caller.victim), 0, "the buyer (199)");
        root_sleep_ms(1);
        /* Still waiting, or done: either way it goes now (a thread is a page of our small boot heap). */
        l4_destroy(caller.victim);
        /* Behind whatever the bank is still doing for the buyer. */
        TEST_CHECK_EQUAL(l4_bank_stats(x, &after), 0, "the attempt's bank");
        if (after.unclaimed == 0)
            TEST_CHECK_EQUAL(bank_destroy(x), 0, "the attempt's bank, with what the buyer got");
    }
    if (after.unclaimed > 0) {
        printf("  a buyer died while the bank worked on its purchase, at attempt %u\n", attempts);
        TEST_CHECK(after.sold == 0 && after.charged == 0 && after.bought == 0 && after.available == 1000,
                   "the unclaimed purchase left its bank with %u sold, %u charged, %u available", after.sold,
                   after.charged, after.available);
        TEST_CHECK(!bt_mapped(caller.page), "nothing stays mapped where the buyer asked");
    } else {
        printf("  no tick fell inside the bank's work in %u tries (a fast host)\n", attempts);
    }

    /* A heap fault whose thread is destroyed while it waits for the bank: the heap gets nothing. */
    TEST_CHECK_EQUAL(bt_client(a, 16, &client), 0, "a client");
    client_shared.jobs[0] = (struct client_job){ .run = bt_make_endpoints, .arguments = { 100000 } };
    TEST_CHECK_EQUAL(bt_client_run(&client, 0, 199), 0, "the client's thread (199)");
    caller.victim = client.threads[0];
    TEST_CHECK_EQUAL(bt_spawn(fault_killer_thread, 0, BT_HELPER_PRIORITY, &killer), 0, "the killer (180)");
    root_sleep_ms(50);
    TEST_CHECK(!client_shared.jobs[0].done && client_shared.jobs[0].progress > 0, "the client stopped in a fault (%u made)",
               client_shared.jobs[0].progress);
    TEST_CHECK_EQUAL(bank_heap_stats(a, client.handle, &pages, &served, &refused, &low, &high, &timeout), 0, "heap");
    TEST_CHECK_EQUAL(l4_heap_info(client.heap, &info), 0, "its heap");
    TEST_CHECK(served == 0 && pages == info.pages_held, "faults served %u; the bank says %u pages, the kernel %u",
               served, pages, info.pages_held);
    CHECK_BYSTANDER(&bystander);
}

/* ---- flooding ---- */

/* Buys and returns one page at arguments[0], arguments[1] times, as fast as it can. */
static int buy_and_return(struct client_job *job)
{
    for (uint32_t i = 0; i < job->arguments[1]; i++) {
        uint32_t frame;
        int error = l4_bank_buy(CLIENT_BANK, job->arguments[0], 1, &frame);
        if (!error)
            error = bank_return_frames(CLIENT_BANK, frame, 1);
        if (error)
            return error;
        job->progress = i + 1;
    }
    return 0;
}

USER_TEST(985, a_client_flooding_the_bank_delays_others_only_by_its_own_requests)
{
    enum { FLOODERS = 4, ROUNDS = 150, OURS = 20 };
    unsigned a;
    struct bystander bystander;
    struct bt_client client;
    struct l4_bank_stats s;
    uint64_t slowest = 0;

    TEST_CHECK_EQUAL(bystander_start(&bystander), 0, "a bystander");
    TEST_CHECK_EQUAL(bt_child(BT_ROOT, 100, 4, &a), 0, "the flooder's bank");
    TEST_CHECK_EQUAL(bt_client(a, 24, &client), 0, "the flooder");
    for (unsigned i = 0; i < FLOODERS; i++) {
        client_shared.jobs[i] = (struct client_job){ .run = buy_and_return,
                                             .arguments = { 0x10000000u + i * 0x400000u, ROUNDS } };
        TEST_CHECK_EQUAL_FMT(bt_client_run(&client, i, BT_CLIENT_PRIORITY), 0, "flooding thread %u", i);
    }
    /* While they flood, the bystander buys and returns: every request answered, none refused. */
    for (unsigned i = 0; i < OURS; i++) {
        uint32_t frame;
        uint64_t start = l4_timestamp();
        TEST_CHECK_EQUAL_FMT(bank_buy_timed(bystander.bank, BURSAR_TIMEOUT_NEVER, BURSAR_TIMEOUT_MS(2000),
                                        bystander.page + PAGE_SIZE, 0, bystander.page + PAGE_SIZE, 12, &frame, NULL,
                                        NULL), 0, "the bystander's purchase %u", i);
        TEST_CHECK_EQUAL_FMT(bank_return_frames(bystander.bank, frame, 1), 0, "and return %u", i);
        if (l4_timestamp() - start > slowest)
            slowest = l4_timestamp() - start;
        root_sleep_ms(2);
    }
    for (unsigned i = 0; i < FLOODERS; i++) {
        TEST_CHECK(client_job_wait(i, 20000), "flooding thread %u never finished (%u rounds)", i, client_shared.jobs[i].progress);
        TEST_CHECK_EQUAL_FMT(client_shared.jobs[i].result, 0, "flooding thread %u", i);
    }
    bystander.stats.bought += OURS;         /* its own purchases meanwhile, each returned */
    TEST_CHECK_EQUAL(l4_bank_stats(a, &s), 0, "the flooder's bank");
    TEST_CHECK(s.bought == FLOODERS * ROUNDS && s.returned == FLOODERS * ROUNDS && s.sold == 0,
               "the flooder bought %u, returned %u, holds %u", s.bought, s.returned, s.sold);
    CHECK_BYSTANDER(&bystander);
    printf("  slowest bystander purchase while flooded: %u us\n", (unsigned)(slowest * 1000 / bt_tsc_khz));
}

/* ---- destroying the own bank mid-request ---- */

static struct {
    unsigned bank;
    volatile bool called;
    volatile int destroyed;
} destroyer;

static void destroying_thread(void *unused)
{
    (void)unused;
    while (!caller.called)
        l4_yield();
    destroyer.destroyed = bank_destroy(destroyer.bank);
}

USER_TEST(986, a_client_destroying_its_own_bank_mid_request_harms_only_itself)
{
    unsigned a, killer;
    struct bystander bystander;
    struct l4_bank_stats gone;

    TEST_CHECK_EQUAL(bystander_start(&bystander), 0, "a bystander");
    TEST_CHECK_EQUAL(bt_child(BT_ROOT, 100, 4, &a), 0, "bank A");
    /* The purchase is in the server's hands when the destroy arrives behind it. */
    caller = (__typeof__(caller)){ .bank = a, .page = bt_pages(16), .log2 = 4, .result = 1 };
    destroyer = (__typeof__(destroyer)){ .bank = a, .destroyed = 1 };
    TEST_CHECK_EQUAL(bt_spawn(calling_thread, 0, 199, &caller.victim), 0, "the buyer (199)");
    TEST_CHECK_EQUAL(bt_spawn(destroying_thread, 0, BT_HELPER_PRIORITY, &killer), 0, "the destroyer (180)");
    root_sleep_ms(50);
    TEST_CHECK_EQUAL(caller.result, 0, "the purchase was answered");
    TEST_CHECK_EQUAL(destroyer.destroyed, 0, "then the bank was destroyed");
    TEST_CHECK(!bt_mapped(caller.page), "and what it sold was taken back");
    TEST_CHECK_EQUAL(l4_bank_stats(a, &gone), -BURSAR_E_DESTROYED, "A is gone");
    CHECK_BYSTANDER(&bystander);
}

/* Reads a page nothing maps: a page fault to the thread's pager. */
static void faulting_thread(void *address)
{
    (void)*(volatile uint32_t *)address;
}

/* The bank's stats through `bank`, answered within half a second: 0, or why not. */
static int stats_in_time(unsigned bank)
{
    struct l4_msg m;

    l4_msg_start(&m, BANK_LABEL_STATS);
    return l4_rpc(bank, &m, BURSAR_TIMEOUT_MS(500), BURSAR_TIMEOUT_MS(500));
}

/*
 * A bank capability is a capability to the bank server's endpoint with
 * WRITE: a client can make it its thread's pager (or exception handler),
 * and its faults are then calls the kernel makes to the bank server. The
 * server answers one with an error, which the kernel refuses (a page
 * fault takes RESUME, KILL or RAISE only) and the thread stays bound to
 * the server's reply object: it must then be answered with KILL. Before,
 * the server answered the refusal with another error reply, refused too,
 * and from then on every receive was BUSY, answered the same way: the
 * server spun for good and no client was served again.
 */
USER_TEST(992, a_client_thread_whose_pager_is_its_bank_is_killed_and_the_bank_serves_on)
{
    unsigned a, thread;
    struct bystander bystander;
    int served;

    TEST_CHECK_EQUAL(bystander_start(&bystander), 0, "a bystander");
    TEST_CHECK_EQUAL(bt_child(BT_ROOT, 50, 2, &a), 0, "bank A");
    TEST_CHECK_EQUAL(bt_spawn(faulting_thread, (void *)bt_pages(1), BT_HELPER_PRIORITY, &thread), 0, "a thread");
    TEST_CHECK_EQUAL(l4_thread_configure(thread, BURSAR_THREAD_PAGER, a), 0, "its pager: bank A");
    root_sleep_ms(50);
    served = stats_in_time(bystander.bank);
    if (served)
        l4_destroy(thread);             /* it was left bound to the server's reply object: set the server free */
    TEST_CHECK_EQUAL(served, 0, "the bank did not answer the bystander");
    TEST_CHECK_EQUAL(l4_thread_start(thread, 0x1000, 0x2000), -BURSAR_E_BUSY, "the faulting thread is dead");
    TEST_CHECK_EQUAL(stats_in_time(a), 0, "A itself is served");
    CHECK_BYSTANDER(&bystander);
}
