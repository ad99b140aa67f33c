/*
 * server.c — the server loop of server.h: receive, dispatch by label,
 * clear the windows, reply-and-wait; and the recovery when a reply is
 * refused.
 *
 * The loop keeps no state outside the struct l4_server (no globals), so a
 * server can run in a task that shares only its text and the page that
 * holds that struct (libl4/task_sharing_program.h), as the tests do.
 */
#include "libl4/server.h"

#include "bursar/fault.h"
#include "libl4/utcb.h"

void l4_server_init(struct l4_server *server, unsigned endpoint, unsigned reply, void *state)
{
    *server = (struct l4_server){
        .endpoint = endpoint, .reply = reply, .state = state, .capability_window = BURSAR_NO_CAPABILITY,
    };
    server->request.server = server;
}

/* The window words, from the interfaces' needs: the most items of each kind one request carries. */
static void window_words(struct l4_server *server)
{
    unsigned capabilities = 0, memory = 0;

    for (unsigned i = 0; i < server->interface_count; i++) {
        if (server->interfaces[i].capability_items > capabilities)
            capabilities = server->interfaces[i].capability_items;
        if (server->interfaces[i].memory_items > memory)
            memory = server->interfaces[i].memory_items;
    }
    server->windows.capabilities = capabilities && server->capability_window != BURSAR_NO_CAPABILITY
                                       ? BURSAR_CAPABILITY_WINDOW(server->capability_window, capabilities) : 0;
    server->windows.memory = memory && server->memory_window
                                 ? BURSAR_MEMORY_WINDOW(server->memory_window, server->memory_window_log2) : 0;
}

void l4_server_windows(struct l4_server *server, unsigned first_slot, uintptr_t memory_base, unsigned memory_log2)
{
    server->capability_window = first_slot;
    server->memory_window = memory_base;
    server->memory_window_log2 = memory_log2;
    window_words(server);
}

int l4_server_add(struct l4_server *server, struct l4_server_interface interface)
{
    if (server->interface_count == L4_SERVER_INTERFACES || !interface.dispatch ||
        interface.first_label > interface.last_label)
        return -BURSAR_E_INVALID_ARGUMENT;
    for (unsigned i = 0; i < server->interface_count; i++) {
        const struct l4_server_interface *other = &server->interfaces[i];
        if (interface.first_label <= other->last_label && other->first_label <= interface.last_label)
            return -BURSAR_E_INVALID_ARGUMENT;
    }
    server->interfaces[server->interface_count++] = interface;
    window_words(server);
    return 0;
}

/* INVALID_ARGUMENT if an interface takes items of a kind the server opened no window for. */
static int check_windows(const struct l4_server *server)
{
    for (unsigned i = 0; i < server->interface_count; i++) {
        const struct l4_server_interface *interface = &server->interfaces[i];
        if ((interface->capability_items && !server->windows.capabilities) ||
            (interface->memory_items && !server->windows.memory))
            return -BURSAR_E_INVALID_ARGUMENT;
    }
    return 0;
}

bool l4_server_capability_is(unsigned slot, unsigned type)
{
    struct l4_cap_info info;

    return l4_cap_inspect(slot, &info) == 0 && info.type == type;
}

/* The interface whose labels hold the request's, or the server's catch-all. */
static int dispatch(struct l4_server *server, struct l4_request *request)
{
    unsigned label = BURSAR_TAG_LABEL(request->msg.tag);

    for (unsigned i = 0; i < server->interface_count; i++) {
        const struct l4_server_interface *interface = &server->interfaces[i];
        if (label >= interface->first_label && label <= interface->last_label)
            return interface->dispatch(interface->handlers, request);
    }
    return server->other ? server->other(request) : -BURSAR_E_UNKNOWN_OPERATION;
}

/* l4_server_handle, inlined into the loop: a register-only request then costs no call. */
static inline __attribute__((always_inline)) void handle(struct l4_server *server, struct l4_request *request)
{
    unsigned items = l4_msg_items(&request->msg);
    uint32_t landed[2 * BURSAR_MAX_TYPED_ITEMS];
    int error;

    server->stats.requests++;
    request->badge = request->msg.badge;
    request->keep_items = false;
    /* The dispatch overwrites the message with the reply: note what landed first. */
    for (unsigned i = 0; i < 2 * items; i++)
        landed[i] = request->msg.mr[l4_msg_words(&request->msg) + i];
    error = dispatch(server, request);
    /* Out of the windows with whatever arrived, so the next request finds them empty. */
    if (items && !request->keep_items)
        l4_items_drop(landed, items);
    if (error == 0)
        return;
    server->stats.error_replies++;
    if (error == -BURSAR_E_INVALID_MESSAGE || error == -BURSAR_E_UNKNOWN_OPERATION || error == -BURSAR_E_WRONG_TYPE)
        server->stats.malformed++;
    request->msg.tag = l4_error_tag(error);
    request->msg.mr[0] = 0;     /* a heap fault sent here reads MR0 = 0 frames as a refusal */
    request->msg.mr[1] = 0;
}

