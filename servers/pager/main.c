/*
 * main.c — the default pager (docs/pager.md): anonymous memory for its
 * clients, filled on first touch with zeroed frames bought from each
 * client's own bank.
 *
 * Its loop receives two kinds of message on one endpoint: the protocol of
 * libl4/pager.idl (open, attach, detach, close, stats), dispatched by
 * libl4's server framework, and page faults the kernel sends on a client
 * thread's behalf (its pager is the client's capability, so the badge names
 * the client). A fault in a region is answered with a RESUME carrying the
 * region's frame for that page by memory COPY: the pager keeps the
 * frame's mapping in its own window and can always take it back (its own
 * unmap, or the region bank's destroy, takes every mapping derived from
 * it), and the mapping's record is the client's, paid by the client's heap
 * like the page table it needs: nothing the pager pays grows with what a
 * client fills, but its window's page tables (docs/pager.md). A fault
 * it will not serve — no region there, the access not allowed, the bank
 * refusing a frame — is raised (BURSAR_LABEL_RAISE, docs/abi.md §8): the
 * thread's exception handler gets it, or the thread dies with one line
 * naming the reason. No fault ever waits on anything but the bank server,
 * which the pager checked is the genuine one when the client was opened.
 *
 * Capabilities (from the start information): "service", the endpoint it
 * serves; "bank", its own bank (a genuine bank of the bank server, with
 * which it checks its clients' banks). Everything else is in the slots
 * below.
 */
#include "bursar/fault.h"
#include "libl4/bank.h"
#include "libl4/l4.h"
#include "libl4/message.h"
#include "libl4/pager.h"
#include "libl4/printf.h"
#include "libl4/server.h"
#include "libl4/start_info.h"
#include "libl4/utcb.h"
#include "servers/pager/clients.h"

enum {
    SLOT_REPLY = 8,                  /* the reply object the loop answers through */
    SLOT_WINDOW = 9,                 /* where open's bank capability lands */
    SLOT_OUTGOING = 10,              /* a client capability minted for one reply */
    SLOT_CLIENTS = 16,               /* client i: its bank, then one slot per region's bank */
};
#define SLOTS_PER_CLIENT (1u + PAGER_MAX_REGIONS)

_Static_assert(PAGER_E_NO_REGION == 512 && PAGER_E_OVERLAP == 513 && PAGER_E_TOO_MANY == 514 &&
               PAGER_E_NOT_A_BANK == 515, "pager.idl's numbers");

static struct {
    struct pager_book book;
    struct l4_server server;
    unsigned endpoint, own_bank;
    bool outgoing_used;
} pager;

static unsigned client_bank_slot(unsigned index)
{
    return SLOT_CLIENTS + index * SLOTS_PER_CLIENT;
}

static unsigned region_bank_slot(unsigned index, unsigned number)
{
    return client_bank_slot(index) + 1 + number;
}

/* The book's refusals as the protocol's errors. */
static int protocol_error(int status)
{
    switch (status) {
    case PAGER_OK:          return 0;
    case PAGER_STALE:       return -BURSAR_E_DESTROYED;
    case PAGER_ARGUMENT:    return -BURSAR_E_INVALID_ARGUMENT;
    case PAGER_MISALIGNED:  return -BURSAR_E_MISALIGNED;
    case PAGER_ADDRESS:     return -BURSAR_E_INVALID_ADDRESS;
    case PAGER_OVERLAP:     return -PAGER_E_OVERLAP;
    case PAGER_FULL:        return -PAGER_E_TOO_MANY;
    case PAGER_NO_REGION:   return -PAGER_E_NO_REGION;
    default:                return -BURSAR_E_NO_RIGHTS;
    }
}

/*
 * A bank's refusal as one of the kernel's errors, which is what a raised
 * fault carries and what the kernel's kill line names: no frame to be had
 * (the limit, the server's memory, fragmentation, no record left) is
 * OUT_OF_MEMORY; a destroyed bank is DESTROYED; a kernel error stays.
 */
