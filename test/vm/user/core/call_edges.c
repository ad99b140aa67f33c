/*
 * call_edges.c — the calls issue 10 added, at the edges of their
 * arguments (docs/security.md, "Beyond the CPU"): I/O port ranges at the
 * top of the port space, the brand check on a slot against itself and on
 * empty, revoked and out-of-range slots, the debug capability's rights one
 * by one, frame calls past the frame table and on frames that are not the
 * bank's, the UTCB in the last bytes below the kernel. Every refusal gets
 * its documented error and changes nothing (authority_refused).
 */
#include "authority.h"
#include "fault_pager.h"
#include "transfer.h"

#include "libl4/devices.h"
#include "libl4/kernel_stats.h"
#include "libl4/task_sharing_program.h"

#define E(name) BURSAR_E_##name

USER_TEST(1203, io_port_ranges_at_the_top_of_the_port_space)
{
    unsigned heap = core_slot(), top = core_slot(), spare = core_slot(), none = core_slot();
    struct l4_words w;

    TEST_CHECK_EQUAL(core_heap_create(heap, 1), 0, "a heap");
    TEST_CHECK_EQUAL(l4_io_ports_create(BURSAR_SLOT_DEVICES, 0xffff, 1, heap, top), 0, "port 0xffff alone");
    authority_refused(result, "0xffff and one more", SYS_IO_PORTS_CREATE, BURSAR_SLOT_DEVICES,
                      BURSAR_IO_PORTS(0xffff, 2), heap, spare, E(INVALID_ARGUMENT), heap);
    authority_refused(result, "1 .. 0xffff (the PICs)", SYS_IO_PORTS_CREATE, BURSAR_SLOT_DEVICES,
                      BURSAR_IO_PORTS(1, 0xffff), heap, spare, E(NO_RIGHTS), heap);
    authority_refused(result, "count 0 at 0xffff", SYS_IO_PORTS_CREATE, BURSAR_SLOT_DEVICES,
                      BURSAR_IO_PORTS(0xffff, 0), heap, spare, E(INVALID_ARGUMENT), heap);
    authority_refused(result, "the slot past the last", SYS_IO_PORTS_CREATE, BURSAR_SLOT_DEVICES,
                      BURSAR_IO_PORTS(0xfff0, 1), heap, BURSAR_ROOT_SLOTS, E(INVALID_CAPABILITY), heap);
    w = (struct l4_words){ top, 0xffff, 0, 0 };
    TEST_CHECK_EQUAL(l4_sysenter_inline(SYS_IO_PORT, &w), 0, "read port 0xffff");
    TEST_CHECK(w.ebx <= 0xff && w.esi == 0 && w.edi == 0 && w.ebp == 0, "results %x %x %x %x", w.ebx, w.esi, w.edi,
               w.ebp);
    authority_refused(result, "port 0x10000", SYS_IO_PORT, top, 0x10000, 0, 0, E(INVALID_ARGUMENT), heap);
    authority_refused(result, "port 0xffff + 0x10000", SYS_IO_PORT, top, 0x1ffff, 0, 0, E(INVALID_ARGUMENT), heap);
    authority_refused(result, "port 0xfffe", SYS_IO_PORT, top, 0xfffe, 0, 0, E(NO_RIGHTS), heap);
    authority_refused(result, "a write of 0x100", SYS_IO_PORT, top, 0xffff, 1, 0x100, E(INVALID_ARGUMENT), heap);
    authority_refused(result, "direction 2", SYS_IO_PORT, top, 0xffff, 2, 0, E(INVALID_ARGUMENT), heap);
    authority_refused(result, "direction 0xffffffff", SYS_IO_PORT, top, 0xffff, 0xffffffffu, 0,
                      E(INVALID_ARGUMENT), heap);
    TEST_CHECK_EQUAL(l4_cap_copy(top, none, 0, 0), 0, "a copy with no rights");
    authority_refused(result, "a read with no rights", SYS_IO_PORT, none, 0xffff, 0, 0, E(NO_RIGHTS), heap);
    authority_refused(result, "a write with no rights", SYS_IO_PORT, none, 0xffff, 1, 0, E(NO_RIGHTS), heap);
    authority_refused(result, "destroy with no rights", SYS_DESTROY, none, 0, 0, 0, E(NO_RIGHTS), heap);
}

