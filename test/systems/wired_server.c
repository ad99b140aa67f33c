/*
 * wired_server.c — the server of test/systems/three.system: counts calls
 * per client, telling clients apart by the badge init gave their
 * capability, and exits once `args` clients have said goodbye.
 *
 *   LABEL_ADD (MR0 n)  -> MR0 the caller's badge, MR1 the caller's total so far
 *   LABEL_BYE          -> MR0 the caller's badge, MR1 its number of calls
 */
#include "libl4/l4.h"
#include "libl4/printf.h"
#include "libl4/start_info.h"
#include "test/systems/wired.h"

#define MAX_CLIENTS 8

enum { REPLY = 20 };

struct client {
    uint32_t badge, total, calls;
};

static struct client clients[MAX_CLIENTS];

static struct client *client_of(uint32_t badge)
{
    for (unsigned i = 0; i < MAX_CLIENTS; i++) {
        if (clients[i].badge == badge)
            return &clients[i];
        if (clients[i].badge == 0) {
            clients[i].badge = badge;
            return &clients[i];
        }
    }
    return NULL;
}

int main(const struct bursar_boot_info *unused)
{
    const struct l4_start_info *info = l4_start_info();
    unsigned requests = l4_start_cap("requests"), expected = 0, goodbyes = 0;
    uint32_t badge = 0, tag = 0, mr0 = 0, mr1 = 0;
    int error;

    (void)unused;
    if (!info || requests == BURSAR_NO_CAPABILITY || info->argc != 1)
        return 10;
    for (const char *c = info->argv[0]; *c >= '0' && *c <= '9'; c++)
        expected = expected * 10 + (unsigned)(*c - '0');
    printf("%s: serving on slot %u for %u clients\n", info->name, requests, expected);
    error = l4_create(BURSAR_SLOT_HEAP, BURSAR_OBJECT_REPLY, REPLY, 0);
    if (error)
        return 11;
    error = l4_receive(requests, REPLY, &badge, &tag, &mr0, &mr1, BURSAR_TIMEOUT_NEVER);
    while (!error) {
        struct client *client = client_of(badge);
        uint32_t label = BURSAR_TAG_LABEL(tag);
        if (!client)
            return 12;
        if (label == WIRED_ADD) {
            client->total += mr0;
            client->calls++;
            mr1 = client->total;
        } else if (label == WIRED_BYE) {
            printf("%s: badge %u said goodbye after %u calls, total %u\n", info->name, badge, client->calls,
                   client->total);
            mr1 = client->calls;
            goodbyes++;
        }
        mr0 = badge;
        if (goodbyes == expected) {
            l4_reply(REPLY, BURSAR_TAG(label, 2, 0), mr0, mr1);
            break;
        }
        error = l4_reply_wait(requests, REPLY, &badge, &tag, &mr0, &mr1, BURSAR_TIMEOUT_NEVER);
    }
    return error ? 13 : 0;
}
