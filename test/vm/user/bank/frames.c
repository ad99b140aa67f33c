/*
 * frames.c — buying and returning frames through the real bank server
 * (bank_tests 973-975, 991): blocks granted into the buyer zeroed and
 * contiguous, every refusal named and changing nothing, limits along the
 * whole chain of ancestors, a return that takes back every mapping of the
 * frame wherever the buyer put it, and a buyer whose heap must first pay
 * for the page table and shadow the grant needs.
 */
#include "bank_tests.h"

#include "libl4/string.h"

#define PAGE_SIZE 4096u

static bool zeroed(uintptr_t page)
{
    const volatile uint32_t *words = (const volatile uint32_t *)page;

    for (unsigned i = 0; i < PAGE_SIZE / 4; i++)
        if (words[i])
            return false;
    return true;
}

USER_TEST(973, frames_are_bought_zeroed_and_contiguous_and_returned)
{
    unsigned a, b;
    uint32_t first, frames[13], origin;
    uintptr_t page = bt_pages(1), block = bt_pages(16), odd = bt_pages(13) + PAGE_SIZE;
    struct l4_bank_stats before, after;

    TEST_CHECK_EQUAL(bt_child(BT_ROOT, 100, 4, &a), 0, "bank A");
    TEST_CHECK_EQUAL(bt_child(BT_ROOT, 100, 4, &b), 0, "bank B");
    TEST_CHECK_EQUAL(l4_bank_stats(a, &before), 0, "A's figures");

    /* One frame, mapped read-write and zeroed; dirtied, returned, bought again: zeroed again. */
    TEST_CHECK_EQUAL(bank_buy(a, page, 0, page, 12, &first, NULL, NULL), 0, "buy one frame");
    TEST_CHECK(bt_mapped(page) && zeroed(page), "the page is mapped and zeroed");
    memset((void *)page, 0xa5, PAGE_SIZE);
    TEST_CHECK_EQUAL(bank_origin(a, first, &origin), 0, "origin at A");
    TEST_CHECK_EQUAL(origin, BANK_ORIGIN_HERE, "bought here");
    TEST_CHECK_EQUAL(bank_origin(b, first, &origin), 0, "origin at B");
    TEST_CHECK_EQUAL(origin, BANK_ORIGIN_NONE, "not from B");
    TEST_CHECK_EQUAL(bank_origin(BT_ROOT, first, &origin), 0, "origin at the root");
    TEST_CHECK_EQUAL(origin, BANK_ORIGIN_BELOW, "from below the root");
    TEST_CHECK_EQUAL(bank_return_frames(b, first, 1), -BANK_E_NOT_BOUGHT_HERE, "B returns A's frame");
    TEST_CHECK_EQUAL(bank_return_frames(BT_ROOT, first, 1), -BANK_E_NOT_BOUGHT_HERE, "the root returns A's frame");
    TEST_CHECK(bt_mapped(page), "still mapped after the refusals");
    TEST_CHECK_EQUAL(bank_return_frames(a, first, 1), 0, "A returns it");
    TEST_CHECK(!bt_mapped(page), "the page is gone");
    TEST_CHECK_EQUAL(bank_return_frames(a, first, 1), -BANK_E_NOT_BOUGHT_HERE, "returned twice");
    TEST_CHECK_EQUAL(bank_buy(a, page, 0, page, 12, &first, NULL, NULL), 0, "buy again");
    TEST_CHECK(zeroed(page), "a frame bought again is zeroed");

    /* A block of 16: physically contiguous, one request. */
    TEST_CHECK_EQUAL(bank_buy(a, block, 4, block, 16, &first, NULL, NULL), 0, "buy 16");
    for (unsigned i = 0; i < 16; i++)
        TEST_CHECK(bt_mapped(block + i * PAGE_SIZE) && zeroed(block + i * PAGE_SIZE), "page %u of the block", i);
    TEST_CHECK_EQUAL(bank_origin(a, first + 15, &origin), 0, "origin of the last");
    TEST_CHECK_EQUAL(origin, BANK_ORIGIN_HERE, "the whole run is A's");
    TEST_CHECK_EQUAL(bank_return_frames(a, first + 8, 8), 0, "return half of it");
    TEST_CHECK(bt_mapped(block) && !bt_mapped(block + 8 * PAGE_SIZE), "the first half stays");

    /* Thirteen pages at an address aligned to one page only: several blocks, one frame each named. */
    TEST_CHECK_EQUAL(l4_bank_buy(a, odd, 13, frames), 0, "buy 13");
    for (unsigned i = 0; i < 13; i++) {
        TEST_CHECK(bt_mapped(odd + i * PAGE_SIZE), "page %u of 13", i);
        TEST_CHECK_EQUAL(bank_origin(a, frames[i], &origin), 0, "origin");
        TEST_CHECK_EQUAL(origin, BANK_ORIGIN_HERE, "a frame of the 13");
    }
    TEST_CHECK_EQUAL(l4_bank_stats(a, &after), 0, "A's figures");
    TEST_CHECK_EQUAL(after.sold, before.sold + 1 + 8 + 13, "sold");
    TEST_CHECK_EQUAL(after.charged, before.charged + 22, "charged");
    TEST_CHECK_EQUAL(after.bought, 1 + 1 + 16 + 13, "bought, ever");
    TEST_CHECK_EQUAL(after.returned, 1 + 8, "returned, ever");
    TEST_CHECK_EQUAL(l4_bank_return(a, frames, 13), 0, "return the 13");
    TEST_CHECK(!bt_mapped(odd) && !bt_mapped(odd + 12 * PAGE_SIZE), "the 13 are gone");

    /* Refusals: each names its error and changes nothing. */
    TEST_CHECK_EQUAL(l4_bank_stats(a, &before), 0, "A's figures");
    TEST_CHECK_EQUAL(bank_buy(a, block + PAGE_SIZE, 1, block, 13, NULL, NULL, NULL), -BURSAR_E_MISALIGNED,
                     "a block not aligned to its size");
    TEST_CHECK_EQUAL(bank_buy(a, 0, 0, page, 12, NULL, NULL, NULL), -BURSAR_E_INVALID_ADDRESS, "address 0");
    TEST_CHECK_EQUAL(bank_buy(a, 0xc0000000u, 0, page, 12, NULL, NULL, NULL), -BURSAR_E_INVALID_ADDRESS,
                     "kernel space");
    TEST_CHECK_EQUAL(bank_buy(a, block, 10, block, 22, NULL, NULL, NULL), -BURSAR_E_INVALID_ARGUMENT, "1024 at once");
    TEST_CHECK_EQUAL(bank_buy(a, page, 0, page, 12, NULL, NULL, NULL), -BURSAR_E_ALREADY_MAPPED,
                     "onto a page the buyer has mapped: its reply refused");
    TEST_CHECK_EQUAL(bank_buy(a, odd, 0, 0, 0, NULL, NULL, NULL), -BURSAR_E_NO_RECEIVE_WINDOW,
                     "with no receive window");
    TEST_CHECK_EQUAL(bank_return_frames(a, 0, 1), -BANK_E_NOT_BOUGHT_HERE, "frame 0");
    TEST_CHECK_EQUAL(bank_return_frames(a, 0xfffffff0u, 16), -BANK_E_NOT_BOUGHT_HERE, "past the last frame");
    TEST_CHECK_EQUAL(bank_return_frames(a, first, 0), -BURSAR_E_INVALID_ARGUMENT, "none");
    TEST_CHECK_EQUAL(bank_return_frames(a, first, BANK_RETURN_MAX + 1), -BURSAR_E_INVALID_ARGUMENT, "too many");
    TEST_CHECK_EQUAL(bank_return_frames(a, first + 7, 2), -BANK_E_NOT_BOUGHT_HERE, "half of it returned already");
    TEST_CHECK_EQUAL(l4_bank_stats(a, &after), 0, "A's figures");
    TEST_CHECK(after.sold == before.sold && after.charged == before.charged && after.bought == before.bought,
               "the refusals changed A: sold %u -> %u, charged %u -> %u", before.sold, after.sold, before.charged,
               after.charged);
    TEST_CHECK(bt_mapped(block + 7 * PAGE_SIZE), "the frame a refused return named stays");
}

