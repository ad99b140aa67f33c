/*
 * entry_attacks.c — what a user can do around the instructions that enter
 * and leave the kernel (docs/security.md, "Beyond the CPU"): a trap flag
 * delayed by mov ss into each entry, and returns to hostile addresses
 * through sysexit and through an exception handler's reply. Each attack
 * runs in a thread of its own whose pager and exception handler is the
 * root: whatever the CPU raises must arrive as a message about that
 * thread, in user mode, and nothing may reach the kernel's own exception
 * path (a panic).
 */
#include "cpu_probe.h"
#include "fault_pager.h"

#include "bursar/cpu.h"
#include "libl4/printf.h"

#define KILL_TAG BURSAR_TAG(BURSAR_LABEL_KILL, 0, 0)
#define FLAG_TF 0x100u
#define MAX_MESSAGES 4

/* What the root received about the attacking thread: the first message's label, vector, eip, eflags, address. */
struct outcome {
    unsigned messages;
    uint32_t label, vector, eip, eflags, address;
    uint32_t last_label, last_eip;       /* the last message's */
    bool returned;
};

/*
 * `run` in a thread whose pager and exception handler is the root. The
 * first message (if any) is recorded; `resume` (if not null) answers it,
 * and the thread is killed at the next. Returns once the thread came back
 * or was killed.
 */
static void run_attack(struct test_result *result, void (*run)(void),
                       const struct bursar_exception_state *resume, const char *what, struct outcome *out)
{
    static struct attack a;
    struct fault_server handler;
    struct received_fault fault;
    unsigned thread;

    *out = (struct outcome){ 0 };
    a = (struct attack){ .run = run };
    TEST_CHECK_EQUAL(fault_server_create(&handler), 0, what);
    TEST_CHECK_EQUAL(core_spawn(attack_thread, &a, CORE_LOW_PRIORITY, &thread), 0, what);
    TEST_CHECK_EQUAL(l4_thread_configure(thread, BURSAR_THREAD_EXCEPTION_HANDLER, handler.endpoint), 0, what);
    TEST_CHECK_EQUAL(l4_thread_configure(thread, BURSAR_THREAD_PAGER, handler.endpoint), 0, what);
    while (out->messages < MAX_MESSAGES && fault_receive(&handler, &fault, 200) == 0) {
        if (out->messages == 0) {
            bool page_fault = fault.label == BURSAR_LABEL_PAGE_FAULT;
            out->label = fault.label;
            out->vector = page_fault ? 14 : fault.word[0];
            out->eip = page_fault ? fault.word[BURSAR_PAGE_FAULT_IP] : fault.word[2];
            out->eflags = page_fault ? 0 : fault.word[4];
            out->address = page_fault ? fault.word[BURSAR_PAGE_FAULT_ADDRESS] : 0;
        }
        out->last_label = fault.label;
        out->last_eip = fault.label == BURSAR_LABEL_PAGE_FAULT ? fault.word[BURSAR_PAGE_FAULT_IP] : fault.word[2];
        if (out->messages++ == 0 && resume && fault.label == BURSAR_LABEL_EXCEPTION)
            TEST_CHECK_EQUAL(exception_reply_with_state(&handler, resume, BURSAR_LABEL_RESUME), 0, what);
        else
            TEST_CHECK_EQUAL(l4_reply(handler.reply, KILL_TAG, 0, 0), 0, what);
    }
    out->returned = a.stage == 2;
    TEST_CHECK_EQUAL(l4_destroy(thread), 0, what);
}

/* ---- a trap flag that mov ss delays into the kernel ---- */

/* Flags right after the entry returned (before anything else runs). */
volatile uint32_t flags_after_entry;

/*
 * TF set by popf; then pop ss, which delays the single-step trap past the
 * next instruction: the entry. On real hardware that trap is delivered in
 * ring 0, at the entry's first instruction (QEMU's TCG drops it; the kernel
 * test image's 1201 makes the same trap there).
 */
