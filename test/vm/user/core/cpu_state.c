/*
 * cpu_state.c — the CPU state a user can set must never give it ring 0,
 * panic the kernel, or cross to another thread (docs/security.md lists each
 * piece of state and the test here that covers it). Each attack runs in a
 * thread of its own whose exception handler is the root thread: an attack
 * the kernel stops arrives as an exception message, and the handler has
 * the thread killed.
 */
#include "cpu_probe.h"
#include "fault_pager.h"

#include "libl4/printf.h"

#define KILL_TAG BURSAR_TAG(BURSAR_LABEL_KILL, 0, 0)
#define VECTOR_GENERAL_PROTECTION 13

/* ---- the reset LDT (linear 0..0xffff) is user memory ---- */

#define LDT_PAGE 0x1000u                 /* the first user page: LDT entries 512..1023 */
#define LDT_GATE_INDEX 512u
#define LDT_DATA_INDEX 513u
#define LDT_SELECTOR(index) ((index) << 3 | 4 | 3)   /* TI: the LDT, RPL 3 */
#define KERNEL_CODE_SELECTOR 0x08

/* Set by gate_target, which runs only if a call gate in the LDT took the thread to ring 0. */
volatile uint32_t ring0_code_selector;

void gate_target(void);
__asm__(".text\n"
        ".globl gate_target\n"
        "gate_target:\n\t"
        "movl %cs, %eax\n\t"
        "movl %eax, %ss:ring0_code_selector\n\t"
        "lret\n");

static void call_through_ldt_gate(void)
{
    static const struct { uint32_t offset; uint16_t selector; } __attribute__((packed)) far = {
        0, LDT_SELECTOR(LDT_GATE_INDEX)
    };

    __asm__ volatile("lcall *%0" : : "m"(far) : "eax", "memory");
}

static void load_ldt_data_selector(void)
{
    __asm__ volatile("movl %0, %%fs" : : "r"(LDT_SELECTOR(LDT_DATA_INDEX)) : "memory");
}

/*
 * `run` in a new thread whose handler is `handler`: it must arrive as an
 * exception with `vector` and `error_code` (unless ~0u), without the
 * thread coming back from it; the handler then kills it. The exception
 * message is left in *fault.
 */
static void expect_exception_message(struct test_result *result, const struct fault_server *handler,
                                     void (*run)(void), uint32_t vector, uint32_t error_code, const char *what,
                                     struct received_fault *out)
{
    static struct attack a;
    struct received_fault fault;
    unsigned thread;

    a = (struct attack){ .run = run };
    TEST_CHECK_EQUAL(core_spawn(attack_thread, &a, CORE_LOW_PRIORITY, &thread), 0, what);
    TEST_CHECK_EQUAL(l4_thread_configure(thread, BURSAR_THREAD_EXCEPTION_HANDLER, handler->endpoint), 0, what);
    int error = fault_receive(handler, &fault, 500);
    TEST_CHECK(error == 0, "%s: no exception arrived (error %d; the thread came back: %s)", what, error,
               a.stage == 2 ? "yes" : "no");
    TEST_CHECK(fault.label == BURSAR_LABEL_EXCEPTION && fault.word[0] == vector,
               "%s: label %x vector %u, expected vector %u", what, fault.label, fault.word[0], vector);
    TEST_CHECK(error_code == ~0u || fault.word[1] == error_code, "%s: error code %x, expected %x", what,
               fault.word[1], error_code);
    TEST_CHECK_EQUAL(l4_reply(handler->reply, KILL_TAG, 0, 0), 0, what);
    TEST_CHECK(a.stage == 1, "%s: the thread came back from it", what);
    TEST_CHECK_EQUAL(l4_destroy(thread), 0, what);
    *out = fault;
}

static void expect_exception(struct test_result *result, const struct fault_server *handler, void (*run)(void),
                             uint32_t vector, uint32_t error_code, const char *what)
{
    struct received_fault fault;

    expect_exception_message(result, handler, run, vector, error_code, what, &fault);
}

/* An LDT descriptor: a 32-bit call gate to the kernel's code, callable from ring 3, and flat ring-3 data. */
static void write_ldt_descriptors(volatile uint32_t *ldt)
{
    uint32_t target = (uint32_t)gate_target;

    ldt[0] = (target & 0xffffu) | KERNEL_CODE_SELECTOR << 16;
    ldt[1] = (target & 0xffff0000u) | 0xec00u;          /* present, DPL 3, 32-bit call gate */
    ldt[2] = 0x0000ffffu;                               /* base 0, limit 4 GiB */
    ldt[3] = 0x00cff200u;                               /* present, DPL 3, writable data, 4 KiB units */
}

