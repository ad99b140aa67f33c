/*
 * page_faults.c — a page fault in user mode is a call from the faulting
 * thread to its pager (docs/abi.md §8): the pager maps memory and replies
 * RESUME, and the thread retries the access as if nothing had happened. The
 * root thread is the pager here; the faulting threads run below it.
 */
#include "fault_pager.h"

#include "libl4/message.h"
#include "libl4/task_sharing_program.h"

#define RESUME_TAG BURSAR_TAG(BURSAR_LABEL_RESUME, 0, 0)
#define KILL_TAG BURSAR_TAG(BURSAR_LABEL_KILL, 0, 0)

/* ---- shared with exceptions.c ---- */

int fault_server_create(struct fault_server *server)
{
    int error;

    server->endpoint = core_slot();
    server->reply = core_slot();
    error = l4_create(BURSAR_SLOT_HEAP, BURSAR_OBJECT_ENDPOINT, server->endpoint, 0);
    return error ? error : l4_create(BURSAR_SLOT_HEAP, BURSAR_OBJECT_REPLY, server->reply, 0);
}

int fault_receive(const struct fault_server *server, struct received_fault *fault, unsigned timeout_ms)
{
    uint32_t tag = 0;
    int error = l4_receive(server->endpoint, server->reply, &fault->badge, &tag, &fault->word[0],
                           &fault->word[1], BURSAR_TIMEOUT_MS(timeout_ms));

    fault->label = BURSAR_TAG_LABEL(tag);
    fault->words = BURSAR_TAG_UNTYPED(tag);
    for (unsigned i = 2; i < fault->words && i < BURSAR_RAISED_FAULT_WORDS; i++)
        fault->word[i] = l4_mr_get(i);
    return error;
}

bool wait_for_stage(volatile uint32_t *stage, uint32_t stage_wanted, unsigned ms)
{
    for (unsigned waited = 0; *stage < stage_wanted && waited < ms; waited += 10)
        core_sleep_ms(10);
    return *stage >= stage_wanted;
}

void count_forever(void *counter)
{
    for (;;)
        (*(volatile uint32_t *)counter)++;
}

void attack_thread(void *argument)
{
    struct attack *a = argument;

    a->stage = 1;
    a->run();
    a->stage = 2;
}

/* ---- faulting threads ---- */

struct faulter {
    uintptr_t address;               /* what to touch */
    unsigned pages;                  /* how many pages from there (touch_pages) */
    volatile uint32_t stage;         /* 1: about to fault, 2: past it */
    volatile uint32_t value;         /* what it read */
    uint32_t registers[5];           /* ebx ecx edx esi edi after the access */
};

#define MAGIC 0x0fa017edu

/* One read with known values in five registers, which the fault must not change. */
static void read_keeping_registers(void *argument)
{
    struct faulter *f = argument;
    uint32_t value, b, c, d, s, di;

    f->stage = 1;
    __asm__ volatile("movl $0xb0b0b0b0, %%ebx\n\t"
                     "movl $0xc0c0c0c0, %%ecx\n\t"
                     "movl $0xd0d0d0d0, %%edx\n\t"
                     "movl $0x51515151, %%esi\n\t"
                     "movl $0xd1d1d1d1, %%edi\n\t"
                     "movl (%%eax), %%eax"
                     : "=a"(value), "=&b"(b), "=&c"(c), "=&d"(d), "=&S"(s), "=&D"(di)
                     : "0"(f->address)
                     : "memory");
    f->value = value;
    f->registers[0] = b, f->registers[1] = c, f->registers[2] = d, f->registers[3] = s, f->registers[4] = di;
    f->stage = 2;
}

/* Reads a word of each page in turn, adding them up. */
static void read_pages(void *argument)
{
    struct faulter *f = argument;
    uint32_t sum = 0;

    f->stage = 1;
    for (unsigned i = 0; i < f->pages; i++)
        sum += *(volatile uint32_t *)(f->address + 4096u * i + 4 * i);
    f->value = sum;
    f->stage = 2;
}

static void write_word(void *argument)
{
    struct faulter *f = argument;

    f->stage = 1;
    *(volatile uint32_t *)f->address = MAGIC;
    f->stage = 2;
}

/* A faulting thread at low priority with `pager` (a capability of the root's) as its pager. */
static int spawn_faulter(void (*entry)(void *), struct faulter *f, unsigned pager, unsigned *thread)
{
    int error = core_spawn(entry, f, CORE_LOW_PRIORITY, thread);

    /* It is below the root's priority: it has not run yet, so the pager is set before it faults. */
    return error ? error : l4_thread_configure(*thread, BURSAR_THREAD_PAGER, pager);
}

