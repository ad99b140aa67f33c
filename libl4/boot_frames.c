/*
 * boot_frames.c — the boot memory capability as a frame source (frames.h).
 *
 * No free list: the kernel already knows which frames are mapped or in a
 * heap and refuses them, so taking a frame is "try the next one". The
 * cursor only moves forward (wrapping round), so in the common case the
 * first frame tried is free; a full round without success is running out.
 */
#include "libl4/frames.h"

#include <stdbool.h>

#include "libl4/l4.h"
#include "libl4/string.h"

#define PAGE_SIZE 4096u

static struct l4_boot_frames *boot_frames_of(struct l4_frame_source *source)
{
    return (struct l4_boot_frames *)source;
}

bool l4_boot_frames_next(struct l4_boot_frames *frames, uint32_t *frame)
{
    while (frames->range < frames->range_count) {
        const struct bursar_frame_range *range = &frames->ranges[frames->range];
        if (frames->offset < range->frames) {
            *frame = range->first_frame + frames->offset++;
            return true;
        }
        frames->range++;
        frames->offset = 0;
    }
    return false;
}

static void rewind(struct l4_boot_frames *frames)
{
    frames->range = 0;
    frames->offset = 0;
}

/* The next frame, wrapping round to the first range at the end (the ranges are not empty). */
static uint32_t next_frame_round(struct l4_boot_frames *frames)
{
    uint32_t frame = 0;

    if (!l4_boot_frames_next(frames, &frame)) {
        rewind(frames);
        l4_boot_frames_next(frames, &frame);
    }
    return frame;
}

/* A frame the kernel refused because someone has it: try the next one. */
static bool frame_taken(int error)
{
    return error == -BURSAR_E_ALREADY_MAPPED || error == -BURSAR_E_BAD_FRAME || error == -BURSAR_E_BUSY;
}

static int map_page(struct l4_frame_source *source, uintptr_t page)
{
    struct l4_boot_frames *frames = boot_frames_of(source);

    for (uint32_t tried = 0; tried < frames->total; tried++) {
        int error = l4_frame_map(frames->memory, next_frame_round(frames), page,
                                 BURSAR_RIGHT_READ | BURSAR_RIGHT_WRITE);
        if (error == 0) {
            l4_zero_page((void *)page);
            frames->out++;
            return 0;
        }
        if (!frame_taken(error))
            return error;
    }
    return -BURSAR_E_OUT_OF_MEMORY;
}

static void unmap_pages(struct l4_frame_source *source, uintptr_t page, unsigned pages)
{
    struct l4_boot_frames *frames = boot_frames_of(source);

    /* The root mappings go, and with them every mapping derived from them. */
    if (pages && l4_unmap(page, pages) == 0)
        frames->out -= pages < frames->out ? pages : frames->out;
}

/*
 * Frames into the heap, as many at once as the current range has left
 * (one donation for a run of free frames); a run the kernel refuses is
 * tried again frame by frame, skipping the ones that are taken.
 */
static int donate(struct l4_boot_frames *frames, unsigned heap, unsigned wanted, unsigned *given)
{
    const struct bursar_frame_range *range = &frames->ranges[frames->range];
    unsigned run = frames->range < frames->range_count ? range->frames - frames->offset : 0;
    int error;

    if (run > wanted)
        run = wanted;
    if (run > BURSAR_HEAP_DONATE_MAX_FRAMES)
        run = BURSAR_HEAP_DONATE_MAX_FRAMES;        /* the most one donation takes */
    if (run > 1 && l4_heap_donate(heap, frames->memory, range->first_frame + frames->offset, run) == 0) {
        frames->offset += run;
        *given = run;
        return 0;
    }
    for (uint32_t tried = 0; tried < frames->total; tried++) {
        error = l4_heap_donate(heap, frames->memory, next_frame_round(frames), 1);
        if (error == 0) {
            *given = 1;
            return 0;
        }
        if (!frame_taken(error))
            return error;
    }
    return -BURSAR_E_OUT_OF_MEMORY;
}

static int create_heap(struct l4_frame_source *source, unsigned slot, unsigned pages)
{
    struct l4_boot_frames *frames = boot_frames_of(source);
    unsigned given = 0;
    int error;

    if (pages > frames->total - frames->out)
        return -BURSAR_E_OUT_OF_MEMORY;
    error = l4_create(frames->payer, BURSAR_OBJECT_HEAP, slot, 0);
    for (unsigned done = 0; done < pages && error == 0; done += given)
        error = donate(frames, slot, pages - done, &given);
    if (error) {
        /* Destroying the heap gives the frames donated so far back to the memory object. */
        l4_destroy(slot);
        l4_cap_delete(slot);
        return error;
    }
    frames->out += pages;
    return 0;
}

static void destroy_heap(struct l4_frame_source *source, unsigned slot)
{
    struct l4_boot_frames *frames = boot_frames_of(source);
    struct bursar_heap_info info;
    uint32_t pages = l4_heap_info(slot, &info) == 0 ? info.pages_held : 0;

    if (l4_destroy(slot) == 0)
        frames->out -= pages < frames->out ? pages : frames->out;
    l4_cap_delete(slot);
}

static unsigned available(struct l4_frame_source *source)
{
    struct l4_boot_frames *frames = boot_frames_of(source);

    return frames->total - frames->out;
}

static const struct l4_frame_source_ops boot_frames_ops = {
    .map_page = map_page, .unmap_pages = unmap_pages, .create_heap = create_heap,
    .destroy_heap = destroy_heap, .available = available,
};

void l4_boot_frames_init_ranges(struct l4_boot_frames *frames, const struct bursar_frame_range *ranges,
                                unsigned count, unsigned memory, unsigned payer)
{
    memset(frames, 0, sizeof *frames);
    frames->source.ops = &boot_frames_ops;
    frames->memory = memory;
    frames->payer = payer;
    if (count > L4_BOOT_FRAMES_MAX_RANGES)
        count = L4_BOOT_FRAMES_MAX_RANGES;
    for (unsigned i = 0; i < count; i++) {
        frames->ranges[i] = ranges[i];
        frames->total += ranges[i].frames;
    }
    frames->range_count = count;
}

void l4_boot_frames_init(struct l4_boot_frames *frames, const struct bursar_boot_info *boot, unsigned memory,
                         unsigned payer)
{
    l4_boot_frames_init_ranges(frames, boot->free_ranges, boot->range_count, memory, payer);
}
