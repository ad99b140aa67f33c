/*
 * main.c — the space bank server (docs/bank.md): start-up, then the loop.
 *
 * Start-up. The server is given the memory capability (every frame the
 * kernel did not keep) and its endpoint. It asks the kernel which frames
 * nothing maps (SYS_FRAME_STATE): those are its to sell; anything mapped at
 * that moment (the modules, the pages of whoever started it, its own) it
 * leaves alone. It maps the ledger's storage from the first free frames,
 * funds its own task's heap directly (it has no bank: a bank never
 * heap-faults to itself) and makes the root bank and its bookkeeping heap.
 *
 * The loop answers each request with a plain reply and only then receives
 * the next, rather than with reply-and-wait: a purchase grants frames in
 * the reply, and a heap fault's reply donates them, so the server must know
 * whether the client took the reply before the ledger says the frames are
 * gone. A client that died, timed out or refused the reply leaves the
 * frames where they were (undo); a refused reply leaves the client bound,
 * so it gets the refusal as an error reply. Replies never block
 * (SYS_REPLY), so a client that does not take its reply stalls no one.
 */
#include "servers/bank/bank_server.h"

#include "bursar/fault.h"
#include "libl4/l4.h"
#include "libl4/printf.h"
#include "libl4/start_info.h"
#include "libl4/string.h"

#define PAGE_SIZE 4096u

struct bank_server bank;

/* ---- start-up ---------------------------------------------------------------- */

/*
 * Calls f(frame) for each frame nothing maps, from the kernel's state bits;
 * returns the frame count. With a null f it only counts.
 */
static uint32_t for_each_free_frame(void (*f)(uint32_t frame, void *context), void *context, uint32_t *count)
{
    uint32_t bits[BURSAR_UTCB_INFO_WORDS], frame_count = 1, free_frames, seen = 0;

    for (uint32_t first = 0; first < frame_count; first += BURSAR_FRAME_STATE_MAX) {
        if (l4_frame_state(bank.memory, first, BURSAR_FRAME_STATE_MAX, bits, &free_frames, &frame_count) != 0)
            break;
        for (uint32_t i = 0; i < BURSAR_FRAME_STATE_MAX && f; i++)
            if (bits[i / 32] >> (i % 32) & 1)
                f(first + i, context);
        seen += free_frames;
    }
    if (count)
        *count = seen;
    return frame_count;
}

/* The ledger's storage: the first free frames, mapped at LEDGER_AREA. */
struct storage {
    uint32_t pages, mapped;
    uint32_t frames[1024];          /* enough for 4 GiB of frames at 12 bytes each, and the map */
};
static struct storage storage;

static void map_storage_frame(uint32_t frame, void *context)
{
    struct storage *s = context;

    if (s->mapped < s->pages &&
        l4_frame_map(bank.memory, frame, LEDGER_AREA + s->mapped * PAGE_SIZE, BURSAR_RIGHT_READ | BURSAR_RIGHT_WRITE) == 0)
        s->frames[s->mapped++] = frame;
}

static void add_free_frame(uint32_t frame, void *context)
{
    (void)context;
    ledger_add_free(&bank.ledger, frame);
}

static int map_ledger(void)
{
    uint32_t frame_count = for_each_free_frame(NULL, NULL, NULL);
    size_t entries = ledger_frames_size(frame_count), map = ledger_map_size(frame_count);

    storage.pages = (uint32_t)((entries + map + PAGE_SIZE - 1) / PAGE_SIZE);
    if (storage.pages > sizeof storage.frames / sizeof storage.frames[0])
        return -BURSAR_E_OUT_OF_MEMORY;
    for_each_free_frame(map_storage_frame, &storage, NULL);
    if (storage.mapped < storage.pages)
        return -BURSAR_E_OUT_OF_MEMORY;
    memset((void *)LEDGER_AREA, 0, storage.pages * PAGE_SIZE);
    ledger_init(&bank.ledger, frame_count, (struct bank_frame *)LEDGER_AREA,
                     (uint32_t *)(LEDGER_AREA + ((entries + 3) & ~(size_t)3)));
    for_each_free_frame(add_free_frame, NULL, NULL);
    for (uint32_t i = 0; i < storage.mapped; i++)
        ledger_add_server(&bank.ledger, storage.frames[i]);
    return 0;
}

/* One free frame for the server itself (its own heap, the staging anchor). */
static int take_server_frame(uint32_t *frame)
{
    uint32_t count;
    int status = ledger_find_run(&bank.ledger, 1, 1, frame, &count);

    if (status != BANK_TREE_OK)
        return -BURSAR_E_OUT_OF_MEMORY;
    ledger_take_for_server(&bank.ledger, *frame);
    return 0;
}

/* Keeps the own task's heap at OWN_HEAP_LOW free pages or more, from frames the server holds. */
static int own_heap_top_up(void)
{
    struct bursar_heap_info info;
    int error = l4_heap_info(BURSAR_SLOT_HEAP, &info);

    while (error == 0 && info.pages_free < OWN_HEAP_LOW) {
        uint32_t frame;
        error = take_server_frame(&frame);
        if (error == 0)
            error = l4_heap_donate(BURSAR_SLOT_HEAP, bank.memory, frame, 1);
        if (error == 0)
            error = l4_heap_info(BURSAR_SLOT_HEAP, &info);
    }
    return error;
}

