/*
 * cpu_flags.c — flags and segment registers never cross from one thread
 * to another: not through IPC (fast path or slow, sysenter or int $0x80,
 * to another task), not through an interrupt or an exception taken while
 * a thread has odd state. Every system call returns with exactly the state
 * docs/abi.md §1.1 defines; every interrupt and exception returns the
 * thread exactly the state it had.
 */
#include "cpu_probe.h"
#include "fault_pager.h"

#include "libl4/task_sharing_program.h"
#include "libl4/utcb.h"

#define MIRROR_ROUNDS 32
#define MIRROR_STOP 0x7f00
/* A call's label says how the server answers it: bit 0-1 its odd state, bit 2 int $0x80, bit 3 a third word. */
#define MIRROR_BY_INT 4u
#define MIRROR_LONG 8u

/* Shared with the server's task: its stack and UTCB, and what it found after each receive. */
struct mirror_region {
    uint8_t stack[4096];
    struct bursar_utcb utcb __attribute__((aligned(BURSAR_UTCB_SIZE)));
    struct cpu_probe arrivals[MIRROR_ROUNDS + 1];
    volatile uint32_t arrived;
    volatile int error;
};
static struct mirror_region mirror __attribute__((aligned(4096)));

/*
 * In another task: receive, note the state each message arrived with, and
 * answer with a reply-and-wait made with odd flags and selectors, by
 * sysenter or int $0x80, two words or three, as the call's label asks.
 */
static void mirror_server(void *argument)
{
    struct mirror_region *region = argument;
    struct l4_words w = { l4_receive_word(L4_SERVER_ENDPOINT, L4_SERVER_REPLY), 0, 0, 0 };
    struct cpu_probe probe;
    int status;

    cpu_probe_clean(&probe, BURSAR_USER_EFLAGS);
    status = cpu_probe_call(false, l4_eax(SYS_RECEIVE, 0, BURSAR_TIMEOUT_NEVER), &w, &probe);
    while (status == 0) {
        uint32_t label = BURSAR_TAG_LABEL(w.esi);
        if (region->arrived <= MIRROR_ROUNDS)
            region->arrivals[region->arrived] = probe;
        region->arrived++;
        if (label == MIRROR_STOP)
            break;
        bool long_reply = label & MIRROR_LONG;
        if (long_reply)
            l4_mr_set(2, w.edi + 2);
        w = (struct l4_words){ l4_receive_word(L4_SERVER_ENDPOINT, L4_SERVER_REPLY),
                               BURSAR_TAG(label + 1, long_reply ? 3 : 2, 0), w.edi + 1, w.ebp + 1 };
        cpu_probe_dirty(&probe, label & 3);
        status = cpu_probe_call(label & MIRROR_BY_INT, l4_eax(SYS_REPLY_WAIT, BURSAR_TIMEOUT_ZERO, BURSAR_TIMEOUT_NEVER),
                                &w, &probe);
    }
    region->error = status;
    l4_reply(L4_SERVER_REPLY, BURSAR_TAG(MIRROR_STOP, 0, 0), 0, 0);
    for (;;)
        l4_receive(L4_SERVER_ENDPOINT, BURSAR_NO_CAPABILITY, 0, 0, 0, 0, BURSAR_TIMEOUT_NEVER);
}

/* The server and all it holds are paid by a heap of their own, destroyed after the test with everything in it. */
static int mirror_start(unsigned *endpoint)
{
    unsigned heap = core_slot();
    int error = core_heap_create(heap, 16);
    struct l4_server_spec spec = {
        .task = { .heap = heap, .slot = core_slot(), .capability_slots = 16,
                  .shared = &mirror, .shared_size = sizeof mirror },
        .endpoint = core_slot(), .reply = core_slot(), .thread = core_slot(),
        .stack = mirror.stack, .stack_size = sizeof mirror.stack, .utcb = (uintptr_t)&mirror.utcb,
        .priority = BURSAR_ROOT_PRIORITY, .entry = mirror_server, .argument = &mirror,
    };

    mirror.arrived = 0;
    mirror.error = 0;
    *endpoint = spec.endpoint;
    return error ? error : l4_server_start_in_new_task(&spec);
}

static bool probe_failed(struct test_result *result, const struct cpu_probe *p, const char *who, unsigned round)
{
    if (cpu_probe_out_clean(p))
        return false;
    test_fail(result, __FILE__, __LINE__, "round %u: %s with eflags %x, ds %x es %x fs %x gs %x", round, who,
              p->flags_out, p->ds_out & 0xffff, p->es_out & 0xffff, p->fs_out & 0xffff, p->gs_out & 0xffff);
    return true;
}

/*
 * Calls to a server in another task, each made with every flag a user can
 * set (DF, AC, ID, NT and arithmetic ones) and odd selectors in ds, es, fs
 * and gs; the server answers the same way. Each side must come back with
 * exactly the documented state, through the fast path (two words, sysenter
 * both ways: the fast-path kernel serves those) and the slow path (a third
 * word, or int $0x80 on either side).
 */