#define TF_POP_SS_INTO(entry)                                                \
    __asm__ volatile("movl %%esp, %%ecx\n\t"                                 \
                     "movl $1f, %%edx\n\t"                                   \
                     "pushl %%ss\n\t"                                        \
                     "pushfl\n\t"                                            \
                     "orl %[tf], (%%esp)\n\t"                                \
                     "popfl\n\t"                                             \
                     "popl %%ss\n\t"                                         \
                     entry "\n"                                              \
                     "1:\n\t"                                                \
                     "pushfl\n\t"                                            \
                     "popl %%ss:flags_after_entry\n\t"                       \
                     "pushfl\n\t"                                            \
                     "andl %[no_tf], (%%esp)\n\t"                            \
                     "popfl"                                                 \
                     : : "a"(SYS_NULL), "b"(BURSAR_NO_CAPABILITY), [tf] "i"(FLAG_TF), [no_tf] "i"(~FLAG_TF) \
                     : "ecx", "edx", "memory", "cc")

static void tf_pop_ss_sysenter(void) { TF_POP_SS_INTO("sysenter"); }
static void tf_pop_ss_int80(void)    { TF_POP_SS_INTO("int $0x80"); }
static void tf_pop_ss_int3(void)     { TF_POP_SS_INTO("int3"); }
static void tf_pop_ss_icebp(void)    { TF_POP_SS_INTO(".byte 0xf1"); }
static void tf_pop_ss_into(void)
{
    __asm__ volatile("movl $0x7fffffff, %%eax\n\t"
                     "addl $1, %%eax\n\t"              /* OF set: into traps */
                     "pushl %%ss\n\t"
                     "pushfl\n\t"
                     "orl %[tf], (%%esp)\n\t"
                     "popfl\n\t"
                     "popl %%ss\n\t"
                     "into"
                     : : [tf] "i"(FLAG_TF) : "eax", "memory", "cc");
}

/*
 * A system call entered so (sysenter, int $0x80) completes and returns
 * with exactly IF set; int3 and into arrive at the handler as their own
 * exceptions, with the thread's TF in their flags; icebp as a debug trap
 * (QEMU: an invalid opcode). Nothing is stepped in the kernel.
 */
USER_TEST(1200, a_trap_flag_delayed_by_pop_ss_into_each_kernel_entry_stays_the_users)
{
    static const struct {
        void (*run)(void);
        bool returns;
        uint32_t vector, other_vector;
        const char *what;
    } attacks[] = {
        { tf_pop_ss_sysenter, true, 0, 0, "TF, pop ss, sysenter" },
        { tf_pop_ss_int80, true, 0, 0, "TF, pop ss, int $0x80" },
        { tf_pop_ss_int3, false, 3, 3, "TF, pop ss, int3" },
        { tf_pop_ss_into, false, 4, 4, "TF, pop ss, into" },
        { tf_pop_ss_icebp, false, 1, 6, "TF, pop ss, icebp" },
    };
    struct outcome out;

    for (unsigned i = 0; i < sizeof attacks / sizeof attacks[0]; i++) {
        flags_after_entry = 0;
        run_attack(result, attacks[i].run, 0, attacks[i].what, &out);
        if (attacks[i].returns) {
            TEST_CHECK(out.returned && out.messages == 0, "%s: %u messages (the first vector %u at %x), %s",
                       attacks[i].what, out.messages, out.vector, out.eip, out.returned ? "came back" : "never came back");
            TEST_CHECK_EQUAL_FMT(flags_after_entry, BURSAR_USER_EFLAGS, "%s: the flags it came back with",
                                 attacks[i].what);
        } else {
            TEST_CHECK(out.messages >= 1 && out.label == BURSAR_LABEL_EXCEPTION &&
                       (out.vector == attacks[i].vector || out.vector == attacks[i].other_vector),
                       "%s: %u messages, the first label %x vector %u", attacks[i].what, out.messages, out.label,
                       out.vector);
            TEST_CHECK(out.eflags & FLAG_TF, "%s: the thread's flags %x lack its TF", attacks[i].what, out.eflags);
        }
    }
}

