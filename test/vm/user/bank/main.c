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
#include "libl4/task.h"
#include "libl4/thread.h"

#define PAGE_SIZE 4096u
#define MODULE_AREA 0x20000000u
#define SERVER_WINDOW 0x28000000u
#define SERVER_SLOTS 16u             /* 16..19: the server's task, thread, heap and endpoint */
#define SCRATCH_PAGE 0x2ffff000u     /* bt_mapped's probe */
#define BT_BLOCK (PAGE_SIZE << BANK_BUY_MAX_LOG2)

struct bt_shared_area bt_shared __attribute__((aligned(PAGE_SIZE)));
uint32_t bt_frames_at_start;
uint32_t bt_tsc_khz;

static unsigned next_slot;
static uintptr_t next_page;
static unsigned next_helper;
static unsigned test_banks[64], test_bank_count;
static struct l4_bank_stats root_baseline;
static struct bursar_system_info system_baseline;
static struct bursar_heap_info boot_heap_baseline;

static char helper_stacks[8][4096] __attribute__((aligned(16)));
static struct bursar_utcb helper_utcbs[8] __attribute__((aligned(BURSAR_UTCB_SIZE)));

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

void bt_sleep_ms(unsigned ms)
{
    l4_receive(BT_SLEEP, BURSAR_NO_CAPABILITY, 0, 0, 0, 0, BURSAR_TIMEOUT_MS(ms));
}

int bt_spawn(void (*entry)(void *), void *argument, unsigned priority, unsigned *slot)
{
    struct l4_thread_spec spec = {
        .heap = BURSAR_SLOT_HEAP, .task = BURSAR_SLOT_TASK, .slot = bt_slot(),
        .stack = helper_stacks[next_helper % 8], .stack_size = sizeof helper_stacks[0],
        .utcb = (uintptr_t)&helper_utcbs[next_helper % 8], .priority = priority, .entry = entry,
        .argument = argument,
    };

    next_helper++;
    *slot = spec.slot;
    return l4_thread_spawn(&spec);
}

/* Runs in a client task: its job, then it waits for good (the test destroys it). */
static void client_thread(void *argument)
{
    struct bt_job *job = argument;

    job->started = true;
    job->result = job->run(job);
    job->done = true;
    for (;;)
        l4_receive(CLIENT_SLEEP, BURSAR_NO_CAPABILITY, 0, 0, 0, 0, BURSAR_TIMEOUT_NEVER);
}

int bt_client(unsigned bank, uint32_t pages, struct bt_client *client)
{
    struct l4_task_spec spec = { .shared = &bt_shared, .shared_size = sizeof bt_shared,
                                 .capability_slots = CLIENT_SLOTS };
    int error;

    memset(client, 0, sizeof *client);
    client->bank = bank;
    client->heap = bt_slot();
    client->task = bt_slot();
    error = bank_heap_create(bank, pages, 0, 0, BURSAR_TIMEOUT_NEVER, client->heap, &client->handle);
    spec.heap = client->heap;
    spec.slot = client->task;
    if (!error)
        error = l4_task_create_sharing_program(&spec);
    if (!error)
        error = l4_cap_transfer(client->task, client->task, CLIENT_TASK, BURSAR_RIGHTS_ALL, BURSAR_COPY, 0);
    if (!error)
        error = l4_cap_transfer(client->heap, client->task, CLIENT_HEAP, BURSAR_RIGHT_READ | BURSAR_RIGHT_WRITE,
                                BURSAR_COPY, 0);
    if (!error)
        error = l4_cap_transfer(bank, client->task, CLIENT_BANK, BURSAR_RIGHT_WRITE | BURSAR_RIGHT_GRANT,
                                BURSAR_COPY, 0);
    if (!error)
        error = l4_cap_transfer(BT_SLEEP, client->task, CLIENT_SLEEP, BURSAR_RIGHT_READ, BURSAR_COPY, 0);
    return error;
}

int bt_client_run(struct bt_client *client, unsigned index, unsigned priority)
{
    struct l4_thread_spec spec = {
        .heap = client->heap, .task = client->task, .slot = bt_slot(),
        .stack = bt_shared.stacks[index], .stack_size = sizeof bt_shared.stacks[index],
        .utcb = (uintptr_t)&bt_shared.utcbs[index], .priority = priority, .entry = client_thread,
        .argument = &bt_shared.jobs[index],
    };

    bt_shared.jobs[index].started = bt_shared.jobs[index].done = false;
    bt_shared.jobs[index].progress = 0;
    client->threads[index] = spec.slot;
    return l4_thread_spawn(&spec);
}

