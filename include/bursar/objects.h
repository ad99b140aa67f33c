/*
 * objects.h — kernel object types, capability rights, thread settings, and
 * the records some calls write into the UTCB.
 */
#ifndef BURSAR_OBJECTS_H
#define BURSAR_OBJECTS_H

#include <stdint.h>

enum bursar_object_type {
    BURSAR_OBJECT_NONE = 0,      /* an empty slot */
    BURSAR_OBJECT_TASK = 1,      /* address space + capability space; argument: capability slots */
    BURSAR_OBJECT_THREAD = 2,    /* argument: capability index of its task */
    BURSAR_OBJECT_ENDPOINT = 3,  /* rendezvous point for IPC */
    BURSAR_OBJECT_REPLY = 4,     /* one-shot reply to a caller, bound by a receive */
    BURSAR_OBJECT_HEAP = 5,      /* a kernel heap, paid by its parent; argument: 0 */
    BURSAR_OBJECT_MEMORY = 6,    /* authority over a set of physical frames (a bank's) */
    BURSAR_OBJECT_IRQ = 7,       /* one interrupt line, delivered to an endpoint (SYS_IRQ_CLAIM) */
    BURSAR_OBJECT_DEVICES = 8,   /* the boot authority over interrupt lines and I/O ports */
    BURSAR_OBJECT_DEBUG = 9,     /* the boot authority to look into the kernel (SYS_DEBUG_DUMP, SYS_PREEMPT_STATS) */
    BURSAR_OBJECT_IO_PORTS = 10, /* a range of I/O ports (SYS_IO_PORTS_CREATE): READ reads, WRITE writes */
    BURSAR_OBJECT_TYPE_COUNT
};

/* Rights only ever shrink along a derivation; what each means depends on the object (docs/abi.md §3). */
#define BURSAR_RIGHT_READ     0x1u   /* endpoint: receive;  memory: read;  heap: SYS_HEAP_INFO */
#define BURSAR_RIGHT_WRITE    0x2u   /* endpoint: send;     memory: write; heap: charge (below) */
#define BURSAR_RIGHT_GRANT    0x4u   /* may pass capabilities through / on */
#define BURSAR_RIGHT_CONTROL  0x8u   /* configure, destroy; heap: donate, reclaim, configure, reserve */
#define BURSAR_RIGHTS_ALL     0xfu
/*
 * A heap's WRITE right, by its name: create objects paid by the heap
 * (SYS_CREATE, SYS_IRQ_CLAIM, SYS_IO_PORTS_CREATE) and nothing else. A heap
 * capability with only this right lets a server allocate on its client's
 * charge without reading, funding, reclaiming, configuring or destroying
 * the heap, and without ever waiting on the client's bank.
 */
#define BURSAR_RIGHT_CHARGE   BURSAR_RIGHT_WRITE

enum bursar_thread_setting {
    BURSAR_THREAD_PRIORITY = 0,          /* 0 (lowest) .. BURSAR_PRIORITY_MAX */
    BURSAR_THREAD_TIMESLICE = 1,         /* timer ticks, >= 1 */
    BURSAR_THREAD_PAGER = 2,             /* endpoint index in the configurer's space, or 0xffff for none:
                                            page faults are calls to it (bursar/fault.h) */
    BURSAR_THREAD_EXCEPTION_HANDLER = 3, /* endpoint index, or 0xffff: exceptions are calls to it */
    BURSAR_THREAD_UTCB = 4,              /* user address of the thread's UTCB in its task */
    BURSAR_THREAD_SETTING_COUNT
};

#define BURSAR_PRIORITY_MAX 255
#define BURSAR_NO_CAPABILITY 0xffffu

/*
 * What the kernel allocates from heaps: the index of live_by_type in
 * struct bursar_heap_info. Not the object types above: a task, for one,
 * also costs a page directory, a shadow page and capability-table pages.
 */
enum bursar_heap_kind {
    BURSAR_HEAP_TASK = 0,
    BURSAR_HEAP_THREAD = 1,              /* TCB and kernel stack, one page */
    BURSAR_HEAP_ENDPOINT = 2,
    BURSAR_HEAP_REPLY = 3,
    BURSAR_HEAP_HEAP = 4,
    BURSAR_HEAP_MEMORY = 5,
    BURSAR_HEAP_PAGE_DIRECTORY = 6,
    BURSAR_HEAP_PAGE_TABLE = 7,
    BURSAR_HEAP_SHADOW = 8,              /* the mapping records of one page table or directory */
    BURSAR_HEAP_CAPABILITY_TABLE = 9,    /* 128 capability slots */
    BURSAR_HEAP_RECORD = 10,             /* a mapping-database record (revocable copy, mapping) */
    BURSAR_HEAP_IRQ = 11,                /* an IRQ object */
    BURSAR_HEAP_IO_PORTS = 12,           /* an I/O port range object */
    BURSAR_HEAP_KIND_COUNT
};

