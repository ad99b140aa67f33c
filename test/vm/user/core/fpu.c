/*
 * fpu.c — every thread has x87/SSE state of its own (arch/ia32/fpu.c): it
 * starts clean, keeps its values across IPC, preemption and faults, never
 * sees another thread's (of another task least of all), and its x87 and
 * SIMD exceptions reach its exception handler. The state is read with
 * fxsave, which user mode may use, and compared field by field (not the
 * last-instruction pointers, which every FPU instruction changes).
 */
#include "fault_pager.h"
#include "fpu_state.h"

#include "libl4/task_sharing_program.h"
#include "libl4/utcb.h"

#define KILL_TAG BURSAR_TAG(BURSAR_LABEL_KILL, 0, 0)
#define VECTOR_X87 16

static void fpu_describe(const char *who, const struct fpu_image *image, struct test_result *result, int line)
{
    test_fail(result, __FILE__, line, "%s: control %x status %x tags %x mxcsr %x st-slot0 %x xmm0 %x", who,
              *(const uint16_t *)image->bytes, *(const uint16_t *)(image->bytes + 2), image->bytes[4],
              *(const uint32_t *)(image->bytes + 24), *(const uint32_t *)(image->bytes + 32),
              *(const uint32_t *)(image->bytes + 160));
}

#define CHECK_FPU(who, image, expected)                                        \
    do {                                                                       \
        if (!fpu_same((image), (expected))) {                                  \
            fpu_describe((who), (image), result, __LINE__);                    \
            return;                                                            \
        }                                                                      \
    } while (0)

/* ---- another task's thread ---- */

#define PROBE_FILL 0x4100       /* label: load seed MR0's values before replying */
#define PROBE_STOP 0x4200
#define PROBE_ARRIVALS 8

/* Shared with the server task: its stack, UTCB and what its FPU held at each arrival. */
struct probe_region {
    uint8_t stack[4096];
    struct bursar_utcb utcb __attribute__((aligned(BURSAR_UTCB_SIZE)));
    struct fpu_image arrivals[PROBE_ARRIVALS];
    struct fpu_image filled;
    struct fpu_values values;
    volatile uint32_t arrived;
};
static struct probe_region probe __attribute__((aligned(4096)));

/* In another task: save the FPU as each message arrives; on PROBE_FILL load values of its own. */
static void fpu_probe_server(void *argument)
{
    struct probe_region *region = argument;
    uint32_t tag = 0, mr0 = 0, mr1 = 0;
    int error = l4_receive(L4_SERVER_ENDPOINT, L4_SERVER_REPLY, 0, &tag, &mr0, &mr1, BURSAR_TIMEOUT_NEVER);

    while (error == 0) {
        if (region->arrived < PROBE_ARRIVALS)
            fpu_save(&region->arrivals[region->arrived]);
        region->arrived++;
        if (BURSAR_TAG_LABEL(tag) == PROBE_STOP)
            break;
        if (BURSAR_TAG_LABEL(tag) == PROBE_FILL) {
            fpu_values_make(&region->values, mr0);
            fpu_load(&region->values);
            fpu_save(&region->filled);
        }
        tag = BURSAR_TAG(1, 2, 0);
        error = l4_reply_wait(L4_SERVER_ENDPOINT, L4_SERVER_REPLY, 0, &tag, &mr0, &mr1, BURSAR_TIMEOUT_NEVER);
    }
    l4_reply(L4_SERVER_REPLY, BURSAR_TAG(PROBE_STOP, 0, 0), 0, 0);
    for (;;)
        l4_receive(L4_SERVER_ENDPOINT, BURSAR_NO_CAPABILITY, 0, 0, 0, 0, BURSAR_TIMEOUT_NEVER);
}

static int probe_start(unsigned *endpoint)
{
    unsigned heap = core_slot();
    int error = core_heap_create(heap, 16);
    struct l4_server_spec spec = {
        .task = { .heap = heap, .slot = core_slot(), .capability_slots = 16,
                  .shared = &probe, .shared_size = sizeof probe },
        .endpoint = core_slot(), .reply = core_slot(), .thread = core_slot(),
        .stack = probe.stack, .stack_size = sizeof probe.stack, .utcb = (uintptr_t)&probe.utcb,
        .priority = BURSAR_ROOT_PRIORITY, .entry = fpu_probe_server, .argument = &probe,
    };

    probe.arrived = 0;
    *endpoint = spec.endpoint;
    return error ? error : l4_server_start_in_new_task(&spec);
}

