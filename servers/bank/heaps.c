/*
 * heaps.c — the kernel heaps a bank funds, their faults, and each bank's
 * own bookkeeping heap.
 *
 * A heap a bank funds is a heap object in that bank's bookkeeping heap (so
 * the bank pays for the object itself), whose BANK setting is a capability
 * to the server's endpoint badged as that heap's fault channel: its faults
 * come here, named by the badge. The client gets the heap with every
 * right: it creates objects on it, reads it, lends charge-only copies, and
 * as its payer may reclaim or destroy it itself, through the kernel. Frames
 * only go into a heap through the bank (only the bank holds the memory
 * capability); when they come out behind its back, the ledger catches up
 * (sync_heap) before the bank reads a heap, reports a bank's figures or
 * refuses anything for want of room.
 *
 * A bank's bookkeeping heap has no bank: the server funds it directly,
 * before each object it makes there, so no thread of the server ever waits
 * on a heap fault (a bank never heap-faults to itself).
 */
#include "servers/bank/bank_server.h"

#include "libl4/l4.h"

#define MAX_FAULT_PAGES 2048u        /* what one fault may get: its need plus a high watermark of 1024 */
#define MAX_HEAP_PAGES 65536u        /* what one heap_create or heap_fund may ask for at once */
#define MAX_WATERMARK 1024u          /* the kernel's (SYS_HEAP_CONFIGURE) */
#define MAX_TIMEOUT_CODE 0xfffu

/* ---- frames in and out ------------------------------------------------------------ */

int donate_now(uint32_t heap_index, unsigned slot, uint32_t pages)
{
    while (pages > 0) {
        uint32_t first, count;
        /* A run of free frames, at most what one donation takes. */
        int error = find_frames(1, pages < BURSAR_HEAP_DONATE_MAX_FRAMES ? pages : BURSAR_HEAP_DONATE_MAX_FRAMES,
                                &first, &count);
        if (error != BANK_TREE_OK)
            return protocol_error(error);
        error = l4_heap_donate(slot, bank.memory, first, count);
        if (error)
            return error;
        ledger_donate(&bank.ledger, heap_index, first, count);
        pages -= count;
    }
    return 0;
}

/*
 * Which of the object's heap or bookkeeping frames the kernel has given
 * back (a reclaim returns pages without naming them): the kernel's state
 * bits, a window of frames at a time, say which are free again.
 */
void reconcile(uint32_t object)
{
    uint32_t bits[BURSAR_UTCB_INFO_WORDS], window = BANK_NO_FRAME;
    /* The kernel looks at every frame of a window: a narrow one for an object of few frames. */
    uint32_t width = ledger_object(&bank.ledger, object)->frames > 64 ? BURSAR_FRAME_STATE_MAX : 32;

    for (uint32_t f = ledger_first_frame(&bank.ledger, object), next; f != BANK_NO_FRAME; f = next) {
        uint8_t state = ledger_frame(&bank.ledger, f)->state;
        next = ledger_next_frame(&bank.ledger, f);
        if (state != BANK_FRAME_HEAP && state != BANK_FRAME_BOOKKEEPING)
            continue;
        if (window == BANK_NO_FRAME || f < window || f >= window + width) {
            window = f - f % width;
            if (l4_frame_state(bank.memory, window, width, bits, NULL, NULL) != 0)
                return;
        }
        if (bits[(f - window) / 32] >> ((f - window) % 32) & 1)
            ledger_frame_back(&bank.ledger, f);
    }
}

/* ---- catching up with the payer ------------------------------------------------------ */

bool sync_heap(uint32_t heap_index)
{
    struct bursar_heap_info info;
    uint32_t bank_index = ledger_object(&bank.ledger, heap_index)->parent;

    if (l4_heap_info(object_slot(heap_index), &info) != 0) {
        /* Destroyed by its payer: every page went back with it. */
        ledger_heap_destroy(&bank.ledger, heap_index);
        bookkeeping_shrink(bank_index);
        return false;
    }
    if (info.pages_held < ledger_object(&bank.ledger, heap_index)->frames)
        reconcile(heap_index);
    return true;
}

