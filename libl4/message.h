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
 * Typed items (capability and memory transfers) are not handled yet: the
 * ABI does not fix their layout, so a tag with typed items is refused with
 * -BURSAR_E_INVALID_MESSAGE.
 */
#ifndef LIBL4_MESSAGE_H
#define LIBL4_MESSAGE_H

#include <stdbool.h>
#include <stdint.h>

#include "bursar/message.h"

struct l4_msg {
    uint32_t tag;                             /* label, word count (BURSAR_TAG) */
    uint32_t badge;                           /* set by a receive: the sender's badge */
    uint32_t mr[BURSAR_MESSAGE_REGISTERS];
};

/* An empty message with `label`. */
void l4_msg_start(struct l4_msg *msg, unsigned label);

/* Adds one untyped word; false (and no change) when the message is full. */
bool l4_msg_append(struct l4_msg *msg, uint32_t word);

unsigned l4_msg_label(const struct l4_msg *msg);
unsigned l4_msg_words(const struct l4_msg *msg);

/* As the calls of the same name in l4.h, but the whole message in *msg. */
int l4_msg_send(unsigned endpoint, const struct l4_msg *msg, unsigned send_timeout);
int l4_msg_call(unsigned endpoint, struct l4_msg *msg, unsigned send_timeout, unsigned receive_timeout);
int l4_msg_receive(unsigned endpoint, unsigned reply, struct l4_msg *msg, unsigned receive_timeout);
int l4_msg_reply(unsigned reply, const struct l4_msg *msg);
int l4_msg_reply_wait(unsigned endpoint, unsigned reply, struct l4_msg *msg, unsigned receive_timeout);

#endif /* LIBL4_MESSAGE_H */
