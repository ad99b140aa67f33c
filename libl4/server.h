/*
 * server.h — the server framework: a loop that receives on an endpoint,
 * dispatches each message by its label to the interface that serves it,
 * and answers with reply-and-wait; plus the reply convention its clients
 * check. Interfaces usually come from the stub generator (docs/idl.md):
 *
 *     static struct l4_server server;
 *     static const struct kv_handlers handlers = { .get = serve_get, .put = serve_put };
 *
 *     l4_server_init(&server, ENDPOINT, REPLY, &my_state);
 *     l4_server_windows(&server, FIRST_WINDOW_SLOT, MEMORY_WINDOW, 22);   (if requests carry items)
 *     l4_server_add(&server, kv_interface(&handlers));
 *     error = l4_server_run(&server);     (returns only if the endpoint fails)
 *
 * The reply convention: a good reply has the request's label and the
 * operation's results; an error reply has BURSAR_TAG_ERROR set, the error
 * number (positive) as its label and nothing else. A client reads either
 * with l4_reply_check().
 *
 * What the loop does about clients that misbehave, so that it keeps
 * serving everyone else:
 *   - a label no interface serves: UNKNOWN_OPERATION;
 *   - a message of the wrong shape (word or item count, an item's kind,
 *     mode or rights, a capability of the wrong object type): the
 *     generated dispatch answers INVALID_MESSAGE (WRONG_TYPE) without
 *     calling the handler;
 *   - items that arrived are cleared out of the windows after every
 *     request (capabilities deleted, memory unmapped), whatever the
 *     outcome, unless the handler kept them (request->keep_items), so the
 *     next request finds the windows empty;
 *   - a client that died (or timed out) before its reply: the reply goes
 *     nowhere and the loop receives the next request;
 *   - a reply the client refuses (it opened no window for a result item,
 *     say): the client gets the refusal as an error reply instead. A
 *     thread the kernel called for (a page fault or exception sent here)
 *     that accepts neither is answered BURSAR_LABEL_KILL.
 */
#ifndef LIBL4_SERVER_H
#define LIBL4_SERVER_H

#include <stdbool.h>
#include <stdint.h>

#include "libl4/l4.h"
#include "libl4/message.h"

/* The tag bits that give a message's shape: untyped words and typed items. */
#define L4_TAG_SHAPE_MASK (BURSAR_TAG_UNTYPED_MASK | BURSAR_TAG_TYPED_MASK << BURSAR_TAG_TYPED_SHIFT)

/* Whether a tag says `words` untyped words and `items` typed items. */
static inline bool l4_tag_shape_is(uint32_t tag, unsigned words, unsigned items)
{
    return (tag & L4_TAG_SHAPE_MASK) == BURSAR_TAG(0, words, items);
}

/* Whether a received item's word 0 is of `kind`, by `mode`, with at least `rights`. */
static inline bool l4_item_is(uint32_t word, unsigned kind, unsigned mode, unsigned rights)
{
    uint32_t mask = BURSAR_ITEM_KIND_MASK | BURSAR_ITEM_MODE_MASK << BURSAR_ITEM_MODE_SHIFT |
                    rights << BURSAR_ITEM_RIGHTS_SHIFT;

    return (word & mask) == (kind | mode << BURSAR_ITEM_MODE_SHIFT | rights << BURSAR_ITEM_RIGHTS_SHIFT);
}

/* The tag of an error reply carrying `error` (negative or positive). */
static inline uint32_t l4_error_tag(int error)
{
    return BURSAR_TAG(error < 0 ? -error : error, 0, 0) | BURSAR_TAG_ERROR;
}

/*
 * A client's check of a reply tag: 0 if it is `expected` (the operation's
 * label and result shape), the server's error if it is an error reply,
 * else INVALID_MESSAGE (a reply of another shape).
 */
static inline int l4_reply_check(uint32_t tag, uint32_t expected)
{
    if (tag == expected)
        return 0;
    if ((tag & BURSAR_TAG_ERROR) && BURSAR_TAG_LABEL(tag) != 0)
        return -(int)BURSAR_TAG_LABEL(tag);
    return -BURSAR_E_INVALID_MESSAGE;
}

/*
 * The client helper for hand-made messages: calls `endpoint` with *msg and
 * waits; the reply replaces *msg. 0 when the reply has *msg's label and no
 * error flag, else the server's error or the IPC's.
 */