static int start(void)
{
    uint32_t frame;
    int error;

    bank.memory = l4_start_cap("memory");
    bank.endpoint = l4_start_cap("endpoint");
    if (bank.memory == BURSAR_NO_CAPABILITY || bank.endpoint == BURSAR_NO_CAPABILITY)
        return -BURSAR_E_EMPTY_SLOT;
    /* No bank for the own heap: an allocation it cannot pay fails at once, it never waits on itself. */
    error = l4_heap_configure(BURSAR_SLOT_HEAP, BURSAR_HEAP_BANK, BURSAR_NO_CAPABILITY, 0);
    if (!error)
        error = map_ledger();
    if (!error)
        error = own_heap_top_up();
    if (!error)
        error = l4_create(BURSAR_SLOT_HEAP, BURSAR_OBJECT_REPLY, SLOT_REPLY, 0);
    if (!error)
        error = take_server_frame(&frame);
    if (!error)
        error = l4_frame_map(bank.memory, frame, STAGING_ANCHOR, BURSAR_RIGHT_READ);
    if (error)
        return error;
    ledger_create_root(&bank.ledger, BANK_UNLIMITED, &bank.root);
    /* The root's bookkeeping heap is the server's own cost, like its task. */
    error = l4_create(BURSAR_SLOT_HEAP, BURSAR_OBJECT_HEAP, object_slot(bank.root), 0);
    if (!error)
        error = own_heap_top_up();
    return error;
}

/* ---- the loop ------------------------------------------------------------------ */

/* The client took the reply: the frames are gone. */
static void commit(const struct pending *p)
{
    if (p->kind == PENDING_SALE)
        ledger_sell(&bank.ledger, p->owner, p->first, p->count);
    else if (p->kind == PENDING_DONATION) {
        struct bank_object *heap = &bank.ledger.objects[p->owner];
        ledger_donate(&bank.ledger, p->owner, p->first, p->count);
        heap->faults_served++;
    }
}

/*
 * The reply went nowhere: staged frames are unmapped (free again); a
 * donation never happened; a new heap or bank whose only capability was in
 * the reply is destroyed again.
 */
static void undo(const struct pending *p)
{
    switch (p->kind) {
    case PENDING_SALE:
        l4_unmap(STAGING_AREA, p->count);
        ledger_note_unclaimed(&bank.ledger, p->owner);
        break;
    case PENDING_DONATION:
        ledger_note_unclaimed(&bank.ledger, ledger_object(&bank.ledger, p->owner)->parent);
        break;
    case PENDING_HEAP:
        ledger_note_unclaimed(&bank.ledger, ledger_object(&bank.ledger, p->owner)->parent);
        destroy_heap_now(p->owner);
        break;
    case PENDING_CHILD:
        ledger_note_unclaimed(&bank.ledger, ledger_object(&bank.ledger, p->owner)->parent);
        destroy_bank_now(p->owner);
        break;
    case PENDING_ROOT:
        bank.root_given = false;
        break;
    case PENDING_NONE:
        break;
    }
}

static void serve(struct l4_request *request)
{
    bank.pending.kind = PENDING_NONE;
    if (BURSAR_TAG_LABEL(request->msg.tag) == BURSAR_LABEL_HEAP_FAULT && badge_is_channel(request->msg.badge)) {
        request->badge = request->msg.badge;
        heap_fault(request);
        return;
    }
    l4_server_handle(&bank.server, request);
}

static void answer(struct l4_request *request)
{
    struct pending pending = bank.pending;
    int error = l4_msg_reply(SLOT_REPLY, &request->msg);

    if (error == 0) {
        commit(&pending);
    } else {
        undo(&pending);
        /*
         * Refused (a window, the client's heap, its mapping): it is still bound and hears why; a thread
         * whose pager or handler is a bank capability (a page fault, an exception) is killed.
         */
        if (error != -BURSAR_E_NO_CALLER)
            l4_server_release(SLOT_REPLY, error);
    }
    if (bank.outgoing_used) {
        l4_cap_delete(SLOT_OUTGOING);
        bank.outgoing_used = false;
    }
}

int main(const struct bursar_boot_info *boot)
{
    /* Requests carry at most one capability (verify's candidate), and no memory. */
    const struct l4_receive_windows windows = { BURSAR_CAPABILITY_WINDOW(SLOT_WINDOW, BANK_CAPABILITY_ITEMS), 0 };
    struct l4_request *request = &bank.server.request;
    uint32_t free_frames;
    int error;

    (void)boot;
    error = start();
    if (error) {
        printf("bank: cannot start: %s\n", l4_error_name(error));
        return 1;
    }
    l4_server_init(&bank.server, bank.endpoint, SLOT_REPLY, &bank);
    l4_server_add(&bank.server, bank_interface(&bank_request_handlers));
    free_frames = bank.ledger.free_frames;
    printf("bank: serving %u free frames (%u KiB); the ledger takes %u frames, the server's own heap %u\n",
           free_frames, free_frames * 4, storage.mapped, bank.ledger.by_state[BANK_FRAME_SERVER] - storage.mapped);
    for (;;) {
        l4_receive_windows_set(windows);
        error = l4_msg_receive(bank.endpoint, SLOT_REPLY, &request->msg, BURSAR_TIMEOUT_NEVER);
        if (error == -BURSAR_E_BUSY) {
            l4_server_release(SLOT_REPLY, error);       /* a caller left bound: free it */
            continue;
        }
        if (error) {
            printf("bank: the endpoint failed: %s\n", l4_error_name(error));
            return 1;
        }
        serve(request);
        answer(request);
    }
}
