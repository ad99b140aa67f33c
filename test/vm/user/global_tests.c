/*
 * global_tests.c — the smoke check of the global-allocator kernel
 * (build/kernel/bursar-global.elf, kernel/heap_global.c), booted by
 * `./bursar test` on that kernel only: every object and record comes from
 * one pool funded at boot, the heap calls answer as docs/abi.md says for
 * that kernel, IPC and revoke work, and an empty pool is a clean
 * OUT_OF_MEMORY. After every test: the accounting identity with no heap
 * frames, the kernel's own check, and the pool's object counts back where
 * they were. On the production kernel these tests fail (it has heaps).
 */
#include "libl4/l4.h"
#include "libl4/printf.h"
#include "libl4/string.h"
#include "libl4/task_sharing_program.h"
#include "libl4/user_test.h"
#include "libl4/thread_spawn.h"

#define POOL BURSAR_SLOT_HEAP
#define MAX_SLOTS_TASK 8192u          /* above the largest capability space: refused, so found by halving */
#define EMPTY_REGION 0x30000000u      /* 4 MiB with nothing mapped */
#define SOURCE_PAGE 0x20000000u

enum { ENDPOINT = BURSAR_SLOT_FIRST_FREE, REPLY, SERVER_TASK, SERVER_THREAD, OTHER, FIRST_FILL };
#define FILL_SLOTS (BURSAR_ROOT_SLOTS - FIRST_FILL)

static const struct bursar_boot_info *boot;
static struct bursar_heap_info pool_baseline;

static struct shared {
    struct bursar_utcb server_utcb;
    char server_stack[4096] __attribute__((aligned(16)));
} shared __attribute__((aligned(4096)));

static struct bursar_heap_info pool_info(void)
{
    struct bursar_heap_info info;

    memset(&info, 0, sizeof info);
    l4_heap_info(POOL, &info);
    return info;
}

/* Everything a test made goes; the identity and the pool's counts must be as before. */
static void after_test(struct test_result *result)
{
    struct bursar_system_info system;
    struct bursar_heap_info now;

    for (unsigned slot = BURSAR_SLOT_FIRST_FREE; slot < BURSAR_ROOT_SLOTS; slot++) {
        l4_destroy(slot);
        l4_cap_delete(slot);
    }
    l4_unmap(EMPTY_REGION, 1);
    now = pool_info();
    TEST_CHECK_EQUAL(l4_system_info(&system), 0, "system info");
    TEST_CHECK(system.fixed_reservation_frames + system.heap_frames + system.bank_frames == system.usable_frames,
               "identity: fixed %u + heaps %u + banks %u != usable %u", system.fixed_reservation_frames,
               system.heap_frames, system.bank_frames, system.usable_frames);
    TEST_CHECK_EQUAL(system.heap_frames, 0, "frames donated to heaps (the pool is in the fixed reservation)");
    TEST_CHECK_EQUAL(system.heaps, 1, "heaps (the pool alone)");
    TEST_CHECK_EQUAL(l4_debug_dump(BURSAR_SLOT_DEBUG, BURSAR_DUMP_CHECK, 0), 0, "the kernel's own check");
    for (unsigned kind = 0; kind < BURSAR_HEAP_KIND_COUNT; kind++)
        TEST_CHECK(now.live_by_type[kind] == pool_baseline.live_by_type[kind], "pool: %u live of kind %u, was %u",
                   now.live_by_type[kind], kind, pool_baseline.live_by_type[kind]);
    TEST_CHECK_EQUAL(now.pages_held, pool_baseline.pages_held, "pool pages (never more, never fewer)");
    (void)result;
}

USER_TEST(1300, pool_funded_at_boot_in_the_fixed_reservation)
{
    struct bursar_system_info system;
    struct bursar_heap_info pool = pool_info();

    TEST_CHECK_EQUAL(l4_system_info(&system), 0, "system info");
    /* A quarter of the free frames: thousands, where the production boot heap has 32. */
    TEST_CHECK(pool.pages_held > system.usable_frames / 8 && pool.pages_held < system.fixed_reservation_frames,
               "pool of %u pages, fixed reservation %u of %u usable", pool.pages_held,
               system.fixed_reservation_frames, system.usable_frames);
    TEST_CHECK(pool.pages_donated == pool.pages_held && pool.pages_reclaimed == 0, "donated %u (all at boot), "
               "held %u, reclaimed %u", pool.pages_donated, pool.pages_held, pool.pages_reclaimed);
}