/*
 * The CPU's LDT after reset lies at linear 0 with limit 0xffff; the kernel
 * must load a null LDT, or a task that maps a page there writes its own
 * descriptors: a call gate to the kernel's code selector runs the task's
 * code in ring 0. Every LDT selector must fault instead.
 */
USER_TEST(800, ldt_selectors_fault_and_a_call_gate_in_low_memory_never_reaches_ring_0)
{
    struct fault_server handler;

    ring0_code_selector = 0;
    TEST_CHECK_EQUAL(l4_frame_map(BURSAR_SLOT_MEMORY, core_frame(), LDT_PAGE,
                                  BURSAR_RIGHT_READ | BURSAR_RIGHT_WRITE), 0, "map a page at linear 0x1000");
    write_ldt_descriptors((volatile uint32_t *)LDT_PAGE);
    TEST_CHECK_EQUAL(fault_server_create(&handler), 0, "handler");
    expect_exception(result, &handler, call_through_ldt_gate, VECTOR_GENERAL_PROTECTION,
                     LDT_SELECTOR(LDT_GATE_INDEX) & ~3u, "lcall through an LDT call gate");
    TEST_CHECK(ring0_code_selector == 0, "user code ran with code selector %x", ring0_code_selector);
    expect_exception(result, &handler, load_ldt_data_selector, VECTOR_GENERAL_PROTECTION,
                     LDT_SELECTOR(LDT_DATA_INDEX) & ~3u, "an LDT data selector into %fs");
    TEST_CHECK_EQUAL(l4_unmap(LDT_PAGE, 1), 0, "unmap the page");
}

/* ---- TF: single-stepping is the thread's own business ---- */

/* One probed system call, made by a thread of its own (whose exception handler is the root). */
struct probe_job {
    bool by_int;
    uint32_t eax;
    struct l4_words words;
    struct cpu_probe probe;
    int status;
    volatile uint32_t stage;
};

static void probe_thread(void *argument)
{
    struct probe_job *job = argument;

    job->stage = 1;
    job->status = cpu_probe_call(job->by_int, job->eax, &job->words, &job->probe);
    job->stage = 2;
}

/*
 * `job` in a new thread at `priority` whose exception handler is
 * `handler`: it must come back from its system call without an exception
 * (one that arrives is reported, and the thread killed).
 */
static void run_probe_job(struct test_result *result, const struct fault_server *handler, struct probe_job *job,
                          unsigned priority, const char *what)
{
    struct received_fault fault;
    unsigned thread;

    job->stage = 0;
    TEST_CHECK_EQUAL(core_spawn(probe_thread, job, priority, &thread), 0, what);
    TEST_CHECK_EQUAL(l4_thread_configure(thread, BURSAR_THREAD_EXCEPTION_HANDLER, handler->endpoint), 0, what);
    wait_for_stage(&job->stage, 2, 300);
    if (job->stage != 2 && fault_receive(handler, &fault, 50) == 0) {
        l4_reply(handler->reply, KILL_TAG, 0, 0);
        TEST_CHECK(false, "%s: exception %u at %x (eflags %x) instead of a return", what, fault.word[0],
                   fault.word[2], fault.word[4]);
    }
    TEST_CHECK(job->stage == 2, "%s: the call never came back", what);
    TEST_CHECK_EQUAL(l4_destroy(thread), 0, what);
}

static void single_step(void)
{
    __asm__ volatile("pushfl\n\t"
                     "orl %0, (%%esp)\n\t"
                     "popfl\n\t"
                     "nop\n\t"
                     "nop"
                     : : "i"(FLAG_TF) : "memory", "cc");
}

/*
 * A user may set TF. In user mode it single-steps the thread, each step an
 * exception message to its handler. Into the kernel it never reaches:
 * sysenter carries it in (the CPU traps right after sysenter, in ring 0,
 * which panicked the kernel), int $0x80 clears it; either way the call
 * completes and returns with TF clear, as with only IF set (abi.md §1.1).
 */
