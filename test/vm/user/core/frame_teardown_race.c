/*
 * frame_teardown_race.c — a frame whose mappings are coming down is not
 * free until the last one is gone (docs/security.md, "Frames").
 *
 * Removing a frame's root mapping (SYS_UNMAP of the bank's own page)
 * revokes every mapping derived from it, in chunks, with preemption points
 * between them: for a while the root mapping is gone and other tasks still
 * map the frame. Whatever the bank does with the frame in that window must
 * see those mappings: map it again, donate it, offer it to a heap fault.
 */
#include "fault_pager.h"
#include "proxy.h"

#include "libl4/kernel_stats.h"
#include "libl4/printf.h"

#define MAP_BASE 0x10000000u
#define DOUBLINGS 16u                      /* B maps the frame 65 536 times */
#define B_HEAP_FRAMES 680u                 /* their records and page tables */
#define SAMPLES 64u
#define RACE_DOUBLINGS 14u                 /* 16 384: still many points for each racer */

struct unmapper {
    uintptr_t page;
    volatile uint32_t stage;
    int status;
};

static void unmap_page(void *argument)
{
    struct unmapper *u = argument;

    u->stage = 1;
    u->status = l4_unmap(u->page, 1);
    u->stage = 2;
}

struct creator {
    unsigned heap, slot;
    volatile uint32_t stage;
    int status;
};

static void create_endpoint(void *argument)
{
    struct creator *c = argument;

    c->stage = 1;
    c->status = l4_create(c->heap, BURSAR_OBJECT_ENDPOINT, c->slot, 0);
    c->stage = 2;
}

/*
 * Task B (a proxy, above the root's low threads) maps a fresh frame F of
 * the root's, whose root mapping is the root's page *page, 2^doublings
 * times from MAP_BASE up: one SYS_MAP from the root, then B's own, each
 * doubling. Its heap pays for the records and page tables. 0 or the error.
 */
static int frame_tree_in_b(struct proxy *b, unsigned doublings, uintptr_t *page, uint32_t *frame)
{
    unsigned b_self = PROXY_FIRST_FREE;
    int error = proxy_start(b, 0);

    for (unsigned i = 0; i < B_HEAP_FRAMES && !error; i++)
        error = l4_heap_donate(b->heap, BURSAR_SLOT_MEMORY, core_frame(), 1);
    if (!error)
        error = l4_thread_configure(b->thread, BURSAR_THREAD_PRIORITY, CORE_LOW_PRIORITY + 50);
    if (!error)
        error = proxy_give(b, b->task, b_self, BURSAR_RIGHTS_ALL);
    if (!error)
        error = core_map_fresh_page(page, frame);
    if (!error)
        error = l4_map(b->task, *page, MAP_BASE, BURSAR_RIGHT_READ, 1);
    for (unsigned d = 0, n = 1; d < doublings && !error; d++, n *= 2)
        error = proxy_syscall(b, SYS_MAP, b_self, MAP_BASE, (MAP_BASE + n * 4096u) | BURSAR_RIGHT_READ, n, 0);
    return error;
}

/*
 * How many of SAMPLES pages spread over B's mappings B still maps: a
 * memory item sent with nobody to receive it says (TIMEOUT: mapped,
 * NOT_MAPPED: not), and changes nothing. Any other answer is -1.
 */
static int still_mapped_in_b(const struct proxy *b, unsigned endpoint)
{
    int mapped = 0;

    for (unsigned i = 0; i < SAMPLES; i++) {
        uint32_t address = MAP_BASE + i * ((1u << DOUBLINGS) / SAMPLES) * 4096u;
        int status = proxy_syscall(b, l4_eax(SYS_SEND, BURSAR_TIMEOUT_ZERO, 0), endpoint, BURSAR_TAG(1, 0, 1),
                                   BURSAR_ITEM_MEMORY_WORD(12, BURSAR_RIGHT_READ, BURSAR_COPY), address, 0);
        if (status != -BURSAR_E_TIMEOUT && status != -BURSAR_E_NOT_MAPPED)
            return -1;
        mapped += status == -BURSAR_E_TIMEOUT;
    }
    return mapped;
}

