/*
 * pager.c — the default pager end to end (docs/pager.md): zero fill,
 * frames going back on detach, close and bank destroy, an exhausted bank
 * raising the fault to the thread's handler, hostile clients, and the
 * protocol's refusals. Each test's clients are tasks of their own whose
 * banks are children of the root; after each test main.c checks every
 * frame came back.
 */
#include "pager_tests.h"

#include "libl4/printf.h"
#include "libl4/string.h"

#define PAGE 4096u
#define RW (BURSAR_RIGHT_READ | BURSAR_RIGHT_WRITE)
#define ATTACH 1u                   /* a job's arguments[2]: attach the region itself first (read-write) */
#define KILL_TAG BURSAR_TAG(BURSAR_LABEL_KILL, 0, 0)
#define RESUME_TAG BURSAR_TAG(BURSAR_LABEL_RESUME, 0, 0)

/* ---- jobs ---- */

static int attach_first(struct client_job *job)
{
    return (job->arguments[2] & ATTACH) ? l4_pager_attach(CLIENT_PAGER, job->arguments[0], job->arguments[3], RW) : 0;
}

/* Attach (if asked: arguments[3] pages) and fill arguments[1] pages. */
static int attach_and_fill(struct client_job *job)
{
    int error = attach_first(job);

    return error ? error : pt_fill(job);
}

/* Unmap the client's own mappings of the pages (the pager keeps its frames). */
static int unmap_own(struct client_job *job)
{
    return l4_unmap(job->arguments[0], job->arguments[1]);
}

static int write_one(struct client_job *job)
{
    *(volatile uint32_t *)job->arguments[0] = 0x600d;
    job->progress = 1;
    return 0;
}

static void set_job(unsigned index, int (*run)(struct client_job *), uint32_t base, uint32_t pages, uint32_t flags,
                    uint32_t attach_pages)
{
    client_shared.jobs[index] = (struct client_job){ .run = run, .arguments = { base, pages, flags, attach_pages } };
}

/* A raised page fault as the handler got it: the checks every test makes. */
static void check_raised(struct test_result *result, const struct pt_exception *e, uint32_t address, int reason)
{
    TEST_CHECK_EQUAL(e->label, BURSAR_LABEL_EXCEPTION, "an exception");
    TEST_CHECK_EQUAL(e->words, BURSAR_RAISED_FAULT_WORDS, "a raised page fault's words");
    TEST_CHECK_EQUAL(e->word[0], 14, "vector 14");
    TEST_CHECK_EQUAL(e->word[BURSAR_RAISED_FAULT_ADDRESS], address, "the address");
    TEST_CHECK_EQUAL(e->word[BURSAR_RAISED_FAULT_REASON], (uint32_t)-reason, "the pager's reason");
}

/* ---- zero fill ---- */

USER_TEST(1000, a_fresh_page_reads_zero_and_keeps_what_is_written)
{
    struct pt_client a;
    struct pt_pager_stats stats;
    struct l4_bank_stats bank;
    uint32_t limit, charged, sold, heap_pages, bookkeeping, children, heaps, quota;

    TEST_CHECK_EQUAL(pt_client(64, 8, &a), 0, "a client with a bank of 64");
    TEST_CHECK_EQUAL(l4_bank_stats(a.bank, &bank), 0, "its bank");
    TEST_CHECK_EQUAL(bank.children, 0, "no region yet");
    set_job(0, attach_and_fill, PT_REGION, 8, ATTACH, 16);
    TEST_CHECK_EQUAL(pt_client_run(&a, 0, BURSAR_NO_CAPABILITY), 0, "thread");
    TEST_CHECK(client_job_wait(0, 3000), "the job did not finish (%u pages)", client_shared.jobs[0].progress);
    TEST_CHECK(client_shared.jobs[0].result == 0, "a word of 8 fresh pages was not 0: %x", client_shared.jobs[0].found);
    TEST_CHECK_EQUAL(pt_pager_stats(&a, &stats), 0, "the pager's figures");
    TEST_CHECK(stats.regions == 1 && stats.attached == 16 && stats.filled == 8 && stats.faults == 8 &&
               stats.raised == 0, "regions %u attached %u filled %u faults %u raised %u", stats.regions,
               stats.attached, stats.filled, stats.faults, stats.raised);
    /* The frames are the client's: its region's bank, a child of its own, bought them. */
    TEST_CHECK_EQUAL(bank_child_stats(a.bank, 0, &limit, &charged, &sold, &heap_pages, &bookkeeping, &children,
                                      &heaps, &quota), 0, "the region's bank");
    TEST_CHECK(limit == 16 && sold == 8, "the region's bank: limit %u, sold %u", limit, sold);
    set_job(1, pt_verify, PT_REGION, 8, 0, 0);
    TEST_CHECK_EQUAL(pt_client_run(&a, 1, BURSAR_NO_CAPABILITY), 0, "second thread");
    TEST_CHECK(client_job_wait(1, 3000), "the check did not finish");
    TEST_CHECK(client_shared.jobs[1].result == 0, "a word written was lost: %x", client_shared.jobs[1].found);
    TEST_CHECK_EQUAL(pt_pager_stats(&a, &stats), 0, "the pager's figures again");
    TEST_CHECK_EQUAL(stats.faults, 8, "no more faults: the mappings stayed");
}

