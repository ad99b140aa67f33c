/*
 * heaps.c — kernel heaps funded by donated frames: what SYS_HEAP_INFO
 * reports as objects come and go, which donations are refused, that a
 * destroyed heap takes its objects with it and gives its frames back to the
 * bank, and that an empty heap fails creations cleanly.
 */
#include "core.h"

#include "libl4/string.h"

USER_TEST(190, a_donated_heap_pays_for_objects_and_reports_them)
{
    unsigned heap = core_slot(), endpoints[3], reply = core_slot();
    struct bursar_system_info before, after;
    struct bursar_heap_info info;
    uint32_t frames[2];

    TEST_CHECK_EQUAL(l4_system_info(&before), 0, "system info");
    TEST_CHECK_EQUAL(l4_create(BURSAR_SLOT_HEAP, BURSAR_OBJECT_HEAP, heap, 0), 0, "heap");
    TEST_CHECK_EQUAL(l4_heap_info(heap, &info), 0, "heap info");
    TEST_CHECK(info.pages_held == 0 && info.pages_donated == 0, "new heap: %u held, %u donated", info.pages_held,
               info.pages_donated);
    for (unsigned i = 0; i < 2; i++) {
        frames[i] = core_frame();
        TEST_CHECK_EQUAL(l4_heap_donate(heap, BURSAR_SLOT_MEMORY, frames[i], 1), 0, "donate");
    }
    TEST_CHECK_EQUAL(l4_system_info(&after), 0, "system info");
    TEST_CHECK_EQUAL(after.heap_frames, before.heap_frames + 2, "heap frames");
    TEST_CHECK_EQUAL(after.bank_frames, before.bank_frames - 2, "bank frames");
    TEST_CHECK_EQUAL(after.heaps, before.heaps + 1, "heaps");
    for (unsigned i = 0; i < 3; i++) {
        endpoints[i] = core_slot();
        TEST_CHECK_EQUAL(l4_create(heap, BURSAR_OBJECT_ENDPOINT, endpoints[i], 0), 0, "endpoint from the heap");
    }
    TEST_CHECK_EQUAL(l4_create(heap, BURSAR_OBJECT_REPLY, reply, 0), 0, "reply object from the heap");
    TEST_CHECK_EQUAL(l4_heap_info(heap, &info), 0, "heap info");
    TEST_CHECK_EQUAL(info.pages_held, 2, "pages held");
    TEST_CHECK_EQUAL(info.pages_donated, 2, "pages donated");
    TEST_CHECK_EQUAL(info.live_by_type[BURSAR_HEAP_ENDPOINT], 3, "live endpoints");
    TEST_CHECK_EQUAL(info.live_by_type[BURSAR_HEAP_REPLY], 1, "live reply objects");
    TEST_CHECK_EQUAL(info.live_by_type[BURSAR_HEAP_THREAD], 0, "live threads");
    TEST_CHECK_EQUAL(l4_destroy(endpoints[1]), 0, "destroy one endpoint");
    TEST_CHECK_EQUAL(l4_heap_info(heap, &info), 0, "heap info");
    TEST_CHECK_EQUAL(info.live_by_type[BURSAR_HEAP_ENDPOINT], 2, "live endpoints after a destroy");
    /* The heap object itself is paid by its parent, the boot heap. */
    TEST_CHECK_EQUAL(l4_heap_info(BURSAR_SLOT_HEAP, &info), 0, "boot heap info");
    TEST_CHECK(info.live_by_type[BURSAR_HEAP_HEAP] >= 1, "boot heap pays for no heap");
}

