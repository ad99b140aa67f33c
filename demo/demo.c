/*
 * demo.c — the root task `./bursar run` boots: a short tour of what Bursar
 * does, printed as it happens.
 *
 *   1. what the root task was given (modules, memory);
 *   2. the payer rule: creating objects costs the paying heap, and the
 *      accounting identity holds before and after;
 *   3. a server in a second address space, called over IPC;
 *   4. capabilities: a revocable copy, then revoking it;
 *   5. the kernel's own view (the debug dump), then power off.
 */
#include "libl4/l4.h"
#include "libl4/printf.h"
#include "libl4/task.h"

enum { ENDPOINT = BURSAR_SLOT_FIRST_FREE, REPLY, SERVER_TASK, SERVER_THREAD, COPY, EXTRA_ENDPOINT };
enum { SERVER_ENDPOINT = L4_SERVER_ENDPOINT, SERVER_REPLY = L4_SERVER_REPLY };

#define LABEL_ADD 1

static struct shared {
    struct bursar_utcb server_utcb;
    char server_stack[8192] __attribute__((aligned(16)));
} shared __attribute__((aligned(4096)));

/* Runs in the second address space: answers "add" requests. */
static void adder(void *unused)
{
    uint32_t badge, tag, a, b;
    int error;

    (void)unused;
    error = l4_receive(SERVER_ENDPOINT, SERVER_REPLY, &badge, &tag, &a, &b, BURSAR_TIMEOUT_NEVER);
    while (!error) {
        uint32_t sum = a + b;
        tag = BURSAR_TAG(LABEL_ADD, 1, 0);
        error = l4_reply_wait(SERVER_ENDPOINT, SERVER_REPLY, &badge, &tag, &sum, &b, BURSAR_TIMEOUT_NEVER);
        a = sum;
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
        .utcb = (uintptr_t)&shared.server_utcb, .priority = BURSAR_ROOT_PRIORITY, .entry = adder,
    };

    return l4_server_start_in_new_task(&server);
}

static void call_server(void)
{
    for (uint32_t i = 1; i <= 3; i++) {
        uint32_t tag = BURSAR_TAG(LABEL_ADD, 2, 0), a = i * 10, b = i;
        int error = l4_call(ENDPOINT, &tag, &a, &b, BURSAR_TIMEOUT_NEVER, BURSAR_TIMEOUT_NEVER);
        printf("  call add(%u, %u) -> %u (error %d)\n", i * 10, i, a, error);
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
        printf("cannot start the server: error %d\n", error);
        return 1;
    }
    show_accounting("after a task and a thread:");
    printf("3. A server in a second address space adds numbers over IPC:\n");
    call_server();
    printf("4. Capabilities: copy, then revoke.\n");
    revoke_a_copy();
    printf("5. The kernel's own view:\n");
    l4_debug_dump(BURSAR_DUMP_ALL);
    printf("Demo done; the machine powers off when the root task ends.\n");
    return 0;
}