USER_TEST(1204, the_brand_check_on_itself_and_on_empty_revoked_and_missing_slots)
{
    unsigned heap = core_slot(), endpoint = core_slot(), copy = core_slot(), revoked = core_slot();
    unsigned empty = core_slot();
    struct l4_words w;

    TEST_CHECK_EQUAL(core_heap_create(heap, 1), 0, "a heap");
    /* A slot an earlier test's teardown revoked says so until reused: fill it and empty it. */
    TEST_CHECK_EQUAL(l4_cap_copy(heap, empty, BURSAR_RIGHT_READ, 0), 0, "a copy");
    TEST_CHECK_EQUAL(l4_cap_delete(empty), 0, "deleted: an empty slot");
    TEST_CHECK_EQUAL(l4_create(heap, BURSAR_OBJECT_ENDPOINT, endpoint, 0), 0, "an endpoint");
    TEST_CHECK_EQUAL(l4_cap_transfer(endpoint, BURSAR_OWN_TASK, copy, BURSAR_RIGHTS_ALL, BURSAR_REVOCABLE_COPY, 0), 0,
                     "a revocable copy");
    TEST_CHECK_EQUAL(l4_cap_transfer(copy, BURSAR_OWN_TASK, revoked, BURSAR_RIGHTS_ALL, BURSAR_REVOCABLE_COPY, 0), 0,
                     "a copy of the copy");
    TEST_CHECK_EQUAL(l4_cap_revoke(copy), 0, "revoked");
    for (unsigned slot = 0; slot < 8; slot++) {
        w = (struct l4_words){ slot, slot, 0xdead, 0xbeef };
        if (slot == 6 || slot == 7)
            continue;                    /* empty at boot */
        TEST_CHECK_EQUAL_FMT(l4_sysenter_inline(SYS_CAP_COMPARE, &w), 0, "boot slot %u with itself", slot);
        TEST_CHECK(w.ebx == 1 && w.esi == 0 && w.edi == 0 && w.ebp == 0, "boot slot %u: results %x %x %x %x", slot,
                   w.ebx, w.esi, w.edi, w.ebp);
    }
    authority_refused(result, "an empty slot with itself", SYS_CAP_COMPARE, empty, empty, 0, 0, E(EMPTY_SLOT), heap);
    authority_refused(result, "a revoked slot with itself", SYS_CAP_COMPARE, revoked, revoked, 0, 0, E(REVOKED), heap);
    authority_refused(result, "a revoked slot first", SYS_CAP_COMPARE, revoked, endpoint, 0, 0, E(REVOKED), heap);
    authority_refused(result, "a revoked slot second", SYS_CAP_COMPARE, endpoint, revoked, 0, 0, E(REVOKED), heap);
    authority_refused(result, "empty first, revoked second", SYS_CAP_COMPARE, empty, revoked, 0, 0, E(EMPTY_SLOT),
                      heap);
    authority_refused(result, "the slot past the last", SYS_CAP_COMPARE, endpoint, BURSAR_ROOT_SLOTS, 0, 0,
                      E(INVALID_CAPABILITY), heap);
    authority_refused(result, "a slot index with high bits", SYS_CAP_COMPARE, endpoint | 0x10000u, endpoint, 0, 0,
                      E(INVALID_CAPABILITY), heap);
    authority_refused(result, "slot 0xffffffff", SYS_CAP_COMPARE, 0xffffffffu, 0xffffffffu, 0, 0,
                      E(INVALID_CAPABILITY), heap);
    w = (struct l4_words){ copy, endpoint, 0, 0 };
    TEST_CHECK_EQUAL(l4_sysenter_inline(SYS_CAP_COMPARE, &w), 0, "the revoked-from copy and its source");
    TEST_CHECK_EQUAL(w.ebx, 1, "same object");
}

