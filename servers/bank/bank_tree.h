/*
 * bank_tree.h — the space bank's bookkeeping: the tree of banks with their
 * limits and charges, the heaps they fund, their object quotas, and a
 * ledger of every frame the bank server holds.
 *
 * Plain C with no system calls, so it is tested on the host
 * (test/host/test_bank_tree.c) like mapdb/ and kheap/. The server
 * (servers/bank/requests.c, heaps.c) asks the kernel to do things and then
 * tells the ledger what happened; nothing here can fail half way: every operation is
 * checked first (a *_check function, or the checks at the top of the
 * call) and then carried out completely.
 *
 * Words (docs/bank.md says why each is so):
 *   object    a bank or a heap the server keeps a record for, named by an
 *             index (1 .. BANK_MAX_OBJECTS - 1) and a generation that
 *             changes each time the index is reused, so a stale name is
 *             recognised as such.
 *   charged   a bank's frames: those it bought, the pages of the heaps it
 *             funds, its bookkeeping pages, and all of its descendants'.
 *             Every purchase is charged to the bank and all its ancestors.
 *   limit     the most a bank may have charged; a purchase must fit under
 *             every limit along the chain to the root (the effective limit
 *             is the smallest room along it). A limit may be set below
 *             what is charged: then nothing more can be bought there.
 *   objects   the records the server holds for a bank (its heaps, its
 *             children): a quota moved from parent to child when the child
 *             is made (Genode-style), so no bank can use up another's.
 *
 * Frame states: ABSENT (not the server's: the kernel's, a module, another
 * task's at hand-over), FREE, SOLD (bought through a bank, named by the
 * bank), HEAP (a page of a heap, named by the heap), BOOKKEEPING (a page of
 * a bank's own kernel heap: the heap objects and records the server made
 * for that bank's requests), SERVER (the bank server's own, fixed at
 * start). Only FREE frames are in the free map.
 */
#ifndef SERVERS_BANK_BANK_TREE_H
#define SERVERS_BANK_BANK_TREE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define BANK_MAX_OBJECTS   1024u          /* object indexes 1 .. 1023; 0 names nothing */
#define BANK_INDEX_BITS    10u
#define BANK_GENERATION_BITS 18u          /* a name is generation << BANK_INDEX_BITS | index */
#define BANK_MAX_DEPTH     16u            /* the root has depth 0 */
#define BANK_UNLIMITED     0xffffffffu
#define BANK_NO_FRAME      0xffffffffu

enum bank_status {
    BANK_TREE_OK = 0,
    BANK_TREE_LIMIT = -1,          /* the purchase does not fit under a limit along the chain */
    BANK_TREE_NO_FRAMES = -2,      /* the server has fewer free frames than asked */
    BANK_TREE_FRAGMENTED = -3,     /* enough free frames, but no run of them long enough */
    BANK_TREE_NO_OBJECTS = -4,     /* the bank's object quota is used up */
    BANK_TREE_TOO_DEEP = -5,       /* a child would be deeper than BANK_MAX_DEPTH */
    BANK_TREE_STALE = -6,          /* the name is of a destroyed object (or was never made) */
    BANK_TREE_NOT_HERE = -7,       /* a frame that this bank did not sell */
    BANK_TREE_ROOT = -8,           /* the root bank cannot be destroyed */
    BANK_TREE_ARGUMENT = -9,       /* a count of 0, a range past the frames, a kind mismatch */
};

enum bank_frame_state {
    BANK_FRAME_ABSENT = 0,
    BANK_FRAME_FREE,
    BANK_FRAME_SOLD,
    BANK_FRAME_HEAP,
    BANK_FRAME_BOOKKEEPING,
    BANK_FRAME_SERVER,
    BANK_FRAME_STATES
};

enum bank_object_kind { BANK_OBJECT_NONE = 0, BANK_OBJECT_BANK, BANK_OBJECT_HEAP };

/* What bank_frame_owner answers. */
enum bank_frame_origin { BANK_FROM_NOWHERE = 0, BANK_FROM_HERE = 1, BANK_FROM_BELOW = 2 };

/* One frame of the ledger: 12 bytes. The list links chain the frames an object holds. */
struct bank_frame {
    uint8_t state;                 /* enum bank_frame_state */
    uint8_t unused;
    uint16_t owner;                /* SOLD, BOOKKEEPING: the bank; HEAP: the heap */
    uint32_t next, prev;           /* in the owner's list; BANK_NO_FRAME ends it */
};