/*
 * Every frame but a few is taken (a heap of a bank of its own holds them),
 * so the frames client A fills and gives back are the only ones client B
 * can get: B must read 0 in every word of them.
 */
USER_TEST(1001, a_page_another_client_freed_reads_zero_for_the_next)
{
    struct pt_client a, b;
    struct pt_handler handler;
    struct pt_exception exception;
    struct l4_bank_stats root;
    unsigned hog, hog_heap = pt_slot();
    uint32_t handle, pages = 0, filled;
    int error = -1;

    TEST_CHECK_EQUAL(pt_handler_create(&handler), 0, "handler");
    TEST_CHECK_EQUAL(pt_client(4096, 16, &a), 0, "client A");
    TEST_CHECK_EQUAL(pt_client(4096, 16, &b), 0, "client B");
    /* Both attach 256 pages and fill 32 first: their heaps and the pager's own have what faults need. */
    set_job(0, attach_and_fill, PT_REGION, 32, ATTACH, 256);
    set_job(1, attach_and_fill, PT_REGION, 32, ATTACH, 256);
    TEST_CHECK_EQUAL(pt_client_run(&a, 0, BURSAR_NO_CAPABILITY), 0, "A's thread");
    TEST_CHECK_EQUAL(pt_client_run(&b, 1, BURSAR_NO_CAPABILITY), 0, "B's thread");
    TEST_CHECK(client_job_wait(0, 3000) && client_job_wait(1, 3000), "warming up did not finish");
    TEST_CHECK(client_shared.jobs[0].result == 0 && client_shared.jobs[1].result == 0, "warming up: %d %d",
               client_shared.jobs[0].result, client_shared.jobs[1].result);
    TEST_CHECK_EQUAL(pager_detach(a.pager, PT_REGION, &pages), 0, "A detaches");
    TEST_CHECK_EQUAL(pager_detach(b.pager, PT_REGION, &pages), 0, "B detaches");
    TEST_CHECK_EQUAL(pager_attach(a.pager, PT_REGION, 256, RW), 0, "A attaches again (its tables are there)");
    TEST_CHECK_EQUAL(pager_attach(b.pager, PT_REGION, 256, RW), 0, "B attaches again");
    /* Leave 48 frames free; the hog's own bookkeeping takes a few of them. */
    TEST_CHECK_EQUAL(pt_bank(0xffffffffu, &hog), 0, "the hog's bank");
    TEST_CHECK_EQUAL(l4_bank_stats(PT_ROOT, &root), 0, "root");
    for (uint32_t spare = 48; spare < 64 && error; spare++)
        error = bank_heap_create(hog, root.available - spare, 0, 0, BURSAR_TIMEOUT_NEVER, hog_heap, &handle);
    TEST_CHECK_EQUAL(error, 0, "a heap of all but about 48 frames");
    TEST_CHECK_EQUAL(l4_bank_stats(PT_ROOT, &root), 0, "root");
    TEST_CHECK(root.available >= 32 && root.available < 64, "%u frames left", root.available);
    /* A fills until nothing is left (its fault is then raised) and writes each page full. */
    set_job(2, pt_fill, PT_REGION, 256, 0, 0);
    TEST_CHECK_EQUAL(pt_client_run(&a, 2, handler.endpoint), 0, "A fills");
    TEST_CHECK_EQUAL(pt_receive(&handler, &exception, 5000), 0, "A ran out");
    filled = client_shared.jobs[2].progress;
    check_raised(result, &exception, PT_REGION + filled * PAGE, -BURSAR_E_OUT_OF_MEMORY);
    TEST_CHECK_EQUAL(l4_reply(handler.reply, KILL_TAG, 0, 0), 0, "kill A's thread");
    TEST_CHECK(filled >= 24, "A filled only %u pages", filled);
    TEST_CHECK_EQUAL(pager_detach(a.pager, PT_REGION, &pages), 0, "A detaches");
    TEST_CHECK_EQUAL(pages, filled, "every page A filled went back");
    /* B gets A's frames now, and must find them zeroed. */
    set_job(3, pt_fill, PT_REGION, filled, 0, 0);
    TEST_CHECK_EQUAL(pt_client_run(&b, 3, handler.endpoint), 0, "B fills");
    TEST_CHECK(client_job_wait(3, 5000), "B did not finish (%u pages)", client_shared.jobs[3].progress);
    TEST_CHECK(client_shared.jobs[3].result == 0, "B read a word that was not 0: %x", client_shared.jobs[3].found);
    TEST_CHECK_EQUAL(client_shared.jobs[3].progress, filled, "B filled as many as A gave back");
}

