/*
 * message.h — whole messages: a tag, the sender's badge and up to
 * BURSAR_MESSAGE_REGISTERS untyped words, for messages longer than the two
 * words l4.h passes in registers. The functions here put MR0 and MR1 in
 * registers and move MR2.. through the UTCB (via %gs), so a caller never
 * has to know where a word travels.
 *
 *     struct l4_msg m;
 *     l4_msg_start(&m, OP_WRITE);
 *     l4_msg_append(&m, offset);
 *     l4_msg_append(&m, length);
 *     l4_msg_append(&m, value);
 *     error = l4_msg_call(server, &m, BURSAR_TIMEOUT_NEVER, BURSAR_TIMEOUT_NEVER);
 *     ... the reply is now in m: l4_msg_label(&m), l4_msg_words(&m), m.mr[i]
 *
 * Typed items (capability and memory transfers) follow the untyped words:
 * append the words first, then the items. After a receive, l4_msg_item
 * says what arrived and where (the receiver must have opened its windows
 * with l4_set_receive_windows, libl4/utcb.h):
 *
 *     l4_msg_start(&m, OP_GIVE);
 *     l4_msg_append(&m, cookie);
 *     l4_msg_append_capability(&m, endpoint, BURSAR_RIGHT_WRITE, BURSAR_REVOCABLE_COPY, badge);
 *     l4_msg_append_memory(&m, buffer, 12, BURSAR_RIGHT_READ, BURSAR_COPY);
 */
#ifndef LIBL4_MESSAGE_H
#define LIBL4_MESSAGE_H

#include <stdbool.h>
#include <stdint.h>

#include "bursar/message.h"

struct l4_msg {
    uint32_t tag;                             /* label, word and item counts (BURSAR_TAG) */
    uint32_t badge;                           /* set by a receive: the sender's badge */
    uint32_t mr[BURSAR_MESSAGE_REGISTERS];    /* untyped words, then two words per item */
};

/* One typed item, decoded. */
struct l4_item {
    unsigned kind;          /* BURSAR_ITEM_CAPABILITY or BURSAR_ITEM_MEMORY */
    unsigned mode;          /* enum bursar_transfer_mode */
    unsigned rights;
    unsigned slot;          /* capability: source slot (sent) or the slot it landed in (received) */
    uint32_t badge;         /* capability */
    uintptr_t address;      /* memory: the flexpage's base, the sender's or where it was mapped */
    unsigned log2_size;     /* memory */
};

/* An empty message with `label`. */
void l4_msg_start(struct l4_msg *msg, unsigned label);

/* Adds one untyped word; false (and no change) when the message is full. */
bool l4_msg_append(struct l4_msg *msg, uint32_t word);

/*
 * Adds a typed item after the words; false (and no change) when the message
 * has BURSAR_MAX_TYPED_ITEMS items or no room for two more words. Words
 * cannot be appended after an item.
 */
bool l4_msg_append_capability(struct l4_msg *msg, unsigned slot, unsigned rights, unsigned mode, uint32_t badge);
bool l4_msg_append_memory(struct l4_msg *msg, uintptr_t base, unsigned log2_size, unsigned rights,
                          unsigned mode);

/* Inline: a server loop reads them for every message. */
static inline unsigned l4_msg_label(const struct l4_msg *msg)
{
    return BURSAR_TAG_LABEL(msg->tag);
}

static inline unsigned l4_msg_words(const struct l4_msg *msg)
{
    return BURSAR_TAG_UNTYPED(msg->tag);
}

static inline unsigned l4_msg_items(const struct l4_msg *msg)
{
    return BURSAR_TAG_TYPED(msg->tag);
}

/* Item i (< l4_msg_items) decoded; false if there is no such item. */
bool l4_msg_item(const struct l4_msg *msg, unsigned i, struct l4_item *item);

/*
 * Takes away what arrived as items: deletes each capability item's slot,
 * unmaps each memory item's pages, where the kernel says they landed. For
 * a received message whose items are unwanted. l4_items_drop does the same
 * for `count` items' words (two each) kept elsewhere.
 */
void l4_msg_drop_items(const struct l4_msg *msg);
void l4_items_drop(const uint32_t *items, unsigned count);

/* As the calls of the same name in l4.h, but the whole message in *msg. */
int l4_msg_send(unsigned endpoint, const struct l4_msg *msg, unsigned send_timeout);
int l4_msg_call(unsigned endpoint, struct l4_msg *msg, unsigned send_timeout, unsigned receive_timeout);
int l4_msg_receive(unsigned endpoint, unsigned reply, struct l4_msg *msg, unsigned receive_timeout);
int l4_msg_reply(unsigned reply, const struct l4_msg *msg);
int l4_msg_reply_wait(unsigned endpoint, unsigned reply, struct l4_msg *msg, unsigned receive_timeout);

#endif /* LIBL4_MESSAGE_H */
