/*
 * costs.c — what kernel objects cost their heap, measured (id 950): each
 * kind made once in a fresh heap, with the heap's ledger read before and
 * after. Prints one `cost` line per kind; docs/tutorial.md's cost table is
 * these lines. Checks that the ledger moves as it must: one more live
 * object of the kind, pages only when a fresh page had to be carved, and
 * the slab kinds holding many objects to a page.
 */
#include "probe.h"

#include "libl4/printf.h"

static struct bursar_heap_info before, after;

static unsigned used(const struct bursar_heap_info *info)
{
    return info->pages_held - info->pages_free;
}

/*
 * Prints the pages `heap` gave since `before`, the live objects that
 * appeared, and how many objects of `kind` a page holds; returns the pages.
 */
static unsigned report(const char *what, unsigned heap, unsigned kind)
{
    unsigned pages;

    l4_heap_info(heap, &after);
    pages = used(&after) - used(&before);
    printf("cost %s: pages=%u per-page=%u;", what, pages, after.live_by_type[kind] + after.free_by_type[kind]);
    for (unsigned k = 0; k < BURSAR_HEAP_KIND_COUNT; k++)
        if (after.live_by_type[k] != before.live_by_type[k])
            printf(" +%u %s", after.live_by_type[k] - before.live_by_type[k], l4_heap_kind_name(k));
    printf("\n");
    before = after;
    return pages;
}

USER_TEST(950, each_kind_of_object_costs_its_heap_what_the_ledger_says)
{
    unsigned heap = core_slot(), task = core_slot(), thread = core_slot(), endpoint = core_slot();
    unsigned reply = core_slot(), child = core_slot(), other = core_slot(), received = core_slot();
    struct probe probe;
    uintptr_t page;
    uint32_t frame;

    TEST_CHECK_EQUAL(core_heap_create(heap, 16), 0, "a fresh heap of 16 pages");
    TEST_CHECK_EQUAL(l4_heap_info(heap, &before), 0, "its ledger");
    TEST_CHECK_EQUAL(used(&before), 0, "nothing used yet");

    TEST_CHECK_EQUAL(l4_create(heap, BURSAR_OBJECT_TASK, task, 1), 0, "a task with one capability slot");
    TEST_CHECK(report("task (1 capability slot)", heap, BURSAR_HEAP_TASK) >= 3, "a task takes a task object, "
               "a page directory and a capability table, a page each at least");
    TEST_CHECK_EQUAL(after.live_by_type[BURSAR_HEAP_PAGE_DIRECTORY], 1, "one page directory");
    TEST_CHECK_EQUAL(after.live_by_type[BURSAR_HEAP_CAPABILITY_TABLE], 1, "one capability table");
    TEST_CHECK_EQUAL(l4_create(heap, BURSAR_OBJECT_THREAD, thread, task), 0, "a thread in it");
    TEST_CHECK_EQUAL(report("thread", heap, BURSAR_HEAP_THREAD), 1, "a thread is a page (its kernel stack too)");
    TEST_CHECK_EQUAL(after.live_by_type[BURSAR_HEAP_THREAD], 1, "one thread");
    TEST_CHECK_EQUAL(l4_create(heap, BURSAR_OBJECT_ENDPOINT, endpoint, 0), 0, "an endpoint");
    report("endpoint", heap, BURSAR_HEAP_ENDPOINT);
    TEST_CHECK(after.live_by_type[BURSAR_HEAP_ENDPOINT] + after.free_by_type[BURSAR_HEAP_ENDPOINT] > 1,
               "endpoints share pages");
    TEST_CHECK_EQUAL(l4_create(heap, BURSAR_OBJECT_ENDPOINT, other, 0), 0, "a second endpoint");
    TEST_CHECK_EQUAL(report("second endpoint", heap, BURSAR_HEAP_ENDPOINT), 0, "the second shares the page");
    TEST_CHECK_EQUAL(l4_create(heap, BURSAR_OBJECT_REPLY, reply, 0), 0, "a reply object");
    report("reply object", heap, BURSAR_HEAP_REPLY);
    TEST_CHECK_EQUAL(l4_create(heap, BURSAR_OBJECT_HEAP, child, 0), 0, "a heap (empty)");
    report("heap", heap, BURSAR_HEAP_HEAP);

    /* A page mapped into the task: its page table (and the table's records) are the task's heap's. */
    TEST_CHECK_EQUAL(core_map_fresh_page(&page, &frame), 0, "a page");
    TEST_CHECK_EQUAL(l4_map(task, page, 0x10000000u, BURSAR_RIGHT_READ, 1), 0, "mapped into the task");
    TEST_CHECK(report("page table (first page mapped in 4 MiB)", heap, BURSAR_HEAP_PAGE_TABLE) >= 1,
               "a page table is at least a page");
    TEST_CHECK_EQUAL(after.live_by_type[BURSAR_HEAP_PAGE_TABLE], 1, "one page table");
    TEST_CHECK_EQUAL(l4_map(task, page, 0x10001000u, BURSAR_RIGHT_READ, 1), 0, "a second page next to it");
    TEST_CHECK_EQUAL(report("second page in the same 4 MiB", heap, BURSAR_HEAP_PAGE_TABLE), 0,
                     "the second page uses the same table");
    TEST_CHECK_EQUAL(after.live_by_type[BURSAR_HEAP_PAGE_TABLE], 1, "still one page table");

    /* A record: the probe server gives a revocable copy, paid by its task's heap. */
    TEST_CHECK_EQUAL(probe_start(&probe, 16), 0, "the probe server");
    TEST_CHECK_EQUAL(probe_add(probe.client, 1, 1, NULL), 0, "it runs");
    TEST_CHECK_EQUAL(l4_heap_info(probe.heap, &before), 0, "its heap");
    TEST_CHECK_EQUAL(probe_give_revocable(probe.client, received), 0, "a revocable copy from it");
    report("record (a revocable copy)", probe.heap, BURSAR_HEAP_RECORD);
    TEST_CHECK(after.live_by_type[BURSAR_HEAP_RECORD] + after.free_by_type[BURSAR_HEAP_RECORD] > 1,
               "records share pages");
}
