/*
 * wrappers.c — making and destroying wrappers: the service's handlers
 * (libl4/wrapper.idl), the server's table and its capability slots.
 *
 * A wrapper costs its client's bank, in two purchases: a kernel heap of
 * WRAPPER_HEAP_PAGES pages (bank_heap_create), which pays for the wrapper's
 * endpoint, its reply object and its forwarding thread, and one page
 * (bank_buy), the thread's UTCB and stack. Destroying it is one call to the
 * bank each way back: the heap's destroy takes the three objects (and so
 * revokes every copy of the wrapper and wakes whoever waits on it), then
 * the page is returned.
 *
 * What the server keeps itself — an entry in `entries` and thirteen slots —
 * it cannot charge to anyone, so it is bounded: `capacity` wrappers in all
 * (what the capability space holds), `quota` for each client, a client
 * being the badge of its capability to the service. A client that floods
 * the server with creates gets FULL when its quota is used up; the others
 * keep theirs.
 */
#include "servers/wrapper/wrapper.h"

#include "libl4/bank.h"
#include "libl4/l4.h"

#define MAX_SLOTS 2048u
#define HANDLE_INDEX_BITS 8u
#define GENERATION_MASK 0xffffffu

_Static_assert(WRAPPER_MAX <= 1u << HANDLE_INDEX_BITS, "a handle's index fits its bits");

static uint32_t slot_used[MAX_SLOTS / 32];

static bool slot_is_used(unsigned slot)
{
    return slot_used[slot / 32] >> (slot % 32) & 1;
}

static void slot_mark(unsigned slot, bool used)
{
    if (used)
        slot_used[slot / 32] |= 1u << (slot % 32);
    else
        slot_used[slot / 32] &= ~(1u << (slot % 32));
}

/* The lowest free slot: what the fast path must reach (its first capability-table page) goes low. */
static unsigned slot_low(const struct wrapper_server *server)
{
    for (unsigned slot = SLOT_FIRST_WRAPPER; slot < server->slot_count; slot++)
        if (!slot_is_used(slot))
            return slot;
    return BURSAR_NO_CAPABILITY;
}

/* The first of the highest `count` free slots in a row: the rest goes high. */
static unsigned slot_high(const struct wrapper_server *server, unsigned count)
{
    unsigned run = 0;

    for (unsigned slot = server->slot_count; slot-- > SLOT_FIRST_WRAPPER;) {
        run = slot_is_used(slot) ? 0 : run + 1;
        if (run == count)
            return slot;
    }
    return BURSAR_NO_CAPABILITY;
}

/* Each slot of the entry taken in turn; the capacity leaves room for all of them. */
static void slots_take(struct wrapper_server *server, struct wrapper_entry *entry)
{
    unsigned *low[] = { &entry->endpoint, &entry->reply, &entry->target };
    unsigned *high[] = { &entry->bank, &entry->heap };

    for (unsigned i = 0; i < sizeof low / sizeof low[0]; i++) {
        *low[i] = slot_low(server);
        slot_mark(*low[i], true);
    }
    for (unsigned i = 0; i < sizeof high / sizeof high[0]; i++) {
        *high[i] = slot_high(server, 1);
        slot_mark(*high[i], true);
    }
    entry->window = slot_high(server, 2 * FORWARD_CAPABILITY_ITEMS);
    for (unsigned i = 0; i < 2 * FORWARD_CAPABILITY_ITEMS; i++)
        slot_mark(entry->window + i, true);
}

/*
 * Empties the entry's slots and gives them back. The heap's destroy has
 * revoked the endpoint, reply object and heap capabilities already (a
 * revoked slot takes a new capability as it is); the windows are empty
 * unless the thread died holding items. Only what may hold something is
 * deleted: each delete is a system call.
 */
static void slots_release(struct wrapper_entry *entry, bool heap_gone)
{
    unsigned slots[] = { entry->target, entry->bank, entry->endpoint, entry->reply, entry->heap };
    unsigned held = heap_gone ? 2 : sizeof slots / sizeof slots[0];

    for (unsigned i = 0; i < sizeof slots / sizeof slots[0]; i++) {
        if (i < held)
            l4_cap_delete(slots[i]);
        slot_mark(slots[i], false);
    }
    for (unsigned i = 0; i < 2 * FORWARD_CAPABILITY_ITEMS; i++) {
        if (entry->windows_used)
            l4_cap_delete(entry->window + i);
        slot_mark(entry->window + i, false);
    }
}

void wrappers_init(struct wrapper_server *server)
{
    unsigned room = server->slot_count > SLOT_FIRST_WRAPPER ? server->slot_count - SLOT_FIRST_WRAPPER : 0;

    server->capacity = room / WRAPPER_SLOTS_EACH < WRAPPER_MAX ? room / WRAPPER_SLOTS_EACH : WRAPPER_MAX;
    if (server->quota == 0 || server->quota > server->capacity)
        server->quota = server->capacity > 4 ? server->capacity / 4 : server->capacity;
    server->created = -1;
}

static unsigned owned_by(const struct wrapper_server *server, uint32_t owner)
{
    unsigned count = 0;

    for (unsigned i = 0; i < server->capacity; i++)
        count += server->entries[i].live && server->entries[i].owner == owner;
    return count;
}

/* The bank's own refusals (its interface's errors) read as one; the kernel's errors pass as they are. */
static int bank_refusal(int error)
{
    if (error == 0 || error == -BURSAR_E_OUT_OF_MEMORY || error == -BURSAR_E_DESTROYED)
        return error;
    return -WRAPPER_E_BANK_REFUSED;
}

