/*
 * main.c — the wrapper server (docs/wrapper.md): start-up, then the service
 * loop that makes and destroys wrappers. The wrappers' own threads do the
 * forwarding (forward.c).
 *
 * Start capabilities, by name: `requests`, the endpoint clients call to make
 * and destroy wrappers (badged per client: the badge is who owns what), and
 * `bank`, a bank of the space bank server, against which every client's
 * bank is checked (SYS_CAP_COMPARE: the same server's endpoint) before the
 * server calls it. One optional argument: each client's quota of wrappers.
 *
 * The loop is libl4's (l4_server_handle does the dispatch, the shape checks
 * and the cleaning of the windows) but for one thing: a reply that carries
 * a new wrapper is sent with a plain reply and the loop receives after it,
 * so that a client that does not take it (gone, timed out, its window
 * refusing the capability) has the wrapper torn down at once, its bank paid
 * back, instead of holding the server's slots for good.
 */
#include "servers/wrapper/wrapper.h"

#include "libl4/l4.h"
#include "libl4/printf.h"
#include "libl4/start_info.h"

struct wrapper_server wrapper_server;

/* The size of this task's capability space: the first slot the kernel says is out of range. */
static unsigned slot_count(void)
{
    unsigned low = 1, high = 2048;
    struct l4_cap_info info;

    while (low < high) {
        unsigned middle = (low + high + 1) / 2;
        if (l4_cap_inspect(middle - 1, &info) == -BURSAR_E_INVALID_CAPABILITY)
            high = middle - 1;
        else
            low = middle;
    }
    return low;
}

static unsigned parse_number(const char *text)
{
    unsigned value = 0;

    while (*text >= '0' && *text <= '9')
        value = value * 10 + (unsigned)(*text++ - '0');
    return value;
}

/* A failed reply-and-wait or receive: answer a refused reply, then receive afresh. */
static int recover(struct wrapper_server *server, int error)
{
    struct l4_server *loop = &server->loop;

    if (l4_server_release(SLOT_SERVICE_REPLY, error) == 0)
        loop->stats.refused_replies++;
    l4_receive_windows_set(loop->windows);
    return l4_msg_receive(server->service, SLOT_SERVICE_REPLY, &loop->request.msg, BURSAR_TIMEOUT_NEVER);
}

static int serve(struct wrapper_server *server)
{
    struct l4_server *loop = &server->loop;
    struct l4_request *request = &loop->request;
    int error;

    l4_receive_windows_set(loop->windows);
    error = l4_msg_receive(server->service, SLOT_SERVICE_REPLY, &request->msg, BURSAR_TIMEOUT_NEVER);
    for (;;) {
        if (error) {
            error = recover(server, error);
            if (error == -BURSAR_E_DESTROYED || error == -BURSAR_E_REVOKED)
                return error;
            continue;
        }
        server->created = -1;
        l4_server_handle(loop, request);
        l4_receive_windows_set(loop->windows);
        if (server->created < 0) {
            error = l4_msg_reply_wait(server->service, SLOT_SERVICE_REPLY, &request->msg, BURSAR_TIMEOUT_NEVER);
            continue;
        }
        error = l4_msg_reply(SLOT_SERVICE_REPLY, &request->msg);
        if (error) {
            /* Not taken: a refusal leaves the client bound, and it hears why. */
            if (l4_server_release(SLOT_SERVICE_REPLY, error) == 0)
                loop->stats.refused_replies++;
            wrapper_teardown(server, (unsigned)server->created);
        }
        error = l4_msg_receive(server->service, SLOT_SERVICE_REPLY, &request->msg, BURSAR_TIMEOUT_NEVER);
    }
}

int main(const struct bursar_boot_info *unused)
{
    const struct l4_start_info *start = l4_start_info();
    struct wrapper_server *server = &wrapper_server;
    int error;

    (void)unused;
    server->service = l4_start_cap("requests");
    server->own_bank = l4_start_cap("bank");
    server->priority = start->priority;
    server->quota = start->argc > 1 ? parse_number(start->argv[1]) : 0;
    server->slot_count = slot_count();
    if (server->service == BURSAR_NO_CAPABILITY || server->own_bank == BURSAR_NO_CAPABILITY) {
        printf("wrapper: needs the capabilities 'requests' and 'bank'\n");
        return 1;
    }
    wrappers_init(server);
    error = l4_create(BURSAR_SLOT_HEAP, BURSAR_OBJECT_REPLY, SLOT_SERVICE_REPLY, 0);
    if (!error)
        error = wrapper_windows_init(server->capacity);
    if (error) {
        printf("wrapper: cannot start: %s\n", l4_error_name(error));
        return 1;
    }
    l4_server_init(&server->loop, server->service, SLOT_SERVICE_REPLY, server);
    l4_server_windows(&server->loop, SLOT_REQUEST_WINDOW, 0, 0);
    l4_server_add(&server->loop, wrapper_interface(&wrapper_service_handlers));
    printf("wrapper: serving on slot %u: %u wrappers, %u for each client\n", server->service, server->capacity,
           server->quota);
    error = serve(server);
    printf("wrapper: the service endpoint failed: %s\n", l4_error_name(error));
    return 1;
}