/* ---- returns to hostile addresses ---- */

#define SYSEXIT_TO(eip, task)                                                \
    __asm__ volatile("movl %%esp, %%ecx\n\t"                                 \
                     "sysenter"                                              \
                     : : "a"(SYS_NULL), "b"(task), "d"(eip) : "ecx", "memory", "cc")
static void sysexit_to_unmapped(void)        { SYSEXIT_TO(0x3000u, BURSAR_NO_CAPABILITY); }
static void sysexit_to_kernel(void)          { SYSEXIT_TO(0xc0001000u, BURSAR_NO_CAPABILITY); }
static void sysexit_to_last_byte(void)       { SYSEXIT_TO(0xffffffffu, BURSAR_NO_CAPABILITY); }
static void fast_exit_to_kernel(void)        { SYSEXIT_TO(0xc0100000u, BURSAR_SLOT_TASK); }
static void slow_exit_to_kernel(void)
{
    __asm__ volatile("movl %%esp, %%ecx\n\t"
                     "sysenter"
                     : : "a"(SYS_YIELD), "d"(0xc0100000u) : "ecx", "memory", "cc");
}
static void sysexit_with_kernel_stack(void)
{
    __asm__ volatile("movl $0xc0000010, %%ecx\n\t"
                     "movl $1f, %%edx\n\t"
                     "sysenter\n"
                     "1:\n\t"
                     "pushl %%eax"                   /* the first use of the stack faults */
                     : : "a"(SYS_NULL), "b"(BURSAR_NO_CAPABILITY) : "ecx", "edx", "memory", "cc");
}
static void breakpoint(void) { __asm__ volatile("int3"); }

/*
 * sysexit returns wherever the caller's edx and ecx say, and iret wherever
 * an exception handler's reply says (eip below 0xC0000000, any esp): an
 * address in the kernel half, an unmapped one, the last byte of the address
 * space, a stack pointer in the kernel. Each faults in user mode, at that
 * address, as a page fault message to the thread's pager; the kernel's own
 * exit never faults.
 */
USER_TEST(1202, returns_to_hostile_addresses_fault_in_user_mode)
{
    static const struct {
        void (*run)(void);
        uint32_t eip, address;               /* ~0u: any */
        const char *what;
    } attacks[] = {
        { sysexit_to_unmapped, 0x3000u, 0x3000u, "sysexit to an unmapped page" },
        { sysexit_to_kernel, 0xc0001000u, 0xc0001000u, "sysexit into the kernel half" },
        { fast_exit_to_kernel, 0xc0100000u, 0xc0100000u, "the fast path's exit into the kernel half" },
        { slow_exit_to_kernel, 0xc0100000u, 0xc0100000u, "the slow path's exit into the kernel half" },
        { sysexit_to_last_byte, 0xffffffffu, ~0u, "sysexit to the last byte" },
        { sysexit_with_kernel_stack, ~0u, 0xc000000cu, "sysexit with esp in the kernel half" },
    };
    struct bursar_exception_state hostile = { .eip = 0xbffffffeu, .esp = 0xfffffff0u, .eflags = 0 };
    struct outcome out;

    for (unsigned i = 0; i < sizeof attacks / sizeof attacks[0]; i++) {
        run_attack(result, attacks[i].run, 0, attacks[i].what, &out);
        TEST_CHECK(out.messages >= 1 && out.label == BURSAR_LABEL_PAGE_FAULT && !out.returned,
                   "%s: %u messages, the first label %x", attacks[i].what, out.messages, out.label);
        TEST_CHECK(attacks[i].eip == ~0u || out.eip == attacks[i].eip, "%s: eip %x", attacks[i].what, out.eip);
        TEST_CHECK(attacks[i].address == ~0u || out.address == attacks[i].address, "%s: address %x",
                   attacks[i].what, out.address);
    }
    /* A breakpoint resumed at the last two bytes below the kernel, with esp at the top of the kernel half. */
    run_attack(result, breakpoint, &hostile, "a handler's reply with a hostile eip and esp", &out);
    TEST_CHECK(out.messages == 2 && out.vector == 3, "the breakpoint: %u messages, vector %u", out.messages,
               out.vector);
    TEST_CHECK(out.last_label == BURSAR_LABEL_PAGE_FAULT && out.last_eip == hostile.eip,
               "resumed: label %x at %x, expected a page fault at %x", out.last_label, out.last_eip, hostile.eip);
}

