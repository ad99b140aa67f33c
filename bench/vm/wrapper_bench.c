/*
 * wrapper_bench.c — Bursar's revocable capabilities against the wrapper
 * design (servers/wrapper, docs/wrapper.md), as the root task under
 * `qemu -icount shift=0` (figures are guest instructions; docs/benchmarks.md).
 * Booted with bank.elf and wrapper.elf as its next modules.
 *
 * Who is who: this task is the client A, which holds a capability to a
 * target T (an echo server in a task of its own) and delegates revocable
 * authority over it to a receiver B (a server in a third task). The wrapper
 * server and the space bank it buys wrappers from run in tasks of their
 * own. Every thread runs at the root's priority, so every register-only
 * IPC can take the kernel's fast path.
 *
 *   call.plain                 A calls T through its own capability (a round trip)
 *   call.revocable             the same through a REVOCABLE COPY of it (a record in the mapping database)
 *   call.wrapper               the same through a wrapper around it (forwarded: four IPCs)
 *   delegation.bursar          give B a REVOCABLE COPY (a capability item), B calls T through it once
 *                              and answers, A revokes it (SYS_CAP_REVOKE)
 *   delegation.wrapper         A makes a wrapper around T (paid by A's bank), gives B a COPY of it, B calls
 *                              through it once and answers, A destroys the wrapper
 *   delegation.*.give/.invoke/.revoke, delegation.wrapper.create/.destroy: the same cycles by phase
 *   wrapper.bank.purchase      the bank's share of a create: a heap of 3 pages and a page, as A buys them
 *   wrapper.bank.payback       ... and of a destroy: the heap destroyed and the page returned
 *   throughput.revocable-item  per message, in batches of BATCH: A calls B with a REVOCABLE COPY item, B keeps it
 *   throughput.wrapper-create  per message: A makes a wrapper and calls B with a COPY of it, B keeps it
 *
 * Kernel entries and CR3 loads are counted by the kernel over the whole
 * timed stretch, every party's included (the servers', the bank's).
 */
#include "bench/vm/lib/bench.h"
#include "libl4/bank.h"
#include "libl4/boot_modules.h"
#include "libl4/l4.h"
#include "libl4/printf.h"
#include "libl4/task_sharing_program.h"
#include "libl4/wrapper.h"
#include "lib/format.h"

#define CALL_ROUNDS 2000
#define CYCLE_ROUNDS 200
#define BATCH 16
#define BATCHES 50
#define WARM_UP 20
#define PRIORITY BURSAR_ROOT_PRIORITY
#define PAGE_SIZE 4096u

enum {   /* A's slots: everything A calls through in the first capability-table page (the fast path's) */
    TARGET = BURSAR_SLOT_FIRST_FREE, TARGET_REPLY, TARGET_TASK, TARGET_THREAD,
    RECEIVER, RECEIVER_REPLY, RECEIVER_TASK, RECEIVER_THREAD,
    REVOCABLE, WRAPPED, SLEEP, BANK, SERVICE, SCRATCH_HEAP,
    WRAPPERS_FIRST = 32,                     /* BATCH wrappers for the throughput rows */
    BANK_SERVER_SLOTS = 64,                  /* 64..67 */
    WRAPPER_SERVER_SLOTS = 68,               /* 68..71: the last is the service endpoint */
    ROOT_BANK = 72,
};
enum { SERVER_ENDPOINT = L4_SERVER_ENDPOINT, SERVER_REPLY = L4_SERVER_REPLY, SERVER_SLOTS = 8 };
enum { RECEIVER_WINDOW = 4, RECEIVER_SLOTS = 4 + BATCH };   /* B's slots: where what A gives lands */

#define BANK_MODULE 0x20000000u
#define WRAPPER_MODULE 0x21000000u
#define BANK_WINDOW 0x28000000u
#define WRAPPER_WINDOW 0x2a000000u
#define BUY_AREA 0x30000000u

/* B's mode: delegation (call what arrived once, answer with the call's TSC readings) or keep it. */
enum receiver_mode { INVOKE_ONCE, KEEP };

static struct target_area {
    struct bursar_utcb utcb;
    char stack[4096] __attribute__((aligned(16)));
} target_area __attribute__((aligned(PAGE_SIZE)));

static struct receiver_area {
    struct bursar_utcb utcb;
    volatile enum receiver_mode mode;
    char stack[4096] __attribute__((aligned(16)));
} receiver_area __attribute__((aligned(PAGE_SIZE)));

