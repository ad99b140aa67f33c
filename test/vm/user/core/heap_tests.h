/*
 * heap_tests.h — what the heap tests share (heap_reclaim.c, heap_faults.c).
 *
 * An "agent" is a task paid by a test heap, running a thread of this very
 * program (libl4/task_sharing_program.h), so that what its own heap pays for (mapping
 * records of revocable copies) lands in that test heap.
 */
#ifndef CORE_TESTS_HEAP_TESTS_H
#define CORE_TESTS_HEAP_TESTS_H

/* What the agent does (message label). */
#define HEAP_AGENT_COPIES 1       /* mr0 = count, mr1 = first root slot: revocable copies of its source */
#define HEAP_AGENT_REPLY_ITEM 2   /* reply with a revocable copy of its source as a capability item */
#define HEAP_AGENT_OWN_COPIES 3   /* mr0 = count, mr1 = first own slot: revocable copies of its source */

struct heap_agent {
    unsigned task, endpoint, reply, thread, source;   /* the root's slots */
};

/* An agent paid by `heap` (region `which`: 0 or 1); its source is a new endpoint of the boot heap. */
int heap_agent_start(unsigned heap, unsigned which, struct heap_agent *agent);
/* The same with `slots` capability slots and, unless BURSAR_NO_CAPABILITY, a COPY of the root's `source`. */
int heap_agent_start_with(unsigned heap, unsigned which, unsigned slots, unsigned source, struct heap_agent *agent);
/* `count` revocable copies of the agent's source into root slots from `first`, paid by the agent's heap. */
int heap_agent_copies(const struct heap_agent *agent, unsigned count, unsigned first);

/*
 * At least `count` endpoints paid by `heap` whose capabilities are deleted
 * (they stay alive and paid for until the payer reclaims them), their pages
 * full; then one more endpoint, kept in `alone`, by itself in a new page.
 * Frames come from the root bank as the heap runs short. *made: how many.
 */
int heap_fill_with_endpoints(unsigned heap, unsigned count, unsigned scratch, unsigned alone, unsigned *made);
/* The accounting identity and the kernel's own check, in the middle of a test. */
bool heap_ledger_exact(void);

#endif /* CORE_TESTS_HEAP_TESTS_H */
