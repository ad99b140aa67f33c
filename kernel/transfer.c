/*
 * transfer.c — typed message items: capabilities and memory passed by
 * COPY, REVOCABLE COPY or GRANT (docs/design.md §4, docs/abi.md §5).
 *
 * Who pays: a capability COPY or GRANT allocates nothing; a capability
 * REVOCABLE COPY takes one record from the sender's heap; memory REVOCABLE
 * COPY (L4 map) one record per page from the sender's heap; memory COPY one
 * record per page from the receiver's heap; memory GRANT moves the record.
 * New page tables are the receiver's. The receiver never waits on anybody's
 * bank: what it pays for must already be free in its heap, otherwise the
 * item is refused (BURSAR_E_RECEIVER_HEAP_EMPTY).
 *
 * transfer_check looks at every item, for all items together, in work that
 * grows with the number of items only: forms, the sender's slots, the
 * windows, what each heap must pay. The pages themselves (each mapped in
 * the sender with the rights, each free in the receiver) are looked at
 * there too when the message has at most TRANSFER_PAGES_AT_ONCE of them;
 * then a refused message changes nothing on either side, and
 * transfer_commit moves everything in one go. A message with more pages
 * has them checked as they move: transfer_commit passes preemption points
 * between pages, checks each page as it moves it, and on a failure takes
 * back every page it moved (docs/abi.md §5, "Large memory items").
 */
#include "bursar/errors.h"
#include "bursar/syscall.h"
#include "bursar/utcb.h"
#include "kernel/console.h"
#include "kernel/cspace.h"
#include "kernel/heap.h"
#include "kernel/ipc.h"
#include "kernel/machine.h"
#include "kernel/memory.h"
#include "kernel/preempt.h"
#include "kernel/task.h"
#include "kernel/thread.h"
#include "kernel/transfer.h"

#define MEMORY_RIGHTS (BURSAR_RIGHT_READ | BURSAR_RIGHT_WRITE)

/* Message register i of a message: MR0 and MR1 travel in registers, the rest in the UTCB. */
static uint32_t message_word(const struct message *message, const struct bursar_utcb *utcb, uint32_t i)
{
    return i == 0 ? message->mr0 : i == 1 ? message->mr1 : utcb->mr[i];
}

static void set_message_word(struct message *message, struct bursar_utcb *utcb, uint32_t i, uint32_t value)
{
    if (i == 0)
        message->mr0 = value;
    else if (i == 1)
        message->mr1 = value;
    else
        utcb->mr[i] = value;
}

static uint32_t first_item_register(uint32_t tag)
{
    return BURSAR_TAG_UNTYPED(tag);
}

/* ---- the sender's side ---- */

static int check_capability_item(struct thread *sender, uint32_t word, uint32_t badge, struct transfer_item *item)
{
    int error = BURSAR_OK;

    if (word & BURSAR_ITEM_CAPABILITY_RESERVED)
        return -BURSAR_E_INVALID_ARGUMENT;
    /* Passing a capability on needs its GRANT right, as SYS_CAP_COPY into another space does. */
    item->source_index = BURSAR_ITEM_SLOT(word);
    item->source = cspace_lookup(&sender->task->cspace, item->source_index, BURSAR_OBJECT_NONE,
                                 BURSAR_RIGHT_GRANT, &error);
    if (!item->source)
        return error;
    item->badge = badge;
    return cap_check_derivation(item->source, item->rights, badge);
}

/* The flexpage's form; its pages are looked at by check_pages or as they move. */
static int check_memory_item(uint32_t word, uint32_t base, struct transfer_item *item)
{
    uint32_t log2 = BURSAR_ITEM_LOG2_SIZE(word), size;

    if ((word & BURSAR_ITEM_MEMORY_RESERVED) || log2 < BURSAR_ITEM_MEMORY_MIN_LOG2 ||
        log2 > BURSAR_ITEM_MEMORY_MAX_LOG2 || !(item->rights & BURSAR_RIGHT_READ) ||
        (item->rights & ~MEMORY_RIGHTS))
        return -BURSAR_E_INVALID_ARGUMENT;
    size = 1u << log2;
    if (base & (size - 1))
        return -BURSAR_E_MISALIGNED;
    if (base < MACHINE_PAGE_SIZE || base >= MACHINE_USER_TOP || MACHINE_USER_TOP - base < size)
        return -BURSAR_E_INVALID_ADDRESS;
    item->log2_size = (uint8_t)log2;
    item->from = base;
    item->pages = size / MACHINE_PAGE_SIZE;
    return BURSAR_OK;
}

