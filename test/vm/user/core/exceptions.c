/*
 * exceptions.c — an exception in user mode is a call from the thread to its
 * exception handler with its registers (docs/abi.md §8). The handler may
 * resume it with new register values (never privileged state) or have it
 * killed. The root thread is the handler here.
 */
#include "fault_pager.h"

#include "libl4/message.h"

#define RESUME_TAG(words) BURSAR_TAG(BURSAR_LABEL_RESUME, words, 0)
#define EFLAGS_CF 0x1u
#define EFLAGS_IF 0x200u
#define EFLAGS_IOPL 0x3000u
#define EFLAGS_TF 0x100u

struct trapper {
    volatile uint32_t stage;     /* 1: about to trap, 2: past it */
    uint32_t result, flags;
};

/* ud2 with eax = 0x600d; reports eax afterwards. */
static void invalid_opcode(void *argument)
{
    struct trapper *t = argument;
    uint32_t eax;

    t->stage = 1;
    __asm__ volatile("movl $0x600d, %%eax\n\t"
                     "ud2"
                     : "=a"(eax) : : "memory");
    t->result = eax;
    t->stage = 2;
}

/* 100 / ecx with ecx = 0; reports the quotient. */
static void divide_by_zero(void *argument)
{
    struct trapper *t = argument;
    uint32_t quotient, remainder;

    t->stage = 1;
    __asm__ volatile("divl %%ecx" : "=a"(quotient), "=d"(remainder) : "0"(100u), "1"(0u), "c"(0u));
    t->result = quotient;
    t->stage = 2;
}

/* int3 with the carry clear; reports eflags right after. */
static void breakpoint(void *argument)
{
    struct trapper *t = argument;
    uint32_t flags;

    t->stage = 1;
    __asm__ volatile("clc\n\t"
                     "int3\n\t"
                     "pushfl\n\t"
                     "popl %0"
                     : "=r"(flags) : : "cc", "memory");
    t->flags = flags;
    t->stage = 2;
}

static int spawn_trapper(void (*entry)(void *), struct trapper *t, unsigned handler, unsigned *thread)
{
    int error = core_spawn(entry, t, CORE_LOW_PRIORITY, thread);

    return error ? error : l4_thread_configure(*thread, BURSAR_THREAD_EXCEPTION_HANDLER, handler);
}

/* The received registers as the struct the ABI defines. */
struct bursar_exception_state exception_state_of(const struct received_fault *fault)
{
    struct bursar_exception_state state;
    uint32_t *words = (uint32_t *)&state;

    for (unsigned i = 0; i < BURSAR_EXCEPTION_WORDS; i++)
        words[i] = fault->word[i];
    return state;
}

/* RESUME with a whole register set. */
int exception_reply_with_state(const struct fault_server *handler, const struct bursar_exception_state *state,
                               uint32_t label)
{
    const uint32_t *words = (const uint32_t *)state;

    for (unsigned i = 2; i < BURSAR_EXCEPTION_WORDS; i++)
        l4_mr_set(i, words[i]);
    return l4_reply(handler->reply, BURSAR_TAG(label, BURSAR_EXCEPTION_WORDS, 0), words[0], words[1]);
}

USER_TEST(520, an_invalid_opcode_is_skipped_by_the_handler_which_sets_eip_and_eax)
{
    static struct trapper t;
    struct fault_server handler;
    struct received_fault fault;
    struct bursar_exception_state state;
    unsigned thread;

    t = (struct trapper){ 0 };
    TEST_CHECK_EQUAL(fault_server_create(&handler), 0, "handler endpoint");
    TEST_CHECK_EQUAL(spawn_trapper(invalid_opcode, &t, handler.endpoint, &thread), 0, "thread");
    TEST_CHECK_EQUAL(fault_receive(&handler, &fault, 1000), 0, "the exception arrives");
    TEST_CHECK_EQUAL(fault.label, BURSAR_LABEL_EXCEPTION, "label");
    TEST_CHECK_EQUAL(fault.words, BURSAR_EXCEPTION_WORDS, "words");
    state = exception_state_of(&fault);
    TEST_CHECK_EQUAL(state.vector, 6, "vector");
    TEST_CHECK_EQUAL(state.eax, 0x600d, "eax as the thread left it");
    TEST_CHECK(state.eip >= (uintptr_t)program_start && state.eip < (uintptr_t)user_tests_start,
               "eip %x outside the text", state.eip);
    TEST_CHECK_EQUAL(*(const uint16_t *)state.eip, 0x0b0f, "eip points at ud2");
    TEST_CHECK(state.esp > (uintptr_t)user_tests_start, "esp %x", state.esp);
    TEST_CHECK(state.eflags & EFLAGS_IF, "interrupts were on in user mode");
    state.eip += 2;
    state.eax = 0x5ca1ab1e;
    TEST_CHECK_EQUAL(exception_reply_with_state(&handler, &state, BURSAR_LABEL_RESUME), 0, "reply with new eip and eax");
    TEST_CHECK(wait_for_stage(&t.stage, 2, 500), "the thread did not go on");
    TEST_CHECK_EQUAL(t.result, 0x5ca1ab1e, "eax the thread saw");
}

