/*
 * frame_table.h — one entry per physical frame: what the frame is used for
 * and (filled in by later layers) who holds it and the root of its
 * mapping-database tree. The table itself is part of the fixed reservation.
 */
#ifndef KERNEL_FRAME_TABLE_H
#define KERNEL_FRAME_TABLE_H

#include <stdint.h>

#include "kernel/boot_info.h"
#include "kheap/kheap.h"
#include "mapdb/mapdb.h"

#define FRAME_SIZE  4096u
#define FRAME_SHIFT 12

enum frame_type {
    FRAME_UNUSABLE = 0,   /* not RAM, firmware, or beyond the direct map */
    FRAME_FREE,           /* usable; handed to the root space bank */
    FRAME_KERNEL_IMAGE,   /* fixed reservation: code, data, boot stack, boot page directory */
    FRAME_FRAME_TABLE,    /* fixed reservation: this table */
    FRAME_BOOT_HEAP,      /* fixed reservation: funds the root bank's own task */
    FRAME_MODULE,         /* a boot module's image, kept for the root task */
    FRAME_BANK,           /* held by a bank (a memory object): free or mapped to users */
    FRAME_HEAP,           /* donated by a bank to a kernel heap */
    FRAME_TYPE_COUNT
};

struct frame {
    uint8_t type;                 /* enum frame_type */
    uint8_t flags;
    union {
        uint16_t directory_index; /* a shadow page: which directory entry its table serves */
        uint16_t entries_in_use;  /* a page table: present entries (so "empty?" is O(1)) */
    };
    void *owner;                  /* FRAME_BANK / FRAME_HEAP: the memory object (bank) it came from */
    void *paired_page;            /* a page table and its shadow of records point at each other */
    void *task;                   /* a page of a task (directory, shadows, page table, capability table): the task */
    struct mapdb_record mappings; /* root of the frame's mapping tree */
    struct kheap_page heap_page;  /* FRAME_HEAP / FRAME_BOOT_HEAP: kheap's page descriptor */
};

struct frame_table {
    struct frame *frames;
    uint32_t frame_count;                 /* frames 0 .. frame_count-1 */
    uint32_t count_by_type[FRAME_TYPE_COUNT];
    uint32_t usable_frames;               /* every frame that is not FRAME_UNUSABLE */
    uint32_t ignored_frames;              /* RAM above the direct map, not used */
    uint64_t reservation_start;           /* physical: frame table + boot heap */
    uint64_t reservation_end;
    uintptr_t direct_map;                 /* the kernel address of physical 0 (RAM is mapped 1:1 above it) */
};

extern struct frame_table frame_table;

/*
 * The frame of a kernel address in the direct map (a heap object, say), or
 * NULL. Inline and without 64-bit arithmetic: every heap free and every
 * mapping removed asks it several times.
 */
static inline struct frame *frame_of_virtual(const void *address)
{
    uint32_t number = (uint32_t)((uintptr_t)address - frame_table.direct_map) >> FRAME_SHIFT;

    return number < frame_table.frame_count ? &frame_table.frames[number] : NULL;
}

/* Pages of boot heap in the fixed reservation (funds the root bank's task). */
#define BOOT_HEAP_FRAMES 32

/* Build the table from the memory map; panics only if no room for the table. */
void frame_table_init(const struct boot_info *boot);

/* Fixed reservation, in frames: kernel image + frame table + boot heap. */
uint32_t frame_table_fixed_reservation(void);
/* One past the highest usable physical address (for the direct map). */
uint64_t frame_table_memory_end(void);

/* Zero a page (a page-sized heap allocation): eight words a step, a third of a word-by-word loop. */
void frame_zero_page(void *page);

const char *frame_type_name(enum frame_type type);
/* Change a frame's type, keeping the per-type counters exact. */
void frame_set_type(uint32_t frame, enum frame_type type);
uint32_t frame_number(const struct frame *frame);
uint64_t frame_physical(const struct frame *frame);
void frame_table_print(void);

#endif /* KERNEL_FRAME_TABLE_H */
