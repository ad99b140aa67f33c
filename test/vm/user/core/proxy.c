/*
 * proxy.c — the proxy task of proxy.h: a loop that takes a system call as
 * a message (eax and four arguments), makes it, and replies with the
 * status and the four result registers.
 */
#include "proxy.h"

#include "libl4/message.h"
#include "libl4/task_sharing_program.h"

#define PROXY_WORDS 5
/* Its task, thread, tables and reply object (which its task holds alone: the heap takes it along). */
#define PROXY_HEAP_FRAMES 12

struct proxy_region {
    char stack[4096];
    struct bursar_utcb utcb;
} __attribute__((aligned(4096)));

static struct proxy_region proxy_regions[2];

/* Runs in the proxy's task: only its stack and UTCB. */
static void proxy_main(void *unused)
{
    struct l4_msg m;
    int status = l4_msg_receive(L4_SERVER_ENDPOINT, L4_SERVER_REPLY, &m, BURSAR_TIMEOUT_NEVER);

    (void)unused;
    for (;;) {
        struct l4_words w = { m.mr[1], m.mr[2], m.mr[3], m.mr[4] };
        int result = status == 0 && l4_msg_words(&m) == PROXY_WORDS ? l4_sysenter_inline(m.mr[0], &w)
                                                                     : -BURSAR_E_INVALID_MESSAGE;
        l4_msg_start(&m, 0);
        l4_msg_append(&m, (uint32_t)result);
        l4_msg_append(&m, w.ebx);
        l4_msg_append(&m, w.esi);
        l4_msg_append(&m, w.edi);
        l4_msg_append(&m, w.ebp);
        status = l4_msg_reply_wait(L4_SERVER_ENDPOINT, L4_SERVER_REPLY, &m, BURSAR_TIMEOUT_NEVER);
    }
}

int proxy_start(struct proxy *proxy, unsigned which)
{
    struct proxy_region *region = &proxy_regions[which];
    unsigned heap = core_slot();
    struct l4_server_spec spec = {
        .task = { .heap = heap, .slot = core_slot(), .capability_slots = PROXY_SLOTS,
                  .shared = region, .shared_size = sizeof *region },
        .endpoint = core_slot(), .reply = core_slot(), .thread = core_slot(),
        .stack = region->stack, .stack_size = sizeof region->stack, .utcb = (uintptr_t)&region->utcb,
        .priority = CORE_LOW_PRIORITY, .entry = proxy_main,
    };

    int error = core_heap_create(heap, PROXY_HEAP_FRAMES);

    proxy->heap = heap;
    proxy->task = spec.task.slot;
    proxy->endpoint = spec.endpoint;
    proxy->reply = spec.reply;
    proxy->thread = spec.thread;
    return error ? error : l4_server_start_in_new_task(&spec);
}

int proxy_give(const struct proxy *proxy, unsigned source, unsigned slot, unsigned rights)
{
    return l4_cap_transfer(source, proxy->task, slot, rights, BURSAR_COPY, 0);
}

int proxy_syscall(const struct proxy *proxy, uint32_t eax, uint32_t a0, uint32_t a1, uint32_t a2, uint32_t a3,
                  struct l4_words *out)
{
    struct l4_msg m;
    int error;

    l4_msg_start(&m, 0);
    l4_msg_append(&m, eax);
    l4_msg_append(&m, a0);
    l4_msg_append(&m, a1);
    l4_msg_append(&m, a2);
    l4_msg_append(&m, a3);
    error = l4_msg_call(proxy->endpoint, &m, BURSAR_TIMEOUT_NEVER, BURSAR_TIMEOUT_MS(2000));
    if (error)
        return error;
    if (l4_msg_words(&m) != PROXY_WORDS)
        return -BURSAR_E_INVALID_MESSAGE;
    if (out)
        *out = (struct l4_words){ m.mr[1], m.mr[2], m.mr[3], m.mr[4] };
    return (int)m.mr[0];
}