USER_TEST(191, donations_of_mapped_foreign_or_taken_frames_are_refused)
{
    unsigned heap = core_slot();
    struct core_snapshot before, after;
    uintptr_t page;
    uint32_t mapped, donated = core_frame(), spare = core_frame();
    int difference;

    TEST_CHECK_EQUAL(l4_create(BURSAR_SLOT_HEAP, BURSAR_OBJECT_HEAP, heap, 0), 0, "heap");
    TEST_CHECK_EQUAL(l4_heap_donate(heap, BURSAR_SLOT_MEMORY, donated, 1), 0, "donate a frame");
    TEST_CHECK_EQUAL(core_map_fresh_page(&page, &mapped), 0, "map a frame");
    TEST_CHECK(mapped == spare + 1, "frames %u and %u are not neighbours", spare, mapped);
    core_snapshot_take(&before);
    TEST_CHECK_EQUAL(l4_heap_donate(heap, BURSAR_SLOT_MEMORY, mapped, 1), -BURSAR_E_BUSY, "donate a mapped frame");
    /* Frame 256 is at 1 MiB: the kernel image, never the bank's. */
    TEST_CHECK_EQUAL(l4_heap_donate(heap, BURSAR_SLOT_MEMORY, 256, 1), -BURSAR_E_BAD_FRAME, "donate a kernel frame");
    TEST_CHECK_EQUAL(l4_heap_donate(heap, BURSAR_SLOT_MEMORY, donated, 1), -BURSAR_E_BAD_FRAME,
                     "donate a frame twice");
    /* All or nothing: a run whose last frame is bad donates none. */
    TEST_CHECK_EQUAL(l4_heap_donate(heap, BURSAR_SLOT_MEMORY, spare, 2), -BURSAR_E_BUSY,
                     "a run ending in a mapped frame");
    TEST_CHECK_EQUAL(l4_heap_donate(heap, BURSAR_SLOT_MEMORY, 0xfffff, 1), -BURSAR_E_INVALID_ARGUMENT,
                     "a frame beyond memory");
    TEST_CHECK_EQUAL(l4_heap_donate(heap, BURSAR_SLOT_MEMORY, donated, 0), -BURSAR_E_INVALID_ARGUMENT, "no frames");
    core_snapshot_take(&after);
    difference = core_snapshot_compare(&before, &after);
    TEST_CHECK(difference == 0, "a refused donation changed something (%d)", difference);
    /* Once unmapped, the frame and its neighbour go in one donation. */
    TEST_CHECK_EQUAL(l4_unmap(page, 1), 0, "unmap");
    TEST_CHECK_EQUAL(l4_heap_donate(heap, BURSAR_SLOT_MEMORY, spare, 2), 0, "donate both once unmapped");
}

USER_TEST(192, a_destroyed_heap_takes_its_objects_and_returns_its_frames)
{
    unsigned heap = core_slot(), again = core_slot(), endpoint = core_slot();
    struct bursar_system_info start, funded, end;
    struct bursar_heap_info info;
    uint32_t frames[3];

    TEST_CHECK_EQUAL(l4_system_info(&start), 0, "system info");
    TEST_CHECK_EQUAL(l4_create(BURSAR_SLOT_HEAP, BURSAR_OBJECT_HEAP, heap, 0), 0, "heap");
    for (unsigned i = 0; i < 3; i++) {
        frames[i] = core_frame();
        TEST_CHECK_EQUAL(l4_heap_donate(heap, BURSAR_SLOT_MEMORY, frames[i], 1), 0, "donate");
    }
    TEST_CHECK_EQUAL(l4_system_info(&funded), 0, "system info");
    TEST_CHECK_EQUAL(l4_create(heap, BURSAR_OBJECT_ENDPOINT, endpoint, 0), 0, "endpoint from the heap");
    TEST_CHECK_EQUAL(l4_heap_info(heap, &info), 0, "heap info");
    TEST_CHECK_EQUAL(info.pages_held, 3, "its pages");
    TEST_CHECK_EQUAL(l4_destroy(heap), 0, "destroy the heap and the endpoint in it");
    TEST_CHECK_EQUAL(l4_send(endpoint, 0, 0, 0, BURSAR_TIMEOUT_ZERO), -BURSAR_E_REVOKED,
                     "the endpoint went with its heap");
    TEST_CHECK_EQUAL(l4_system_info(&end), 0, "system info");
    TEST_CHECK_EQUAL(end.heap_frames, start.heap_frames, "heap frames back");
    TEST_CHECK_EQUAL(end.bank_frames, start.bank_frames, "bank frames back");
    TEST_CHECK_EQUAL(end.heaps, start.heaps, "heap count back");
    TEST_CHECK_EQUAL(funded.heap_frames, start.heap_frames + 3, "while funded");
    /* The bank has them again: they can be donated anew. */
    TEST_CHECK_EQUAL(l4_create(BURSAR_SLOT_HEAP, BURSAR_OBJECT_HEAP, again, 0), 0, "another heap");
    for (unsigned i = 0; i < 3; i++)
        TEST_CHECK_EQUAL(l4_heap_donate(again, BURSAR_SLOT_MEMORY, frames[i], 1), 0, "donate a returned frame");
}

