/*
 * main.c — the wrapper server's end-to-end tests as a root task: start the
 * space bank (bank.elf) with all of the boot memory and the wrapper server
 * (wrapper.elf) on the root bank, then run every USER_TEST here, each
 * followed by the checks of wrapper_tests.h.
 */
#include "wrapper_tests.h"

#include "libl4/boot_modules.h"
#include "libl4/printf.h"
#include "libl4/string.h"
#include "libl4/task_sharing_program.h"
#include "libl4/thread_spawn.h"

#define PAGE_SIZE 4096u
#define BANK_MODULE 0x20000000u
#define WRAPPER_MODULE 0x21000000u
#define BANK_WINDOW 0x28000000u
#define WRAPPER_WINDOW 0x2a000000u
#define BANK_SLOTS 16u               /* 16..19: the bank server's task, thread, heap and endpoint */
#define WRAPPER_SLOTS 20u            /* 20..23: the wrapper server's task, thread, heap, service endpoint */
#define BANK_PRIORITY 150u
#define WINDOW_SPACING 0x10000u      /* wt_pages hands out 64 KiB-aligned ranges */
#define ACTORS ROOT_HELPER_STACKS    /* a test's actors at once: each has a stack of its own */

_Static_assert(WRAPPER_SLOTS + 3 == WT_SERVICE, "the service endpoint is the last of the server's slots");

static unsigned next_slot, next_actor, next_badge = 100;
static uintptr_t next_page;
static unsigned test_banks[32], test_bank_count;
static struct l4_bank_stats root_baseline;
static struct made { unsigned service; uint32_t handle; } made[64];     /* every wrapper wt_wrap made in a test */
static unsigned made_count;
static struct bursar_system_info system_baseline;

/* ---- helpers ---------------------------------------------------------------------------- */

unsigned wt_slot(void)
{
    return WT_FIRST_SLOT + next_slot++;
}

unsigned wt_slots(unsigned count)
{
    unsigned first = WT_FIRST_SLOT + next_slot;

    next_slot += count;
    return first;
}

uintptr_t wt_pages(unsigned count)
{
    uintptr_t address = WT_PAGES + next_page;

    next_page += (count * PAGE_SIZE + WINDOW_SPACING - 1) / WINDOW_SPACING * WINDOW_SPACING;
    return address;
}

int wt_spawn(void (*entry)(void *), void *argument, unsigned priority, unsigned *slot)
{
    unsigned thread = wt_slot();

    if (next_actor == ACTORS)
        return -BURSAR_E_INVALID_ARGUMENT;      /* a test with more actors than stacks */
    next_actor++;
    if (slot)
        *slot = thread;
    return root_spawn(WT_ACTOR_HEAP, thread, entry, argument, priority);
}

int wt_call(unsigned endpoint, struct l4_msg *msg)
{
    return l4_msg_call(endpoint, msg, BURSAR_TIMEOUT_NEVER, BURSAR_TIMEOUT_MS(3000));
}

uint32_t wt_live_wrappers(void)
{
    uint32_t live = 0xffffffffu;

    wrapper_info(WT_SERVICE, &live, NULL, NULL, NULL);
    return live;
}

int wt_client(struct wt_client *client, uint32_t limit)
{
    int error;

    client->badge = next_badge++;
    client->service = wt_slot();
    client->bank = wt_slot();
    error = l4_cap_copy(WT_SERVICE, client->service, BURSAR_RIGHT_WRITE | BURSAR_RIGHT_GRANT, client->badge);
    if (!error)
        error = bank_create_child(WT_ROOT_BANK, limit, 8, client->bank);
    if (!error && test_bank_count < sizeof test_banks / sizeof test_banks[0])
        test_banks[test_bank_count++] = client->bank;
    return error;
}

int wt_wrap(const struct wt_client *client, unsigned target, unsigned *wrapper, uint32_t *handle)
{
    int error;

    *wrapper = wt_slot();
    error = wrapper_create(client->service, client->bank, target, *wrapper, handle);
    if (error == 0 && made_count < sizeof made / sizeof made[0])
        made[made_count++] = (struct made){ client->service, *handle };
    return error;
}

static void job_thread(void *argument)
{
    struct wt_job *job = argument;

    job->started = true;
    job->result = job->run(job);
    job->done = true;
}

int wt_job_start(struct wt_job *job)
{
    job->started = job->done = false;
    job->result = 1;
    return wt_spawn(job_thread, job, WT_PRIORITY, NULL);
}

bool wt_job_wait(struct wt_job *job, unsigned ms)
{
    for (unsigned waited = 0; !job->done && waited < ms; waited += 10)
        root_sleep_ms(10);
    return job->done;
}

/*
 * Another party: a thread in a task of its own (sharing this program's text
 * and `remote`), which holds a COPY of `capability` in its slot 4 and calls
 * it once.
 */
static struct remote_area {
    struct bursar_utcb utcb;
    volatile int result;
    volatile bool done;
    char stack[2048] __attribute__((aligned(16)));
} remote __attribute__((aligned(PAGE_SIZE)));

enum { REMOTE_CAPABILITY = 4 };

static void remote_call(void *unused)
{
    uint32_t tag = BURSAR_TAG(TARGET_LABEL, 1, 0), mr0 = 1, mr1 = 0;
    int error = l4_call(REMOTE_CAPABILITY, &tag, &mr0, &mr1, BURSAR_TIMEOUT_NEVER, BURSAR_TIMEOUT_MS(2000));

    (void)unused;
    remote.result = error ? error : l4_reply_check(tag, BURSAR_TAG(TARGET_LABEL, 1, 0));
    remote.done = true;
}

