/*
 * main.c — the demo `./bursar run` boots: Bursar's idea told as it
 * happens. Every frame of memory has a payer, and the payer can always take
 * it back.
 *
 *   0. the frames: who holds what at boot, then the bank server takes the
 *      boot memory and sells it;
 *   1. two clients, alice and bob, each with a bank of its own;
 *   2. alice exhausts her bank: her pager raises the fault, she catches it;
 *      bob carries on;
 *   3. bob lends alice a capability, revocably, and revokes it;
 *   4. a server makes objects on a heap bob lent it, charge only;
 *   5. bob's bank takes that heap back page by page: objects move or die;
 *   6. alice's bank is destroyed: every frame and heap page comes back.
 *
 * After each step the ledger: the kernel's accounting identity and the
 * banks' figures. The clients are tasks of their own (world.c) running the
 * jobs of jobs.c; this file only asks and tells.
 */
#include "demo/demo.h"

#include "libl4/l4.h"
#include "libl4/printf.h"

/* Which job runs where: a job's number is its thread's (world.c). */
enum { ALICE_FILL, ALICE_CATCH, BOB_FILL, BOB_SERVE, BOB_LEND, ALICE_TAKE, STORE, BOB_LEND_HEAP };

#define ALICE_LIMIT 48u
#define BOB_LIMIT 256u
#define STORE_LIMIT 64u
#define ALICE_PAGES 64u             /* what alice attaches: more than her bank can pay for */
#define BOB_PAGES 64u
#define STORE_ENDPOINTS 100u        /* the server makes these on bob's heap ... */
#define STORE_FREED 40u             /* ... and destroys the first of them */
#define LENT_HEAP (FIRST_CLIENT_SLOT + 3 * CLIENT_ROOT_SLOTS)   /* bob's heap for the server, in the root */
#define RECORDS 200u                /* bob's revocable copies: two pages of records ... */
#define RECORDS_DELETED 100u        /* ... the first page then mostly empty */

static struct client alice, bob, store;
static uint32_t lent_heap_handle;

static void set_job(unsigned job, int (*run)(struct job *), uint32_t a0, uint32_t a1)
{
    shared.jobs[job] = (struct job){ .run = run, .arguments = { a0, a1 } };
}

/* Starts a job that runs on (a server, a handler); false (and says so) if it could not. */
static bool run_started(struct client *client, unsigned job, bool with_handler)
{
    int error = client_run(client, job, with_handler);

    if (error)
        printf("  (%s's job %u could not start: %s)\n", client->name, job, l4_error_name(error));
    return error == 0;
}

/* Runs a job and waits for it; false (and says so) if it did not finish. */
static bool run_and_wait(struct client *client, unsigned job, bool with_handler, unsigned ms)
{
    int error = client_run(client, job, with_handler);

    if (error || !job_wait(job, ms)) {
        printf("  (%s's job %u did not finish: %s)\n", client->name, job, l4_error_name(error));
        return false;
    }
    return true;
}

static void step_0_the_frames(const struct bursar_boot_info *boot)
{
    struct bursar_system_info info;
    uint32_t modules = 0;

    l4_system_info(&info);
    for (unsigned i = 0; i < boot->module_count; i++)
        modules += (boot->modules[i].size + 4095) / 4096;
    printf("\nBursar demo: every frame of memory has a payer, and the payer can always take it back.\n\n");
    printf("0. The frames. This machine has %u usable frames (4 KiB each). The kernel keeps a fixed\n"
           "   reservation of %u (its image, the frame table, the boot heap that pays for my own objects).\n"
           "   The other %u are the boot memory, given to me, the root task, as one memory capability:\n"
           "   %u hold the %u boot modules, %u are my own pages, %u are free.\n",
           info.usable_frames, info.fixed_reservation_frames, info.bank_frames, modules, boot->module_count,
           info.bank_frames - modules - boot->free_frames, boot->free_frames);
    ledger_print("at boot:");
}