static int probe_call(unsigned endpoint, uint32_t label, unsigned words, uint32_t mr0)
{
    uint32_t tag = BURSAR_TAG(label, words, 0), mr1 = 0;

    l4_mr_set(2, 0);
    return l4_call(endpoint, &tag, &mr0, &mr1, BURSAR_TIMEOUT_NEVER, BURSAR_TIMEOUT_MS(1000));
}

static struct fpu_image new_thread_image;
static volatile uint32_t new_thread_saved;

static void save_at_start(void *argument)
{
    (void)argument;
    fpu_save(&new_thread_image);
    new_thread_saved = 1;
}

/* A new thread of the root's own task must start with the clean state, whatever the root holds. */
static void check_a_new_thread_starts_clean(struct test_result *result, const char *who)
{
    static struct fpu_image clean;
    unsigned thread;

    fpu_clean_image(&clean);
    new_thread_saved = 0;
    TEST_CHECK_EQUAL(core_spawn(save_at_start, NULL, CORE_LOW_PRIORITY, &thread), 0, who);
    for (unsigned i = 0; i < 20 && !new_thread_saved; i++)
        core_sleep_ms(2);
    TEST_CHECK(new_thread_saved, "%s never ran", who);
    CHECK_FPU(who, &new_thread_image, &clean);
}

/*
 * The root fills every x87 and SSE register and both control words; a
 * server in another task, a new thread of the root's own task, find the
 * clean state, never the root's. Each side keeps its own values across
 * calls both ways (the fast path's two words, the slow path's three).
 */
USER_TEST(808, no_thread_sees_the_x87_or_sse_state_another_thread_left)
{
    static struct fpu_values root_values;
    static struct fpu_image clean, root_image, now;
    unsigned endpoint;

    fpu_clean_image(&clean);
    TEST_CHECK_EQUAL(probe_start(&endpoint), 0, "the server in another task");
    fpu_values_make(&root_values, 3);
    fpu_load(&root_values);
    fpu_save(&root_image);
    TEST_CHECK(!fpu_same(&root_image, &clean), "the root's values look clean");

    TEST_CHECK_EQUAL(probe_call(endpoint, 1, 2, 0), 0, "a register-only call");
    CHECK_FPU("the server's first arrival", &probe.arrivals[0], &clean);
    fpu_save(&now);
    CHECK_FPU("the root after the call", &now, &root_image);

    TEST_CHECK_EQUAL(probe_call(endpoint, PROBE_FILL, 3, 5), 0, "a call on which the server loads values");
    CHECK_FPU("the server's second arrival", &probe.arrivals[1], &clean);
    TEST_CHECK(!fpu_same(&probe.filled, &clean) && !fpu_same(&probe.filled, &root_image), "the server's values");
    fpu_save(&now);
    CHECK_FPU("the root after the server loaded its values", &now, &root_image);

    TEST_CHECK_EQUAL(probe_call(endpoint, 1, 2, 0), 0, "a third call");
    CHECK_FPU("the server's third arrival", &probe.arrivals[2], &probe.filled);
    TEST_CHECK_EQUAL(probe_call(endpoint, PROBE_STOP, 0, 0), 0, "stop");

    check_a_new_thread_starts_clean(result, "a new thread of the root's own task");
    if (result->failed)
        return;
    fpu_save(&now);
    CHECK_FPU("the root at the end", &now, &root_image);
}

/* ---- interleaving: preemption and faults ---- */

#define WORKER_TRAP_EVERY 64

struct fpu_worker {
    struct fpu_values values;
    struct fpu_image reference, seen;
    volatile uint32_t rounds, mismatches, traps;
    volatile bool stop;
};

/*
 * Load its own values, then for ever: read them back (fxsave) and compare;
 * every WORKER_TRAP_EVERY rounds an int3, which the root's handler resumes.
 * Another worker of the same priority runs between (the timer preempts).
 */
