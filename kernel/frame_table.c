/*
 * frame_table.c — builds the frame table from the boot memory map.
 *
 * Order matters: every frame of an available region becomes FREE, then any
 * frame that some other region also claims becomes UNUSABLE (a firmware
 * region wins over RAM when a loader reports both), then the kernel image,
 * the modules and the fixed reservation are carved out of what is FREE.
 */
#include "kernel/frame_table.h"
#include "kernel/console.h"
#include "kernel/machine.h"
#include "bursar/objects.h"

struct frame_table frame_table;

static uint32_t frame_of(uint64_t physical)        { return (uint32_t)(physical >> FRAME_SHIFT); }
static uint64_t round_up_to_frame(uint64_t value)  { return (value + FRAME_SIZE - 1) & ~(uint64_t)(FRAME_SIZE - 1); }
static uint64_t round_down_to_frame(uint64_t value){ return value & ~(uint64_t)(FRAME_SIZE - 1); }

static const char *const type_names[FRAME_TYPE_COUNT] = {
    [FRAME_UNUSABLE] = "unusable", [FRAME_FREE] = "free", [FRAME_KERNEL_IMAGE] = "kernel image",
    [FRAME_FRAME_TABLE] = "frame table", [FRAME_BOOT_HEAP] = "boot heap", [FRAME_MODULE] = "module",
    [FRAME_BANK] = "bank", [FRAME_HEAP] = "heap",
};

const char *frame_type_name(enum frame_type type)
{
    return type < FRAME_TYPE_COUNT ? type_names[type] : "?";
}

/* Highest end of available RAM that the direct map can reach. */
static uint64_t usable_memory_end(const struct boot_info *boot)
{
    uint64_t end = 0, limit = machine_direct_map_limit();

    for (uint32_t i = 0; i < boot->region_count; i++) {
        const struct memory_region *r = &boot->regions[i];
        if (r->type == MEMORY_AVAILABLE) {
            uint64_t region_end = r->end < limit ? r->end : limit;
            if (region_end > end)
                end = region_end;
        }
    }
    return round_down_to_frame(end);
}

/* Whole frames of [start, end) clipped to the table, as a frame range. */
static void frame_range(uint64_t start, uint64_t end, int whole_frames_only,
                        uint32_t *first, uint32_t *last)
{
    uint64_t s = whole_frames_only ? round_up_to_frame(start) : round_down_to_frame(start);
    uint64_t e = whole_frames_only ? round_down_to_frame(end) : round_up_to_frame(end);
    uint64_t table_end = (uint64_t)frame_table.frame_count << FRAME_SHIFT;

    if (e > table_end)
        e = table_end;
    *first = frame_of(s);
    *last = s < e ? frame_of(e) : *first;          /* exclusive */
}

static void mark_range(uint64_t start, uint64_t end, int whole_frames_only,
                       enum frame_type only_if, enum frame_type type)
{
    uint32_t first, last;

    frame_range(start, end, whole_frames_only, &first, &last);
    for (uint32_t f = first; f < last; f++)
        if (frame_table.frames[f].type == only_if)
            frame_table.frames[f].type = (uint8_t)type;
}

static int range_overlaps(uint64_t a_start, uint64_t a_end, uint64_t b_start, uint64_t b_end)
{
    return a_start < b_end && b_start < a_end;
}

static int range_is_taken(const struct boot_info *boot, uint64_t start, uint64_t end)
{
    if (range_overlaps(start, end, machine_kernel_image_start(), machine_kernel_image_end()))
        return 1;
    for (uint32_t i = 0; i < boot->module_count; i++)
        if (range_overlaps(start, end, round_down_to_frame(boot->modules[i].start),
                           round_up_to_frame(boot->modules[i].end)))
            return 1;
    return 0;
}

/*
 * The table and the boot heap go in one block of RAM above low memory
 * (MACHINE_LOW_MEMORY_END) that holds neither the kernel nor a module;
 * first fit, scanning upwards.
 */
static uint64_t find_reservation(const struct boot_info *boot, uint64_t bytes, uint64_t memory_end)
{
    for (uint32_t i = 0; i < boot->region_count; i++) {
        const struct memory_region *r = &boot->regions[i];
        if (r->type != MEMORY_AVAILABLE)
            continue;
        uint64_t end = r->end < memory_end ? round_down_to_frame(r->end) : memory_end;
        for (uint64_t start = round_up_to_frame(r->start < MACHINE_LOW_MEMORY_END ? MACHINE_LOW_MEMORY_END : r->start);
             start + bytes <= end; start += FRAME_SIZE)
            if (!range_is_taken(boot, start, start + bytes))
                return start;
    }
    return 0;
}

static void mark_memory_map(const struct boot_info *boot)
{
    for (uint32_t i = 0; i < boot->region_count; i++)
        if (boot->regions[i].type == MEMORY_AVAILABLE)
            mark_range(boot->regions[i].start, boot->regions[i].end, 1, FRAME_UNUSABLE, FRAME_FREE);
    for (uint32_t i = 0; i < boot->region_count; i++)
        if (boot->regions[i].type != MEMORY_AVAILABLE)
            mark_range(boot->regions[i].start, boot->regions[i].end, 0, FRAME_FREE, FRAME_UNUSABLE);
}

static void mark_modules(const struct boot_info *boot)
{
    for (uint32_t i = 0; i < boot->module_count; i++)
        mark_range(boot->modules[i].start, boot->modules[i].end, 0, FRAME_FREE, FRAME_MODULE);
}

