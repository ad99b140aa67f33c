/*
 * jobs.c — what runs inside the demo's clients. Each job is a function of
 * this program run by a thread of a client's own task (world.c), where
 * only its stack, its UTCB, `shared` and the memory the pager maps exist:
 * no globals here, no printf. The root reads `shared` and tells the story.
 */
#include "demo/demo.h"

#include "libl4/l4.h"
#include "libl4/message.h"
#include "libl4/utcb.h"

#define PAGE_SIZE 4096u
#define CALL_TIMEOUT BURSAR_TIMEOUT_MS(2000)

/* Where a thread its exception handler stopped goes on: it waits for good. */
static void park(void)
{
    for (;;)
        l4_receive(IN_SLEEP, BURSAR_NO_CAPABILITY, 0, 0, 0, 0, BURSAR_TIMEOUT_NEVER);
}

int job_fill_memory(struct job *job)
{
    int error = l4_pager_attach(IN_PAGER, MEMORY_BASE, job->arguments[0], BURSAR_RIGHT_READ | BURSAR_RIGHT_WRITE);

    if (error)
        return error;
    for (uint32_t page = 0; page < job->arguments[1]; page++) {
        volatile uint32_t *words = (volatile uint32_t *)(MEMORY_BASE + page * PAGE_SIZE);
        if (words[0] != 0 || words[PAGE_SIZE / 4 - 1] != 0)
            return -BURSAR_E_CHECK_FAILED;          /* a fresh page that is not zero */
        words[0] = page;
        words[PAGE_SIZE / 4 - 1] = ~page;
        job->progress = page + 1;
    }
    return 0;
}

/*
 * The exception handler: a fault its pager raised arrives here with the
 * address and the reason (bursar/fault.h); the job is told, and its thread
 * resumes in park() instead of at the access. The badge says which job.
 */
int job_catch(struct job *self)
{
    struct l4_msg m;
    int error = l4_msg_receive(IN_HANDLER, IN_HANDLER + 1, &m, BURSAR_TIMEOUT_NEVER);

    (void)self;
    while (!error) {
        struct job *job = m.badge >= 1 && m.badge <= JOBS ? &shared.jobs[m.badge - 1] : 0;
        if (!job || l4_msg_label(&m) != BURSAR_LABEL_EXCEPTION || l4_msg_words(&m) != BURSAR_RAISED_FAULT_WORDS) {
            l4_msg_start(&m, BURSAR_LABEL_KILL);     /* not a raised page fault: not ours to handle */
        } else {
            job->fault_address = m.mr[BURSAR_RAISED_FAULT_ADDRESS];
            job->fault_reason = m.mr[BURSAR_RAISED_FAULT_REASON];
            job->caught = true;
            m.tag = BURSAR_TAG(BURSAR_LABEL_RESUME, BURSAR_EXCEPTION_WORDS, 0);
            m.mr[2] = (uint32_t)(uintptr_t)park;      /* eip; the other registers as they were */
        }
        error = l4_msg_reply_wait(IN_HANDLER, IN_HANDLER + 1, &m, BURSAR_TIMEOUT_NEVER);
    }
    return error;
}

int job_serve(struct job *job)
{
    uint32_t badge, tag, word, unused;
    int error = l4_receive(IN_ENDPOINT, IN_REPLY, &badge, &tag, &word, &unused, BURSAR_TIMEOUT_NEVER);

    while (!error) {
        job->progress++;
        tag = BURSAR_TAG(1, 1, 0);
        word++;
        error = l4_reply_wait(IN_ENDPOINT, IN_REPLY, &badge, &tag, &word, &unused, BURSAR_TIMEOUT_NEVER);
    }
    return error;
}

int job_lend(struct job *job)
{
    struct l4_msg m;

    (void)job;
    l4_msg_start(&m, 1);
    l4_msg_append_capability(&m, IN_ENDPOINT, BURSAR_RIGHT_WRITE, BURSAR_REVOCABLE_COPY, 0);
    return l4_msg_send(IN_PEER, &m, CALL_TIMEOUT);
}

