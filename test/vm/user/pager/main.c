/*
 * main.c — the default pager's end-to-end tests as a root task: start the
 * bank server with all of the boot memory, then the pager with a bank of
 * its own, then run every USER_TEST here, each followed by a check that
 * everything the test bought came back to the page (pager_tests.h).
 */
#include "pager_tests.h"

#include "libl4/boot_modules.h"
#include "libl4/frames.h"
#include "libl4/loader.h"
#include "libl4/printf.h"

#define PAGE_SIZE 4096u
#define BANK_MODULE_AREA 0x20000000u
#define PAGER_MODULE_AREA 0x22000000u
#define BANK_WINDOW 0x28000000u
#define PAGER_WINDOW 0x2a000000u
#define BANK_SLOTS 16u               /* 16..19: the bank server's task, thread, heap and endpoint */
#define PAGER_SLOTS 20u              /* 20..23: the pager's */
#define PAGER_BANK_LIMIT 512u

uint32_t pt_tsc_khz;

static unsigned next_slot;
static unsigned test_banks[32], test_bank_count;
static unsigned test_clients[32], test_client_count;
static struct l4_bank_stats root_baseline, pager_bank_baseline;
static struct bursar_system_info system_baseline;

/* ---- helpers ---------------------------------------------------------------------- */

unsigned pt_slot(void)
{
    return PT_FIRST_SLOT + next_slot++;
}

int pt_spawn(void (*entry)(void *), void *argument, unsigned priority, unsigned *slot)
{
    *slot = pt_slot();
    return root_spawn(BURSAR_SLOT_HEAP, *slot, entry, argument, priority);
}

int pt_bank(uint32_t limit, unsigned *slot)
{
    int error;

    *slot = pt_slot();
    error = bank_create_child(PT_ROOT, limit, 16, *slot);
    if (error == 0 && test_bank_count < sizeof test_banks / sizeof test_banks[0])
        test_banks[test_bank_count++] = *slot;
    return error;
}

int pt_client(uint32_t limit, uint32_t heap_pages, struct pt_client *client)
{
    uint32_t handle;
    int error = pt_bank(limit, &client->bank);

    client->heap = pt_slot();
    client->task = pt_slot();
    client->pager = pt_slot();
    if (!error)
        error = bank_heap_create(client->bank, heap_pages, 1, 2, BURSAR_TIMEOUT_NEVER, client->heap, &handle);
    if (!error)
        error = client_task_create(client->heap, client->task, CLIENT_SLOTS);
    if (!error)
        error = pager_open(PT_PAGER, client->bank, client->pager);
    if (!error && test_client_count < sizeof test_clients / sizeof test_clients[0])
        test_clients[test_client_count++] = client->pager;
    if (!error)
        error = l4_cap_transfer(client->pager, client->task, CLIENT_PAGER, BURSAR_RIGHT_WRITE, BURSAR_COPY, 0);
    return error;
}

int pt_client_run(struct pt_client *client, unsigned index, unsigned handler)
{
    unsigned thread = pt_slot();
    int error;

    client->threads[index] = thread;
    /* Below the root's priority it has not run yet when the spawn returns: pager and handler come first. */
    error = client_job_start(client->heap, client->task, thread, index, PT_CLIENT_PRIORITY);
    if (!error)
        error = l4_thread_configure(thread, BURSAR_THREAD_PAGER, client->pager);
    if (!error && handler != BURSAR_NO_CAPABILITY)
        error = l4_thread_configure(thread, BURSAR_THREAD_EXCEPTION_HANDLER, handler);
    return error;
}

int pt_pager_stats(const struct pt_client *client, struct pt_pager_stats *s)
{
    return pager_stats(client->pager, &s->regions, &s->attached, &s->filled, &s->faults, &s->raised);
}

int pt_handler_create(struct pt_handler *handler)
{
    int error;

    handler->endpoint = pt_slot();
    handler->reply = pt_slot();
    error = l4_create(BURSAR_SLOT_HEAP, BURSAR_OBJECT_ENDPOINT, handler->endpoint, 0);
    return error ? error : l4_create(BURSAR_SLOT_HEAP, BURSAR_OBJECT_REPLY, handler->reply, 0);
}

int pt_receive(const struct pt_handler *handler, struct pt_exception *exception, unsigned ms)
{
    uint32_t tag = 0;
    int error = l4_receive(handler->endpoint, handler->reply, &exception->badge, &tag, &exception->word[0],
                           &exception->word[1], BURSAR_TIMEOUT_MS(ms));

    exception->label = BURSAR_TAG_LABEL(tag);
    exception->words = BURSAR_TAG_UNTYPED(tag);
    for (unsigned i = 2; i < exception->words && i < BURSAR_RAISED_FAULT_WORDS; i++)
        exception->word[i] = l4_mr_get(i);
    return error;
}

/* ---- jobs that run in a client task ---- */

int pt_fill(struct client_job *job)
{
    for (uint32_t p = 0; p < job->arguments[1]; p++) {
        volatile uint32_t *page = (volatile uint32_t *)(job->arguments[0] + p * PAGE_SIZE);
        for (unsigned w = 0; w < PAGE_SIZE / 4; w++)
            if (page[w] != 0) {
                job->found = (uint32_t)(uintptr_t)&page[w];
                return -BURSAR_E_CHECK_FAILED;
            }
        for (unsigned w = 0; w < PAGE_SIZE / 4; w++)
            page[w] = (uint32_t)(uintptr_t)&page[w];
        job->progress = p + 1;
    }
    return 0;
}

