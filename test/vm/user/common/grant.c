/*
 * grant.c — a thread that takes one page by GRANT (helpers.h): how the
 * bank's and the kernel's frame tests move a frame's own mapping.
 */
#include "helpers.h"

#include "libl4/message.h"

void grant_receiver(void *argument)
{
    struct grant_receiver *receiver = argument;
    struct l4_msg m;

    l4_set_receive_windows(0, 0, receiver->window, 22);
    receiver->status = l4_msg_receive(receiver->endpoint, BURSAR_NO_CAPABILITY, &m, BURSAR_TIMEOUT_MS(1000));
    l4_set_receive_windows(0, 0, 0, 0);
    receiver->landed = m.mr[1];
}

int grant_page(const struct grant_receiver *receiver, uintptr_t page)
{
    struct l4_msg m;

    l4_msg_start(&m, 1);
    l4_msg_append_memory(&m, page, 12, BURSAR_RIGHT_READ | BURSAR_RIGHT_WRITE, BURSAR_GRANT);
    return l4_msg_send(receiver->endpoint, &m, BURSAR_TIMEOUT_ZERO);
}