USER_TEST(1205, the_debug_capability_right_by_right)
{
    unsigned heap = core_slot(), read = core_slot(), write = core_slot(), none = core_slot();
    struct l4_preempt_stats before, after;

    TEST_CHECK_EQUAL(core_heap_create(heap, 1), 0, "a heap");
    TEST_CHECK_EQUAL(l4_cap_copy(BURSAR_SLOT_DEBUG, read, BURSAR_RIGHT_READ, 0), 0, "READ");
    TEST_CHECK_EQUAL(l4_cap_copy(BURSAR_SLOT_DEBUG, write, BURSAR_RIGHT_WRITE, 0), 0, "WRITE");
    TEST_CHECK_EQUAL(l4_cap_copy(BURSAR_SLOT_DEBUG, none, 0, 0), 0, "no rights");
    for (uint32_t kind = 0; kind <= BURSAR_DUMP_CHECK_YIELDING + 1; kind++) {
        authority_refused(result, "a dump with WRITE only", SYS_DEBUG_DUMP, write, kind, 0, 0, E(NO_RIGHTS), heap);
        authority_refused(result, "a dump with no rights", SYS_DEBUG_DUMP, none, kind, 0, 0, E(NO_RIGHTS), heap);
    }
    authority_refused(result, "statistics with WRITE only", SYS_PREEMPT_STATS, write, 0, 0, 0, E(NO_RIGHTS), heap);
    authority_refused(result, "a reset with WRITE only", SYS_PREEMPT_STATS, write, 1, 0, 0, E(NO_RIGHTS), heap);
    authority_refused(result, "a reset with READ only", SYS_PREEMPT_STATS, read, 1, 0, 0, E(NO_RIGHTS), heap);
    authority_refused(result, "statistics, argument 2", SYS_PREEMPT_STATS, BURSAR_SLOT_DEBUG, 2, 0, 0,
                      E(INVALID_ARGUMENT), heap);
    authority_refused(result, "statistics, argument 0xffffffff", SYS_PREEMPT_STATS, BURSAR_SLOT_DEBUG, 0xffffffffu,
                      0, 0, E(INVALID_ARGUMENT), heap);
    authority_refused(result, "an unknown dump", SYS_DEBUG_DUMP, read, BURSAR_DUMP_CHECK_YIELDING + 1, 0, 0,
                      E(INVALID_ARGUMENT), heap);
    authority_refused(result, "dump 0xffffffff", SYS_DEBUG_DUMP, read, 0xffffffffu, 0, 0, E(INVALID_ARGUMENT), heap);
    authority_refused(result, "the tree of a frame past the table", SYS_DEBUG_DUMP, read, BURSAR_DUMP_FRAME_TREE,
                      0xffffffffu, 0, E(BAD_FRAME), heap);
    authority_refused(result, "the tree of a slot past the last", SYS_DEBUG_DUMP, read, BURSAR_DUMP_CAPABILITY_TREE,
                      BURSAR_ROOT_SLOTS, 0, E(INVALID_CAPABILITY), heap);
    authority_refused(result, "destroy the debug object", SYS_DESTROY, BURSAR_SLOT_DEBUG, 0, 0, 0, E(BUSY), heap);
    /* A READ copy reads the statistics and leaves them: its refused reset resets nothing. */
    TEST_CHECK_EQUAL(l4_preempt_stats(read, &before, 0), 0, "read with READ");
    TEST_CHECK_EQUAL(l4_preempt_stats(read, &after, 1), -E(NO_RIGHTS), "reset with READ");
    TEST_CHECK_EQUAL(l4_preempt_stats(read, &after, 0), 0, "read again");
    TEST_CHECK(after.points >= before.points, "the refused reset reset the points (%u, then %u)", before.points,
               after.points);
    TEST_CHECK_EQUAL(l4_debug_dump(read, BURSAR_DUMP_CHECK, 0), 0, "the check with READ");
}