int pt_verify(struct client_job *job)
{
    for (uint32_t p = 0; p < job->arguments[1]; p++) {
        volatile uint32_t *page = (volatile uint32_t *)(job->arguments[0] + p * PAGE_SIZE);
        for (unsigned w = 0; w < PAGE_SIZE / 4; w++)
            if (page[w] != (uint32_t)(uintptr_t)&page[w]) {
                job->found = (uint32_t)(uintptr_t)&page[w];
                return -BURSAR_E_CHECK_FAILED;
            }
        job->progress = p + 1;
    }
    return 0;
}

int pt_read_one(struct client_job *job)
{
    uint32_t sum = 0;

    for (uint32_t p = 0; p < job->arguments[1]; p++) {
        sum += *(volatile uint32_t *)(job->arguments[0] + p * PAGE_SIZE);
        job->progress = p + 1;
    }
    job->found = sum;
    return 0;
}

/* ---- after every test ---------------------------------------------------------------- */

/*
 * The test's threads first, then its clients at the pager (closed: the
 * pager forgets them and destroys their regions' banks), then the banks it
 * made (their heaps, tasks and threads go with them), then every per-test
 * slot. Then every frame must be back: the root bank holds what it held
 * before the first test, but for what the pager's own bank has bought
 * since (its heap pays a record per page it maps and the page tables of
 * its window, and keeps them), and so do the kernel's books.
 */
static void after_test(struct test_result *result)
{
    struct bursar_system_info info;
    struct l4_bank_stats root, pager_bank;
    uint32_t pages;

    root_destroy_threads(PT_FIRST_SLOT, PT_SLOTS);
    for (unsigned i = 0; i < test_client_count; i++)
        pager_close(test_clients[i], &pages);
    for (unsigned i = 0; i < test_bank_count; i++)
        bank_destroy(test_banks[i]);
    root_empty_slots(PT_FIRST_SLOT, PT_SLOTS);
    test_bank_count = test_client_count = 0;
    next_slot = 0;
    root_helpers_reset();
    client_jobs_reset();

    TEST_CHECK_EQUAL(l4_bank_stats(PT_ROOT, &root), 0, "after the test: the root bank's figures");
    TEST_CHECK_EQUAL(l4_bank_stats(PT_PAGER_BANK, &pager_bank), 0, "after the test: the pager's bank");
    TEST_CHECK(root.children == 1 && root.heaps == 0, "after the test: the root has %u children, %u heaps",
               root.children, root.heaps);
    TEST_CHECK_EQUAL(pager_bank.sold, pager_bank_baseline.sold, "after the test: frames the pager's bank sold");
    TEST_CHECK_EQUAL(root.charged - pager_bank.charged, root_baseline.charged - pager_bank_baseline.charged,
                     "after the test: the root's charge beside the pager's");
    TEST_CHECK_EQUAL(root.available + (pager_bank.charged - pager_bank_baseline.charged), root_baseline.available,
                     "after the test: every frame free again but what the pager's heap grew by");
    root_check_kernel(result, &system_baseline, &info);
}

/* ---- start ----------------------------------------------------------------------------- */

static int map_module(const struct bursar_boot_info *boot, const char *name, uintptr_t at, const void **image,
                      size_t *size)
{
    int index = l4_boot_module_find(boot, name);

    if (index < 0) {
        printf("pager tests: no boot module %s (tools/run_all.py passes it)\n", name);
        return -BURSAR_E_INVALID_ARGUMENT;
    }
    *image = (const void *)at;
    *size = boot->modules[index].size;
    return l4_boot_module_map(boot, (unsigned)index, BURSAR_SLOT_MEMORY, at);
}

int main(const struct bursar_boot_info *boot)
{
    const void *pager_image = 0;
    size_t pager_size = 0;
    int error = l4_create(BURSAR_SLOT_HEAP, BURSAR_OBJECT_ENDPOINT, ROOT_SLEEP, 0);

    /* Both modules are mapped while the root still holds the boot memory: the bank takes it. */
    if (!error)
        error = map_module(boot, "pager.elf", PAGER_MODULE_AREA, &pager_image, &pager_size);
    if (!error)
        error = l4_bank_start_from_boot(boot, "bank.elf", BANK_MODULE_AREA, BANK_WINDOW, BANK_SLOTS, PT_BANK_PRIORITY,
                                        PT_ROOT);
    if (!error)
        error = l4_pager_start_under(PT_ROOT, PAGER_BANK_LIMIT, PT_PAGER_BANK, pager_image, pager_size, PAGER_WINDOW,
                                     PAGER_SLOTS, PT_PAGER_PRIORITY, PT_PAGER);
    if (!error)
        error = l4_bank_stats(PT_ROOT, &root_baseline);
    if (!error)
        error = l4_bank_stats(PT_PAGER_BANK, &pager_bank_baseline);
    if (error) {
        printf("pager tests: cannot start the bank and the pager: %s\n", pager_error_name(error));
        return 1;
    }
    pt_tsc_khz = boot->tsc_khz;
    l4_system_info(&system_baseline);
    printf("pager tests: the bank sells %u frames; the pager runs with a bank of %u\n", root_baseline.available,
           PAGER_BANK_LIMIT);
    user_test_after = after_test;
    return user_tests_run_all() ? 0 : 1;
}
