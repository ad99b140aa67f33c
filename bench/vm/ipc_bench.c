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
 *
 * The idl.* rows make the same call through the stub generated from
 * ipc_bench.idl (tools/idl.py): idl.stub.* to the same hand-written server,
 * so they differ from ipc.* by the client stub alone; idl.server.* to a
 * third task running libl4's server loop (libl4/server.h) with the
 * generated dispatch, whose handler reads the TSC.
 *
 * The ipc.fpu.* rows make the ipc.* calls with x87 and SSE registers in use
 * on both sides: the client and a fourth task's echo server each load
 * values into them first (the kernel switches that state on every thread
 * switch, arch/ia32/fpu.c).
 *
 * The ipc.*.wordsN rows make the ipc.* calls with N untyped words instead of
 * two: MR2 and up in the UTCBs, set by the client once before the rounds;
 * the server replies with the tag it got, so the reply carries them back.
 *
 * The ipc.pool.* rows call a fifth task with two server threads on one
 * endpoint (each with its own reply object): while one answers, the other
 * already waits, so every reply-and-wait queues its thread behind another.
 */
#include "bench/vm/lib/bench.h"
#include "libl4/l4.h"
#include "lib/format.h"
#include "libl4/printf.h"
#include "libl4/server.h"
#include "libl4/task_sharing_program.h"
#include "libl4/thread_spawn.h"
#include "libl4/utcb.h"

#include "bench/vm/ipc_bench_idl.h"

#ifndef ROUNDS
#define ROUNDS 2000
#endif
#define WARM_UP 50
#define PRIORITY BURSAR_ROOT_PRIORITY

enum {   /* the root task's slots */
    ENDPOINT = BURSAR_SLOT_FIRST_FREE, REPLY, SERVER_TASK, SERVER_THREAD,
    LOOP_ENDPOINT, LOOP_REPLY, LOOP_TASK, LOOP_THREAD,
    FPU_ENDPOINT, FPU_REPLY, FPU_TASK, FPU_THREAD,
    POOL_ENDPOINT, POOL_REPLY, POOL_TASK, POOL_THREAD, POOL_SECOND_REPLY, POOL_SECOND_THREAD,
};
enum {   /* the server task's slots (libl4/task_sharing_program.h) */
    SERVER_ENDPOINT = L4_SERVER_ENDPOINT, SERVER_REPLY = L4_SERVER_REPLY, SERVER_SECOND_REPLY, SERVER_SLOTS = 8,
};

/* Shared with the server task at the same address. */
static struct shared {
    struct bursar_utcb server_utcb;     /* first: UTCBs are BURSAR_UTCB_SIZE-aligned */
    char server_stack[8192] __attribute__((aligned(16)));
} shared __attribute__((aligned(4096)));

/* The same for the server-loop task, with the loop's own state. */
static struct loop_shared {
    struct bursar_utcb utcb;
    struct l4_server server;
    char stack[8192] __attribute__((aligned(16)));
} loop_shared __attribute__((aligned(4096)));

/* The same for the echo server that uses the FPU. */
static struct shared fpu_shared __attribute__((aligned(4096)));

/* The same for the pool's two server threads. */
static struct pool_shared {
    struct bursar_utcb utcb[2];
    char stack[2][8192] __attribute__((aligned(16)));
} pool_shared __attribute__((aligned(4096)));

static uint32_t samples[ROUNDS];

/* Values in all eight x87 registers and the eight SSE registers: the FPU is in use. */
static void fpu_load_values(void)
{
    static const float four[4] __attribute__((aligned(16))) = { 1.5f, 2.5f, 3.5f, 4.5f };

    __asm__ volatile("fninit\n\t"
                     ".rept 4\n\t"
                     "fld1\n\t"
                     "fldpi\n\t"
                     ".endr\n\t"
                     "movaps %0, %%xmm0\n\t"
                     "movaps %%xmm0, %%xmm1\n\t"
                     "movaps %%xmm0, %%xmm2\n\t"
                     "movaps %%xmm0, %%xmm3\n\t"
                     "movaps %%xmm0, %%xmm4\n\t"
                     "movaps %%xmm0, %%xmm5\n\t"
                     "movaps %%xmm0, %%xmm6\n\t"
                     "movaps %%xmm0, %%xmm7"
                     : : "m"(four) : "memory");
}

/* Runs in the server task: answer each call at once, with the TSC as it arrived in MR0. */
static void echo_server(void *use_fpu)
{
    uint32_t badge, tag = 0, mr0 = 0, mr1 = 0;

    if (use_fpu)
        fpu_load_values();
    l4_receive(SERVER_ENDPOINT, SERVER_REPLY, &badge, &tag, &mr0, &mr1, BURSAR_TIMEOUT_NEVER);
    for (;;) {
        mr0 = (uint32_t)l4_timestamp();
        l4_reply_wait(SERVER_ENDPOINT, SERVER_REPLY, &badge, &tag, &mr0, &mr1, BURSAR_TIMEOUT_NEVER);
    }
}