/* ---- frames coming back ---- */

USER_TEST(1002, detaching_a_region_returns_its_frames_and_the_client_faults_there_again)
{
    struct pt_client a;
    struct pt_handler handler;
    struct pt_exception exception;
    struct pt_pager_stats stats;
    struct l4_bank_stats before, filled, after;
    uint32_t pages = 0;

    TEST_CHECK_EQUAL(pt_handler_create(&handler), 0, "handler");
    TEST_CHECK_EQUAL(pt_client(64, 8, &a), 0, "client");
    TEST_CHECK_EQUAL(l4_bank_stats(a.bank, &before), 0, "its bank before");
    set_job(0, attach_and_fill, PT_REGION, 12, ATTACH, 12);
    TEST_CHECK_EQUAL(pt_client_run(&a, 0, BURSAR_NO_CAPABILITY), 0, "thread");
    TEST_CHECK(client_job_wait(0, 3000) && client_shared.jobs[0].result == 0, "filling: %d", client_shared.jobs[0].result);
    TEST_CHECK_EQUAL(l4_bank_stats(a.bank, &filled), 0, "its bank filled");
    TEST_CHECK_EQUAL(filled.children, 1, "the region's bank");
    TEST_CHECK(filled.charged >= before.charged + 12, "charged %u, before %u", filled.charged, before.charged);
    TEST_CHECK_EQUAL(pager_detach(a.pager, PT_REGION + PAGE, &pages), -PAGER_E_NO_REGION, "no region starts there");
    TEST_CHECK_EQUAL(pager_detach(a.pager, PT_REGION, &pages), 0, "detach");
    TEST_CHECK_EQUAL(pages, 12, "12 frames went back");
    TEST_CHECK_EQUAL(l4_bank_stats(a.bank, &after), 0, "its bank after");
    TEST_CHECK_EQUAL(after.children, 0, "the region's bank is gone");
    TEST_CHECK_EQUAL(after.available, before.available - (before.charged < after.charged ?
                                                           after.charged - before.charged : 0),
                     "what the client can buy is back");
    TEST_CHECK_EQUAL(pt_pager_stats(&a, &stats), 0, "the pager's figures");
    TEST_CHECK(stats.regions == 0 && stats.filled == 0, "regions %u filled %u", stats.regions, stats.filled);
    /* The page is gone from the client too: touching it is a fault the pager raises. */
    set_job(1, pt_read_one, PT_REGION + 3 * PAGE, 1, 0, 0);
    TEST_CHECK_EQUAL(pt_client_run(&a, 1, handler.endpoint), 0, "a reader");
    TEST_CHECK_EQUAL(pt_receive(&handler, &exception, 2000), 0, "its fault was raised");
    check_raised(result, &exception, PT_REGION + 3 * PAGE, -BURSAR_E_INVALID_ADDRESS);
    TEST_CHECK_EQUAL(l4_reply(handler.reply, KILL_TAG, 0, 0), 0, "kill it");
}