/* A fresh frame at `address` in the root's space (where the faulting threads live), its word i = value. */
static int map_frame_at(uintptr_t address, unsigned rights, unsigned word, uint32_t value)
{
    int error = l4_frame_map(BURSAR_SLOT_MEMORY, core_frame(), address, rights);

    if (!error && (rights & BURSAR_RIGHT_WRITE))
        ((volatile uint32_t *)address)[word] = value;
    return error;
}

USER_TEST(500, a_page_fault_is_served_by_the_pager_and_the_thread_resumes)
{
    static struct faulter f;
    struct fault_server pager;
    struct received_fault fault;
    unsigned thread, badged = 0;

    f = (struct faulter){ .address = core_scratch_page() + 0x124 };
    TEST_CHECK_EQUAL(fault_server_create(&pager), 0, "pager endpoint and reply object");
    badged = core_slot();
    TEST_CHECK_EQUAL(l4_cap_copy(pager.endpoint, badged, BURSAR_RIGHT_WRITE, 0x9a9e), 0, "badged copy");
    TEST_CHECK_EQUAL(spawn_faulter(read_keeping_registers, &f, badged, &thread), 0, "faulting thread");
    TEST_CHECK_EQUAL(fault_receive(&pager, &fault, 1000), 0, "the page fault arrives");
    TEST_CHECK_EQUAL(f.stage, 1, "the thread stopped at the access");
    TEST_CHECK_EQUAL(fault.label, BURSAR_LABEL_PAGE_FAULT, "label");
    TEST_CHECK_EQUAL(fault.words, BURSAR_PAGE_FAULT_WORDS, "words");
    TEST_CHECK_EQUAL(fault.badge, 0x9a9e, "the badge of the pager capability");
    TEST_CHECK_EQUAL(fault.word[BURSAR_PAGE_FAULT_ADDRESS], f.address, "fault address");
    TEST_CHECK(fault.word[BURSAR_PAGE_FAULT_IP] >= (uintptr_t)program_start &&
               fault.word[BURSAR_PAGE_FAULT_IP] < (uintptr_t)user_tests_start,
               "instruction %x not in the program's text", fault.word[BURSAR_PAGE_FAULT_IP]);
    TEST_CHECK_EQUAL(fault.word[BURSAR_PAGE_FAULT_ACCESS], 0, "a read of a page not present");
    TEST_CHECK_EQUAL(map_frame_at(f.address & ~4095u, BURSAR_RIGHT_READ | BURSAR_RIGHT_WRITE, 0x124 / 4, MAGIC),
                     0, "map the page");
    TEST_CHECK_EQUAL(l4_reply(pager.reply, RESUME_TAG, 0, 0), 0, "reply RESUME");
    TEST_CHECK(wait_for_stage(&f.stage, 2, 500), "the thread never got past the access");
    TEST_CHECK_EQUAL(f.value, MAGIC, "what the thread read");
    TEST_CHECK(f.registers[0] == 0xb0b0b0b0 && f.registers[1] == 0xc0c0c0c0 && f.registers[2] == 0xd0d0d0d0 &&
               f.registers[3] == 0x51515151 && f.registers[4] == 0xd1d1d1d1,
               "registers changed across the fault: %x %x %x %x %x", f.registers[0], f.registers[1],
               f.registers[2], f.registers[3], f.registers[4]);
}

USER_TEST(501, several_page_faults_in_a_row_each_reach_the_pager)
{
    static struct faulter f;
    struct fault_server pager;
    uint32_t badge, tag, address, ip, expected = 0;
    uintptr_t base = core_scratch_page();
    unsigned thread, served = 0;
    int error;

    for (unsigned i = 1; i < 4; i++)
        core_scratch_page();                                  /* four consecutive scratch pages */
    f = (struct faulter){ .address = base, .pages = 4 };
    TEST_CHECK_EQUAL(fault_server_create(&pager), 0, "pager");
    TEST_CHECK_EQUAL(spawn_faulter(read_pages, &f, pager.endpoint, &thread), 0, "faulting thread");
    error = l4_receive(pager.endpoint, pager.reply, &badge, &tag, &address, &ip, BURSAR_TIMEOUT_MS(1000));
    /* A pager loop: map, then reply and wait for the next fault in one call (the fast path must leave it alone). */
    while (error == 0 && served < 4) {
        TEST_CHECK(BURSAR_TAG_LABEL(tag) == BURSAR_LABEL_PAGE_FAULT, "label of fault %u", served);
        TEST_CHECK(address == base + 4096u * served + 4 * served, "address of fault %u: %x", served, address);
        TEST_CHECK(map_frame_at(address & ~4095u, BURSAR_RIGHT_READ | BURSAR_RIGHT_WRITE, served, served + 10) == 0,
                   "map page %u", served);
        expected += served + 10;
        served++;
        if (served == 4)
            break;
        tag = RESUME_TAG, address = ip = 0;
        error = l4_reply_wait(pager.endpoint, pager.reply, &badge, &tag, &address, &ip, BURSAR_TIMEOUT_NEVER);
    }
    TEST_CHECK(error == 0, "serving fault %u: error %d", served, error);
    TEST_CHECK_EQUAL(l4_reply(pager.reply, RESUME_TAG, 0, 0), 0, "last reply");
    TEST_CHECK(wait_for_stage(&f.stage, 2, 500), "the thread did not finish");
    TEST_CHECK_EQUAL(served, 4, "faults served");
    TEST_CHECK_EQUAL(f.value, expected, "sum of what the thread read");
}

