/*
 * frame_authority.c — the calls a bank makes on the frames it holds
 * (core_tests 970-971): SYS_FRAME_UNMAP takes back every mapping of a
 * frame, its own root mapping included wherever that was granted to, and
 * SYS_FRAME_STATE says which frames are the memory object's with nothing
 * mapping them. The space bank (servers/bank) builds its destroy and its
 * start-up on them; 972 (preemption.c) checks that a frame's big tree is
 * unmapped with preemption points.
 */
#include "core.h"

#include "libl4/task_sharing_program.h"
#include "test/vm/user/common/helpers.h"
#include "transfer.h"

#define GRANT_WINDOW 0x2c000000u
#define OTHER_PAGE 0x00800000u      /* where the second task sees the frame */
#define NEVER_USED_SLOT 1000u       /* no test fills it */

static bool frame_is_free(uint32_t frame)
{
    uint32_t bits[BURSAR_UTCB_INFO_WORDS];

    return l4_frame_state(BURSAR_SLOT_MEMORY, frame, 1, bits, NULL, NULL) == 0 && (bits[0] & 1);
}

/* Another thread of this task takes a page by GRANT into GRANT_WINDOW: the frame's root mapping moves there. */
static struct grant_receiver granted = { .window = GRANT_WINDOW };

USER_TEST(970, frame_unmap_takes_every_mapping_of_a_frame_wherever_its_own_went)
{
    unsigned thread, weak_memory = core_slot(), heap = core_slot(), task = core_slot(), donated_heap = core_slot();
    uintptr_t page;
    uint32_t frame, records, bits[BURSAR_UTCB_INFO_WORDS];
    bool was_mapped = true;
    struct l4_task_spec spec = { .heap = heap, .slot = task, .capability_slots = 16 };

    TEST_CHECK_EQUAL(core_map_fresh_page(&page, &frame), 0, "a page");
    *(volatile uint32_t *)page = 0xf4a3e;
    /* A mapping derived from it in a second task, paid by our heap. */
    TEST_CHECK_EQUAL(core_heap_create(heap, 8), 0, "the second task's heap");
    TEST_CHECK_EQUAL(l4_task_create_sharing_program(&spec), 0, "a second task");
    records = heap_live(BURSAR_SLOT_HEAP, BURSAR_HEAP_RECORD);
    TEST_CHECK_EQUAL(l4_map(task, page, OTHER_PAGE, BURSAR_RIGHT_READ, 1), 0, "map into it");
    TEST_CHECK_EQUAL(heap_live(BURSAR_SLOT_HEAP, BURSAR_HEAP_RECORD), records + 1, "one record");
    /* Our own mapping, the frame's root, granted to another address of this task by a message. */
    granted.endpoint = core_slot();
    TEST_CHECK_EQUAL(l4_create(BURSAR_SLOT_HEAP, BURSAR_OBJECT_ENDPOINT, granted.endpoint, 0), 0, "endpoint");
    TEST_CHECK_EQUAL(core_spawn(grant_receiver, &granted, CORE_LOW_PRIORITY, &thread), 0, "receiver");
    core_sleep_ms(20);
    TEST_CHECK_EQUAL(grant_page(&granted, page), 0, "grant the own mapping");
    core_sleep_ms(20);
    TEST_CHECK_EQUAL(granted.status, 0, "the receiver");
    TEST_CHECK_EQUAL(*(volatile uint32_t *)granted.landed, 0xf4a3e, "the frame at its new address");
    TEST_CHECK(!frame_is_free(frame), "a mapped frame is not free");

    /* Refusals first: each changes nothing. */
    TEST_CHECK_EQUAL(l4_cap_transfer(BURSAR_SLOT_MEMORY, BURSAR_OWN_TASK, weak_memory,
                                     BURSAR_RIGHTS_ALL & ~BURSAR_RIGHT_CONTROL, BURSAR_COPY, 0), 0, "weak copy");
    TEST_CHECK_EQUAL(l4_frame_unmap(weak_memory, frame, NULL), -BURSAR_E_NO_RIGHTS, "without CONTROL");
    TEST_CHECK_EQUAL(l4_frame_unmap(BURSAR_SLOT_HEAP, frame, NULL), -BURSAR_E_WRONG_TYPE, "a heap capability");
    TEST_CHECK_EQUAL(l4_frame_unmap(NEVER_USED_SLOT, frame, NULL), -BURSAR_E_EMPTY_SLOT, "an empty slot");
    TEST_CHECK_EQUAL(l4_frame_unmap(0xfffe, frame, NULL), -BURSAR_E_INVALID_CAPABILITY, "past the last slot");
    TEST_CHECK_EQUAL(l4_frame_unmap(BURSAR_SLOT_MEMORY, 0xffffffffu, NULL), -BURSAR_E_BAD_FRAME, "no such frame");
    TEST_CHECK_EQUAL(l4_frame_unmap(BURSAR_SLOT_MEMORY, 256, NULL), -BURSAR_E_BAD_FRAME, "the kernel's frame");
    TEST_CHECK_EQUAL(l4_create(BURSAR_SLOT_HEAP, BURSAR_OBJECT_HEAP, donated_heap, 0), 0, "a heap");
    {
        uint32_t heap_frame = core_frame();
        TEST_CHECK_EQUAL(l4_heap_donate(donated_heap, BURSAR_SLOT_MEMORY, heap_frame, 1), 0, "a page for it");
        TEST_CHECK_EQUAL(l4_frame_unmap(BURSAR_SLOT_MEMORY, heap_frame, NULL), -BURSAR_E_BAD_FRAME, "a heap page");
        TEST_CHECK(!frame_is_free(heap_frame), "a heap page is not free");
    }
    TEST_CHECK_EQUAL(*(volatile uint32_t *)granted.landed, 0xf4a3e, "still mapped after the refusals");
    TEST_CHECK_EQUAL(heap_live(BURSAR_SLOT_HEAP, BURSAR_HEAP_RECORD), records + 1, "the record still there");

    TEST_CHECK_EQUAL(l4_frame_unmap(BURSAR_SLOT_MEMORY, frame, &was_mapped), 0, "frame unmap");
    TEST_CHECK(was_mapped, "it said nothing was mapped");
    TEST_CHECK_EQUAL(heap_live(BURSAR_SLOT_HEAP, BURSAR_HEAP_RECORD), records, "the derived record refunded");
    TEST_CHECK_EQUAL(l4_map(task, granted.landed, OTHER_PAGE + 0x1000, BURSAR_RIGHT_READ, 1), -BURSAR_E_NOT_MAPPED,
                     "the granted root mapping is gone");
    TEST_CHECK_EQUAL(l4_map(task, page, OTHER_PAGE + 0x1000, BURSAR_RIGHT_READ, 1), -BURSAR_E_NOT_MAPPED,
                     "the first address stays unmapped");
    TEST_CHECK(frame_is_free(frame), "the frame is free again");
    TEST_CHECK_EQUAL(l4_frame_unmap(BURSAR_SLOT_MEMORY, frame, &was_mapped), 0, "again");
    TEST_CHECK(!was_mapped, "nothing was left to unmap");
    /* The frame can be mapped afresh. */
    TEST_CHECK_EQUAL(l4_frame_map(BURSAR_SLOT_MEMORY, frame, page, BURSAR_RIGHT_READ), 0, "map it again");
    TEST_CHECK_EQUAL(l4_frame_state(BURSAR_SLOT_MEMORY, frame, 1, bits, NULL, NULL), 0, "state");
    TEST_CHECK_EQUAL(bits[0] & 1, 0, "mapped again");
}

