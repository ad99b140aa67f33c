/*
 * heap_reclaim.c — the payer takes heap pages back (SYS_HEAP_RECLAIM) and
 * destroys heaps with everything in them [600-619].
 *
 * Mapping-database records are charged to the heap of the task that makes
 * the revocable copy, so to get records into a test heap an "agent" task
 * paid by that heap makes them: it runs in a new task sharing this program
 * (libl4/task_sharing_program.h) and, on request, makes revocable copies of an endpoint
 * into the root's own slots. The holders are then the root's slots, which
 * the tests inspect after each reclaim.
 */
#include "core.h"
#include "heap_tests.h"

#include "libl4/kernel_stats.h"
#include "libl4/printf.h"
#include "libl4/string.h"
#include "libl4/task_sharing_program.h"
#include "libl4/thread_spawn.h"

/* Slots in the agent's space, beside L4_SERVER_ENDPOINT and L4_SERVER_REPLY. */
#define HEAP_AGENT_ROOT_TASK 4
#define HEAP_AGENT_SOURCE 5

/* Root slots for copies beyond the per-test ones, cleared by each test that uses them. */
#define BULK_FIRST 512u
#define BULK_COUNT 160u

/* Shared with the agent's task: whole pages of its own. */
struct agent_region {
    char stack[4096];
    struct bursar_utcb utcb;
} __attribute__((aligned(4096)));

static struct agent_region agent_regions[2];

/* Runs in the agent's task: touches only its stack and UTCB, calls only inline stubs. */
static void agent_main(void *argument)
{
    uint32_t tag = 0, mr0 = 0, mr1 = 0;
    int status = l4_receive(L4_SERVER_ENDPOINT, L4_SERVER_REPLY, 0, &tag, &mr0, &mr1, BURSAR_TIMEOUT_NEVER);

    (void)argument;
    for (;;) {
        int result = status;
        bool item = BURSAR_TAG_LABEL(tag) == HEAP_AGENT_REPLY_ITEM;
        bool own = BURSAR_TAG_LABEL(tag) == HEAP_AGENT_OWN_COPIES;
        for (uint32_t i = 0; result == 0 && (own || BURSAR_TAG_LABEL(tag) == HEAP_AGENT_COPIES) && i < mr0; i++)
            result = l4_cap_transfer(HEAP_AGENT_SOURCE, own ? BURSAR_OWN_TASK : HEAP_AGENT_ROOT_TASK, mr1 + i,
                                     BURSAR_RIGHT_WRITE | BURSAR_RIGHT_GRANT, BURSAR_REVOCABLE_COPY, 0);
        tag = item ? BURSAR_TAG(0, 0, 1) : BURSAR_TAG(0, 1, 0);
        mr0 = item ? BURSAR_ITEM_CAPABILITY_WORD(HEAP_AGENT_SOURCE, BURSAR_RIGHT_WRITE, BURSAR_REVOCABLE_COPY)
                   : (uint32_t)result;
        mr1 = 0;
        status = l4_reply_wait(L4_SERVER_ENDPOINT, L4_SERVER_REPLY, 0, &tag, &mr0, &mr1, BURSAR_TIMEOUT_NEVER);
    }
}

int heap_agent_start(unsigned heap, unsigned which, struct heap_agent *agent)
{
    return heap_agent_start_with(heap, which, 16, BURSAR_NO_CAPABILITY, agent);
}

int heap_agent_start_with(unsigned heap, unsigned which, unsigned slots, unsigned source, struct heap_agent *agent)
{
    struct agent_region *region = &agent_regions[which];
    struct l4_server_spec spec = {
        .task = { .heap = heap, .slot = core_slot(), .capability_slots = slots,
                  .shared = region, .shared_size = sizeof *region },
        .endpoint = core_slot(), .reply = core_slot(), .thread = core_slot(),
        .stack = region->stack, .stack_size = sizeof region->stack, .utcb = (uintptr_t)&region->utcb,
        .priority = CORE_LOW_PRIORITY, .entry = agent_main,
    };
    int error = l4_server_start_in_new_task(&spec);

    agent->task = spec.task.slot;
    agent->endpoint = spec.endpoint;
    agent->reply = spec.reply;
    agent->thread = spec.thread;
    agent->source = source;
    if (!error && source == BURSAR_NO_CAPABILITY)
        error = l4_create(BURSAR_SLOT_HEAP, BURSAR_OBJECT_ENDPOINT, agent->source = core_slot(), 0);
    if (!error)
        error = l4_cap_transfer(agent->source, agent->task, HEAP_AGENT_SOURCE, BURSAR_RIGHT_WRITE | BURSAR_RIGHT_GRANT,
                                BURSAR_COPY, 0);
    if (!error)
        error = l4_cap_transfer(BURSAR_SLOT_TASK, agent->task, HEAP_AGENT_ROOT_TASK, BURSAR_RIGHTS_ALL, BURSAR_COPY, 0);
    return error;
}

/* What the agent answers to `label` with mr0 = count, mr1 = first. */
static int agent_request(const struct heap_agent *agent, unsigned label, unsigned count, unsigned first)
{
    uint32_t tag = BURSAR_TAG(label, 2, 0), mr0 = count, mr1 = first;
    int error = l4_call(agent->endpoint, &tag, &mr0, &mr1, BURSAR_TIMEOUT_NEVER, BURSAR_TIMEOUT_MS(2000));

    return error ? error : (int)mr0;
}

/* `count` revocable copies of the agent's source into root slots from `first`, paid by the agent's heap. */
int heap_agent_copies(const struct heap_agent *agent, unsigned count, unsigned first)
{
    return agent_request(agent, HEAP_AGENT_COPIES, count, first);
}

