/*
 * bank_server.h — what the space bank server's files share: its capability
 * slots and address space, the badges it hands out, the state of a
 * request whose outcome depends on the client taking the reply, and the
 * kernel-facing helpers each file uses. docs/bank.md explains the design.
 *
 *   main.c      start-up (finding its frames, the ledger, its own heap) and
 *               the loop: receive, dispatch, reply, then commit or undo
 *   requests.c  the protocol's operations on banks and frames
 *   heaps.c     the heaps a bank funds: creating, funding, reclaiming,
 *               destroying them, their faults, and each bank's own
 *               bookkeeping heap
 *   bank_tree.c the bookkeeping (no system calls; host-tested)
 */
#ifndef SERVERS_BANK_BANK_SERVER_H
#define SERVERS_BANK_BANK_SERVER_H

#include <stdbool.h>
#include <stdint.h>

#include "libl4/bank.h"
#include "libl4/server.h"
#include "servers/bank/bank_tree.h"

/* Own capability slots. The memory capability and the endpoint come from the start information. */
enum {
    SLOT_REPLY = 8,              /* the reply object the loop answers through */
    SLOT_OUTGOING = 9,           /* a capability minted for one reply (a bank, a heap channel) */
    SLOT_WINDOW = 10,            /* where a request's capability item lands (verify's candidate) */
    SLOT_OBJECTS = 16,           /* slot SLOT_OBJECTS + index: a bank's bookkeeping heap, or a heap */
};
#define BANK_SERVER_SLOTS (SLOT_OBJECTS + BANK_MAX_OBJECTS)
_Static_assert(BANK_SERVER_SLOTS <= L4_BANK_SERVER_SLOTS, "libl4/bank.c gives the server enough slots");

/* Own address space. */
#define LEDGER_AREA   0x10000000u        /* the ledger's frame entries and free map */
#define STAGING_AREA  0x20000000u        /* frames on their way to a buyer: 4 MiB, one page table */
#define STAGING_ANCHOR (STAGING_AREA + 0x3ff000u)   /* a page kept mapped so that table stays */

/* Free pages the server keeps in its own task's heap, funded directly (it has no bank). */
#define OWN_HEAP_LOW 4u

/*
 * Badges: a bank capability carries the bank's name and its restrictions;
 * a heap's fault channel (the capability its BANK setting holds, which
 * only the kernel has) carries the heap's name and the channel bit.
 */
#define BADGE_RESTRICTION_SHIFT BANK_INDEX_BITS
#define BADGE_CHANNEL           (1u << (BANK_INDEX_BITS + 3))
#define BADGE_GENERATION_SHIFT  (BANK_INDEX_BITS + 4)
_Static_assert(BANK_RESTRICTIONS < 8, "three bits of restrictions");
_Static_assert(BADGE_GENERATION_SHIFT + BANK_GENERATION_BITS == 32, "a badge is one word");

uint32_t badge_of(uint32_t name, uint32_t restrictions, bool channel);
uint32_t badge_name(uint32_t badge);
uint32_t badge_restrictions(uint32_t badge);
bool badge_is_channel(uint32_t badge);

/* What a request asks of the bank's capability: each restriction refuses some classes. */
enum permission {
    ALLOW_BUY,                   /* buy frames, create and fund heaps: every capability */
    ALLOW_MANAGE,                /* return, read, make children, the payer's heap operations: not BUY_ONLY */
    ALLOW_LIMITS,                /* set the limit: not NO_LIMITS, not BUY_ONLY */
    ALLOW_DESTROY,               /* destroy: not NO_DESTROY, not BUY_ONLY */
};

/*
 * A reply whose outcome matters: frames granted to a buyer, frames a heap
 * fault's reply donates, or the only capability to a new heap or bank. The
 * loop commits a sale or donation to the ledger when the client took the
 * reply; otherwise it undoes it, and a heap or bank nobody can reach is
 * destroyed again: a reply not taken changes nothing.
 */
