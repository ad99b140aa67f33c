/*
 * proxy.h — a task that makes the system calls the root asks it to, in its
 * own capability space: what another party (a server, a client, a program
 * without the root's boot capabilities) can and cannot do with the
 * capabilities the root gives it. The authority tests (830-879) use it.
 *
 * The proxy runs in a new task sharing this program (libl4/task_sharing_program.h) and
 * touches only its stack and UTCB. Its space has PROXY_SLOTS slots; 0 and 1
 * are its endpoint and reply object, PROXY_FIRST_FREE.. are for the tests.
 */
#ifndef CORE_TESTS_PROXY_H
#define CORE_TESTS_PROXY_H

#include "core.h"

#define PROXY_SLOTS 32
#define PROXY_ENDPOINT 0        /* its own endpoint, READ (L4_SERVER_ENDPOINT) */
#define PROXY_FIRST_FREE 4

struct proxy {
    unsigned heap, task, endpoint, reply, thread;   /* the root's slots */
};

/* Proxy `which` (0 or 1) in a new task, paid by a new heap of its own. */
int proxy_start(struct proxy *proxy, unsigned which);
/* Puts a COPY of the root's `source` with `rights` into the proxy's `slot`. */
int proxy_give(const struct proxy *proxy, unsigned source, unsigned slot, unsigned rights);
/*
 * The proxy makes system call `eax` with arguments a0-a3 (its own slots);
 * its result registers in *out (may be null). The call's status, or the
 * error of the request itself if that failed.
 */
int proxy_syscall(const struct proxy *proxy, uint32_t eax, uint32_t a0, uint32_t a1, uint32_t a2, uint32_t a3,
                  struct l4_words *out);

#endif /* CORE_TESTS_PROXY_H */