static void bulk_clear(void)
{
    for (unsigned slot = BULK_FIRST; slot < BULK_FIRST + BULK_COUNT; slot++)
        l4_cap_delete(slot);
}

/* How many of `count` slots from `first` hold an endpoint, and how many say revoked. */
static void count_slots(unsigned first, unsigned count, unsigned *held, unsigned *revoked)
{
    *held = *revoked = 0;
    for (unsigned slot = first; slot < first + count; slot++) {
        struct l4_cap_info info;
        bool was_revoked;
        if (core_inspect(slot, &info, &was_revoked) == 0) {
            *held += info.type == BURSAR_OBJECT_ENDPOINT;
            *revoked += was_revoked;
        }
    }
}

bool heap_ledger_exact(void)
{
    struct bursar_system_info info;

    return l4_system_info(&info) == 0 &&
           info.fixed_reservation_frames + info.heap_frames + info.bank_frames == info.usable_frames &&
           l4_debug_dump(BURSAR_SLOT_DEBUG, BURSAR_DUMP_CHECK, 0) == 0;
}

static uint32_t total(const uint32_t *by_type)
{
    uint32_t sum = 0;

    for (unsigned kind = 0; kind < BURSAR_HEAP_KIND_COUNT; kind++)
        sum += by_type[kind];
    return sum;
}

USER_TEST(600, reclaim_takes_free_pages_first_and_the_bank_gets_them_back)
{
    unsigned heap = core_slot(), other = core_slot(), endpoint = core_slot();
    struct bursar_system_info before, after;
    struct bursar_reclaim_info reclaim;
    struct bursar_heap_info info;
    uint32_t frames[4];
    unsigned donated_again = 0;

    TEST_CHECK_EQUAL(l4_create(BURSAR_SLOT_HEAP, BURSAR_OBJECT_HEAP, heap, 0), 0, "heap");
    for (unsigned i = 0; i < 4; i++) {
        frames[i] = core_frame();
        TEST_CHECK_EQUAL(l4_heap_donate(heap, BURSAR_SLOT_MEMORY, frames[i], 1), 0, "donate");
    }
    TEST_CHECK_EQUAL(l4_create(heap, BURSAR_OBJECT_ENDPOINT, endpoint, 0), 0, "an endpoint uses one page");
    TEST_CHECK_EQUAL(l4_system_info(&before), 0, "system info");
    TEST_CHECK_EQUAL(l4_heap_reclaim(heap, 2, &reclaim), 0, "reclaim two pages");
    TEST_CHECK_EQUAL(reclaim.pages_reclaimed, 2, "pages reclaimed");
    TEST_CHECK(reclaim.objects_moved == 0 && reclaim.objects_destroyed == 0 && total(reclaim.destroyed_by_type) == 0,
               "free pages cost nothing: %u moved, %u destroyed", reclaim.objects_moved, reclaim.objects_destroyed);
    TEST_CHECK_EQUAL(l4_system_info(&after), 0, "system info");
    TEST_CHECK_EQUAL(after.heap_frames, before.heap_frames - 2, "heap frames");
    TEST_CHECK_EQUAL(after.bank_frames, before.bank_frames + 2, "bank frames");
    TEST_CHECK(heap_ledger_exact(), "ledger after the reclaim");
    TEST_CHECK_EQUAL(l4_heap_info(heap, &info), 0, "heap info");
    TEST_CHECK(info.pages_held == 2 && info.pages_free == 1 && info.pages_reclaimed == 2 &&
               info.live_by_type[BURSAR_HEAP_ENDPOINT] == 1,
               "heap: %u held, %u free, %u reclaimed, %u endpoints", info.pages_held, info.pages_free,
               info.pages_reclaimed, info.live_by_type[BURSAR_HEAP_ENDPOINT]);
    TEST_CHECK_EQUAL(l4_send(endpoint, 0, 0, 0, BURSAR_TIMEOUT_ZERO), -BURSAR_E_TIMEOUT, "the endpoint still works");
    /* Exactly the two reclaimed frames are the bank's again: they can be donated, the others cannot. */
    TEST_CHECK_EQUAL(l4_create(BURSAR_SLOT_HEAP, BURSAR_OBJECT_HEAP, other, 0), 0, "another heap");
    for (unsigned i = 0; i < 4; i++) {
        int error = l4_heap_donate(other, BURSAR_SLOT_MEMORY, frames[i], 1);
        TEST_CHECK(error == 0 || error == -BURSAR_E_BAD_FRAME, "donate frame %u: %d", frames[i], error);
        donated_again += error == 0;
    }
    TEST_CHECK_EQUAL(donated_again, 2, "frames the bank could donate again");
    /* Asking for more than the heap holds takes what there is, the live endpoint too. */
    TEST_CHECK_EQUAL(l4_heap_reclaim(heap, 100, &reclaim), 0, "reclaim everything");
    TEST_CHECK(reclaim.pages_reclaimed == 2 && reclaim.objects_destroyed == 1 &&
               reclaim.destroyed_by_type[BURSAR_HEAP_ENDPOINT] == 1,
               "%u pages, %u destroyed", reclaim.pages_reclaimed, reclaim.objects_destroyed);
    TEST_CHECK_EQUAL(l4_send(endpoint, 0, 0, 0, BURSAR_TIMEOUT_ZERO), -BURSAR_E_REVOKED,
                     "the destroyed endpoint's capability is revoked");
    TEST_CHECK_EQUAL(l4_heap_reclaim(heap, 1, &reclaim), 0, "reclaim from an empty heap");
    TEST_CHECK_EQUAL(reclaim.pages_reclaimed, 0, "nothing to give");
}

