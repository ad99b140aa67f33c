/*
 * demo.c — the root task `./bursar run` boots: a short tour of what Bursar
 * does, printed as it happens.
 *
 *   1. what the root task was given (modules, memory);
 *   2. the payer rule: creating objects costs the paying heap, and the
 *      accounting identity holds before and after;
 *   3. a server in a second address space, called over IPC;
 *   4. capabilities: a revocable copy, then revoking it;
 *   5. a capability sent to the server as a typed item (a revocable copy):
 *      the server uses it, the demo revokes it, the server's next use fails;
 *   6. a page fault served by a user pager (faults.c);
 *   7. a heap fault served by a bank, transparent to the create (faults.c);
 *   8. the kernel's own view (the debug dump), then power off.
 */
#include "demo/demo.h"
#include "libl4/l4.h"
#include "libl4/message.h"
#include "libl4/printf.h"
#include "libl4/task.h"

enum { SERVER_ENDPOINT = L4_SERVER_ENDPOINT, SERVER_REPLY = L4_SERVER_REPLY, SERVER_WINDOW = 2 };

#define LABEL_ADD 1         /* MR0 + MR1 -> MR0 */
#define LABEL_LEND 2        /* one capability item, which lands in SERVER_WINDOW -> MR0 its slot */
#define LABEL_USE 3         /* SYS_HEAP_INFO on SERVER_WINDOW -> MR0 error, MR1 pages held */

static struct shared {
    struct bursar_utcb server_utcb;
    char server_stack[8192] __attribute__((aligned(16)));
} shared __attribute__((aligned(4096)));

/* The server's answer to one request, built in *m over the request. */
static void serve(struct l4_msg *m)
{
    struct bursar_heap_info heap;
    struct l4_item item = { 0 };
    uint32_t sum = m->mr[0] + m->mr[1];
    int error;

    switch (l4_msg_label(m)) {
    case LABEL_ADD:
        l4_msg_start(m, LABEL_ADD);
        l4_msg_append(m, sum);
        return;
    case LABEL_LEND:
        l4_msg_item(m, 0, &item);
        l4_msg_start(m, LABEL_LEND);
        l4_msg_append(m, item.slot);
        return;
    case LABEL_USE:
        error = l4_heap_info(SERVER_WINDOW, &heap);
        l4_msg_start(m, LABEL_USE);
        l4_msg_append(m, (uint32_t)error);
        l4_msg_append(m, error ? 0 : heap.pages_held);
        return;
    }
    l4_msg_start(m, 0);
}

/*
 * Runs in the second address space, which maps only the program's text and
 * `shared`: no globals here. A capability sent in a message lands in slot
 * SERVER_WINDOW of its task.
 */
static void server_loop(void *unused)
{
    struct l4_msg m;
    int error;

    (void)unused;
    l4_set_receive_windows(SERVER_WINDOW, 1, 0, 0);
    error = l4_msg_receive(SERVER_ENDPOINT, SERVER_REPLY, &m, BURSAR_TIMEOUT_NEVER);
    while (!error) {
        serve(&m);
        error = l4_msg_reply_wait(SERVER_ENDPOINT, SERVER_REPLY, &m, BURSAR_TIMEOUT_NEVER);
    }
}

static void show_accounting(const char *when)
{
    struct bursar_system_info info;
    struct bursar_heap_info heap;

    l4_system_info(&info);
    l4_heap_info(BURSAR_SLOT_HEAP, &heap);
    printf("  %-28s fixed %u + heaps %u + banks %u = %u of %u usable frames; boot heap: %u pages, %u free\n",
           when, info.fixed_reservation_frames, info.heap_frames, info.bank_frames,
           info.fixed_reservation_frames + info.heap_frames + info.bank_frames, info.usable_frames,
           heap.pages_held, heap.pages_free);
}

static int start_server(void)
{
    struct l4_server_spec server = {
        .task = { .heap = BURSAR_SLOT_HEAP, .slot = SERVER_TASK, .capability_slots = 8,
                  .shared = &shared, .shared_size = sizeof shared },
        .endpoint = ENDPOINT, .reply = REPLY, .thread = SERVER_THREAD,
        .stack = shared.server_stack, .stack_size = sizeof shared.server_stack,
        .utcb = (uintptr_t)&shared.server_utcb, .priority = BURSAR_ROOT_PRIORITY, .entry = server_loop,
    };

    return l4_server_start_in_new_task(&server);
}

