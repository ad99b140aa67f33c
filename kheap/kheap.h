/*
 * kheap.h — per-client kernel heaps: typed slabs carved from donated pages.
 *
 * A heap owns only the 4 KiB pages its payer donated. It carves them into
 * slabs of one object type each and keeps one free list per type, so an
 * allocation is a pop. A page carved for a type is not threaded: slots it
 * never handed out are taken by a bump pointer, so carving costs the same
 * whatever the slot size. When a heap has nothing left it does not look
 * elsewhere: it reports a heap fault (what type, how many pages) and the
 * kernel turns that into a message to the heap's bank.
 *
 * kheap knows no kernel type and no x86. The kernel registers its object
 * types at start-up and supplies, for every page, a page descriptor that
 * lives outside the page (in the kernel, the frame-table entry); that is
 * what lets an object fill a whole page (page tables) and lets kheap find an
 * object's page in O(1) through the page_of callback.
 *
 * Plain C11, freestanding: <stdint.h>, <stddef.h>, <stdbool.h> only.
 */
#ifndef KHEAP_KHEAP_H
#define KHEAP_KHEAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define KHEAP_PAGE_SIZE       4096u
#define KHEAP_MAX_TYPES       16u   /* object types a type set can register */
#define KHEAP_MIN_OBJECT_SIZE 16u   /* smallest slot: bounds the slots a page holds */
#define KHEAP_MAX_SLOTS       (KHEAP_PAGE_SIZE / KHEAP_MIN_OBJECT_SIZE)

/* Result codes. 0 is success; every failure is a distinct negative value. */
enum kheap_status {
    KHEAP_OK = 0,
    KHEAP_E_FAULT = -1,      /* no free object and no free page: see kheap_fault */
    KHEAP_E_BAD_TYPE = -2,   /* type id not registered */
    KHEAP_E_BAD_PAGE = -3,   /* page misaligned, or its descriptor already in use */
    KHEAP_E_NOT_OWNER = -4,  /* object or page does not belong to this heap */
    KHEAP_E_DOUBLE_FREE = -5,/* object already free */
    KHEAP_E_BAD_ARG = -6,    /* anything else malformed (sizes, watermarks, NULL) */
    KHEAP_E_FULL = -7,       /* type set already has KHEAP_MAX_TYPES types */
};

/* One registered object type. */
struct kheap_type {
    const char *name;   /* for stats and debug output */
    uint32_t size;      /* bytes; rounded up to align, at least KHEAP_MIN_OBJECT_SIZE */
    uint32_t align;     /* power of two, at most KHEAP_PAGE_SIZE */
    bool movable;       /* may reclaim move live objects of this type? */
};

/* The set of types the kernel registers at start-up; shared by all heaps. */
struct kheap_typeset {
    struct kheap_type types[KHEAP_MAX_TYPES];
    uint32_t count;
};

struct kheap;

/*
 * Per-page descriptor, owned by the caller (kernel: frame-table entry; host
 * tests: an array). kheap uses it only while the page is donated to a heap.
 * Fields are kheap's private state; callers allocate them and set owner
 * to NULL before a donation (kheap_donate sets the rest).
 */
struct kheap_page {
    struct kheap *owner;            /* heap the page belongs to, or NULL */
    void *base;                     /* the page's address */
    struct kheap_page *next, *prev; /* on the heap's free-page or per-type partial/full list */
    uint8_t type;                   /* carved for this type; 0xff when uncarved */
    uint8_t flags;                  /* kheap-private (e.g. being evacuated) */
    uint16_t live;                  /* live objects in the page */
    uint16_t slots;                 /* slots the page was carved into */
    /*
     * The bump pointer: slots [0, bumped) have been handed out at least
     * once since the page was carved; slots [bumped, slots) never were, and
     * are free without being on the free list. Carving is O(1) that way.
     */
    uint16_t bumped;
    void *free_list;                /* first freed slot in this page (all below bumped) */
    uint32_t live_bitmap[KHEAP_MAX_SLOTS / 32]; /* which slots are live */
};

/*
 * What the heap's owner must do for kheap. context is passed back unchanged.
 */