USER_TEST(521, a_divide_by_zero_is_fixed_by_changing_a_register_and_retrying)
{
    static struct trapper t;
    struct fault_server handler;
    struct received_fault fault;
    struct bursar_exception_state state;
    unsigned thread;

    t = (struct trapper){ 0 };
    TEST_CHECK_EQUAL(fault_server_create(&handler), 0, "handler");
    TEST_CHECK_EQUAL(spawn_trapper(divide_by_zero, &t, handler.endpoint, &thread), 0, "thread");
    TEST_CHECK_EQUAL(fault_receive(&handler, &fault, 1000), 0, "the exception arrives");
    state = exception_state_of(&fault);
    TEST_CHECK_EQUAL(state.vector, 0, "divide error");
    TEST_CHECK(state.eax == 100 && state.edx == 0 && state.ecx == 0, "registers %u %u %u", state.eax, state.edx,
               state.ecx);
    state.ecx = 5;                       /* same eip: the division runs again */
    TEST_CHECK_EQUAL(exception_reply_with_state(&handler, &state, BURSAR_LABEL_RESUME), 0, "reply with ecx = 5");
    TEST_CHECK(wait_for_stage(&t.stage, 2, 500), "the thread did not go on");
    TEST_CHECK_EQUAL(t.result, 20, "100 / 5");
}

USER_TEST(522, a_handler_sets_arithmetic_flags_but_never_privileged_ones)
{
    static struct trapper t;
    struct fault_server handler;
    struct received_fault fault;
    struct bursar_exception_state state;
    unsigned thread;

    t = (struct trapper){ 0 };
    TEST_CHECK_EQUAL(fault_server_create(&handler), 0, "handler");
    TEST_CHECK_EQUAL(spawn_trapper(breakpoint, &t, handler.endpoint, &thread), 0, "thread");
    TEST_CHECK_EQUAL(fault_receive(&handler, &fault, 1000), 0, "the breakpoint arrives");
    state = exception_state_of(&fault);
    TEST_CHECK_EQUAL(state.vector, 3, "breakpoint");
    TEST_CHECK_EQUAL(*(const uint8_t *)(state.eip - 1), 0xcc, "eip is just after int3");
    TEST_CHECK_EQUAL(state.eflags & EFLAGS_CF, 0, "carry clear");
    /* Carry on, interrupts off, IOPL 3, trap flag: only the carry may take. */
    state.eflags = (state.eflags | EFLAGS_CF | EFLAGS_IOPL | EFLAGS_TF) & ~EFLAGS_IF;
    TEST_CHECK_EQUAL(exception_reply_with_state(&handler, &state, BURSAR_LABEL_RESUME), 0, "reply with new flags");
    TEST_CHECK(wait_for_stage(&t.stage, 2, 500), "the thread did not go on");
    TEST_CHECK(t.flags & EFLAGS_CF, "carry not set: flags %x", t.flags);
    TEST_CHECK(t.flags & EFLAGS_IF, "interrupts turned off in user mode: flags %x", t.flags);
    TEST_CHECK((t.flags & (EFLAGS_IOPL | EFLAGS_TF)) == 0, "IOPL or trap flag changed: flags %x", t.flags);
}

USER_TEST(523, a_breakpoint_resumed_with_no_words_goes_on_unchanged)
{
    static struct trapper t;
    struct fault_server handler;
    struct received_fault fault;
    unsigned thread;

    t = (struct trapper){ 0 };
    TEST_CHECK_EQUAL(fault_server_create(&handler), 0, "handler");
    TEST_CHECK_EQUAL(spawn_trapper(breakpoint, &t, handler.endpoint, &thread), 0, "thread");
    TEST_CHECK_EQUAL(fault_receive(&handler, &fault, 1000), 0, "the breakpoint arrives");
    TEST_CHECK_EQUAL(l4_reply(handler.reply, RESUME_TAG(0), 0, 0), 0, "RESUME, no words");
    TEST_CHECK(wait_for_stage(&t.stage, 2, 500), "the thread did not go on");
    TEST_CHECK_EQUAL(t.flags & EFLAGS_CF, 0, "carry as it was");
}