/*
 * B maps the root's frame F 65 536 times (its own SYS_MAPs, doubling), and
 * a low thread of the root unmaps F's root mapping. While that revoke is
 * paused at a preemption point, the root, as F's bank: SYS_FRAME_STATE
 * says F is not free, SYS_HEAP_DONATE refuses it (BUSY), SYS_FRAME_MAP
 * refuses it (ALREADY_MAPPED: the frame is mapped, in B); and offered in
 * answer to a heap fault, F becomes a heap page only after every mapping
 * of it is gone. Before, the donation looked only at the root mapping's
 * flag: F became a page of kernel objects (here an endpoint) that B still
 * mapped at every one of its pages, and FRAME_MAP mapped it again.
 */
USER_TEST(1220, a_frame_whose_mappings_are_coming_down_is_never_given_out_while_one_is_left)
{
    static struct proxy b;
    static struct unmapper u;
    static struct creator c;
    struct fault_server bank;
    struct received_fault fault;
    unsigned b_endpoint = PROXY_FIRST_FREE + 1, heap = core_slot();
    unsigned endpoint = core_slot(), thread;
    int before, after;
    uint32_t start;
    uint32_t frame, bits[BURSAR_UTCB_INFO_WORDS], free_frames;
    uintptr_t page;

    TEST_CHECK_EQUAL(frame_tree_in_b(&b, DOUBLINGS, &page, &frame), 0, "B maps F 65 536 times");
    TEST_CHECK_EQUAL(l4_create(BURSAR_SLOT_HEAP, BURSAR_OBJECT_ENDPOINT, endpoint, 0), 0, "an endpoint for probes");
    TEST_CHECK_EQUAL(proxy_give(&b, endpoint, b_endpoint, BURSAR_RIGHT_WRITE), 0, "given to B");

    /* A heap whose bank is the root, and a thread waiting on it with a fault. */
    TEST_CHECK_EQUAL(fault_server_create(&bank), 0, "bank endpoint");
    TEST_CHECK_EQUAL(l4_create(BURSAR_SLOT_HEAP, BURSAR_OBJECT_HEAP, heap, 0), 0, "an empty heap");
    TEST_CHECK_EQUAL(l4_heap_configure(heap, BURSAR_HEAP_BANK, bank.endpoint, 0), 0, "its bank");
    c = (struct creator){ .heap = heap, .slot = core_slot() };
    TEST_CHECK_EQUAL(core_spawn(create_endpoint, &c, CORE_LOW_PRIORITY + 60, &thread), 0, "creator");
    TEST_CHECK_EQUAL(fault_receive(&bank, &fault, 1000), 0, "the creator's heap fault");
    TEST_CHECK_EQUAL(fault.label, BURSAR_LABEL_HEAP_FAULT, "a heap fault");

    /* The unmapper takes F's root mapping and starts on B's 65 536. */
    u = (struct unmapper){ .page = page };
    start = core_ticks();
    TEST_CHECK_EQUAL(core_spawn(unmap_page, &u, CORE_LOW_PRIORITY, &thread), 0, "unmapper");
    core_sleep_ms(10);
    TEST_CHECK(u.stage == 1, "the unmap is not under way (stage %u): the test cannot test", u.stage);
    before = still_mapped_in_b(&b, b_endpoint);
    printf("  the unmap paused with B mapping F at %d of %u sampled pages\n", before, SAMPLES);
    TEST_CHECK(before > 0 && u.stage == 1, "the unmap got too far (%d left, stage %u)", before, u.stage);

    TEST_CHECK_EQUAL(l4_frame_state(BURSAR_SLOT_MEMORY, frame, 1, bits, &free_frames, 0), 0, "frame state");
    TEST_CHECK(free_frames == 0 && !(bits[0] & 1), "F counts as free while B maps it");
    TEST_CHECK_EQUAL(l4_heap_donate(heap, BURSAR_SLOT_MEMORY, frame, 1), -BURSAR_E_BUSY, "SYS_HEAP_DONATE of F");
    TEST_CHECK_EQUAL(l4_frame_map(BURSAR_SLOT_MEMORY, frame, core_scratch_page(), BURSAR_RIGHT_READ),
                     -BURSAR_E_ALREADY_MAPPED, "SYS_FRAME_MAP of F while B maps it");

    /*
     * The bank answers the fault with F. The creator, above B and the
     * unmapper, restarts its call as soon as the root blocks (in the first
     * probe), and before the unmapper can go on.
     */
    TEST_CHECK_EQUAL(l4_reply(bank.reply, BURSAR_TAG(0, 2, 0), 1 | BURSAR_SLOT_MEMORY << 16, frame), 0,
                     "F offered to the heap");
    after = still_mapped_in_b(&b, b_endpoint);
    TEST_CHECK_EQUAL(l4_debug_dump(BURSAR_SLOT_DEBUG, BURSAR_DUMP_CHECK, 0), 0, "the kernel's check (no heap page mapped)");
    TEST_CHECK_EQUAL(c.stage, 2, "the creator's call is over");
    TEST_CHECK_EQUAL(c.status, 0, "the endpoint, in F");
    TEST_CHECK_EQUAL(after, 0, "pages where B maps F, now a heap page");
    TEST_CHECK(wait_for_stage(&u.stage, 2, 5000), "the unmap never finished");
    TEST_CHECK_EQUAL(u.status, 0, "the unmap");
    printf("  the unmap took %u ms\n", core_ticks_elapsed_ms(start));
}

