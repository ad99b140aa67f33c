/*
 * raised_faults.c — a pager that will not map anything (its client's bank
 * is exhausted, say) raises the page fault (docs/abi.md §8): the thread's
 * exception handler gets it as an exception it can recover from, or, with
 * no handler, the thread dies with one logged line that names the pager's
 * reason. The root thread is both pager and handler here.
 */
#include "fault_pager.h"

#include "libl4/message.h"
#include "libl4/printf.h"

#define RESUME_TAG BURSAR_TAG(BURSAR_LABEL_RESUME, 0, 0)
#define RAISE_TAG BURSAR_TAG(BURSAR_LABEL_RAISE, 1, 0)
#define SENTINEL 0x5ca1ab1eu

struct writer {
    uintptr_t address;
    volatile uint32_t stage;     /* 1: about to write, 2: past it */
    volatile uint32_t eax;       /* eax after the write */
};

/*
 * `movl %ecx, (%eax)` (two bytes: 89 08) to f->address with ecx = 0x600d;
 * eax afterwards shows whether a handler changed it.
 */
static void write_once(void *argument)
{
    struct writer *w = argument;
    uint32_t eax;

    w->stage = 1;
    __asm__ volatile("movl %%ecx, (%%eax)" : "=a"(eax) : "0"(w->address), "c"(0x600du) : "memory");
    w->eax = eax;
    w->stage = 2;
}

/* A writer below the root's priority with `pager` and, unless BURSAR_NO_CAPABILITY, `handler`. */
static int spawn_writer(struct writer *w, unsigned pager, unsigned handler, unsigned *thread)
{
    int error = core_spawn(write_once, w, CORE_LOW_PRIORITY, thread);

    if (!error)
        error = l4_thread_configure(*thread, BURSAR_THREAD_PAGER, pager);
    if (!error && handler != BURSAR_NO_CAPABILITY)
        error = l4_thread_configure(*thread, BURSAR_THREAD_EXCEPTION_HANDLER, handler);
    return error;
}

/* The page fault arrives at the pager, which raises it with `reason`; the handler then receives it. */
static int raise_and_receive(const struct fault_server *pager, const struct fault_server *handler, uint32_t reason,
                             struct received_fault *fault)
{
    int error = fault_receive(pager, fault, 1000);

    if (!error)
        error = l4_reply(pager->reply, RAISE_TAG, reason, 0);
    return error ? error : fault_receive(handler, fault, 1000);
}

USER_TEST(1020, a_raised_page_fault_reaches_the_exception_handler_which_recovers_the_thread)
{
    static struct writer w;
    struct fault_server pager, handler;
    struct received_fault fault;
    struct bursar_exception_state state;
    unsigned thread;

    w = (struct writer){ .address = core_scratch_page() + 0x40 };
    TEST_CHECK_EQUAL(fault_server_create(&pager), 0, "pager");
    TEST_CHECK_EQUAL(fault_server_create(&handler), 0, "handler");
    TEST_CHECK_EQUAL(spawn_writer(&w, pager.endpoint, handler.endpoint, &thread), 0, "writer");
    TEST_CHECK_EQUAL(raise_and_receive(&pager, &handler, BURSAR_E_OUT_OF_MEMORY, &fault), 0, "raised, received");
    TEST_CHECK_EQUAL(fault.label, BURSAR_LABEL_EXCEPTION, "an exception");
    TEST_CHECK_EQUAL(fault.words, BURSAR_RAISED_FAULT_WORDS, "words");
    state = exception_state_of(&fault);
    TEST_CHECK_EQUAL(state.vector, 14, "vector");
    TEST_CHECK_EQUAL(state.error_code, BURSAR_ACCESS_WRITE, "error code: the access bits");
    TEST_CHECK_EQUAL(fault.word[BURSAR_RAISED_FAULT_ADDRESS], w.address, "the address");
    TEST_CHECK_EQUAL(fault.word[BURSAR_RAISED_FAULT_REASON], BURSAR_E_OUT_OF_MEMORY, "the pager's reason");
    TEST_CHECK_EQUAL(state.eax, w.address, "eax as the thread left it");
    TEST_CHECK_EQUAL(state.ecx, 0x600d, "ecx as the thread left it");
    TEST_CHECK_EQUAL(*(const uint16_t *)state.eip, 0x0889, "eip points at the write");
    TEST_CHECK_EQUAL(w.stage, 1, "the thread has not gone on");
    state.eip += 2;
    state.eax = SENTINEL;
    TEST_CHECK_EQUAL(exception_reply_with_state(&handler, &state, BURSAR_LABEL_RESUME), 0, "resume past the write");
    TEST_CHECK(wait_for_stage(&w.stage, 2, 500), "the thread did not go on");
    TEST_CHECK_EQUAL(w.eax, SENTINEL, "eax the thread saw");
}