USER_TEST(804, flags_and_selectors_never_cross_an_ipc_to_another_task)
{
    unsigned endpoint;

    TEST_CHECK_EQUAL(mirror_start(&endpoint), 0, "the server in another task");
    for (unsigned round = 0; round < MIRROR_ROUNDS; round++) {
        uint32_t label = 0x100 + (round << 4) + (round & 15);
        bool by_int = (round >> 4) & 1, long_call = (round >> 2) & 1;
        struct l4_words w = { endpoint, BURSAR_TAG(label, long_call ? 3 : 2, 0), round, round * 2 };
        struct cpu_probe probe;

        if (long_call)
            l4_mr_set(2, 99);
        cpu_probe_dirty(&probe, round + 1);
        int status = cpu_probe_call(by_int, l4_eax(SYS_CALL, BURSAR_TIMEOUT_NEVER, BURSAR_TIMEOUT_NEVER), &w, &probe);
        TEST_CHECK(status == 0 && BURSAR_TAG_LABEL(w.esi) == label + 1 && w.edi == round + 1 && w.ebp == round * 2 + 1,
                   "round %u: call returned %d, tag %x, words %u %u", round, status, w.esi, w.edi, w.ebp);
        if (probe_failed(result, &probe, "the caller came back", round))
            return;
        TEST_CHECK_EQUAL(mirror.arrived, round + 1, "messages the server took");
        if (probe_failed(result, &mirror.arrivals[round], "the server's receive came back", round))
            return;
    }
    uint32_t tag = BURSAR_TAG(MIRROR_STOP, 0, 0), mr0 = 0, mr1 = 0;
    TEST_CHECK_EQUAL(l4_call(endpoint, &tag, &mr0, &mr1, BURSAR_TIMEOUT_NEVER, BURSAR_TIMEOUT_MS(1000)), 0, "stop");
    TEST_CHECK_EQUAL(mirror.error, 0, "the server's last receive");
}

/* ---- interrupts and exceptions: the interrupted thread gets its own state back ---- */

#define ODD_FS BURSAR_SELECTOR_USER_CODE
#define ODD_GS 0u
#define ODD_ES BURSAR_SELECTOR_UTCB

struct spinner {
    volatile uint32_t rounds, mismatches, last_flags;
};
static struct spinner spinner;

/*
 * For ever: load DIRTY_FLAGS, wait a while (64 instructions that change no
 * flags, where interrupts mostly land), read the flags and the selectors
 * back, and count a mismatch. Memory only through %ss (ds is the user's).
 */
static void spin_with_odd_state(void *argument)
{
    (void)argument;
    __asm__ volatile("movl %[fs], %%eax\n\t"
                     "movl %%eax, %%fs\n\t"
                     "movl %[gs], %%eax\n\t"
                     "movl %%eax, %%gs\n\t"
                     "movl %[es], %%eax\n\t"
                     "movl %%eax, %%es\n"
                     "1:\n\t"
                     "pushl %[dirty]\n\t"
                     "popfl\n\t"
                     ".rept 64\n\t"
                     "nop\n\t"
                     ".endr\n\t"
                     "pushfl\n\t"
                     "popl %%eax\n\t"
                     "cmpl %[dirty], %%eax\n\t"
                     "jne 2f\n\t"
                     "movl %%fs, %%eax\n\t"
                     "cmpw %[fs], %%ax\n\t"
                     "jne 2f\n\t"
                     "movl %%gs, %%eax\n\t"
                     "cmpw %[gs], %%ax\n\t"
                     "jne 2f\n\t"
                     "movl %%es, %%eax\n\t"
                     "cmpw %[es], %%ax\n\t"
                     "jne 2f\n\t"
                     "incl %%ss:%[rounds]\n\t"
                     "jmp 1b\n"
                     "2:\n\t"
                     "incl %%ss:%[mismatches]\n\t"
                     "movl %%eax, %%ss:%[last]\n\t"
                     "jmp 1b"
                     : [rounds] "+m"(spinner.rounds), [mismatches] "+m"(spinner.mismatches),
                       [last] "=m"(spinner.last_flags)
                     : [dirty] "i"(DIRTY_FLAGS), [fs] "i"(ODD_FS), [gs] "i"(ODD_GS), [es] "i"(ODD_ES)
                     : "eax", "memory", "cc");
}

/*
 * A thread with odd flags and selectors computes while the root sleeps a
 * tick at a time: the timer interrupts it (the kernel enters from it) and
 * the root's sleep returns by sysexit, with the kernel's flags. The root
 * must come back with exactly the documented state every time, and the
 * interrupted thread must find its own state unchanged.
 */