static void sync_bank(uint32_t bank_index)
{
    for (uint32_t h = bank.ledger.objects[bank_index].first_heap, next; h; h = next) {
        next = bank.ledger.objects[h].next_sibling;
        sync_heap(h);
    }
}

void sync_subtree(uint32_t bank_index)
{
    for (uint32_t b = ledger_subtree_next(&bank.ledger, bank_index, 0); b;
         b = ledger_subtree_next(&bank.ledger, bank_index, b))
        sync_bank(b);
}

void sync_all(void)
{
    sync_subtree(bank.root);
}

int charge_check(uint32_t bank_index, uint32_t count)
{
    int status = ledger_charge_check(&bank.ledger, bank_index, count);

    if (status == BANK_TREE_LIMIT) {
        sync_all();
        status = ledger_charge_check(&bank.ledger, bank_index, count);
    }
    return status;
}

int find_frames(uint32_t min, uint32_t max, uint32_t *first, uint32_t *count)
{
    int status = ledger_find_run(&bank.ledger, min, max, first, count);

    if (status == BANK_TREE_NO_FRAMES || status == BANK_TREE_FRAGMENTED) {
        sync_all();
        status = ledger_find_run(&bank.ledger, min, max, first, count);
    }
    return status;
}

/* ---- bookkeeping heaps ------------------------------------------------------------- */

int bookkeeping_room(uint32_t bank_index)
{
    struct bursar_heap_info info;
    uint32_t first, count;
    int error = l4_heap_info(object_slot(bank_index), &info);

    if (error)
        return error;
    if (info.free_by_type[BURSAR_HEAP_HEAP] > 0 || info.pages_free > 0)
        return 0;
    error = charge_check(bank_index, 1);
    if (error == BANK_TREE_OK)
        error = find_frames(1, 1, &first, &count);
    if (error != BANK_TREE_OK) {
        if (error == BANK_TREE_LIMIT)
            ledger_note_refusal(&bank.ledger, bank_index);
        return protocol_error(error);
    }
    error = l4_heap_donate(object_slot(bank_index), bank.memory, first, 1);
    if (error)
        return error;
    ledger_bookkeeping(&bank.ledger, bank_index, first, 1);
    return 0;
}

/* Only free pages: reclaiming exactly as many as are free touches no live object. */
void bookkeeping_shrink(uint32_t bank_index)
{
    struct bursar_heap_info info;

    if (l4_heap_info(object_slot(bank_index), &info) != 0 || info.pages_free == 0)
        return;
    if (l4_heap_reclaim(object_slot(bank_index), info.pages_free, NULL) == 0)
        reconcile(bank_index);
}

/* ---- the requests ------------------------------------------------------------------ */

/* The heap a handle names, if it is funded by the bank the request's capability names. */
static int request_heap(const struct l4_request *request, enum permission permission, uint32_t handle,
                        uint32_t *bank_index, uint32_t *heap_index)
{
    int error = request_bank(request, permission, bank_index);

    if (error)
        return error;
    *heap_index = ledger_lookup(&bank.ledger, handle, BANK_OBJECT_HEAP);
    if (!*heap_index || ledger_object(&bank.ledger, *heap_index)->parent != *bank_index || !sync_heap(*heap_index))
        return -BANK_E_NO_SUCH_HEAP;
    return 0;
}

static bool settings_valid(uint32_t low, uint32_t high, uint32_t timeout)
{
    return low <= high && high <= MAX_WATERMARK && timeout <= MAX_TIMEOUT_CODE;
}

/* Whether `pages` more can be charged to the bank and are free: 0 or the error to answer. */
static int can_fund(uint32_t bank_index, uint32_t pages)
{
    int status = charge_check(bank_index, pages);

    if (status == BANK_TREE_LIMIT) {
        ledger_note_refusal(&bank.ledger, bank_index);
        return -BANK_E_LIMIT_REACHED;
    }
    if (bank.ledger.free_frames < pages)
        sync_all();
    return bank.ledger.free_frames < pages ? -BURSAR_E_OUT_OF_MEMORY : 0;
}