USER_TEST(1003, closing_a_client_or_destroying_its_bank_returns_every_frame)
{
    struct pt_client a, b, c;
    struct l4_bank_stats before, after;
    uint32_t pages = 0;

    TEST_CHECK_EQUAL(pt_client(128, 8, &a), 0, "client A");
    TEST_CHECK_EQUAL(pt_client(128, 8, &b), 0, "client B");
    TEST_CHECK_EQUAL(pt_client(128, 8, &c), 0, "client C");
    TEST_CHECK_EQUAL(l4_bank_stats(a.bank, &before), 0, "A's bank before");
    set_job(0, attach_and_fill, PT_REGION, 8, ATTACH, 8);
    set_job(1, attach_and_fill, PT_REGION + 0x400000, 4, ATTACH, 4);
    set_job(2, attach_and_fill, PT_REGION, 16, ATTACH, 16);
    /* One of A's regions after the other: a reserve counts free pages, it does not set them aside. */
    TEST_CHECK(pt_client_run(&a, 0, BURSAR_NO_CAPABILITY) == 0 && pt_client_run(&b, 2, BURSAR_NO_CAPABILITY) == 0,
               "threads");
    TEST_CHECK(client_job_wait(0, 3000), "A's first region did not fill");
    TEST_CHECK_EQUAL(pt_client_run(&a, 1, BURSAR_NO_CAPABILITY), 0, "A's second thread");
    TEST_CHECK(client_job_wait(1, 3000) && client_job_wait(2, 3000), "filling did not finish");
    TEST_CHECK(client_shared.jobs[0].result == 0 && client_shared.jobs[1].result == 0 && client_shared.jobs[2].result == 0,
               "filling: %d %d %d", client_shared.jobs[0].result, client_shared.jobs[1].result, client_shared.jobs[2].result);
    /* A: its task is destroyed, then the pager is told: both regions' frames go back. */
    TEST_CHECK_EQUAL(l4_destroy(a.task), 0, "destroy A's task");
    TEST_CHECK_EQUAL(pager_close(a.pager, &pages), 0, "close A");
    TEST_CHECK_EQUAL(pages, 12, "12 frames back");
    TEST_CHECK_EQUAL(l4_bank_stats(a.bank, &after), 0, "A's bank after");
    /* Its heap may have grown (the page tables it reserved): everything else is as before. */
    TEST_CHECK(after.children == 0 && after.charged - after.heap_pages == before.charged - before.heap_pages,
               "A's bank: %u children, charged %u (heap %u), before %u (heap %u)", after.children, after.charged,
               after.heap_pages, before.charged, before.heap_pages);
    TEST_CHECK_EQUAL(pager_stats(a.pager, &pages, &pages, &pages, &pages, &pages), -BURSAR_E_DESTROYED,
                     "A's capability is stale");
    /* B: its bank is destroyed under the pager; the pager finds out and goes on. */
    TEST_CHECK_EQUAL(bank_destroy(b.bank), 0, "destroy B's bank");
    TEST_CHECK_EQUAL(pager_close(b.pager, &pages), 0, "close B");
    set_job(3, attach_and_fill, PT_REGION, 8, ATTACH, 8);
    TEST_CHECK_EQUAL(pt_client_run(&c, 3, BURSAR_NO_CAPABILITY), 0, "C's thread");
    TEST_CHECK(client_job_wait(3, 3000) && client_shared.jobs[3].result == 0, "C is served: %d", client_shared.jobs[3].result);
}

/* ---- an exhausted bank ---- */

USER_TEST(1004, an_exhausted_bank_raises_the_fault_and_the_other_client_carries_on)
{
    struct pt_client a, b;
    struct pt_handler handler;
    struct pt_exception exception;
    struct l4_bank_stats bank;
    struct pt_pager_stats stats;
    uint32_t progress;

    TEST_CHECK_EQUAL(pt_handler_create(&handler), 0, "handler");
    TEST_CHECK_EQUAL(pt_client(4096, 8, &b), 0, "client B, plenty");
    TEST_CHECK_EQUAL(pt_client(64, 8, &a), 0, "client A, a bank of 64");
    set_job(0, attach_and_fill, PT_REGION, 128, ATTACH, 128);
    set_job(1, attach_and_fill, PT_REGION, 96, ATTACH, 96);
    TEST_CHECK_EQUAL(pt_client_run(&a, 0, handler.endpoint), 0, "A's thread");
    TEST_CHECK_EQUAL(pt_client_run(&b, 1, BURSAR_NO_CAPABILITY), 0, "B's thread");
    TEST_CHECK_EQUAL(pt_receive(&handler, &exception, 5000), 0, "A's fault was raised");
    progress = client_shared.jobs[0].progress;
    check_raised(result, &exception, PT_REGION + progress * PAGE, -BURSAR_E_OUT_OF_MEMORY);
    TEST_CHECK(progress > 16 && progress < 64, "A filled %u pages", progress);
    TEST_CHECK_EQUAL(l4_bank_stats(a.bank, &bank), 0, "A's bank");
    TEST_CHECK_EQUAL(bank.available, 0, "A's bank has nothing left");
    TEST_CHECK_EQUAL(pt_pager_stats(&a, &stats), 0, "A at the pager");
    TEST_CHECK(stats.filled == progress && stats.raised == 1, "filled %u raised %u", stats.filled, stats.raised);
    /* The handler recovers: past the fault, with the job told to stop there. */
    TEST_CHECK_EQUAL(l4_reply(handler.reply, KILL_TAG, 0, 0), 0, "kill A's thread");
    TEST_CHECK(client_job_wait(1, 5000), "B did not finish (%u pages)", client_shared.jobs[1].progress);
    TEST_CHECK_EQUAL(client_shared.jobs[1].result, 0, "B filled all 96");
    /* A thread without a handler dies with one line naming the reason (tools/run_all.py reads it). */
    printf("pager exhausted expect: address %08x\n", (unsigned)(PT_REGION + progress * PAGE));
    set_job(2, pt_fill, PT_REGION + progress * PAGE, 1, 0, 0);
    TEST_CHECK_EQUAL(pt_client_run(&a, 2, BURSAR_NO_CAPABILITY), 0, "another thread of A");
    root_sleep_ms(50);
    TEST_CHECK(!client_shared.jobs[2].done, "it went past an exhausted bank");
    TEST_CHECK_EQUAL(l4_thread_start(a.threads[2], 0x1000, 0x2000), -BURSAR_E_BUSY, "it is dead");
}