USER_TEST(1301, every_object_kind_comes_from_the_pool)
{
    static const struct { enum bursar_object_type type; uint32_t argument; unsigned kind; } kinds[] = {
        { BURSAR_OBJECT_ENDPOINT, 0, BURSAR_HEAP_ENDPOINT }, { BURSAR_OBJECT_REPLY, 0, BURSAR_HEAP_REPLY },
        { BURSAR_OBJECT_TASK, 64, BURSAR_HEAP_TASK }, { BURSAR_OBJECT_THREAD, BURSAR_SLOT_TASK, BURSAR_HEAP_THREAD },
    };

    for (unsigned k = 0; k < sizeof kinds / sizeof kinds[0]; k++) {
        struct bursar_heap_info before = pool_info(), after;
        TEST_CHECK_EQUAL(l4_create(POOL, kinds[k].type, OTHER, kinds[k].argument), 0, "create");
        after = pool_info();
        TEST_CHECK_EQUAL(after.live_by_type[kinds[k].kind], before.live_by_type[kinds[k].kind] + 1, "one more live");
        TEST_CHECK_EQUAL(l4_destroy(OTHER), 0, "destroy");
        after = pool_info();
        TEST_CHECK_EQUAL(after.live_by_type[kinds[k].kind], before.live_by_type[kinds[k].kind], "back to the pool");
    }
}

USER_TEST(1302, heap_calls_without_meaning_answer_not_supported)
{
    struct bursar_heap_info before = pool_info();
    struct l4_cap_info slot;
    uint32_t frame = boot->free_ranges[boot->range_count - 1].first_frame;

    TEST_CHECK_EQUAL(l4_create(POOL, BURSAR_OBJECT_HEAP, OTHER, 0), -BURSAR_E_NOT_SUPPORTED, "create a heap");
    TEST_CHECK(l4_cap_inspect(OTHER, &slot) == 0 && slot.type == BURSAR_OBJECT_NONE, "the slot stays empty");
    TEST_CHECK_EQUAL(l4_heap_donate(POOL, BURSAR_SLOT_MEMORY, frame, 1), -BURSAR_E_NOT_SUPPORTED, "donate");
    TEST_CHECK_EQUAL(l4_frame_map(BURSAR_SLOT_MEMORY, frame, SOURCE_PAGE, BURSAR_RIGHT_READ), 0,
                     "the frame stayed the bank's");
    TEST_CHECK_EQUAL(l4_unmap(SOURCE_PAGE, 1), 0, "unmap it");
    TEST_CHECK_EQUAL(l4_heap_reclaim(POOL, 1, 0), -BURSAR_E_NOT_SUPPORTED, "reclaim");
    TEST_CHECK_EQUAL(l4_heap_configure(POOL, BURSAR_HEAP_WATERMARKS, 0, 4), -BURSAR_E_NOT_SUPPORTED, "watermarks");
    TEST_CHECK_EQUAL(l4_heap_configure(POOL, BURSAR_HEAP_BANK, BURSAR_SLOT_TASK, 0), -BURSAR_E_NOT_SUPPORTED, "bank");
    TEST_CHECK_EQUAL(l4_heap_configure(POOL, BURSAR_HEAP_FAULT_TIMEOUT, 0, 0), -BURSAR_E_NOT_SUPPORTED, "timeout");
    TEST_CHECK_EQUAL(l4_destroy(POOL), -BURSAR_E_BUSY, "destroy the pool");
    /* The capability is checked first, as everywhere. */
    TEST_CHECK_EQUAL(l4_create(POOL, BURSAR_OBJECT_ENDPOINT, ENDPOINT, 0), 0, "an endpoint");
    TEST_CHECK_EQUAL(l4_heap_reclaim(ENDPOINT, 1, 0), -BURSAR_E_WRONG_TYPE, "reclaim through an endpoint");
    TEST_CHECK_EQUAL(l4_heap_donate(BURSAR_ROOT_SLOTS, BURSAR_SLOT_MEMORY, frame, 1), -BURSAR_E_INVALID_CAPABILITY,
                     "donate through no capability");
    TEST_CHECK(pool_info().high_water == 0 && pool_info().pages_held == before.pages_held, "pool unchanged");
}

