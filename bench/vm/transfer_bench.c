/*
 * transfer_bench.c — IPC carrying one typed item, as the root task under
 * `qemu -icount shift=0` (figures are guest instructions; docs/benchmarks.md).
 *
 * Each row is one-way: from the client's TSC read before its call to the
 * server's read when the message has arrived, the item transferred. The
 * server (a second task sharing this program's text and one region) then,
 * untimed, deletes what it got and replies, so every round starts alike.
 * A page stays mapped in the server's memory window so its page table does
 * not come and go with the item.
 *
 *   ipc.item.none               the same call with three untyped words (slow path on both kernels)
 *   ipc.item.cap.copy           one capability, COPY
 *   ipc.item.cap.revocable      one capability, REVOCABLE COPY (a record from the client's heap)
 *   ipc.item.memory.revocable   one page, REVOCABLE COPY (L4 map; a record from the client's heap)
 *   ipc.item.memory.copy        one page, COPY (a record from the server's heap)
 */
#include "bench/vm/lib/bench.h"
#include "libl4/l4.h"
#include "libl4/printf.h"
#include "libl4/task_sharing_program.h"

#define ROUNDS 1000
#define WARM_UP 20

enum { ENDPOINT = BURSAR_SLOT_FIRST_FREE, REPLY, SERVER_TASK, SERVER_THREAD, PASSED };
enum { SERVER_ENDPOINT = L4_SERVER_ENDPOINT, SERVER_REPLY = L4_SERVER_REPLY, SERVER_WINDOW = 4, SERVER_SLOTS = 8 };

#define SERVER_MEMORY_WINDOW 0x50000000u
#define SERVER_MEMORY_LOG2   22
#define PIN_PAGE             (SERVER_MEMORY_WINDOW + 0x3ff000u)

static struct shared {
    struct bursar_utcb server_utcb;
    volatile uint64_t received_at;
    char server_stack[4096] __attribute__((aligned(16)));
} shared __attribute__((aligned(4096)));

static char page[4096] __attribute__((aligned(4096)));
static uint32_t samples[ROUNDS];

/* Stamp the arrival, then put back what came (untimed) and answer. */
static void item_server(void *unused)
{
    uint32_t badge, tag = 0, mr0 = 0, mr1 = 0;

    (void)unused;
    l4_set_receive_windows(SERVER_WINDOW, 1, SERVER_MEMORY_WINDOW, SERVER_MEMORY_LOG2);
    l4_receive(SERVER_ENDPOINT, SERVER_REPLY, &badge, &tag, &mr0, &mr1, BURSAR_TIMEOUT_NEVER);
    for (;;) {
        shared.received_at = l4_timestamp();
        /* With no untyped words, the item is MR0 and MR1. */
        if (BURSAR_TAG_TYPED(tag) && BURSAR_ITEM_KIND(mr0) == BURSAR_ITEM_CAPABILITY)
            l4_cap_delete(BURSAR_ITEM_SLOT(mr0));
        else if (BURSAR_TAG_TYPED(tag))
            l4_unmap(mr1, 1);
        tag = BURSAR_TAG(1, 0, 0);
        l4_reply_wait(SERVER_ENDPOINT, SERVER_REPLY, &badge, &tag, &mr0, &mr1, BURSAR_TIMEOUT_NEVER);
    }
}

static uint32_t one_way(uint32_t tag, uint32_t mr0, uint32_t mr1)
{
    uint64_t start = l4_timestamp();

    l4_call(ENDPOINT, &tag, &mr0, &mr1, BURSAR_TIMEOUT_NEVER, BURSAR_TIMEOUT_NEVER);
    return (uint32_t)(shared.received_at - start);
}

static void row(const char *name, uint32_t tag, uint32_t mr0, uint32_t mr1)
{
    /* Per round: the call, the server's untimed clean-up and its reply-wait. */
    struct bench_counts counts = { .operations = ROUNDS };

    for (unsigned i = 0; i < WARM_UP; i++)
        one_way(tag, mr0, mr1);
    l4_system_info(&counts.before);
    for (unsigned i = 0; i < ROUNDS; i++)
        samples[i] = one_way(tag, mr0, mr1);
    l4_system_info(&counts.after);
    bench_print_row(name, samples, ROUNDS, 1, &counts);
}

static int start_server(void)
{
    struct l4_server_spec server = {
        .task = { .heap = BURSAR_SLOT_HEAP, .slot = SERVER_TASK, .capability_slots = SERVER_SLOTS,
                  .shared = &shared, .shared_size = sizeof shared },
        .endpoint = ENDPOINT, .reply = REPLY, .thread = SERVER_THREAD,
        .stack = shared.server_stack, .stack_size = sizeof shared.server_stack,
        .utcb = (uintptr_t)&shared.server_utcb, .priority = BURSAR_ROOT_PRIORITY, .entry = item_server,
    };
    int error = l4_server_start_in_new_task(&server);

    /* The pin: keeps the server's window page table. A capability to pass around. */
    if (!error)
        error = l4_map(SERVER_TASK, (uintptr_t)&shared, PIN_PAGE, BURSAR_RIGHT_READ, 1);
    if (!error)
        error = l4_create(BURSAR_SLOT_HEAP, BURSAR_OBJECT_ENDPOINT, PASSED, 0);
    return error;
}

int main(const struct bursar_boot_info *boot_info)
{
    const uint32_t rw = BURSAR_RIGHT_READ | BURSAR_RIGHT_WRITE;
    int error;

    (void)boot_info;
    printf("typed-item benchmark: %u rounds, one-way medians in instructions (TSC under -icount shift=0)\n",
           ROUNDS);
    page[0] = 1;                 /* mapped and writable */
    error = start_server();
    if (error) {
        printf("bench: cannot start the server task: error %d\n", error);
        return 1;
    }
    bench_measure_overhead();
    l4_mr_set(2, 0);
    row("ipc.item.none", BURSAR_TAG(1, 3, 0), 1, 2);
    row("ipc.item.cap.copy", BURSAR_TAG(1, 0, 1),
        BURSAR_ITEM_CAPABILITY_WORD(PASSED, BURSAR_RIGHT_WRITE, BURSAR_COPY), 0);
    row("ipc.item.cap.revocable", BURSAR_TAG(1, 0, 1),
        BURSAR_ITEM_CAPABILITY_WORD(PASSED, BURSAR_RIGHT_WRITE, BURSAR_REVOCABLE_COPY), 0);
    row("ipc.item.memory.revocable", BURSAR_TAG(1, 0, 1),
        BURSAR_ITEM_MEMORY_WORD(12, rw, BURSAR_REVOCABLE_COPY), (uint32_t)(uintptr_t)page);
    row("ipc.item.memory.copy", BURSAR_TAG(1, 0, 1), BURSAR_ITEM_MEMORY_WORD(12, rw, BURSAR_COPY),
        (uint32_t)(uintptr_t)page);
    return 0;
}