USER_TEST(974, a_purchase_fits_under_every_limit_along_the_chain)
{
    unsigned a, b, c, d;
    uint32_t frames[12];
    uintptr_t pages = bt_pages(64);
    struct l4_bank_stats sa, sb, sc, sd;

    /*
     * root -> A (room for 10) -> B (no limit of its own) -> C (limit 100); root -> D (limit 3). A and B
     * pay a bookkeeping page each for their children's records in the kernel: A's limit is set to
     * leave 10 frames beyond that.
     */
    struct l4_bank_stats a0, b0;
    TEST_CHECK_EQUAL(bt_child(BT_ROOT, BANK_NO_LIMIT, 10, &a), 0, "A");
    TEST_CHECK_EQUAL(bt_child(a, BANK_NO_LIMIT, 5, &b), 0, "B");
    TEST_CHECK_EQUAL(bt_child(b, 100, 1, &c), 0, "C");
    TEST_CHECK_EQUAL(bt_child(BT_ROOT, 3, 0, &d), 0, "D");
    TEST_CHECK_EQUAL(l4_bank_stats(a, &a0), 0, "A's figures");
    TEST_CHECK_EQUAL(l4_bank_stats(b, &b0), 0, "B's figures");
    TEST_CHECK(a0.bookkeeping == 1 && b0.bookkeeping == 1 && a0.charged == 2 && b0.charged == 1,
               "bookkeeping: A %u (charged %u), B %u (charged %u)", a0.bookkeeping, a0.charged, b0.bookkeeping,
               b0.charged);
    TEST_CHECK_EQUAL(bank_set_limit(a, a0.charged + 10), 0, "A's limit");
    TEST_CHECK_EQUAL(l4_bank_stats(c, &sc), 0, "C's figures");
    TEST_CHECK_EQUAL(sc.limit, 100, "C's own limit");
    TEST_CHECK_EQUAL(sc.effective_limit, a0.charged + 10, "C's effective limit is A's");
    TEST_CHECK_EQUAL(sc.available, 10, "C can buy A's 10");
    TEST_CHECK_EQUAL(l4_bank_buy(c, pages, 11, frames), -BANK_E_LIMIT_REACHED, "11 from C");
    TEST_CHECK_EQUAL(l4_bank_stats(a, &sa), 0, "A");
    TEST_CHECK_EQUAL(sa.charged, a0.charged, "a refused purchase charges nothing");
    TEST_CHECK_EQUAL(l4_bank_buy(c, pages, 6, frames), 0, "6 from C");
    TEST_CHECK_EQUAL(l4_bank_buy(b, pages + 8 * PAGE_SIZE, 4, frames + 6), 0, "4 from B");
    TEST_CHECK_EQUAL(l4_bank_buy(c, pages + 16 * PAGE_SIZE, 1, frames + 10), -BANK_E_LIMIT_REACHED,
                     "the 11th, from C: A's limit");
    TEST_CHECK_EQUAL(l4_bank_buy(a, pages + 16 * PAGE_SIZE, 1, frames + 10), -BANK_E_LIMIT_REACHED,
                     "the 11th, from A");
    TEST_CHECK_EQUAL(l4_bank_stats(a, &sa), 0, "A");
    TEST_CHECK_EQUAL(l4_bank_stats(b, &sb), 0, "B");
    TEST_CHECK_EQUAL(l4_bank_stats(c, &sc), 0, "C");
    TEST_CHECK(sa.charged == a0.charged + 10 && sb.charged == b0.charged + 10 && sc.charged == 6,
               "charged A %u B %u C %u", sa.charged, sb.charged, sc.charged);
    TEST_CHECK(sa.sold == 0 && sb.sold == 4 && sc.sold == 6, "sold A %u B %u C %u", sa.sold, sb.sold, sc.sold);
    TEST_CHECK(sa.available == 0 && sb.available == 0 && sc.available == 0, "nothing available below A");
    TEST_CHECK(sa.refused == 1 && sb.refused == 0 && sc.refused == 2, "refusals A %u B %u C %u", sa.refused,
               sb.refused, sc.refused);
    /* D, beside A, is not affected by A's limit, only by its own. */
    TEST_CHECK_EQUAL(l4_bank_buy(d, pages + 32 * PAGE_SIZE, 3, frames), 0, "3 from D");
    TEST_CHECK_EQUAL(l4_bank_buy(d, pages + 36 * PAGE_SIZE, 1, frames + 3), -BANK_E_LIMIT_REACHED, "a 4th from D");
    /* Raising C's limit does not lift A's; raising A's does, for all three. */
    TEST_CHECK_EQUAL(bank_set_limit(c, 1000), 0, "C's limit up");
    TEST_CHECK_EQUAL(l4_bank_buy(c, pages + 16 * PAGE_SIZE, 1, frames + 10), -BANK_E_LIMIT_REACHED, "still A's");
    TEST_CHECK_EQUAL(bank_set_limit(a, a0.charged + 11), 0, "A's limit up by one");
    TEST_CHECK_EQUAL(l4_bank_buy(c, pages + 16 * PAGE_SIZE, 1, frames + 10), 0, "the 11th");
    /* A limit below the charge: nothing more, nothing taken. */
    TEST_CHECK_EQUAL(bank_set_limit(a, 2), 0, "A's limit below its charge");
    TEST_CHECK_EQUAL(l4_bank_stats(c, &sc), 0, "C");
    TEST_CHECK(sc.available == 0 && sc.sold == 7 && sc.effective_limit == 2, "C under a limit of 2: %u available, "
               "%u sold, effective %u", sc.available, sc.sold, sc.effective_limit);
    TEST_CHECK_EQUAL(l4_bank_buy(c, pages + 20 * PAGE_SIZE, 1, frames + 11), -BANK_E_LIMIT_REACHED, "nothing more");
    /* The children's figures, seen from their parents. */
    {
        uint32_t limit, charged, sold, heap_pages, bookkeeping, children, heaps, quota;
        TEST_CHECK_EQUAL(bank_child_stats(b, 0, &limit, &charged, &sold, &heap_pages, &bookkeeping, &children,
                                          &heaps, &quota), 0, "B's first child");
        TEST_CHECK(limit == 1000 && charged == 7 && sold == 7 && children == 0 && quota == 1,
                   "C seen from B: limit %u charged %u sold %u children %u quota %u", limit, charged, sold, children,
                   quota);
        TEST_CHECK_EQUAL(bank_child_stats(b, 1, &limit, &charged, &sold, &heap_pages, &bookkeeping, &children,
                                          &heaps, &quota), -BURSAR_E_INVALID_ARGUMENT, "B has one child");
    }
    TEST_CHECK_EQUAL(l4_bank_stats(d, &sd), 0, "D");
    TEST_CHECK(sd.charged == 3 && sd.effective_limit == 3, "D: charged %u effective %u", sd.charged,
               sd.effective_limit);
}

