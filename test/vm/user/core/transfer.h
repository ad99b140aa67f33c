/*
 * transfer.h — what the typed-item tests (transfer_*.c, ids 400-469) share:
 * "agents", tasks B and C beside the root task A, each paid by a heap of its
 * own, each running one thread that does what the root asks over IPC. The
 * root is A in every chain A -> B -> C.
 *
 * An agent's code is a function of this program (libl4/task_sharing_program.h): it touches
 * only its stack, its UTCB and its windows, never the program's data. Its
 * capability space and memory window are fixed (AGENT_*). It answers:
 *
 *   AGENT_TAKE     any message with items: the reply's words are the item
 *                  count, then the items as the agent received them, then
 *                  the message's untyped words
 *   AGENT_FORWARD  [n, items...]: send those items to the endpoint in slot
 *                  AGENT_TARGET (label AGENT_TAKE); reply [status, the
 *                  target's reply words...]
 *   AGENT_REVOKE / AGENT_DELETE [slot]: reply [status]
 *   AGENT_INSPECT  [slot]: reply [status, type, rights, badge, revoked]
 *   AGENT_UNMAP    [address, pages, mode]: reply [status]
 *   AGENT_PROBE    [address, rights]: whether the agent has that page mapped
 *                  with those rights, without touching it (a zero-timeout
 *                  send of a memory item to its own endpoint: TIMEOUT means
 *                  yes, NOT_MAPPED or NO_RIGHTS no); reply [status]
 *   AGENT_READ / AGENT_WRITE [address (, value)]: reply [value]; touching
 *                  an unmapped page kills the agent
 *   AGENT_SEND     [slot, timeout]: a one-word send on the endpoint in
 *                  `slot`; reply [status]
 *   AGENT_TOUCH    [address]: reply first, then read the page forever,
 *                  counting reads in AGENT_COUNTER (shared with the root)
 *   AGENT_WINDOWS  [capability window, memory window]: set its receive
 *                  windows (the UTCB words); reply [0]
 *   AGENT_GIVE_BACK [n, items...]: reply with those items; if the root
 *                  refuses them, a plain reply [the refusal] follows
 */
#ifndef CORE_TESTS_TRANSFER_H
#define CORE_TESTS_TRANSFER_H

#include "core.h"

#include "libl4/message.h"

/* The agent's capability space. */
#define AGENT_ENDPOINT      0      /* its own endpoint, READ (libl4 server slots) */
#define AGENT_REPLY         1
#define AGENT_PROBE         2      /* its own endpoint again, WRITE: for probes */
#define AGENT_TARGET        3      /* where AGENT_FORWARD sends */
#define AGENT_SPARE         4      /* for tests */
#define AGENT_WINDOW        16     /* capability receive window: 8 slots */
#define AGENT_WINDOW_SLOTS  8
#define AGENT_SLOTS         32

/* The agent's memory receive window: 4 MiB. */
#define AGENT_MEMORY_WINDOW 0x50000000u
#define AGENT_MEMORY_LOG2   22

enum agent_op {
    AGENT_TAKE = 1, AGENT_FORWARD, AGENT_REVOKE, AGENT_DELETE, AGENT_INSPECT, AGENT_UNMAP, AGENT_PROBE_PAGE,
    AGENT_READ, AGENT_WRITE, AGENT_SEND, AGENT_TOUCH, AGENT_WINDOWS, AGENT_GIVE_BACK,
};

struct agent {
    unsigned heap, task, thread, endpoint, reply;   /* the root's slots */
    unsigned index;
};

/* Starts agent `index` (0 or 1) in a new task paid by a new heap of `heap_frames` frames. */
int agent_start(struct agent *agent, unsigned index, unsigned heap_frames);
/* Gives the agent a capability in `slot` of its space (a COPY from the root's `source`). */
int agent_give(struct agent *agent, unsigned source, unsigned slot, unsigned rights);

/* One request; the reply replaces *m. The call's status, or the agent's first word when it is a status. */
int agent_call(struct agent *agent, struct l4_msg *m);
/* A request of up to three words; the reply's first word (a status, or a value), *reply the rest. */
int agent_do(struct agent *agent, unsigned op, uint32_t a, uint32_t b, uint32_t c, struct l4_msg *reply);

struct agent_capability {
    uint32_t type, rights, badge, revoked;
};
int agent_inspect(struct agent *agent, unsigned slot, struct agent_capability *cap);
/* -BURSAR_E_TIMEOUT when mapped with `rights`, else the probe's error. */
int agent_probe(struct agent *agent, uintptr_t address, unsigned rights);

/* The root sends one memory item to an agent (label AGENT_TAKE); *where: the address the agent reports. */
int transfer_send_memory(struct agent *to, uintptr_t base, unsigned log2, unsigned rights, unsigned mode,
                         uintptr_t *where);
/* An agent forwards one memory item to its AGENT_TARGET; the agent's status. */
int transfer_forward_memory(struct agent *from, uintptr_t base, unsigned log2, unsigned rights, unsigned mode);

/* Read counts in the shared area: what AGENT_TOUCH increments. */
volatile uint32_t *agent_counter(unsigned index);

/* Live objects of `kind` in the heap in `heap_slot` (the root's slot). */
uint32_t heap_live(unsigned heap_slot, unsigned kind);

/* The root's own probe: -BURSAR_E_TIMEOUT if mapped with `rights` (endpoint: one nobody receives on). */
int root_probe(unsigned endpoint, uintptr_t address, unsigned rights);

#endif /* CORE_TESTS_TRANSFER_H */