static int configure(uint32_t heap_index, uint32_t low, uint32_t high, uint32_t timeout)
{
    struct bank_object *heap = &bank.ledger.objects[heap_index];
    int error = l4_heap_configure(object_slot(heap_index), BURSAR_HEAP_WATERMARKS, low, high);

    if (!error)
        error = l4_heap_configure(object_slot(heap_index), BURSAR_HEAP_FAULT_TIMEOUT, timeout, 0);
    if (!error) {
        heap->low_water = low;
        heap->high_water = high;
        heap->timeout = timeout;
    }
    return error;
}

int heap_create(struct l4_request *request, uint32_t pages, uint32_t low, uint32_t high, uint32_t timeout,
                uint32_t *handle, unsigned *heap)
{
    uint32_t bank_index, heap_index;
    const struct bank_object *owner;
    int error = request_bank(request, ALLOW_BUY, &bank_index);

    if (error)
        return error;
    if (pages > MAX_HEAP_PAGES || !settings_valid(low, high, timeout))
        return -BURSAR_E_INVALID_ARGUMENT;
    owner = ledger_object(&bank.ledger, bank_index);
    if (owner->object_quota == owner->objects_used)
        return -BANK_E_NO_OBJECTS;
    error = can_fund(bank_index, pages);
    if (!error)
        error = bookkeeping_room(bank_index);
    if (!error)
        error = can_fund(bank_index, pages);        /* the bookkeeping page may have taken the last room */
    if (!error)
        error = protocol_error(ledger_heap_create(&bank.ledger, bank_index, &heap_index));
    if (error)
        return error;
    error = l4_create(object_slot(bank_index), BURSAR_OBJECT_HEAP, object_slot(heap_index), 0);
    if (!error)
        error = mint(ledger_object_name(&bank.ledger, heap_index), 0, true, BURSAR_RIGHT_WRITE);
    if (!error)
        error = l4_heap_configure(object_slot(heap_index), BURSAR_HEAP_BANK, SLOT_OUTGOING, 0);
    if (!error)
        error = configure(heap_index, low, high, timeout);
    if (!error)
        error = donate_now(heap_index, object_slot(heap_index), pages);
    if (error) {
        l4_destroy(object_slot(heap_index));
        ledger_heap_destroy(&bank.ledger, heap_index);
        return error;
    }
    bank.pending = (struct pending){ .kind = PENDING_HEAP, .owner = heap_index };
    *handle = ledger_object_name(&bank.ledger, heap_index);
    *heap = object_slot(heap_index);
    return 0;
}

int heap_fund(struct l4_request *request, uint32_t handle, uint32_t pages)
{
    uint32_t bank_index, heap_index;
    int error = request_heap(request, ALLOW_BUY, handle, &bank_index, &heap_index);

    if (error)
        return error;
    if (pages == 0 || pages > MAX_HEAP_PAGES)
        return -BURSAR_E_INVALID_ARGUMENT;
    error = can_fund(bank_index, pages);
    return error ? error : donate_now(heap_index, object_slot(heap_index), pages);
}

int heap_reclaim(struct l4_request *request, uint32_t handle, uint32_t pages, uint32_t *returned, uint32_t *moved,
                 uint32_t *destroyed)
{
    uint32_t bank_index, heap_index;
    struct bursar_reclaim_info info;
    int error = request_heap(request, ALLOW_MANAGE, handle, &bank_index, &heap_index);

    if (error)
        return error;
    error = l4_heap_reclaim(object_slot(heap_index), pages, &info);
    if (error)
        return error;
    reconcile(heap_index);
    *returned = info.pages_reclaimed;
    *moved = info.objects_moved;
    *destroyed = info.objects_destroyed;
    return 0;
}

int destroy_heap_now(uint32_t heap_index)
{
    uint32_t bank_index = ledger_object(&bank.ledger, heap_index)->parent;
    int error = l4_destroy(object_slot(heap_index));

    if (error)
        return error;
    ledger_heap_destroy(&bank.ledger, heap_index);
    bookkeeping_shrink(bank_index);
    return 0;
}