static void fpu_worker(void *argument)
{
    struct fpu_worker *w = argument;

    fpu_load(&w->values);
    fpu_save(&w->reference);
    while (!w->stop) {
        fpu_save(&w->seen);
        if (!fpu_same(&w->seen, &w->reference))
            w->mismatches++;
        if (++w->rounds % WORKER_TRAP_EVERY == 0) {
            w->traps++;
            __asm__ volatile("int3" ::: "memory");
        }
    }
    for (;;)
        core_sleep_ms(1000);
}

/*
 * Two threads, each with its own values in every register, computing side
 * by side at one priority (the timer switches between them) and trapping
 * to their handler now and then; the root, with values of its own, serves
 * the traps. Nobody's registers ever change.
 */
USER_TEST(809, threads_keep_their_fpu_values_across_preemption_ipc_and_faults)
{
    static struct fpu_worker workers[2];
    static struct fpu_values root_values;
    static struct fpu_image root_image, now;
    struct fault_server handler;
    struct received_fault fault;
    unsigned threads[2], served = 0;
    uint32_t start = core_ticks();

    TEST_CHECK_EQUAL(fault_server_create(&handler), 0, "handler");
    for (unsigned i = 0; i < 2; i++) {
        workers[i] = (struct fpu_worker){ 0 };
        fpu_values_make(&workers[i].values, 10 + i);
        TEST_CHECK_EQUAL(core_spawn(fpu_worker, &workers[i], CORE_LOW_PRIORITY, &threads[i]), 0, "worker");
        TEST_CHECK_EQUAL(l4_thread_configure(threads[i], BURSAR_THREAD_EXCEPTION_HANDLER, handler.endpoint), 0,
                         "worker's handler");
    }
    fpu_values_make(&root_values, 20);
    fpu_load(&root_values);
    fpu_save(&root_image);
    while (core_ticks_elapsed_ms(start) < 200) {
        if (fault_receive(&handler, &fault, 20) != 0)
            continue;
        TEST_CHECK(fault.label == BURSAR_LABEL_EXCEPTION && fault.word[0] == 3, "a worker's message: label %x vector %u",
                   fault.label, fault.word[0]);
        TEST_CHECK_EQUAL(l4_reply(handler.reply, BURSAR_TAG(BURSAR_LABEL_RESUME, 0, 0), 0, 0), 0, "resume");
        served++;
    }
    workers[0].stop = workers[1].stop = true;
    fpu_save(&now);
    CHECK_FPU("the root after serving the traps", &now, &root_image);
    for (unsigned i = 0; i < 2; i++) {
        TEST_CHECK(workers[i].rounds > 2 * WORKER_TRAP_EVERY && workers[i].traps > 1,
                   "worker %u hardly ran: %u rounds, %u traps", i, workers[i].rounds, workers[i].traps);
        TEST_CHECK(workers[i].mismatches == 0, "worker %u found other values %u times in %u rounds", i,
                   workers[i].mismatches, workers[i].rounds);
    }
    TEST_CHECK(served > 2, "only %u traps served", served);
}

/* ---- x87 and SIMD exceptions ---- */

struct fpu_faulter {
    volatile uint32_t stage;
};
static struct fpu_faulter faulter;

/* Divide by zero with the x87's zero-divide exception unmasked, block in the kernel, then wait: #MF. */
static void x87_divide_by_zero(void *argument)
{
    struct fpu_faulter *f = argument;
    static const uint16_t unmasked = BURSAR_FPU_CONTROL_WORD & ~4u;

    __asm__ volatile("fninit\n\t"
                     "fldcw %0\n\t"
                     "fld1\n\t"
                     "fldz\n\t"
                     "fdivrp"                  /* 1 / 0: pending until the next waiting instruction */
                     : : "m"(unmasked) : "memory");
    f->stage = 1;
    core_sleep_ms(20);                         /* others run meanwhile, with their own FPU */
    f->stage = 2;
    __asm__ volatile("fwait" ::: "memory");
    f->stage = 3;
}

