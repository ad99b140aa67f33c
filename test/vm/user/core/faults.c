/*
 * faults.c — user-level faults. With no exception handler a faulting
 * thread is killed (the kernel logs it) and everything else goes on: the
 * root task, and other threads of the same task.
 */
#include "core.h"

struct victim {
    volatile uint32_t stage;
};

static void divide_by_zero(void *argument)
{
    struct victim *v = argument;
    uint32_t low = 1, high = 0, zero = 0;

    v->stage = 1;
    __asm__ volatile("divl %2" : "+a"(low), "+d"(high) : "r"(zero));
    v->stage = 2;                       /* never */
}

static void touch_unmapped(void *argument)
{
    struct victim *v = argument;

    v->stage = 1;
    (void)*(volatile uint32_t *)(CORE_SCRATCH_BASE + 4096u * (CORE_SCRATCH_PAGES - 1));
    v->stage = 2;
}

static void write_to_text(void *argument)
{
    struct victim *v = argument;

    v->stage = 1;
    *(volatile uint32_t *)(uintptr_t)write_to_text = 0;
    v->stage = 2;
}

static void count(void *argument)
{
    struct victim *v = argument;

    for (;;)
        v->stage++;
}

/* `fault` runs beside a counting thread of the same priority: only the faulting one stops. */
static void check_fault_kills_only_the_thread(struct test_result *result, void (*fault)(void *))
{
    static struct victim victim, bystander;
    unsigned faulting, counting;
    uint32_t seen;

    victim = bystander = (struct victim){ 0 };
    TEST_CHECK_EQUAL(core_spawn(fault, &victim, CORE_LOW_PRIORITY, &faulting), 0, "faulting thread");
    TEST_CHECK_EQUAL(core_spawn(count, &bystander, CORE_LOW_PRIORITY, &counting), 0, "counting thread");
    core_sleep_ms(50);
    TEST_CHECK_EQUAL(victim.stage, 1, "faulting thread's stage");
    seen = bystander.stage;
    TEST_CHECK(seen > 0, "the other thread never ran");
    core_sleep_ms(50);
    TEST_CHECK(bystander.stage > seen, "the other thread stopped after the fault");
    /* The dead thread is still an object: it can be destroyed like any other. */
    TEST_CHECK_EQUAL(l4_destroy(faulting), 0, "destroy the dead thread");
}

USER_TEST(150, a_thread_dividing_by_zero_dies_alone)
{
    check_fault_kills_only_the_thread(result, divide_by_zero);
}

USER_TEST(151, a_thread_touching_unmapped_memory_dies_alone)
{
    check_fault_kills_only_the_thread(result, touch_unmapped);
}

USER_TEST(152, a_thread_writing_to_read_only_text_dies_alone)
{
    check_fault_kills_only_the_thread(result, write_to_text);
}

/* The UTCB pointer (%gs:0, a kernel page user mode may only read). */
static void write_through_gs(void *argument)
{
    struct victim *v = argument;

    v->stage = 1;
    __asm__ volatile("movl $0, %%gs:0" : : : "memory");
    v->stage = 2;
}

static void write_to_utcb_pointer_page(void *argument)
{
    struct victim *v = argument;
    volatile uint32_t *page = (volatile uint32_t *)(uintptr_t)0xfffff000u;

    v->stage = 1;
    *page = 0;
    v->stage = 2;
}

USER_TEST(153, a_thread_writing_its_utcb_pointer_through_gs_dies_alone)
{
    check_fault_kills_only_the_thread(result, write_through_gs);
}

USER_TEST(154, a_thread_writing_the_utcb_pointer_page_dies_alone)
{
    TEST_CHECK_EQUAL(*(volatile uint32_t *)(uintptr_t)0xfffff000u, (uint32_t)(uintptr_t)l4_utcb(),
                     "the page holds the running thread's UTCB address");
    check_fault_kills_only_the_thread(result, write_to_utcb_pointer_page);
}