struct kheap_ops {
    /* Descriptor of the page holding address (donated to some heap), or NULL. */
    struct kheap_page *(*page_of)(void *context, const void *address);
    /*
     * Reclaim moved a live object: the bytes are already copied from old_object
     * to new_object; the owner fixes every pointer to it. old_object is released by
     * kheap after this returns.
     */
    void (*moved)(void *context, uint32_t type, void *old_object, void *new_object);
    /*
     * Optional: may this particular live object move now (e.g. not a running
     * thread's stack)? NULL means every object of a movable type may.
     */
    bool (*can_move)(void *context, uint32_t type, const void *object);
    /*
     * Reclaim must destroy a live object that cannot move. The owner tears it
     * down and calls kheap_free() on it (and may free other objects, in any
     * heap, while doing so: e.g. a record's revoked subtree).
     */
    void (*destroy)(void *context, uint32_t type, void *object);
};

/* A heap fault: what the heap needs from its bank to satisfy an allocation. */
struct kheap_fault {
    uint32_t type;          /* the type that could not be allocated */
    uint32_t pages_needed;  /* minimum pages to make the allocation succeed */
    uint32_t pages_wanted;  /* refill up to the high watermark */
};

struct kheap_type_stats {
    uint32_t live;          /* objects allocated and not freed */
    uint32_t free;          /* free slots in carved pages */
    /*
     * Free slots kheap_allocate may take: those of the pages on the type's
     * partial list. A page under evacuation is on the full list, so its
     * free slots count in `free` but not here.
     */
    uint32_t allocatable;
    uint32_t pages;         /* pages carved for this type */
    uint64_t allocations, frees, faults, moved, destroyed;
};

struct kheap_stats {
    uint32_t pages_held;      /* == pages_donated - pages_reclaimed */
    uint32_t pages_free;      /* uncarved pages */
    uint64_t pages_donated, pages_reclaimed;
    uint64_t faults;
    struct kheap_type_stats by_type[KHEAP_MAX_TYPES];
};

/* The heap descriptor. The caller provides its memory. */
struct kheap {
    const struct kheap_typeset *types;
    const struct kheap_ops *ops;
    void *context;
    struct kheap_page *free_pages;                 /* uncarved */
    struct kheap_page *partial[KHEAP_MAX_TYPES];   /* carved, with free slots */
    struct kheap_page *full[KHEAP_MAX_TYPES];      /* carved, no free slots */
    uint32_t low_water, high_water;                /* in free pages */
    struct kheap_stats stats;
    struct kheap_page *evacuating;                 /* the page a reclaim is emptying (at most one), or NULL */
};

/*
 * Incremental reclaim. Zero it (or call kheap_reclaim_begin) before the
 * first call; pass the same state to every call until it returns done.
 */
struct kheap_reclaim {
    uint32_t target;          /* pages the payer asked for */
    uint32_t returned;        /* pages handed back so far */
    struct kheap_page *victim;/* page being evacuated, or NULL */
    uint32_t next_slot;       /* resume point inside the victim */
    uint32_t moved, destroyed;/* objects moved / destroyed so far */
    /*
     * How long the last kheap_reclaim_next looked for its object, in slot
     * steps: a slot looked past is one, a page its victim choice looked at
     * KHEAP_VICTIM_PAGE_STEPS. The caller counts it towards its preemption
     * budget: a step that chose a victim among 32 pages, or skipped 200 free
     * slots, is several times as long as one that did neither.
     */
    uint32_t examined;
    bool done;
};
#define KHEAP_VICTIM_PAGE_STEPS 8

/* Type registration (kernel start-up). Returns the type id (>= 0) or an error. */
void kheap_typeset_init(struct kheap_typeset *set);
int  kheap_type_register(struct kheap_typeset *set, const char *name,
                         uint32_t size, uint32_t align, bool movable);

void kheap_init(struct kheap *heap, const struct kheap_typeset *types,
                const struct kheap_ops *ops, void *context);

/*
 * Give a page (KHEAP_PAGE_SIZE-aligned) and its descriptor to a heap. Of
 * the descriptor only owner must be NULL (it is in no heap); kheap sets the
 * rest.
 */
int  kheap_donate(struct kheap *heap, void *page, struct kheap_page *descriptor);

/* O(1). On KHEAP_E_FAULT, *fault (if not NULL) says what is needed. */
void *kheap_allocate(struct kheap *heap, uint32_t type, struct kheap_fault *fault);
int   kheap_free(struct kheap *heap, void *object);