static uint32_t samples[CALL_ROUNDS], parts[4][CYCLE_ROUNDS];
/* Mapped at BUY_AREA's neighbour for good, so the page table there stays (as the wrapper server's do). */
static char anchor[PAGE_SIZE] __attribute__((aligned(PAGE_SIZE)));

/* T: answer every call at once. */
static void target(void *unused)
{
    uint32_t badge, tag = 0, mr0 = 0, mr1 = 0;

    (void)unused;
    l4_receive(SERVER_ENDPOINT, SERVER_REPLY, &badge, &tag, &mr0, &mr1, BURSAR_TIMEOUT_NEVER);
    for (;;)
        l4_reply_wait(SERVER_ENDPOINT, SERVER_REPLY, &badge, &tag, &mr0, &mr1, BURSAR_TIMEOUT_NEVER);
}

/*
 * B: each message brings one capability item (MR0 and MR1). Delegation:
 * call through it once, answer with the TSC before and after that call.
 * Throughput: keep it, and open the next slot for the next one.
 */
static void receiver(void *unused)
{
    uint32_t badge, tag = 0, mr0 = 0, mr1 = 0, kept = 0;

    (void)unused;
    l4_set_receive_windows(RECEIVER_WINDOW, 1, 0, 0);
    l4_receive(SERVER_ENDPOINT, SERVER_REPLY, &badge, &tag, &mr0, &mr1, BURSAR_TIMEOUT_NEVER);
    for (;;) {
        if (receiver_area.mode == INVOKE_ONCE) {
            uint32_t call_tag = BURSAR_TAG(1, 2, 0), a = 1, b = 2, before = (uint32_t)l4_timestamp();
            l4_call(BURSAR_ITEM_SLOT(mr0), &call_tag, &a, &b, BURSAR_TIMEOUT_NEVER, BURSAR_TIMEOUT_NEVER);
            mr1 = (uint32_t)l4_timestamp();
            mr0 = before;
        } else {
            kept = (kept + 1) % BATCH;
            l4_set_receive_windows(RECEIVER_WINDOW + kept, 1, 0, 0);
        }
        tag = BURSAR_TAG(1, 2, 0);
        l4_reply_wait(SERVER_ENDPOINT, SERVER_REPLY, &badge, &tag, &mr0, &mr1, BURSAR_TIMEOUT_NEVER);
    }
}

static int start_actors(void)
{
    struct l4_server_spec t = {
        .task = { .heap = BURSAR_SLOT_HEAP, .slot = TARGET_TASK, .capability_slots = SERVER_SLOTS,
                  .shared = &target_area, .shared_size = sizeof target_area },
        .endpoint = TARGET, .reply = TARGET_REPLY, .thread = TARGET_THREAD,
        .stack = target_area.stack, .stack_size = sizeof target_area.stack,
        .utcb = (uintptr_t)&target_area.utcb, .priority = PRIORITY, .entry = target,
    };
    struct l4_server_spec b = {
        .task = { .heap = BURSAR_SLOT_HEAP, .slot = RECEIVER_TASK, .capability_slots = RECEIVER_SLOTS,
                  .shared = &receiver_area, .shared_size = sizeof receiver_area },
        .endpoint = RECEIVER, .reply = RECEIVER_REPLY, .thread = RECEIVER_THREAD,
        .stack = receiver_area.stack, .stack_size = sizeof receiver_area.stack,
        .utcb = (uintptr_t)&receiver_area.utcb, .priority = PRIORITY, .entry = receiver,
    };
    int error = l4_server_start_in_new_task(&t);

    if (!error)
        error = l4_server_start_in_new_task(&b);
    if (!error)
        error = l4_create(BURSAR_SLOT_HEAP, BURSAR_OBJECT_ENDPOINT, SLEEP, 0);
    return error;
}

/* ---- calls ---- */

static void measure_calls(const char *name, unsigned endpoint)
{
    struct bench_counts counts = { .operations = CALL_ROUNDS };
    uint32_t tag, mr0 = 1, mr1 = 2;

    for (unsigned i = 0; i < WARM_UP; i++) {
        tag = BURSAR_TAG(1, 2, 0);
        l4_call(endpoint, &tag, &mr0, &mr1, BURSAR_TIMEOUT_NEVER, BURSAR_TIMEOUT_NEVER);
    }
    l4_system_info(&counts.before);
    for (unsigned i = 0; i < CALL_ROUNDS; i++) {
        tag = BURSAR_TAG(1, 2, 0);
        uint64_t start = l4_timestamp();
        l4_call(endpoint, &tag, &mr0, &mr1, BURSAR_TIMEOUT_NEVER, BURSAR_TIMEOUT_NEVER);
        samples[i] = (uint32_t)(l4_timestamp() - start);
    }
    l4_system_info(&counts.after);
    bench_print_row(name, samples, CALL_ROUNDS, 1, &counts);
}