static int step_0_the_servers(const struct bursar_boot_info *boot)
{
    int error = world_start_bank(boot);
    uint32_t sells = bank_available(ROOT_BANK);

    if (error) {
        printf("cannot start the bank server: %s\n", bank_error_name(error));
        return error;
    }
    printf("   I gave the boot memory to the bank server (servers/bank): it owns every free frame now, and\n"
           "   I keep the root bank, a capability to it. Of the %u frames that were free it sells %u; the\n"
           "   other %u went to the server itself (its program, its heap, its ledger).\n", boot->free_frames,
           sells, boot->free_frames - sells);
    error = world_start_pager(boot);
    if (error) {
        printf("cannot start the pager: %s\n", pager_error_name(error));
        return error;
    }
    printf("   The pager (servers/pager) runs with a bank of its own under the root bank, which has bought %u\n"
           "   of them (its program and heap): the root bank can sell %u.\n", bank_charged(PAGER_BANK),
           bank_available(ROOT_BANK));
    ledger_print("with the servers:");
    return 0;
}

static bool step_1_two_clients(void)
{
    int error = client_make(&alice, "alice", ALICE_LIMIT, 0);

    if (!error)
        error = client_make(&bob, "bob", BOB_LIMIT, 1);
    if (error) {
        printf("cannot make the clients: %s\n", bank_error_name(error));
        return false;
    }
    printf("\n1. Two clients, alice and bob, each a task of its own with a bank of its own under the root bank\n"
           "   (alice's limit %u frames, bob's %u). Each bank funds its client's kernel heap (its task, threads,\n"
           "   endpoints) and, through the pager, its anonymous memory.\n", ALICE_LIMIT, BOB_LIMIT);
    bank_print("alice", alice.bank);
    bank_print("bob", bob.bank);
    ledger_print("with two clients:");
    return true;
}

static bool step_2_alice_runs_out(void)
{
    const struct job *fill = &shared.jobs[ALICE_FILL], *bob_fill = &shared.jobs[BOB_FILL];

    printf("\n2. alice attaches %u pages of memory and writes them one by one; each first touch is a page fault\n"
           "   the pager fills with a zeroed frame bought from alice's bank.\n", ALICE_PAGES);
    set_job(ALICE_CATCH, job_catch, 0, 0);
    set_job(ALICE_FILL, job_fill_memory, ALICE_PAGES, ALICE_PAGES);
    if (!run_started(&alice, ALICE_CATCH, false) || !run_and_wait(&alice, ALICE_FILL, true, 5000))
        return false;
    if (fill->caught)
        printf("   After %u pages her bank is exhausted: the pager raised her fault at address %08x with %s,\n"
               "   and her exception handler caught it and stopped her there (a clean error, not a hang).\n",
               fill->progress, fill->fault_address, l4_error_name(-(int)fill->fault_reason));
    else
        printf("   alice filled all %u pages: %s\n", fill->progress, l4_error_name(fill->result));
    bank_print("alice", alice.bank);
    printf("   bob carries on: he writes %u pages of his own.\n", BOB_PAGES);
    set_job(BOB_FILL, job_fill_memory, BOB_PAGES, BOB_PAGES);
    if (!run_and_wait(&bob, BOB_FILL, false, 5000))
        return false;
    printf("   bob: %u pages written (%s)\n", bob_fill->progress, l4_error_name(bob_fill->result));
    bank_print("bob", bob.bank);
    ledger_print("after step 2:");
    return true;
}