USER_TEST(601, reclaim_moves_live_records_and_their_holders_keep_them)
{
    unsigned heap = core_slot(), held, revoked;
    struct heap_agent agent;
    struct bursar_reclaim_info reclaim;
    struct bursar_heap_info info;
    struct bursar_system_info before, after;

    bulk_clear();
    TEST_CHECK_EQUAL(core_heap_create(heap, 16), 0, "heap");
    TEST_CHECK_EQUAL(heap_agent_start(heap, 0, &agent), 0, "agent task paid by the heap");
    /* 150 records: 128 fill one page, 22 start a second; then 120 of the first page's go. */
    TEST_CHECK_EQUAL(heap_agent_copies(&agent, 150, BULK_FIRST), 0, "150 revocable copies");
    TEST_CHECK_EQUAL(l4_heap_info(heap, &info), 0, "heap info");
    TEST_CHECK_EQUAL(info.live_by_type[BURSAR_HEAP_RECORD], 150, "records in the heap");
    for (unsigned i = 0; i < 120; i++)
        TEST_CHECK_EQUAL(l4_cap_delete(BULK_FIRST + i), 0, "delete a copy (its record goes)");
    TEST_CHECK_EQUAL(l4_heap_info(heap, &info), 0, "heap info");
    TEST_CHECK_EQUAL(info.live_by_type[BURSAR_HEAP_RECORD], 30, "records left");
    TEST_CHECK_EQUAL(l4_system_info(&before), 0, "system info");
    /* The free pages, then the page of 8 records, which moves alone can empty. */
    TEST_CHECK_EQUAL(l4_heap_reclaim(heap, info.pages_free + 1, &reclaim), 0, "reclaim");
    TEST_CHECK_EQUAL(reclaim.pages_reclaimed, info.pages_free + 1, "pages reclaimed");
    TEST_CHECK_EQUAL(reclaim.objects_moved, 8, "records moved");
    TEST_CHECK_EQUAL(reclaim.objects_destroyed, 0, "nothing destroyed");
    TEST_CHECK(heap_ledger_exact(), "ledger after the moves");
    TEST_CHECK_EQUAL(l4_system_info(&after), 0, "system info");
    TEST_CHECK_EQUAL(after.bank_frames, before.bank_frames + info.pages_free + 1, "bank frames");
    TEST_CHECK_EQUAL(l4_heap_info(heap, &info), 0, "heap info");
    TEST_CHECK(info.live_by_type[BURSAR_HEAP_RECORD] == 30 && info.objects_moved == 8,
               "after: %u records, %u moved", info.live_by_type[BURSAR_HEAP_RECORD], info.objects_moved);
    /* Holders unaffected: every copy still names the endpoint and works. */
    count_slots(BULK_FIRST + 120, 30, &held, &revoked);
    TEST_CHECK(held == 30 && revoked == 0, "copies: %u held, %u revoked", held, revoked);
    for (unsigned i = 120; i < 150; i++)
        TEST_CHECK_EQUAL(l4_send(BULK_FIRST + i, 0, 0, 0, BURSAR_TIMEOUT_ZERO), -BURSAR_E_TIMEOUT, "send on a copy");
    TEST_CHECK_EQUAL(heap_agent_copies(&agent, 0, 0), 0, "the agent still answers");
    /* Still revocable: the moved records are in the tree where they were. */
    TEST_CHECK_EQUAL(l4_cap_revoke(agent.source), 0, "revoke from the source");
    count_slots(BULK_FIRST + 120, 30, &held, &revoked);
    TEST_CHECK(held == 0 && revoked == 30, "after the revoke: %u held, %u revoked", held, revoked);
    TEST_CHECK_EQUAL(l4_heap_info(heap, &info), 0, "heap info");
    TEST_CHECK_EQUAL(info.live_by_type[BURSAR_HEAP_RECORD], 0, "every record back in the heap");
    TEST_CHECK(heap_ledger_exact(), "ledger after the revoke");
    bulk_clear();
}

