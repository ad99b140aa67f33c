/*
 * main.c — the space bank's end-to-end tests as a root task: start the
 * bank server from the boot module bank.elf with all of the boot memory
 * (libl4/bank.h: l4_bank_start), then run every USER_TEST here, each
 * followed by a check that everything the test bought came back to the
 * page (bank_tests.h).
 */
#include "bank_tests.h"

#include "libl4/printf.h"
#include "libl4/string.h"

#define PAGE_SIZE 4096u
#define MODULE_AREA 0x20000000u
#define SERVER_WINDOW 0x28000000u
#define SERVER_SLOTS 16u             /* 16..19: the server's task, thread, heap and endpoint */
#define SCRATCH_PAGE 0x2ffff000u     /* bt_mapped's probe */
#define BT_BLOCK (PAGE_SIZE << BANK_BUY_MAX_LOG2)

uint32_t bt_frames_at_start;
uint32_t bt_tsc_khz;

static unsigned next_slot;
static uintptr_t next_page;
static unsigned test_banks[64], test_bank_count;
static struct l4_bank_stats root_baseline;
static struct bursar_system_info system_baseline;
static struct bursar_heap_info boot_heap_baseline;

/* ---- helpers ---------------------------------------------------------------------- */

unsigned bt_slot(void)
{
    return BT_FIRST_SLOT + next_slot++;
}

/* Each call gets 2 MiB of its own, aligned for any block the bank sells. */
uintptr_t bt_pages(unsigned count)
{
    uintptr_t address = BT_PAGES + next_page;

    next_page += (count * PAGE_SIZE + BT_BLOCK - 1) / BT_BLOCK * BT_BLOCK;
    return address;
}

int bt_child(unsigned parent, uint32_t limit, uint32_t objects, unsigned *slot)
{
    int error;

    *slot = bt_slot();
    error = bank_create_child(parent, limit, objects, *slot);
    if (error == 0 && parent == BT_ROOT && test_bank_count < sizeof test_banks / sizeof test_banks[0])
        test_banks[test_bank_count++] = *slot;
    return error;
}

int bt_spawn(void (*entry)(void *), void *argument, unsigned priority, unsigned *slot)
{
    *slot = bt_slot();
    return root_spawn(BURSAR_SLOT_HEAP, *slot, entry, argument, priority);
}

int bt_client(unsigned bank, uint32_t pages, struct bt_client *client)
{
    int error;

    memset(client, 0, sizeof *client);
    client->bank = bank;
    client->heap = bt_slot();
    client->task = bt_slot();
    error = bank_heap_create(bank, pages, 0, 0, BURSAR_TIMEOUT_NEVER, client->heap, &client->handle);
    if (!error)
        error = client_task_create(client->heap, client->task, CLIENT_SLOTS);
    if (!error)
        error = l4_cap_transfer(bank, client->task, CLIENT_BANK, BURSAR_RIGHT_WRITE | BURSAR_RIGHT_GRANT,
                                BURSAR_COPY, 0);
    return error;
}

int bt_client_run(struct bt_client *client, unsigned index, unsigned priority)
{
    client->threads[index] = bt_slot();
    return client_job_start(client->heap, client->task, client->threads[index], index, priority);
}

bool bt_mapped(uintptr_t address)
{
    if (l4_map(BURSAR_SLOT_TASK, address & ~(PAGE_SIZE - 1), SCRATCH_PAGE, BURSAR_RIGHT_READ, 1) != 0)
        return false;
    l4_unmap(SCRATCH_PAGE, 1);
    return true;
}

uint32_t bt_live(unsigned heap, unsigned kind)
{
    struct bursar_heap_info info = { 0 };

    l4_heap_info(heap, &info);
    return info.live_by_type[kind];
}

/* ---- jobs that run in a client task ---- */

/*
 * arguments[0] endpoints in the client's own heap, or until an error. Each
 * capability is deleted again: the endpoint lives on, paid by the heap, so
 * the count is not bounded by the client's slots.
 */
int bt_make_endpoints(struct client_job *job)
{
    for (uint32_t i = 0; i < job->arguments[0]; i++) {
        int error = l4_create(CLIENT_HEAP, BURSAR_OBJECT_ENDPOINT, CLIENT_FIRST_FREE, 0);
        if (error)
            return error;
        l4_cap_delete(CLIENT_FIRST_FREE);
        job->progress = i + 1;
    }
    return 0;
}