static void expect_fpu_exception(struct test_result *result, const struct fault_server *handler,
                                 void (*entry)(void *), uint32_t vector, const char *what)
{
    static struct fpu_values root_values;
    static struct fpu_image root_image, now;
    struct received_fault fault;
    unsigned thread;

    faulter = (struct fpu_faulter){ 0 };
    fpu_values_make(&root_values, 30);
    fpu_load(&root_values);
    fpu_save(&root_image);
    TEST_CHECK_EQUAL(core_spawn(entry, &faulter, CORE_LOW_PRIORITY, &thread), 0, what);
    TEST_CHECK_EQUAL(l4_thread_configure(thread, BURSAR_THREAD_EXCEPTION_HANDLER, handler->endpoint), 0, what);
    for (unsigned i = 0; i < 10 && faulter.stage < 1; i++)
        core_sleep_ms(2);
    /* The root's own waiting instructions while the other thread's exception is pending: no fault here. */
    __asm__ volatile("fwait\n\t"
                     "fwait" ::: "memory");
    fpu_save(&now);
    CHECK_FPU("the root while the other's exception is pending", &now, &root_image);
    int error = fault_receive(handler, &fault, 500);
    TEST_CHECK(error == 0, "%s: no exception arrived (error %d, stage %u)", what, error, faulter.stage);
    TEST_CHECK(fault.label == BURSAR_LABEL_EXCEPTION && fault.word[0] == vector,
               "%s: label %x vector %u, expected %u", what, fault.label, fault.word[0], vector);
    TEST_CHECK_EQUAL(faulter.stage, 2, what);
    TEST_CHECK_EQUAL(l4_reply(handler->reply, KILL_TAG, 0, 0), 0, what);
    fpu_save(&now);
    CHECK_FPU("the root", &now, &root_image);
}

/*
 * An x87 error (with CR0.NE: #MF at the next waiting instruction, here
 * after the thread slept and the root used the FPU meanwhile without a
 * fault) arrives at the thread's exception handler with its vector, like
 * any exception. (SIMD errors, #XM with CR4.OSXMMEXCPT, take the same way
 * on a real CPU; QEMU's TCG never raises them, so no test here can.)
 */
USER_TEST(810, an_x87_exception_reaches_the_threads_own_handler_and_no_other_thread)
{
    struct fault_server handler;

    TEST_CHECK_EQUAL(fault_server_create(&handler), 0, "handler");
    expect_fpu_exception(result, &handler, x87_divide_by_zero, VECTOR_X87, "an x87 divide by zero");
}

/* ---- destroying a thread whose state is in the registers ---- */

struct self_destroyer {
    unsigned slot;
    struct fpu_values values;
    volatile uint32_t stage;
};

static void load_values_and_destroy_self(void *argument)
{
    struct self_destroyer *d = argument;

    fpu_load(&d->values);
    d->stage = 1;
    l4_destroy(d->slot);                 /* its state is the CPU's when it goes */
    d->stage = 2;
}

/*
 * A thread whose values are in the registers when it destroys itself:
 * the kernel saves them into a page it then frees, the root's own values
 * are still there, a new thread starts clean, and the kernel's checks (in
 * the after-test hook) pass.
 */
USER_TEST(811, a_thread_destroyed_with_its_fpu_state_live_takes_it_along)
{
    static struct self_destroyer d;
    static struct fpu_values root_values;
    static struct fpu_image root_image, now;
    unsigned thread;

    d = (struct self_destroyer){ .stage = 0 };
    fpu_values_make(&d.values, 41);
    fpu_values_make(&root_values, 40);
    fpu_load(&root_values);
    fpu_save(&root_image);
    TEST_CHECK_EQUAL(core_spawn(load_values_and_destroy_self, &d, CORE_LOW_PRIORITY, &thread), 0, "thread");
    d.slot = thread;
    for (unsigned i = 0; i < 20 && d.stage < 1; i++)
        core_sleep_ms(2);
    TEST_CHECK_EQUAL(d.stage, 1, "the thread loaded its values and went");
    struct l4_cap_info info;
    TEST_CHECK(l4_cap_inspect(thread, &info) != 0 || info.type == BURSAR_OBJECT_NONE, "the thread is gone");
    fpu_save(&now);
    CHECK_FPU("the root after the thread went", &now, &root_image);
    check_a_new_thread_starts_clean(result, "a new thread after it");
}