static int bank_refusal(int error)
{
    if (error == -BANK_E_LIMIT_REACHED || error == -BANK_E_FRAGMENTED || error == -BANK_E_NO_OBJECTS ||
        error == -BANK_E_TOO_DEEP)
        return -BURSAR_E_OUT_OF_MEMORY;
    if (error == -BANK_E_NO_SUCH_HEAP)
        return -BURSAR_E_DESTROYED;
    if (error <= -256)
        return -BURSAR_E_NO_RIGHTS;        /* RESTRICTED, NOT_BOUGHT_HERE: not what a pager's bank does */
    return error;
}

/* The client a request's badge names: 0 and *index, or why not (the unbadged capability is no client). */
static int request_client(const struct l4_request *request, struct pager_client **client, unsigned *index)
{
    if (request->badge == 0)
        return -BURSAR_E_NO_RIGHTS;
    *client = pager_client_of(&pager.book, request->badge, index);
    return *client ? 0 : -BURSAR_E_DESTROYED;
}

/* ---- the protocol ---- */

/* The bank server says whether `slot` is one of its live banks that may make children. */
static bool genuine_bank(unsigned slot)
{
    uint32_t genuine = 0, restrictions = 0;
    int error = bank_verify(pager.own_bank, slot, &genuine, &restrictions);

    return error == 0 && genuine == BANK_GENUINE && !(restrictions & BANK_BUY_ONLY);
}

static int serve_open(struct l4_request *request, unsigned bank, unsigned *client)
{
    unsigned index;
    uint32_t badge;
    int error;

    if (request->badge != 0)
        return -BURSAR_E_NO_RIGHTS;
    if (!genuine_bank(bank))
        return -PAGER_E_NOT_A_BANK;
    if (pager_client_open(&pager.book, &index, &badge) != PAGER_OK)
        return -PAGER_E_TOO_MANY;
    error = l4_cap_transfer(bank, BURSAR_OWN_TASK, client_bank_slot(index), BURSAR_RIGHT_WRITE | BURSAR_RIGHT_GRANT,
                            BURSAR_GRANT, 0);
    if (!error)
        error = l4_cap_copy(pager.endpoint, SLOT_OUTGOING, BURSAR_RIGHT_WRITE | BURSAR_RIGHT_GRANT, badge);
    if (error) {
        l4_cap_delete(client_bank_slot(index));
        pager_client_close(pager_client_of(&pager.book, badge, NULL));
        return error == -BURSAR_E_OUT_OF_MEMORY ? error : -BURSAR_E_OUT_OF_MEMORY;
    }
    request->keep_items = true;           /* the bank moved out of the window: nothing left to drop */
    pager.outgoing_used = true;
    *client = SLOT_OUTGOING;
    return 0;
}

static int serve_attach(struct l4_request *request, uint32_t base, uint32_t pages, uint32_t rights)
{
    struct pager_client *client;
    unsigned index, number;
    int error = request_client(request, &client, &index), status;

    if (error)
        return error;
    status = pager_region_check(client, base, pages, rights);
    if (status != PAGER_OK)
        return protocol_error(status);
    /* The slot the new region will have: the first free one, as pager_region_add will choose. */
    for (number = 0; client->regions[number].pages; number++)
        ;
    error = bank_create_child(client_bank_slot(index), pages, 0, region_bank_slot(index, number));
    if (error)
        return bank_refusal(error);
    pager_region_add(client, base, pages, rights, &number);
    return 0;
}

/* Every frame of region `number` goes back to the client's bank: the region's own bank is destroyed. */
static uint32_t return_region(struct pager_client *client, unsigned index, unsigned number)
{
    uint32_t filled = client->regions[number].filled;

    /* A destroyed bank (the client's, destroyed under us) has given everything back already. */
    bank_destroy(region_bank_slot(index, number));
    l4_cap_delete(region_bank_slot(index, number));
    pager_region_remove(client, number);
    return filled;
}

static int serve_detach(struct l4_request *request, uint32_t base, uint32_t *pages)
{
    struct pager_client *client;
    unsigned index;
    int error = request_client(request, &client, &index), number;

    if (error)
        return error;
    number = pager_region_at(client, base);
    if (number < 0)
        return -PAGER_E_NO_REGION;
    *pages = return_region(client, index, (unsigned)number);
    return 0;
}

static int serve_close(struct l4_request *request, uint32_t *pages)
{
    struct pager_client *client;
    unsigned index;
    int error = request_client(request, &client, &index);

    if (error)
        return error;
    *pages = 0;
    for (unsigned r = 0; r < PAGER_MAX_REGIONS; r++)
        if (client->regions[r].pages)
            *pages += return_region(client, index, r);
    l4_cap_delete(client_bank_slot(index));
    pager_client_close(client);
    return 0;
}