/* One system call, made by a thread of its own; the status when it came back. */
struct racer {
    uint32_t eax, a0, a1, a2;
    volatile uint32_t stage;
    int status;
};

static void race(void *argument)
{
    struct racer *r = argument;
    struct l4_words w = { r->a0, r->a1, r->a2, 0 };

    r->stage = 1;
    r->status = l4_sysenter_inline(r->eax, &w);
    r->stage = 2;
}

/*
 * Everything that can take a big frame tree apart, at once, at one
 * priority, so the timer interleaves them between their preemption points:
 * the root mapping's own unmap, two SYS_FRAME_UNMAPs, a reclaim of the heap
 * that pays for the 65 536 records (moving and destroying them under the
 * others' cursors, and B's task with them) and a destroy of B's task. Each
 * call returns 0 (or BUSY for a heap another reclaim holds), the frame ends
 * free, and the kernel's check and the ledger after the test hold.
 */
USER_TEST(1221, every_way_of_taking_a_frame_tree_apart_at_once)
{
    static struct proxy b;
    static struct racer racers[5];
    struct l4_preempt_stats before, after;
    unsigned thread;
    uint32_t frame, bits[BURSAR_UTCB_INFO_WORDS], free_frames = 0;
    uintptr_t page;

    TEST_CHECK_EQUAL(frame_tree_in_b(&b, RACE_DOUBLINGS, &page, &frame), 0, "B maps F 16 384 times");
    racers[0] = (struct racer){ .eax = SYS_UNMAP, .a0 = page, .a1 = 1, .a2 = BURSAR_UNMAP_OWN };
    racers[1] = (struct racer){ .eax = SYS_FRAME_UNMAP, .a0 = BURSAR_SLOT_MEMORY, .a1 = frame };
    racers[2] = (struct racer){ .eax = SYS_HEAP_RECLAIM, .a0 = b.heap, .a1 = B_HEAP_FRAMES / 2 };
    racers[3] = (struct racer){ .eax = SYS_FRAME_UNMAP, .a0 = BURSAR_SLOT_MEMORY, .a1 = frame };
    racers[4] = (struct racer){ .eax = SYS_DESTROY, .a0 = b.task };
    TEST_CHECK_EQUAL(l4_preempt_stats(BURSAR_SLOT_DEBUG, &before, 0), 0, "preemption statistics");
    for (unsigned i = 0; i < 5; i++) {
        TEST_CHECK_EQUAL_FMT(core_spawn(race, &racers[i], CORE_LOW_PRIORITY, &thread), 0, "racer %u", i);
        TEST_CHECK_EQUAL_FMT(l4_thread_configure(thread, BURSAR_THREAD_TIMESLICE, 1), 0, "racer %u's timeslice", i);
    }
    for (unsigned i = 0; i < 5; i++) {
        TEST_CHECK(wait_for_stage(&racers[i].stage, 2, 10000), "racer %u never came back", i);
        TEST_CHECK_EQUAL_FMT(racers[i].status, 0, "racer %u's call", i);
    }
    TEST_CHECK_EQUAL(l4_preempt_stats(BURSAR_SLOT_DEBUG, &after, 0), 0, "preemption statistics");
    printf("  the racers passed %u preemption points, %u of them letting another thread run\n",
           after.points - before.points, after.switches - before.switches);
    TEST_CHECK_EQUAL(l4_frame_state(BURSAR_SLOT_MEMORY, frame, 1, bits, &free_frames, 0), 0, "frame state");
    TEST_CHECK_EQUAL(free_frames, 1, "F free at the end");
    TEST_CHECK_EQUAL(l4_debug_dump(BURSAR_SLOT_DEBUG, BURSAR_DUMP_CHECK, 0), 0, "the kernel's check");
}
