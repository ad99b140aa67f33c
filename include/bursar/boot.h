/*
 * boot.h — what the root task finds when it starts: where its stack, UTCB
 * and boot information are, and which capability is in which slot.
 *
 * The kernel loads the first boot module as the root task (an ELF image
 * linked for user space), gives it a thread, a stack and a UTCB, maps the
 * boot information page read-only, and starts it with esp at
 * BURSAR_ROOT_STACK_TOP. Loading the other modules is the root task's job:
 * it can map their frames with its memory capability. Only the first module
 * must be an ELF program; the others are the root task's to check.
 */
#ifndef BURSAR_BOOT_H
#define BURSAR_BOOT_H

#include <stdint.h>

/* User address-space layout (below 0xC0000000, the kernel's). */
#define BURSAR_USER_BASE           0x00001000u   /* page 0 is never mapped */
#define BURSAR_USER_TOP            0xC0000000u
#define BURSAR_PROGRAM_BASE        0x00400000u   /* where user programs are linked */
#define BURSAR_BOOT_INFO_ADDRESS   0xBFFFF000u   /* read-only */
#define BURSAR_ROOT_UTCB_ADDRESS   0xBFFFE000u
#define BURSAR_ROOT_STACK_TOP      0xBFFFE000u
#define BURSAR_ROOT_STACK_PAGES    8

/* Capability slots of the root task at start. */
#define BURSAR_SLOT_TASK     0   /* its own task (all rights) */
#define BURSAR_SLOT_THREAD   1   /* its own first thread */
#define BURSAR_SLOT_HEAP     2   /* the boot heap, which pays for its own objects */
#define BURSAR_SLOT_MEMORY   3   /* every frame not in the fixed reservation */
#define BURSAR_SLOT_DEVICES  4   /* interrupt lines and I/O ports (SYS_IRQ_CLAIM, SYS_IO_PORT) */
#define BURSAR_SLOT_DEBUG    5   /* kernel dumps, the ledger check, preemption statistics */
#define BURSAR_SLOT_FIRST_FREE 8
#define BURSAR_ROOT_SLOTS    1024   /* size of its capability space */
#define BURSAR_ROOT_PRIORITY 200    /* threads may be created at or below it */
/* When the root task's first thread exits, the kernel powers the machine off. */

#define BURSAR_BOOT_MAGIC    0x42555253u   /* "BURS" */
#define BURSAR_BOOT_MAX_MODULES 16
#define BURSAR_BOOT_MAX_RANGES  32

struct bursar_boot_module {
    char name[48];            /* last path component of the first word of the loader's command line for it */
    uint32_t first_frame;     /* physical frame number of its first byte */
    uint32_t size;            /* bytes */
};

/* A run of frames the memory capability covers and that was free at boot. */
struct bursar_frame_range {
    uint32_t first_frame;
    uint32_t frames;
};

struct bursar_boot_info {
    uint32_t magic;                       /* BURSAR_BOOT_MAGIC */
    uint32_t module_count;                /* the root task itself is module 0 */
    struct bursar_boot_module modules[BURSAR_BOOT_MAX_MODULES];
    uint32_t range_count;
    struct bursar_frame_range free_ranges[BURSAR_BOOT_MAX_RANGES];
    uint32_t free_frames;                 /* sum of the ranges */
    uint32_t timer_hz;
    uint32_t tsc_khz;
    char command_line[128];
};
_Static_assert(sizeof(struct bursar_boot_info) <= 4096, "boot information fits one page");

#endif /* BURSAR_BOOT_H */
