/*
 * clients.c — clients of the servers' end-to-end tests (helpers.h): tasks
 * sharing this program's text and client_shared, each thread running one
 * job there and then waiting for good.
 */
#include "helpers.h"

#include "libl4/string.h"
#include "libl4/task_sharing_program.h"
#include "libl4/thread_spawn.h"

struct client_shared_area client_shared __attribute__((aligned(4096)));

/* Runs in a client task: its job, then it waits for good (the test destroys it). */
static void client_thread(void *argument)
{
    struct client_job *job = argument;

    job->started = true;
    job->result = job->run(job);
    job->done = true;
    for (;;)
        l4_receive(CLIENT_SLEEP, BURSAR_NO_CAPABILITY, 0, 0, 0, 0, BURSAR_TIMEOUT_NEVER);
}

int client_task_create(unsigned heap, unsigned task, unsigned capability_slots)
{
    struct l4_task_spec spec = { .heap = heap, .slot = task, .shared = &client_shared,
                                 .shared_size = sizeof client_shared, .capability_slots = capability_slots };
    int error = l4_task_create_sharing_program(&spec);

    if (!error)
        error = l4_cap_transfer(task, task, CLIENT_TASK, BURSAR_RIGHTS_ALL, BURSAR_COPY, 0);
    if (!error)
        error = l4_cap_transfer(heap, task, CLIENT_HEAP, BURSAR_RIGHT_READ | BURSAR_RIGHT_WRITE, BURSAR_COPY, 0);
    if (!error)
        error = l4_cap_transfer(ROOT_SLEEP, task, CLIENT_SLEEP, BURSAR_RIGHT_READ, BURSAR_COPY, 0);
    return error;
}

int client_job_start(unsigned heap, unsigned task, unsigned slot, unsigned index, unsigned priority)
{
    struct client_job *job = &client_shared.jobs[index];
    struct l4_thread_spec spec = {
        .heap = heap, .task = task, .slot = slot, .stack = client_shared.stacks[index],
        .stack_size = sizeof client_shared.stacks[index], .utcb = (uintptr_t)&client_shared.utcbs[index],
        .priority = priority, .entry = client_thread, .argument = job,
    };

    job->started = job->done = false;
    job->progress = job->found = 0;
    job->result = 0;
    return l4_thread_spawn(&spec);
}

bool client_job_wait(unsigned index, unsigned ms)
{
    for (unsigned waited = 0; !client_shared.jobs[index].done && waited < ms; waited += 10)
        root_sleep_ms(10);
    return client_shared.jobs[index].done;
}

void client_jobs_reset(void)
{
    memset(&client_shared.jobs, 0, sizeof client_shared.jobs);
}