USER_TEST(502, a_write_to_a_read_only_page_is_a_protection_fault_the_pager_can_fix)
{
    static struct faulter f;
    struct fault_server pager;
    struct received_fault fault;
    uint32_t frame = core_frame();
    unsigned thread;

    f = (struct faulter){ .address = core_scratch_page() };
    TEST_CHECK_EQUAL(l4_frame_map(BURSAR_SLOT_MEMORY, frame, f.address, BURSAR_RIGHT_READ), 0, "map read-only");
    TEST_CHECK_EQUAL(fault_server_create(&pager), 0, "pager");
    TEST_CHECK_EQUAL(spawn_faulter(write_word, &f, pager.endpoint, &thread), 0, "writing thread");
    TEST_CHECK_EQUAL(fault_receive(&pager, &fault, 1000), 0, "the fault arrives");
    TEST_CHECK_EQUAL(fault.word[BURSAR_PAGE_FAULT_ADDRESS], f.address, "address");
    TEST_CHECK_EQUAL(fault.word[BURSAR_PAGE_FAULT_ACCESS], BURSAR_ACCESS_WRITE | BURSAR_ACCESS_PRESENT,
                     "a write to a present page");
    /* Writable now: the same frame, mapped again with both rights. */
    TEST_CHECK_EQUAL(l4_unmap(f.address, 1), 0, "unmap");
    TEST_CHECK_EQUAL(l4_frame_map(BURSAR_SLOT_MEMORY, frame, f.address, BURSAR_RIGHT_READ | BURSAR_RIGHT_WRITE),
                     0, "map read-write");
    TEST_CHECK_EQUAL(l4_reply(pager.reply, RESUME_TAG, 0, 0), 0, "reply RESUME");
    TEST_CHECK(wait_for_stage(&f.stage, 2, 500), "the write never completed");
    TEST_CHECK_EQUAL(*(volatile uint32_t *)f.address, MAGIC, "the word written");
}

/* ---- a thread in another task ---- */

#define CHILD_FAULT_PAGE 0x30000000u

/* The child's stack, UTCB and its faulter record, shared with the child at the same address. */
static struct {
    struct bursar_utcb utcb;
    struct faulter f;
    uint8_t stack[2048] __attribute__((aligned(16)));
} child_shared __attribute__((aligned(4096)));

__attribute__((noreturn)) static void child_entry(struct faulter *f)
{
    read_pages(f);
    l4_thread_exit(0);
    for (;;)
        ;
}

struct child {
    unsigned heap, task, thread;
};

/* A second task running `entry(&child_shared.f)` at low priority, with `pager` as its thread's pager. */
static int start_child(struct child *c, void (*entry)(struct faulter *), unsigned pager)
{
    struct l4_task_spec spec = { .heap = c->heap = core_slot(), .slot = c->task = core_slot(),
                                 .capability_slots = 8, .shared = &child_shared,
                                 .shared_size = sizeof child_shared };
    uint32_t *stack = (uint32_t *)(child_shared.stack + sizeof child_shared.stack - 16);
    int error;

    c->thread = core_slot();
    stack[0] = 0;
    stack[1] = (uint32_t)(uintptr_t)&child_shared.f;
    if ((error = core_heap_create(c->heap, 12)) || (error = l4_task_create_sharing_program(&spec)) ||
        (error = l4_create(c->heap, BURSAR_OBJECT_THREAD, c->thread, c->task)) ||
        (error = l4_thread_configure(c->thread, BURSAR_THREAD_UTCB, (uintptr_t)&child_shared.utcb)) ||
        (error = l4_thread_configure(c->thread, BURSAR_THREAD_PRIORITY, CORE_LOW_PRIORITY)) ||
        (error = l4_thread_configure(c->thread, BURSAR_THREAD_PAGER, pager)))
        return error;
    return l4_thread_start(c->thread, (uintptr_t)entry, (uintptr_t)stack);
}