/* ---- delegation cycles ---- */

/* A gives B the capability in `slot` by `mode`; B calls through it once. Parts: give (A's call less B's call), invoke. */
static int give_and_invoke(unsigned slot, unsigned mode, uint32_t *give, uint32_t *invoke)
{
    uint32_t tag = BURSAR_TAG(1, 0, 1), mr0 = BURSAR_ITEM_CAPABILITY_WORD(slot, BURSAR_RIGHT_WRITE, mode), mr1 = 0;
    uint64_t start = l4_timestamp();
    int error = l4_call(RECEIVER, &tag, &mr0, &mr1, BURSAR_TIMEOUT_NEVER, BURSAR_TIMEOUT_NEVER);
    uint32_t end = (uint32_t)l4_timestamp();

    *invoke = mr1 - mr0;
    *give = end - (uint32_t)start - *invoke;
    return error;
}

static uint32_t print_parts(const char *name, const char *const *part_names, unsigned count, unsigned rounds)
{
    char row[64];

    for (unsigned p = 0; p < count; p++) {
        format_to_buffer(row, sizeof row, "%s.%s", name, part_names[p]);
        bench_print_row(row, parts[p], rounds, 0, NULL);
    }
    return 0;
}

static void delegation_bursar(void)
{
    static const char *const names[] = { "give", "invoke", "revoke" };
    struct bench_counts counts = { .operations = CYCLE_ROUNDS };
    uint32_t give, invoke, failed = 0;

    receiver_area.mode = INVOKE_ONCE;
    for (unsigned i = 0; i < WARM_UP; i++) {
        give_and_invoke(TARGET, BURSAR_REVOCABLE_COPY, &give, &invoke);
        l4_cap_revoke(TARGET);
    }
    l4_system_info(&counts.before);
    for (unsigned i = 0; i < CYCLE_ROUNDS; i++) {
        uint64_t start = l4_timestamp();
        failed += give_and_invoke(TARGET, BURSAR_REVOCABLE_COPY, &give, &invoke) != 0;
        uint64_t given = l4_timestamp();
        failed += l4_cap_revoke(TARGET) != 0;
        uint64_t end = l4_timestamp();
        samples[i] = (uint32_t)(end - start);
        parts[0][i] = give;
        parts[1][i] = invoke;
        parts[2][i] = (uint32_t)(end - given);
    }
    l4_system_info(&counts.after);
    if (failed)
        printf("bench: %u of delegation.bursar's steps failed\n", failed);
    bench_print_row("delegation.bursar", samples, CYCLE_ROUNDS, 1, &counts);
    print_parts("delegation.bursar", names, 3, CYCLE_ROUNDS);
}

static void delegation_wrapper(void)
{
    static const char *const names[] = { "create", "give", "invoke", "destroy" };
    struct bench_counts counts = { .operations = CYCLE_ROUNDS };
    uint32_t give, invoke, handle = 0, failed = 0;

    receiver_area.mode = INVOKE_ONCE;
    for (unsigned i = 0; i < WARM_UP; i++) {
        wrapper_create(SERVICE, BANK, TARGET, WRAPPED, &handle);
        give_and_invoke(WRAPPED, BURSAR_COPY, &give, &invoke);
        wrapper_destroy(SERVICE, handle);
    }
    l4_system_info(&counts.before);
    for (unsigned i = 0; i < CYCLE_ROUNDS; i++) {
        uint64_t start = l4_timestamp();
        failed += wrapper_create(SERVICE, BANK, TARGET, WRAPPED, &handle) != 0;
        uint64_t created = l4_timestamp();
        failed += give_and_invoke(WRAPPED, BURSAR_COPY, &give, &invoke) != 0;
        uint64_t given = l4_timestamp();
        failed += wrapper_destroy(SERVICE, handle) != 0;
        uint64_t end = l4_timestamp();
        samples[i] = (uint32_t)(end - start);
        parts[0][i] = (uint32_t)(created - start);
        parts[1][i] = give;
        parts[2][i] = invoke;
        parts[3][i] = (uint32_t)(end - given);
    }
    l4_system_info(&counts.after);
    if (failed)
        printf("bench: %u of delegation.wrapper's steps failed\n", failed);
    bench_print_row("delegation.wrapper", samples, CYCLE_ROUNDS, 1, &counts);
    print_parts("delegation.wrapper", names, 4, CYCLE_ROUNDS);
}