static void call_server(void)
{
    for (uint32_t i = 1; i <= 3; i++) {
        uint32_t tag = BURSAR_TAG(LABEL_ADD, 2, 0), a = i * 10, b = i;
        int error = l4_call(ENDPOINT, &tag, &a, &b, BURSAR_TIMEOUT_NEVER, BURSAR_TIMEOUT_NEVER);
        printf("  call add(%u, %u) -> %u (%s)\n", i * 10, i, a, l4_error_name(error));
    }
}

static void revoke_a_copy(void)
{
    struct l4_cap_info info;

    l4_create(BURSAR_SLOT_HEAP, BURSAR_OBJECT_ENDPOINT, EXTRA_ENDPOINT, 0);
    show_accounting("before revocable copy:");
    l4_cap_transfer(EXTRA_ENDPOINT, BURSAR_OWN_TASK, COPY, BURSAR_RIGHT_WRITE, BURSAR_REVOCABLE_COPY, 7);
    l4_cap_inspect(COPY, &info);
    printf("  slot %u: a revocable copy, type %u, rights %x, badge %u (its record is paid by our heap)\n",
           COPY, info.type, info.rights, info.badge);
    l4_cap_revoke(EXTRA_ENDPOINT);
    l4_cap_inspect(COPY, &info);
    printf("  after revoking the original's derivations, slot %u holds type %u\n", COPY, info.type);
    show_accounting("after revoke:");
}

/* Asks the server to use the heap capability it was lent: its error and the pages it saw. */
static void server_uses_heap(void)
{
    struct l4_msg m;
    int error;

    l4_msg_start(&m, LABEL_USE);
    error = l4_msg_call(ENDPOINT, &m, BURSAR_TIMEOUT_NEVER, BURSAR_TIMEOUT_NEVER);
    printf("  server: SYS_HEAP_INFO on its slot %u -> %s, %u pages held (the call: %s)\n", SERVER_WINDOW,
           l4_error_name((int)m.mr[0]), m.mr[1], l4_error_name(error));
}

/*
 * Lends the server a read-only capability to a new (empty) heap, sent as a
 * typed REVOCABLE COPY item, and takes it back with a revoke.
 */
static void lend_over_ipc(void)
{
    struct l4_msg m;
    int error = l4_create(BURSAR_SLOT_HEAP, BURSAR_OBJECT_HEAP, LENT_HEAP, 0);

    l4_msg_start(&m, LABEL_LEND);
    l4_msg_append_capability(&m, LENT_HEAP, BURSAR_RIGHT_READ, BURSAR_REVOCABLE_COPY, 0);
    if (!error)
        error = l4_msg_call(ENDPOINT, &m, BURSAR_TIMEOUT_NEVER, BURSAR_TIMEOUT_NEVER);
    printf("  sent a read-only revocable copy of a heap capability as a typed item (%s);\n"
           "  it landed in the server's slot %u\n", l4_error_name(error), m.mr[0]);
    server_uses_heap();
    error = l4_cap_revoke(LENT_HEAP);
    printf("  I revoke what was derived from my heap capability (%s); the server tries again\n",
           l4_error_name(error));
    server_uses_heap();
    printf("  (REVOKED: the server's slot was emptied by the revoke)\n");
}

int main(const struct bursar_boot_info *boot_info)
{
    int error;

    printf("\nBursar demo: the root task speaking.\n");
    printf("1. I was given %u module(s) and %u free frames (%u KiB) in %u ranges.\n", boot_info->module_count,
           boot_info->free_frames, boot_info->free_frames * 4, boot_info->range_count);
    printf("2. Every kernel object has a payer: the boot heap pays for mine.\n");
    show_accounting("at start:");
    error = start_server();
    if (error) {
        printf("cannot start the server: %s\n", l4_error_name(error));
        return 1;
    }
    show_accounting("after a task and a thread:");
    printf("3. A server in a second address space adds numbers over IPC:\n");
    call_server();
    printf("4. Capabilities: copy, then revoke.\n");
    revoke_a_copy();
    printf("5. A capability as a typed item in an IPC: the server uses it until I revoke it.\n");
    lend_over_ipc();
    error = start_pager_and_bank();
    if (error) {
        printf("cannot start the pager and bank thread: %s\n", l4_error_name(error));
        return 1;
    }
    printf("6. A page fault, served by a pager thread in user space:\n");
    show_page_fault(boot_info);
    printf("7. A heap fault: an empty heap asks its bank thread for memory, and the create goes on.\n");
    show_heap_fault(boot_info);
    show_accounting("after the faults:");
    printf("8. The kernel's own view:\n");
    l4_debug_dump(BURSAR_SLOT_DEBUG, BURSAR_DUMP_ALL, 0);
    printf("Demo done; the machine powers off when the root task ends.\n");
    return 0;
}