USER_TEST(503, the_pager_maps_into_another_task_and_its_thread_resumes)
{
    struct fault_server pager;
    struct received_fault fault;
    struct child c;
    uintptr_t own_page;
    uint32_t frame;

    child_shared.f = (struct faulter){ .address = CHILD_FAULT_PAGE, .pages = 1 };
    TEST_CHECK_EQUAL(fault_server_create(&pager), 0, "pager");
    TEST_CHECK_EQUAL(start_child(&c, child_entry, pager.endpoint), 0, "the child task and its thread");
    TEST_CHECK_EQUAL(fault_receive(&pager, &fault, 1000), 0, "the child's fault arrives");
    TEST_CHECK_EQUAL(fault.word[BURSAR_PAGE_FAULT_ADDRESS], CHILD_FAULT_PAGE, "address in the child's space");
    TEST_CHECK_EQUAL(core_map_fresh_page(&own_page, &frame), 0, "a page of the pager's");
    *(volatile uint32_t *)own_page = MAGIC;
    TEST_CHECK_EQUAL(l4_map(c.task, own_page, CHILD_FAULT_PAGE, BURSAR_RIGHT_READ, 1), 0, "map it into the child");
    TEST_CHECK_EQUAL(l4_reply(pager.reply, RESUME_TAG, 0, 0), 0, "reply RESUME");
    TEST_CHECK(wait_for_stage(&child_shared.f.stage, 2, 500), "the child never got past the access");
    TEST_CHECK_EQUAL(child_shared.f.value, MAGIC, "what the child read through the pager's mapping");
}

/* ---- replies the kernel refuses, and replies that kill ---- */

USER_TEST(504, a_bad_reply_to_a_page_fault_is_refused_and_the_thread_still_waits)
{
    static struct faulter f;
    struct fault_server pager;
    struct received_fault fault;
    uint32_t badge = 0, tag, mr0 = 0, mr1 = 0;
    unsigned thread;

    f = (struct faulter){ .address = core_scratch_page() };
    TEST_CHECK_EQUAL(fault_server_create(&pager), 0, "pager");
    TEST_CHECK_EQUAL(spawn_faulter(read_keeping_registers, &f, pager.endpoint, &thread), 0, "faulting thread");
    TEST_CHECK_EQUAL(fault_receive(&pager, &fault, 1000), 0, "the fault arrives");
    TEST_CHECK_EQUAL(l4_reply(pager.reply, BURSAR_TAG(0x1234, 0, 0), 0, 0), -BURSAR_E_INVALID_MESSAGE,
                     "a label that is neither RESUME nor KILL");
    TEST_CHECK_EQUAL(l4_reply(pager.reply, BURSAR_TAG(BURSAR_LABEL_RESUME, 1, 0), 7, 0),
                     -BURSAR_E_INVALID_MESSAGE, "RESUME with a word");
    TEST_CHECK_EQUAL(l4_reply(pager.reply, BURSAR_TAG(BURSAR_LABEL_KILL, 2, 0), 0, 0), -BURSAR_E_INVALID_MESSAGE,
                     "KILL with words");
    /* Reply-and-wait checks the reply before it does anything: it does not start receiving either. */
    tag = BURSAR_TAG(0, 0, 0);
    TEST_CHECK_EQUAL(l4_reply_wait(pager.endpoint, pager.reply, &badge, &tag, &mr0, &mr1, BURSAR_TIMEOUT_ZERO),
                     -BURSAR_E_INVALID_MESSAGE, "reply-and-wait with label 0");
    core_sleep_ms(30);
    TEST_CHECK_EQUAL(f.stage, 1, "the thread ran on after a refused reply");
    TEST_CHECK_EQUAL(map_frame_at(f.address, BURSAR_RIGHT_READ | BURSAR_RIGHT_WRITE, 0, MAGIC), 0, "map");
    TEST_CHECK_EQUAL(l4_reply(pager.reply, RESUME_TAG, 0, 0), 0, "now a good reply: still bound");
    TEST_CHECK(wait_for_stage(&f.stage, 2, 500), "the thread never resumed");
    TEST_CHECK_EQUAL(f.value, MAGIC, "what it read");
    TEST_CHECK_EQUAL(l4_reply(pager.reply, RESUME_TAG, 0, 0), -BURSAR_E_NO_CALLER, "one reply only");
}