static int call_lent(struct job *job)
{
    uint32_t tag = BURSAR_TAG(1, 1, 0), word = job->arguments[0], unused = 0;
    int error = l4_call(IN_WINDOW, &tag, &word, &unused, CALL_TIMEOUT, CALL_TIMEOUT);

    job->answer = error ? 0 : word;
    return error;
}

int job_take_and_call(struct job *job)
{
    struct l4_msg m;
    int error;

    l4_set_receive_windows(IN_WINDOW, 1, 0, 0);
    error = l4_msg_receive(IN_ENDPOINT, IN_REPLY, &m, CALL_TIMEOUT);
    return error ? error : call_lent(job);
}

int job_call_again(struct job *job)
{
    return call_lent(job);
}

int job_revoke(struct job *job)
{
    (void)job;
    return l4_cap_revoke(IN_ENDPOINT);
}

int job_lend_heap(struct job *job)
{
    struct l4_msg m;
    int error;

    l4_msg_start(&m, 2);
    l4_msg_append_capability(&m, IN_LENT_HEAP, BURSAR_RIGHT_CHARGE, BURSAR_COPY, 0);
    error = l4_msg_call(IN_SERVER, &m, CALL_TIMEOUT, CALL_TIMEOUT);
    job->answer = error ? 0 : m.mr[0];
    return error;
}

/*
 * The server's side: take a heap (charge only), make arguments[0]
 * endpoints paid by it, destroy the first arguments[1] of them, and try
 * what a charge-only holder may not (progress: the error of a reclaim);
 * answer how many it made.
 */
int job_store(struct job *job)
{
    struct l4_msg m;
    struct bursar_reclaim_info info;
    uint32_t made = 0;
    int error;

    l4_set_receive_windows(IN_WINDOW, 1, 0, 0);
    error = l4_msg_receive(IN_ENDPOINT, IN_REPLY, &m, CALL_TIMEOUT);
    if (error)
        return error;
    while (made < job->arguments[0] && l4_create(IN_WINDOW, BURSAR_OBJECT_ENDPOINT, IN_FIRST_FREE + made, 0) == 0)
        made++;
    for (uint32_t i = 0; i < job->arguments[1] && i < made; i++)
        l4_destroy(IN_FIRST_FREE + i);
    job->progress = (uint32_t)-l4_heap_reclaim(IN_WINDOW, 1, &info);
    job->answer = (uint32_t)-l4_destroy(IN_WINDOW);
    l4_msg_start(&m, 2);
    l4_msg_append(&m, made);
    return l4_msg_reply(IN_REPLY, &m);
}

int job_count_endpoints(struct job *job)
{
    uint32_t live = 0;

    for (uint32_t i = 0; i < job->arguments[0]; i++) {
        struct l4_cap_info info;
        if (l4_cap_inspect(IN_FIRST_FREE + i, &info) == 0 && info.type == BURSAR_OBJECT_ENDPOINT)
            live++;
    }
    job->progress = live;
    return 0;
}

/*
 * Mapping records in the client's own heap: a revocable copy of a
 * capability costs its maker one. Deleting the first ones leaves the first
 * page of records part empty, so a reclaim can move what is left there.
 */
int job_records(struct job *job)
{
    for (uint32_t i = 0; i < job->arguments[0]; i++) {
        int error = l4_cap_transfer(IN_ENDPOINT, BURSAR_OWN_TASK, IN_FIRST_FREE + i, BURSAR_RIGHT_WRITE,
                                    BURSAR_REVOCABLE_COPY, 0);
        if (error)
            return error;
        job->progress = i + 1;
    }
    for (uint32_t i = 0; i < job->arguments[1]; i++)
        l4_cap_delete(IN_FIRST_FREE + i);
    return 0;
}