/* Endpoints, each with a revocable copy (a record paid by the client's own heap), arguments[0] pairs. */
int bt_make_endpoints_and_records(struct client_job *job)
{
    for (uint32_t i = 0; i < job->arguments[0]; i++) {
        unsigned slot = CLIENT_FIRST_FREE + 2 * i;
        int error = l4_create(CLIENT_HEAP, BURSAR_OBJECT_ENDPOINT, slot, 0);
        if (!error)
            error = l4_cap_transfer(slot, BURSAR_OWN_TASK, slot + 1, BURSAR_RIGHTS_ALL, BURSAR_REVOCABLE_COPY, 0);
        if (error)
            return error;
        job->progress = i + 1;
    }
    return 0;
}

/* ---- after every test ---------------------------------------------------------------- */

/*
 * The test's own threads first (so nothing runs on into the teardown), then
 * the banks it made (their heaps, tasks and threads go with them), then
 * every per-test slot. Then everything must be where it was before the
 * first test: the root bank's charge and counts, the kernel's frames by
 * kind and objects, the boot heap's ledger, and the kernel's own check.
 */
static void after_test(struct test_result *result)
{
    struct bursar_system_info info;
    struct bursar_heap_info boot_heap;
    struct l4_bank_stats root;

    root_destroy_threads(BT_FIRST_SLOT, BT_SLOTS);
    for (unsigned i = 0; i < test_bank_count; i++)
        bank_destroy(test_banks[i]);
    root_empty_slots(BT_FIRST_SLOT, BT_SLOTS);
    l4_unmap(BT_PAGES, BT_PAGES_SIZE / PAGE_SIZE);
    test_bank_count = 0;
    next_slot = 0;
    next_page = 0;
    root_helpers_reset();
    client_jobs_reset();

    TEST_CHECK_EQUAL(l4_bank_stats(BT_ROOT, &root), 0, "after the test: the root bank's figures");
    TEST_CHECK(root.charged == root_baseline.charged && root.sold == root_baseline.sold &&
               root.heap_pages == root_baseline.heap_pages && root.bookkeeping == root_baseline.bookkeeping &&
               root.children == 0 && root.heaps == 0 && root.objects_used == 0,
               "after the test: the root bank holds charged %u sold %u heap %u bookkeeping %u children %u heaps %u "
               "objects %u, expected %u %u %u %u 0 0 0", root.charged, root.sold, root.heap_pages, root.bookkeeping,
               root.children, root.heaps, root.objects_used, root_baseline.charged, root_baseline.sold,
               root_baseline.heap_pages, root_baseline.bookkeeping);
    TEST_CHECK_EQUAL(root.available, bt_frames_at_start, "after the test: every frame free again");
    root_check_kernel(result, &system_baseline, &info);
    if (result->failed)
        return;
    TEST_CHECK(info.heap_frames == system_baseline.heap_frames && info.bank_frames == system_baseline.bank_frames,
               "after the test: heap frames %u, bank frames %u; expected %u, %u", info.heap_frames, info.bank_frames,
               system_baseline.heap_frames, system_baseline.bank_frames);
    TEST_CHECK_EQUAL(l4_heap_info(BURSAR_SLOT_HEAP, &boot_heap), 0, "after the test: the boot heap");
    for (unsigned kind = 0; kind < BURSAR_HEAP_KIND_COUNT; kind++)
        TEST_CHECK(boot_heap.live_by_type[kind] == boot_heap_baseline.live_by_type[kind],
                   "after the test: the boot heap has %u live of kind %u, expected %u", boot_heap.live_by_type[kind],
                   kind, boot_heap_baseline.live_by_type[kind]);
}

/* ---- start ----------------------------------------------------------------------------- */

int main(const struct bursar_boot_info *boot)
{
    int error = l4_create(BURSAR_SLOT_HEAP, BURSAR_OBJECT_ENDPOINT, ROOT_SLEEP, 0);

    if (!error)
        error = l4_bank_start_from_boot(boot, "bank.elf", MODULE_AREA, SERVER_WINDOW, SERVER_SLOTS, BT_BANK_PRIORITY,
                                        BT_ROOT);
    if (!error)
        error = l4_bank_stats(BT_ROOT, &root_baseline);
    if (error) {
        printf("bank tests: cannot start the bank: %s\n", bank_error_name(error));
        return 1;
    }
    bt_frames_at_start = root_baseline.available;
    bt_tsc_khz = boot->tsc_khz;
    l4_system_info(&system_baseline);
    l4_heap_info(BURSAR_SLOT_HEAP, &boot_heap_baseline);
    printf("bank tests: the bank sells %u frames; the root task holds no memory capability any more\n",
           bt_frames_at_start);
    user_test_after = after_test;
    return user_tests_run_all() ? 0 : 1;
}
