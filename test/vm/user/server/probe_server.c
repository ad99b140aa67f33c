/*
 * probe_server.c — the probe server (probe.idl) and how the root starts
 * it. The handlers run in the server task: they touch only the shared
 * region (request->server->state), never this program's data.
 *
 * Each handler also checks that what the generated dispatch handed it is
 * of the declared shape (a capability of the declared type in the window,
 * a page in the memory window) and counts anything else as garbage: the
 * tests expect that count to stay 0 whatever clients send.
 */
#include "probe.h"

#include "libl4/string.h"
#include "libl4/task_sharing_program.h"

struct probe_shared probe_shared __attribute__((aligned(4096)));

static struct probe_state *state_of(struct l4_request *request)
{
    struct probe_state *state = request->server->state;

    state->calls++;
    return state;
}

static void expect(struct probe_state *state, bool ok)
{
    if (!ok)
        state->garbage++;
}

static int add(struct l4_request *request, uint32_t a, uint32_t b, uint32_t *sum)
{
    state_of(request);
    *sum = a + b;
    return 0;
}

static int whoami(struct l4_request *request, uint32_t *badge, uint32_t *calls)
{
    struct probe_state *state = state_of(request);

    *badge = request->badge;
    *calls = state->calls;
    return 0;
}

static int sum(struct l4_request *request, uint32_t w0, uint32_t w1, uint32_t w2, uint32_t w3, uint32_t w4,
               uint32_t w5, uint32_t w6, uint32_t w7, uint32_t w8, uint32_t w9, uint32_t *total, uint32_t *first,
               uint32_t *last)
{
    state_of(request);
    *total = w0 + w1 + w2 + w3 + w4 + w5 + w6 + w7 + w8 + w9;
    *first = w0;
    *last = w9;
    return 0;
}

/* A capability argument: where it landed and what it is. */
static int inspect(struct l4_request *request, unsigned slot, uint32_t *type, uint32_t *rights)
{
    struct probe_state *state = state_of(request);
    struct l4_cap_info info = { 0 };
    int error = l4_cap_inspect(slot, &info);

    expect(state, error == 0 && slot == PROBE_WINDOW && info.type == BURSAR_OBJECT_ENDPOINT);
    *type = info.type;
    *rights = info.rights;
    return error;
}

/* A memory argument: its first word, and its last word set to the first plus one where it may write. */
static int touch(struct l4_request *request, uintptr_t page, unsigned log2, bool writable, uint32_t *first,
                 uint32_t *address)
{
    struct probe_state *state = state_of(request);
    volatile uint32_t *words = (volatile uint32_t *)page;

    expect(state, log2 == 12 && page >= PROBE_MEMORY_WINDOW && page < PROBE_MEMORY_WINDOW + (1u << PROBE_MEMORY_LOG2));
    if (log2 != 12)
        return -BURSAR_E_INVALID_ARGUMENT;
    *first = words[0];
    if (writable)
        words[1023] = words[0] + 1;
    *address = page;
    return 0;
}

static int mem_copy(struct l4_request *r, uintptr_t page, unsigned log2, uint32_t *first, uint32_t *address)
{
    return touch(r, page, log2, false, first, address);
}

static int mem_writable(struct l4_request *r, uintptr_t page, unsigned log2, uint32_t *first, uint32_t *address)
{
    return touch(r, page, log2, true, first, address);
}

static int give_copy(struct l4_request *request, unsigned *e)
{
    state_of(request);
    *e = PROBE_GIVE;
    return 0;
}

/* A grant gives the slot away: give a copy of the endpoint, so the next request finds it still here. */
static int give_grant(struct l4_request *request, unsigned *e)
{
    state_of(request);
    l4_cap_delete(PROBE_SCRATCH);
    *e = PROBE_SCRATCH;
    /* GRANT too: passing a capability on takes its GRANT right. */
    return l4_cap_copy(PROBE_GIVE, PROBE_SCRATCH, BURSAR_RIGHT_WRITE | BURSAR_RIGHT_GRANT, 0);
}

static int stock(struct l4_request *request, uintptr_t page, unsigned log2)
{
    struct probe_state *state = state_of(request);

    expect(state, log2 == 12 && page >= PROBE_MEMORY_WINDOW);
    request->keep_items = true;         /* the page stays where it landed, to be given back */
    state->stocked = page;
    return 0;
}

static int give_page_copy(struct l4_request *request, uint32_t value, uintptr_t *page, unsigned *log2)
{
    state_of(request);
    probe_shared.page[0] = value;       /* the shared region: the server task has it at the same address */
    *page = (uintptr_t)probe_shared.page;
    *log2 = 12;
    return 0;
}

static int give_page_grant(struct l4_request *request, uintptr_t *page, unsigned *log2)
{
    struct probe_state *state = state_of(request);

    if (!state->stocked)
        return -BURSAR_E_EMPTY_SLOT;
    *page = state->stocked;
    *log2 = 12;
    state->stocked = 0;
    return 0;
}

static int fail(struct l4_request *request, uint32_t error)
{
    state_of(request);
    return -(int)error;
}