/*
 * SYS_HEAP_RESERVE's kind for several kinds at once, counted together (one
 * free page is never counted twice): edi says how many kinds, and message
 * register i of the caller's UTCB holds the count of kind i (0: none).
 */
#define BURSAR_HEAP_RESERVE_MANY 0x100u

/* SYS_HEAP_CONFIGURE settings. */
enum bursar_heap_setting {
    BURSAR_HEAP_WATERMARKS = 0,          /* value: low, value2: high (free pages; low <= high <= 1024) */
    BURSAR_HEAP_BANK = 1,                /* value: endpoint index (WRITE) its heap faults go to, or 0xffff */
    BURSAR_HEAP_FAULT_TIMEOUT = 2,       /* value: timeout code (bursar/message.h) for both phases of a fault */
    BURSAR_HEAP_SETTING_COUNT
};

/*
 * A heap fault, the message the kernel sends to the heap's bank on behalf of
 * the thread whose allocation found the heap empty: label
 * BURSAR_LABEL_HEAP_FAULT, 4 words: MR0 the heap's id (as in the kernel's
 * listing), MR1 the enum bursar_heap_kind, MR2 pages needed, MR3 pages
 * wanted (needed + the high watermark). The bank replies MR0 = frames
 * (0: refuse) | memory capability << 16, MR1 = first frame; the frames must
 * be the memory object's (mapped ones are unmapped everywhere first).
 */
#define BURSAR_LABEL_HEAP_FAULT 0xfff2u
/* An interrupt, delivered by the kernel to an IRQ object's endpoint: MR0 the line (SYS_IRQ_CLAIM). */
#define BURSAR_LABEL_IRQ 0xfff3u
#define BURSAR_HEAP_FAULT_WORDS 4
#define BURSAR_HEAP_FAULT_MAX_FRAMES 64u
/* Frames one SYS_HEAP_DONATE takes, at most: a call does bounded work with interrupts off. */
#define BURSAR_HEAP_DONATE_MAX_FRAMES 8u
#define BURSAR_HEAP_FAULT_REPLY(frames, memory) ((uint32_t)(frames) | (uint32_t)(memory) << 16)

/*
 * The by-kind arrays of the heap and reclaim reports: room for every
 * enum bursar_heap_kind and a few more, so a kind added later keeps the
 * layout (the words past BURSAR_HEAP_KIND_COUNT read 0).
 */
#define BURSAR_HEAP_KIND_SLOTS 16
_Static_assert(BURSAR_HEAP_KIND_COUNT <= BURSAR_HEAP_KIND_SLOTS, "every heap kind has its word in the reports");

/* Written to the UTCB info area by SYS_HEAP_INFO. */
struct bursar_heap_info {
    uint32_t pages_held;
    uint32_t pages_free;
    uint32_t pages_donated;
    uint32_t pages_reclaimed;
    uint32_t faults;
    uint32_t live_by_type[BURSAR_HEAP_KIND_SLOTS];           /* live allocations, by enum bursar_heap_kind */
    uint32_t low_water, high_water;      /* in free pages (SYS_HEAP_CONFIGURE) */
    uint32_t objects_moved;              /* live objects reclaim moved inside the heap, ever */
    uint32_t objects_destroyed;          /* live objects reclaim destroyed, ever */
    uint32_t free_by_type[BURSAR_HEAP_KIND_SLOTS];           /* free objects in carved pages, by enum bursar_heap_kind */
};

/* Written to the UTCB info area by SYS_HEAP_RECLAIM: what this reclaim did. */
struct bursar_reclaim_info {
    uint32_t pages_reclaimed;            /* pages returned to their bank */
    uint32_t objects_moved;              /* live objects moved to other pages of the heap */
    uint32_t objects_destroyed;          /* live objects destroyed (as SYS_DESTROY would) */
    uint32_t destroyed_by_type[BURSAR_HEAP_KIND_SLOTS];      /* by enum bursar_heap_kind */
};

/* Written to the UTCB info area by SYS_SYSTEM_INFO: the accounting identity. */
struct bursar_system_info {
    uint32_t usable_frames;              /* all usable RAM, in frames */
    uint32_t fixed_reservation_frames;   /* taken by the kernel at boot, for good */
    uint32_t heap_frames;                /* held by kernel heaps, all of them */
    uint32_t bank_frames;                /* held by banks (free or mapped to users) */
    uint32_t tsc_khz;                    /* TSC ticks per millisecond */
    uint32_t timer_hz;
    uint32_t heaps, tasks, threads;      /* live objects, system-wide */
    uint32_t kernel_entries;             /* system calls, exceptions, interrupts since boot */
    uint32_t address_space_switches;     /* page-directory (CR3) loads since boot */
    uint32_t fast_path_ipcs;             /* calls and reply-waits the IPC fast path completed */
    uint32_t timer_ticks;                /* timer interrupts since boot: the clock timeouts count in */
};

#endif /* BURSAR_OBJECTS_H */