USER_TEST(602, reclaim_destroys_records_tasks_and_threads_it_cannot_move)
{
    unsigned heap = core_slot(), endpoint = core_slot(), held, revoked;
    struct heap_agent agent;
    struct bursar_reclaim_info reclaim;
    struct bursar_heap_info info;
    struct bursar_system_info before, during, after;
    struct l4_cap_info cap;
    bool was_revoked;

    bulk_clear();
    TEST_CHECK_EQUAL(l4_system_info(&before), 0, "system info");
    TEST_CHECK_EQUAL(core_heap_create(heap, 16), 0, "heap");
    TEST_CHECK_EQUAL(heap_agent_start(heap, 0, &agent), 0, "agent");
    TEST_CHECK_EQUAL(heap_agent_copies(&agent, 30, BULK_FIRST), 0, "30 revocable copies");
    TEST_CHECK_EQUAL(l4_system_info(&during), 0, "system info");
    TEST_CHECK(during.tasks == before.tasks + 1 && during.threads == before.threads + 1, "the agent runs");
    TEST_CHECK_EQUAL(l4_heap_info(heap, &info), 0, "heap info");
    TEST_CHECK_EQUAL(l4_heap_reclaim(heap, info.pages_held, &reclaim), 0, "reclaim every page");
    TEST_CHECK_EQUAL(reclaim.pages_reclaimed, info.pages_held, "pages reclaimed");
    TEST_CHECK_EQUAL(reclaim.destroyed_by_type[BURSAR_HEAP_RECORD], 30, "records destroyed");
    TEST_CHECK_EQUAL(reclaim.objects_moved, 0, "nothing could move");
    TEST_CHECK_EQUAL(reclaim.objects_destroyed, total(reclaim.destroyed_by_type), "counts by type add up");
    TEST_CHECK(heap_ledger_exact(), "ledger after the reclaim");
    /* The holders of destroyed records are revoked; the task and its thread are gone. */
    count_slots(BULK_FIRST, 30, &held, &revoked);
    TEST_CHECK(held == 0 && revoked == 30, "copies: %u held, %u revoked", held, revoked);
    TEST_CHECK_EQUAL(l4_system_info(&after), 0, "system info");
    TEST_CHECK(after.tasks == before.tasks && after.threads == before.threads && after.heaps == before.heaps + 1,
               "%u tasks, %u threads, %u heaps", after.tasks, after.threads, after.heaps);
    TEST_CHECK_EQUAL(after.heap_frames, before.heap_frames, "heap frames all back");
    TEST_CHECK_EQUAL(after.bank_frames, before.bank_frames, "bank frames all back");
    TEST_CHECK_EQUAL(core_inspect(agent.task, &cap, &was_revoked), 0, "inspect");
    TEST_CHECK(cap.type == BURSAR_OBJECT_NONE && was_revoked, "the task capability is revoked");
    TEST_CHECK_EQUAL(core_inspect(agent.endpoint, &cap, &was_revoked), 0, "inspect");
    TEST_CHECK(cap.type == BURSAR_OBJECT_NONE && was_revoked, "the endpoint capability is revoked");
    TEST_CHECK_EQUAL(l4_cap_inspect(agent.source, &cap), 0, "inspect");
    TEST_CHECK_EQUAL(cap.type, BURSAR_OBJECT_ENDPOINT, "the source, paid by the boot heap, stays");
    /* The heap itself stays, empty, and can be funded again. */
    TEST_CHECK_EQUAL(l4_heap_info(heap, &info), 0, "heap info");
    TEST_CHECK(info.pages_held == 0 && total(info.live_by_type) == 0, "heap: %u pages, %u live", info.pages_held,
               total(info.live_by_type));
    TEST_CHECK_EQUAL(l4_heap_donate(heap, BURSAR_SLOT_MEMORY, core_frame(), 1), 0, "donate again");
    TEST_CHECK_EQUAL(l4_create(heap, BURSAR_OBJECT_ENDPOINT, endpoint, 0), 0, "and create from it");
    bulk_clear();
}

/* A thread of the root task paid by a test heap, blocked; and one paid by the boot heap, blocked on an endpoint in it. */
static char waiter_stacks[2][4096] __attribute__((aligned(16)));
static struct bursar_utcb waiter_utcbs[2] __attribute__((aligned(BURSAR_UTCB_SIZE)));
static volatile int waiter_result[2];

static void waiter(void *argument)
{
    unsigned which = (unsigned)(uintptr_t)argument >> 16, endpoint = (unsigned)(uintptr_t)argument & 0xffff;

    waiter_result[which] = 1;
    waiter_result[which] = l4_receive(endpoint, BURSAR_NO_CAPABILITY, 0, 0, 0, 0, BURSAR_TIMEOUT_NEVER);
}

static int spawn_waiter(unsigned heap, unsigned which, unsigned endpoint, unsigned *slot)
{
    struct l4_thread_spec spec = {
        .heap = heap, .task = BURSAR_SLOT_TASK, .slot = core_slot(),
        .stack = waiter_stacks[which], .stack_size = sizeof waiter_stacks[which],
        .utcb = (uintptr_t)&waiter_utcbs[which], .priority = CORE_LOW_PRIORITY,
        .entry = waiter, .argument = (void *)(uintptr_t)(which << 16 | endpoint),
    };

    *slot = spec.slot;
    waiter_result[which] = 0;
    return l4_thread_spawn(&spec);
}

USER_TEST(603, reclaim_wakes_waiters_of_a_destroyed_endpoint_and_ends_threads_it_paid_for)
{
    unsigned heap = core_slot(), endpoint = core_slot(), outside = core_slot(), paid_thread, boot_thread;
    struct bursar_reclaim_info reclaim;
    struct bursar_system_info before, after;

    TEST_CHECK_EQUAL(core_heap_create(heap, 4), 0, "heap");
    TEST_CHECK_EQUAL(l4_create(heap, BURSAR_OBJECT_ENDPOINT, endpoint, 0), 0, "endpoint in the heap");
    TEST_CHECK_EQUAL(l4_create(BURSAR_SLOT_HEAP, BURSAR_OBJECT_ENDPOINT, outside, 0), 0, "endpoint outside");
    TEST_CHECK_EQUAL(spawn_waiter(BURSAR_SLOT_HEAP, 0, endpoint, &boot_thread), 0, "waiter paid by the boot heap");
    TEST_CHECK_EQUAL(spawn_waiter(heap, 1, outside, &paid_thread), 0, "waiter paid by the heap");
    core_sleep_ms(20);
    TEST_CHECK(waiter_result[0] == 1 && waiter_result[1] == 1, "both waiting (%d, %d)", waiter_result[0],
               waiter_result[1]);
    TEST_CHECK_EQUAL(l4_system_info(&before), 0, "system info");
    TEST_CHECK_EQUAL(l4_heap_reclaim(heap, 4, &reclaim), 0, "reclaim the heap");
    TEST_CHECK(reclaim.destroyed_by_type[BURSAR_HEAP_ENDPOINT] == 1 && reclaim.destroyed_by_type[BURSAR_HEAP_THREAD] == 1,
               "%u endpoints, %u threads destroyed", reclaim.destroyed_by_type[BURSAR_HEAP_ENDPOINT],
               reclaim.destroyed_by_type[BURSAR_HEAP_THREAD]);
    core_sleep_ms(20);
    TEST_CHECK_EQUAL(waiter_result[0], -BURSAR_E_DESTROYED, "the waiter on the destroyed endpoint");
    TEST_CHECK_EQUAL(waiter_result[1], 1, "the destroyed thread never returned");
    TEST_CHECK_EQUAL(l4_system_info(&after), 0, "system info");
    TEST_CHECK_EQUAL(after.threads, before.threads - 1, "one thread fewer");
    TEST_CHECK_EQUAL(l4_send(outside, 0, 0, 0, BURSAR_TIMEOUT_ZERO), -BURSAR_E_TIMEOUT,
                     "no receiver left on the outside endpoint");
    TEST_CHECK(heap_ledger_exact(), "ledger");
}