/* What a bank has been charged for directly (not counting its descendants). */
struct bank_own {
    uint32_t sold;                 /* frames bought and not returned */
    uint32_t heap_pages;           /* pages of the heaps it funds */
    uint32_t bookkeeping;          /* pages of its own kernel heap */
};

/* Counted since the bank was made. */
struct bank_history {
    uint32_t bought, returned;             /* frames */
    uint32_t heap_pages_given, heap_pages_back;
    uint32_t refused;                      /* purchases and heap faults refused for the limit */
    uint32_t unclaimed;                    /* purchases and donations undone: the reply was not taken */
};

struct bank_object {
    uint8_t kind;                  /* enum bank_object_kind */
    uint8_t depth;                 /* banks: 0 for the root */
    uint16_t parent;               /* banks: the parent (0 for the root); heaps: the bank funding it */
    uint32_t generation;           /* changes each time the index is given out */
    uint16_t first_child;          /* banks: children, linked by next_sibling */
    uint16_t first_heap;           /* banks: heaps, linked by next_sibling */
    uint16_t next_sibling;
    uint16_t unused;
    uint32_t first_frame;          /* the frames this object holds (SOLD and BOOKKEEPING, or HEAP) */
    uint32_t frames;               /* how many: heaps: their pages */
    /* Banks only. */
    uint32_t limit;
    uint32_t charged;              /* own + every descendant's */
    struct bank_own own;
    uint32_t object_quota;         /* records it may hold: its heaps, its children and their quotas */
    uint32_t objects_used;
    struct bank_history history;
    /* Heaps only: their settings, as the server last set them. */
    uint32_t low_water, high_water, timeout;
    uint32_t faults_served, faults_refused;
};

struct bank_ledger {
    uint32_t frame_count;          /* frames 0 .. frame_count - 1 */
    struct bank_frame *frames;     /* frame_count entries */
    uint32_t *free_map;            /* a bit per frame, set when FREE */
    uint32_t free_frames;
    uint32_t by_state[BANK_FRAME_STATES];
    uint32_t cursor;               /* where the next search for free frames starts */
    uint32_t root;                 /* index of the root bank, 0 before it is made */
    uint32_t next_index;           /* where the search for an unused index starts (round robin) */
    uint32_t objects_live;
    struct bank_object objects[BANK_MAX_OBJECTS];
};

/* Bytes of frame entries and of free map a ledger of frame_count frames needs. */
size_t ledger_frames_size(uint32_t frame_count);
size_t ledger_map_size(uint32_t frame_count);

/* Every frame ABSENT, no objects. frames and free_map must have the sizes above. */
void ledger_init(struct bank_ledger *ledger, uint32_t frame_count, struct bank_frame *frames,
                      uint32_t *free_map);

/* At start: an ABSENT frame becomes FREE, or the server's own. */
int ledger_add_free(struct bank_ledger *ledger, uint32_t frame);
int ledger_add_server(struct bank_ledger *ledger, uint32_t frame);
/* A FREE frame the server takes for itself (its own heap, its ledger pages). */
int ledger_take_for_server(struct bank_ledger *ledger, uint32_t frame);

/* ---- names ---------------------------------------------------------------- */

/* An object's name: its index and generation in one word, as badges and heap handles carry it. */
uint32_t ledger_object_name(const struct bank_ledger *ledger, uint32_t index);
uint32_t ledger_name_index(uint32_t name);
uint32_t ledger_name_generation(uint32_t name);
/* The index a name names if that object is live and of `kind`; 0 otherwise. */
uint32_t ledger_lookup(const struct bank_ledger *ledger, uint32_t name, enum bank_object_kind kind);
const struct bank_object *ledger_object(const struct bank_ledger *ledger, uint32_t index);

/* ---- the tree ---------------------------------------------------------- */

/* The root: limit in frames, and every object record there is. Only once. */
int ledger_create_root(struct bank_ledger *ledger, uint32_t limit, uint32_t *root);
/* A child of `parent` with its own limit and an object quota moved from the parent's (plus one for itself). */
int ledger_create_child(struct bank_ledger *ledger, uint32_t parent, uint32_t limit, uint32_t objects,
                      uint32_t *child);