USER_TEST(1206, frame_calls_past_the_frame_table_and_on_frames_not_the_banks)
{
    unsigned heap = core_slot();
    uint32_t bits[BURSAR_UTCB_INFO_WORDS], free_frames = 1, frames = 0;
    struct bursar_system_info info;

    TEST_CHECK_EQUAL(core_heap_create(heap, 1), 0, "a heap");
    TEST_CHECK_EQUAL(l4_frame_state(BURSAR_SLOT_MEMORY, 0, 1, bits, &free_frames, &frames), 0, "frame 0");
    TEST_CHECK(frames > 0, "the frame table has %u frames", frames);
    TEST_CHECK_EQUAL(l4_frame_state(BURSAR_SLOT_MEMORY, 0xffffffffu, BURSAR_FRAME_STATE_MAX, bits, &free_frames, 0),
                     0, "the last frame number and on, wrapping");
    TEST_CHECK_EQUAL(free_frames, 0, "free frames past the table");
    for (unsigned i = 0; i < BURSAR_UTCB_INFO_WORDS; i++)
        TEST_CHECK_EQUAL_FMT(bits[i], 0, "bit word %u past the table", i);
    TEST_CHECK_EQUAL(l4_frame_state(BURSAR_SLOT_MEMORY, frames - 1, BURSAR_FRAME_STATE_MAX, bits, &free_frames, 0), 0,
                     "the last frame and on");
    TEST_CHECK(free_frames <= 1 && (bits[0] & ~1u) == 0, "frames past the table counted free (%u)", free_frames);
    authority_refused(result, "count 0", SYS_FRAME_STATE, BURSAR_SLOT_MEMORY, 0, 0, 0, E(INVALID_ARGUMENT), heap);
    authority_refused(result, "count 1537", SYS_FRAME_STATE, BURSAR_SLOT_MEMORY, 0, BURSAR_FRAME_STATE_MAX + 1, 0,
                      E(INVALID_ARGUMENT), heap);
    authority_refused(result, "count 0xffffffff", SYS_FRAME_STATE, BURSAR_SLOT_MEMORY, 0, 0xffffffffu, 0,
                      E(INVALID_ARGUMENT), heap);
    authority_refused(result, "a heap capability", SYS_FRAME_STATE, heap, 0, 1, 0, E(WRONG_TYPE), heap);
    authority_refused(result, "unmap the frame past the table", SYS_FRAME_UNMAP, BURSAR_SLOT_MEMORY, frames, 0, 0,
                      E(BAD_FRAME), heap);
    authority_refused(result, "unmap frame 0xffffffff", SYS_FRAME_UNMAP, BURSAR_SLOT_MEMORY, 0xffffffffu, 0, 0,
                      E(BAD_FRAME), heap);
    authority_refused(result, "map the frame past the table", SYS_FRAME_MAP, BURSAR_SLOT_MEMORY, frames,
                      core_scratch_page() | BURSAR_RIGHT_READ, 0, E(BAD_FRAME), heap);
    authority_refused(result, "donate the frame past the table", SYS_HEAP_DONATE, heap, BURSAR_SLOT_MEMORY, frames, 1,
                      E(INVALID_ARGUMENT), heap);
    authority_refused(result, "donate frames wrapping the table", SYS_HEAP_DONATE, heap, BURSAR_SLOT_MEMORY,
                      0xffffffffu, 2, E(INVALID_ARGUMENT), heap);
    /* The kernel's first frame (the kernel image), and the frames of the fixed reservation: never the bank's. */
    authority_refused(result, "unmap a kernel frame", SYS_FRAME_UNMAP, BURSAR_SLOT_MEMORY, 0x100, 0, 0, E(BAD_FRAME),
                      heap);
    authority_refused(result, "map a kernel frame", SYS_FRAME_MAP, BURSAR_SLOT_MEMORY, 0x100,
                      core_scratch_page() | BURSAR_RIGHT_READ, 0, E(BAD_FRAME), heap);
    TEST_CHECK_EQUAL(l4_system_info(&info), 0, "system info");
}

/* ---- the UTCB in the last 512 bytes below the kernel ---- */

#define LAST_PAGE 0xbffff000u
#define LAST_UTCB 0xbffffe00u

/* Shared with the edge task: its stack and what it saw. */
struct edge_area {
    char stack[4096];
    volatile int system_info, receive, second_receive, read_only_info;
    volatile uint32_t tag, last_word, usable;
    volatile bool done;
} __attribute__((aligned(4096)));
static struct edge_area edge;

