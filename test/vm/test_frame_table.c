/*
 * test_frame_table.c — the frame table agrees with the boot memory map:
 * counted another way (region by region, module by module) the free,
 * reserved and module frames come out the same as the table says.
 */
#include "kernel/boot.h"
#include "kernel/frame_table.h"
#include "kernel/machine.h"
#include "test/vm/kernel_test.h"

static uint64_t whole_frames(uint64_t start, uint64_t end)
{
    uint64_t s = (start + FRAME_SIZE - 1) / FRAME_SIZE, e = end / FRAME_SIZE;
    return e > s ? e - s : 0;
}

KERNEL_TEST(1, frame_table_counts_match_the_memory_map)
{
    uint64_t available = 0;
    uint64_t limit = frame_table_memory_end();

    /* QEMU's map has disjoint regions, so whole frames can be summed per region. */
    for (uint32_t i = 0; i < boot_info.region_count; i++) {
        const struct memory_region *r = &boot_info.regions[i];
        if (r->type == MEMORY_AVAILABLE && r->start < limit)
            available += whole_frames(r->start, r->end < limit ? r->end : limit);
    }
    TEST_CHECK_EQUAL(frame_table.usable_frames, available, "usable frames vs available whole frames in the map");

    uint32_t total = 0;
    for (uint32_t t = 0; t < FRAME_TYPE_COUNT; t++)
        total += frame_table.count_by_type[t];
    TEST_CHECK_EQUAL(total, frame_table.frame_count, "frames by type add up to the table size");
    TEST_CHECK_EQUAL(frame_table.count_by_type[FRAME_FREE] + frame_table_fixed_reservation() +
                     frame_table.count_by_type[FRAME_MODULE], frame_table.usable_frames,
                     "free + fixed reservation + modules = usable");
}

KERNEL_TEST(2, frame_table_entries_agree_with_the_counters)
{
    uint32_t counted[FRAME_TYPE_COUNT] = { 0 };

    for (uint32_t f = 0; f < frame_table.frame_count; f++) {
        TEST_CHECK(frame_table.frames[f].type < FRAME_TYPE_COUNT, "frame %u has type %u", f,
                   frame_table.frames[f].type);
        counted[frame_table.frames[f].type]++;
    }
    for (uint32_t t = 0; t < FRAME_TYPE_COUNT; t++)
        TEST_CHECK(counted[t] == frame_table.count_by_type[t], "%s: %u in the table, counter says %u",
                   frame_type_name(t), counted[t], frame_table.count_by_type[t]);
}

KERNEL_TEST(3, reserved_and_unusable_regions_are_never_free)
{
    for (uint32_t i = 0; i < boot_info.region_count; i++) {
        const struct memory_region *r = &boot_info.regions[i];
        if (r->type == MEMORY_AVAILABLE)
            continue;
        for (uint64_t a = r->start & ~(uint64_t)(FRAME_SIZE - 1); a < r->end && a < frame_table_memory_end();
             a += FRAME_SIZE)
            TEST_CHECK(frame_table.frames[a / FRAME_SIZE].type == FRAME_UNUSABLE,
                       "frame %llx in a non-RAM region is %s", (unsigned long long)a,
                       frame_type_name(frame_table.frames[a / FRAME_SIZE].type));
    }
}

KERNEL_TEST(4, kernel_image_and_modules_are_kept)
{
    uint64_t start = machine_kernel_image_start(), end = machine_kernel_image_end();

    TEST_CHECK_EQUAL(frame_table.count_by_type[FRAME_KERNEL_IMAGE], (end - start) / FRAME_SIZE,
                     "kernel image frames");
    for (uint64_t a = start; a < end; a += FRAME_SIZE)
        TEST_CHECK(frame_table.frames[a / FRAME_SIZE].type == FRAME_KERNEL_IMAGE,
                   "kernel frame %llx is %s", (unsigned long long)a,
                   frame_type_name(frame_table.frames[a / FRAME_SIZE].type));

    uint64_t module_frames = 0;
    for (uint32_t i = 0; i < boot_info.module_count; i++) {
        const struct boot_module *m = &boot_info.modules[i];
        for (uint64_t a = m->start & ~(uint64_t)(FRAME_SIZE - 1); a < m->end; a += FRAME_SIZE, module_frames++)
            TEST_CHECK(frame_table.frames[a / FRAME_SIZE].type == FRAME_MODULE,
                       "module %u frame %llx is %s", i, (unsigned long long)a,
                       frame_type_name(frame_table.frames[a / FRAME_SIZE].type));
    }
    TEST_CHECK_EQUAL(frame_table.count_by_type[FRAME_MODULE], module_frames, "module frames");
    TEST_CHECK(boot_info.module_count >= 1, "the test image is booted with at least one module");
}

KERNEL_TEST(5, fixed_reservation_is_one_block_outside_kernel_and_modules)
{
    uint64_t start = frame_table.reservation_start, end = frame_table.reservation_end;

    TEST_CHECK(start >= 0x100000 && start < end, "reservation %llx-%llx", (unsigned long long)start,
               (unsigned long long)end);
    TEST_CHECK_EQUAL(frame_table.count_by_type[FRAME_BOOT_HEAP], BOOT_HEAP_FRAMES, "boot heap frames");
    TEST_CHECK_EQUAL(frame_table.count_by_type[FRAME_FRAME_TABLE] + BOOT_HEAP_FRAMES, (end - start) / FRAME_SIZE,
                     "reservation block size");
    TEST_CHECK(frame_table.count_by_type[FRAME_FRAME_TABLE] * FRAME_SIZE >=
               frame_table.frame_count * sizeof(struct frame), "table fits its frames");
    for (uint64_t a = start; a < end; a += FRAME_SIZE) {
        uint8_t type = frame_table.frames[a / FRAME_SIZE].type;
        TEST_CHECK(type == FRAME_FRAME_TABLE || type == FRAME_BOOT_HEAP, "reservation frame %llx is %s",
                   (unsigned long long)a, frame_type_name(type));
    }
}

KERNEL_TEST(6, timer_runs_and_tsc_is_calibrated)
{
    uint64_t ticks = machine_timer_ticks();
    uint64_t tsc = machine_timestamp();

    while (machine_timer_ticks() < ticks + 2)
        machine_wait_for_interrupt();
    TEST_CHECK(machine_timestamp() > tsc, "TSC does not advance");
    TEST_CHECK(tsc_per_second > 1000000, "TSC frequency %llu Hz is implausible", (unsigned long long)tsc_per_second);
}