USER_TEST(802, a_users_trap_flag_single_steps_it_but_never_traps_the_kernel)
{
    static struct probe_job job;
    struct fault_server handler;
    struct received_fault fault;
    static const struct { bool by_int; uint32_t eax, ebx; const char *what; } calls[] = {
        { false, SYS_NULL, BURSAR_NO_CAPABILITY, "SYS_NULL by sysenter (answered by the entry)" },
        { false, SYS_NULL, BURSAR_SLOT_TASK, "SYS_NULL with a task by sysenter (the fast path's C)" },
        { false, SYS_YIELD, 0, "SYS_YIELD by sysenter (the slow path)" },
        { true, SYS_NULL, BURSAR_NO_CAPABILITY, "SYS_NULL by int $0x80" },
    };

    TEST_CHECK_EQUAL(fault_server_create(&handler), 0, "handler");
    expect_exception_message(result, &handler, single_step, 1, ~0u, "single-stepping in user mode", &fault);
    TEST_CHECK(fault.word[4] & FLAG_TF, "the trap's eflags %x lack TF", fault.word[4]);
    for (unsigned i = 0; i < sizeof calls / sizeof calls[0]; i++) {
        job = (struct probe_job){ .by_int = calls[i].by_int, .eax = calls[i].eax, .words = { calls[i].ebx } };
        cpu_probe_clean(&job.probe, BURSAR_USER_EFLAGS | FLAG_TF);
        run_probe_job(result, &handler, &job, CORE_LOW_PRIORITY, calls[i].what);
        TEST_CHECK(job.status == 0, "%s: returned %d", calls[i].what, job.status);
        TEST_CHECK(cpu_probe_out_clean(&job.probe), "%s: came back with eflags %x", calls[i].what,
                   job.probe.flags_out);
    }
}

/* ---- NT: never a task return in the kernel ---- */

/* What a new thread finds at its first instruction (initial_state_entry). */
struct initial_state {
    uint32_t flags, ds, es, fs, gs, ss, cs;
    volatile uint32_t recorded;
};
struct initial_state initial_state;

void initial_state_entry(void);
__attribute__((noreturn, used)) static void initial_state_recorded(void)
{
    initial_state.recorded = 1;
    l4_thread_exit(0);
    for (;;)
        ;
}
__asm__(".text\n"
        ".globl initial_state_entry\n"
        "initial_state_entry:\n\t"
        "pushfl\n\t"
        "popl %ss:initial_state\n\t"
        "movw %ds, %ss:initial_state + 4\n\t"
        "movw %es, %ss:initial_state + 8\n\t"
        "movw %fs, %ss:initial_state + 12\n\t"
        "movw %gs, %ss:initial_state + 16\n\t"
        "movw %ss, %ss:initial_state + 20\n\t"
        "movw %cs, %ss:initial_state + 24\n\t"
        "jmp initial_state_recorded\n");

/* A user's own iret with NT set is a task return to the TSS's link, which is null: an invalid-TSS fault. */
static void iret_with_nested_task(void)
{
    __asm__ volatile("pushfl\n\t"
                     "orl %0, (%%esp)\n\t"
                     "popfl\n\t"
                     "pushfl\n\t"
                     "pushl %%cs\n\t"
                     "pushl $1f\n\t"
                     "iret\n"
                     "1:"
                     : : "i"(FLAG_NT) : "memory", "cc");
}

/* Blocked in a receive by int $0x80 (so it leaves the kernel by iret), with a higher priority than the root's. */
static void receive_by_int(void *argument)
{
    struct probe_job *job = argument;

    job->stage = 1;
    job->status = cpu_probe_call(true, job->eax, &job->words, &job->probe);
    job->stage = 2;
}

/*
 * A user may set NT. sysenter keeps it and the kernel's context switch
 * saves no flags, so the next thread the kernel left by iret made a task
 * return (an invalid-TSS panic): a thread that had never run, or one
 * blocked in int $0x80. The kernel now runs with NT clear, both threads
 * run, and a new thread starts with exactly the documented state. In user
 * mode NT affects only the thread's own iret, which faults.
 */
