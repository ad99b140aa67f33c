/*
 * store.c — the key-value store of the tutorial (docs/tutorial.md): a
 * server of kv.idl that gives each client a session of its own, paid by a
 * heap the client lends it.
 *
 * `open` takes a charge-only capability to the client's heap (it can
 * create objects paid by that heap, and nothing else) and makes there a
 * session: an endpoint, a reply object, a task and a thread running
 * session.c (store.h). The store pays only the records of its own code and
 * of the session's region mapped into the session's task, which come back
 * when the session goes. The client can take everything back at any time
 * by destroying its heap: the session dies with it, and the store notices
 * when it next looks for a free session. A client (a badge) has one
 * session at a time. `close` ends the client's session; the store stops
 * after `args N` clients have closed.
 */
#include "apps/kv/kv_idl.h"
#include "apps/kv/store.h"

#include "libl4/printf.h"
#include "libl4/start_info.h"
#include "libl4/string.h"
#include "libl4/task_sharing_program.h"

#define SESSION_PRIORITY 120

enum {
    REPLY = 8,                  /* the store's own reply object */
    WINDOW,                     /* where open's heap capability lands */
    FIRST_SESSION_SLOT = 16,    /* 5 per session: heap, endpoint, reply, task, thread */
};

struct session_slots {
    bool open;
    uint32_t badge;             /* the client that opened it */
};

static struct session sessions[STORE_MAX_SESSIONS];       /* each shared with its session's task */
static struct session_slots slots[STORE_MAX_SESSIONS];
static struct l4_server server;
static unsigned closes, clients;

static unsigned heap_slot(unsigned i)     { return FIRST_SESSION_SLOT + 5 * i; }
static unsigned endpoint_slot(unsigned i) { return heap_slot(i) + 1; }
static unsigned reply_slot(unsigned i)    { return heap_slot(i) + 2; }
static unsigned task_slot(unsigned i)     { return heap_slot(i) + 3; }
static unsigned thread_slot(unsigned i)   { return heap_slot(i) + 4; }

/* Destroys what session i has (each object paid by its client's heap) and empties its slots. */
static void end_session(unsigned i)
{
    for (unsigned slot = thread_slot(i); slot >= endpoint_slot(i); slot--)
        l4_destroy(slot);
    for (unsigned slot = heap_slot(i); slot <= thread_slot(i); slot++)
        l4_cap_delete(slot);
    slots[i].open = false;
}

/* A session whose client destroyed its heap is dead: its task's capability no longer names a task. */
static bool alive(unsigned i)
{
    struct l4_cap_info info;

    return l4_cap_inspect(task_slot(i), &info) == 0 && info.type == BURSAR_OBJECT_TASK;
}

/*
 * A free session for client `badge`, after forgetting the dead ones: -1 if
 * there is none, -2 if the client has a live one already (one each, so no
 * client can take every session).
 */
static int free_session(uint32_t badge)
{
    int found = -1;

    for (unsigned i = 0; i < STORE_MAX_SESSIONS; i++) {
        if (slots[i].open && !alive(i))
            end_session(i);
        if (slots[i].open && slots[i].badge == badge)
            return -2;
        if (!slots[i].open && found < 0)
            found = (int)i;
    }
    return found;
}

static int open(struct l4_request *request, unsigned heap, unsigned *session)
{
    int i = free_session(request->badge), error;
    struct l4_server_spec spec;

    if (i < 0)
        return i == -2 ? -BURSAR_E_BUSY : -KV_E_FULL;
    memset(&sessions[i], 0, sizeof sessions[i]);
    spec = (struct l4_server_spec){
        .task = { .heap = heap_slot(i), .slot = task_slot(i), .capability_slots = SESSION_SLOTS,
                  .shared = &sessions[i], .shared_size = sizeof sessions[i] },
        .endpoint = endpoint_slot(i), .reply = reply_slot(i), .thread = thread_slot(i),
        .stack = sessions[i].stack, .stack_size = sizeof sessions[i].stack,
        .utcb = (uintptr_t)&sessions[i].utcb, .priority = SESSION_PRIORITY,
        .entry = session_main, .argument = &sessions[i],
    };
    /* Keep the client's heap capability (the loop deletes what arrived in the window). */
    error = l4_cap_copy(heap, heap_slot(i), BURSAR_RIGHT_CHARGE, 0);
    if (!error)
        error = l4_server_start_in_new_task(&spec);
    slots[i] = (struct session_slots){ .open = true, .badge = request->badge };
    if (error) {
        end_session((unsigned)i);
        return error;
    }
    *session = endpoint_slot(i);
    return 0;
}

static int close(struct l4_request *request)
{
    for (unsigned i = 0; i < STORE_MAX_SESSIONS; i++)
        if (slots[i].open && slots[i].badge == request->badge)
            end_session(i);
    if (++closes == clients)
        request->server->stop = true;
    return 0;
}

static const struct kv_handlers store_handlers = { .open = open, .close = close };

int main(const struct bursar_boot_info *unused)
{
    const struct l4_start_info *info = l4_start_info();
    unsigned requests = l4_start_cap("requests");
    int error;

    (void)unused;
    if (!info || requests == BURSAR_NO_CAPABILITY || info->argc != 1)
        return 10;
    for (const char *c = info->argv[0]; *c >= '0' && *c <= '9'; c++)
        clients = clients * 10 + (unsigned)(*c - '0');
    error = l4_create(BURSAR_SLOT_HEAP, BURSAR_OBJECT_REPLY, REPLY, 0);
    if (error)
        return 11;
    l4_server_init(&server, requests, REPLY, NULL);
    l4_server_windows(&server, WINDOW, 0, 0);        /* open's heap capability lands in WINDOW */
    l4_server_add(&server, kv_interface(&store_handlers));
    printf("%s: serving on slot %u until %u clients have closed\n", info->name, requests, clients);
    error = l4_server_run(&server);
    printf("%s: %s after %u requests (%u refused as malformed)\n", info->name,
           error ? l4_error_name(error) : "every client closed", server.stats.requests, server.stats.malformed);
    return error ? 12 : 0;
}