USER_TEST(604, destroying_a_heap_destroys_what_it_paid_for_nested_heaps_first)
{
    unsigned heap = core_slot(), inner = core_slot(), innermost = core_slot(), endpoints[3], held, revoked;
    struct heap_agent agent;
    struct bursar_system_info before, after;
    struct l4_cap_info cap;
    bool was_revoked;

    bulk_clear();
    TEST_CHECK_EQUAL(l4_system_info(&before), 0, "system info");
    TEST_CHECK_EQUAL(core_heap_create(heap, 16), 0, "heap");
    TEST_CHECK_EQUAL(heap_agent_start(heap, 0, &agent), 0, "agent");
    TEST_CHECK_EQUAL(heap_agent_copies(&agent, 10, BULK_FIRST), 0, "copies");
    /* heap pays for inner, inner for innermost; each funded and holding an endpoint. */
    TEST_CHECK_EQUAL(l4_create(heap, BURSAR_OBJECT_HEAP, inner, 0), 0, "inner heap");
    for (unsigned i = 0; i < 2; i++)
        TEST_CHECK_EQUAL(l4_heap_donate(inner, BURSAR_SLOT_MEMORY, core_frame(), 1), 0, "fund it");
    TEST_CHECK_EQUAL(l4_create(inner, BURSAR_OBJECT_HEAP, innermost, 0), 0, "innermost heap");
    TEST_CHECK_EQUAL(l4_heap_donate(innermost, BURSAR_SLOT_MEMORY, core_frame(), 1), 0, "fund it");
    for (unsigned i = 0; i < 3; i++) {
        endpoints[i] = core_slot();
        TEST_CHECK_EQUAL(l4_create(i == 0 ? heap : i == 1 ? inner : innermost, BURSAR_OBJECT_ENDPOINT,
                                   endpoints[i], 0), 0, "endpoint");
    }
    TEST_CHECK_EQUAL(l4_destroy(heap), 0, "destroy the outer heap with everything in it");
    TEST_CHECK(heap_ledger_exact(), "ledger");
    TEST_CHECK_EQUAL(l4_system_info(&after), 0, "system info");
    TEST_CHECK(after.heaps == before.heaps && after.tasks == before.tasks && after.threads == before.threads,
               "%u heaps, %u tasks, %u threads left", after.heaps, after.tasks, after.threads);
    TEST_CHECK_EQUAL(after.heap_frames, before.heap_frames, "heap frames back");
    TEST_CHECK_EQUAL(after.bank_frames, before.bank_frames, "bank frames back");
    for (unsigned i = 0; i < 3; i++) {
        TEST_CHECK_EQUAL(core_inspect(endpoints[i], &cap, &was_revoked), 0, "inspect");
        TEST_CHECK(cap.type == BURSAR_OBJECT_NONE && was_revoked, "endpoint %u revoked", i);
    }
    TEST_CHECK_EQUAL(core_inspect(innermost, &cap, &was_revoked), 0, "inspect");
    TEST_CHECK(cap.type == BURSAR_OBJECT_NONE && was_revoked, "the innermost heap is gone");
    count_slots(BULK_FIRST, 10, &held, &revoked);
    TEST_CHECK(held == 0 && revoked == 10, "copies: %u held, %u revoked", held, revoked);
    bulk_clear();
}

/* Run in a thread paid by the heap it tries to take away. */
static volatile int own_heap_results[2];
static unsigned own_heap_slot;

static void reclaim_own_heap(void *argument)
{
    (void)argument;
    own_heap_results[0] = l4_heap_reclaim(own_heap_slot, 1, 0);
    own_heap_results[1] = l4_destroy(own_heap_slot);
}