int l4_rpc(unsigned endpoint, struct l4_msg *msg, unsigned send_timeout, unsigned receive_timeout);

struct l4_server;

/* One request as a handler sees it. */
struct l4_request {
    struct l4_server *server;
    uint32_t badge;             /* the client: the badge of the capability it called through */
    bool keep_items;            /* a handler sets it to keep what arrived in the windows */
    struct l4_msg msg;          /* the request as received; the dispatch leaves the reply here */
};

/*
 * An interface the server serves: labels first_label .. last_label go to
 * dispatch(handlers, request), which returns 0 with the reply in
 * request->msg, or a negative error for the loop to answer. The
 * generated <name>_interface(&handlers) fills it.
 */
struct l4_server_interface {
    const char *name;
    unsigned first_label, last_label;
    unsigned capability_items, memory_items;      /* the most one request carries */
    int (*dispatch)(const void *handlers, struct l4_request *request);
    const void *handlers;
};

struct l4_server_stats {
    uint32_t requests;          /* messages received and dispatched */
    uint32_t error_replies;     /* of which answered with an error */
    uint32_t malformed;         /* of which INVALID_MESSAGE, WRONG_TYPE or UNKNOWN_OPERATION */
    uint32_t refused_replies;   /* replies the client refused: it got an error reply instead */
    uint32_t undeclared_errors; /* handlers' errors their interface does not list */
};

#define L4_SERVER_INTERFACES 4

struct l4_server {
    unsigned endpoint, reply;   /* own slots: the endpoint (READ) and a reply object */
    void *state;                /* the server's own, for its handlers */
    /* Labels no interface serves (the kernel's fault messages, say); null: UNKNOWN_OPERATION. */
    int (*other)(struct l4_request *request);
    unsigned capability_window; /* first slot of the capability window, or BURSAR_NO_CAPABILITY */
    uintptr_t memory_window;    /* 0: none */
    unsigned memory_window_log2;
    struct l4_server_interface interfaces[L4_SERVER_INTERFACES];
    unsigned interface_count;
    bool stop;                  /* a handler sets it to end l4_server_run after this request's reply */
    struct l4_receive_windows windows;      /* what is re-armed before every receive */
    struct l4_server_stats stats;
    struct l4_request request;
};

/* A server receiving on `endpoint` and answering through `reply`; no windows, no interfaces yet. */
void l4_server_init(struct l4_server *server, unsigned endpoint, unsigned reply, void *state);

/*
 * Where typed items land: capability items in the slots from `first_slot`
 * on (as many as the largest request of the interfaces carries; they must
 * be empty), memory items in the window of 2^memory_log2 bytes at
 * `memory_base` (0: none). The memory window must not overlap anything
 * the server has mapped. A handler may call it to move the windows for
 * the next request (after keeping what arrived, say).
 */
void l4_server_windows(struct l4_server *server, unsigned first_slot, uintptr_t memory_base, unsigned memory_log2);

/* 0, or INVALID_ARGUMENT: no room for another, or its labels overlap one already added. */
int l4_server_add(struct l4_server *server, struct l4_server_interface interface);

/*
 * Serves until the endpoint fails (destroyed, revoked, ...), and returns
 * that error, or until a handler sets server->stop: then it sends that
 * request's reply and returns 0. INVALID_ARGUMENT at once if an interface
 * takes items the windows cannot receive.
 */
int l4_server_run(struct l4_server *server);

/*
 * One received request (in request->msg, from a loop of the caller's
 * own): dispatch, clean the windows, leave the reply in request->msg.
 */
void l4_server_handle(struct l4_server *server, struct l4_request *request);

/*
 * For a loop of the caller's own: frees `reply` of a caller still bound to
 * it after its reply was refused (`refusal`). The caller gets the refusal
 * as an error reply, or, if the kernel made the call for a thread (a page
 * fault or exception: a client can make any capability to the server's
 * endpoint its thread's pager or handler), which takes no error reply,
 * BURSAR_LABEL_KILL. A caller left bound would make every receive BUSY:
 * the loop would spin on it. 0 if a caller was answered, else NO_CALLER.
 */
int l4_server_release(unsigned reply, int refusal);

/* Whether own `slot` holds a capability to an object of `type` (the generated dispatch's type check). */
bool l4_server_capability_is(unsigned slot, unsigned type);

#endif /* LIBL4_SERVER_H */
