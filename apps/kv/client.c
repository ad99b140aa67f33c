/*
 * client.c — a client of the tutorial's key-value store (docs/tutorial.md).
 * Its capabilities come from the system description (apps/kv/kv.system):
 * `store` (the store's endpoint) and `kv` (a heap of its own, to lend the
 * store). `args alice` or `args bob` picks the part it plays:
 *
 *   alice  opens a session and shows what it cost her heap; stores small
 *          values and a large one (her pages, given as a memory item) and
 *          reads them back; stores large values until her heap is spent
 *          and the kernel refuses the next one by name; destroys her heap
 *          and shows every page of it coming back, her session gone with
 *          it; then tells bob.
 *   bob    opens a session, stores a small and a large value, waits for
 *          alice's news, and finds both as he left them.
 */
#include "apps/kv/kv_idl.h"
#include "apps/kv/kv_session_idl.h"
#include "libl4/printf.h"
#include "libl4/start_info.h"
#include "libl4/string.h"

#define VALUE_LOG2   14                  /* 16 KiB: four pages */
#define VALUE_SIZE   (1u << VALUE_LOG2)
#define VALUES       6
#define WINDOW       0x30000000u         /* where get_large's copy lands */
#define WINDOW_LOG2  22

enum { SESSION = 24 };                   /* the slot open's session capability lands in */

/* The pages of each large value, given away to the session one value at a time. */
static uint8_t values[VALUES][VALUE_SIZE] __attribute__((aligned(VALUE_SIZE)));

static const char *me;
static unsigned store, heap;

static void fill(unsigned n)
{
    for (unsigned i = 0; i < VALUE_SIZE; i++)
        values[n][i] = (uint8_t)(n * 37 + i * 7);
}

/* Whether the copy of value n that get_large put at `where` has value n's bytes. */
static bool matches(unsigned n, const uint8_t *where, uint32_t length)
{
    for (uint32_t i = 0; i < length; i++)
        if (where[i] != (uint8_t)(n * 37 + i * 7))
            return false;
    return length == VALUE_SIZE;
}

/* One line of the heap's ledger: its pages, and the objects in it by kind. */
static void show_heap(const char *when)
{
    struct bursar_heap_info info;
    bool first = true;

    if (l4_heap_info(heap, &info) != 0) {
        printf("%s: %s: my kv heap is gone\n", me, when);
        return;
    }
    printf("%s: %s: my kv heap holds %u pages, %u free;", me, when, info.pages_held, info.pages_free);
    for (unsigned kind = 0; kind < BURSAR_HEAP_KIND_COUNT; kind++) {
        if (info.live_by_type[kind]) {
            printf("%s %u %s", first ? "" : ",", info.live_by_type[kind], l4_heap_kind_name(kind));
            first = false;
        }
    }
    printf("%s\n", first ? " nothing in it" : "");
}

/* Reads large value `key` back into the window and checks it is value n; unmaps it again. */
static int check_large(uint32_t key, unsigned n)
{
    uintptr_t where = 0;
    uint32_t length = 0;
    unsigned log2 = 0;
    int error = kv_session_get_large(SESSION, key, WINDOW, WINDOW_LOG2, &length, &where, &log2);

    if (error)
        return error;
    error = matches(n, (const uint8_t *)where, length) ? 0 : -BURSAR_E_INVALID_MESSAGE;
    l4_unmap(where, (1u << log2) / 4096u);
    return error;
}

static int open_session(void)
{
    int error = kv_open(store, heap, SESSION);

    printf("%s: open a session, lending the store a charge-only capability to my kv heap: %s\n", me,
           kv_error_name(error));
    return error;
}

