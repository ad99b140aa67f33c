/*
 * forward.c — a wrapper's forwarding thread: every call made through the
 * wrapper is called on to the target with the same message, and the reply
 * relayed back.
 *
 * The common case is kept to the two system calls a call needs, each one
 * the kernel's IPC fast path takes when the message is register-only: the
 * caller's call arrives in this thread's reply-and-wait, the thread calls
 * the target with the tag and the two words as they came, and its next
 * reply-and-wait relays the answer in the same registers and takes the next
 * call. Words past MR1 need no copy either: the kernel writes them into this
 * thread's UTCB on the way in, and reads them from there on the way out.
 *
 * Only typed items need work, because the kernel rewrites an item for its
 * receiver (the slot or address where it landed), and because what the
 * wrapper passes on must leave nothing behind that would cost it, or block
 * the next message. An item goes on from where it landed:
 *   - a capability by COPY as a COPY (the receiver shares the sender's
 *     record, as with a direct COPY), by REVOCABLE COPY or GRANT as a GRANT
 *     (the receiver gets the very holder the wrapper got: the sender's
 *     revocable copy, which the sender can still revoke). A capability
 *     without the GRANT right cannot be passed on at all;
 *   - memory by REVOCABLE COPY or GRANT as a GRANT (the mapping and its
 *     record, the sender's, move on). A memory COPY is refused: its record
 *     was charged to this server's heap, and a GRANT on would leave it
 *     paying for as long as the receiver kept the page.
 * Anything else is answered WRAPPER_E_NOT_FORWARDED and dropped. Requests
 * land in windows A, replies in windows B, so a COPY the wrapper still
 * holds never fills the slot the answer needs; what is left in a window is
 * deleted or unmapped before the next message can come.
 *
 * The thread never learns more than the server's table says at its start:
 * its own slots, from wrapper_server.entries[i], where i is the page its
 * stack is on (wrapper_thread_entry). Its page is the client's, and may be
 * taken back at any time: then this thread faults and dies, and no one
 * else notices.
 */
#include "servers/wrapper/wrapper.h"

#include "libl4/l4.h"
#include "libl4/utcb.h"

#define ITEMS_MASK (BURSAR_TAG_TYPED_MASK << BURSAR_TAG_TYPED_SHIFT)
#define STRING(x) #x
#define EXPANDED_STRING(x) STRING(x)

/*
 * The thread starts here with esp just under the top of its page
 * (wrappers.c) and every other register zero: the page's index is the
 * argument of wrapper_forward. The stack is then aligned as at any C
 * function's entry.
 */
__asm__(".text\n"
        ".globl wrapper_thread_entry\n"
        "wrapper_thread_entry:\n\t"
        "movl %esp, %eax\n\t"
        "subl $" EXPANDED_STRING(WRAPPER_PAGES) ", %eax\n\t"
        "shrl $12, %eax\n\t"
        "subl $12, %esp\n\t"
        "pushl %eax\n\t"
        "call wrapper_forward\n\t"
        "ud2\n");

struct forwarder {
    struct wrapper_entry *entry;                /* only to say its windows are in use (wrapper_teardown) */
    unsigned endpoint, reply, target;
    struct l4_receive_windows windows[2];      /* A: requests land here; B: replies */
};

/* The item words of a message (after its untyped words), wherever they travel. */
struct items {
    unsigned first, count;                      /* MR index of the first item word, items */
    uint32_t landed[2 * BURSAR_MAX_TYPED_ITEMS];   /* as the kernel rewrote them for us */
};

static uint32_t word_get(unsigned i, uint32_t mr0, uint32_t mr1)
{
    return i == 0 ? mr0 : i == 1 ? mr1 : l4_mr_get(i);
}

static void word_set(unsigned i, uint32_t value, uint32_t *mr0, uint32_t *mr1)
{
    if (i == 0)
        *mr0 = value;
    else if (i == 1)
        *mr1 = value;
    else
        l4_mr_set(i, value);
}

static void items_read(struct items *items, uint32_t tag, uint32_t mr0, uint32_t mr1)
{
    items->first = BURSAR_TAG_UNTYPED(tag);
    items->count = BURSAR_TAG_TYPED(tag);
    for (unsigned i = 0; i < 2 * items->count; i++)
        items->landed[i] = word_get(items->first + i, mr0, mr1);
}

/*
 * Rewrites each item to go on from where it landed (the rules at the top).
 * 0, or WRAPPER_E_NOT_FORWARDED and nothing rewritten.
 */
static int items_pass_on(const struct items *items, uint32_t *mr0, uint32_t *mr1)
{
    uint32_t out[2 * BURSAR_MAX_TYPED_ITEMS];

    for (unsigned k = 0; k < items->count; k++) {
        uint32_t word = items->landed[2 * k], address = items->landed[2 * k + 1];
        unsigned mode = BURSAR_ITEM_MODE(word), rights = BURSAR_ITEM_RIGHTS(word);

        if (BURSAR_ITEM_KIND(word) == BURSAR_ITEM_CAPABILITY) {
            if (!(rights & BURSAR_RIGHT_GRANT))
                return -WRAPPER_E_NOT_FORWARDED;
            out[2 * k] = BURSAR_ITEM_CAPABILITY_WORD(BURSAR_ITEM_SLOT(word), rights,
                                                     mode == BURSAR_COPY ? BURSAR_COPY : BURSAR_GRANT);
            out[2 * k + 1] = 0;                 /* the badge it carries */
        } else {
            if (mode == BURSAR_COPY)
                return -WRAPPER_E_NOT_FORWARDED;
            out[2 * k] = BURSAR_ITEM_MEMORY_WORD(BURSAR_ITEM_LOG2_SIZE(word), rights, BURSAR_GRANT);
            out[2 * k + 1] = address;
        }
    }
    for (unsigned i = 0; i < 2 * items->count; i++)
        word_set(items->first + i, out[i], mr0, mr1);
    return 0;
}