/* Every page of the flexpage mapped in the sender, with the rights the item passes on. */
static int check_source_pages(struct thread *sender, const struct transfer_item *item)
{
    for (uint32_t i = 0; i < item->pages; i++) {
        int error = memory_transfer_source_check(sender->task, item->from + i * MACHINE_PAGE_SIZE, item->rights,
                                                 item->mode);
        if (error != BURSAR_OK)
            return error;
    }
    return BURSAR_OK;
}

static int decode_item(struct thread *sender, uint32_t word, uint32_t second, struct transfer_item *item)
{
    *item = (struct transfer_item){ .kind = (uint8_t)BURSAR_ITEM_KIND(word),
                                    .mode = (uint8_t)BURSAR_ITEM_MODE(word),
                                    .rights = (uint8_t)BURSAR_ITEM_RIGHTS(word) };
    if (item->mode > BURSAR_GRANT)
        return -BURSAR_E_INVALID_ARGUMENT;
    switch (item->kind) {
    case BURSAR_ITEM_CAPABILITY:
        return check_capability_item(sender, word, second, item);
    case BURSAR_ITEM_MEMORY:
        return check_memory_item(word, second, item);
    default:
        return -BURSAR_E_INVALID_ARGUMENT;
    }
}

static bool ranges_overlap(uint32_t a, uint32_t a_pages, uint32_t b, uint32_t b_pages)
{
    return a < b + b_pages * MACHINE_PAGE_SIZE && b < a + a_pages * MACHINE_PAGE_SIZE;
}

/* A GRANT gives its source away: no other item of the message may use that source too. */
static bool sources_conflict(const struct transfer_item *a, const struct transfer_item *b)
{
    if (a->kind != b->kind || (a->mode != BURSAR_GRANT && b->mode != BURSAR_GRANT))
        return false;
    if (a->kind == BURSAR_ITEM_CAPABILITY)
        return a->source == b->source;
    return ranges_overlap(a->from, a->pages, b->from, b->pages);
}

/* ---- the receiver's side ---- */

/* The capability window: the k-th capability item goes to slot first + k. */
static int place_capability(struct thread *receiver, uint32_t window, uint32_t k, struct transfer_item *item)
{
    int error = BURSAR_OK;

    if (k >= BURSAR_CAPABILITY_WINDOW_COUNT(window))
        return -BURSAR_E_NO_RECEIVE_WINDOW;
    item->destination_index = BURSAR_CAPABILITY_WINDOW_FIRST(window) + k;
    item->destination = cspace_empty_slot(&receiver->task->cspace, item->destination_index, &error);
    if (!item->destination)
        return error == -BURSAR_E_INVALID_CAPABILITY ? -BURSAR_E_NO_RECEIVE_WINDOW : error;
    return BURSAR_OK;
}

/* The memory window: an item based at b lands at window base + (b mod window size). */
static int place_memory(uint32_t window, struct transfer_item *item)
{
    uint32_t log2 = BURSAR_MEMORY_WINDOW_LOG2(window), base = BURSAR_MEMORY_WINDOW_BASE(window), size;

    if (window == 0 || log2 < item->log2_size || log2 > 31)
        return -BURSAR_E_NO_RECEIVE_WINDOW;
    size = 1u << log2;
    if ((base & (size - 1)) || base < MACHINE_PAGE_SIZE || base >= MACHINE_USER_TOP ||
        MACHINE_USER_TOP - base < size)
        return -BURSAR_E_NO_RECEIVE_WINDOW;        /* not a window in user space */
    item->to = base + (item->from & (size - 1));
    return BURSAR_OK;
}

/* Every page the flexpage lands on free in the receiver. */
static int check_destination_pages(struct thread *receiver, const struct transfer_item *item)
{
    for (uint32_t i = 0; i < item->pages; i++)
        if (memory_mapping_record(receiver->task, item->to + i * MACHINE_PAGE_SIZE))
            return -BURSAR_E_ALREADY_MAPPED;
    return BURSAR_OK;
}

/*
 * An item is aligned to its size, at most a page table's reach
 * (BURSAR_ITEM_MEMORY_MAX_LOG2 = 22), so it lands under one directory entry:
 * one look per item, however many pages it has.
 */