USER_TEST(971, frame_state_names_the_frames_nothing_maps)
{
    unsigned weak_memory = core_slot(), heap = core_slot();
    uint32_t bits[BURSAR_UTCB_INFO_WORDS], frames[40], free_frames, frame_count, first;
    uintptr_t page = core_scratch_page(), other = core_scratch_page();
    struct bursar_system_info system;

    /* Forty fresh frames in a row (the free ranges may break a run: start again after a gap). */
    for (unsigned i = 0; i < 40;) {
        frames[i] = core_frame();
        TEST_CHECK(frames[i] != 0, "out of fresh frames");
        i = i > 0 && frames[i] != frames[i - 1] + 1 ? (frames[0] = frames[i], 1) : i + 1;
    }
    first = frames[0];
    TEST_CHECK_EQUAL(l4_frame_state(BURSAR_SLOT_MEMORY, first, 40, bits, &free_frames, &frame_count), 0, "state");
    TEST_CHECK_EQUAL(free_frames, 40, "all forty free");
    TEST_CHECK_EQUAL(bits[0], 0xffffffffu, "bits 0-31");
    TEST_CHECK_EQUAL(bits[1], 0xffu, "bits 32-39, and none past the count");
    TEST_CHECK_EQUAL(l4_system_info(&system), 0, "system info");
    TEST_CHECK(frame_count > first + 40 && frame_count >= system.usable_frames, "frame count %u", frame_count);

    /* Mapped, mapped and derived, donated: none of them is free. */
    TEST_CHECK_EQUAL(l4_frame_map(BURSAR_SLOT_MEMORY, frames[1], page, BURSAR_RIGHT_READ), 0, "map frame 1");
    TEST_CHECK_EQUAL(l4_frame_map(BURSAR_SLOT_MEMORY, frames[33], other, BURSAR_RIGHT_READ), 0, "map frame 33");
    TEST_CHECK_EQUAL(l4_map(BURSAR_SLOT_TASK, other, core_scratch_page(), BURSAR_RIGHT_READ, 1), 0, "derive it");
    TEST_CHECK_EQUAL(l4_create(BURSAR_SLOT_HEAP, BURSAR_OBJECT_HEAP, heap, 0), 0, "a heap");
    TEST_CHECK_EQUAL(l4_heap_donate(heap, BURSAR_SLOT_MEMORY, frames[5], 2), 0, "donate frames 5 and 6");
    TEST_CHECK_EQUAL(l4_frame_state(BURSAR_SLOT_MEMORY, first, 40, bits, &free_frames, NULL), 0, "state");
    TEST_CHECK(free_frames == 36, "four taken: %u free, bits %08x %08x", free_frames, bits[0], bits[1]);
    TEST_CHECK_EQUAL(bits[0], 0xffffffffu & ~(1u << 1 | 1u << 5 | 1u << 6), "bits 0-31");
    TEST_CHECK_EQUAL(bits[1], 0xffu & ~(1u << 1), "bits 32-39");
    /* Its own mapping unmapped takes the derived one: free again. Heap pages come back with the heap. */
    TEST_CHECK_EQUAL(l4_unmap(other, 1), 0, "unmap frame 33's own mapping");
    TEST_CHECK_EQUAL(l4_destroy(heap), 0, "destroy the heap");
    TEST_CHECK_EQUAL(l4_frame_state(BURSAR_SLOT_MEMORY, first, 40, bits, &free_frames, NULL), 0, "state");
    TEST_CHECK_EQUAL(free_frames, 39, "only frame 1 is mapped");
    TEST_CHECK_EQUAL(bits[0], 0xffffffffu & ~(1u << 1), "bits 0-31");

    /* Frames past the end, the kernel's, and wrap-around read as not free; bad counts are refused. */
    TEST_CHECK_EQUAL(l4_frame_state(BURSAR_SLOT_MEMORY, frame_count - 8, 64, bits, &free_frames, NULL), 0, "end");
    TEST_CHECK_EQUAL(bits[1], 0, "nothing past the last frame");
    TEST_CHECK_EQUAL(l4_frame_state(BURSAR_SLOT_MEMORY, 0xffffff00u, BURSAR_FRAME_STATE_MAX, bits, &free_frames,
                                    NULL), 0, "near the top of the numbers");
    TEST_CHECK_EQUAL(free_frames, 0, "no frames there");
    TEST_CHECK_EQUAL(l4_frame_state(BURSAR_SLOT_MEMORY, 256, 32, bits, &free_frames, NULL), 0, "kernel frames");
    TEST_CHECK_EQUAL(free_frames, 0, "the kernel's frames are not the bank's");
    TEST_CHECK_EQUAL(l4_frame_state(BURSAR_SLOT_MEMORY, first, 0, bits, NULL, NULL), -BURSAR_E_INVALID_ARGUMENT,
                     "count 0");
    TEST_CHECK_EQUAL(l4_frame_state(BURSAR_SLOT_MEMORY, first, BURSAR_FRAME_STATE_MAX + 1, bits, NULL, NULL),
                     -BURSAR_E_INVALID_ARGUMENT, "count past the info area");
    TEST_CHECK_EQUAL(l4_cap_transfer(BURSAR_SLOT_MEMORY, BURSAR_OWN_TASK, weak_memory, BURSAR_RIGHT_READ,
                                     BURSAR_COPY, 0), 0, "weak copy");
    TEST_CHECK_EQUAL(l4_frame_state(weak_memory, first, 1, bits, NULL, NULL), -BURSAR_E_NO_RIGHTS, "without CONTROL");
    TEST_CHECK_EQUAL(l4_frame_state(BURSAR_SLOT_HEAP, first, 1, bits, NULL, NULL), -BURSAR_E_WRONG_TYPE, "a heap");
}