USER_TEST(805, an_interrupted_threads_flags_and_selectors_stay_its_own)
{
    unsigned thread;

    spinner = (struct spinner){ 0 };
    TEST_CHECK_EQUAL(core_spawn(spin_with_odd_state, NULL, CORE_LOW_PRIORITY, &thread), 0, "spinning thread");
    for (unsigned round = 0; round < 20; round++) {
        struct l4_words w = { l4_receive_word(CORE_SLEEP_ENDPOINT, BURSAR_NO_CAPABILITY), 0, 0, 0 };
        struct cpu_probe probe;

        cpu_probe_clean(&probe, BURSAR_USER_EFLAGS);
        int status = cpu_probe_call(round & 1, l4_eax(SYS_RECEIVE, 0, BURSAR_TIMEOUT_MS(1)), &w, &probe);
        TEST_CHECK_EQUAL(status, -BURSAR_E_TIMEOUT, "a sleep");
        if (probe_failed(result, &probe, "the root woke", round))
            return;
    }
    TEST_CHECK(spinner.rounds > 100, "the spinning thread hardly ran: %u rounds", spinner.rounds);
    TEST_CHECK(spinner.mismatches == 0, "the spinning thread's state changed %u times (eflags %x)",
               spinner.mismatches, spinner.last_flags);
}

struct trapper {
    volatile uint32_t stage, flags, fs, gs, es;
};
static struct trapper trapper;

/* int3 with odd state; then what it came back with. */
static void breakpoint_with_odd_state(void *argument)
{
    struct trapper *t = argument;
    uint32_t flags, fs, gs, es;

    t->stage = 1;
    __asm__ volatile("movl %[fs], %%eax\n\t"
                     "movl %%eax, %%fs\n\t"
                     "movl %[gs], %%eax\n\t"
                     "movl %%eax, %%gs\n\t"
                     "movl %[es], %%eax\n\t"
                     "movl %%eax, %%es\n\t"
                     "pushl %[dirty]\n\t"
                     "popfl\n\t"
                     "int3\n\t"
                     "pushfl\n\t"
                     "popl %0\n\t"
                     "movl %%fs, %1\n\t"
                     "movl %%gs, %2\n\t"
                     "movl %%es, %3\n\t"
                     "pushl %[clean]\n\t"
                     "popfl\n\t"
                     "movl %[data], %%eax\n\t"
                     "movl %%eax, %%fs\n\t"
                     "movl %%eax, %%es\n\t"
                     "movl %[utcb], %%eax\n\t"
                     "movl %%eax, %%gs"
                     : "=&r"(flags), "=&r"(fs), "=&r"(gs), "=&r"(es)
                     : [dirty] "i"(DIRTY_FLAGS), [fs] "i"(ODD_FS), [gs] "i"(ODD_GS), [es] "i"(ODD_ES),
                       [clean] "i"(BURSAR_USER_EFLAGS), [data] "i"(BURSAR_SELECTOR_USER_DATA),
                       [utcb] "i"(BURSAR_SELECTOR_UTCB)
                     : "eax", "memory", "cc");
    t->flags = flags, t->fs = fs & 0xffff, t->gs = gs & 0xffff, t->es = es & 0xffff;
    t->stage = 2;
}

/*
 * An exception taken with odd state: the handler sees the thread's own
 * flags, the handler itself (resumed from its receive by the kernel's
 * exception message) comes back with the documented state, and the thread
 * resumed with no words goes on with exactly the state it had.
 */
USER_TEST(806, an_exception_shows_and_keeps_the_threads_own_flags_and_selectors)
{
    struct fault_server handler;
    unsigned thread;
    struct cpu_probe probe;

    trapper = (struct trapper){ 0 };
    TEST_CHECK_EQUAL(fault_server_create(&handler), 0, "handler");
    TEST_CHECK_EQUAL(core_spawn(breakpoint_with_odd_state, &trapper, CORE_LOW_PRIORITY, &thread), 0, "thread");
    TEST_CHECK_EQUAL(l4_thread_configure(thread, BURSAR_THREAD_EXCEPTION_HANDLER, handler.endpoint), 0, "handler");
    struct l4_words w = { l4_receive_word(handler.endpoint, handler.reply), 0, 0, 0 };
    cpu_probe_clean(&probe, BURSAR_USER_EFLAGS);
    int status = cpu_probe_call(false, l4_eax(SYS_RECEIVE, 0, BURSAR_TIMEOUT_MS(1000)), &w, &probe);
    TEST_CHECK_EQUAL(status, 0, "the breakpoint arrives");
    TEST_CHECK(!probe_failed(result, &probe, "the handler's receive came back", 0), "handler state");
    TEST_CHECK(w.esi == BURSAR_TAG(BURSAR_LABEL_EXCEPTION, BURSAR_EXCEPTION_WORDS, 0) && w.edi == 3,
               "tag %x, vector %u", w.esi, w.edi);
    TEST_CHECK(l4_mr_get(4) == DIRTY_FLAGS, "the handler sees eflags %x", l4_mr_get(4));
    TEST_CHECK_EQUAL(l4_reply(handler.reply, BURSAR_TAG(BURSAR_LABEL_RESUME, 0, 0), 0, 0), 0, "RESUME");
    TEST_CHECK(wait_for_stage(&trapper.stage, 2, 500), "the thread did not go on");
    TEST_CHECK(trapper.flags == DIRTY_FLAGS && trapper.fs == ODD_FS && trapper.gs == ODD_GS && trapper.es == ODD_ES,
               "the thread came back with eflags %x, fs %x gs %x es %x", trapper.flags, trapper.fs, trapper.gs,
               trapper.es);
}