/*
 * The one answer to "can these be allocated?": the free pages missing for
 * counts[t] objects of every type t < types, allocated together, in any
 * order, with no free or reclaim in between: 0 when kheap_allocate will
 * return every one of them. Exact, because it counts what kheap_allocate
 * takes: each type's allocatable slots first, then whole free pages carved
 * for it. UINT32_MAX for an unregistered type asked for (or an overflow).
 */
uint32_t kheap_pages_missing(const struct kheap *heap, const uint32_t *counts, uint32_t types);
/* kheap_pages_missing for one type, without a walk over the others: what a heap fault asks for. */
uint32_t kheap_pages_missing_for(const struct kheap *heap, uint32_t type, uint32_t count);
/* Can `count` objects of `type` be allocated without a fault? (kheap_pages_missing for one type) */
bool kheap_can_allocate(const struct kheap *heap, uint32_t type, uint32_t count);

/*
 * Take pages back. Each call does at most `budget` units of work (a page
 * returned, or an object moved or destroyed), writes the pages it returns
 * (base addresses) to out[0..*out_count) with at most out_capacity of them,
 * and returns KHEAP_OK. reclaim->done says when the target is met or the heap is
 * empty. Free pages go first; then the least-used live pages are evacuated.
 */
void kheap_reclaim_begin(struct kheap_reclaim *reclaim, uint32_t pages);
int  kheap_reclaim(struct kheap *heap, struct kheap_reclaim *reclaim, uint32_t budget,
                   void **out, uint32_t out_capacity, uint32_t *out_count);

/*
 * What the next unit of this reclaim will do to a live object, without
 * doing it: that object (with its type, and whether it will move), or NULL
 * when the next unit returns a page or the reclaim is over. It may choose
 * the victim page, as the next kheap_reclaim call would. The owner may
 * then tear a long-lived object down itself, in steps of its own, and free
 * it; the next unit then finds it gone.
 */
void *kheap_reclaim_next(struct kheap *heap, struct kheap_reclaim *reclaim, uint32_t *type, bool *moves);

int  kheap_set_watermarks(struct kheap *heap, uint32_t low, uint32_t high);
/* Free pages above the high watermark (what a bank may take back cheaply). */
uint32_t kheap_excess_pages(const struct kheap *heap);
/*
 * Added: once free pages fall below the low watermark, how many pages bring
 * them back to the high one (what the kernel may ask the bank for ahead of
 * a fault); 0 while at or above the low watermark.
 */
static inline uint32_t kheap_refill_pages(const struct kheap *heap)     /* inline: asked after every allocation */
{
    if (heap->stats.pages_free >= heap->low_water)
        return 0;
    return heap->high_water - heap->stats.pages_free;
}

void kheap_get_stats(const struct kheap *heap, struct kheap_stats *out);
/* Check every internal invariant; returns KHEAP_OK or the first violation. */
int  kheap_check(const struct kheap *heap);

/*
 * The same check in steps, for a caller that may not do it all at once (the
 * kernel's self-check passes preemption points between steps). The heap
 * must not change between start and the last step: the cursor holds
 * pointers into its lists. The caller makes sure of that (or starts over).
 */
#define KHEAP_CHECK_MORE 1           /* kheap_check_step: not finished, call again */
#define KHEAP_CHECK_PAGE_UNITS 8u    /* a page's own checks, in step units (a free slot is one) */
struct kheap_check {
    const struct kheap *heap;
    uint32_t list;                   /* 0: free pages; 1 + 2 * type (+1 for the full list) */
    const struct kheap_page *page, *prev;   /* the page in hand on that list, the one before it */
    uint32_t length;                 /* pages seen on the list so far */
    bool page_checked;               /* the page's own checks passed; its free list is being walked */
    void *free_slot;                 /* the next slot of that walk */
    uint32_t free_seen;
    uint32_t pages, live, free, allocatable;   /* counted for the type in hand */
    uint32_t carved_pages;
};
/* KHEAP_CHECK_MORE (go on with steps), or what kheap_check returns for what start checks (the counters). */
int  kheap_check_start(struct kheap_check *check, const struct kheap *heap);
/*
 * At most about `budget` units of work (a page's own checks cost
 * KHEAP_CHECK_PAGE_UNITS, each free slot one; a page's checks are never
 * split). KHEAP_CHECK_MORE while not finished, then KHEAP_OK or the first
 * violation, exactly as kheap_check.
 */
int  kheap_check_step(struct kheap_check *check, uint32_t budget);

#endif /* KHEAP_KHEAP_H */