/* The faulting thread stops for good; a thread beside it counts on. */
static void check_dead_and_others_run(struct test_result *result, struct faulter *f, volatile uint32_t *counter)
{
    uint32_t seen;

    core_sleep_ms(30);
    TEST_CHECK_EQUAL(f->stage, 1, "the faulting thread went past its fault");
    seen = *counter;
    core_sleep_ms(30);
    TEST_CHECK(*counter > seen, "the other thread stopped running");
}

USER_TEST(505, the_pager_replies_kill_and_only_that_thread_dies)
{
    static struct faulter f;
    static volatile uint32_t counter;
    struct fault_server pager;
    struct received_fault fault;
    unsigned thread, bystander;

    f = (struct faulter){ .address = core_scratch_page() };
    counter = 0;
    TEST_CHECK_EQUAL(fault_server_create(&pager), 0, "pager");
    TEST_CHECK_EQUAL(spawn_faulter(read_keeping_registers, &f, pager.endpoint, &thread), 0, "faulting thread");
    TEST_CHECK_EQUAL(core_spawn(count_forever, (void *)&counter, CORE_LOW_PRIORITY, &bystander), 0, "bystander");
    TEST_CHECK_EQUAL(fault_receive(&pager, &fault, 1000), 0, "the fault arrives");
    TEST_CHECK_EQUAL(l4_reply(pager.reply, KILL_TAG, 0, 0), 0, "reply KILL");
    check_dead_and_others_run(result, &f, &counter);
    TEST_CHECK_EQUAL(l4_thread_start(thread, 0x1000, 0x2000), -BURSAR_E_BUSY, "a dead thread cannot start again");
}

USER_TEST(506, a_thread_whose_pager_was_revoked_or_destroyed_dies_alone)
{
    static struct faulter first, second;
    static volatile uint32_t counter;
    struct fault_server pager;
    unsigned revocable = core_slot(), thread1, thread2, bystander;

    first = (struct faulter){ .address = core_scratch_page() };
    second = (struct faulter){ .address = core_scratch_page() };
    counter = 0;
    TEST_CHECK_EQUAL(fault_server_create(&pager), 0, "pager");
    TEST_CHECK_EQUAL(core_spawn(count_forever, (void *)&counter, CORE_LOW_PRIORITY, &bystander), 0, "bystander");
    /* First: the pager capability the thread keeps is revoked before it faults. */
    TEST_CHECK_EQUAL(l4_cap_transfer(pager.endpoint, BURSAR_OWN_TASK, revocable, BURSAR_RIGHT_WRITE,
                                     BURSAR_REVOCABLE_COPY, 0), 0, "a revocable copy");
    TEST_CHECK_EQUAL(spawn_faulter(read_keeping_registers, &first, revocable, &thread1), 0, "first thread");
    TEST_CHECK_EQUAL(l4_cap_revoke(pager.endpoint), 0, "revoke what was derived from the endpoint");
    check_dead_and_others_run(result, &first, &counter);
    /* Second: the endpoint itself is destroyed before it faults. */
    TEST_CHECK_EQUAL(spawn_faulter(read_keeping_registers, &second, pager.endpoint, &thread2), 0, "second thread");
    TEST_CHECK_EQUAL(l4_destroy(pager.endpoint), 0, "destroy the pager's endpoint");
    check_dead_and_others_run(result, &second, &counter);
}

USER_TEST(507, a_pager_destroyed_while_the_thread_waits_kills_only_that_thread)
{
    static struct faulter queued, bound;
    static volatile uint32_t counter;
    struct fault_server first, second;
    struct received_fault fault;
    unsigned thread1, thread2, bystander;

    queued = (struct faulter){ .address = core_scratch_page() };
    bound = (struct faulter){ .address = core_scratch_page() };
    counter = 0;
    TEST_CHECK_EQUAL(fault_server_create(&first), 0, "first pager");
    TEST_CHECK_EQUAL(fault_server_create(&second), 0, "second pager");
    TEST_CHECK_EQUAL(core_spawn(count_forever, (void *)&counter, CORE_LOW_PRIORITY, &bystander), 0, "bystander");
    /* Nobody receives: the fault waits in the endpoint's queue until the endpoint goes. */
    TEST_CHECK_EQUAL(spawn_faulter(read_keeping_registers, &queued, first.endpoint, &thread1), 0, "first thread");
    core_sleep_ms(30);
    TEST_CHECK_EQUAL(queued.stage, 1, "the first thread is at its fault");
    TEST_CHECK_EQUAL(l4_destroy(first.endpoint), 0, "destroy the endpoint it waits on");
    check_dead_and_others_run(result, &queued, &counter);
    /* Received: the fault waits on the pager's reply object until that goes. */
    TEST_CHECK_EQUAL(spawn_faulter(read_keeping_registers, &bound, second.endpoint, &thread2), 0, "second thread");
    TEST_CHECK_EQUAL(fault_receive(&second, &fault, 1000), 0, "the second fault arrives");
    TEST_CHECK_EQUAL(l4_destroy(second.reply), 0, "destroy the reply object it waits on");
    check_dead_and_others_run(result, &bound, &counter);
}