/* The kernel's counts between two reads, the second read's own entry taken off, added to *sum. */
static void add_counts(struct bursar_system_info *sum, const struct bursar_system_info *a,
                       const struct bursar_system_info *b)
{
    sum->kernel_entries += b->kernel_entries - a->kernel_entries - 1;
    sum->address_space_switches += b->address_space_switches - a->address_space_switches;
    sum->fast_path_ipcs += b->fast_path_ipcs - a->fast_path_ipcs;
}

/* What the wrapper server asks of the bank for each wrapper, asked by A of its own bank. */
static void bank_share(void)
{
    struct bench_counts buy_counts = { .operations = CYCLE_ROUNDS }, back_counts = { .operations = CYCLE_ROUNDS };
    static uint32_t back[CYCLE_ROUNDS];
    uint32_t handle = 0, frame = 0, pages, failed = 0;

    anchor[0] = 1;
    failed += l4_map(BURSAR_SLOT_TASK, (uintptr_t)anchor, BUY_AREA + PAGE_SIZE, BURSAR_RIGHT_READ, 1) != 0;
    for (unsigned i = 0; i < CYCLE_ROUNDS + WARM_UP; i++) {
        struct bursar_system_info a, b, c;
        l4_system_info(&a);
        uint64_t start = l4_timestamp();
        failed += bank_heap_create(BANK, 3, 0, 0, BURSAR_TIMEOUT_NEVER, SCRATCH_HEAP, &handle) != 0;
        failed += bank_buy(BANK, BUY_AREA, 0, BUY_AREA, 12, &frame, NULL, NULL) != 0;
        uint64_t bought = l4_timestamp();
        l4_system_info(&b);
        failed += bank_heap_destroy(BANK, handle, &pages) != 0;
        failed += bank_return_frames(BANK, frame, 1) != 0;
        uint64_t end = l4_timestamp();
        l4_system_info(&c);
        l4_cap_delete(SCRATCH_HEAP);
        if (i < WARM_UP)
            continue;
        samples[i - WARM_UP] = (uint32_t)(bought - start);
        back[i - WARM_UP] = (uint32_t)(end - bought);
        add_counts(&buy_counts.after, &a, &b);
        add_counts(&back_counts.after, &b, &c);
    }
    buy_counts.after.kernel_entries++;      /* bench_print_row takes one off for its own read */
    back_counts.after.kernel_entries++;
    if (failed)
        printf("bench: %u of the bank's steps failed\n", failed);
    bench_print_row("wrapper.bank.purchase", samples, CYCLE_ROUNDS, 1, &buy_counts);
    bench_print_row("wrapper.bank.payback", back, CYCLE_ROUNDS, 1, &back_counts);
}

/* ---- throughput ---- */

/*
 * BATCH messages each carrying revocable authority to B, who keeps what it
 * gets; a batch's time over BATCH is a sample. Untimed after each batch,
 * everything is taken back (one revoke; or each wrapper destroyed), so that
 * B's slots and the client's quota are free again. The first batch warms up.
 */
static void throughput(const char *name, bool wrappers)
{
    struct bench_counts counts = { .operations = BATCH * BATCHES };
    static uint32_t handles[BATCH];
    uint32_t failed = 0;

    receiver_area.mode = KEEP;
    for (unsigned batch = 0; batch < BATCHES + 1; batch++) {
        struct bursar_system_info before, after;
        l4_system_info(&before);
        uint64_t start = l4_timestamp();
        for (unsigned k = 0; k < BATCH; k++) {
            unsigned slot = wrappers ? WRAPPERS_FIRST + k : TARGET;
            uint32_t tag = BURSAR_TAG(1, 0, 1), mr1 = 0;
            if (wrappers)
                failed += wrapper_create(SERVICE, BANK, TARGET, slot, &handles[k]) != 0;
            uint32_t mr0 = BURSAR_ITEM_CAPABILITY_WORD(slot, BURSAR_RIGHT_WRITE,
                                                       wrappers ? BURSAR_COPY : BURSAR_REVOCABLE_COPY);
            failed += l4_call(RECEIVER, &tag, &mr0, &mr1, BURSAR_TIMEOUT_NEVER, BURSAR_TIMEOUT_NEVER) != 0;
        }
        uint64_t end = l4_timestamp();
        l4_system_info(&after);
        if (wrappers)
            for (unsigned k = 0; k < BATCH; k++)
                wrapper_destroy(SERVICE, handles[k]);
        else
            l4_cap_revoke(TARGET);
        if (batch == 0)
            continue;
        samples[batch - 1] = (uint32_t)(end - start - bench_overhead) / BATCH;
        add_counts(&counts.after, &before, &after);
    }
    counts.after.kernel_entries++;          /* bench_print_row takes one off for its own read */
    if (failed)
        printf("bench: %u of %s's messages failed\n", failed, name);
    bench_print_row(name, samples, BATCHES, 0, &counts);
}