/* ---- hostile clients ---- */

static volatile uint32_t loop_rounds;

/* An exception handler that resumes every raised fault as it was: the thread faults again, for ever. */
static void resume_for_ever(void *argument)
{
    const struct pt_handler *handler = argument;
    uint32_t badge, tag = 0, mr0, mr1;
    int error = l4_receive(handler->endpoint, handler->reply, &badge, &tag, &mr0, &mr1, BURSAR_TIMEOUT_NEVER);

    while (error == 0) {
        loop_rounds++;
        tag = RESUME_TAG;
        error = l4_reply_wait(handler->endpoint, handler->reply, &badge, &tag, &mr0, &mr1, BURSAR_TIMEOUT_NEVER);
    }
}

USER_TEST(1005, a_client_faulting_in_a_loop_does_not_stall_the_others)
{
    static struct pt_handler handler;
    struct pt_client hostile, good;
    unsigned helper;
    uint32_t rounds_before;
    uint64_t start;

    loop_rounds = 0;
    TEST_CHECK_EQUAL(pt_handler_create(&handler), 0, "handler");
    TEST_CHECK_EQUAL(pt_spawn(resume_for_ever, &handler, PT_HELPER_PRIORITY, &helper), 0, "resuming handler");
    TEST_CHECK_EQUAL(pt_client(64, 8, &hostile), 0, "hostile client");
    TEST_CHECK_EQUAL(pt_client(256, 8, &good), 0, "good client");
    /* Two threads of the hostile client touch a page in no region: raised, resumed, again, for ever. */
    set_job(0, pt_read_one, 0x70000000u, 1, 0, 0);
    set_job(1, pt_read_one, 0x70001000u, 1, 0, 0);
    TEST_CHECK_EQUAL(pt_client_run(&hostile, 0, handler.endpoint), 0, "hostile thread");
    TEST_CHECK_EQUAL(pt_client_run(&hostile, 1, handler.endpoint), 0, "hostile thread");
    root_sleep_ms(30);
    rounds_before = loop_rounds;
    TEST_CHECK(rounds_before > 10, "the hostile threads are not looping (%u rounds)", rounds_before);
    start = l4_timestamp();
    set_job(2, attach_and_fill, PT_REGION, 128, ATTACH, 128);
    TEST_CHECK_EQUAL(pt_client_run(&good, 2, BURSAR_NO_CAPABILITY), 0, "good thread");
    TEST_CHECK(client_job_wait(2, 10000), "the good client was stalled (%u of 128 pages)", client_shared.jobs[2].progress);
    TEST_CHECK_EQUAL(client_shared.jobs[2].result, 0, "the good client's pages");
    TEST_CHECK(loop_rounds > rounds_before, "the hostile threads stopped looping");
    printf("  128 pages filled in %u ms beside %u hostile rounds\n",
           (unsigned)((l4_timestamp() - start) / (pt_tsc_khz ? pt_tsc_khz : 1)), loop_rounds - rounds_before);
    l4_destroy(hostile.threads[0]);
    l4_destroy(hostile.threads[1]);
    l4_destroy(helper);
}