USER_TEST(1021, a_raised_page_fault_with_no_exception_handler_kills_the_thread_alone)
{
    static struct writer w;
    static volatile uint32_t counter;
    struct fault_server pager;
    struct received_fault fault;
    unsigned thread, bystander;
    uint32_t seen;

    w = (struct writer){ .address = core_scratch_page() };
    counter = 0;
    TEST_CHECK_EQUAL(fault_server_create(&pager), 0, "pager");
    TEST_CHECK_EQUAL(spawn_writer(&w, pager.endpoint, BURSAR_NO_CAPABILITY, &thread), 0, "writer");
    TEST_CHECK_EQUAL(core_spawn(count_forever, (void *)&counter, CORE_LOW_PRIORITY, &bystander), 0, "bystander");
    TEST_CHECK_EQUAL(fault_receive(&pager, &fault, 1000), 0, "the fault arrives");
    /* tools/run_all.py checks the kill line names it: "..., its pager raised OUT_OF_MEMORY, no exception handler" */
    printf("raised fault expect: address %08x, reason OUT_OF_MEMORY\n", (unsigned)w.address);
    TEST_CHECK_EQUAL(l4_reply(pager.reply, RAISE_TAG, BURSAR_E_OUT_OF_MEMORY, 0), 0, "raise it");
    core_sleep_ms(30);
    TEST_CHECK_EQUAL(w.stage, 1, "the thread went past its fault");
    seen = counter;
    core_sleep_ms(30);
    TEST_CHECK(counter > seen, "the other thread stopped running");
    TEST_CHECK_EQUAL(l4_thread_start(thread, 0x1000, 0x2000), -BURSAR_E_BUSY, "the thread is dead");
    TEST_CHECK_EQUAL(fault_receive(&pager, &fault, 0), -BURSAR_E_TIMEOUT, "nothing more reaches the pager");
}

USER_TEST(1022, a_raise_of_the_wrong_shape_is_refused_and_the_thread_still_waits)
{
    static struct writer w;
    struct fault_server pager, handler;
    struct received_fault fault;
    uintptr_t page;
    uint32_t frame;
    unsigned thread;

    w = (struct writer){ .address = core_scratch_page() };
    TEST_CHECK_EQUAL(core_map_fresh_page(&page, &frame), 0, "a page to offer");
    TEST_CHECK_EQUAL(fault_server_create(&pager), 0, "pager");
    TEST_CHECK_EQUAL(fault_server_create(&handler), 0, "handler");
    TEST_CHECK_EQUAL(spawn_writer(&w, pager.endpoint, handler.endpoint, &thread), 0, "writer");
    TEST_CHECK_EQUAL(fault_receive(&pager, &fault, 1000), 0, "the fault arrives");
    TEST_CHECK_EQUAL(l4_reply(pager.reply, BURSAR_TAG(BURSAR_LABEL_RAISE, 0, 0), 0, 0),
                     -BURSAR_E_INVALID_MESSAGE, "RAISE without its reason");
    TEST_CHECK_EQUAL(l4_reply(pager.reply, BURSAR_TAG(BURSAR_LABEL_RAISE, 2, 0), 7, 7),
                     -BURSAR_E_INVALID_MESSAGE, "RAISE with two words");
    {
        struct l4_msg m;
        l4_msg_start(&m, BURSAR_LABEL_RAISE);
        l4_msg_append(&m, BURSAR_E_OUT_OF_MEMORY);
        l4_msg_append_memory(&m, page, 12, BURSAR_RIGHT_READ, BURSAR_REVOCABLE_COPY);
        TEST_CHECK_EQUAL(l4_msg_reply(pager.reply, &m), -BURSAR_E_INVALID_MESSAGE, "RAISE with a memory item");
    }
    TEST_CHECK_EQUAL(fault_receive(&handler, &fault, 0), -BURSAR_E_TIMEOUT, "nothing reached the handler");
    TEST_CHECK_EQUAL(w.stage, 1, "the thread still waits");
    TEST_CHECK_EQUAL(l4_reply(pager.reply, RAISE_TAG, 300, 0), 0, "a good RAISE, reason of the pager's own");
    TEST_CHECK_EQUAL(fault_receive(&handler, &fault, 1000), 0, "now the handler has it");
    TEST_CHECK_EQUAL(fault.word[BURSAR_RAISED_FAULT_REASON], 300, "any reason passes");
    TEST_CHECK_EQUAL(l4_reply(handler.reply, BURSAR_TAG(BURSAR_LABEL_RESUME, 1, 0), 0, 0),
                     -BURSAR_E_INVALID_MESSAGE, "answered as an exception: 0 or 12 words");
    TEST_CHECK_EQUAL(l4_reply(handler.reply, BURSAR_TAG(BURSAR_LABEL_KILL, 0, 0), 0, 0), 0, "kill it");
    core_sleep_ms(20);
    TEST_CHECK_EQUAL(l4_thread_start(thread, 0x1000, 0x2000), -BURSAR_E_BUSY, "the thread is dead");
}