USER_TEST(508, a_thread_faulting_while_nobody_serves_its_pager_waits_alone_and_can_be_destroyed)
{
    static struct faulter f;
    static volatile uint32_t counter;
    struct fault_server pager;
    struct received_fault fault;
    unsigned thread, bystander;

    f = (struct faulter){ .address = core_scratch_page() };
    counter = 0;
    TEST_CHECK_EQUAL(fault_server_create(&pager), 0, "pager");
    TEST_CHECK_EQUAL(spawn_faulter(read_keeping_registers, &f, pager.endpoint, &thread), 0, "faulting thread");
    TEST_CHECK_EQUAL(core_spawn(count_forever, (void *)&counter, CORE_LOW_PRIORITY, &bystander), 0, "bystander");
    check_dead_and_others_run(result, &f, &counter);
    /* Destroying the waiting thread takes it out of the queue: the pager then finds nothing. */
    TEST_CHECK_EQUAL(l4_destroy(thread), 0, "destroy the waiting thread");
    TEST_CHECK_EQUAL(fault_receive(&pager, &fault, 0), -BURSAR_E_TIMEOUT, "no fault left to receive");
}

/* A pager thread whose UTCB is not mapped: it cannot take the three-word fault message. */
struct blind_pager {
    unsigned endpoint, reply;
    volatile uint32_t stage;
    int error;
};

static void receive_once(void *argument)
{
    struct blind_pager *p = argument;

    p->stage = 1;
    p->error = l4_receive(p->endpoint, p->reply, 0, 0, 0, 0, BURSAR_TIMEOUT_MS(1000));
    p->stage = 2;
}

USER_TEST(509, a_fault_the_pager_cannot_take_kills_the_thread_and_tells_the_pager)
{
    static struct faulter f;
    static struct blind_pager p;
    struct fault_server pager;
    unsigned pager_thread, thread;

    f = (struct faulter){ .address = core_scratch_page() };
    TEST_CHECK_EQUAL(fault_server_create(&pager), 0, "pager");
    p = (struct blind_pager){ .endpoint = pager.endpoint, .reply = pager.reply };
    TEST_CHECK_EQUAL(core_spawn_with_utcb(receive_once, &p, CORE_LOW_PRIORITY + 1, core_scratch_page(),
                                          &pager_thread), 0, "pager thread with an unmapped UTCB");
    TEST_CHECK_EQUAL(spawn_faulter(read_keeping_registers, &f, pager.endpoint, &thread), 0, "faulting thread");
    TEST_CHECK(wait_for_stage(&p.stage, 2, 500), "the pager thread never returned");
    TEST_CHECK_EQUAL(p.error, -BURSAR_E_NOT_MAPPED, "what the pager thread got");
    core_sleep_ms(20);
    TEST_CHECK_EQUAL(f.stage, 1, "the faulting thread went on");
    TEST_CHECK_EQUAL(l4_reply(pager.reply, RESUME_TAG, 0, 0), -BURSAR_E_NO_CALLER, "nothing was bound");
}

/* ---- the pager's reply carries the mapping (a memory item) ---- */

/* Reads the word of page 1 (which faults), then of page 0, and adds them. */
__attribute__((noreturn)) static void child_read_two(struct faulter *f)
{
    f->stage = 1;
    f->value = *(volatile uint32_t *)(f->address + 4096) + *(volatile uint32_t *)f->address;
    f->stage = 2;
    l4_thread_exit(0);
    for (;;)
        ;
}

/* Two fresh pages of the root's at an 8 KiB-aligned address; word 0 of each = first, second. */
static int map_two_pages(uintptr_t *base, uint32_t first, uint32_t second)
{
    int error;

    *base = core_scratch_page();
    if (*base & 0x1fff)
        *base = core_scratch_page();
    core_scratch_page();
    if ((error = map_frame_at(*base, BURSAR_RIGHT_READ | BURSAR_RIGHT_WRITE, 0, first)) ||
        (error = map_frame_at(*base + 4096, BURSAR_RIGHT_READ | BURSAR_RIGHT_WRITE, 0, second)))
        return error;
    return 0;
}