/* ---- start-up ---- */

static int start_servers(const struct bursar_boot_info *boot, int module)
{
    int error = l4_bank_start_from_boot(boot, "bank.elf", BANK_MODULE, BANK_WINDOW, BANK_SERVER_SLOTS, PRIORITY,
                                        ROOT_BANK);

    if (error)
        return error;
    error = bank_create_child(ROOT_BANK, BANK_NO_LIMIT, 64, BANK);
    if (!error)
        error = l4_wrapper_start_on_bank(ROOT_BANK, (const void *)WRAPPER_MODULE, boot->modules[module].size,
                                         WRAPPER_WINDOW, WRAPPER_SERVER_SLOTS, PRIORITY, 2 * BATCH);
    if (!error)
        error = l4_cap_copy(WRAPPER_SERVER_SLOTS + 3, SERVICE, BURSAR_RIGHT_WRITE | BURSAR_RIGHT_GRANT, 1);
    return error;
}

int main(const struct bursar_boot_info *boot)
{
    int module = l4_boot_module_find(boot, "wrapper.elf"), error, servers = -1;
    uint32_t handle = 0;

    printf("bench-about Bursar's revocable capabilities against the EROS-style wrapper (servers/wrapper): "
           "calls, the delegation cycle, authority per message\n");
    /*
     * The actors' tasks need more than the boot heap's first pages: 32 frames, in donations of at most
     * BURSAR_HEAP_DONATE_MAX_FRAMES (the global kernel answers NOT_SUPPORTED: its pool has them).
     */
    error = 0;
    for (uint32_t k = 0; k < 32 && !error; k += BURSAR_HEAP_DONATE_MAX_FRAMES)
        error = l4_heap_donate(BURSAR_SLOT_HEAP, BURSAR_SLOT_MEMORY, boot->free_ranges[0].first_frame + k,
                               BURSAR_HEAP_DONATE_MAX_FRAMES);
    if (error && error != -BURSAR_E_NOT_SUPPORTED) {
        printf("bench: cannot fund the boot heap: %s\n", l4_error_name(error));
        return 1;
    }
    error = start_actors();
    if (error) {
        printf("bench: cannot start the target and the receiver: %s\n", l4_error_name(error));
        return 1;
    }
    /* The wrapper server's image is mapped before the bank starts: the bank leaves alone what is mapped. */
    if (module >= 0)
        servers = l4_boot_module_map(boot, (unsigned)module, BURSAR_SLOT_MEMORY, WRAPPER_MODULE);
    if (module >= 0 && !servers)
        servers = start_servers(boot, module);
    if (servers)
        printf("bench: the wrapper rows skipped: the space bank and the wrapper server did not start: %s\n",
               servers < 0 ? wrapper_error_name(servers) : "no wrapper.elf module");
    error = l4_cap_transfer(TARGET, BURSAR_OWN_TASK, REVOCABLE, BURSAR_RIGHT_WRITE | BURSAR_RIGHT_GRANT,
                            BURSAR_REVOCABLE_COPY, 0);
    if (!servers && !error)
        error = wrapper_create(SERVICE, BANK, TARGET, WRAPPED, &handle);
    if (error) {
        printf("bench: cannot make the revocable copy or the wrapper: %s\n", wrapper_error_name(error));
        return 1;
    }
    bench_measure_overhead();
    measure_calls("call.plain", TARGET);
    measure_calls("call.revocable", REVOCABLE);
    if (!servers)
        measure_calls("call.wrapper", WRAPPED);
    l4_cap_delete(REVOCABLE);
    delegation_bursar();
    if (!servers) {
        wrapper_destroy(SERVICE, handle);
        delegation_wrapper();
        bank_share();
    }
    throughput("throughput.revocable-item", false);
    if (!servers)
        throughput("throughput.wrapper-create", true);
    return 0;
}
