/*
 * cpu_state.c — the CPU state a user can set must never give it ring 0,
 * panic the kernel, or cross to another thread (docs/security.md lists each
 * piece of state and the test here that covers it). Each attack runs in a
 * thread of its own whose exception handler is the root thread: an attack
 * the kernel stops arrives as an exception message, and the handler has
 * the thread killed.
 */
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

struct attack {
    void (*run)(void);
    volatile uint32_t stage;             /* 1: about to attack, 2: came back from it */
};

static void attack_thread(void *argument)
{
    struct attack *a = argument;

    a->stage = 1;
    a->run();
    a->stage = 2;
}

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
 * thread coming back from it; the handler then kills it.
 */
static void expect_exception(struct test_result *result, const struct fault_server *handler, void (*run)(void),
                             uint32_t vector, uint32_t error_code, const char *what)
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