void l4_server_handle(struct l4_server *server, struct l4_request *request)
{
    handle(server, request);
}

/* Message registers a message uses: its words, then two per item. */
static inline unsigned registers(const struct l4_msg *msg)
{
    return l4_msg_words(msg) + BURSAR_ITEM_WORDS * l4_msg_items(msg);
}

/*
 * l4_msg_reply_wait without its checks (the reply is the dispatch's, or
 * an error reply, well formed either way) and with nothing to copy when
 * both messages fit in MR0 and MR1: the loop's common case, on the
 * kernel's fast path.
 */
static inline __attribute__((always_inline)) int reply_and_wait(struct l4_server *server, struct l4_msg *msg)
{
    unsigned out = registers(msg), in;
    int error;

    for (unsigned i = BURSAR_REGISTER_WORDS; i < out; i++)
        l4_mr_set(i, msg->mr[i]);
    error = l4_reply_wait(server->endpoint, server->reply, &msg->badge, &msg->tag, &msg->mr[0], &msg->mr[1],
                          BURSAR_TIMEOUT_NEVER);
    in = registers(msg);
    if (error == 0)
        for (unsigned i = BURSAR_REGISTER_WORDS; i < in && i < BURSAR_MESSAGE_REGISTERS; i++)
            msg->mr[i] = l4_mr_get(i);
    return error;
}

/* The last reply, when a handler asked the loop to stop. */
static int reply_and_stop(struct l4_server *server, const struct l4_msg *msg)
{
    server->stop = false;
    l4_msg_reply(server->reply, msg);
    return 0;
}

int l4_server_release(unsigned reply, int refusal)
{
    int status = l4_reply(reply, l4_error_tag(refusal), 0, 0);

    if (status != 0 && status != -BURSAR_E_NO_CALLER)
        status = l4_reply(reply, BURSAR_TAG(BURSAR_LABEL_KILL, 0, 0), 0, 0);
    return status == 0 ? 0 : -BURSAR_E_NO_CALLER;
}

/*
 * A reply-and-wait failed. If the reply was refused, its caller is still
 * bound to the reply object (which a receive would refuse, BUSY): it is
 * answered (l4_server_release). Then receive afresh; if that fails too,
 * the endpoint is gone and so is the server.
 */
static int recover(struct l4_server *server, int error)
{
    struct l4_request *request = &server->request;

    if (l4_server_release(server->reply, error) == 0)
        server->stats.refused_replies++;
    l4_receive_windows_set(server->windows);
    return l4_msg_receive(server->endpoint, server->reply, &request->msg, BURSAR_TIMEOUT_NEVER);
}

int l4_server_run(struct l4_server *server)
{
    struct l4_request *request = &server->request;
    int error = check_windows(server);

    if (error)
        return error;
    request->server = server;
    l4_receive_windows_set(server->windows);
    error = l4_msg_receive(server->endpoint, server->reply, &request->msg, BURSAR_TIMEOUT_NEVER);
    for (;;) {
        if (error) {
            error = recover(server, error);
            if (error)
                return error;
        }
        handle(server, request);
        if (server->stop)
            return reply_and_stop(server, &request->msg);
        /* Re-armed every time: a handler may have opened windows of its own to call someone. */
        l4_receive_windows_set(server->windows);
        error = reply_and_wait(server, &request->msg);
    }
}

int l4_rpc(unsigned endpoint, struct l4_msg *msg, unsigned send_timeout, unsigned receive_timeout)
{
    unsigned label = l4_msg_label(msg);
    int error = l4_msg_call(endpoint, msg, send_timeout, receive_timeout);

    if (error)
        return error;
    if (msg->tag & BURSAR_TAG_ERROR)
        return l4_msg_label(msg) ? -(int)l4_msg_label(msg) : -BURSAR_E_INVALID_MESSAGE;
    return l4_msg_label(msg) == label ? 0 : -BURSAR_E_INVALID_MESSAGE;
}