static int alice(unsigned tell_bob)
{
    struct bursar_system_info before, after;
    struct bursar_heap_info kv;
    uint32_t value = 0;
    unsigned stored = 0;
    int error;

    show_heap("at start");
    if (open_session())
        return 20;
    show_heap("with my session in it");
    printf("%s: a second session: %s\n", me, kv_error_name(kv_open(store, heap, SESSION + 1)));
    printf("%s: put 1 = 100, 2 = 200: %s, %s\n", me, kv_session_error_name(kv_session_put(SESSION, 1, 100)),
           kv_session_error_name(kv_session_put(SESSION, 2, 200)));
    error = kv_session_get(SESSION, 1, &value);
    printf("%s: get 1: %u (%s)\n", me, value, kv_session_error_name(error));
    printf("%s: get 3: %s\n", me, kv_session_error_name(kv_session_get(SESSION, 3, NULL)));
    /* Large values, each in pages of its own, until the heap is spent. */
    for (unsigned n = 0; n < VALUES; n++) {
        fill(n);
        error = kv_session_put_large(SESSION, 10 + n, VALUE_SIZE, (uintptr_t)values[n], VALUE_LOG2);
        printf("%s: put_large %u: %u bytes given as a memory item: %s\n", me, 10 + n, VALUE_SIZE,
               kv_session_error_name(error));
        if (error)
            break;
        stored++;
        if (n == 0) {
            show_heap("with one large value");
            printf("%s: get_large 10: %s\n", me,
                   check_large(10, 0) == 0 ? "the same bytes came back" : "the bytes differ");
        }
    }
    if (error != -BURSAR_E_RECEIVER_HEAP_EMPTY) {
        printf("%s: expected my kv heap to run out, got %s\n", me, kv_session_error_name(error));
        return 21;
    }
    /* All or nothing: the refused pages never left. */
    values[stored][0]++;
    printf("%s: my quota ran out after %u large values; the refused pages are still mine\n", me, stored);
    show_heap("spent");
    printf("%s: get_large %u: %s\n", me, 10 + stored - 1,
           check_large(10 + stored - 1, stored - 1) == 0 ? "the same bytes came back" : "the bytes differ");

    l4_heap_info(heap, &kv);
    l4_system_info(&before);
    error = l4_destroy(heap);
    l4_system_info(&after);
    printf("%s: destroyed my kv heap (%s): heaps hold %u pages, were %u; free frames %u, were %u\n", me,
           l4_error_name(error), after.heap_frames, before.heap_frames, after.bank_frames, before.bank_frames);
    printf("%s: %u of my kv heap's %u pages came back\n", me, after.bank_frames - before.bank_frames,
           kv.pages_held);
    error = kv_session_get(SESSION, 1, &value);
    printf("%s: my session went with it: get 1: %s\n", me, kv_session_error_name(error));
    printf("%s: telling bob\n", me);
    l4_send(tell_bob, BURSAR_TAG(1, 0, 0), 0, 0, BURSAR_TIMEOUT_NEVER);
    return after.bank_frames - before.bank_frames == kv.pages_held && error ? 0 : 22;
}

static int bob(unsigned news)
{
    uint32_t value = 0;
    int error;

    if (open_session())
        return 30;
    fill(0);
    printf("%s: put 7 = 700: %s; put_large 70: %s\n", me, kv_session_error_name(kv_session_put(SESSION, 7, 700)),
           kv_session_error_name(kv_session_put_large(SESSION, 70, VALUE_SIZE, (uintptr_t)values[0], VALUE_LOG2)));
    show_heap("before alice's run");
    printf("%s: waiting for alice\n", me);
    l4_receive(news, BURSAR_NO_CAPABILITY, 0, 0, 0, 0, BURSAR_TIMEOUT_NEVER);
    error = kv_session_get(SESSION, 7, &value);
    printf("%s: alice is done; get 7: %u (%s); get_large 70: %s\n", me, value, kv_session_error_name(error),
           check_large(70, 0) == 0 ? "the same bytes came back" : "the bytes differ");
    show_heap("after alice's run");
    return error || value != 700 ? 31 : 0;
}

int main(const struct bursar_boot_info *unused)
{
    const struct l4_start_info *info = l4_start_info();
    int status;

    (void)unused;
    store = l4_start_cap("store");
    heap = l4_start_cap("kv");
    if (!info || store == BURSAR_NO_CAPABILITY || heap == BURSAR_NO_CAPABILITY || info->argc != 1)
        return 10;
    me = info->name;
    if (strcmp(info->argv[0], "alice") == 0)
        status = alice(l4_start_cap("tell_bob"));
    else
        status = bob(l4_start_cap("news"));
    printf("%s: close: %s\n", me, kv_error_name(kv_close(store)));
    return status;
}