USER_TEST(1023, a_handler_that_resumes_without_words_sends_the_thread_back_to_its_pager)
{
    static struct writer w;
    struct fault_server pager, handler;
    struct received_fault fault;
    unsigned thread;

    w = (struct writer){ .address = core_scratch_page() + 0x10 };
    TEST_CHECK_EQUAL(fault_server_create(&pager), 0, "pager");
    TEST_CHECK_EQUAL(fault_server_create(&handler), 0, "handler");
    TEST_CHECK_EQUAL(spawn_writer(&w, pager.endpoint, handler.endpoint, &thread), 0, "writer");
    TEST_CHECK_EQUAL(raise_and_receive(&pager, &handler, BURSAR_E_TIMEOUT, &fault), 0, "raised once");
    TEST_CHECK_EQUAL(l4_reply(handler.reply, RESUME_TAG, 0, 0), 0, "resume as it was");
    TEST_CHECK_EQUAL(fault_receive(&pager, &fault, 1000), 0, "the access faults again");
    TEST_CHECK_EQUAL(fault.label, BURSAR_LABEL_PAGE_FAULT, "to the pager");
    TEST_CHECK_EQUAL(fault.word[BURSAR_PAGE_FAULT_ADDRESS], w.address, "same address");
    /* Now the pager has memory: it maps a page there itself and resumes. */
    TEST_CHECK_EQUAL(l4_frame_map(BURSAR_SLOT_MEMORY, core_frame(), w.address & ~0xfffu,
                                  BURSAR_RIGHT_READ | BURSAR_RIGHT_WRITE), 0, "map");
    TEST_CHECK_EQUAL(l4_reply(pager.reply, RESUME_TAG, 0, 0), 0, "resume");
    TEST_CHECK(wait_for_stage(&w.stage, 2, 500), "the thread did not go on");
    TEST_CHECK_EQUAL(*(volatile uint32_t *)w.address, 0x600d, "the write went through");
}