/* ---- MXCSR: the one FXSAVE field with reserved bits (fxrstor in ring 0 would fault on them) ---- */

static struct fpu_image_16 { uint8_t bytes[512]; } __attribute__((aligned(16))) mxcsr_image;
volatile uint32_t mxcsr_valid, mxcsr_seen, mxcsr_changed;

/* Every valid MXCSR bit set (DAZ too where the CPU has it), kept across every kind of kernel entry. */
static void mxcsr_all_valid_bits(void)
{
    uint32_t mask, value, seen;

    __asm__ volatile("fxsave %0" : "=m"(mxcsr_image));
    mask = *(uint32_t *)(mxcsr_image.bytes + 28);
    value = (mask ? mask : 0xffbfu) & 0xffffu;
    mxcsr_valid = value;
    __asm__ volatile("ldmxcsr %0" : : "m"(value));
    for (unsigned i = 0; i < 30; i++) {
        if (i % 3 == 0)
            l4_null(BURSAR_NO_CAPABILITY);
        else if (i % 3 == 1)
            l4_yield();
        else
            core_sleep_ms(1);
        __asm__ volatile("stmxcsr %0" : "=m"(seen));
        mxcsr_seen = seen;
        mxcsr_changed += seen != value;
    }
}

static void mxcsr_reserved_bit(void)
{
    uint32_t value = 0x10000u | 0x1f80u, seen;

    __asm__ volatile("ldmxcsr %0" : : "m"(value));
    __asm__ volatile("stmxcsr %0" : "=m"(seen));
    mxcsr_seen = seen;
    l4_yield();
    core_sleep_ms(1);
    __asm__ volatile("stmxcsr %0" : "=m"(seen));
    mxcsr_changed = seen;
}

static void fxrstor_reserved_bit(void)
{
    __asm__ volatile("fxsave %0" : "=m"(mxcsr_image));
    *(uint32_t *)(mxcsr_image.bytes + 24) = 0xffffffffu;
    __asm__ volatile("fxrstor %0" : : "m"(mxcsr_image));
}

/*
 * A user sets every valid MXCSR bit and keeps them through system calls,
 * yields and sleeps (its FXSAVE image holds them and the kernel's fxrstor
 * takes them back); on a real CPU it cannot set a reserved bit, neither
 * with ldmxcsr nor by fxrstor of its own image: both fault in user mode.
 * No path writes user data into a thread's image but the CPU's own fxsave
 * (no heap page is ever user-mapped: the kernel's check, 1220), so the
 * kernel's fxrstor, which would fault on one in ring 0, never meets one.
 */