static int serve_stats(struct l4_request *request, uint32_t *regions, uint32_t *attached, uint32_t *filled,
                       uint32_t *faults, uint32_t *raised)
{
    struct pager_client *client;
    unsigned index;
    int error = request_client(request, &client, &index);

    if (error)
        return error;
    *regions = pager_client_regions(client);
    *attached = pager_client_attached(client);
    *filled = pager_client_filled(client);
    *faults = client->faults;
    *raised = client->raised;
    return 0;
}

static const struct pager_handlers handlers = {
    .open = serve_open, .attach = serve_attach, .detach = serve_detach, .close = serve_close, .stats = serve_stats,
};

/* ---- page faults ---- */

/* The fault being answered, kept for a second answer if the kernel refuses the first. */
static struct {
    struct pager_client *client;
    unsigned index, region;
    uint32_t address;
} fault;

static void reply_raise(struct l4_msg *m, int reason)
{
    if (fault.client)
        fault.client->raised++;
    l4_msg_start(m, BURSAR_LABEL_RAISE);
    l4_msg_append(m, (uint32_t)(reason < 0 ? -reason : reason));
}

/*
 * RESUME with the region's frame for the faulting page, mapped by COPY: the
 * record is the client's to pay (its heap must have one free, else
 * RECEIVER_HEAP_EMPTY, raised). By REVOCABLE COPY it would be the pager's,
 * and a client filling pages would spend the pager's bank, which every
 * other client's faults need too.
 */
static void reply_mapping(struct l4_msg *m)
{
    const struct pager_region *region = &fault.client->regions[fault.region];

    fault.client->faults++;
    l4_msg_start(m, BURSAR_LABEL_RESUME);
    l4_msg_append_memory(m, pager_window_page(fault.client, fault.index, fault.region, fault.address), 12,
                         region->rights, BURSAR_COPY);
}

/* A frame for the faulting page, bought from its region's bank into the window: 0 or the bank's refusal. */
static int fill(void)
{
    uintptr_t window = pager_window_page(fault.client, fault.index, fault.region, fault.address);
    uint32_t frame;
    /* The window's page table and shadow are the pager's own: l4_bank_buy reserves them (its own bank pays). */
    int error = l4_bank_buy(region_bank_slot(fault.index, fault.region), window, 1, &frame);

    if (error)
        return bank_refusal(error);
    pager_page_set_filled(fault.client, fault.region, fault.address, true);
    return 0;
}

/* A page fault from the kernel: the answer in *m (the request is overwritten). */
static void serve_fault(struct l4_msg *m)
{
    uint32_t address = m->mr[BURSAR_PAGE_FAULT_ADDRESS], access = m->mr[BURSAR_PAGE_FAULT_ACCESS];
    int status, error;

    fault.client = pager_client_of(&pager.book, m->badge, &fault.index);
    fault.address = address;
    if (!fault.client) {
        reply_raise(m, m->badge ? BURSAR_E_DESTROYED : BURSAR_E_NO_RIGHTS);
        return;
    }
    status = pager_fault_check(fault.client, address, access, &fault.region);
    if (status != PAGER_OK) {
        reply_raise(m, status == PAGER_NO_REGION ? BURSAR_E_INVALID_ADDRESS : BURSAR_E_NO_RIGHTS);
        return;
    }
    error = pager_page_filled(fault.client, fault.region, address) ? 0 : fill();
    if (error)
        reply_raise(m, error);
    else
        reply_mapping(m);
}

/*
 * The kernel refused our answer to a fault (`refusal`); the thread still
 * waits for one. ALREADY_MAPPED: another thread of the client faulted on
 * the page first and has it, so a plain RESUME. NOT_MAPPED: our window page
 * is gone (the bank took the frame back: a destroyed bank), so buy afresh,
 * once. Anything else (the client's heap lacks a page table: it must
 * reserve one) is raised with that error.
 */