static void count_frames(const struct boot_info *boot)
{
    for (uint32_t t = 0; t < FRAME_TYPE_COUNT; t++)
        frame_table.count_by_type[t] = 0;
    for (uint32_t f = 0; f < frame_table.frame_count; f++)
        frame_table.count_by_type[frame_table.frames[f].type]++;
    frame_table.usable_frames = frame_table.frame_count - frame_table.count_by_type[FRAME_UNUSABLE];

    frame_table.ignored_frames = 0;
    for (uint32_t i = 0; i < boot->region_count; i++) {
        const struct memory_region *r = &boot->regions[i];
        uint64_t limit = machine_direct_map_limit();
        if (r->type == MEMORY_AVAILABLE && r->end > limit)
            frame_table.ignored_frames += frame_of(round_down_to_frame(r->end)) -
                                          frame_of(round_up_to_frame(r->start > limit ? r->start : limit));
    }
}

void frame_table_init(const struct boot_info *boot)
{
    uint64_t memory_end = usable_memory_end(boot);
    uint32_t frame_count = frame_of(memory_end);
    uint64_t table_bytes = round_up_to_frame((uint64_t)frame_count * sizeof(struct frame));
    uint64_t reservation_bytes = table_bytes + (uint64_t)BOOT_HEAP_FRAMES * FRAME_SIZE;
    uint64_t reservation = find_reservation(boot, reservation_bytes, memory_end);

    if (frame_count == 0 || reservation == 0)
        panic("frame table: no %llu bytes of RAM free for the frame table and boot heap",
              (unsigned long long)reservation_bytes);
    frame_table.frames = machine_physical_to_virtual(reservation);
    frame_table.frame_count = frame_count;
    frame_table.direct_map = (uintptr_t)machine_physical_to_virtual(0);
    frame_table.reservation_start = reservation;
    frame_table.reservation_end = reservation + reservation_bytes;
    for (uint32_t f = 0; f < frame_count; f++) {
        frame_table.frames[f] = (struct frame){ .type = FRAME_UNUSABLE };
        mapdb_root_init(&frame_table.frames[f].mappings, MAPDB_KIND_MEMORY,
                        BURSAR_RIGHT_READ | BURSAR_RIGHT_WRITE);
    }

    mark_memory_map(boot);
    mark_range(machine_kernel_image_start(), machine_kernel_image_end(), 0, FRAME_FREE, FRAME_KERNEL_IMAGE);
    mark_modules(boot);
    mark_range(reservation, reservation + table_bytes, 0, FRAME_FREE, FRAME_FRAME_TABLE);
    mark_range(reservation + table_bytes, reservation + reservation_bytes, 0, FRAME_FREE, FRAME_BOOT_HEAP);
    count_frames(boot);
}

void frame_set_type(uint32_t frame, enum frame_type type)
{
    KERNEL_ASSERT(frame < frame_table.frame_count && type < FRAME_TYPE_COUNT);
    frame_table.count_by_type[frame_table.frames[frame].type]--;
    frame_table.frames[frame].type = (uint8_t)type;
    frame_table.count_by_type[type]++;
}

void frame_zero_page(void *page)
{
    uint32_t *word = page;

    for (uint32_t *end = word + FRAME_SIZE / sizeof *word; word < end; word += 8) {
        word[0] = 0; word[1] = 0; word[2] = 0; word[3] = 0;
        word[4] = 0; word[5] = 0; word[6] = 0; word[7] = 0;
    }
}

uint32_t frame_number(const struct frame *frame)
{
    return (uint32_t)(frame - frame_table.frames);
}

uint64_t frame_physical(const struct frame *frame)
{
    return (uint64_t)frame_number(frame) << FRAME_SHIFT;
}

uint32_t frame_table_fixed_reservation(void)
{
    return frame_table.count_by_type[FRAME_KERNEL_IMAGE] + frame_table.count_by_type[FRAME_FRAME_TABLE] +
           frame_table.count_by_type[FRAME_BOOT_HEAP];
}

uint64_t frame_table_memory_end(void)
{
    return (uint64_t)frame_table.frame_count << FRAME_SHIFT;
}

void frame_table_print(void)
{
    uint32_t reserved = frame_table_fixed_reservation();

    kprintf("frames: %u usable (%u KiB) of %u in the table", frame_table.usable_frames,
            frame_table.usable_frames * 4, frame_table.frame_count);
    if (frame_table.ignored_frames)
        kprintf(", %u above the direct map ignored", frame_table.ignored_frames);
    kprintf("\n");
    kprintf("fixed reservation: %u frames (%u KiB): kernel image %u, frame table %u, boot heap %u\n",
            reserved, reserved * 4, frame_table.count_by_type[FRAME_KERNEL_IMAGE],
            frame_table.count_by_type[FRAME_FRAME_TABLE], frame_table.count_by_type[FRAME_BOOT_HEAP]);
    kprintf("  reservation block %08llx-%08llx (frame table + boot heap)\n",
            (unsigned long long)frame_table.reservation_start, (unsigned long long)frame_table.reservation_end);
    kprintf("boot memory: the other %u usable frames: modules %u, free %u (%u KiB)\n",
            frame_table.usable_frames - reserved, frame_table.count_by_type[FRAME_MODULE],
            frame_table.count_by_type[FRAME_FREE], frame_table.count_by_type[FRAME_FREE] * 4);
}