USER_TEST(1209, mxcsr_reserved_bits_fault_in_user_mode_and_valid_ones_stay_the_threads)
{
    struct outcome out;

    mxcsr_changed = 0;
    run_attack(result, mxcsr_all_valid_bits, 0, "every valid MXCSR bit", &out);
    TEST_CHECK(out.returned && out.messages == 0, "every valid MXCSR bit: %u messages", out.messages);
    TEST_CHECK(mxcsr_changed == 0, "MXCSR %x came back as %x", mxcsr_valid, mxcsr_seen);
    /*
     * A real CPU faults on both (#GP, vector 13). QEMU's TCG takes the bit
     * (ldmxcsr and fxrstor do not check), keeps it in the image and loads
     * it again with the kernel's own fxrstor, which does not check either:
     * then the thread must come back with it, and nothing else happens.
     */
    run_attack(result, mxcsr_reserved_bit, 0, "ldmxcsr with a reserved bit", &out);
    printf("  ldmxcsr 0x11f80: %s\n", out.messages ? "faulted" : "taken (an emulator that does not check)");
    TEST_CHECK((out.messages == 1 && out.vector == 13) ||
               (out.messages == 0 && out.returned && mxcsr_seen == 0x11f80u && mxcsr_changed == 0x11f80u),
               "ldmxcsr with a reserved bit: %u messages, vector %u, read back %x then %x", out.messages, out.vector,
               mxcsr_seen, mxcsr_changed);
    run_attack(result, fxrstor_reserved_bit, 0, "fxrstor with a reserved bit", &out);
    TEST_CHECK((out.messages == 1 && out.vector == 13) || (out.messages == 0 && out.returned),
               "fxrstor with a reserved bit: %u messages, vector %u", out.messages, out.vector);
}

/* ---- int $0x80 keeps ecx and edx, whichever path answers ---- */

#define ECX_MARK 0x11111111u
#define EDX_MARK 0x22222222u

/* An IPC by int $0x80 with ecx and edx marked; what it returned in all six registers. */
struct trapped_ipc {
    uint32_t eax, ebx, esi, edi, ebp, ecx, edx;
};

static void ipc_by_int80(struct trapped_ipc *t)
{
    struct l4_words w = { t->ebx, t->esi, t->edi, t->ebp };
    uint32_t ecx = ECX_MARK, edx = EDX_MARK;
    int eax = int80_call_marked(t->eax, &w, &ecx, &edx);

    *t = (struct trapped_ipc){ (uint32_t)eax, w.ebx, w.esi, w.edi, w.ebp, ecx, edx };
}

static volatile struct {
    unsigned endpoint, reply;
    volatile uint32_t rounds, bad_registers;
    struct trapped_ipc last;
} trapped;

/* The server: receives and replies by sysenter (the fast path's entry), words + 1. */
static void sysenter_server(void *argument)
{
    uint32_t badge = 0, tag = 0, mr0 = 0, mr1 = 0;
    int error = l4_receive(trapped.endpoint, trapped.reply, &badge, &tag, &mr0, &mr1, BURSAR_TIMEOUT_NEVER);

    (void)argument;
    while (error == 0) {
        tag = BURSAR_TAG(2, 2, 0);
        mr0++, mr1++;
        error = l4_reply_wait(trapped.endpoint, trapped.reply, &badge, &tag, &mr0, &mr1, BURSAR_TIMEOUT_NEVER);
    }
}

/* The receiver: receives by int $0x80 (naming the reply object) and replies by int $0x80, words + 1. */
static void int80_receiver(void *argument)
{
    (void)argument;
    for (;;) {
        struct trapped_ipc r = { .eax = l4_eax(SYS_RECEIVE, 0, BURSAR_TIMEOUT_NEVER),
                                 .ebx = l4_receive_word(trapped.endpoint, trapped.reply) };
        ipc_by_int80(&r);
        trapped.last = r;
        trapped.rounds++;
        trapped.bad_registers += r.eax != 0 || r.ecx != ECX_MARK || r.edx != EDX_MARK;
        r = (struct trapped_ipc){ .eax = SYS_REPLY, .ebx = trapped.reply, .esi = BURSAR_TAG(3, 2, 0),
                                  .edi = r.edi + 1, .ebp = r.ebp + 1 };
        ipc_by_int80(&r);
    }
}

static uint32_t fast_path_ipcs_so_far(void)
{
    struct bursar_system_info info = { 0 };

    l4_system_info(&info);
    return info.fast_path_ipcs;
}