static bool step_3_lend_and_revoke(void)
{
    const struct job *take = &shared.jobs[ALICE_TAKE];

    printf("\n3. Revocable authority: bob serves an endpoint and sends alice a REVOCABLE COPY of his capability\n"
           "   to it; alice calls bob through it; then bob revokes what he handed out.\n");
    if (client_connect(&bob, &alice, IN_PEER) != 0)
        return false;
    set_job(BOB_SERVE, job_serve, 0, 0);
    set_job(ALICE_TAKE, job_take_and_call, 41, 0);
    set_job(BOB_LEND, job_lend, 0, 0);
    if (!run_started(&bob, BOB_SERVE, false) || !run_started(&alice, ALICE_TAKE, false) ||
        !run_and_wait(&bob, BOB_LEND, false, 3000) || !job_wait(ALICE_TAKE, 3000))
        return false;
    printf("   alice calls bob with 41 through the lent capability: %s, bob answers %u\n",
           l4_error_name(take->result), take->answer);
    set_job(BOB_LEND, job_revoke, 0, 0);
    if (!run_and_wait(&bob, BOB_LEND, false, 3000))
        return false;
    printf("   bob revokes every copy made from his capability: %s\n", l4_error_name(shared.jobs[BOB_LEND].result));
    set_job(ALICE_TAKE, job_call_again, 41, 0);
    if (!run_and_wait(&alice, ALICE_TAKE, false, 3000))
        return false;
    printf("   alice calls again: %s (the slot was emptied by bob's revoke)\n", l4_error_name(take->result));
    ledger_print("after step 3:");
    return true;
}

static bool step_4_charge_only(void)
{
    const struct job *server = &shared.jobs[STORE];
    int error = client_make(&store, "server", STORE_LIMIT, 2);
    uint32_t pages = 0;

    printf("\n4. A server allocates on its client's account: bob's bank funds a second heap of his with 3 pages,\n"
           "   and bob sends the server (a task with a bank of its own) a capability to it with the CHARGE right\n"
           "   only: the server may create objects there, and nothing else.\n");
    if (!error)
        error = bank_heap_create(bob.bank, 3, 0, 0, BURSAR_TIMEOUT_NEVER, LENT_HEAP, &lent_heap_handle);
    if (!error)
        error = l4_cap_transfer(LENT_HEAP, bob.task, IN_LENT_HEAP, BURSAR_RIGHT_READ | BURSAR_RIGHT_CHARGE |
                                BURSAR_RIGHT_GRANT, BURSAR_COPY, 0);
    if (!error)
        error = client_connect(&bob, &store, IN_SERVER);
    if (error) {
        printf("cannot set up the server: %s\n", bank_error_name(error));
        return false;
    }
    set_job(STORE, job_store, STORE_ENDPOINTS, STORE_FREED);
    set_job(BOB_LEND_HEAP, job_lend_heap, 0, 0);
    if (!run_started(&store, STORE, false))
        return false;
    heap_print("the server's own heap", store.heap);
    if (!run_and_wait(&bob, BOB_LEND_HEAP, false, 5000) || !job_wait(STORE, 3000))
        return false;
    printf("   The server made %u endpoints on bob's heap and destroyed the first %u; its own heap is as it was:\n",
           shared.jobs[BOB_LEND_HEAP].answer, STORE_FREED);
    heap_print("the server's own heap", store.heap);
    heap_print("bob's lent heap", LENT_HEAP);
    printf("   With CHARGE only, the server may not take pages back (reclaim: %s) or destroy the heap (%s).\n",
           l4_error_name(-(int)server->progress), l4_error_name(-(int)server->answer));
    bank_print("bob", bob.bank);
    error = bank_heap_destroy(bob.bank, lent_heap_handle, &pages);
    printf("   bob, who holds the bank that pays, destroys the heap (heap_destroy: %s, %u pages back).\n",
           bank_error_name(error), pages);
    set_job(STORE, job_count_endpoints, STORE_ENDPOINTS, 0);
    if (!run_and_wait(&store, STORE, false, 3000))
        return false;
    printf("   The server looks at its endpoints on that heap: %u of %u left (their slots inspect as revoked).\n",
           server->progress, STORE_ENDPOINTS - STORE_FREED);
    ledger_print("after step 4:");
    return true;
}