int heap_destroy(struct l4_request *request, uint32_t handle, uint32_t *pages)
{
    uint32_t bank_index, heap_index;
    int error = request_heap(request, ALLOW_MANAGE, handle, &bank_index, &heap_index);

    if (error)
        return error;
    *pages = ledger_object(&bank.ledger, heap_index)->frames;
    return destroy_heap_now(heap_index);
}

int heap_configure(struct l4_request *request, uint32_t handle, uint32_t low, uint32_t high, uint32_t timeout)
{
    uint32_t bank_index, heap_index;
    int error = request_heap(request, ALLOW_MANAGE, handle, &bank_index, &heap_index);

    if (error)
        return error;
    if (!settings_valid(low, high, timeout))
        return -BURSAR_E_INVALID_ARGUMENT;
    return configure(heap_index, low, high, timeout);
}

int heap_stats(struct l4_request *request, uint32_t handle, uint32_t *pages, uint32_t *faults_served,
               uint32_t *faults_refused, uint32_t *low, uint32_t *high, uint32_t *timeout)
{
    uint32_t bank_index, heap_index;
    const struct bank_object *heap;
    int error = request_heap(request, ALLOW_MANAGE, handle, &bank_index, &heap_index);

    if (error)
        return error;
    heap = ledger_object(&bank.ledger, heap_index);
    *pages = heap->frames;
    *faults_served = heap->faults_served;
    *faults_refused = heap->faults_refused;
    *low = heap->low_water;
    *high = heap->high_water;
    *timeout = heap->timeout;
    return 0;
}

/* ---- faults ---------------------------------------------------------------------- */

static void refuse(struct l4_request *request, struct bank_object *heap)
{
    request->msg.tag = BURSAR_TAG(0, 2, 0);
    request->msg.mr[0] = 0;
    request->msg.mr[1] = 0;
    if (heap)
        heap->faults_refused++;
}

/*
 * Within the bank's limit (along its whole chain) the fault gets what it
 * wants, at least what it needs; beyond it, nothing: the faulting call
 * fails with OUT_OF_MEMORY. All but one frame are donated at once
 * (SYS_HEAP_DONATE, runs of any length); the reply carries the last one,
 * which makes the kernel restart the faulting call. If the faulting thread
 * is gone before the reply (killed, timed out), the heap keeps what was
 * donated and the last frame stays free.
 */
void heap_fault(struct l4_request *request)
{
    struct l4_msg *m = &request->msg;
    uint32_t heap_index = ledger_lookup(&bank.ledger, badge_name(request->badge), BANK_OBJECT_HEAP);
    struct bank_object *heap = heap_index ? &bank.ledger.objects[heap_index] : NULL;
    uint32_t needed, wanted, available, give, frame, count;

    if (!heap || l4_msg_words(m) != BURSAR_HEAP_FAULT_WORDS || l4_msg_items(m) != 0) {
        refuse(request, heap);
        return;
    }
    needed = m->mr[2];
    wanted = m->mr[3] > needed ? m->mr[3] : needed;
    if (wanted > MAX_FAULT_PAGES)
        wanted = MAX_FAULT_PAGES;
    available = ledger_available(&bank.ledger, heap->parent);
    if (needed > available || available == 0) {
        sync_all();
        available = ledger_available(&bank.ledger, heap->parent);
    }
    if (needed > available || available == 0 || needed > MAX_FAULT_PAGES) {
        ledger_note_refusal(&bank.ledger, heap->parent);
        refuse(request, heap);
        return;
    }
    give = wanted < available ? wanted : available;
    if (donate_now(heap_index, object_slot(heap_index), give - 1) != 0 ||
        ledger_find_run(&bank.ledger, 1, 1, &frame, &count) != BANK_TREE_OK) {
        refuse(request, heap);
        return;
    }
    bank.pending = (struct pending){ .kind = PENDING_DONATION, .owner = heap_index, .first = frame, .count = 1 };
    m->tag = BURSAR_TAG(0, 2, 0);
    m->mr[0] = BURSAR_HEAP_FAULT_REPLY(1, bank.memory);
    m->mr[1] = frame;
}
