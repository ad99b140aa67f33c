/*
 * transfer_agent.c — the agents of the typed-item tests (transfer.h): tasks
 * B and C, each with its own heap, each serving the root's requests from a
 * function of this program. The agent's code uses nothing but its stack,
 * its UTCB and the pages it is given.
 */
#include "transfer.h"

#include "libl4/task_sharing_program.h"
#include "libl4/thread_spawn.h"

/* What an agent's task shares with the root: its stack, its UTCB and its read counter. */
struct agent_area {
    uint8_t stack[4096];
    struct bursar_utcb utcb;
    volatile uint32_t counter;
} __attribute__((aligned(4096)));

static struct agent_area areas[2];

/* ---- the agent's side (runs in its own task) ---- */

static int probe(unsigned endpoint, uintptr_t address, unsigned rights)
{
    return l4_send(endpoint, BURSAR_TAG(0, 0, 1), BURSAR_ITEM_MEMORY_WORD(12, rights, BURSAR_COPY),
                   (uint32_t)address, BURSAR_TIMEOUT_ZERO);
}

static void answer(struct l4_msg *m, uint32_t first)
{
    l4_msg_start(m, 0);
    l4_msg_append(m, first);
}

/* AGENT_FORWARD: [n, item words...] to the endpoint in AGENT_TARGET. */
static void forward(struct l4_msg *m)
{
    struct l4_msg out;
    unsigned items = m->mr[0];
    int status;

    out.tag = BURSAR_TAG(AGENT_TAKE, 0, items);
    out.badge = 0;
    for (unsigned i = 0; i < BURSAR_ITEM_WORDS * items && i + 1 < BURSAR_MESSAGE_REGISTERS; i++)
        out.mr[i] = m->mr[1 + i];
    status = l4_msg_call(AGENT_TARGET, &out, BURSAR_TIMEOUT_MS(1000), BURSAR_TIMEOUT_MS(1000));
    answer(m, (uint32_t)status);
    for (unsigned i = 0; status == 0 && i < l4_msg_words(&out); i++)
        l4_msg_append(m, out.mr[i]);
}

/* AGENT_TAKE: the items as received, then the untyped words, all as words. */
static void take(struct l4_msg *m)
{
    unsigned words = l4_msg_words(m), items = l4_msg_items(m);
    uint32_t copy[BURSAR_MESSAGE_REGISTERS];

    for (unsigned i = 0; i < words + BURSAR_ITEM_WORDS * items && i < BURSAR_MESSAGE_REGISTERS; i++)
        copy[i] = m->mr[i];
    answer(m, items);
    for (unsigned i = 0; i < BURSAR_ITEM_WORDS * items; i++)
        l4_msg_append(m, copy[words + i]);
    for (unsigned i = 0; i < words; i++)
        l4_msg_append(m, copy[i]);
}

__attribute__((noreturn)) static void touch_forever(volatile uint32_t *counter, uintptr_t address)
{
    for (;;) {
        (void)*(volatile uint32_t *)address;
        (*counter)++;
    }
}

static void serve(struct l4_msg *m, volatile uint32_t *counter)
{
    uint32_t a = m->mr[0], b = m->mr[1], c = m->mr[2];
    struct l4_cap_info cap = { 0 };
    int status;

    switch (l4_msg_label(m)) {
    case AGENT_TAKE:    take(m); return;
    case AGENT_FORWARD: forward(m); return;
    case AGENT_REVOKE:  answer(m, (uint32_t)l4_cap_revoke(a)); return;
    case AGENT_DELETE:  answer(m, (uint32_t)l4_cap_delete(a)); return;
    case AGENT_INSPECT:
        status = l4_cap_inspect(a, &cap);
        answer(m, (uint32_t)status);
        l4_msg_append(m, cap.type);
        l4_msg_append(m, cap.rights);
        l4_msg_append(m, cap.badge);
        l4_msg_append(m, cap.revoked);
        return;
    case AGENT_UNMAP:
        answer(m, (uint32_t)l4_sysenter(SYS_UNMAP, a, b, c, 0));
        return;
    case AGENT_PROBE_PAGE: answer(m, (uint32_t)probe(AGENT_PROBE, a, b)); return;
    case AGENT_READ:    answer(m, *(volatile uint32_t *)a); return;
    case AGENT_WRITE:   *(volatile uint32_t *)a = b; answer(m, b); return;
    case AGENT_SEND:    answer(m, (uint32_t)l4_send(a, BURSAR_TAG(AGENT_TAKE, 1, 0), 7, 0, b)); return;
    case AGENT_WINDOWS:
        l4_utcb_set_word(offsetof(struct bursar_utcb, receive_capabilities), a);
        l4_utcb_set_word(offsetof(struct bursar_utcb, receive_memory), b);
        answer(m, 0);
        return;
    case AGENT_GIVE_BACK: {
        /* A reply with items; if the caller refuses them it stays bound, and hears why in a plain reply. */
        unsigned items = a;
        for (unsigned i = 0; i < BURSAR_ITEM_WORDS * items && i + 1 < BURSAR_MESSAGE_REGISTERS; i++)
            m->mr[i] = m->mr[1 + i];
        m->tag = BURSAR_TAG(AGENT_GIVE_BACK, 0, items);
        answer(m, (uint32_t)l4_msg_reply(AGENT_REPLY, m));
        return;
    }
    case AGENT_TOUCH:
        answer(m, 0);
        l4_msg_reply(AGENT_REPLY, m);
        touch_forever(counter, a);
    default:            answer(m, (uint32_t)-BURSAR_E_INVALID_ARGUMENT); return;
    }
}