static int block(struct l4_request *request)
{
    struct probe_state *state = state_of(request);

    state->blocked = 1;
    l4_receive(PROBE_GATE, BURSAR_NO_CAPABILITY, 0, 0, 0, 0, BURSAR_TIMEOUT_NEVER);
    state->blocked = 0;
    return 0;
}

static int take_heap(struct l4_request *request, unsigned heap, uint32_t *pages)
{
    struct probe_state *state = state_of(request);
    struct bursar_heap_info info;
    int error = l4_heap_info(heap, &info);

    expect(state, error == 0);
    *pages = info.pages_held;
    return error;
}

static int mixed(struct l4_request *request, uint32_t a, unsigned e, uint32_t b, uintptr_t page, unsigned log2,
                 uint32_t *a_back, uint32_t *b_back, uint32_t *rights, uint32_t *first)
{
    uint32_t type, address;
    int error = inspect(request, e, &type, rights);

    if (error == 0)
        error = touch(request, page, log2, false, first, &address);
    *a_back = a;
    *b_back = b;
    return error;
}

static int quit(struct l4_request *request)
{
    state_of(request);
    request->server->stop = true;
    return 0;
}

/* Every operation but `missing`, which is declared and has no handler. */
static const struct probe_handlers handlers = {
    .add = add, .whoami = whoami, .sum = sum,
    .cap_copy = inspect, .cap_revocable = inspect, .cap_grant = inspect,
    .mem_copy = mem_copy, .mem_revocable = mem_writable, .mem_grant = mem_writable,
    .give_copy = give_copy, .give_revocable = give_copy, .give_grant = give_grant,
    .stock = stock, .give_page_copy = give_page_copy, .give_page_grant = give_page_grant,
    .fail = fail, .block = block, .take_heap = take_heap, .mixed = mixed, .quit = quit,
};

/* Labels no interface serves: PROBE_OTHER_LABEL gets an answer of its own, the rest UNKNOWN_OPERATION. */
static int other(struct l4_request *request)
{
    if (l4_msg_label(&request->msg) != PROBE_OTHER_LABEL)
        return -BURSAR_E_UNKNOWN_OPERATION;
    state_of(request);
    l4_msg_start(&request->msg, PROBE_OTHER_LABEL);
    l4_msg_append(&request->msg, PROBE_OTHER_ANSWER);
    return 0;
}

/* The server thread, in its own task. */
static void probe_server_main(void *argument)
{
    struct probe_shared *shared = argument;
    struct l4_server *server = &shared->server;

    l4_server_init(server, PROBE_ENDPOINT, PROBE_REPLY, &shared->state);
    l4_server_windows(server, PROBE_WINDOW, PROBE_MEMORY_WINDOW, PROBE_MEMORY_LOG2);
    server->other = other;
    shared->state.run_result = l4_server_add(server, probe_interface(&handlers));
    if (shared->state.run_result == 0)
        shared->state.run_result = l4_server_run(server);
    shared->state.finished = 1;
}

int probe_start(struct probe *probe, unsigned heap_frames)
{
    struct l4_server_spec spec;
    int error;

    memset(&probe_shared, 0, sizeof probe_shared);
    *probe = (struct probe){
        .heap = core_slot(), .endpoint = core_slot(), .reply = core_slot(), .task = core_slot(),
        .thread = core_slot(), .give = core_slot(), .gate = core_slot(), .client = core_slot(),
    };
    spec = (struct l4_server_spec){
        .task = { .heap = probe->heap, .slot = probe->task, .capability_slots = PROBE_SLOTS,
                  .shared = &probe_shared, .shared_size = sizeof probe_shared },
        .endpoint = probe->endpoint, .reply = probe->reply, .thread = probe->thread,
        .stack = probe_shared.stack, .stack_size = sizeof probe_shared.stack,
        .utcb = (uintptr_t)&probe_shared.utcb, .priority = CORE_LOW_PRIORITY,
        .entry = probe_server_main, .argument = &probe_shared,
    };
    error = core_heap_create(probe->heap, heap_frames);
    if (!error)
        error = l4_create(probe->heap, BURSAR_OBJECT_ENDPOINT, probe->give, 0);
    if (!error)
        error = l4_create(probe->heap, BURSAR_OBJECT_ENDPOINT, probe->gate, 0);
    /* The server runs below the root's priority: it has its slots before it first runs. */
    if (!error)
        error = l4_server_start_in_new_task(&spec);
    if (!error)
        error = l4_cap_transfer(probe->give, probe->task, PROBE_GIVE, BURSAR_RIGHT_WRITE | BURSAR_RIGHT_GRANT,
                                BURSAR_COPY, 0);
    if (!error)
        error = l4_cap_transfer(probe->gate, probe->task, PROBE_GATE, BURSAR_RIGHT_READ, BURSAR_COPY, 0);
    if (!error)
        error = l4_cap_copy(probe->endpoint, probe->client, BURSAR_RIGHT_WRITE | BURSAR_RIGHT_GRANT, PROBE_BADGE);
    return error;
}

int probe_page_mapped(uintptr_t page, unsigned rights)
{
    struct l4_msg m;

    l4_msg_start(&m, 1);
    l4_msg_append_memory(&m, page, 12, rights, BURSAR_COPY);
    return l4_msg_send(CORE_SLEEP_ENDPOINT, &m, BURSAR_TIMEOUT_ZERO);
}