USER_TEST(605, reclaims_that_cannot_be_done_are_refused_and_change_nothing)
{
    unsigned heap = core_slot(), inner = core_slot(), weak = core_slot(), endpoint = core_slot(), thread;
    struct core_snapshot before, after;
    struct bursar_heap_info heap_before, heap_after;
    struct l4_thread_spec spec = {
        .task = BURSAR_SLOT_TASK, .stack = waiter_stacks[0], .stack_size = sizeof waiter_stacks[0],
        .utcb = (uintptr_t)&waiter_utcbs[0], .priority = CORE_LOW_PRIORITY, .entry = reclaim_own_heap,
    };
    int difference;

    TEST_CHECK_EQUAL(core_heap_create(heap, 3), 0, "heap");
    TEST_CHECK_EQUAL(l4_create(heap, BURSAR_OBJECT_HEAP, inner, 0), 0, "inner heap");
    TEST_CHECK_EQUAL(l4_heap_donate(inner, BURSAR_SLOT_MEMORY, core_frame(), 1), 0, "fund it");
    TEST_CHECK_EQUAL(l4_create(heap, BURSAR_OBJECT_ENDPOINT, endpoint, 0), 0, "endpoint");
    TEST_CHECK_EQUAL(l4_cap_copy(heap, weak, BURSAR_RIGHT_READ, 0), 0, "a copy without CONTROL");
    core_snapshot_take(&before);
    TEST_CHECK_EQUAL(l4_heap_info(heap, &heap_before), 0, "heap info");
    TEST_CHECK_EQUAL(l4_heap_reclaim(heap, 0, 0), -BURSAR_E_INVALID_ARGUMENT, "zero pages");
    TEST_CHECK_EQUAL(l4_heap_reclaim(BURSAR_SLOT_HEAP, 1, 0), -BURSAR_E_BUSY, "the boot heap");
    TEST_CHECK_EQUAL(l4_heap_reclaim(endpoint, 1, 0), -BURSAR_E_WRONG_TYPE, "not a heap");
    TEST_CHECK_EQUAL(l4_heap_reclaim(weak, 1, 0), -BURSAR_E_NO_RIGHTS, "no CONTROL");
    TEST_CHECK_EQUAL(l4_heap_reclaim(CORE_FIRST_SLOT + CORE_SLOT_COUNT, 1, 0), -BURSAR_E_EMPTY_SLOT, "empty slot");
    TEST_CHECK_EQUAL(l4_heap_reclaim(5000, 1, 0), -BURSAR_E_INVALID_CAPABILITY, "no such slot");
    core_snapshot_take(&after);
    difference = core_snapshot_compare(&before, &after);
    TEST_CHECK(difference == 0, "a refused reclaim changed something (%d)", difference);
    /* A thread paid by the inner heap cannot take away the page it runs on, nor its payer's. */
    own_heap_slot = heap;
    own_heap_results[0] = own_heap_results[1] = 1;
    spec.heap = inner;
    spec.slot = thread = core_slot();
    TEST_CHECK_EQUAL(l4_thread_spawn(&spec), 0, "thread paid by the inner heap");
    core_sleep_ms(20);
    TEST_CHECK_EQUAL(own_heap_results[0], -BURSAR_E_BUSY, "reclaim of the heap that pays for its payer");
    TEST_CHECK_EQUAL(own_heap_results[1], -BURSAR_E_BUSY, "destroy of it");
    TEST_CHECK_EQUAL(l4_heap_info(heap, &heap_after), 0, "heap info");
    TEST_CHECK(memcmp(&heap_before, &heap_after, sizeof heap_before) == 0, "the refusals changed the heap");
}

USER_TEST(606, reclaimed_pages_reach_the_bank_wiped)
{
    unsigned heap = core_slot(), endpoints[4];
    uint32_t frames[2];
    struct bursar_reclaim_info reclaim;
    uintptr_t page;
    bool all_zero = true;

    TEST_CHECK_EQUAL(l4_create(BURSAR_SLOT_HEAP, BURSAR_OBJECT_HEAP, heap, 0), 0, "heap");
    for (unsigned i = 0; i < 2; i++) {
        frames[i] = core_frame();
        TEST_CHECK_EQUAL(l4_heap_donate(heap, BURSAR_SLOT_MEMORY, frames[i], 1), 0, "donate");
    }
    for (unsigned i = 0; i < 4; i++) {
        endpoints[i] = core_slot();
        TEST_CHECK_EQUAL(l4_create(heap, i < 2 ? BURSAR_OBJECT_ENDPOINT : BURSAR_OBJECT_REPLY, endpoints[i], 0), 0,
                         "object");
    }
    TEST_CHECK_EQUAL(l4_heap_reclaim(heap, 2, &reclaim), 0, "reclaim");
    TEST_CHECK(reclaim.pages_reclaimed == 2 && reclaim.objects_destroyed == 4, "%u pages, %u destroyed",
               reclaim.pages_reclaimed, reclaim.objects_destroyed);
    for (unsigned i = 0; i < 2; i++) {
        page = core_scratch_page();
        TEST_CHECK_EQUAL(l4_frame_map(BURSAR_SLOT_MEMORY, frames[i], page, BURSAR_RIGHT_READ), 0,
                         "the bank maps the frame");
        for (unsigned w = 0; w < 1024; w++)
            all_zero &= ((const volatile uint32_t *)page)[w] == 0;
    }
    TEST_CHECK(all_zero, "a reclaimed page still holds kernel data");
}

USER_TEST(607, reclaim_one_page_at_a_time_until_nothing_is_left)
{
    unsigned heap = core_slot(), steps = 0, held, revoked;
    struct heap_agent agents[2];
    struct bursar_reclaim_info reclaim;
    struct bursar_heap_info info;
    struct bursar_system_info before, after;
    uint32_t destroyed = 0, pages = 0;

    bulk_clear();
    TEST_CHECK_EQUAL(l4_system_info(&before), 0, "system info");
    TEST_CHECK_EQUAL(core_heap_create(heap, 24), 0, "heap");
    for (unsigned i = 0; i < 2; i++) {
        TEST_CHECK_EQUAL(heap_agent_start(heap, i, &agents[i]), 0, "agent");
        TEST_CHECK_EQUAL(heap_agent_copies(&agents[i], 70, BULK_FIRST + 70 * i), 0, "copies");
    }
    do {
        TEST_CHECK_EQUAL(l4_heap_reclaim(heap, 1, &reclaim), 0, "reclaim a page");
        TEST_CHECK(heap_ledger_exact(), "ledger after step %u", steps);
        TEST_CHECK_EQUAL(reclaim.objects_destroyed, total(reclaim.destroyed_by_type), "counts add up");
        destroyed += reclaim.objects_destroyed;
        pages += reclaim.pages_reclaimed;
        TEST_CHECK_EQUAL(l4_heap_info(heap, &info), 0, "heap info");
    } while (reclaim.pages_reclaimed == 1 && ++steps < 64);
    TEST_CHECK(info.pages_held == 0 && total(info.live_by_type) == 0, "left: %u pages, %u live", info.pages_held,
               total(info.live_by_type));
    TEST_CHECK_EQUAL(pages, 24, "pages reclaimed in all");
    TEST_CHECK_EQUAL(info.objects_destroyed, destroyed, "the heap's ledger of destroys");
    count_slots(BULK_FIRST, 140, &held, &revoked);
    TEST_CHECK(held == 0 && revoked == 140, "copies: %u held, %u revoked", held, revoked);
    TEST_CHECK_EQUAL(l4_system_info(&after), 0, "system info");
    TEST_CHECK(after.tasks == before.tasks && after.threads == before.threads && after.heap_frames == before.heap_frames,
               "%u tasks, %u threads, %u heap frames", after.tasks, after.threads, after.heap_frames);
    bulk_clear();
}

