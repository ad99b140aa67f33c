/*
 * message.c — whole messages over the register-level IPC calls of l4.h:
 * words 2.. are copied into the UTCB before a send and out of it after a
 * receive; words 0 and 1 always travel in registers (bursar/message.h).
 * Typed items are two more words each, after the untyped ones.
 */
#include "libl4/message.h"

#include "libl4/l4.h"
#include "libl4/utcb.h"

void l4_msg_start(struct l4_msg *msg, unsigned label)
{
    msg->tag = BURSAR_TAG(label, 0, 0);
    msg->badge = 0;
}

/* Every register the message uses: words, then two per item. */
static unsigned registers_used(const struct l4_msg *msg)
{
    return l4_msg_words(msg) + BURSAR_ITEM_WORDS * l4_msg_items(msg);
}

bool l4_msg_append(struct l4_msg *msg, uint32_t word)
{
    unsigned words = l4_msg_words(msg);

    if (words >= BURSAR_MESSAGE_REGISTERS || l4_msg_items(msg) != 0)
        return false;
    msg->mr[words] = word;
    msg->tag = (msg->tag & ~BURSAR_TAG_UNTYPED_MASK) | (words + 1);
    return true;
}

static bool append_item(struct l4_msg *msg, uint32_t word0, uint32_t word1)
{
    unsigned at = registers_used(msg), items = l4_msg_items(msg);

    if (items >= BURSAR_MAX_TYPED_ITEMS || at + BURSAR_ITEM_WORDS > BURSAR_MESSAGE_REGISTERS)
        return false;
    msg->mr[at] = word0;
    msg->mr[at + 1] = word1;
    msg->tag = (msg->tag & ~(BURSAR_TAG_TYPED_MASK << BURSAR_TAG_TYPED_SHIFT)) |
               (items + 1) << BURSAR_TAG_TYPED_SHIFT;
    return true;
}

bool l4_msg_append_capability(struct l4_msg *msg, unsigned slot, unsigned rights, unsigned mode, uint32_t badge)
{
    return append_item(msg, BURSAR_ITEM_CAPABILITY_WORD(slot, rights, mode), badge);
}

bool l4_msg_append_memory(struct l4_msg *msg, uintptr_t base, unsigned log2_size, unsigned rights, unsigned mode)
{
    return append_item(msg, BURSAR_ITEM_MEMORY_WORD(log2_size, rights, mode), (uint32_t)base);
}

bool l4_msg_item(const struct l4_msg *msg, unsigned i, struct l4_item *item)
{
    unsigned at = l4_msg_words(msg) + BURSAR_ITEM_WORDS * i;
    uint32_t word0, word1;

    if (i >= l4_msg_items(msg) || at + 1 >= BURSAR_MESSAGE_REGISTERS)
        return false;
    word0 = msg->mr[at];
    word1 = msg->mr[at + 1];
    *item = (struct l4_item){ .kind = BURSAR_ITEM_KIND(word0), .mode = BURSAR_ITEM_MODE(word0),
                              .rights = BURSAR_ITEM_RIGHTS(word0) };
    if (item->kind == BURSAR_ITEM_CAPABILITY) {
        item->slot = BURSAR_ITEM_SLOT(word0);
        item->badge = word1;
    } else {
        item->address = word1;
        item->log2_size = BURSAR_ITEM_LOG2_SIZE(word0);
    }
    return true;
}

void l4_items_drop(const uint32_t *items, unsigned count)
{
    for (unsigned i = 0; i < count; i++) {
        uint32_t word = items[BURSAR_ITEM_WORDS * i], where = items[BURSAR_ITEM_WORDS * i + 1];
        if (BURSAR_ITEM_KIND(word) == BURSAR_ITEM_CAPABILITY)
            l4_cap_delete(BURSAR_ITEM_SLOT(word));
        else if (BURSAR_ITEM_KIND(word) == BURSAR_ITEM_MEMORY)
            l4_unmap(where, (1u << BURSAR_ITEM_LOG2_SIZE(word)) >> 12);
    }
}

void l4_msg_drop_items(const struct l4_msg *msg)
{
    unsigned items = l4_msg_items(msg), first = l4_msg_words(msg);

    if (first + BURSAR_ITEM_WORDS * items <= BURSAR_MESSAGE_REGISTERS)
        l4_items_drop(&msg->mr[first], items);
}

/* Puts words 2.. of an outgoing message in the UTCB; refuses what cannot be sent. */
static int load_utcb(const struct l4_msg *msg)
{
    unsigned words = registers_used(msg);

    if (words > BURSAR_MESSAGE_REGISTERS || l4_msg_items(msg) > BURSAR_MAX_TYPED_ITEMS)
        return -BURSAR_E_INVALID_MESSAGE;
    for (unsigned i = BURSAR_REGISTER_WORDS; i < words; i++)
        l4_mr_set(i, msg->mr[i]);
    return 0;
}

/* Words 2.. of an incoming message, from the UTCB. */
static void store_utcb(struct l4_msg *msg)
{
    unsigned words = registers_used(msg);

    if (words > BURSAR_MESSAGE_REGISTERS)
        words = BURSAR_MESSAGE_REGISTERS;      /* the kernel never sends more */
    for (unsigned i = BURSAR_REGISTER_WORDS; i < words; i++)
        msg->mr[i] = l4_mr_get(i);
}

/* Unused registers of a short outgoing message: whatever mr[] holds is harmless, but zero is tidier. */
static uint32_t outgoing_word(const struct l4_msg *msg, unsigned i)
{
    return i < registers_used(msg) ? msg->mr[i] : 0;
}

int l4_msg_send(unsigned endpoint, const struct l4_msg *msg, unsigned send_timeout)
{
    int error = load_utcb(msg);

    if (error)
        return error;
    return l4_send(endpoint, msg->tag, outgoing_word(msg, 0), outgoing_word(msg, 1), send_timeout);
}

int l4_msg_call(unsigned endpoint, struct l4_msg *msg, unsigned send_timeout, unsigned receive_timeout)
{
    uint32_t mr0 = outgoing_word(msg, 0), mr1 = outgoing_word(msg, 1);
    int error = load_utcb(msg);

    if (error == 0)
        error = l4_call(endpoint, &msg->tag, &mr0, &mr1, send_timeout, receive_timeout);
    if (error)
        return error;
    msg->badge = 0;
    msg->mr[0] = mr0;
    msg->mr[1] = mr1;
    store_utcb(msg);
    return 0;
}

int l4_msg_receive(unsigned endpoint, unsigned reply, struct l4_msg *msg, unsigned receive_timeout)
{
    int error = l4_receive(endpoint, reply, &msg->badge, &msg->tag, &msg->mr[0], &msg->mr[1],
                           receive_timeout);

    if (error == 0)
        store_utcb(msg);
    return error;
}

int l4_msg_reply(unsigned reply, const struct l4_msg *msg)
{
    int error = load_utcb(msg);

    if (error)
        return error;
    return l4_reply(reply, msg->tag, outgoing_word(msg, 0), outgoing_word(msg, 1));
}

int l4_msg_reply_wait(unsigned endpoint, unsigned reply, struct l4_msg *msg, unsigned receive_timeout)
{
    uint32_t mr0 = outgoing_word(msg, 0), mr1 = outgoing_word(msg, 1);
    int error = load_utcb(msg);

    if (error == 0)
        error = l4_reply_wait(endpoint, reply, &msg->badge, &msg->tag, &mr0, &mr1, receive_timeout);
    if (error)
        return error;
    msg->mr[0] = mr0;
    msg->mr[1] = mr1;
    store_utcb(msg);
    return 0;
}