USER_TEST(193, creating_from_an_empty_heap_fails_and_changes_nothing)
{
    static const uint32_t types[] = { BURSAR_OBJECT_ENDPOINT, BURSAR_OBJECT_REPLY, BURSAR_OBJECT_HEAP,
                                      BURSAR_OBJECT_TASK, BURSAR_OBJECT_THREAD };
    unsigned heap = core_slot(), destination = core_slot();
    struct core_snapshot before, after;
    struct bursar_heap_info info;
    int difference;

    TEST_CHECK_EQUAL(l4_create(BURSAR_SLOT_HEAP, BURSAR_OBJECT_HEAP, heap, 0), 0, "heap with no pages");
    core_snapshot_take(&before);
    for (unsigned i = 0; i < sizeof types / sizeof types[0]; i++) {
        uint32_t argument = types[i] == BURSAR_OBJECT_TASK ? 16 : types[i] == BURSAR_OBJECT_THREAD ? BURSAR_SLOT_TASK : 0;
        TEST_CHECK(l4_create(heap, types[i], destination, argument) == -BURSAR_E_OUT_OF_MEMORY,
                   "type %u: not out of memory", types[i]);
    }
    core_snapshot_take(&after);
    difference = core_snapshot_compare(&before, &after);
    TEST_CHECK(difference == 0, "a failed creation changed something (%d)", difference);
    TEST_CHECK_EQUAL(l4_heap_info(heap, &info), 0, "heap info");
    TEST_CHECK(info.pages_held == 0, "empty heap holds %u pages", info.pages_held);
    for (unsigned kind = 0; kind < BURSAR_HEAP_KIND_COUNT; kind++)
        TEST_CHECK(info.live_by_type[kind] == 0, "kind %u: %u live", kind, info.live_by_type[kind]);

    /* One page is enough for a small object but not for a task (it needs several pages at once). */
    TEST_CHECK_EQUAL(l4_heap_donate(heap, BURSAR_SLOT_MEMORY, core_frame(), 1), 0, "donate one frame");
    core_snapshot_take(&before);
    TEST_CHECK_EQUAL(l4_create(heap, BURSAR_OBJECT_TASK, destination, 16), -BURSAR_E_OUT_OF_MEMORY, "task");
    core_snapshot_take(&after);
    difference = core_snapshot_compare(&before, &after);
    TEST_CHECK(difference == 0, "a failed task creation changed something (%d)", difference);
    TEST_CHECK_EQUAL(l4_heap_info(heap, &info), 0, "heap info");
    for (unsigned kind = 0; kind < BURSAR_HEAP_KIND_COUNT; kind++)
        TEST_CHECK(info.live_by_type[kind] == 0, "after the task: kind %u: %u live", kind, info.live_by_type[kind]);
    TEST_CHECK_EQUAL(l4_create(heap, BURSAR_OBJECT_ENDPOINT, destination, 0), 0, "an endpoint fits");
}