USER_TEST(524, bad_replies_to_an_exception_are_refused_then_kill_kills_only_that_thread)
{
    static struct trapper t;
    static volatile uint32_t counter;
    struct fault_server handler;
    struct received_fault fault;
    struct bursar_exception_state state;
    struct l4_msg m;
    unsigned thread, bystander;
    uint32_t seen;

    t = (struct trapper){ 0 };
    counter = 0;
    TEST_CHECK_EQUAL(fault_server_create(&handler), 0, "handler");
    TEST_CHECK_EQUAL(spawn_trapper(invalid_opcode, &t, handler.endpoint, &thread), 0, "thread");
    TEST_CHECK_EQUAL(core_spawn(count_forever, (void *)&counter, CORE_LOW_PRIORITY, &bystander), 0, "bystander");
    TEST_CHECK_EQUAL(fault_receive(&handler, &fault, 1000), 0, "the exception arrives");
    state = exception_state_of(&fault);
    TEST_CHECK_EQUAL(l4_reply(handler.reply, RESUME_TAG(5), 1, 2), -BURSAR_E_INVALID_MESSAGE, "5 words");
    TEST_CHECK_EQUAL(l4_reply(handler.reply, BURSAR_TAG(0x77, 0, 0), 0, 0), -BURSAR_E_INVALID_MESSAGE,
                     "unknown label");
    TEST_CHECK_EQUAL(l4_reply(handler.reply, BURSAR_TAG(BURSAR_LABEL_KILL, 1, 0), 0, 0), -BURSAR_E_INVALID_MESSAGE,
                     "KILL with a word");
    l4_msg_start(&m, BURSAR_LABEL_RESUME);
    l4_msg_append_memory(&m, (uintptr_t)program_start, 12, BURSAR_RIGHT_READ, BURSAR_REVOCABLE_COPY);
    TEST_CHECK_EQUAL(l4_msg_reply(handler.reply, &m), -BURSAR_E_INVALID_MESSAGE, "an exception reply with an item");
    state.eip = 0xc0001000u;
    TEST_CHECK_EQUAL(exception_reply_with_state(&handler, &state, BURSAR_LABEL_RESUME), -BURSAR_E_INVALID_ADDRESS,
                     "eip in the kernel");
    core_sleep_ms(30);
    TEST_CHECK_EQUAL(t.stage, 1, "the thread went on after a refused reply");
    TEST_CHECK_EQUAL(l4_reply(handler.reply, BURSAR_TAG(BURSAR_LABEL_KILL, 0, 0), 0, 0), 0, "KILL");
    core_sleep_ms(30);
    TEST_CHECK_EQUAL(t.stage, 1, "the killed thread went on");
    seen = counter;
    core_sleep_ms(30);
    TEST_CHECK(counter > seen, "the other thread stopped");
    TEST_CHECK_EQUAL(l4_reply(handler.reply, RESUME_TAG(0), 0, 0), -BURSAR_E_NO_CALLER, "nobody to answer now");
}

USER_TEST(525, an_exception_handler_destroyed_while_the_thread_waits_kills_only_that_thread)
{
    static struct trapper t;
    static volatile uint32_t counter;
    struct fault_server handler;
    unsigned thread, bystander;
    uint32_t seen;

    t = (struct trapper){ 0 };
    counter = 0;
    TEST_CHECK_EQUAL(fault_server_create(&handler), 0, "handler");
    TEST_CHECK_EQUAL(spawn_trapper(divide_by_zero, &t, handler.endpoint, &thread), 0, "thread");
    TEST_CHECK_EQUAL(core_spawn(count_forever, (void *)&counter, CORE_LOW_PRIORITY, &bystander), 0, "bystander");
    core_sleep_ms(30);
    TEST_CHECK_EQUAL(t.stage, 1, "at the division");
    TEST_CHECK_EQUAL(l4_destroy(handler.endpoint), 0, "destroy the handler's endpoint");
    core_sleep_ms(30);
    TEST_CHECK_EQUAL(t.stage, 1, "the thread went on without its handler");
    seen = counter;
    core_sleep_ms(30);
    TEST_CHECK(counter > seen, "the other thread stopped");
}