/* Runs in the edge task: its UTCB is the last 512 bytes below the kernel. */
static void at_the_edge(void *argument)
{
    struct bursar_system_info info;
    struct bursar_utcb *utcb = (struct bursar_utcb *)LAST_UTCB;
    uint32_t tag = 0;

    (void)argument;
    edge.system_info = l4_system_info(&info);
    edge.usable = info.usable_frames;
    edge.receive = l4_receive(L4_SERVER_ENDPOINT, BURSAR_NO_CAPABILITY, 0, &tag, 0, 0, BURSAR_TIMEOUT_MS(2000));
    edge.tag = tag;
    edge.last_word = utcb->mr[BURSAR_MESSAGE_REGISTERS - 1];
    /* Now the root makes the page read-only and sends another long message: it cannot land. */
    edge.second_receive = l4_receive(L4_SERVER_ENDPOINT, BURSAR_NO_CAPABILITY, 0, &tag, 0, 0,
                                     BURSAR_TIMEOUT_MS(2000));
    edge.read_only_info = l4_system_info(&info);
    edge.done = true;
    for (;;)
        l4_receive(L4_SERVER_ENDPOINT, BURSAR_NO_CAPABILITY, 0, 0, 0, 0, BURSAR_TIMEOUT_NEVER);
}

/*
 * A thread of another task whose UTCB is the last 512 bytes of user
 * space: the info area ends at 0xC0000000 exactly, and so does the last
 * message register. Everything the kernel writes there arrives, and with
 * the page read-only, output to it is NOT_MAPPED for both sides of a long
 * message (docs/abi.md §5) and for SYS_SYSTEM_INFO.
 */
USER_TEST(1207, a_utcb_in_the_last_bytes_below_the_kernel)
{
    unsigned heap = core_slot();
    uint32_t frame;
    uintptr_t page;
    struct bursar_system_info info;
    struct l4_server_spec spec = {
        .task = { .heap = heap, .slot = core_slot(), .capability_slots = 8, .shared = &edge,
                  .shared_size = sizeof edge },
        .endpoint = core_slot(), .reply = core_slot(), .thread = core_slot(), .stack = edge.stack,
        .stack_size = sizeof edge.stack, .utcb = LAST_UTCB, .priority = CORE_LOW_PRIORITY, .entry = at_the_edge,
    };

    TEST_CHECK_EQUAL(core_heap_create(heap, 12), 0, "the edge task's heap");
    TEST_CHECK_EQUAL(l4_server_start_in_new_task(&spec), 0, "the edge task and its thread");
    TEST_CHECK_EQUAL(core_map_fresh_page(&page, &frame), 0, "a page");
    TEST_CHECK_EQUAL(l4_map(spec.task.slot, page, LAST_PAGE, BURSAR_RIGHT_READ | BURSAR_RIGHT_WRITE, 1), 0,
                     "mapped writable at 0xbffff000 in the edge task");
    for (unsigned i = 2; i < BURSAR_MESSAGE_REGISTERS; i++)
        l4_mr_set(i, 0x1000 + i);
    TEST_CHECK_EQUAL(l4_send(spec.endpoint, BURSAR_TAG(9, BURSAR_MESSAGE_REGISTERS, 0), 1, 2,
                             BURSAR_TIMEOUT_MS(1000)), 0, "a 64-word message to it");
    /* The edge task has read it; its page becomes read-only, and a second long message cannot land. */
    TEST_CHECK_EQUAL(l4_unmap_derived(page, 1), 0, "the writable mapping taken back");
    TEST_CHECK_EQUAL(l4_map(spec.task.slot, page, LAST_PAGE, BURSAR_RIGHT_READ, 1), 0, "mapped read-only");
    TEST_CHECK_EQUAL(l4_send(spec.endpoint, BURSAR_TAG(9, BURSAR_MESSAGE_REGISTERS, 0), 1, 2,
                             BURSAR_TIMEOUT_MS(1000)), -E(NOT_MAPPED), "a 64-word message to a read-only UTCB");
    core_sleep_ms(10);
    TEST_CHECK(edge.done, "the edge task's thread never finished");
    TEST_CHECK_EQUAL(l4_system_info(&info), 0, "system info");
    TEST_CHECK_EQUAL(edge.system_info, 0, "SYS_SYSTEM_INFO into the last bytes");
    TEST_CHECK_EQUAL(edge.usable, info.usable_frames, "what it read");
    TEST_CHECK_EQUAL(edge.tag, BURSAR_TAG(9, BURSAR_MESSAGE_REGISTERS, 0), "the first message's tag");
    TEST_CHECK_EQUAL(edge.last_word, 0x1000u + BURSAR_MESSAGE_REGISTERS - 1, "the last message register");
    TEST_CHECK_EQUAL(edge.receive, 0, "the first receive");
    TEST_CHECK_EQUAL(edge.second_receive, -E(NOT_MAPPED), "the receive of a long message into a read-only UTCB");
    TEST_CHECK_EQUAL(edge.read_only_info, -E(NOT_MAPPED), "SYS_SYSTEM_INFO into a read-only UTCB");
}

