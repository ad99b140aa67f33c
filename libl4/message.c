/*
 * message.c — whole messages over the register-level IPC calls of l4.h:
 * words 2.. are copied into the UTCB before a send and out of it after a
 * receive; words 0 and 1 always travel in registers (bursar/message.h).
 */
#include "libl4/message.h"

#include "libl4/l4.h"
#include "libl4/utcb.h"

void l4_msg_start(struct l4_msg *msg, unsigned label)
{
    msg->tag = BURSAR_TAG(label, 0, 0);
    msg->badge = 0;
}

unsigned l4_msg_label(const struct l4_msg *msg)
{
    return BURSAR_TAG_LABEL(msg->tag);
}

unsigned l4_msg_words(const struct l4_msg *msg)
{
    return BURSAR_TAG_UNTYPED(msg->tag);
}

bool l4_msg_append(struct l4_msg *msg, uint32_t word)
{
    unsigned words = l4_msg_words(msg);

    if (words >= BURSAR_MESSAGE_REGISTERS)
        return false;
    msg->mr[words] = word;
    msg->tag = (msg->tag & ~BURSAR_TAG_UNTYPED_MASK) | (words + 1);
    return true;
}

/* Puts words 2.. of an outgoing message in the UTCB; refuses what cannot be sent. */
static int load_utcb(const struct l4_msg *msg)
{
    unsigned words = l4_msg_words(msg);

    if (words > BURSAR_MESSAGE_REGISTERS || BURSAR_TAG_TYPED(msg->tag) != 0)
        return -BURSAR_E_INVALID_MESSAGE;
    for (unsigned i = BURSAR_REGISTER_WORDS; i < words; i++)
        l4_mr_set(i, msg->mr[i]);
    return 0;
}

/* Words 2.. of an incoming message, from the UTCB. */
static void store_utcb(struct l4_msg *msg)
{
    unsigned words = l4_msg_words(msg);

    if (words > BURSAR_MESSAGE_REGISTERS)
        words = BURSAR_MESSAGE_REGISTERS;      /* the kernel never sends more */
    for (unsigned i = BURSAR_REGISTER_WORDS; i < words; i++)
        msg->mr[i] = l4_mr_get(i);
}

/* Unused registers of a short outgoing message: whatever mr[] holds is harmless, but zero is tidier. */
static uint32_t outgoing_word(const struct l4_msg *msg, unsigned i)
{
    return i < l4_msg_words(msg) ? msg->mr[i] : 0;
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