static void answer_again(struct l4_msg *m, int refusal, bool *retried)
{
    if (refusal == -BURSAR_E_ALREADY_MAPPED) {
        l4_msg_start(m, BURSAR_LABEL_RESUME);     /* still one fault served (reply_mapping counted it) */
        return;
    }
    fault.client->faults--;                       /* not served by that mapping after all */
    if (refusal == -BURSAR_E_NOT_MAPPED && !*retried) {
        int error;
        *retried = true;
        pager_page_set_filled(fault.client, fault.region, fault.address, false);
        error = fill();
        if (error)
            reply_raise(m, error);
        else
            reply_mapping(m);
        return;
    }
    reply_raise(m, refusal);
}

static bool is_fault(const struct l4_msg *m)
{
    return l4_msg_label(m) == BURSAR_LABEL_PAGE_FAULT && l4_tag_shape_is(m->tag, BURSAR_PAGE_FAULT_WORDS, 0);
}

/* ---- the loop ---- */

/*
 * A reply was refused and its caller still waits. A fault's caller gets
 * another answer (answer_again, then KILL if even a RAISE fails); a
 * protocol client the refusal as an error reply, as libl4's loop does.
 */
static void recover(struct l4_msg *m, bool was_fault, int refusal)
{
    bool retried = false;
    int status = -BURSAR_E_NO_CALLER;

    if (was_fault && fault.client) {
        for (unsigned attempt = 0; attempt < 3; attempt++) {
            answer_again(m, status == -BURSAR_E_NO_CALLER ? refusal : status, &retried);
            status = l4_msg_reply(SLOT_REPLY, m);
            if (status == 0 || status == -BURSAR_E_NO_CALLER)
                return;
        }
    } else {
        status = l4_reply(SLOT_REPLY, l4_error_tag(refusal), 0, 0);
    }
    if (status != 0 && status != -BURSAR_E_NO_CALLER)
        l4_reply(SLOT_REPLY, BURSAR_TAG(BURSAR_LABEL_KILL, 0, 0), 0, 0);
}

static void serve(void)
{
    struct l4_request *request = &pager.server.request;
    struct l4_receive_windows windows = { BURSAR_CAPABILITY_WINDOW(SLOT_WINDOW, 1), 0 };
    int error;

    l4_receive_windows_set(windows);
    error = l4_msg_receive(pager.endpoint, SLOT_REPLY, &request->msg, BURSAR_TIMEOUT_NEVER);
    for (;;) {
        bool was_fault;
        if (pager.outgoing_used) {            /* the client capability went with the last reply */
            l4_cap_delete(SLOT_OUTGOING);
            pager.outgoing_used = false;
        }
        if (error) {
            printf("pager: receive failed (%s); stopping\n", l4_error_name(error));
            return;
        }
        was_fault = is_fault(&request->msg);
        if (was_fault)
            serve_fault(&request->msg);
        else
            l4_server_handle(&pager.server, request);
        l4_receive_windows_set(windows);
        error = l4_msg_reply_wait(pager.endpoint, SLOT_REPLY, &request->msg, BURSAR_TIMEOUT_NEVER);
        if (error && error != -BURSAR_E_DESTROYED) {
            /* Refused (the caller still waits), or a receive that failed after the reply: recover tells. */
            recover(&request->msg, was_fault, error);
            l4_receive_windows_set(windows);
            error = l4_msg_receive(pager.endpoint, SLOT_REPLY, &request->msg, BURSAR_TIMEOUT_NEVER);
        }
    }
}

int main(const struct bursar_boot_info *boot)
{
    int error;

    (void)boot;
    pager.endpoint = l4_start_cap("service");
    pager.own_bank = l4_start_cap("bank");
    if (pager.endpoint == BURSAR_NO_CAPABILITY || pager.own_bank == BURSAR_NO_CAPABILITY) {
        printf("pager: needs the capabilities 'service' and 'bank'\n");
        return 1;
    }
    error = l4_create(BURSAR_SLOT_HEAP, BURSAR_OBJECT_REPLY, SLOT_REPLY, 0);
    if (error) {
        printf("pager: cannot create its reply object: %s\n", l4_error_name(error));
        return 1;
    }
    pager_book_init(&pager.book);
    l4_server_init(&pager.server, pager.endpoint, SLOT_REPLY, &pager);
    l4_server_windows(&pager.server, SLOT_WINDOW, 0, 0);
    l4_server_add(&pager.server, pager_interface(&handlers));
    serve();
    return 1;
}