/* Whether a receive failed because the wrapper is going (its endpoint or reply object destroyed). */
static bool wrapper_gone(int error)
{
    return error == -BURSAR_E_DESTROYED || error == -BURSAR_E_REVOKED || error == -BURSAR_E_EMPTY_SLOT;
}

/*
 * A request with items: pass them on, call the target with replies landing
 * in windows B, clean window A. The reply (or an error reply) is left in
 * *tag, *mr0, *mr1, its items still in B.
 */
static void forward_items(const struct forwarder *f, uint32_t *tag, uint32_t *mr0, uint32_t *mr1)
{
    struct items request;
    int error;

    f->entry->windows_used = true;
    items_read(&request, *tag, *mr0, *mr1);
    error = items_pass_on(&request, mr0, mr1);
    if (error == 0) {
        l4_receive_windows_set(f->windows[1]);
        error = l4_call(f->target, tag, mr0, mr1, BURSAR_TIMEOUT_NEVER, BURSAR_TIMEOUT_NEVER);
        l4_receive_windows_set(f->windows[0]);
    }
    l4_items_drop(request.landed, request.count);       /* what the target did not take */
    if (error) {
        *tag = l4_error_tag(error);
        *mr0 = *mr1 = 0;
    }
}

/*
 * A reply with items (in window A or B): relay it with a plain reply, clean
 * the window, then receive the next request. Returns the receive's result,
 * the request in *tag, *mr0, *mr1.
 */
static int relay_items(const struct forwarder *f, uint32_t *badge, uint32_t *tag, uint32_t *mr0, uint32_t *mr1)
{
    struct items reply;
    int error;

    f->entry->windows_used = true;
    items_read(&reply, *tag, *mr0, *mr1);
    error = items_pass_on(&reply, mr0, mr1);
    if (error == 0)
        error = l4_reply(f->reply, *tag, *mr0, *mr1);
    if (error)      /* not passed on, or refused by the caller (it is still waiting): an error reply, or KILL */
        l4_server_release(f->reply, error);
    l4_items_drop(reply.landed, reply.count);
    f->entry->windows_used = false;
    return l4_receive(f->endpoint, f->reply, badge, tag, mr0, mr1, BURSAR_TIMEOUT_NEVER);
}

/* Called from wrapper_thread_entry only. */
__attribute__((noreturn)) void wrapper_forward(unsigned i);

void wrapper_forward(unsigned i)
{
    struct wrapper_entry *entry = &wrapper_server.entries[i];
    struct forwarder f = { .entry = entry, .endpoint = entry->endpoint, .reply = entry->reply,
                           .target = entry->target };
    uint32_t badge, tag = 0, mr0 = 0, mr1 = 0;
    int error;

    for (unsigned which = 0; which < 2; which++)
        f.windows[which] = (struct l4_receive_windows){
            BURSAR_CAPABILITY_WINDOW(entry->window + which * FORWARD_CAPABILITY_ITEMS, FORWARD_CAPABILITY_ITEMS),
            BURSAR_MEMORY_WINDOW(wrapper_window_address(i, which), FORWARD_MEMORY_LOG2),
        };
    l4_receive_windows_set(f.windows[0]);
    error = l4_receive(f.endpoint, f.reply, &badge, &tag, &mr0, &mr1, BURSAR_TIMEOUT_NEVER);
    for (;;) {
        if (__builtin_expect(error != 0, 0)) {
            if (wrapper_gone(error))
                l4_thread_exit(0);      /* the heap's destroy takes the thread too */
            /* A reply the caller refused: it is still bound, and gets the refusal (or KILL: l4_server_release). */
            l4_server_release(f.reply, error);
            error = l4_receive(f.endpoint, f.reply, &badge, &tag, &mr0, &mr1, BURSAR_TIMEOUT_NEVER);
            continue;
        }
        if (__builtin_expect((tag & ITEMS_MASK) == 0, 1)) {
            error = l4_call(f.target, &tag, &mr0, &mr1, BURSAR_TIMEOUT_NEVER, BURSAR_TIMEOUT_NEVER);
            if (__builtin_expect(error != 0, 0)) {
                tag = l4_error_tag(error);
                mr0 = mr1 = 0;
            }
        } else {
            /* Through copies: the locals' addresses never escape, so the loop keeps them in registers. */
            uint32_t t = tag, w0 = mr0, w1 = mr1;
            forward_items(&f, &t, &w0, &w1);
            tag = t, mr0 = w0, mr1 = w1;
            f.entry->windows_used = (tag & ITEMS_MASK) != 0;     /* the reply's, still in window B */
        }
        if (__builtin_expect((tag & ITEMS_MASK) != 0, 0)) {
            uint32_t b, t = tag, w0 = mr0, w1 = mr1;
            error = relay_items(&f, &b, &t, &w0, &w1);
            tag = t, mr0 = w0, mr1 = w1;
            continue;
        }
        error = l4_reply_wait(f.endpoint, f.reply, &badge, &tag, &mr0, &mr1, BURSAR_TIMEOUT_NEVER);
    }
}