USER_TEST(1006, the_pager_opens_clients_only_with_genuine_banks_and_only_for_its_owner)
{
    struct pt_client a;
    unsigned look_alike = pt_slot(), restricted = pt_slot(), dead, slot = pt_slot();
    uint32_t pages;

    TEST_CHECK_EQUAL(pt_client(64, 8, &a), 0, "a client");
    TEST_CHECK_EQUAL(pager_open(a.pager, a.bank, slot), -BURSAR_E_NO_RIGHTS, "a client cannot open clients");
    TEST_CHECK_EQUAL(l4_create(BURSAR_SLOT_HEAP, BURSAR_OBJECT_ENDPOINT, look_alike, 0), 0, "a look-alike");
    TEST_CHECK_EQUAL(pager_open(PT_PAGER, look_alike, slot), -PAGER_E_NOT_A_BANK,
                     "an endpoint nobody serves is no bank (and the pager never waits on it)");
    TEST_CHECK_EQUAL(bank_restricted(a.bank, BANK_BUY_ONLY, restricted), 0, "a buy-only bank");
    TEST_CHECK_EQUAL(pager_open(PT_PAGER, restricted, slot), -PAGER_E_NOT_A_BANK, "it cannot make region banks");
    TEST_CHECK_EQUAL(pager_open(PT_PAGER, a.heap, slot), -BURSAR_E_WRONG_TYPE, "a heap is no endpoint");
    TEST_CHECK_EQUAL(pt_bank(16, &dead), 0, "a bank");
    TEST_CHECK_EQUAL(bank_destroy(dead), 0, "destroyed");
    TEST_CHECK_EQUAL(pager_open(PT_PAGER, dead, slot), -PAGER_E_NOT_A_BANK, "a destroyed bank");
    /* And the pager still serves. */
    set_job(0, attach_and_fill, PT_REGION, 4, ATTACH, 4);
    TEST_CHECK_EQUAL(pt_client_run(&a, 0, BURSAR_NO_CAPABILITY), 0, "thread");
    TEST_CHECK(client_job_wait(0, 3000) && client_shared.jobs[0].result == 0, "served");
    TEST_CHECK_EQUAL(pager_stats(PT_PAGER, &pages, &pages, &pages, &pages, &pages), -BURSAR_E_NO_RIGHTS,
                     "the unbadged capability is no client");
}

USER_TEST(1007, bad_requests_are_refused_and_a_closed_client_is_stale)
{
    struct pt_client a;
    struct pt_handler handler;
    struct pt_exception exception;
    struct pt_pager_stats stats;
    uint32_t pages;

    TEST_CHECK_EQUAL(pt_handler_create(&handler), 0, "handler");
    TEST_CHECK_EQUAL(pt_client(64, 8, &a), 0, "a client");
    TEST_CHECK_EQUAL(pager_attach(a.pager, PT_REGION + 8, 1, RW), -BURSAR_E_MISALIGNED, "misaligned");
    TEST_CHECK_EQUAL(pager_attach(a.pager, PT_REGION, 0, RW), -BURSAR_E_INVALID_ARGUMENT, "no pages");
    TEST_CHECK_EQUAL(pager_attach(a.pager, PT_REGION, 1, BURSAR_RIGHT_WRITE), -BURSAR_E_INVALID_ARGUMENT,
                     "write without read");
    TEST_CHECK_EQUAL(pager_attach(a.pager, 0xbffff000u, 2, RW), -BURSAR_E_INVALID_ADDRESS, "into the kernel");
    TEST_CHECK_EQUAL(pager_attach(a.pager, 0, 1, RW), -BURSAR_E_INVALID_ADDRESS, "the null page");
    TEST_CHECK_EQUAL(pager_attach(a.pager, PT_REGION, 20000, RW), -PAGER_E_TOO_MANY, "more than a window");
    TEST_CHECK_EQUAL(pager_attach(a.pager, PT_REGION, 4, RW), 0, "a region");
    TEST_CHECK_EQUAL(pager_attach(a.pager, PT_REGION + 3 * PAGE, 4, RW), -PAGER_E_OVERLAP, "overlapping");
    for (unsigned r = 1; r < 8; r++)
        TEST_CHECK_EQUAL(pager_attach(a.pager, PT_REGION + r * 0x100000u, 1, BURSAR_RIGHT_READ), 0, "a region");
    TEST_CHECK_EQUAL(pager_attach(a.pager, PT_REGION + 0x1000000u, 1, RW), -PAGER_E_TOO_MANY, "a ninth region");
    TEST_CHECK_EQUAL(pager_detach(a.pager, PT_REGION + PAGE, &pages), -PAGER_E_NO_REGION, "detach: no region");
    TEST_CHECK_EQUAL(pt_pager_stats(&a, &stats), 0, "figures");
    TEST_CHECK(stats.regions == 8 && stats.attached == 11, "regions %u attached %u", stats.regions, stats.attached);
    TEST_CHECK_EQUAL(pager_close(a.pager, &pages), 0, "close");
    TEST_CHECK_EQUAL(pages, 0, "nothing was filled");
    TEST_CHECK_EQUAL(pager_attach(a.pager, PT_REGION, 4, RW), -BURSAR_E_DESTROYED, "a closed client");
    TEST_CHECK_EQUAL(pager_close(a.pager, &pages), -BURSAR_E_DESTROYED, "closed twice");
    /* Its threads' faults are raised DESTROYED. */
    set_job(0, pt_read_one, PT_REGION, 1, 0, 0);
    TEST_CHECK_EQUAL(pt_client_run(&a, 0, handler.endpoint), 0, "a thread of the closed client");
    TEST_CHECK_EQUAL(pt_receive(&handler, &exception, 2000), 0, "raised");
    check_raised(result, &exception, PT_REGION, -BURSAR_E_DESTROYED);
    TEST_CHECK_EQUAL(l4_reply(handler.reply, KILL_TAG, 0, 0), 0, "kill it");
}