static void agent_main(void *argument)
{
    volatile uint32_t *counter = argument;
    struct l4_msg m;
    int error;

    l4_set_receive_windows(AGENT_WINDOW, AGENT_WINDOW_SLOTS, AGENT_MEMORY_WINDOW, AGENT_MEMORY_LOG2);
    error = l4_msg_receive(AGENT_ENDPOINT, AGENT_REPLY, &m, BURSAR_TIMEOUT_NEVER);
    while (error != -BURSAR_E_DESTROYED) {
        if (error == 0) {
            serve(&m, counter);
            error = l4_msg_reply_wait(AGENT_ENDPOINT, AGENT_REPLY, &m, BURSAR_TIMEOUT_NEVER);
        } else {
            error = l4_msg_receive(AGENT_ENDPOINT, AGENT_REPLY, &m, BURSAR_TIMEOUT_NEVER);
        }
    }
}

/* ---- the root's side ---- */

/*
 * As l4_server_start_in_new_task, except that the root keeps its reply
 * capability (a COPY goes to the agent), so the teardown can destroy it.
 */
int agent_start(struct agent *agent, unsigned index, unsigned heap_frames)
{
    struct agent_area *area = &areas[index];
    struct l4_task_spec task;
    struct l4_thread_spec thread;
    int error;

    agent->index = index;
    agent->heap = core_slot(), agent->task = core_slot(), agent->thread = core_slot();
    agent->endpoint = core_slot(), agent->reply = core_slot();
    area->counter = 0;
    task = (struct l4_task_spec){ .heap = agent->heap, .slot = agent->task, .capability_slots = AGENT_SLOTS,
                                  .shared = area, .shared_size = sizeof *area };
    thread = (struct l4_thread_spec){
        .heap = agent->heap, .task = agent->task, .slot = agent->thread,
        .stack = area->stack, .stack_size = sizeof area->stack, .utcb = (uintptr_t)&area->utcb,
        .priority = CORE_LOW_PRIORITY, .entry = agent_main, .argument = (void *)&area->counter,
    };
    if ((error = core_heap_create(agent->heap, heap_frames)) ||
        (error = l4_create(agent->heap, BURSAR_OBJECT_ENDPOINT, agent->endpoint, 0)) ||
        (error = l4_create(agent->heap, BURSAR_OBJECT_REPLY, agent->reply, 0)) ||
        (error = l4_task_create_sharing_program(&task)) ||
        (error = agent_give(agent, agent->endpoint, AGENT_ENDPOINT, BURSAR_RIGHT_READ)) ||
        (error = agent_give(agent, agent->reply, AGENT_REPLY, BURSAR_RIGHT_WRITE)) ||
        (error = agent_give(agent, agent->endpoint, AGENT_PROBE, BURSAR_RIGHT_WRITE)))
        return error;
    return l4_thread_spawn(&thread);
}

int agent_give(struct agent *agent, unsigned source, unsigned slot, unsigned rights)
{
    return l4_cap_transfer(source, agent->task, slot, rights, BURSAR_COPY, 0);
}

int agent_call(struct agent *agent, struct l4_msg *m)
{
    return l4_msg_call(agent->endpoint, m, BURSAR_TIMEOUT_MS(1000), BURSAR_TIMEOUT_MS(1000));
}

int agent_do(struct agent *agent, unsigned op, uint32_t a, uint32_t b, uint32_t c, struct l4_msg *reply)
{
    int error;

    l4_msg_start(reply, op);
    l4_msg_append(reply, a);
    l4_msg_append(reply, b);
    l4_msg_append(reply, c);
    error = agent_call(agent, reply);
    return error ? error : (int)reply->mr[0];
}

int agent_inspect(struct agent *agent, unsigned slot, struct agent_capability *cap)
{
    struct l4_msg m;
    int error = agent_do(agent, AGENT_INSPECT, slot, 0, 0, &m);

    *cap = (struct agent_capability){ m.mr[1], m.mr[2], m.mr[3], m.mr[4] };
    return error;
}

int agent_probe(struct agent *agent, uintptr_t address, unsigned rights)
{
    struct l4_msg m;

    return agent_do(agent, AGENT_PROBE_PAGE, address, rights, 0, &m);
}

volatile uint32_t *agent_counter(unsigned index)
{
    return &areas[index].counter;
}

uint32_t heap_live(unsigned heap_slot, unsigned kind)
{
    struct bursar_heap_info info;

    if (l4_heap_info(heap_slot, &info) != 0)
        return 0xffffffffu;
    return info.live_by_type[kind];
}

int root_probe(unsigned endpoint, uintptr_t address, unsigned rights)
{
    return probe(endpoint, address, rights);
}