/* The forwarding thread, on the wrapper's heap, its UTCB and stack on the wrapper's page. */
static int start_thread(const struct wrapper_server *server, const struct wrapper_entry *entry, uintptr_t page)
{
    int error = l4_create(entry->heap, BURSAR_OBJECT_THREAD, SLOT_SCRATCH_THREAD, SLOT_TASK);

    if (error)
        return error;
    error = l4_thread_configure(SLOT_SCRATCH_THREAD, BURSAR_THREAD_UTCB, page);
    if (!error)
        error = l4_thread_configure(SLOT_SCRATCH_THREAD, BURSAR_THREAD_PRIORITY, server->priority);
    if (!error)
        error = l4_thread_start(SLOT_SCRATCH_THREAD, (uintptr_t)wrapper_thread_entry, WRAPPER_STACK_TOP(page));
    if (error)
        l4_destroy(SLOT_SCRATCH_THREAD);
    l4_cap_delete(SLOT_SCRATCH_THREAD);    /* the heap's destroy is what ends the thread */
    return error;
}

/*
 * Everything a wrapper is, in order; entry says how far it got, for
 * wrapper_teardown. The request's bank and target move (GRANT, within this
 * task) from the window to the wrapper's slots; *moved says they did.
 */
static int build(struct wrapper_server *server, unsigned i, unsigned bank, unsigned target, bool *moved)
{
    struct wrapper_entry *entry = &server->entries[i];
    uintptr_t page = wrapper_page_address(i);
    int error = l4_cap_transfer(bank, BURSAR_OWN_TASK, entry->bank, BURSAR_RIGHT_WRITE, BURSAR_GRANT, 0);

    if (!error)
        error = l4_cap_transfer(target, BURSAR_OWN_TASK, entry->target, BURSAR_RIGHT_WRITE, BURSAR_GRANT, 0);
    *moved = error == 0;
    if (!error)
        error = bank_refusal(bank_heap_create(entry->bank, WRAPPER_HEAP_PAGES, 0, 0, BURSAR_TIMEOUT_NEVER,
                                              entry->heap, &entry->heap_handle));
    if (error)
        return error;
    entry->heap_made = true;
    error = bank_refusal(bank_buy(entry->bank, page, 0, page, 12, &entry->frame, NULL, NULL));
    if (error)
        return error;
    entry->page_bought = true;
    error = l4_create(entry->heap, BURSAR_OBJECT_ENDPOINT, entry->endpoint, 0);
    if (!error)
        error = l4_create(entry->heap, BURSAR_OBJECT_REPLY, entry->reply, 0);
    return error ? error : start_thread(server, entry, page);
}

void wrapper_teardown(struct wrapper_server *server, unsigned i)
{
    struct wrapper_entry *entry = &server->entries[i];
    uintptr_t page = wrapper_page_address(i);

    bool heap_gone = false;

    /* The heap first: its thread is gone before its page or windows are touched. */
    if (entry->heap_made) {
        heap_gone = bank_heap_destroy(entry->bank, entry->heap_handle, NULL) == 0;
        if (!heap_gone && l4_destroy(entry->heap) == 0)
            heap_gone = true;           /* a bank capability that may not destroy: the kernel does */
    }
    if (entry->page_bought && bank_return_frames(entry->bank, entry->frame, 1) != 0)
        l4_unmap(page, 1);              /* not taken back: it stays charged to the bank, unmapped here */
    if (entry->windows_used)
        for (unsigned which = 0; which < 2; which++)
            l4_unmap(wrapper_window_address(i, which), 1u << (FORWARD_MEMORY_LOG2 - 12));
    slots_release(entry, heap_gone);
    *entry = (struct wrapper_entry){ .generation = (entry->generation + 1) & GENERATION_MASK };
    server->live--;
}

static int create(struct l4_request *request, unsigned bank, unsigned target, uint32_t *handle, unsigned *wrapper)
{
    struct wrapper_server *server = request->server->state;
    bool genuine = false, moved = false;
    unsigned i = 0;
    int error;

    while (i < server->capacity && server->entries[i].live)
        i++;
    if (i == server->capacity || owned_by(server, request->badge) >= server->quota)
        return -WRAPPER_E_FULL;
    /* The brand check: only the bank server's endpoint is a bank, and only it is called on a client's word. */
    if (l4_cap_compare(bank, server->own_bank, &genuine) != 0 || !genuine)
        return -WRAPPER_E_NOT_A_BANK;
    server->entries[i].live = true;
    server->entries[i].owner = request->badge;
    server->live++;
    slots_take(server, &server->entries[i]);
    error = build(server, i, bank, target, &moved);
    request->keep_items = moved;    /* nothing left in the window to delete */
    if (error) {
        wrapper_teardown(server, i);
        return error;
    }
    server->created = (int)i;
    *handle = i | server->entries[i].generation << HANDLE_INDEX_BITS;
    *wrapper = server->entries[i].endpoint;
    return 0;
}

static int destroy(struct l4_request *request, uint32_t handle)
{
    struct wrapper_server *server = request->server->state;
    unsigned i = handle & ((1u << HANDLE_INDEX_BITS) - 1);
    const struct wrapper_entry *entry = &server->entries[i];

    if (i >= server->capacity || !entry->live || entry->generation != handle >> HANDLE_INDEX_BITS ||
        entry->owner != request->badge)
        return -WRAPPER_E_NO_SUCH_WRAPPER;
    wrapper_teardown(server, i);
    return 0;
}

static int info(struct l4_request *request, uint32_t *live, uint32_t *capacity, uint32_t *mine, uint32_t *quota)
{
    const struct wrapper_server *server = request->server->state;

    *live = server->live;
    *capacity = server->capacity;
    *mine = owned_by(server, request->badge);
    *quota = server->quota;
    return 0;
}

const struct wrapper_handlers wrapper_service_handlers = { .create = create, .destroy = destroy, .info = info };