/* Whether a task paid by the heap is alive. */
static bool task_lives(unsigned heap)
{
    struct bursar_heap_info info;

    return l4_heap_info(heap, &info) == 0 && info.live_by_type[BURSAR_HEAP_TASK] > 0;
}

static bool step_5_reclaim(void)
{
    uint32_t returned = 1, moved, destroyed, total_moved = 0, total_destroyed = 0;
    bool task_alive = true;

    printf("\n5. bob's bank takes his own heap back, one page at a time. First bob makes %u revocable copies\n"
           "   of a capability (a mapping record each, paid by his heap) and deletes the first %u. A reclaim\n"
           "   gives back free pages first; then it empties a page whose objects fit in free slots of other\n"
           "   pages (records can move: their holders do not notice); what cannot move dies.\n",
           RECORDS, RECORDS_DELETED);
    set_job(BOB_LEND, job_records, RECORDS, RECORDS_DELETED);
    if (!run_and_wait(&bob, BOB_LEND, false, 5000))
        return false;
    heap_print("bob's heap", bob.heap);
    for (unsigned round = 1, free_run = 0; returned; round++) {
        int error = bank_heap_reclaim(bob.bank, bob.heap_handle, 1, &returned, &moved, &destroyed);
        if (error) {
            printf("   reclaim: %s\n", bank_error_name(error));
            return false;
        }
        /* Free pages are only counted: a run of them is one line. */
        if (returned && !moved && !destroyed) {
            free_run++;
            continue;
        }
        if (free_run)
            printf("   pages %u-%u back: they were free\n", round - free_run, round - 1);
        free_run = 0;
        if (!returned)
            break;
        total_moved += moved;
        total_destroyed += destroyed;
        printf("   page %u back: %u moved, %u destroyed; ", round, moved, destroyed);
        heap_print("bob's heap", bob.heap);
        if (task_alive && !task_lives(bob.heap)) {
            printf("   (that page held his task: the task went, and with it everything it held: threads,\n"
                   "   page tables, capability tables, records)\n");
            task_alive = false;
        }
    }
    printf("   Every page is back (%u objects moved on the way, %u destroyed): bob's threads, endpoints and\n"
           "   his task itself are gone; his bank paid for them, and his bank took them back.\n", total_moved,
           total_destroyed);
    bank_print("bob", bob.bank);
    ledger_print("after step 5:");
    return true;
}

static void step_6_destroy(void)
{
    uint32_t before = bank_available(ROOT_BANK), charged = bank_charged(alice.bank), pages = 0;
    struct bursar_system_info info;
    int error;

    printf("\n6. alice's bank is destroyed. Everything it paid for goes: her task and threads (her heap),\n"
           "   her memory (the pager's region bank under hers), every mapping of those frames.\n");
    bank_print("alice", alice.bank);
    ledger_print("before the destroy:");
    error = bank_destroy(alice.bank);
    printf("   bank_destroy: %s\n", bank_error_name(error));
    pager_close(alice.pager, &pages);
    l4_system_info(&info);
    printf("   The root bank can sell %u frames, %u more than before: all %u frames alice's bank held.\n",
           bank_available(ROOT_BANK), bank_available(ROOT_BANK) - before, charged);
    ledger_print("after the destroy:");
    printf("   The kernel's own check of every heap and the accounting identity: %s\n",
           l4_error_name(l4_debug_dump(BURSAR_SLOT_DEBUG, BURSAR_DUMP_CHECK, 0)));
}

int main(const struct bursar_boot_info *boot)
{
    step_0_the_frames(boot);
    if (step_0_the_servers(boot) != 0 || !step_1_two_clients() || !step_2_alice_runs_out() ||
        !step_3_lend_and_revoke() || !step_4_charge_only() || !step_5_reclaim())
        return 1;
    step_6_destroy();
    printf("\nDemo done; the machine powers off when the root task ends.\n");
    return 0;
}