USER_TEST(1024, a_raised_fault_whose_handler_is_gone_kills_the_thread_alone)
{
    static struct writer queued, bound;
    static volatile uint32_t counter;
    struct fault_server pager, handler;
    struct received_fault fault;
    unsigned thread1, thread2, bystander;
    uint32_t seen;

    queued = (struct writer){ .address = core_scratch_page() };
    bound = (struct writer){ .address = core_scratch_page() };
    counter = 0;
    TEST_CHECK_EQUAL(fault_server_create(&pager), 0, "pager");
    TEST_CHECK_EQUAL(fault_server_create(&handler), 0, "handler");
    TEST_CHECK_EQUAL(core_spawn(count_forever, (void *)&counter, CORE_LOW_PRIORITY, &bystander), 0, "bystander");
    /* Received by the handler, whose reply object then goes. */
    TEST_CHECK_EQUAL(spawn_writer(&bound, pager.endpoint, handler.endpoint, &thread1), 0, "first writer");
    TEST_CHECK_EQUAL(raise_and_receive(&pager, &handler, BURSAR_E_OUT_OF_MEMORY, &fault), 0, "raised");
    TEST_CHECK_EQUAL(l4_destroy(handler.reply), 0, "destroy the reply object it waits on");
    /* Waiting in the handler's queue, whose endpoint then goes. */
    TEST_CHECK_EQUAL(spawn_writer(&queued, pager.endpoint, handler.endpoint, &thread2), 0, "second writer");
    TEST_CHECK_EQUAL(fault_receive(&pager, &fault, 1000), 0, "second fault");
    TEST_CHECK_EQUAL(l4_reply(pager.reply, RAISE_TAG, BURSAR_E_OUT_OF_MEMORY, 0), 0, "raised");
    core_sleep_ms(20);
    TEST_CHECK_EQUAL(l4_destroy(handler.endpoint), 0, "destroy the handler's endpoint");
    core_sleep_ms(30);
    TEST_CHECK(bound.stage == 1 && queued.stage == 1, "a thread went past its fault");
    TEST_CHECK_EQUAL(l4_thread_start(thread1, 0x1000, 0x2000), -BURSAR_E_BUSY, "the first is dead");
    TEST_CHECK_EQUAL(l4_thread_start(thread2, 0x1000, 0x2000), -BURSAR_E_BUSY, "the second is dead");
    seen = counter;
    core_sleep_ms(30);
    TEST_CHECK(counter > seen, "the other thread stopped running");
}

/*
 * A thread destroyed at each step of a raised page fault: after the pager
 * received the fault (its RAISE then finds no caller), after the RAISE
 * while its exception message waits at the handler's endpoint (the queue
 * lets it go: the handler's receive finds nothing), and after the handler
 * received it (the handler's answer finds no caller). Nothing else moves,
 * and the kernel's check passes after each.
 */
USER_TEST(1214, a_thread_destroyed_at_each_step_of_a_raised_page_fault)
{
    static struct writer w;
    struct fault_server pager, handler;
    struct received_fault fault;
    unsigned thread;

    TEST_CHECK_EQUAL(fault_server_create(&pager), 0, "pager");
    TEST_CHECK_EQUAL(fault_server_create(&handler), 0, "handler");
    for (unsigned step = 0; step < 3; step++) {
        w = (struct writer){ .address = core_scratch_page() + 0x40 };
        TEST_CHECK_EQUAL(spawn_writer(&w, pager.endpoint, handler.endpoint, &thread), 0, "writer");
        TEST_CHECK_EQUAL(fault_receive(&pager, &fault, 1000), 0, "the page fault at the pager");
        if (step == 0) {
            TEST_CHECK_EQUAL(l4_destroy(thread), 0, "the thread destroyed while its pager holds the fault");
            TEST_CHECK_EQUAL(l4_reply(pager.reply, RAISE_TAG, BURSAR_E_OUT_OF_MEMORY, 0), -BURSAR_E_NO_CALLER,
                             "the pager's RAISE");
        } else {
            TEST_CHECK_EQUAL(l4_reply(pager.reply, RAISE_TAG, BURSAR_E_OUT_OF_MEMORY, 0), 0, "raised");
            if (step == 2)
                TEST_CHECK_EQUAL(fault_receive(&handler, &fault, 1000), 0, "the handler received it");
            TEST_CHECK_EQUAL(l4_destroy(thread), 0, "the thread destroyed");
            if (step == 1)
                TEST_CHECK_EQUAL(fault_receive(&handler, &fault, 20), -BURSAR_E_TIMEOUT,
                                 "nothing left at the handler's endpoint");
            else
                TEST_CHECK_EQUAL(l4_reply(handler.reply, RESUME_TAG, 0, 0), -BURSAR_E_NO_CALLER,
                                 "the handler's answer");
        }
        TEST_CHECK(w.stage == 1, "step %u: the thread went on", step);
        TEST_CHECK_EQUAL_FMT(l4_debug_dump(BURSAR_SLOT_DEBUG, BURSAR_DUMP_CHECK, 0), 0, "the check after step %u",
                             step);
    }
}