USER_TEST(1008, a_read_only_region_gives_zero_pages_and_refuses_writes)
{
    struct pt_client a;
    struct pt_handler handler;
    struct pt_exception exception;
    uint32_t pages;

    TEST_CHECK_EQUAL(pt_handler_create(&handler), 0, "handler");
    TEST_CHECK_EQUAL(pt_client(64, 8, &a), 0, "a client");
    /* The client reserves its page tables (attaching read-write), then the region becomes read-only. */
    set_job(1, attach_and_fill, PT_REGION, 0, ATTACH, 4);
    TEST_CHECK_EQUAL(pt_client_run(&a, 1, handler.endpoint), 0, "attach from the client");
    TEST_CHECK(client_job_wait(1, 2000) && client_shared.jobs[1].result == 0, "attached: %d", client_shared.jobs[1].result);
    TEST_CHECK_EQUAL(pager_detach(a.pager, PT_REGION, &pages), 0, "detach");
    TEST_CHECK_EQUAL(pager_attach(a.pager, PT_REGION, 4, BURSAR_RIGHT_READ), 0, "read-only");
    set_job(2, pt_read_one, PT_REGION, 4, 0, 0);
    TEST_CHECK_EQUAL(pt_client_run(&a, 2, handler.endpoint), 0, "reader");
    TEST_CHECK(client_job_wait(2, 2000), "reads did not finish");
    TEST_CHECK_EQUAL(client_shared.jobs[2].found, 0, "zero pages");
    set_job(3, write_one, PT_REGION + PAGE, 0, 0, 0);
    TEST_CHECK_EQUAL(pt_client_run(&a, 3, handler.endpoint), 0, "writer to a page it read");
    TEST_CHECK_EQUAL(pt_receive(&handler, &exception, 2000), 0, "raised");
    check_raised(result, &exception, PT_REGION + PAGE, -BURSAR_E_NO_RIGHTS);
    TEST_CHECK_EQUAL(exception.word[1], BURSAR_ACCESS_WRITE | BURSAR_ACCESS_PRESENT, "a write, page present");
    TEST_CHECK_EQUAL(l4_reply(handler.reply, KILL_TAG, 0, 0), 0, "kill it");
}

USER_TEST(1009, a_page_the_client_lost_comes_back_with_its_data)
{
    struct pt_client a;
    struct pt_pager_stats stats;

    TEST_CHECK_EQUAL(pt_client(64, 8, &a), 0, "a client");
    set_job(0, attach_and_fill, PT_REGION, 6, ATTACH, 6);
    TEST_CHECK_EQUAL(pt_client_run(&a, 0, BURSAR_NO_CAPABILITY), 0, "fill");
    TEST_CHECK(client_job_wait(0, 3000) && client_shared.jobs[0].result == 0, "filled");
    set_job(1, unmap_own, PT_REGION, 6, 0, 0);
    TEST_CHECK_EQUAL(pt_client_run(&a, 1, BURSAR_NO_CAPABILITY), 0, "unmap its own mappings");
    TEST_CHECK(client_job_wait(1, 2000) && client_shared.jobs[1].result == 0, "unmapped: %d", client_shared.jobs[1].result);
    set_job(2, pt_verify, PT_REGION, 6, 0, 0);
    TEST_CHECK_EQUAL(pt_client_run(&a, 2, BURSAR_NO_CAPABILITY), 0, "verify");
    TEST_CHECK(client_job_wait(2, 3000), "verify did not finish");
    TEST_CHECK(client_shared.jobs[2].result == 0, "a word written was lost: %x", client_shared.jobs[2].found);
    TEST_CHECK_EQUAL(pt_pager_stats(&a, &stats), 0, "figures");
    TEST_CHECK(stats.filled == 6 && stats.faults == 12, "filled %u faults %u: the same frames, mapped again",
               stats.filled, stats.faults);
}