static int reply_with_memory(unsigned reply, uintptr_t base, unsigned log2_size, unsigned mode)
{
    struct l4_msg m;

    l4_msg_start(&m, BURSAR_LABEL_RESUME);
    l4_msg_append_memory(&m, base, log2_size, BURSAR_RIGHT_READ, mode);
    return l4_msg_reply(reply, &m);
}

USER_TEST(510, a_memory_item_in_the_pager_reply_maps_the_faulting_task_and_it_resumes)
{
    struct fault_server pager;
    struct received_fault fault;
    struct bursar_heap_info before, after;
    struct child c;
    uintptr_t base;

    child_shared.f = (struct faulter){ .address = CHILD_FAULT_PAGE };
    TEST_CHECK_EQUAL(map_two_pages(&base, 0x1000, 0x234), 0, "two pages of the pager's");
    TEST_CHECK_EQUAL(fault_server_create(&pager), 0, "pager");
    TEST_CHECK_EQUAL(start_child(&c, child_read_two, pager.endpoint), 0, "the child");
    TEST_CHECK_EQUAL(fault_receive(&pager, &fault, 1000), 0, "the child's fault arrives");
    TEST_CHECK_EQUAL(fault.word[BURSAR_PAGE_FAULT_ADDRESS], CHILD_FAULT_PAGE + 4096, "it faulted on page 1");
    TEST_CHECK_EQUAL(l4_heap_info(BURSAR_SLOT_HEAP, &before), 0, "the pager's heap before");
    /* 8 KiB from base: it lands at the fault address rounded down to 8 KiB, i.e. both pages. */
    TEST_CHECK_EQUAL(reply_with_memory(pager.reply, base, 13, BURSAR_REVOCABLE_COPY), 0,
                     "reply RESUME with an 8 KiB memory item");
    TEST_CHECK_EQUAL(l4_heap_info(BURSAR_SLOT_HEAP, &after), 0, "the pager's heap after");
    TEST_CHECK_EQUAL(after.live_by_type[BURSAR_HEAP_RECORD], before.live_by_type[BURSAR_HEAP_RECORD] + 2,
                     "a revocable copy: one record per page, paid by the pager's heap");
    TEST_CHECK(wait_for_stage(&child_shared.f.stage, 2, 500), "the child never got past its reads");
    TEST_CHECK_EQUAL(child_shared.f.value, 0x1234, "both pages read through the item's mapping");
    TEST_CHECK_EQUAL(fault_receive(&pager, &fault, 0), -BURSAR_E_TIMEOUT, "page 0 did not fault");
    /* The pager can take it back: unmapping its pages revokes the child's mappings. */
    TEST_CHECK_EQUAL(l4_unmap(base, 2), 0, "unmap the pager's pages");
    TEST_CHECK_EQUAL(l4_heap_info(BURSAR_SLOT_HEAP, &after), 0, "the pager's heap after the unmap");
    TEST_CHECK_EQUAL(after.live_by_type[BURSAR_HEAP_RECORD], before.live_by_type[BURSAR_HEAP_RECORD],
                     "the child's two records went back to the pager's heap");
}

