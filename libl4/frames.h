/*
 * frames.h — where a program's memory comes from: a frame source.
 *
 * The loader (libl4/loader.h), and anything else that needs whole frames,
 * takes them through this small interface instead of reading the boot
 * information itself, so that the same code runs whether the frames come
 * from the boot memory capability (the root task today: l4_boot_frames
 * below) or from a space bank server (issue 12: a bank client implements
 * the same operations with IPC).
 *
 *   map_page     a zeroed frame, mapped read/write at `page` in the caller's
 *                own address space (the caller keeps that mapping: it is the
 *                root from which the frame is mapped on into other tasks)
 *   unmap_pages  the frames mapped at `pages` pages from `page` (each one
 *                map_page gave) go back to the source; every mapping derived
 *                from them goes with them
 *   create_heap  a new heap in the caller's empty `slot`, funded with `pages`
 *                frames (the heap object itself is paid as the source says)
 *   destroy_heap destroys a heap the source created; its frames go back
 *   available    frames the source could hand out now (an upper bound: a
 *                request may still fail, e.g. if someone else took frames)
 *
 * Each operation is 0 or a negative -BURSAR_E_*; a failed one has changed
 * nothing. Running out is -BURSAR_E_OUT_OF_MEMORY.
 */
#ifndef LIBL4_FRAMES_H
#define LIBL4_FRAMES_H

#include <stdbool.h>
#include <stdint.h>

#include "bursar/boot.h"

struct l4_frame_source;

struct l4_frame_source_ops {
    int (*map_page)(struct l4_frame_source *source, uintptr_t page);
    void (*unmap_pages)(struct l4_frame_source *source, uintptr_t page, unsigned pages);
    int (*create_heap)(struct l4_frame_source *source, unsigned slot, unsigned pages);
    void (*destroy_heap)(struct l4_frame_source *source, unsigned slot);
    unsigned (*available)(struct l4_frame_source *source);
};

struct l4_frame_source {
    const struct l4_frame_source_ops *ops;
};

/*
 * The boot memory capability as a frame source: frames are taken from a
 * list of frame ranges (normally the boot information's free ranges) with
 * SYS_FRAME_MAP and SYS_HEAP_DONATE. The kernel is the bookkeeper: a frame
 * that is mapped or in a heap is refused by those calls (ALREADY_MAPPED,
 * BAD_FRAME, BUSY), so the source simply moves on to the next one, and a
 * frame that came back (unmapped, or its heap destroyed) is taken again
 * when the cursor comes round. Frames are zeroed when mapped: a frame given
 * back keeps whatever its last user wrote.
 *
 * Whoever else takes frames from the same ranges must do it through this
 * source too, or be prepared to find a frame taken (the kernel refuses the
 * second user; nothing is corrupted).
 */
#define L4_BOOT_FRAMES_MAX_RANGES BURSAR_BOOT_MAX_RANGES

struct l4_boot_frames {
    struct l4_frame_source source;       /* first: a pointer to it is a pointer to this */
    unsigned memory;                     /* memory capability (CONTROL) */
    unsigned payer;                      /* heap that pays for the heap objects create_heap makes */
    struct bursar_frame_range ranges[L4_BOOT_FRAMES_MAX_RANGES];
    unsigned range_count;
    unsigned range, offset;              /* the cursor: the next frame to try */
    uint32_t total;                      /* frames in the ranges */
    uint32_t out;                        /* frames this source has handed out and not had back */
};

/* Every free range of the boot information. */
void l4_boot_frames_init(struct l4_boot_frames *frames, const struct bursar_boot_info *boot, unsigned memory,
                         unsigned payer);

/* Only the given ranges (copied; at most L4_BOOT_FRAMES_MAX_RANGES). */
void l4_boot_frames_init_ranges(struct l4_boot_frames *frames, const struct bursar_frame_range *ranges,
                                unsigned count, unsigned memory, unsigned payer);

/*
 * The next frame number in the ranges, without mapping or checking it (for
 * programs that map or donate frames themselves); false when the ranges
 * are used up. It does not count towards `out`.
 */
bool l4_boot_frames_next(struct l4_boot_frames *frames, uint32_t *frame);

#endif /* LIBL4_FRAMES_H */