/*
 * int $0x80 returns by iret with every register but eax and the four
 * results as they were; sysenter returns with ecx and edx clobbered
 * (docs/abi.md §1). A caller by int $0x80 answered by a server's
 * reply-and-wait by sysenter, and a receiver blocked in int $0x80 woken by
 * a call by sysenter, are both register-only round trips the fast path
 * would serve: before, it did, and returned to the int $0x80 thread with
 * sysexit, its user esp and eip in ecx and edx (the slow-path kernel kept
 * them). Now the fast path leaves such a thread to the slow path, and
 * still serves sysenter pairs.
 */
USER_TEST(1212, an_int80_thread_gets_ecx_and_edx_back_whichever_path_answers)
{
    unsigned thread;
    uint32_t before, tag, mr0, mr1;

    trapped.endpoint = core_slot();
    trapped.reply = core_slot();
    trapped.rounds = trapped.bad_registers = 0;
    TEST_CHECK_EQUAL(l4_create(BURSAR_SLOT_HEAP, BURSAR_OBJECT_ENDPOINT, trapped.endpoint, 0), 0, "endpoint");
    TEST_CHECK_EQUAL(l4_create(BURSAR_SLOT_HEAP, BURSAR_OBJECT_REPLY, trapped.reply, 0), 0, "reply object");
    TEST_CHECK_EQUAL(core_spawn(sysenter_server, 0, BURSAR_ROOT_PRIORITY, &thread), 0, "the sysenter server");
    core_sleep_ms(10);
    for (uint32_t i = 0; i < 3; i++) {
        struct trapped_ipc c = { .eax = l4_eax(SYS_CALL, BURSAR_TIMEOUT_NEVER, BURSAR_TIMEOUT_NEVER),
                                 .ebx = trapped.endpoint, .esi = BURSAR_TAG(1, 2, 0), .edi = 10 * i, .ebp = 20 * i };
        ipc_by_int80(&c);
        TEST_CHECK_EQUAL_FMT(c.eax, 0, "call %u by int $0x80", i);
        TEST_CHECK(c.esi == BURSAR_TAG(2, 2, 0) && c.edi == 10 * i + 1 && c.ebp == 20 * i + 1,
                   "call %u: reply tag %x words %u %u", i, c.esi, c.edi, c.ebp);
        TEST_CHECK(c.ecx == ECX_MARK && c.edx == EDX_MARK, "call %u by int $0x80 came back with ecx %x edx %x", i,
                   c.ecx, c.edx);
    }
    before = fast_path_ipcs_so_far();
    tag = BURSAR_TAG(1, 2, 0), mr0 = 1, mr1 = 2;
    TEST_CHECK_EQUAL(l4_call(trapped.endpoint, &tag, &mr0, &mr1, BURSAR_TIMEOUT_NEVER, BURSAR_TIMEOUT_NEVER), 0,
                     "a call by sysenter");
    printf("  a sysenter round trip: %u fast-path IPCs\n", fast_path_ipcs_so_far() - before);
    TEST_CHECK_EQUAL(l4_destroy(thread), 0, "the sysenter server");

    TEST_CHECK_EQUAL(core_spawn(int80_receiver, 0, BURSAR_ROOT_PRIORITY, &thread), 0, "the int $0x80 receiver");
    core_sleep_ms(10);
    for (uint32_t i = 0; i < 3; i++) {
        tag = BURSAR_TAG(1, 2, 0), mr0 = 100 + i, mr1 = 200 + i;
        TEST_CHECK_EQUAL_FMT(l4_call(trapped.endpoint, &tag, &mr0, &mr1, BURSAR_TIMEOUT_NEVER, BURSAR_TIMEOUT_MS(1000)),
                             0, "call %u by sysenter", i);
        TEST_CHECK(mr0 == 101 + i && mr1 == 201 + i, "call %u: words back %u %u", i, mr0, mr1);
    }
    TEST_CHECK_EQUAL(trapped.rounds, 3, "the receiver's rounds");
    TEST_CHECK(trapped.bad_registers == 0, "the receiver by int $0x80 came back with eax %d ecx %x edx %x",
               (int)trapped.last.eax, trapped.last.ecx, trapped.last.edx);
}