enum pending_kind { PENDING_NONE, PENDING_SALE, PENDING_DONATION, PENDING_HEAP, PENDING_CHILD, PENDING_ROOT };
struct pending {
    enum pending_kind kind;
    uint32_t owner;              /* the bank (sale) or heap (donation) */
    uint32_t first, count;
};

struct bank_server {
    struct bank_ledger ledger;
    struct l4_server server;     /* libl4's dispatch; the loop is main.c's own */
    unsigned memory, endpoint;   /* own slots, from the start information */
    uint32_t root;
    bool root_given;
    struct pending pending;
    bool outgoing_used;          /* SLOT_OUTGOING holds a minted capability to delete after the reply */
};

extern struct bank_server bank;

/* ---- requests.c ---- */
extern const struct bank_handlers bank_request_handlers;
/* The bank a request's capability names, if it allows `permission`; else the error to answer. */
int request_bank(const struct l4_request *request, enum permission permission, uint32_t *index);
/* Destroys a bank and its subtree, in the kernel and the ledger (not the root). */
int destroy_bank_now(uint32_t index);
/* A capability to `name` with `restrictions` (or its fault channel) in SLOT_OUTGOING. */
int mint(uint32_t name, uint32_t restrictions, bool channel, unsigned rights);
/* The ledger's refusals as the protocol's errors. */
int protocol_error(int tree_status);

/* ---- heaps.c ---- */
int heap_create(struct l4_request *request, uint32_t pages, uint32_t low, uint32_t high, uint32_t timeout,
                uint32_t *handle, unsigned *heap);
int heap_fund(struct l4_request *request, uint32_t handle, uint32_t pages);
int heap_reclaim(struct l4_request *request, uint32_t handle, uint32_t pages, uint32_t *returned,
                 uint32_t *moved, uint32_t *destroyed);
int heap_destroy(struct l4_request *request, uint32_t handle, uint32_t *pages);
int heap_configure(struct l4_request *request, uint32_t handle, uint32_t low, uint32_t high, uint32_t timeout);
int heap_stats(struct l4_request *request, uint32_t handle, uint32_t *pages, uint32_t *faults_served,
               uint32_t *faults_refused, uint32_t *low, uint32_t *high, uint32_t *timeout);
/* A heap fault (label BURSAR_LABEL_HEAP_FAULT) from the kernel on a faulting thread's behalf. */
void heap_fault(struct l4_request *request);
/* Room in bank's bookkeeping heap for one more heap object, buying a page for it if need be. */
int bookkeeping_room(uint32_t bank_index);
/* Gives the free pages of a bank's bookkeeping heap back (after a heap object in it went). */
void bookkeeping_shrink(uint32_t bank_index);
/* Frames of `object` the kernel has given back (a reclaim): FREE again in the ledger. */
void reconcile(uint32_t object);
/*
 * The payer holds its heap with CONTROL and may reclaim or destroy it
 * through the kernel: the ledger catches up here. A heap: whether it still
 * exists (if not, its record goes and its frames are free again) and which
 * pages came back. A subtree of banks, or every heap there is.
 */
bool sync_heap(uint32_t heap_index);
void sync_subtree(uint32_t bank_index);
void sync_all(void);
/* ledger_charge_check and ledger_find_run, catching up with the kernel once before refusing. */
int charge_check(uint32_t bank_index, uint32_t count);
int find_frames(uint32_t min, uint32_t max, uint32_t *first, uint32_t *count);
/* Destroys a heap in the kernel and the ledger. 0 or the kernel's refusal (then nothing changed). */
int destroy_heap_now(uint32_t heap_index);
/* Donates `pages` free frames to a heap now, charged to its bank (checked by the caller). */
int donate_now(uint32_t heap_index, unsigned slot, uint32_t pages);

static inline unsigned object_slot(uint32_t index)
{
    return SLOT_OBJECTS + index;
}

#endif /* SERVERS_BANK_BANK_SERVER_H */