/* A long reclaim in a low-priority thread; the root wakes every millisecond to see whether it is still going. */
static volatile struct {
    unsigned heap;
    int result;
    bool done;
    struct bursar_reclaim_info info;
} long_reclaim;

static void run_long_reclaim(void *argument)
{
    (void)argument;
    long_reclaim.result = l4_heap_reclaim(long_reclaim.heap, 100000, (struct bursar_reclaim_info *)&long_reclaim.info);
    long_reclaim.done = true;
}

int heap_fill_with_endpoints(unsigned heap, unsigned count, unsigned scratch, unsigned alone, unsigned *made)
{
    struct bursar_heap_info info;
    int error = 0;

    *made = 0;
    while (!error && (*made < count || (l4_heap_info(heap, &info) == 0 && info.free_by_type[BURSAR_HEAP_ENDPOINT]))) {
        error = l4_create(heap, BURSAR_OBJECT_ENDPOINT, scratch, 0);
        if (error == -BURSAR_E_OUT_OF_MEMORY && (error = l4_heap_donate(heap, BURSAR_SLOT_MEMORY, core_frame(), 1)) == 0)
            error = l4_create(heap, BURSAR_OBJECT_ENDPOINT, scratch, 0);
        if (!error)
            error = l4_cap_delete(scratch);
        *made += !error;
    }
    if (!error)
        error = l4_heap_donate(heap, BURSAR_SLOT_MEMORY, core_frame(), 1);
    return error ? error : l4_create(heap, BURSAR_OBJECT_ENDPOINT, alone, 0);
}

/*
 * The reclaim runs in a low-priority thread. The root waits on an endpoint
 * alone in its page, so that page goes first (fewest live objects): its
 * destruction wakes the root, which must run at the next preemption point,
 * while the reclaim still has every other page to do.
 */
USER_TEST(608, a_long_reclaim_lets_higher_priority_threads_run_between_steps)
{
    enum { OBJECTS = 3000 };
    unsigned heap = core_slot(), scratch = core_slot(), waited_on = core_slot(), thread, made = 0;
    struct l4_preempt_stats stats;
    struct bursar_heap_info info, during;
    bool inside;
    int woke;

    TEST_CHECK_EQUAL(core_heap_create(heap, 0), 0, "heap");
    TEST_CHECK_EQUAL(heap_fill_with_endpoints(heap, OBJECTS, scratch, waited_on, &made), 0, "fill the heap");
    TEST_CHECK_EQUAL(l4_heap_info(heap, &info), 0, "heap info");
    TEST_CHECK(info.live_by_type[BURSAR_HEAP_ENDPOINT] == made + 1 && info.pages_free == 0, "%u endpoints, %u free pages",
               info.live_by_type[BURSAR_HEAP_ENDPOINT], info.pages_free);
    long_reclaim.heap = heap;
    long_reclaim.done = false;
    TEST_CHECK_EQUAL(l4_preempt_stats(BURSAR_SLOT_DEBUG, &stats, 1), 0, "reset the preemption counters");
    TEST_CHECK_EQUAL(core_spawn(run_long_reclaim, 0, CORE_LOW_PRIORITY, &thread), 0, "the reclaiming thread");
    woke = l4_receive(waited_on, BURSAR_NO_CAPABILITY, 0, 0, 0, 0, BURSAR_TIMEOUT_NEVER);
    /* Still pages left: the reclaim is in the middle of its system call, stopped at a point. */
    inside = l4_heap_info(heap, &during) == 0 && during.pages_held > 0;
    TEST_CHECK_EQUAL(l4_heap_reclaim(heap, 1, 0), -BURSAR_E_BUSY, "a second reclaim meanwhile");
    TEST_CHECK_EQUAL(l4_destroy(heap), -BURSAR_E_BUSY, "a destroy meanwhile");
    while (!long_reclaim.done)
        core_sleep_ms(1);
    TEST_CHECK_EQUAL(l4_preempt_stats(BURSAR_SLOT_DEBUG, &stats, 0), 0, "preemption counters");
    printf("  reclaim of %u pages, %u endpoints: %u preemption points, %u switches\n", info.pages_held, made + 1,
           stats.points, stats.switches);
    TEST_CHECK_EQUAL(woke, -BURSAR_E_DESTROYED, "the root's endpoint was destroyed");
    TEST_CHECK(inside, "the root did not run until the reclaim was over (%u pages left)", during.pages_held);
    TEST_CHECK_EQUAL(long_reclaim.result, 0, "the reclaim");
    TEST_CHECK(long_reclaim.info.pages_reclaimed == info.pages_held &&
               long_reclaim.info.destroyed_by_type[BURSAR_HEAP_ENDPOINT] == made + 1,
               "%u pages, %u endpoints destroyed", long_reclaim.info.pages_reclaimed,
               long_reclaim.info.destroyed_by_type[BURSAR_HEAP_ENDPOINT]);
    TEST_CHECK(stats.points >= made / 64, "only %u preemption points", stats.points);
    TEST_CHECK(heap_ledger_exact(), "ledger");
}

/*
 * Destroying a heap whose inner heap another thread is reclaiming: the
 * destroy waits until that reclaim is over, then takes everything.
 */