USER_TEST(1303, reserve_and_info_act_on_the_pool)
{
    struct bursar_heap_info before = pool_info();

    TEST_CHECK_EQUAL(l4_heap_reserve(POOL, BURSAR_HEAP_RECORD, 4096), 0, "4096 records are free in the pool");
    TEST_CHECK_EQUAL(l4_heap_reserve(BURSAR_NO_CAPABILITY, BURSAR_HEAP_THREAD, 10), 0, "the own task's payer");
    TEST_CHECK_EQUAL(l4_heap_reserve(POOL, BURSAR_HEAP_KIND_COUNT, 1), -BURSAR_E_INVALID_ARGUMENT, "unknown kind");
    TEST_CHECK_EQUAL(l4_heap_reserve(POOL, BURSAR_HEAP_RECORD, 0), -BURSAR_E_INVALID_ARGUMENT, "none");
    TEST_CHECK_EQUAL(l4_heap_reserve_tables(POOL, 4), 0, "4 page tables and 4 shadows, together");
    TEST_CHECK_EQUAL(l4_heap_reserve_tables(POOL, 0), -BURSAR_E_INVALID_ARGUMENT, "several kinds, none asked for");
    TEST_CHECK_EQUAL(pool_info().faults, before.faults, "no fault");
}

/* The server task answers each call with the first word plus one. */
static void server(void *unused)
{
    uint32_t badge, tag = 0, mr0 = 0, mr1 = 0;

    (void)unused;
    l4_receive(L4_SERVER_ENDPOINT, L4_SERVER_REPLY, &badge, &tag, &mr0, &mr1, BURSAR_TIMEOUT_NEVER);
    for (;;) {
        mr0 += 1;
        l4_reply_wait(L4_SERVER_ENDPOINT, L4_SERVER_REPLY, &badge, &tag, &mr0, &mr1, BURSAR_TIMEOUT_NEVER);
    }
}

/*
 * As l4_server_start_in_new_task, except that the root keeps its reply
 * capability (a COPY, not a GRANT): otherwise nobody could destroy the reply
 * object once the task is gone, and a pool that is never reclaimed would
 * keep it for good.
 */
static int start_server(void)
{
    struct l4_task_spec task = { .heap = POOL, .slot = SERVER_TASK, .capability_slots = 8, .shared = &shared,
                                 .shared_size = sizeof shared };
    struct l4_thread_spec thread = {
        .heap = POOL, .task = SERVER_TASK, .slot = SERVER_THREAD, .stack = shared.server_stack,
        .stack_size = sizeof shared.server_stack, .utcb = (uintptr_t)&shared.server_utcb,
        .priority = BURSAR_ROOT_PRIORITY, .entry = server,
    };
    int error = l4_create(POOL, BURSAR_OBJECT_ENDPOINT, ENDPOINT, 0);

    if (!error)
        error = l4_create(POOL, BURSAR_OBJECT_REPLY, REPLY, 0);
    if (!error)
        error = l4_task_create_sharing_program(&task);
    if (!error)
        error = l4_cap_transfer(ENDPOINT, SERVER_TASK, L4_SERVER_ENDPOINT, BURSAR_RIGHT_READ, BURSAR_COPY, 0);
    if (!error)
        error = l4_cap_transfer(REPLY, SERVER_TASK, L4_SERVER_REPLY, BURSAR_RIGHTS_ALL, BURSAR_COPY, 0);
    if (!error)
        error = l4_thread_spawn(&thread);
    return error;
}

USER_TEST(1304, ipc_between_tasks_and_revoke)
{
    uint32_t tag = BURSAR_TAG(1, 2, 0), mr0 = 41, mr1 = 0;
    struct l4_cap_info copy;
    unsigned records;

    TEST_CHECK_EQUAL(start_server(), 0, "server in a new task");
    TEST_CHECK_EQUAL(l4_call(ENDPOINT, &tag, &mr0, &mr1, BURSAR_TIMEOUT_NEVER, BURSAR_TIMEOUT_NEVER), 0, "call");
    TEST_CHECK_EQUAL(mr0, 42, "the answer");
    TEST_CHECK_EQUAL(l4_cap_copy(ENDPOINT, OTHER, BURSAR_RIGHTS_ALL, 0), 0, "a copy to revoke from");
    records = pool_info().live_by_type[BURSAR_HEAP_RECORD];
    TEST_CHECK_EQUAL(l4_cap_transfer(OTHER, SERVER_TASK, 5, BURSAR_RIGHTS_ALL, BURSAR_REVOCABLE_COPY, 0), 0,
                     "a revocable copy into the server's task");
    TEST_CHECK_EQUAL(pool_info().live_by_type[BURSAR_HEAP_RECORD], records + 1, "its record from the pool");
    TEST_CHECK_EQUAL(l4_cap_revoke(OTHER), 0, "revoke");
    TEST_CHECK_EQUAL(pool_info().live_by_type[BURSAR_HEAP_RECORD], records, "its record back");
    TEST_CHECK(l4_cap_inspect(OTHER, &copy) == 0 && copy.type == BURSAR_OBJECT_ENDPOINT, "the source stays");
}