USER_TEST(803, a_users_nested_task_flag_never_reaches_another_threads_iret)
{
    static struct probe_job receiver, sender;
    struct probe_job self;
    struct fault_server handler;
    unsigned thread, endpoint = core_slot();

    initial_state = (struct initial_state){ 0 };
    TEST_CHECK_EQUAL(core_spawn_raw((uintptr_t)initial_state_entry, BURSAR_ROOT_PRIORITY, &thread), 0,
                     "a thread that has not run yet");
    self = (struct probe_job){ .eax = SYS_YIELD };
    cpu_probe_dirty(&self.probe, 0);
    TEST_CHECK_EQUAL(cpu_probe_call(false, self.eax, &self.words, &self.probe), 0, "yield with NT set, by sysenter");
    TEST_CHECK(cpu_probe_out_clean(&self.probe), "the yield came back with eflags %x, ds %x es %x fs %x gs %x",
               self.probe.flags_out, self.probe.ds_out, self.probe.es_out, self.probe.fs_out, self.probe.gs_out);
    for (unsigned waited = 0; !initial_state.recorded && waited < 20; waited++)
        l4_yield();
    TEST_CHECK(initial_state.recorded, "the new thread never ran");
    TEST_CHECK(initial_state.flags == BURSAR_USER_EFLAGS, "a new thread starts with eflags %x", initial_state.flags);
    TEST_CHECK(initial_state.ds == BURSAR_SELECTOR_USER_DATA && initial_state.es == BURSAR_SELECTOR_USER_DATA &&
               initial_state.fs == BURSAR_SELECTOR_USER_DATA && initial_state.gs == BURSAR_SELECTOR_UTCB &&
               initial_state.ss == BURSAR_SELECTOR_USER_DATA && initial_state.cs == BURSAR_SELECTOR_USER_CODE,
               "a new thread starts with ds %x es %x fs %x gs %x ss %x cs %x", initial_state.ds, initial_state.es,
               initial_state.fs, initial_state.gs, initial_state.ss, initial_state.cs);

    /* A sender at a lower priority than a receiver blocked in int $0x80: the send switches to it. */
    TEST_CHECK_EQUAL(fault_server_create(&handler), 0, "handler");
    expect_exception(result, &handler, iret_with_nested_task, 10, 0, "a user's own iret with NT set");
    TEST_CHECK_EQUAL(l4_create(BURSAR_SLOT_HEAP, BURSAR_OBJECT_ENDPOINT, endpoint, 0), 0, "endpoint");
    receiver = (struct probe_job){ .eax = l4_eax(SYS_RECEIVE, 0, BURSAR_TIMEOUT_NEVER),
                                   .words = { l4_receive_word(endpoint, BURSAR_NO_CAPABILITY) } };
    cpu_probe_clean(&receiver.probe, BURSAR_USER_EFLAGS);
    TEST_CHECK_EQUAL(core_spawn(receive_by_int, &receiver, CORE_LOW_PRIORITY + 1, &thread), 0, "receiver");
    sender = (struct probe_job){ .eax = l4_eax(SYS_SEND, BURSAR_TIMEOUT_NEVER, 0),
                                 .words = { endpoint, BURSAR_TAG(7, 2, 0), 11, 12 } };
    cpu_probe_dirty(&sender.probe, 1);
    run_probe_job(result, &handler, &sender, CORE_LOW_PRIORITY, "a send with NT set, by sysenter");
    TEST_CHECK_EQUAL(sender.status, 0, "the send");
    TEST_CHECK(cpu_probe_out_clean(&sender.probe), "the send came back with eflags %x", sender.probe.flags_out);
    TEST_CHECK_EQUAL(receiver.stage, 2, "the receiver got the message");
    TEST_CHECK(receiver.status == 0 && receiver.words.edi == 11 && receiver.words.ebp == 12,
               "the receiver got %d, words %u %u", receiver.status, receiver.words.edi, receiver.words.ebp);
    TEST_CHECK(cpu_probe_out_clean(&receiver.probe), "the receiver came back by iret with eflags %x",
               receiver.probe.flags_out);
}

/* ---- what ring 3 cannot reach ---- */

static void port_input(void)       { __asm__ volatile("inb $0x60, %%al" : : : "eax"); }
static void interrupts_off(void)   { __asm__ volatile("cli"); }
static void debug_register(void)   { __asm__ volatile("movl %%dr7, %%eax" : : : "eax"); }
static void load_ldt(void)         { __asm__ volatile("lldt %%ax" : : "a"(0)); }
static void ring0_gate(void)       { __asm__ volatile("int $0x20"); }
static void debug_gate(void)       { __asm__ volatile("int $1"); }
static void task_state_jump(void)
{
    static const struct { uint32_t offset; uint16_t selector; } __attribute__((packed)) far = { 0, 0x28 };

    __asm__ volatile("ljmp *%0" : : "m"(far) : "memory");
}

/*
 * Port I/O, cli, the debug registers, lldt, an int through a gate of DPL 0
 * (a device vector, the debug vector) and a far jump to the kernel's TSS
 * all fault in user mode and arrive as exception messages.
 */
USER_TEST(807, privileged_instructions_and_ring_0_gates_fault_in_user_mode)
{
    struct fault_server handler;

    TEST_CHECK_EQUAL(fault_server_create(&handler), 0, "handler");
    expect_exception(result, &handler, port_input, VECTOR_GENERAL_PROTECTION, 0, "inb");
    expect_exception(result, &handler, interrupts_off, VECTOR_GENERAL_PROTECTION, 0, "cli");
    expect_exception(result, &handler, debug_register, VECTOR_GENERAL_PROTECTION, 0, "mov from DR7");
    expect_exception(result, &handler, load_ldt, VECTOR_GENERAL_PROTECTION, 0, "lldt");
    expect_exception(result, &handler, ring0_gate, VECTOR_GENERAL_PROTECTION, 0x20 << 3 | 2, "int $0x20");
    expect_exception(result, &handler, debug_gate, VECTOR_GENERAL_PROTECTION, 1 << 3 | 2, "int $1");
    expect_exception(result, &handler, task_state_jump, VECTOR_GENERAL_PROTECTION, 0x28, "ljmp to the TSS");
}