/* A pool thread (pool_shared): the echo server's loop, with the reply object in slot `reply`. */
static void pool_server(void *reply)
{
    uint32_t badge, tag = 0, mr0 = 0, mr1 = 0, slot = (uint32_t)(uintptr_t)reply;

    l4_receive(SERVER_ENDPOINT, slot, &badge, &tag, &mr0, &mr1, BURSAR_TIMEOUT_NEVER);
    for (;;) {
        mr0 = (uint32_t)l4_timestamp();
        l4_reply_wait(SERVER_ENDPOINT, slot, &badge, &tag, &mr0, &mr1, BURSAR_TIMEOUT_NEVER);
    }
}

/* The generated dispatch's handler in the server-loop task: the TSC as the call reached it. */
static int stamp(struct l4_request *request, uint32_t a, uint32_t b, uint32_t *arrived, uint32_t *b_back)
{
    (void)request;
    (void)a;
    *arrived = (uint32_t)l4_timestamp();
    *b_back = b;
    return 0;
}

static const struct bench_handlers handlers = { .stamp = stamp };

static void loop_server(void *unused)
{
    (void)unused;
    l4_server_init(&loop_shared.server, SERVER_ENDPOINT, SERVER_REPLY, NULL);
    l4_server_add(&loop_shared.server, bench_interface(&handlers));
    l4_server_run(&loop_shared.server);
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

enum caller { HAND_WRITTEN, GENERATED };

/*
 * One call to `endpoint`, by hand (the tag set beforehand, outside the
 * measured span, and MR0, MR1 whatever the last reply left; its result
 * ignored, as the ipc.* rows always have) or through the generated stub,
 * which sets the tag and its arguments itself and checks the reply; its
 * result is used, as a real client would, so that check is measured too.
 * The server's reply has its TSC reading in MR0.
 */
static inline __attribute__((always_inline)) bool call(enum caller caller, unsigned endpoint, uint32_t *tag,
                                                       uint32_t *mr0, uint32_t *mr1)
{
    if (caller == HAND_WRITTEN) {
        l4_call(endpoint, tag, mr0, mr1, BURSAR_TIMEOUT_NEVER, BURSAR_TIMEOUT_NEVER);
        return true;
    }
    return bench_stamp(endpoint, *mr0, *mr1, mr0, mr1) == 0;
}

/*
 * One call per round, with `words` untyped words (MR2 and up set here,
 * once): the call's one way, the reply's one way, and the round trip, as
 * rows PREFIX.roundtrip, PREFIX.call.oneway and PREFIX.replywait.oneway,
 * each followed by .wordsN when the call carries other than two words.
 * Inlined for each caller, so the hand-written rounds carry no trace of
 * the generated ones.
 */
static inline __attribute__((always_inline)) void measure_calls(const char *prefix, enum caller caller,
                                                                unsigned endpoint, unsigned words)
{
    static uint32_t call_way[ROUNDS], reply_way[ROUNDS];
    struct bench_counts round_trip = { .operations = ROUNDS }, one_way;
    uint32_t tag = BURSAR_TAG(1, words, 0), mr0 = 1, mr1 = 2, failed = 0;
    char name[48], suffix[16] = "";

    if (words != 2)
        format_to_buffer(suffix, sizeof suffix, ".words%u", words);
    for (unsigned i = 2; i < words; i++)
        l4_mr_set(i, 100 + i);
    for (unsigned i = 0; i < WARM_UP; i++)
        call(caller, endpoint, &tag, &mr0, &mr1);
    l4_system_info(&round_trip.before);
    for (unsigned i = 0; i < ROUNDS; i++) {
        tag = BURSAR_TAG(1, words, 0);
        uint64_t start = l4_timestamp();
        bool ok = call(caller, endpoint, &tag, &mr0, &mr1);
        uint64_t end = l4_timestamp();
        if (!ok)
            failed++;
        uint32_t received_at = mr0;          /* the server's TSC when the call arrived */
        samples[i] = (uint32_t)(end - start);
        call_way[i] = received_at - (uint32_t)start;
        reply_way[i] = (uint32_t)end - received_at;
    }
    l4_system_info(&round_trip.after);
    if (failed)
        printf("bench: %u of %s's calls failed\n", failed, prefix);
    format_to_buffer(name, sizeof name, "%s.roundtrip%s", prefix, suffix);
    bench_print_row(name, samples, ROUNDS, 1, &round_trip);
    /* Each one-way row reads the TSC once on each side: the same overhead. Two one-ways a round. */
    one_way = round_trip;
    one_way.operations = 2 * ROUNDS;
    format_to_buffer(name, sizeof name, "%s.call.oneway%s", prefix, suffix);
    bench_print_row(name, call_way, ROUNDS, 1, &one_way);
    format_to_buffer(name, sizeof name, "%s.replywait.oneway%s", prefix, suffix);
    bench_print_row(name, reply_way, ROUNDS, 1, &one_way);
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

    struct l4_server_spec loop = {
        .task = { .heap = BURSAR_SLOT_HEAP, .slot = LOOP_TASK, .capability_slots = SERVER_SLOTS,
                  .shared = &loop_shared, .shared_size = sizeof loop_shared },
        .endpoint = LOOP_ENDPOINT, .reply = LOOP_REPLY, .thread = LOOP_THREAD,
        .stack = loop_shared.stack, .stack_size = sizeof loop_shared.stack,
        .utcb = (uintptr_t)&loop_shared.utcb, .priority = PRIORITY, .entry = loop_server,
    };
    struct l4_server_spec fpu = {
        .task = { .heap = BURSAR_SLOT_HEAP, .slot = FPU_TASK, .capability_slots = SERVER_SLOTS,
                  .shared = &fpu_shared, .shared_size = sizeof fpu_shared },
        .endpoint = FPU_ENDPOINT, .reply = FPU_REPLY, .thread = FPU_THREAD,
        .stack = fpu_shared.server_stack, .stack_size = sizeof fpu_shared.server_stack,
        .utcb = (uintptr_t)&fpu_shared.server_utcb, .priority = PRIORITY, .entry = echo_server,
        .argument = &fpu_shared,
    };
    struct l4_server_spec pool = {
        .task = { .heap = BURSAR_SLOT_HEAP, .slot = POOL_TASK, .capability_slots = SERVER_SLOTS,
                  .shared = &pool_shared, .shared_size = sizeof pool_shared },
        .endpoint = POOL_ENDPOINT, .reply = POOL_REPLY, .thread = POOL_THREAD,
        .stack = pool_shared.stack[0], .stack_size = sizeof pool_shared.stack[0],
        .utcb = (uintptr_t)&pool_shared.utcb[0], .priority = PRIORITY, .entry = pool_server,
        .argument = (void *)SERVER_REPLY,
    };
    struct l4_thread_spec second = {
        .heap = BURSAR_SLOT_HEAP, .task = POOL_TASK, .slot = POOL_SECOND_THREAD,
        .stack = pool_shared.stack[1], .stack_size = sizeof pool_shared.stack[1],
        .utcb = (uintptr_t)&pool_shared.utcb[1], .priority = PRIORITY, .entry = pool_server,
        .argument = (void *)SERVER_SECOND_REPLY,
    };
    int error = l4_server_start_in_new_task(&server);

    if (!error)
        error = l4_server_start_in_new_task(&loop);
    if (!error)
        error = l4_server_start_in_new_task(&fpu);
    if (!error)
        error = l4_server_start_in_new_task(&pool);
    if (!error)
        error = l4_create(BURSAR_SLOT_HEAP, BURSAR_OBJECT_REPLY, POOL_SECOND_REPLY, 0);
    if (!error)
        error = l4_cap_transfer(POOL_SECOND_REPLY, POOL_TASK, SERVER_SECOND_REPLY, BURSAR_RIGHTS_ALL, BURSAR_GRANT,
                                0);
    return error ? error : l4_thread_spawn(&second);
}

int main(const struct bursar_boot_info *boot_info)
{
    int error;

    printf("IPC benchmark: %u rounds, medians in instructions (TSC under -icount shift=0)\n", ROUNDS);
    /*
     * Four server tasks need more than the boot heap's first pages. The
     * global-allocator kernel refuses donations (NOT_SUPPORTED): its pool,
     * funded at boot, has them.
     */
    error = l4_heap_donate_range(BURSAR_SLOT_HEAP, BURSAR_SLOT_MEMORY, boot_info->free_ranges[0].first_frame, 24);
    if (error == -BURSAR_E_NOT_SUPPORTED)
        error = 0;
    if (!error)
        error = start_server();
    if (error) {
        printf("bench: cannot start the server tasks: %s\n", l4_error_name(error));
        return 1;
    }
    bench_measure_overhead();
    measure_null("floor.null", BURSAR_NO_CAPABILITY);
    measure_null("floor.null.two-space-switches", SERVER_TASK);
    measure_calls("ipc", HAND_WRITTEN, ENDPOINT, 2);
    measure_calls("ipc", HAND_WRITTEN, ENDPOINT, 8);
    measure_calls("ipc", HAND_WRITTEN, ENDPOINT, 10);
    /*
     * The pool's second thread must be waiting too: fast-path IPCs switch
     * straight between the root and its servers, so without a yield it may
     * never have run (no timer tick comes in a few rows).
     */
    l4_yield();
    measure_calls("ipc.pool", HAND_WRITTEN, POOL_ENDPOINT, 2);
    measure_calls("idl.stub", GENERATED, ENDPOINT, 2);
    measure_calls("idl.server", GENERATED, LOOP_ENDPOINT, 2);
    fpu_load_values();
    measure_calls("ipc.fpu", HAND_WRITTEN, FPU_ENDPOINT, 2);
    return 0;
}
