/*
 * world.c — the demo's world: the real bank server (given all of the boot
 * memory), the real pager (with a bank of its own), and clients.
 *
 * A client is a task of its own running code of this program (libl4/task_sharing_program.h:
 * this program's text, read-only, and the `shared` area), so its threads
 * can run the functions of jobs.c and the root can read what they did. What
 * makes it a client is who pays: a bank of its own under the root bank, a
 * heap that bank funds (its task, threads, endpoints) and a pager client
 * opened with that bank (its anonymous memory). Its threads' pager is its
 * pager capability, and the exception handler, where a job wants one, is a
 * thread of its own task (job_catch).
 */
#include "demo/demo.h"

#include "libl4/boot_modules.h"
#include "libl4/l4.h"
#include "libl4/printf.h"
#include "libl4/task_sharing_program.h"
#include "libl4/thread_spawn.h"

#define BANK_MODULE_AREA 0x20000000u
#define PAGER_MODULE_AREA 0x22000000u
#define BANK_WINDOW 0x28000000u
#define PAGER_WINDOW 0x2a000000u
#define BANK_PRIORITY 150u
#define PAGER_PRIORITY 140u
#define CLIENT_PRIORITY 120u
#define PAGER_BANK_LIMIT 256u
#define THREAD_SLOTS (FIRST_CLIENT_SLOT + 4 * CLIENT_ROOT_SLOTS)   /* a slot per job's thread */
#define SCRATCH_SLOT (THREAD_SLOTS + JOBS)

struct shared shared __attribute__((aligned(4096)));

void sleep_ms(unsigned ms)
{
    l4_receive(SLEEP, BURSAR_NO_CAPABILITY, 0, 0, 0, 0, BURSAR_TIMEOUT_MS(ms));
}

/* The bank server, given the boot memory (the pager's image is mapped first, while the root still can). */
int world_start_bank(const struct bursar_boot_info *boot)
{
    int index = l4_boot_module_find(boot, "pager.elf");
    int error = index < 0 ? -BURSAR_E_INVALID_ARGUMENT
                          : l4_boot_module_map(boot, (unsigned)index, BURSAR_SLOT_MEMORY, PAGER_MODULE_AREA);

    if (!error)
        error = l4_create(BURSAR_SLOT_HEAP, BURSAR_OBJECT_ENDPOINT, SLEEP, 0);
    if (!error)
        error = l4_bank_start_from_boot(boot, "bank.elf", BANK_MODULE_AREA, BANK_WINDOW, BANK_SERVER_SLOTS,
                                        BANK_PRIORITY, ROOT_BANK);
    return error;
}

/* The pager, with a bank of its own under the root bank. */
int world_start_pager(const struct bursar_boot_info *boot)
{
    int index = l4_boot_module_find(boot, "pager.elf");

    return l4_pager_start_under(ROOT_BANK, PAGER_BANK_LIMIT, PAGER_BANK, (const void *)PAGER_MODULE_AREA,
                                boot->modules[index].size, PAGER_WINDOW, PAGER_SERVER_SLOTS, PAGER_PRIORITY, PAGER);
}

/* Into the client's task: `from` (a root slot) at `to`, with `rights`, by `mode`. */
static int give(const struct client *client, unsigned from, unsigned to, unsigned rights, unsigned mode)
{
    return l4_cap_transfer(from, client->task, to, rights, mode, 0);
}

/* An endpoint and a reply object paid by the client's heap, given to it for receiving at `in`, `in + 1`. */
static int receiving_pair(const struct client *client, unsigned endpoint, unsigned in)
{
    int error = l4_create(client->heap, BURSAR_OBJECT_ENDPOINT, endpoint, 0);

    if (!error)
        error = l4_create(client->heap, BURSAR_OBJECT_REPLY, SCRATCH_SLOT, 0);
    if (!error)
        error = give(client, endpoint, in, BURSAR_RIGHT_READ | BURSAR_RIGHT_WRITE | BURSAR_RIGHT_GRANT, BURSAR_COPY);
    if (!error)
        error = give(client, SCRATCH_SLOT, in + 1, BURSAR_RIGHTS_ALL, BURSAR_GRANT);
    return error;
}