USER_TEST(1305, page_tables_come_from_the_pool)
{
    unsigned tables;

    TEST_CHECK_EQUAL(l4_frame_map(BURSAR_SLOT_MEMORY, boot->free_ranges[boot->range_count - 1].first_frame,
                                  SOURCE_PAGE, BURSAR_RIGHT_READ), 0, "a page");
    tables = pool_info().live_by_type[BURSAR_HEAP_PAGE_TABLE];
    TEST_CHECK_EQUAL(l4_map(BURSAR_SLOT_TASK, SOURCE_PAGE, EMPTY_REGION, BURSAR_RIGHT_READ, 1), 0,
                     "map it into an empty region");
    TEST_CHECK_EQUAL(pool_info().live_by_type[BURSAR_HEAP_PAGE_TABLE], tables + 1, "a page table from the pool");
    TEST_CHECK_EQUAL(l4_unmap(EMPTY_REGION, 1), 0, "unmap");
    TEST_CHECK_EQUAL(pool_info().live_by_type[BURSAR_HEAP_PAGE_TABLE], tables, "back to the pool");
    TEST_CHECK_EQUAL(l4_unmap(SOURCE_PAGE, 1), 0, "unmap the source");
}

/* Creates of one kind into the fill slots from `*slot` on, until the pool says no. */
static int fill(enum bursar_object_type type, uint32_t argument, unsigned *slot)
{
    int error = 0;

    while (error == 0 && *slot < FILL_SLOTS) {
        error = l4_create(POOL, type, FIRST_FILL + *slot, argument);
        if (error == 0)
            (*slot)++;
    }
    return error;
}

USER_TEST(1306, an_empty_pool_is_out_of_memory_at_once)
{
    unsigned slots = MAX_SLOTS_TASK, made = 0;
    struct bursar_heap_info info;
    int error;

    while (slots > 1 && l4_create(POOL, BURSAR_OBJECT_TASK, OTHER, slots) == -BURSAR_E_INVALID_ARGUMENT)
        slots /= 2;                 /* the largest capability space the kernel takes */
    l4_destroy(OTHER);
    l4_cap_delete(OTHER);
    error = fill(BURSAR_OBJECT_TASK, slots, &made);
    TEST_CHECK_EQUAL(error, -BURSAR_E_OUT_OF_MEMORY, "tasks until the pool is nearly empty");
    error = fill(BURSAR_OBJECT_THREAD, BURSAR_SLOT_TASK, &made);
    TEST_CHECK_EQUAL(error, -BURSAR_E_OUT_OF_MEMORY, "then threads, a page each");
    error = fill(BURSAR_OBJECT_ENDPOINT, 0, &made);
    TEST_CHECK_EQUAL(error, -BURSAR_E_OUT_OF_MEMORY, "then endpoints");
    info = pool_info();
    TEST_CHECK_EQUAL(info.pages_free, 0, "no page left");
    TEST_CHECK_EQUAL(l4_debug_dump(BURSAR_SLOT_DEBUG, BURSAR_DUMP_CHECK, 0), 0, "the kernel's own check, pool empty");
    printf("pool emptied by %u objects (tasks of %u slots, then threads, then endpoints)\n", made, slots);
    for (unsigned i = 0; i < made; i++) {
        l4_destroy(FIRST_FILL + i);
        l4_cap_delete(FIRST_FILL + i);
    }
}

int main(const struct bursar_boot_info *boot_info)
{
    boot = boot_info;
    pool_baseline = pool_info();
    user_test_after = after_test;
    return user_tests_run_all() ? 0 : 1;
}