/* ---- a new call heap-faulting, and the world changing while it waits ---- */

static volatile struct {
    unsigned heap, slot;
    int status;
    uint32_t stage;
} maker;

static void make_endpoint(void *argument)
{
    (void)argument;
    maker.stage = 1;
    maker.status = l4_create(maker.heap, BURSAR_OBJECT_ENDPOINT, maker.slot, 0);
    maker.stage = 2;
}

/* The call heap-faults (its heap named with CONTROL, empty, its bank the root); 0 or the error of the spawn. */
static int start_maker(unsigned heap, unsigned slot, const struct fault_server *bank, struct received_fault *fault)
{
    unsigned thread;
    int error;

    maker.heap = heap;
    maker.slot = slot;
    maker.stage = 0;
    error = core_spawn(make_endpoint, 0, CORE_LOW_PRIORITY, &thread);
    return error ? error : fault_receive(bank, fault, 1000);
}

/*
 * SYS_CREATE into an empty heap whose bank is the root: the thread waits
 * in a heap fault. Meanwhile the root fills its destination slot: the
 * donation is taken, the call starts again from its registers and is
 * refused (SLOT_IN_USE) with nothing made. Refused by the bank, it fails
 * with OUT_OF_MEMORY and nothing made; with a donation it succeeds. (A
 * check made before the wait would be stale after it; each start checks
 * everything again.) The calls issue 10 added that make objects
 * (SYS_IO_PORTS_CREATE, and SYS_IRQ_CLAIM) never wait on the heap they
 * name: empty, it answers OUT_OF_MEMORY at once, whatever its bank.
 */
USER_TEST(1210, a_new_call_that_heap_faults_checks_everything_again_after_the_wait)
{
    unsigned heap = core_slot(), slot = core_slot();
    struct fault_server bank;
    struct received_fault fault;
    struct l4_cap_info info;

    TEST_CHECK_EQUAL(fault_server_create(&bank), 0, "the bank's endpoint");
    TEST_CHECK_EQUAL(l4_create(BURSAR_SLOT_HEAP, BURSAR_OBJECT_HEAP, heap, 0), 0, "an empty heap");
    TEST_CHECK_EQUAL(l4_heap_configure(heap, BURSAR_HEAP_BANK, bank.endpoint, 0), 0, "its bank, the root");

    TEST_CHECK_EQUAL(start_maker(heap, slot, &bank, &fault), 0, "the heap fault");
    TEST_CHECK_EQUAL(fault.label, BURSAR_LABEL_HEAP_FAULT, "a heap fault");
    TEST_CHECK_EQUAL(l4_cap_copy(heap, slot, BURSAR_RIGHT_READ, 0), 0, "meanwhile the destination is filled");
    TEST_CHECK_EQUAL(l4_reply(bank.reply, BURSAR_TAG(0, 2, 0), 1 | BURSAR_SLOT_MEMORY << 16, core_frame()), 0,
                     "a frame donated");
    TEST_CHECK(wait_for_stage(&maker.stage, 2, 500), "the call never came back");
    TEST_CHECK_EQUAL(maker.status, -E(SLOT_IN_USE), "the call after the wait");
    TEST_CHECK_EQUAL(heap_live(heap, BURSAR_HEAP_ENDPOINT), 0, "nothing made");
    TEST_CHECK_EQUAL(l4_cap_inspect(slot, &info), 0, "inspect");
    TEST_CHECK_EQUAL(info.type, BURSAR_OBJECT_HEAP, "the slot as the root filled it");

    TEST_CHECK_EQUAL(l4_cap_delete(slot), 0, "the slot emptied");
    TEST_CHECK_EQUAL(l4_heap_reclaim(heap, 1, 0), 0, "the page taken back: the heap empty again");
    TEST_CHECK_EQUAL(start_maker(heap, slot, &bank, &fault), 0, "the heap fault again");
    TEST_CHECK_EQUAL(l4_reply(bank.reply, BURSAR_TAG(0, 2, 0), 0, 0), 0, "refused");
    TEST_CHECK(wait_for_stage(&maker.stage, 2, 500), "the call never came back");
    TEST_CHECK_EQUAL(maker.status, -E(OUT_OF_MEMORY), "a refused fault");
    TEST_CHECK_EQUAL(heap_live(heap, BURSAR_HEAP_ENDPOINT), 0, "nothing made");
    TEST_CHECK_EQUAL(l4_io_ports_create(BURSAR_SLOT_DEVICES, 0x3f8, 8, heap, slot), -E(OUT_OF_MEMORY),
                     "a port range from the empty heap, at once");
    TEST_CHECK_EQUAL(heap_live(heap, BURSAR_HEAP_IO_PORTS), 0, "no port range made");
    TEST_CHECK_EQUAL(l4_cap_inspect(slot, &info), 0, "inspect");
    TEST_CHECK_EQUAL(info.type, BURSAR_OBJECT_NONE, "the destination still empty");

    TEST_CHECK_EQUAL(start_maker(heap, slot, &bank, &fault), 0, "the heap fault a third time");
    TEST_CHECK_EQUAL(l4_reply(bank.reply, BURSAR_TAG(0, 2, 0), 1 | BURSAR_SLOT_MEMORY << 16, core_frame()), 0,
                     "a frame donated");
    TEST_CHECK(wait_for_stage(&maker.stage, 2, 500), "the call never came back");
    TEST_CHECK_EQUAL(maker.status, 0, "made after the donation");
    TEST_CHECK_EQUAL(heap_live(heap, BURSAR_HEAP_ENDPOINT), 1, "one endpoint, paid by the heap");
}