_Static_assert((1u << BURSAR_ITEM_MEMORY_MAX_LOG2) <= MACHINE_LARGE_PAGE, "an item lies under one page table");

/* Page tables the receiver lacks under the memory items' destinations (two items may share one). */
static uint32_t count_new_tables(struct thread *receiver, const struct transfer_plan *plan)
{
    uint32_t tables = 0;

    for (uint32_t n = 0; n < plan->count; n++) {
        const struct transfer_item *item = &plan->items[n];
        bool counted = false;
        if (item->kind != BURSAR_ITEM_MEMORY || memory_has_page_table(receiver->task, item->to))
            continue;
        /* At most BURSAR_MAX_TYPED_ITEMS items: looking back is cheaper than a bitmap of directory entries. */
        for (uint32_t m = 0; m < n && !counted; m++)
            counted = plan->items[m].kind == BURSAR_ITEM_MEMORY &&
                      plan->items[m].to / MACHINE_LARGE_PAGE == item->to / MACHINE_LARGE_PAGE;
        tables += counted ? 0 : 1;
    }
    return tables;
}

/* Does `heap` have `records` records and `tables` page tables (each with its shadow), together? */
static bool heap_pays(const struct heap *heap, uint32_t records, uint32_t tables, uint32_t counts[BURSAR_HEAP_KIND_COUNT])
{
    for (uint32_t kind = 0; kind < BURSAR_HEAP_KIND_COUNT; kind++)
        counts[kind] = 0;
    counts[BURSAR_HEAP_RECORD] = records;
    counts[BURSAR_HEAP_PAGE_TABLE] = tables;
    counts[BURSAR_HEAP_SHADOW] = tables;
    return heap_can_allocate_all(heap, counts);
}

/*
 * What each heap must pay: records by mode, and page tables (with their
 * shadows) for the receiver. A heap asked for nothing is not asked (most
 * messages: a REVOCABLE COPY asks the sender's heap only).
 */
static int check_payers(struct thread *sender, struct thread *receiver, struct transfer_plan *plan)
{
    struct heap *sender_heap = sender->task->header.payer, *receiver_heap = receiver->task->header.payer;
    uint32_t sender_records = 0, receiver_records = 0, counts[BURSAR_HEAP_KIND_COUNT];
    bool memory = false;

    for (uint32_t n = 0; n < plan->count; n++) {
        const struct transfer_item *item = &plan->items[n];
        uint32_t records = item->kind == BURSAR_ITEM_MEMORY ? item->pages : 1;
        memory |= item->kind == BURSAR_ITEM_MEMORY;
        if (item->mode == BURSAR_REVOCABLE_COPY)
            sender_records += records;
        else if (item->mode == BURSAR_COPY && item->kind == BURSAR_ITEM_MEMORY)
            receiver_records += records;
    }
    plan->new_tables = memory ? count_new_tables(receiver, plan) : 0;
    if ((receiver_records || plan->new_tables) &&
        !heap_pays(receiver_heap, receiver_records, plan->new_tables, counts))
        return -BURSAR_E_RECEIVER_HEAP_EMPTY;
    /* One heap paying for both sides pays for both together. */
    uint32_t sender_tables = sender_heap == receiver_heap ? plan->new_tables : 0;
    if (sender_heap == receiver_heap)
        sender_records += receiver_records;
    if ((!sender_records && !sender_tables) || heap_pays(sender_heap, sender_records, sender_tables, counts))
        return BURSAR_OK;
    /* The sender's own heap: a heap fault in the sender's context when it is back in its call (heap_fault.c). */
    heap_note_fault_all(sender, sender_heap, counts);
    return -BURSAR_E_OUT_OF_MEMORY;
}

static int place_items(struct thread *receiver, const struct transfer_windows *window, struct transfer_plan *plan)
{
    uint32_t capabilities = 0;

    for (uint32_t n = 0; n < plan->count; n++) {
        struct transfer_item *item = &plan->items[n];
        int error = item->kind == BURSAR_ITEM_CAPABILITY
                        ? place_capability(receiver, window->capabilities, capabilities++, item)
                        : place_memory(window->memory, item);
        if (error != BURSAR_OK)
            return error;
        /* Two memory items landing on one page: the second would find it mapped. */
        for (uint32_t m = 0; m < n; m++)
            if (item->kind == BURSAR_ITEM_MEMORY && plan->items[m].kind == BURSAR_ITEM_MEMORY &&
                ranges_overlap(item->to, item->pages, plan->items[m].to, plan->items[m].pages))
                return -BURSAR_E_ALREADY_MAPPED;
    }
    /* A message without memory items (plan->pages 0) has no pages to look at: no loop. */
    for (uint32_t n = 0; plan->pages && n < plan->count && transfer_checks_pages(plan); n++)
        if (plan->items[n].kind == BURSAR_ITEM_MEMORY) {
            int error = check_destination_pages(receiver, &plan->items[n]);
            if (error != BURSAR_OK)
                return error;
        }
    return BURSAR_OK;
}