USER_TEST(511, a_page_fault_reply_with_a_bad_item_is_refused_and_the_thread_still_waits)
{
    static struct faulter f;
    struct fault_server pager;
    struct received_fault fault;
    struct l4_msg m;
    uintptr_t base, unmapped = core_scratch_page();
    unsigned thread;

    TEST_CHECK_EQUAL(map_two_pages(&base, MAGIC, 0), 0, "pages of the pager's");
    f = (struct faulter){ .address = core_scratch_page() };
    TEST_CHECK_EQUAL(fault_server_create(&pager), 0, "pager");
    TEST_CHECK_EQUAL(spawn_faulter(read_keeping_registers, &f, pager.endpoint, &thread), 0, "faulting thread");
    TEST_CHECK_EQUAL(fault_receive(&pager, &fault, 1000), 0, "the fault arrives");
    TEST_CHECK_EQUAL(reply_with_memory(pager.reply, unmapped, 12, BURSAR_REVOCABLE_COPY), -BURSAR_E_NOT_MAPPED,
                     "an item of a page the pager does not have");
    TEST_CHECK_EQUAL(reply_with_memory(pager.reply, base + 4096, 13, BURSAR_REVOCABLE_COPY), -BURSAR_E_MISALIGNED,
                     "a flexpage not aligned to its size");
    l4_msg_start(&m, BURSAR_LABEL_RESUME);
    l4_msg_append_capability(&m, pager.endpoint, BURSAR_RIGHT_WRITE, BURSAR_COPY, 0);
    TEST_CHECK_EQUAL(l4_msg_reply(pager.reply, &m), -BURSAR_E_NO_RECEIVE_WINDOW, "a capability item");
    l4_msg_start(&m, BURSAR_LABEL_RESUME);
    l4_msg_append_memory(&m, base, 12, BURSAR_RIGHT_READ, BURSAR_REVOCABLE_COPY);
    l4_msg_append_memory(&m, base + 4096, 12, BURSAR_RIGHT_READ, BURSAR_REVOCABLE_COPY);
    TEST_CHECK_EQUAL(l4_msg_reply(pager.reply, &m), -BURSAR_E_INVALID_MESSAGE, "two items");
    l4_msg_start(&m, BURSAR_LABEL_KILL);
    l4_msg_append_memory(&m, base, 12, BURSAR_RIGHT_READ, BURSAR_REVOCABLE_COPY);
    TEST_CHECK_EQUAL(l4_msg_reply(pager.reply, &m), -BURSAR_E_INVALID_MESSAGE, "KILL with an item");
    core_sleep_ms(20);
    TEST_CHECK_EQUAL(f.stage, 1, "the thread went on after a refused reply");
    /* The same task: the item maps the pager's own page a second time, at the fault address. */
    TEST_CHECK_EQUAL(reply_with_memory(pager.reply, base, 12, BURSAR_REVOCABLE_COPY), 0, "a good item");
    TEST_CHECK(wait_for_stage(&f.stage, 2, 500), "the thread never resumed");
    TEST_CHECK_EQUAL(f.value, MAGIC, "it read the pager's page");
}

/* A pager thread that faults itself while serving (it has no pager of its own). */
struct faulting_pager {
    unsigned endpoint, reply;
    uintptr_t bad_address;
    volatile uint32_t stage;        /* 1: received the fault, 2: past its own bad access (never) */
};

static void pager_that_faults(void *argument)
{
    struct faulting_pager *p = argument;

    if (l4_receive(p->endpoint, p->reply, 0, 0, 0, 0, BURSAR_TIMEOUT_MS(1000)) != 0)
        return;
    p->stage = 1;
    (void)*(volatile uint32_t *)p->bad_address;
    p->stage = 2;
}

USER_TEST(512, a_pager_that_faults_while_serving_dies_alone_and_its_client_goes_with_its_reply_object)
{
    static struct faulter f;
    static struct faulting_pager p;
    static volatile uint32_t counter;
    struct fault_server pager;
    unsigned pager_thread, thread, bystander;
    uint32_t seen;

    f = (struct faulter){ .address = core_scratch_page() };
    counter = 0;
    TEST_CHECK_EQUAL(fault_server_create(&pager), 0, "pager");
    p = (struct faulting_pager){ .endpoint = pager.endpoint, .reply = pager.reply,
                                 .bad_address = core_scratch_page() };
    TEST_CHECK_EQUAL(core_spawn(pager_that_faults, &p, CORE_LOW_PRIORITY + 1, &pager_thread), 0, "pager thread");
    TEST_CHECK_EQUAL(spawn_faulter(read_keeping_registers, &f, pager.endpoint, &thread), 0, "faulting thread");
    TEST_CHECK_EQUAL(core_spawn(count_forever, (void *)&counter, CORE_LOW_PRIORITY, &bystander), 0, "bystander");
    TEST_CHECK(wait_for_stage(&p.stage, 1, 500), "the pager thread never received the fault");
    core_sleep_ms(30);
    TEST_CHECK_EQUAL(p.stage, 1, "the pager went past its own fault");
    TEST_CHECK_EQUAL(f.stage, 1, "the client went past its fault");
    seen = counter;
    core_sleep_ms(30);
    TEST_CHECK(counter > seen, "the rest of the system stopped");
    /* The client is still bound to the dead pager's reply object; destroying that releases it (killed). */
    TEST_CHECK_EQUAL(l4_destroy(pager.reply), 0, "destroy the dead pager's reply object");
    core_sleep_ms(20);
    TEST_CHECK_EQUAL(f.stage, 1, "the client resumed without a mapping");
    /* Had it been resumed instead of killed, it would have faulted again, to the same endpoint. */
    TEST_CHECK_EQUAL(l4_receive(pager.endpoint, BURSAR_NO_CAPABILITY, 0, 0, 0, 0, BURSAR_TIMEOUT_ZERO),
                     -BURSAR_E_TIMEOUT, "no second fault from the client");
}
