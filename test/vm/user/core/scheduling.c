/*
 * scheduling.c — fixed priorities with round robin: two busy threads of
 * equal priority both make progress with no yields (the timer preempts
 * them), and a ready thread of higher priority runs to its block point
 * before a lower one gets any time at all.
 *
 * Shares of the CPU are counted in the kernel's timer ticks each thread saw
 * while it ran, not in loop iterations: under TCG a loaded host runs the
 * guest faster or slower from one timeslice to the next, but a timeslice
 * is a number of ticks.
 */
#include "core.h"

struct spinner {
    volatile uint32_t count;
    volatile uint32_t ticks;          /* (timing) different tick numbers seen while running */
    bool timing;
    volatile bool stop;
};

static void spin(void *argument)
{
    struct spinner *s = argument;
    uint32_t last = 0;

    while (!s->stop) {
        s->count++;
        if (s->timing) {
            uint32_t now = core_ticks();
            s->ticks += now != last;
            last = now;
        }
    }
}

USER_TEST(140, equal_priority_busy_threads_share_the_cpu_by_preemption)
{
    static struct spinner a, b;
    unsigned thread;
    uint32_t a1, b1;

    a = b = (struct spinner){ .timing = true };
    TEST_CHECK_EQUAL(core_spawn(spin, &a, CORE_LOW_PRIORITY, &thread), 0, "thread a");
    TEST_CHECK_EQUAL(core_spawn(spin, &b, CORE_LOW_PRIORITY, &thread), 0, "thread b");
    /* Two samples, each after several timeslices: both must have moved in both intervals. */
    core_sleep_ms(100);
    a1 = a.count, b1 = b.count;
    TEST_CHECK(a1 > 0 && b1 > 0, "first 100 ms: a %u, b %u", a1, b1);
    core_sleep_ms(100);
    TEST_CHECK(a.count > a1 && b.count > b1, "second 100 ms: a %u -> %u, b %u -> %u", a1, a.count, b1, b.count);
    /* Round robin is roughly fair: in the ~20 ticks, neither ran in fewer than a third of the other's. */
    TEST_CHECK(a.ticks >= 2 && b.ticks >= 2 && a.ticks * 3 >= b.ticks && b.ticks * 3 >= a.ticks,
               "ticks seen running: a %u, b %u", a.ticks, b.ticks);
}

struct worker {
    struct spinner *low;
    uint32_t busy_ticks;
    volatile uint32_t low_count_at_block;
    volatile bool blocked;
};

/* Busy for busy_ticks timer ticks (timeslice ends and all), notes the low thread's progress, then blocks for good. */
static void busy_then_block(void *argument)
{
    struct worker *w = argument;
    uint32_t start = core_ticks();

    while (core_ticks() - start < w->busy_ticks)
        ;
    w->low_count_at_block = w->low->count;
    w->blocked = true;
    core_sleep_ms(100000);
}

USER_TEST(141, a_higher_priority_thread_runs_to_its_block_point_before_a_lower_one_runs)
{
    static struct spinner low;
    static struct worker high;
    unsigned thread;

    low = (struct spinner){ 0 };
    high = (struct worker){ .low = &low, .busy_ticks = 6, .low_count_at_block = 0xffffffffu };
    /* The low one is ready first; priority, not arrival, must decide. */
    TEST_CHECK_EQUAL(core_spawn(spin, &low, CORE_LOW_PRIORITY, &thread), 0, "low thread");
    TEST_CHECK_EQUAL(core_spawn(busy_then_block, &high, CORE_LOW_PRIORITY + 50, &thread), 0, "high thread");
    core_sleep_ms(150);                 /* 16 ticks: the high thread blocks after its 6 */
    TEST_CHECK(high.blocked, "the high thread never reached its block point");
    TEST_CHECK_EQUAL(high.low_count_at_block, 0, "low thread's progress while the high one was ready");
    TEST_CHECK(low.count > 0, "the low thread never ran after the high one blocked");
}

struct lowering {
    unsigned self;
    volatile bool other_ran;
    volatile bool other_ran_before_return;
    volatile int error;
    volatile bool done;
};

/* Notes that it ran, then blocks for good. */
static void note_and_block(void *argument)
{
    struct lowering *l = argument;

    l->other_ran = true;
    core_sleep_ms(100000);
}

/* Lowers its own priority below a ready thread's: that thread must run before this call returns. */
static void lower_own_priority(void *argument)
{
    struct lowering *l = argument;

    l->error = l4_thread_configure(l->self, BURSAR_THREAD_PRIORITY, CORE_LOW_PRIORITY - 10);
    l->other_ran_before_return = l->other_ran;
    l->done = true;
}

USER_TEST(142, lowering_the_own_priority_below_a_ready_thread_gives_it_the_cpu_at_once)
{
    static struct lowering lowering;
    unsigned thread;

    lowering = (struct lowering){ 0 };
    TEST_CHECK_EQUAL(core_spawn(note_and_block, &lowering, CORE_LOW_PRIORITY, &thread), 0, "other thread");
    /* It needs its own slot number before it runs: that is the next slot core_spawn takes. */
    lowering.self = thread + 1;
    TEST_CHECK_EQUAL(core_spawn(lower_own_priority, &lowering, CORE_LOW_PRIORITY + 10, &thread), 0, "thread");
    TEST_CHECK_EQUAL(thread, lowering.self, "slot guess");
    core_sleep_ms(100);
    TEST_CHECK(lowering.done, "the lowering thread never finished");
    TEST_CHECK_EQUAL(lowering.error, 0, "configure");
    TEST_CHECK(lowering.other_ran_before_return, "the other thread had not run when the call returned");
}