/* Another thread of this task takes a page by GRANT (common/grant.c): the frame's own mapping moves there. */
static struct grant_receiver granted;

USER_TEST(975, a_return_takes_every_mapping_of_the_frame_wherever_it_went)
{
    unsigned a, thread;
    struct bt_client client;
    uintptr_t page = bt_pages(1), copy = bt_pages(1);
    uint32_t frame, records;

    TEST_CHECK_EQUAL(bt_child(BT_ROOT, 100, 4, &a), 0, "bank A");
    TEST_CHECK_EQUAL(bt_client(a, 16, &client), 0, "a client task");
    TEST_CHECK_EQUAL(bank_buy(a, page, 0, page, 12, &frame, NULL, NULL), 0, "buy");
    *(volatile uint32_t *)page = 0x975;
    /* Mapped on into the client (a record paid by our heap), and again within our own space. */
    records = bt_live(BURSAR_SLOT_HEAP, BURSAR_HEAP_RECORD);
    TEST_CHECK_EQUAL(l4_map(client.task, page, 0x00800000u, BURSAR_RIGHT_READ, 1), 0, "map into the client");
    TEST_CHECK_EQUAL(l4_map(BURSAR_SLOT_TASK, page, copy, BURSAR_RIGHT_READ, 1), 0, "map at a second address");
    TEST_CHECK_EQUAL(bt_live(BURSAR_SLOT_HEAP, BURSAR_HEAP_RECORD), records + 2, "two records");
    /* The buyer's own mapping granted to a third address. */
    granted.endpoint = bt_slot();
    granted.window = 0x2c000000u;
    TEST_CHECK_EQUAL(l4_create(BURSAR_SLOT_HEAP, BURSAR_OBJECT_ENDPOINT, granted.endpoint, 0), 0, "endpoint");
    TEST_CHECK_EQUAL(bt_spawn(grant_receiver, &granted, BT_CLIENT_PRIORITY, &thread), 0, "receiver");
    root_sleep_ms(20);
    TEST_CHECK_EQUAL(grant_page(&granted, page), 0, "grant the frame's own mapping");
    root_sleep_ms(20);
    TEST_CHECK_EQUAL(granted.status, 0, "the receiver");
    TEST_CHECK_EQUAL(*(volatile uint32_t *)granted.landed, 0x975, "the frame at its new address");
    TEST_CHECK(!bt_mapped(page) && bt_mapped(copy), "the first address is empty, the derived one still there");

    TEST_CHECK_EQUAL(bank_return_frames(a, frame, 1), 0, "return");
    TEST_CHECK(!bt_mapped(granted.landed) && !bt_mapped(copy), "every mapping in this task is gone");
    TEST_CHECK_EQUAL(bt_live(BURSAR_SLOT_HEAP, BURSAR_HEAP_RECORD), records, "both records refunded: the client's "
                     "mapping is gone too");
    l4_unmap(granted.landed, 1);
}