/* SYS_DEBUG_PUTS at its edges: a string running into an unmapped page, the last user byte, the length limit. */
USER_TEST(1211, debug_puts_at_the_edges_of_user_memory)
{
    unsigned heap = core_slot();
    uintptr_t page;
    uint32_t frame;

    TEST_CHECK_EQUAL(core_heap_create(heap, 1), 0, "a heap");
    TEST_CHECK_EQUAL(core_map_fresh_page(&page, &frame), 0, "a page, the next one unmapped");
    ((char *)page)[4094] = '.';
    ((char *)page)[4095] = '\n';
    TEST_CHECK_EQUAL(l4_sysenter(SYS_DEBUG_PUTS, page + 4094, 2, 0, 0), 0, "its last two bytes");
    authority_refused(result, "into the unmapped page", SYS_DEBUG_PUTS, page + 4094, 3, 0, 0, E(NOT_MAPPED), heap);
    authority_refused(result, "the last user byte and one more", SYS_DEBUG_PUTS, 0xbfffffffu, 2, 0, 0,
                      E(INVALID_ADDRESS), heap);
    authority_refused(result, "wrapping the address space", SYS_DEBUG_PUTS, 0xbffff000u, 0xffffffffu, 0, 0,
                      E(INVALID_ARGUMENT), heap);
    authority_refused(result, "one byte past the limit", SYS_DEBUG_PUTS, page, BURSAR_DEBUG_PUTS_MAX + 1, 0, 0,
                      E(INVALID_ARGUMENT), heap);
    authority_refused(result, "the kernel's first byte", SYS_DEBUG_PUTS, 0xc0000000u, 1, 0, 0, E(INVALID_ADDRESS),
                      heap);
    authority_refused(result, "page 0", SYS_DEBUG_PUTS, 0, 1, 0, 0, E(NOT_MAPPED), heap);
    TEST_CHECK_EQUAL(l4_sysenter(SYS_DEBUG_PUTS, 0xc0000000u, 0, 0, 0), -E(INVALID_ADDRESS), "nothing, at the kernel");
}

/* ---- an IRQ's badge follows the endpoint capability's, as a derivation would ---- */

#define RTC_INDEX 0x70u
#define RTC_DATA 0x71u
#define RTC_B 0x0bu                      /* register B: bit 6 periodic interrupts */
#define RTC_C 0x0cu                      /* register C: reading it acknowledges */
#define RTC_LINE 8u
#define CLIENT_BADGE 0x5151u
#define OTHER_BADGE 0x6262u

