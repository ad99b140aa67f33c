/*
 * ipc_bench.c — the IPC benchmark, run as the root task under
 * `qemu -icount shift=0`, where the TSC counts guest instructions. It prints
 * one line per measurement:
 *
 *   bench NAME instructions=MEDIAN min=MIN entries=E cr3=C fastpath=F
 *
 * with E, C and F the kernel entries, address-space switches and fast-path
 * IPCs per operation, counted by the kernel. Every figure has the cost of
 * reading the TSC twice taken off (printed as bench.overhead). tools/bursar.py
 * boots this on the kernel with and without the fast path and writes the rows
 * to build/bench/.
 *
 * The server runs in a second task that shares this program's text and one
 * page-aligned region (its stack and its UTCB), so every IPC here crosses
 * address spaces. It reads the TSC as each call arrives and replies with
 * that reading in MR0, so the split into one-ways costs the server no store.
 */
#include "bench/vm/lib/bench.h"
#include "libl4/l4.h"
#include "libl4/printf.h"
#include "libl4/task.h"

#ifndef ROUNDS
#define ROUNDS 2000
#endif
#define WARM_UP 50
#define PRIORITY BURSAR_ROOT_PRIORITY

enum {   /* the root task's slots */
    ENDPOINT = BURSAR_SLOT_FIRST_FREE, REPLY, SERVER_TASK, SERVER_THREAD,
};
enum {   /* the server task's slots (libl4/task.h) */
    SERVER_ENDPOINT = L4_SERVER_ENDPOINT, SERVER_REPLY = L4_SERVER_REPLY, SERVER_SLOTS = 8,
};

/* Shared with the server task at the same address. */
static struct shared {
    struct bursar_utcb server_utcb;     /* first: UTCBs are BURSAR_UTCB_SIZE-aligned */
    char server_stack[8192] __attribute__((aligned(16)));
} shared __attribute__((aligned(4096)));

static uint32_t samples[ROUNDS];

/* Runs in the server task: answer each call at once, with the TSC as it arrived in MR0. */
static void echo_server(void *unused)
{
    uint32_t badge, tag = 0, mr0 = 0, mr1 = 0;

    (void)unused;
    l4_receive(SERVER_ENDPOINT, SERVER_REPLY, &badge, &tag, &mr0, &mr1, BURSAR_TIMEOUT_NEVER);
    for (;;) {
        mr0 = (uint32_t)l4_timestamp();
        l4_reply_wait(SERVER_ENDPOINT, SERVER_REPLY, &badge, &tag, &mr0, &mr1, BURSAR_TIMEOUT_NEVER);
    }
}

static void measure_null(const char *name, unsigned task)
{
    struct bench_counts counts = { .operations = ROUNDS };

    for (unsigned i = 0; i < WARM_UP; i++)
        l4_null(task);
    l4_system_info(&counts.before);
    for (unsigned i = 0; i < ROUNDS; i++) {
        uint64_t start = l4_timestamp();
        l4_null(task);
        samples[i] = (uint32_t)(l4_timestamp() - start);
    }
    l4_system_info(&counts.after);
    bench_print_row(name, samples, ROUNDS, 1, &counts);
}

/* One call per round: the call's one way, the reply's one way, and the round trip. */
static void measure_ipc(void)
{
    static uint32_t call_way[ROUNDS], reply_way[ROUNDS];
    struct bench_counts round_trip = { .operations = ROUNDS }, one_way;
    uint32_t tag = BURSAR_TAG(1, 2, 0), mr0 = 1, mr1 = 2;

    for (unsigned i = 0; i < WARM_UP; i++)
        l4_call(ENDPOINT, &tag, &mr0, &mr1, BURSAR_TIMEOUT_NEVER, BURSAR_TIMEOUT_NEVER);
    l4_system_info(&round_trip.before);
    for (unsigned i = 0; i < ROUNDS; i++) {
        tag = BURSAR_TAG(1, 2, 0);
        uint64_t start = l4_timestamp();
        l4_call(ENDPOINT, &tag, &mr0, &mr1, BURSAR_TIMEOUT_NEVER, BURSAR_TIMEOUT_NEVER);
        uint64_t end = l4_timestamp();
        uint32_t received_at = mr0;          /* the server's TSC when the call arrived */
        samples[i] = (uint32_t)(end - start);
        call_way[i] = received_at - (uint32_t)start;
        reply_way[i] = (uint32_t)end - received_at;
    }
    l4_system_info(&round_trip.after);
    bench_print_row("ipc.roundtrip", samples, ROUNDS, 1, &round_trip);
    /* Each one-way row reads the TSC once on each side: the same overhead. Two one-ways a round. */
    one_way = round_trip;
    one_way.operations = 2 * ROUNDS;
    bench_print_row("ipc.call.oneway", call_way, ROUNDS, 1, &one_way);
    bench_print_row("ipc.replywait.oneway", reply_way, ROUNDS, 1, &one_way);
}

static int start_server(void)
{
    struct l4_server_spec server = {
        .task = { .heap = BURSAR_SLOT_HEAP, .slot = SERVER_TASK, .capability_slots = SERVER_SLOTS,
                  .shared = &shared, .shared_size = sizeof shared },
        .endpoint = ENDPOINT, .reply = REPLY, .thread = SERVER_THREAD,
        .stack = shared.server_stack, .stack_size = sizeof shared.server_stack,
        .utcb = (uintptr_t)&shared.server_utcb, .priority = PRIORITY, .entry = echo_server,
    };

    return l4_server_start_in_new_task(&server);
}

int main(const struct bursar_boot_info *boot_info)
{
    int error;

    (void)boot_info;
    printf("IPC benchmark: %u rounds, medians in instructions (TSC under -icount shift=0)\n", ROUNDS);
    error = start_server();
    if (error) {
        printf("bench: cannot start the server task: error %d\n", error);
        return 1;
    }
    bench_measure_overhead();
    measure_null("floor.null", BURSAR_NO_CAPABILITY);
    measure_null("floor.null.two-space-switches", SERVER_TASK);
    measure_ipc();
    return 0;
}