void ledger_set_limit(struct bank_ledger *ledger, uint32_t bank, uint32_t limit);
/* The smallest limit along the chain. */
uint32_t ledger_effective_limit(const struct bank_ledger *ledger, uint32_t bank);
/* What the bank could be charged now: the smallest room along the chain, and no more than is free. */
uint32_t ledger_available(const struct bank_ledger *ledger, uint32_t bank);
/* Whether `count` more frames fit under every limit along the chain (BANK_TREE_OK or BANK_TREE_LIMIT). */
int ledger_charge_check(const struct bank_ledger *ledger, uint32_t bank, uint32_t count);
/* Whether `ancestor` is `bank` or above it. */
bool ledger_is_ancestor(const struct bank_ledger *ledger, uint32_t ancestor, uint32_t bank);
/* Counts a refused purchase or heap fault, or an unclaimed reply, in the bank's history. */
void ledger_note_refusal(struct bank_ledger *ledger, uint32_t bank);
void ledger_note_unclaimed(struct bank_ledger *ledger, uint32_t bank);

/* ---- frames -------------------------------------------------------------- */

/*
 * A run of FREE frames, at least `min` and at most `max` long, found from
 * the cursor on (next fit); nothing changes. BANK_TREE_NO_FRAMES when fewer
 * than `min` are free at all, BANK_TREE_FRAGMENTED when no run is long enough.
 */
int ledger_find_run(struct bank_ledger *ledger, uint32_t min, uint32_t max, uint32_t *first, uint32_t *count);

/* FREE -> SOLD to `bank`, charged to it and its ancestors; the caller checked the charge and the frames. */
void ledger_sell(struct bank_ledger *ledger, uint32_t bank, uint32_t first, uint32_t count);
/* Whether frames first .. first + count - 1 were all sold by `bank` itself (BANK_TREE_OK or BANK_TREE_NOT_HERE). */
int ledger_return_check(const struct bank_ledger *ledger, uint32_t bank, uint32_t first, uint32_t count);
/* SOLD -> FREE, uncharged. */
void ledger_return(struct bank_ledger *ledger, uint32_t bank, uint32_t first, uint32_t count);
/* Where a frame came from, seen from `bank`: sold by it, by a descendant, or neither. */
enum bank_frame_origin ledger_frame_origin(const struct bank_ledger *ledger, uint32_t bank, uint32_t frame);

/* FREE -> HEAP of `heap` (charged to its bank), or BOOKKEEPING of `bank`. Checked by the caller. */
void ledger_donate(struct bank_ledger *ledger, uint32_t heap, uint32_t first, uint32_t count);
void ledger_bookkeeping(struct bank_ledger *ledger, uint32_t bank, uint32_t first, uint32_t count);
/* A HEAP or BOOKKEEPING frame the kernel gave back (a reclaim): FREE again, uncharged. */
int ledger_frame_back(struct bank_ledger *ledger, uint32_t frame);

const struct bank_frame *ledger_frame(const struct bank_ledger *ledger, uint32_t frame);
/* The frames an object holds: the first, then the next after `frame`; BANK_NO_FRAME at the end. */
uint32_t ledger_first_frame(const struct bank_ledger *ledger, uint32_t index);
uint32_t ledger_next_frame(const struct bank_ledger *ledger, uint32_t frame);

/* ---- heaps --------------------------------------------------------------- */

/* A heap record funded by `bank`: one object of its quota. */
int ledger_heap_create(struct bank_ledger *ledger, uint32_t bank, uint32_t *heap);
/* The heap was destroyed in the kernel: its pages are FREE again, its record gone. */
void ledger_heap_destroy(struct bank_ledger *ledger, uint32_t heap);

/* ---- destroy ------------------------------------------------------------- */

/*
 * The banks of a subtree in preorder: the first is `bank` itself, then
 * ledger_subtree_next(..., previous) until 0. Stable while nothing changes.
 */
uint32_t ledger_subtree_next(const struct bank_ledger *ledger, uint32_t top, uint32_t previous);

/*
 * The kernel has revoked every mapping of the subtree's SOLD frames and
 * destroyed its heaps: every frame of the subtree is FREE again, every
 * record gone, the charges taken off the ancestors, the objects given back
 * to the parent's quota. BANK_TREE_ROOT for the root.
 */
int ledger_destroy(struct bank_ledger *ledger, uint32_t bank);

/* ---- checking ------------------------------------------------------------ */

/*
 * Every invariant, from scratch: states counted, the free map equal to the
 * FREE frames, each list well formed and holding exactly its owner's
 * frames, every charge equal to the sum it stands for, quotas, the tree's
 * links and depths. true if all hold; else `why` says the first broken one.
 */
bool ledger_check(const struct bank_ledger *ledger, const char **why);

#endif /* SERVERS_BANK_BANK_TREE_H */