static int rtc_register(unsigned ports, uint8_t index, uint8_t *value, bool write)
{
    int error = l4_io_port_write(ports, RTC_INDEX, index);

    if (error)
        return error;
    return write ? l4_io_port_write(ports, RTC_DATA, *value) : l4_io_port_read(ports, RTC_DATA, value);
}

/*
 * A client holds a capability its server badged for it (CLIENT_BADGE) and
 * an IRQ object. Binding the IRQ to the server's endpoint through that
 * capability with another client's badge would make every interrupt a
 * message from that other client: as for SYS_CAP_COPY, a badged
 * capability passes on its own badge only (badge 0), and any badge asked
 * for on it is NO_RIGHTS. An unbadged capability takes the badge asked
 * for. The RTC's periodic interrupt (line 8) shows the badge delivered.
 * Before, the IRQ took whatever badge the call named: OTHER_BADGE arrived.
 */
USER_TEST(1213, an_irq_bound_through_a_badged_capability_carries_that_badge_only)
{
    unsigned heap = core_slot(), irq = core_slot(), endpoint = core_slot(), badged = core_slot(), ports = core_slot();
    uint32_t badge = 0, tag = 0, line = 0;
    uint8_t b = 0, enabled, c;
    int received;

    TEST_CHECK_EQUAL(core_heap_create(heap, 3), 0, "a heap: a page each for the endpoint, the IRQ, the ports");
    TEST_CHECK_EQUAL(l4_create(heap, BURSAR_OBJECT_ENDPOINT, endpoint, 0), 0, "the server's endpoint");
    TEST_CHECK_EQUAL(l4_cap_copy(endpoint, badged, BURSAR_RIGHT_WRITE, CLIENT_BADGE), 0, "the client's, badged");
    TEST_CHECK_EQUAL(l4_irq_claim(BURSAR_SLOT_DEVICES, RTC_LINE, heap, irq), 0, "the RTC's line");
    TEST_CHECK_EQUAL(l4_io_ports_create(BURSAR_SLOT_DEVICES, RTC_INDEX, 2, heap, ports), 0, "the RTC's ports");
    authority_refused(result, "another client's badge through a badged capability", SYS_IRQ_SET_ENDPOINT, irq,
                      badged, OTHER_BADGE, 0, E(NO_RIGHTS), heap);
    authority_refused(result, "its own badge again", SYS_IRQ_SET_ENDPOINT, irq, badged, CLIENT_BADGE, 0,
                      E(NO_RIGHTS), heap);
    TEST_CHECK_EQUAL(l4_irq_set_endpoint(irq, badged, 0), 0, "bound through the badged capability, badge 0");

    TEST_CHECK_EQUAL(rtc_register(ports, RTC_B, &b, false), 0, "RTC register B");
    enabled = (uint8_t)(b | 0x40);
    TEST_CHECK_EQUAL(rtc_register(ports, RTC_B, &enabled, true), 0, "periodic interrupts on");
    received = l4_receive(endpoint, BURSAR_NO_CAPABILITY, &badge, &tag, &line, 0, BURSAR_TIMEOUT_MS(500));
    TEST_CHECK_EQUAL(rtc_register(ports, RTC_B, &b, true), 0, "periodic interrupts off");
    TEST_CHECK_EQUAL(rtc_register(ports, RTC_C, &c, false), 0, "acknowledged at the RTC");
    TEST_CHECK_EQUAL(received, 0, "the interrupt's message");
    TEST_CHECK(BURSAR_TAG_LABEL(tag) == BURSAR_LABEL_IRQ && line == RTC_LINE, "label %x, line %u",
               BURSAR_TAG_LABEL(tag), line);
    TEST_CHECK_EQUAL(badge, CLIENT_BADGE, "the badge it came with");
    TEST_CHECK_EQUAL(l4_irq_ack(irq), 0, "acknowledged at the kernel");
    /* An unbadged capability takes the badge named. */
    TEST_CHECK_EQUAL(l4_irq_set_endpoint(irq, endpoint, OTHER_BADGE), 0, "bound through the unbadged one");
    TEST_CHECK_EQUAL(l4_irq_set_endpoint(irq, BURSAR_NO_CAPABILITY, 0), 0, "unbound");
}
