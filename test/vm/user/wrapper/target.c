/*
 * target.c — the tests' targets: a server thread that notes what each call
 * brought (badge, tag, words, items) and answers as its test set it
 * (wrapper_tests.h, enum wt_target_mode).
 */
#include "wrapper_tests.h"

#include "libl4/utcb.h"

#define TARGET_WINDOW_LOG2 16u

static void target_note(struct wt_target *target, const struct l4_msg *m)
{
    target->badge = m->badge;
    target->tag = m->tag;
    for (unsigned i = 0; i < l4_msg_words(m); i++)
        target->words[i] = m->mr[i];
    for (unsigned i = 0; i < l4_msg_items(m) && i < BURSAR_MAX_TYPED_ITEMS; i++)
        l4_msg_item(m, i, &target->items[i]);
    target->calls++;
}

/* The echo: the label, every word plus one; and the item the mode asks for. */
static void target_answer(const struct wt_target *target, struct l4_msg *m)
{
    struct l4_msg reply;

    l4_msg_start(&reply, l4_msg_label(m));
    for (unsigned i = 0; i < l4_msg_words(m); i++)
        l4_msg_append(&reply, m->mr[i] + 1);
    if (target->mode == TARGET_REPLY_CAPABILITY)
        l4_msg_append_capability(&reply, target->reply_slot, target->reply_rights, target->reply_mode, 0);
    else if (target->mode == TARGET_REPLY_MEMORY)
        l4_msg_append_memory(&reply, target->reply_page, 12, target->reply_rights, target->reply_mode);
    *m = reply;
}

static void target_loop(void *argument)
{
    struct wt_target *target = argument;
    struct l4_msg m;
    int error;

    l4_set_receive_windows(target->window, 4, target->memory_window, TARGET_WINDOW_LOG2);
    error = l4_msg_receive(target->endpoint, target->reply, &m, BURSAR_TIMEOUT_NEVER);
    for (;;) {
        if (error) {
            if (error == -BURSAR_E_DESTROYED || error == -BURSAR_E_REVOKED)
                return;
            error = l4_msg_receive(target->endpoint, target->reply, &m, BURSAR_TIMEOUT_NEVER);
            continue;
        }
        target_note(target, &m);
        if (!target->keep_items)
            l4_msg_drop_items(&m);
        if (target->mode == TARGET_HOLD)
            for (;;)
                l4_receive(ROOT_SLEEP, BURSAR_NO_CAPABILITY, 0, 0, 0, 0, BURSAR_TIMEOUT_NEVER);
        target_answer(target, &m);
        error = l4_msg_reply_wait(target->endpoint, target->reply, &m, BURSAR_TIMEOUT_NEVER);
    }
}

int wt_target_start(struct wt_target *target)
{
    int error;

    target->endpoint = wt_slot();
    target->reply = wt_slot();
    target->window = wt_slots(4);
    target->memory_window = wt_pages(1u << (TARGET_WINDOW_LOG2 - 12));
    target->calls = 0;
    error = l4_create(WT_ACTOR_HEAP, BURSAR_OBJECT_ENDPOINT, target->endpoint, 0);
    if (!error)
        error = l4_create(WT_ACTOR_HEAP, BURSAR_OBJECT_REPLY, target->reply, 0);
    return error ? error : wt_spawn(target_loop, target, WT_PRIORITY, NULL);
}