/* What depends on the sender only: every item well formed and backed by its authority. */
static int check_sender_items(struct thread *sender, const struct message *message, struct transfer_plan *plan)
{
    uint32_t first = first_item_register(message->tag);
    const struct bursar_utcb *from = NULL;
    int error;

    plan->count = BURSAR_TAG_TYPED(message->tag);
    plan->pages = 0;
    plan->new_tables = 0;
    if (plan->count == 0)
        return BURSAR_OK;
    if (first + BURSAR_ITEM_WORDS * plan->count > BURSAR_REGISTER_WORDS) {
        from = ipc_utcb_of(sender, false);
        if (!from)
            return -BURSAR_E_NOT_MAPPED;
    }
    for (uint32_t n = 0; n < plan->count; n++) {
        uint32_t at = first + BURSAR_ITEM_WORDS * n;
        error = decode_item(sender, message_word(message, from, at), message_word(message, from, at + 1),
                            &plan->items[n]);
        if (error != BURSAR_OK)
            return error;
        if (plan->items[n].kind == BURSAR_ITEM_MEMORY)
            plan->pages += plan->items[n].pages;
        for (uint32_t m = 0; m < n; m++)
            if (sources_conflict(&plan->items[m], &plan->items[n]))
                return -BURSAR_E_INVALID_ARGUMENT;
    }
    /* Only once every item is decoded is it known whether the pages are checked here (plan->pages). */
    for (uint32_t n = 0; plan->pages && n < plan->count && transfer_checks_pages(plan); n++)
        if (plan->items[n].kind == BURSAR_ITEM_MEMORY) {
            error = check_source_pages(sender, &plan->items[n]);
            if (error != BURSAR_OK)
                return error;
        }
    return BURSAR_OK;
}

static int check_receiver_side(struct thread *sender, struct thread *receiver, const struct transfer_windows *windows,
                               struct transfer_plan *plan)
{
    int error = place_items(receiver, windows, plan);

    return error != BURSAR_OK ? error : check_payers(sender, receiver, plan);
}

/*
 * A check that leads to a commit with preemption points is counted (it may
 * be done twice: by a receiver, then by the sender it hands the message
 * to), so the first point comes before the first page if the two would
 * not fit in one window together.
 */
#define CHECK_UNITS_PER_ITEM 1u

static void charge_check(const struct transfer_plan *plan)
{
    /* (A plan whose pages are not checked here passes points: one test covers both.) */
    if (transfer_passes_points(plan))
        preempt_charge(CHECK_UNITS_PER_ITEM * plan->count);
}

int transfer_check(struct thread *sender, struct thread *receiver, const struct message *message,
                   struct transfer_plan *plan)
{
    const struct bursar_utcb *to;
    struct transfer_windows windows;
    int error = check_sender_items(sender, message, plan);

    if (error != BURSAR_OK || !receiver || plan->count == 0)
        return error;
    /* The windows are in the receiver's UTCB, which also takes the items back: no UTCB, no window. */
    to = ipc_utcb_of(receiver, true);
    if (!to)
        return -BURSAR_E_NO_RECEIVE_WINDOW;
    windows = (struct transfer_windows){ to->receive_capabilities, to->receive_memory };
    error = check_receiver_side(sender, receiver, &windows, plan);
    charge_check(plan);
    return error;
}

int transfer_check_placed(struct thread *sender, struct thread *receiver, const struct transfer_windows *windows,
                          struct transfer_plan *plan)
{
    int error = plan->count ? check_receiver_side(sender, receiver, windows, plan) : BURSAR_OK;

    charge_check(plan);
    return error;
}

/* ---- commit ---- */