/*
 * Runs in a client: waits until the test says go (arguments[1]), then buys
 * one page at arguments[0] with l4_bank_buy and writes to it (a page that
 * is not mapped kills the thread: it has no pager).
 */
static int buy_one_page(struct client_job *job)
{
    volatile uint32_t *go = &job->arguments[1];
    uint32_t frame;
    int error;

    while (!*go)
        l4_receive(CLIENT_SLEEP, BURSAR_NO_CAPABILITY, 0, 0, 0, 0, BURSAR_TIMEOUT_MS(1));
    error = l4_bank_buy(CLIENT_BANK, job->arguments[0], 1, &frame);
    if (!error)
        *(volatile uint32_t *)job->arguments[0] = frame;
    return error;
}

/*
 * A buyer whose heap has exactly one free page and no page table where the
 * page lands: the grant needs a page table and its shadow, two pages, and
 * l4_bank_buy's reserve must ask for both together (one free page
 * satisfies a reserve of each kind on its own, and the purchase failed
 * with RECEIVER_HEAP_EMPTY while the reserve counted one kind at a time).
 */
USER_TEST(991, a_buyer_with_one_free_heap_page_gets_its_page_table_and_shadow)
{
    unsigned a;
    struct bt_client client;
    struct bursar_heap_info info;
    uint32_t pages, served, refused, low, high, timeout, returned, moved, destroyed;

    TEST_CHECK_EQUAL(bt_child(BT_ROOT, 200, 4, &a), 0, "bank A");
    TEST_CHECK_EQUAL(bt_client(a, 32, &client), 0, "a client whose heap A funds");
    client_shared.jobs[0] = (struct client_job){ .run = buy_one_page, .arguments = { bt_pages(1), 0 } };
    TEST_CHECK_EQUAL(bt_client_run(&client, 0, BT_CLIENT_PRIORITY), 0, "the client's thread");
    TEST_CHECK_EQUAL(l4_heap_info(client.heap, &info), 0, "the client's heap");
    TEST_CHECK(info.pages_free > 1, "%u free pages to start with", info.pages_free);
    /* A reclaim takes free pages first: all but one. */
    TEST_CHECK_EQUAL(bank_heap_reclaim(a, client.handle, info.pages_free - 1, &returned, &moved, &destroyed), 0,
                     "reclaim");
    TEST_CHECK(moved == 0 && destroyed == 0, "only free pages went: %u moved, %u destroyed", moved, destroyed);
    TEST_CHECK_EQUAL(l4_heap_info(client.heap, &info), 0, "the client's heap");
    TEST_CHECK(info.pages_free == 1 && info.free_by_type[BURSAR_HEAP_PAGE_TABLE] == 0 &&
               info.free_by_type[BURSAR_HEAP_SHADOW] == 0,
               "%u free pages, %u free page tables, %u free shadows", info.pages_free,
               info.free_by_type[BURSAR_HEAP_PAGE_TABLE], info.free_by_type[BURSAR_HEAP_SHADOW]);
    client_shared.jobs[0].arguments[1] = 1;
    TEST_CHECK(client_job_wait(0, 5000), "the client never finished (killed writing to its page?)");
    TEST_CHECK_EQUAL(client_shared.jobs[0].result, 0, "l4_bank_buy with one free page");
    TEST_CHECK_EQUAL(bank_heap_stats(a, client.handle, &pages, &served, &refused, &low, &high, &timeout), 0, "heap");
    TEST_CHECK(served >= 1 && refused == 0, "the reserve's fault served: %u served, %u refused", served, refused);
    TEST_CHECK_EQUAL(bt_live(client.heap, BURSAR_HEAP_SHADOW), info.live_by_type[BURSAR_HEAP_SHADOW] + 1,
                     "one more shadow");
    TEST_CHECK_EQUAL(bt_live(client.heap, BURSAR_HEAP_PAGE_TABLE), info.live_by_type[BURSAR_HEAP_PAGE_TABLE] + 1,
                     "one more page table");
}