USER_TEST(1010, a_client_destroyed_while_it_faults_leaves_the_pager_serving)
{
    struct pt_client good;
    uint32_t pages;

    for (unsigned round = 0; round < 6; round++) {
        struct pt_client a;
        TEST_CHECK_EQUAL(pt_client(512, 8, &a), 0, "a client");
        set_job(0, attach_and_fill, PT_REGION, 256, ATTACH, 256);
        TEST_CHECK_EQUAL(pt_client_run(&a, 0, BURSAR_NO_CAPABILITY), 0, "thread");
        root_sleep_ms(10 + 7 * round);
        TEST_CHECK_EQUAL(l4_destroy(a.task), 0, "destroy its task mid-run");
        TEST_CHECK_EQUAL(pager_close(a.pager, &pages), 0, "close");
        TEST_CHECK_EQUAL(bank_destroy(a.bank), 0, "and its bank");
    }
    TEST_CHECK_EQUAL(pt_client(64, 8, &good), 0, "another client");
    set_job(1, attach_and_fill, PT_REGION, 16, ATTACH, 16);
    TEST_CHECK_EQUAL(pt_client_run(&good, 1, BURSAR_NO_CAPABILITY), 0, "its thread");
    TEST_CHECK(client_job_wait(1, 3000) && client_shared.jobs[1].result == 0, "served: %d", client_shared.jobs[1].result);
}

/*
 * What a client's fills cost the pager does not grow with them: each
 * mapping's record is the client's (memory COPY: the receiver's heap pays),
 * and the pager pays only its window's page tables (two a 4 MiB of window,
 * 64 MiB of window a client). Here the pager's bank may buy 16 frames more
 * than it holds; a hostile client fills 4096 pages (16 MiB, four blocks of
 * window), then another client faults. Before, every mapping's record was
 * the pager's (REVOCABLE COPY): the hostile client's fills spent the
 * pager's bank (32 pages of records) and the other client's fault was
 * raised OUT_OF_MEMORY.
 */
USER_TEST(1011, a_client_filling_pages_spends_its_own_heap_not_the_pagers_bank)
{
    struct pt_client hostile, good;
    struct l4_bank_stats pager_bank, after;
    bool hostile_done;

    TEST_CHECK_EQUAL(pt_client(4096 + 128, 8, &hostile), 0, "the hostile client, a bank of 4224");
    TEST_CHECK_EQUAL(pt_client(64, 8, &good), 0, "another client");
    TEST_CHECK_EQUAL(l4_bank_stats(PT_PAGER_BANK, &pager_bank), 0, "the pager's bank");
    TEST_CHECK_EQUAL(bank_set_limit(PT_PAGER_BANK, pager_bank.charged + 16), 0, "16 frames more for the pager");
    set_job(0, attach_and_fill, PT_REGION, 4096, ATTACH, 4096);
    TEST_CHECK_EQUAL(pt_client_run(&hostile, 0, BURSAR_NO_CAPABILITY), 0, "the hostile client's thread");
    hostile_done = client_job_wait(0, 60000);
    set_job(1, attach_and_fill, PT_REGION, 4, ATTACH, 4);
    TEST_CHECK_EQUAL(pt_client_run(&good, 1, BURSAR_NO_CAPABILITY), 0, "the other client's thread");
    client_job_wait(1, 5000);
    TEST_CHECK_EQUAL(l4_bank_stats(PT_PAGER_BANK, &after), 0, "the pager's bank after");
    TEST_CHECK_EQUAL(bank_set_limit(PT_PAGER_BANK, pager_bank.limit), 0, "the pager's limit as it was");
    TEST_CHECK(client_shared.jobs[1].done && client_shared.jobs[1].result == 0,
               "the other client was not served (%u of 4 pages) after the hostile one filled %u: the pager's "
               "bank went from %u to %u frames", client_shared.jobs[1].progress, client_shared.jobs[0].progress,
               pager_bank.charged, after.charged);
    TEST_CHECK(hostile_done && client_shared.jobs[0].result == 0, "the hostile client filled %u of 4096 pages",
               client_shared.jobs[0].progress);
    printf("  4096 pages filled by one client, 4 by another: the pager's bank went from %u to %u frames\n",
           pager_bank.charged, after.charged);
}