static void commit_capability(struct thread *sender, const struct transfer_item *item)
{
    int status;

    switch (item->mode) {
    case BURSAR_COPY:
        status = cap_copy(item->source, item->destination, item->rights, item->badge);
        break;
    case BURSAR_REVOCABLE_COPY:
        status = cap_revocable_copy(item->source, item->destination, item->rights, item->badge,
                                    sender->task->header.payer);
        break;
    default:
        status = cap_grant(item->source, item->destination, item->rights, item->badge);
        break;
    }
    KERNEL_ASSERT(status == BURSAR_OK);
}

/*
 * May the transfer go on after a preemption point? Not if the thread doing
 * it was destroyed meanwhile (it never returns to user mode; its own task
 * may be gone, so nothing of it is touched), the receiver it holds was
 * killed, or either task is being destroyed.
 */
static int still_possible(struct thread *sender, struct task *receiving)
{
    if (preempt_destroyed() || current_thread->transfer_partner == NULL)
        return -BURSAR_E_DESTROYED;
    return sender->task->header.dying || receiving->header.dying ? -BURSAR_E_DESTROYED : BURSAR_OK;
}

/*
 * Take back every page moved so far: the first `items` memory items whole
 * and `pages` of the next. A page COPYed or REVOCABLE-COPYed goes with its
 * record (and whatever was derived from it meanwhile); a page GRANTed is
 * unmapped too: the sender gave it up, and the kernel cannot tell that
 * what is at the receiver's address is still the page it moved, so it
 * gives nothing back to the sender (docs/abi.md §5). A receiving task
 * being destroyed is left to its destroyer. Runs to its end even if the
 * thread doing it was destroyed meanwhile: the receiving task is pinned.
 */
static void take_back(const struct transfer_plan *plan, struct task *receiving, uint32_t items, uint32_t pages)
{
    for (uint32_t n = 0; n <= items && n < plan->count; n++) {
        const struct transfer_item *item = &plan->items[n];
        if (item->kind == BURSAR_ITEM_MEMORY)
            memory_take_back(receiving, item->to, n < items ? item->pages : pages);
    }
}

/*
 * The memory items of a plan transfer_check looked at in full (a few pages,
 * no new page table), with nothing between: no point, and no page can fail.
 */
static int move_memory_at_once(struct thread *sender, struct thread *receiver, const struct transfer_plan *plan)
{
    for (uint32_t n = 0; n < plan->count; n++) {
        const struct transfer_item *item = &plan->items[n];
        if (item->kind != BURSAR_ITEM_MEMORY)
            continue;
        for (uint32_t i = 0; i < item->pages; i++) {
            int status = memory_transfer_page(sender->task, item->from + i * MACHINE_PAGE_SIZE, receiver->task,
                                              item->to + i * MACHINE_PAGE_SIZE, item->rights, item->mode,
                                              sender->task->header.payer, true);
            if (status != BURSAR_OK) {
                take_back(plan, receiver->task, n, i);
                return status;
            }
        }
    }
    return BURSAR_OK;
}

/* The memory items, page by page, with preemption points between pages, each page checked as it moves. */
static int move_memory(struct thread *sender, struct thread *receiver, const struct transfer_plan *plan)
{
    struct task *receiving = receiver->task;
    struct heap *sender_heap = sender->task->header.payer;

    for (uint32_t n = 0; n < plan->count; n++) {
        const struct transfer_item *item = &plan->items[n];
        if (item->kind != BURSAR_ITEM_MEMORY)
            continue;
        for (uint32_t i = 0; i < item->pages; i++) {
            uint32_t from = item->from + i * MACHINE_PAGE_SIZE, to = item->to + i * MACHINE_PAGE_SIZE;
            int status = BURSAR_OK;
            if (preempt_before(memory_transfer_units(receiving, to)))
                status = still_possible(sender, receiving);
            if (status == BURSAR_OK)
                status = memory_transfer_page(sender->task, from, receiving, to, item->rights, item->mode,
                                              sender_heap, false);
            if (status != BURSAR_OK) {
                take_back(plan, receiving, n, i);
                return status;
            }
        }
    }
    /* What is left (the capability items, the words, the wake-up, the way out) gets a window of its own. */
    if (preempt_before(PREEMPT_CHUNK) && still_possible(sender, receiving) != BURSAR_OK) {
        take_back(plan, receiving, plan->count, 0);
        return -BURSAR_E_DESTROYED;
    }
    return BURSAR_OK;
}