int wt_remote_call(unsigned capability)
{
    unsigned task = wt_slot();
    struct l4_task_spec spec = { .heap = WT_ACTOR_HEAP, .slot = task, .capability_slots = 8,
                                 .shared = &remote, .shared_size = sizeof remote };
    struct l4_thread_spec thread = {
        .heap = WT_ACTOR_HEAP, .task = task, .slot = wt_slot(), .stack = remote.stack,
        .stack_size = sizeof remote.stack, .utcb = (uintptr_t)&remote.utcb, .priority = WT_PRIORITY,
        .entry = remote_call,
    };
    int error = l4_task_create_sharing_program(&spec);

    remote.done = false;
    if (!error)
        error = l4_cap_transfer(capability, task, REMOTE_CAPABILITY, BURSAR_RIGHT_WRITE, BURSAR_COPY, 0);
    if (!error)
        error = l4_thread_spawn(&thread);
    for (unsigned waited = 0; !error && !remote.done && waited < 3000; waited += 10)
        root_sleep_ms(10);
    if (!error)
        error = remote.done ? remote.result : -BURSAR_E_TIMEOUT;
    l4_destroy(task);
    return error;
}

/* ---- after every test ---------------------------------------------------------------------- */

/*
 * First the checks that the test cleaned up after itself: no wrapper left
 * in the server. Then the test's threads (so nothing runs into the
 * teardown), the banks it made (every wrapper they paid for dies with
 * them), its slots and pages. Then everything must be where it was before
 * the first test: the root bank's charge, the kernel's frames, objects and
 * its own check.
 */
static void after_test(struct test_result *result)
{
    struct bursar_system_info info;
    struct l4_bank_stats root;
    uint32_t live = wt_live_wrappers();

    /* What a failed test left, so that the next one starts clean (destroyed ones answer NO_SUCH_WRAPPER). */
    for (unsigned i = 0; i < made_count; i++)
        wrapper_destroy(made[i].service, made[i].handle);
    made_count = 0;
    root_destroy_threads(WT_FIRST_SLOT, WT_SLOTS);
    for (unsigned i = 0; i < test_bank_count; i++)
        bank_destroy(test_banks[i]);
    test_bank_count = 0;
    root_empty_slots(WT_FIRST_SLOT, WT_SLOTS);
    l4_unmap(WT_PAGES, WT_PAGES_SIZE / PAGE_SIZE);
    l4_set_receive_windows(BURSAR_NO_CAPABILITY, 0, 0, 0);
    next_slot = next_actor = 0;
    next_page = 0;
    root_helpers_reset();

    TEST_CHECK_EQUAL(live, 0u, "after the test: wrappers it left in the server");
    TEST_CHECK_EQUAL(l4_bank_stats(WT_ROOT_BANK, &root), 0, "after the test: the root bank's figures");
    TEST_CHECK(root.charged == root_baseline.charged && root.sold == root_baseline.sold &&
               root.heap_pages == root_baseline.heap_pages && root.children == 0 &&
               root.heaps == root_baseline.heaps,
               "after the test: the root bank holds charged %u sold %u heap %u children %u heaps %u, "
               "expected %u %u %u 0 %u", root.charged, root.sold, root.heap_pages, root.children, root.heaps,
               root_baseline.charged, root_baseline.sold, root_baseline.heap_pages, root_baseline.heaps);
    root_check_kernel(result, &system_baseline, &info);
}

/* ---- start ---------------------------------------------------------------------------------- */

int main(const struct bursar_boot_info *boot)
{
    int module = l4_boot_module_find(boot, "wrapper.elf");
    uint32_t handle, capacity = 0, quota = 0;
    int error = module < 0 ? -BURSAR_E_INVALID_ARGUMENT : 0;

    if (!error)
        error = l4_create(BURSAR_SLOT_HEAP, BURSAR_OBJECT_ENDPOINT, ROOT_SLEEP, 0);
    /* The server's image first: the bank leaves alone what is mapped when it starts. */
    if (!error)
        error = l4_boot_module_map(boot, (unsigned)module, BURSAR_SLOT_MEMORY, WRAPPER_MODULE);
    if (!error)
        error = l4_bank_start_from_boot(boot, "bank.elf", BANK_MODULE, BANK_WINDOW, BANK_SLOTS, BANK_PRIORITY,
                                        WT_ROOT_BANK);
    if (!error)
        error = bank_heap_create(WT_ROOT_BANK, 16, 0, 4, BURSAR_TIMEOUT_NEVER, WT_ACTOR_HEAP, &handle);
    if (!error)
        error = l4_wrapper_start_on_bank(WT_ROOT_BANK, (const void *)WRAPPER_MODULE, boot->modules[module].size,
                                         WRAPPER_WINDOW, WRAPPER_SLOTS, WT_PRIORITY, 6);
    if (!error)
        error = wrapper_info(WT_SERVICE, NULL, &capacity, NULL, &quota);
    if (!error)
        error = l4_bank_stats(WT_ROOT_BANK, &root_baseline);
    if (error) {
        printf("wrapper tests: cannot start the bank and the wrapper server: %s\n", wrapper_error_name(error));
        return 1;
    }
    l4_system_info(&system_baseline);
    printf("wrapper tests: the server holds %u wrappers, %u for each client\n", capacity, quota);
    user_test_after = after_test;
    return user_tests_run_all() ? 0 : 1;
}
