/*
 * session.c — a session of the key-value store: one client's values,
 * served in a task paid by that client's heap (store.h).
 *
 * Small values are words in the session's table. A large value arrives as
 * pages the client gives (a memory item by GRANT) and stays where it
 * landed, in a 4 MiB region of its own: the page table the kernel makes
 * for it, and the record of each page, are paid by the session's task,
 * which the client's heap pays for. When that heap has nothing left the
 * kernel refuses the pages before they move (RECEIVER_HEAP_EMPTY to the
 * client), and the session never knows. get_large sends a COPY back.
 *
 * This code runs in the session's task: it may touch only its struct
 * session, never the store's other data (no printf either: its buffer is
 * the store's).
 */
#include "apps/kv/store.h"

static struct session *session_of(struct l4_request *request)
{
    return request->server->state;
}

static int put(struct l4_request *request, uint32_t key, uint32_t value)
{
    struct session *s = session_of(request);

    for (unsigned i = 0; i < s->small_count; i++) {
        if (s->keys[i] == key) {
            s->values[i] = value;
            return 0;
        }
    }
    if (s->small_count == SESSION_SMALL_VALUES)
        return -KV_SESSION_E_FULL;
    s->keys[s->small_count] = key;
    s->values[s->small_count++] = value;
    return 0;
}

static int get(struct l4_request *request, uint32_t key, uint32_t *value)
{
    struct session *s = session_of(request);

    for (unsigned i = 0; i < s->small_count; i++) {
        if (s->keys[i] == key) {
            *value = s->values[i];
            return 0;
        }
    }
    return -KV_SESSION_E_NOT_FOUND;
}

static struct large_value *find_large(struct session *s, uint32_t key)
{
    for (unsigned i = 0; i < SESSION_LARGE_VALUES; i++)
        if (s->large[i].used && s->large[i].key == key)
            return &s->large[i];
    return 0;
}

/* The memory window for the next large value: the first free region (none: no window). */
static void open_window(struct session *s)
{
    for (unsigned i = 0; i < SESSION_LARGE_VALUES; i++) {
        if (!s->large[i].used) {
            l4_server_windows(&s->server, BURSAR_NO_CAPABILITY, SESSION_VALUES + (i << SESSION_REGION_LOG2),
                              SESSION_REGION_LOG2);
            return;
        }
    }
    l4_server_windows(&s->server, BURSAR_NO_CAPABILITY, 0, 0);
}

static void drop(struct session *s, struct large_value *value)
{
    l4_unmap(value->address, (1u << value->log2) / 4096u);
    value->used = false;
    open_window(s);
}

static int put_large(struct l4_request *request, uint32_t key, uint32_t length, uintptr_t value, unsigned log2)
{
    struct session *s = session_of(request);
    struct large_value *old = find_large(s, key), *slot = 0;

    /* The pages landed in the window's region: keep them there, and open the next free region. */
    for (unsigned i = 0; i < SESSION_LARGE_VALUES && !slot; i++)
        if (!s->large[i].used && value >> SESSION_REGION_LOG2 == (SESSION_VALUES >> SESSION_REGION_LOG2) + i)
            slot = &s->large[i];
    if (!slot)
        return -KV_SESSION_E_FULL;      /* cannot be: the window is always a free region */
    if (length > (1u << log2))
        length = 1u << log2;
    request->keep_items = true;
    *slot = (struct large_value){ .used = true, .key = key, .length = length, .address = value, .log2 = log2 };
    if (old)
        drop(s, old);
    open_window(s);
    return 0;
}

static int get_large(struct l4_request *request, uint32_t key, uint32_t *length, uintptr_t *value, unsigned *log2)
{
    struct large_value *found = find_large(session_of(request), key);

    if (!found)
        return -KV_SESSION_E_NOT_FOUND;
    *length = found->length;
    *value = found->address;
    *log2 = found->log2;
    return 0;
}

static int remove(struct l4_request *request, uint32_t key)
{
    struct session *s = session_of(request);
    struct large_value *found = find_large(s, key);

    if (found) {
        drop(s, found);
        return 0;
    }
    for (unsigned i = 0; i < s->small_count; i++) {
        if (s->keys[i] == key) {
            s->keys[i] = s->keys[--s->small_count];
            s->values[i] = s->values[s->small_count];
            return 0;
        }
    }
    return -KV_SESSION_E_NOT_FOUND;
}

/* Every operation of kv_session.idl. */
static const struct kv_session_handlers session_handlers = {
    .put = put, .get = get, .put_large = put_large, .get_large = get_large, .remove = remove,
};

void session_main(void *argument)
{
    struct session *s = argument;

    l4_server_init(&s->server, SESSION_ENDPOINT, SESSION_REPLY, s);
    l4_server_add(&s->server, kv_session_interface(&session_handlers));
    open_window(s);
    l4_server_run(&s->server);       /* until the client's heap, and this task with it, is gone */
}