/*
 * After preemption points, the capability items as transfer_check found
 * them may have changed: each source slot is looked up again, each window
 * slot must still be empty, and the sender's heap must still pay for the
 * REVOCABLE COPYs' records. No point comes between this and their commit.
 */
static int recheck_capabilities(struct thread *sender, struct thread *receiver, struct transfer_plan *plan)
{
    uint32_t records[BURSAR_HEAP_KIND_COUNT] = { 0 };

    for (uint32_t n = 0; n < plan->count; n++) {
        struct transfer_item *item = &plan->items[n];
        int error = BURSAR_OK;
        if (item->kind != BURSAR_ITEM_CAPABILITY)
            continue;
        item->source = cspace_lookup(&sender->task->cspace, item->source_index, BURSAR_OBJECT_NONE,
                                     BURSAR_RIGHT_GRANT, &error);
        if (!item->source)
            return error;
        error = cap_check_derivation(item->source, item->rights, item->badge);
        if (error != BURSAR_OK)
            return error;
        item->destination = cspace_empty_slot(&receiver->task->cspace, item->destination_index, &error);
        if (!item->destination)
            return error == -BURSAR_E_INVALID_CAPABILITY ? -BURSAR_E_NO_RECEIVE_WINDOW : error;
        if (item->mode == BURSAR_REVOCABLE_COPY)
            records[BURSAR_HEAP_RECORD]++;
    }
    /* Two items may not name one slot as both sources (sources_conflict) nor one window slot: unchanged. */
    return heap_can_allocate_all(sender->task->header.payer, records) ? BURSAR_OK : -BURSAR_E_OUT_OF_MEMORY;
}

/*
 * A plan that passes preemption points: its memory items move page by
 * page, and if a point came, the capability items are checked again.
 */
static __attribute__((noinline)) int commit_with_points(struct thread *sender, struct thread *receiver,
                                                         struct transfer_plan *plan)
{
    uint32_t points = preempt_statistics.points;
    int status = plan->pages ? move_memory(sender, receiver, plan) : BURSAR_OK;

    if (status != BURSAR_OK || preempt_statistics.points == points)
        return status;
    status = still_possible(sender, receiver->task);
    if (status == BURSAR_OK)
        status = recheck_capabilities(sender, receiver, plan);
    if (status != BURSAR_OK)
        take_back(plan, receiver->task, plan->count, 0);
    return status;
}

int transfer_commit(struct thread *sender, struct thread *receiver, struct transfer_plan *plan,
                    struct message *delivered)
{
    if (plan->count == 0)               /* most messages: nothing to work out */
        return BURSAR_OK;
    uint32_t first = delivered ? first_item_register(delivered->tag) : 0;
    struct task *receiving = receiver->task;
    struct bursar_utcb *to = NULL;
    int status = BURSAR_OK;

    /*
     * The two ways apart: the small messages (every capability-only one)
     * go the short way, without the points' bookkeeping, and the long way
     * (commit_with_points, kept out of line) does not weigh on them.
     */
    if (transfer_passes_points(plan))
        status = commit_with_points(sender, receiver, plan);
    else if (plan->pages)
        status = move_memory_at_once(sender, receiver, plan);
    if (status != BURSAR_OK)
        return status;
    /* Only items past MR1 go to the UTCB (transfer_check found it writable; after points, look again). */
    if (delivered && first + BURSAR_ITEM_WORDS * plan->count > BURSAR_REGISTER_WORDS) {
        to = ipc_utcb_of(receiver, true);
        if (!to) {
            take_back(plan, receiving, plan->count, 0);
            return -BURSAR_E_NOT_MAPPED;
        }
    }
    for (uint32_t n = 0; n < plan->count; n++) {
        const struct transfer_item *item = &plan->items[n];
        uint32_t at = first + BURSAR_ITEM_WORDS * n;
        if (item->kind == BURSAR_ITEM_CAPABILITY) {
            commit_capability(sender, item);
            if (!delivered)
                continue;
            set_message_word(delivered, to, at,
                             BURSAR_ITEM_CAPABILITY_WORD(item->destination_index, item->rights, item->mode));
            set_message_word(delivered, to, at + 1, item->destination->badge);
            continue;
        }
        if (!delivered)
            continue;
        set_message_word(delivered, to, at, BURSAR_ITEM_MEMORY_WORD(item->log2_size, item->rights, item->mode));
        set_message_word(delivered, to, at + 1, item->to);
    }
    return BURSAR_OK;
}