bool bt_wait(unsigned index, unsigned ms)
{
    for (unsigned waited = 0; !bt_shared.jobs[index].done && waited < ms; waited += 10)
        bt_sleep_ms(10);
    return bt_shared.jobs[index].done;
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
int bt_make_endpoints(struct bt_job *job)
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
int bt_make_endpoints_and_records(struct bt_job *job)
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

    for (unsigned slot = BT_FIRST_SLOT; slot < BT_FIRST_SLOT + BT_SLOTS; slot++) {
        struct l4_cap_info cap;
        if (l4_cap_inspect(slot, &cap) == 0 && cap.type == BURSAR_OBJECT_THREAD && (cap.rights & BURSAR_RIGHT_CONTROL))
            l4_destroy(slot);
    }
    for (unsigned i = 0; i < test_bank_count; i++)
        bank_destroy(test_banks[i]);
    for (unsigned slot = BT_FIRST_SLOT; slot < BT_FIRST_SLOT + BT_SLOTS; slot++) {
        struct l4_cap_info cap;
        if (l4_cap_inspect(slot, &cap) == 0 && cap.type != BURSAR_OBJECT_NONE && cap.type != BURSAR_OBJECT_HEAP &&
            (cap.rights & BURSAR_RIGHT_CONTROL))
            l4_destroy(slot);
        l4_cap_delete(slot);
    }
    l4_unmap(BT_PAGES, BT_PAGES_SIZE / PAGE_SIZE);
    test_bank_count = 0;
    next_slot = 0;
    next_page = 0;
    next_helper = 0;
    memset(&bt_shared.jobs, 0, sizeof bt_shared.jobs);

    TEST_CHECK_EQUAL(l4_bank_stats(BT_ROOT, &root), 0, "after the test: the root bank's figures");
    TEST_CHECK(root.charged == root_baseline.charged && root.sold == root_baseline.sold &&
               root.heap_pages == root_baseline.heap_pages && root.bookkeeping == root_baseline.bookkeeping &&
               root.children == 0 && root.heaps == 0 && root.objects_used == 0,
               "after the test: the root bank holds charged %u sold %u heap %u bookkeeping %u children %u heaps %u "
               "objects %u, expected %u %u %u %u 0 0 0", root.charged, root.sold, root.heap_pages, root.bookkeeping,
               root.children, root.heaps, root.objects_used, root_baseline.charged, root_baseline.sold,
               root_baseline.heap_pages, root_baseline.bookkeeping);
    TEST_CHECK_EQUAL(root.available, bt_frames_at_start, "after the test: every frame free again");
    TEST_CHECK_EQUAL(l4_system_info(&info), 0, "after the test: SYS_SYSTEM_INFO");
    TEST_CHECK(info.heap_frames == system_baseline.heap_frames && info.bank_frames == system_baseline.bank_frames &&
               info.heaps == system_baseline.heaps && info.tasks == system_baseline.tasks &&
               info.threads == system_baseline.threads,
               "after the test: heap frames %u, heaps %u, tasks %u, threads %u; expected %u, %u, %u, %u",
               info.heap_frames, info.heaps, info.tasks, info.threads, system_baseline.heap_frames,
               system_baseline.heaps, system_baseline.tasks, system_baseline.threads);
    TEST_CHECK(info.fixed_reservation_frames + info.heap_frames + info.bank_frames == info.usable_frames,
               "after the test: fixed %u + heaps %u + banks %u != usable %u", info.fixed_reservation_frames,
               info.heap_frames, info.bank_frames, info.usable_frames);
    TEST_CHECK_EQUAL(l4_debug_dump(BURSAR_SLOT_DEBUG, BURSAR_DUMP_CHECK, 0), 0,
                     "after the test: the kernel's own check (BURSAR_DUMP_CHECK)");
    TEST_CHECK_EQUAL(l4_heap_info(BURSAR_SLOT_HEAP, &boot_heap), 0, "after the test: the boot heap");
    for (unsigned kind = 0; kind < BURSAR_HEAP_KIND_COUNT; kind++)
        TEST_CHECK(boot_heap.live_by_type[kind] == boot_heap_baseline.live_by_type[kind],
                   "after the test: the boot heap has %u live of kind %u, expected %u", boot_heap.live_by_type[kind],
                   kind, boot_heap_baseline.live_by_type[kind]);
}

/* ---- start ----------------------------------------------------------------------------- */

int main(const struct bursar_boot_info *boot)
{
    int error = l4_create(BURSAR_SLOT_HEAP, BURSAR_OBJECT_ENDPOINT, BT_SLEEP, 0);

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
