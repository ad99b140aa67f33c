/*
 * wired_client.c — a client of test/systems/three.system: `args NAME CALLS`.
 * Shows what init gave it (its capability to the server, with the badge and
 * rights the description asked for), checks that it cannot receive on it
 * unless given `r`, makes CALLS calls adding 1, 2, ... and checks each
 * answer (the server sees our badge, and our running total), then says
 * goodbye.
 */
#include "libl4/errors.h"
#include "libl4/l4.h"
#include "libl4/printf.h"
#include "libl4/start_info.h"
#include "test/systems/wired.h"

static unsigned number(const char *text)
{
    unsigned value = 0;

    for (; *text >= '0' && *text <= '9'; text++)
        value = value * 10 + (unsigned)(*text - '0');
    return value;
}

int main(const struct bursar_boot_info *unused)
{
    const struct l4_start_info *info = l4_start_info();
    unsigned server = l4_start_cap("counter"), calls, total = 0;
    struct l4_cap_info cap;
    int error;

    (void)unused;
    if (!info || server == BURSAR_NO_CAPABILITY || info->argc != 2)
        return 10;
    calls = number(info->argv[1]);
    if (l4_cap_inspect(server, &cap) != 0)
        return 11;
    error = l4_receive(server, BURSAR_NO_CAPABILITY, 0, 0, 0, 0, BURSAR_TIMEOUT_ZERO);
    printf("%s (%s): counter is slot %u, type %u, rights %x, badge %u; receiving on it: %s\n", info->name,
           info->argv[0], server, cap.type, cap.rights, cap.badge, l4_error_name(error));
    for (unsigned i = 1; i <= calls; i++) {
        uint32_t tag = BURSAR_TAG(WIRED_ADD, 1, 0), badge = i, sum = 0;
        error = l4_call(server, &tag, &badge, &sum, BURSAR_TIMEOUT_NEVER, BURSAR_TIMEOUT_NEVER);
        total += i;
        if (error || badge != cap.badge || sum != total) {
            printf("%s: call %u: %s, server saw badge %u, total %u (expected %u)\n", info->name, i,
                   l4_error_name(error), badge, sum, total);
            return 12;
        }
    }
    {
        uint32_t tag = BURSAR_TAG(WIRED_BYE, 0, 0), badge = 0, seen = 0;
        error = l4_call(server, &tag, &badge, &seen, BURSAR_TIMEOUT_NEVER, BURSAR_TIMEOUT_NEVER);
        printf("%s: %u calls went through as badge %u, total %u; the server counted %u\n", info->name, calls,
               badge, total, seen);
        if (error || seen != calls)
            return 13;
    }
    return 0;
}