int client_make(struct client *client, const char *name, uint32_t limit, unsigned index)
{
    unsigned slot = FIRST_CLIENT_SLOT + index * CLIENT_ROOT_SLOTS;
    struct l4_task_spec spec = { .shared = &shared, .shared_size = sizeof shared, .capability_slots = CLIENT_SLOTS };
    int error;

    *client = (struct client){
        .name = name, .limit = limit, .bank = slot, .heap = slot + 1, .task = slot + 2, .pager = slot + 3,
        .endpoint = slot + 4, .handler = slot + 5,
    };
    spec.heap = client->heap;
    spec.slot = client->task;
    error = bank_create_child(ROOT_BANK, limit, 8, client->bank);
    /* A heap of 16 pages; its own faults (a thread it makes, say) ask its bank for 2 more. */
    if (!error)
        error = bank_heap_create(client->bank, 16, 0, 2, BURSAR_TIMEOUT_NEVER, client->heap, &client->heap_handle);
    if (!error)
        error = l4_task_create_sharing_program(&spec);
    if (!error)
        error = give(client, client->task, IN_TASK, BURSAR_RIGHTS_ALL, BURSAR_COPY);
    if (!error)
        error = give(client, client->heap, IN_HEAP, BURSAR_RIGHT_READ | BURSAR_RIGHT_CHARGE, BURSAR_COPY);
    if (!error)
        error = give(client, SLEEP, IN_SLEEP, BURSAR_RIGHT_READ, BURSAR_COPY);
    if (!error)
        error = receiving_pair(client, client->endpoint, IN_ENDPOINT);
    if (!error)
        error = receiving_pair(client, client->handler, IN_HANDLER);
    if (!error)
        error = pager_open(PAGER, client->bank, client->pager);
    if (!error)
        error = give(client, client->pager, IN_PAGER, BURSAR_RIGHT_WRITE, BURSAR_COPY);
    return error;
}

int client_connect(const struct client *to, const struct client *from, unsigned in)
{
    return give(to, from->endpoint, in, BURSAR_RIGHT_WRITE | BURSAR_RIGHT_GRANT, BURSAR_COPY);
}

/* Runs in the client's task: the job, then it waits for good. */
static void job_thread(void *argument)
{
    struct job *job = argument;

    job->result = job->run(job);
    job->done = true;
    for (;;)
        l4_receive(IN_SLEEP, BURSAR_NO_CAPABILITY, 0, 0, 0, 0, BURSAR_TIMEOUT_NEVER);
}

int client_run(struct client *client, unsigned job, bool with_handler)
{
    struct l4_thread_spec spec = {
        .heap = client->heap, .task = client->task, .slot = THREAD_SLOTS + job,
        .stack = shared.stacks[job], .stack_size = sizeof shared.stacks[job], .utcb = (uintptr_t)&shared.utcbs[job],
        .priority = CLIENT_PRIORITY, .entry = job_thread, .argument = &shared.jobs[job],
    };
    int error;

    shared.jobs[job].done = shared.jobs[job].caught = false;
    l4_destroy(spec.slot);          /* the thread of the job's last run, if any */
    l4_cap_delete(spec.slot);
    /* Below the root's priority it has not run when the spawn returns: pager and handler come first. */
    error = l4_thread_spawn(&spec);
    if (!error)
        error = l4_thread_configure(spec.slot, BURSAR_THREAD_PAGER, client->pager);
    /* The handler knows which job faulted by the badge: the job's number + 1. */
    if (!error && with_handler)
        error = l4_cap_copy(client->handler, SCRATCH_SLOT, BURSAR_RIGHT_WRITE, job + 1);
    if (!error && with_handler) {
        error = l4_thread_configure(spec.slot, BURSAR_THREAD_EXCEPTION_HANDLER, SCRATCH_SLOT);
        l4_cap_delete(SCRATCH_SLOT);
    }
    return error;
}

bool job_wait(unsigned job, unsigned ms)
{
    for (unsigned waited = 0; !shared.jobs[job].done && !shared.jobs[job].caught && waited < ms; waited += 10)
        sleep_ms(10);
    return shared.jobs[job].done || shared.jobs[job].caught;
}
