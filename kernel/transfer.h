/*
 * transfer.h — the typed items of a message: capabilities and memory
 * (flexpages) passed by COPY, REVOCABLE COPY or GRANT through the mapping
 * database (layout in bursar/message.h, rules in docs/abi.md §5).
 *
 * A message's items are all-or-nothing: transfer_check looks at every item,
 * the receiver's windows and what each heap must pay, and changes nothing;
 * only when it passes does transfer_commit move the authority, and then
 * nothing can fail.
 */
#ifndef KERNEL_TRANSFER_H
#define KERNEL_TRANSFER_H

#include <stdbool.h>
#include <stdint.h>

#include "bursar/message.h"

struct thread;
struct message;
struct cap_slot;

struct transfer_item {
    uint8_t kind, mode, rights, log2_size;    /* BURSAR_ITEM_*, enum bursar_transfer_mode */
    struct cap_slot *source, *destination;     /* capability: the two slots */
    uint32_t source_index;                     /* capability: the sender's slot number */
    uint32_t destination_index;                /* capability: the receiver's slot number */
    uint32_t badge;                            /* capability: what the item asked for (0: keep) */
    uint32_t from, to, pages;                  /* memory: sender's and receiver's base, pages */
};

struct transfer_plan {
    uint32_t count;
    uint32_t pages;                            /* of all memory items together */
    uint32_t new_tables;                       /* page tables the receiver needs (known with the receiver) */
    struct transfer_item items[BURSAR_MAX_TYPED_ITEMS];
};

/*
 * Check the items of `message` from `sender`. With receiver NULL only what
 * depends on the sender (item words, its slots, its mappings): the system
 * call does that before anything blocks. With a receiver, everything, and
 * the plan says what to do. Returns BURSAR_OK or the error for the sender;
 * either way nothing has changed.
 */
int transfer_check(struct thread *sender, struct thread *receiver, const struct message *message,
                   struct transfer_plan *plan);
/*
 * The receiver's half of the check for a plan transfer_check(sender, NULL,
 * ...) made, with windows the kernel chooses instead of the receiver's UTCB
 * (a pager's reply to a page fault, kernel/user_faults.c).
 */
struct transfer_windows {
    uint32_t capabilities, memory;              /* as in struct bursar_utcb */
};
int transfer_check_placed(struct thread *sender, struct thread *receiver, const struct transfer_windows *windows,
                          struct transfer_plan *plan);
/*
 * A message with at most this many pages in its memory items has them
 * checked by transfer_check; it moves at once, with no point, if it needs
 * no new page table: 4 pages fit one interrupt-off window of under 5 000
 * instructions with the system call around them, a page table alone takes
 * most of one (docs/benchmarks.md, "Interrupt-off windows"). Any other
 * message has its pages checked as they move, with preemption points
 * between them (transfer.c).
 */
#define TRANSFER_PAGES_AT_ONCE 4u
static inline bool transfer_checks_pages(const struct transfer_plan *plan)
{
    return plan->pages <= TRANSFER_PAGES_AT_ONCE;
}
/* Will transfer_commit pass preemption points (so the receiver must be held: ipc.c)? */
static inline bool transfer_passes_points(const struct transfer_plan *plan)
{
    return plan->pages > TRANSFER_PAGES_AT_ONCE || plan->new_tables > 0;
}
/*
 * Carry out a checked plan, and write what the receiver got into its
 * message (MR0/MR1 in `delivered`, the rest in its UTCB); with `delivered`
 * NULL, write nothing back (the receiver is not receiving a message).
 * The memory items go first, page by page. A plan that does not pass
 * points was checked in full by transfer_check and moves with no point
 * and no failure. One that does has each page checked as it moves, with
 * preemption points between pages, and the capability items checked again
 * after a point. On a failure every page moved is taken back and the
 * error returned: nothing moved. The caller holds the receiver (ipc.c)
 * and pins its task while points may come.
 */
int transfer_commit(struct thread *sender, struct thread *receiver, struct transfer_plan *plan,
                    struct message *delivered);

#endif /* KERNEL_TRANSFER_H */