USER_TEST(609, destroying_a_heap_waits_for_a_reclaim_under_way_inside_it)
{
    unsigned outer = core_slot(), inner = core_slot(), scratch = core_slot(), waited_on = core_slot(), thread, made;
    struct bursar_system_info before, after;
    struct bursar_heap_info during;
    int woke;

    TEST_CHECK_EQUAL(l4_system_info(&before), 0, "system info");
    TEST_CHECK_EQUAL(core_heap_create(outer, 1), 0, "outer heap");
    TEST_CHECK_EQUAL(l4_create(outer, BURSAR_OBJECT_HEAP, inner, 0), 0, "inner heap, paid by the outer");
    TEST_CHECK_EQUAL(heap_fill_with_endpoints(inner, 1000, scratch, waited_on, &made), 0, "fill the inner heap");
    long_reclaim.heap = inner;
    long_reclaim.done = false;
    TEST_CHECK_EQUAL(core_spawn(run_long_reclaim, 0, CORE_LOW_PRIORITY, &thread), 0, "the reclaiming thread");
    woke = l4_receive(waited_on, BURSAR_NO_CAPABILITY, 0, 0, 0, 0, BURSAR_TIMEOUT_NEVER);
    TEST_CHECK_EQUAL(woke, -BURSAR_E_DESTROYED, "woken by the reclaim");
    TEST_CHECK(l4_heap_info(inner, &during) == 0 && during.pages_held > 0, "the reclaim is under way");
    TEST_CHECK_EQUAL(l4_destroy(outer), 0, "destroy the outer heap");
    TEST_CHECK(long_reclaim.done || l4_heap_info(inner, &during) == -BURSAR_E_REVOKED, "the inner heap is gone");
    while (!long_reclaim.done)
        core_sleep_ms(1);
    TEST_CHECK_EQUAL(long_reclaim.result, 0, "the reclaim finished first");
    TEST_CHECK_EQUAL(long_reclaim.info.destroyed_by_type[BURSAR_HEAP_ENDPOINT], made + 1, "and destroyed every endpoint");
    TEST_CHECK_EQUAL(l4_system_info(&after), 0, "system info");
    TEST_CHECK(after.heaps == before.heaps && after.heap_frames == before.heap_frames, "%u heaps, %u heap frames",
               after.heaps, after.heap_frames);
    TEST_CHECK(heap_ledger_exact(), "ledger");
}

/*
 * One record with a big subtree: the record is paid by the heap reclaimed,
 * its 1000 children by another heap (an agent with 1024 slots copying it
 * into its own space). Destroying the record revokes the subtree with
 * preemption points, ahead of the reclaim step that frees the record.
 */
USER_TEST(610, a_record_with_a_big_subtree_is_revoked_preemptibly_by_reclaim)
{
    enum { CHILDREN = 1000 };
    unsigned small = core_slot(), big = core_slot(), record = core_slot();
    struct heap_agent owner, copier;
    struct l4_preempt_stats stats;
    struct bursar_reclaim_info reclaim;
    struct bursar_heap_info info;
    struct l4_cap_info cap;
    bool revoked;

    TEST_CHECK_EQUAL(core_heap_create(small, 16), 0, "the heap to reclaim");
    TEST_CHECK_EQUAL(core_heap_create(big, 40), 0, "the heap paying for the subtree");
    TEST_CHECK_EQUAL(heap_agent_start(small, 0, &owner), 0, "agent paid by the small heap");
    TEST_CHECK_EQUAL(heap_agent_copies(&owner, 1, record), 0, "one record in it, held by the root");
    TEST_CHECK_EQUAL(heap_agent_start_with(big, 1, 1024, record, &copier), 0, "agent holding a COPY of that record");
    TEST_CHECK_EQUAL(agent_request(&copier, HEAP_AGENT_OWN_COPIES, CHILDREN, 16), 0, "1000 revocable copies below it");
    TEST_CHECK_EQUAL(l4_heap_info(big, &info), 0, "heap info");
    TEST_CHECK_EQUAL(info.live_by_type[BURSAR_HEAP_RECORD], CHILDREN, "the subtree, paid by the big heap");
    TEST_CHECK_EQUAL(l4_heap_info(small, &info), 0, "heap info");
    TEST_CHECK_EQUAL(l4_preempt_stats(BURSAR_SLOT_DEBUG, &stats, 1), 0, "reset the preemption counters");
    TEST_CHECK_EQUAL(l4_heap_reclaim(small, info.pages_held, &reclaim), 0, "reclaim the small heap");
    TEST_CHECK_EQUAL(l4_preempt_stats(BURSAR_SLOT_DEBUG, &stats, 0), 0, "preemption counters");
    printf("  reclaim of %u pages with a %u-record subtree below one record: %u preemption points\n",
           reclaim.pages_reclaimed, CHILDREN, stats.points);
    TEST_CHECK_EQUAL(reclaim.destroyed_by_type[BURSAR_HEAP_RECORD], 1, "the record");
    TEST_CHECK(stats.points >= CHILDREN * 2 / 64, "only %u preemption points: the subtree went with points off",
               stats.points);
    TEST_CHECK_EQUAL(core_inspect(record, &cap, &revoked), 0, "inspect");
    TEST_CHECK(cap.type == BURSAR_OBJECT_NONE && revoked, "the record's holder is revoked");
    TEST_CHECK_EQUAL(l4_heap_info(big, &info), 0, "heap info");
    TEST_CHECK_EQUAL(info.live_by_type[BURSAR_HEAP_RECORD], 0, "every child refunded to the big heap");
    TEST_CHECK_EQUAL(agent_request(&copier, HEAP_AGENT_COPIES, 0, 0), 0, "the copier lives on");
    TEST_CHECK(heap_ledger_exact(), "ledger");
}
