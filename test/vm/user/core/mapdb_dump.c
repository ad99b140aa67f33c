/*
 * mapdb_dump.c — the kernel debug console shows a resource's mapping tree
 * (SYS_DEBUG_DUMP, BURSAR_DUMP_CAPABILITY_TREE and BURSAR_DUMP_FRAME_TREE).
 * The test builds trees it knows, prints what the dump must say on a
 * "mapdb dump expect:" line and asks for the dump; tools/run_all.py reads the
 * dump back from the serial log and checks every record's depth and payer
 * and every holder against that line. Here: the calls' own errors.
 */
#include "core.h"

#include "libl4/printf.h"

static int dump(enum bursar_dump what, uint32_t argument)
{
    return l4_debug_dump(BURSAR_SLOT_DEBUG, what, argument);
}

USER_TEST(730, the_debug_console_lists_a_capability_tree)
{
    unsigned endpoint = core_slot(), copy = core_slot(), middle = core_slot(), heap = core_slot(), task = core_slot();

    TEST_CHECK_EQUAL(l4_create(BURSAR_SLOT_HEAP, BURSAR_OBJECT_ENDPOINT, endpoint, 0), 0, "the endpoint");
    TEST_CHECK_EQUAL(l4_cap_copy(endpoint, copy, BURSAR_RIGHT_WRITE, 0), 0, "a COPY: a second holder of the root");
    TEST_CHECK_EQUAL(l4_cap_transfer(endpoint, BURSAR_OWN_TASK, middle, BURSAR_RIGHT_READ | BURSAR_RIGHT_GRANT,
                                     BURSAR_REVOCABLE_COPY, 0), 0, "a revocable copy: depth 1");
    TEST_CHECK_EQUAL(core_heap_create(heap, 20), 0, "a heap for the other task");
    TEST_CHECK_EQUAL(l4_create(heap, BURSAR_OBJECT_TASK, task, 8), 0, "the other task");
    TEST_CHECK_EQUAL(l4_cap_transfer(middle, task, 5, BURSAR_RIGHT_READ, BURSAR_REVOCABLE_COPY, 0), 0,
                     "its revocable copy in the other task: depth 2");
    printf("mapdb dump expect: capability slots %u %u %u\n", endpoint, copy, middle);
    TEST_CHECK_EQUAL(dump(BURSAR_DUMP_CAPABILITY_TREE, middle), 0, "the dump");
    TEST_CHECK_EQUAL(dump(BURSAR_DUMP_CAPABILITY_TREE, 7), -BURSAR_E_EMPTY_SLOT, "an empty slot");
    TEST_CHECK_EQUAL(dump(BURSAR_DUMP_CAPABILITY_TREE, BURSAR_ROOT_SLOTS), -BURSAR_E_INVALID_CAPABILITY,
                     "past the last slot");
    TEST_CHECK_EQUAL(dump(BURSAR_DUMP_CHECK_YIELDING + 1, 0), -BURSAR_E_INVALID_ARGUMENT, "no such dump");
}

USER_TEST(731, the_debug_console_lists_a_frame_tree)
{
    uintptr_t page, derived = core_scratch_page();
    uint32_t frame;

    TEST_CHECK_EQUAL(core_map_fresh_page(&page, &frame), 0, "a frame mapped: the root mapping");
    TEST_CHECK_EQUAL(l4_map(BURSAR_SLOT_TASK, page, derived, BURSAR_RIGHT_READ, 1), 0, "a mapping derived from it");
    printf("mapdb dump expect: frame %u pages %08x %08x\n", frame, (unsigned)page, (unsigned)derived);
    TEST_CHECK_EQUAL(dump(BURSAR_DUMP_FRAME_TREE, frame), 0, "the dump");
    TEST_CHECK_EQUAL(dump(BURSAR_DUMP_FRAME_TREE, 0xffffffffu), -BURSAR_E_BAD_FRAME, "no such frame");
}
