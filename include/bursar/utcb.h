/*
 * utcb.h — the user thread control block: a thread's message registers and
 * the kernel's per-call output area, in the thread's own memory.
 *
 * A thread's UTCB sits at an address its creator chose
 * (BURSAR_THREAD_UTCB), aligned to BURSAR_UTCB_SIZE so it never crosses a
 * page. The kernel reaches it through the task's page tables; when it is not
 * mapped, calls that need it fail with BURSAR_E_NOT_MAPPED.
 *
 * In user mode %gs selects a read-only, one-word segment holding the running
 * thread's UTCB address (the L4 X.2 convention on ia32): `movl %gs:0, r`
 * gives it, whichever thread runs, and no thread needs to remember it. The
 * kernel updates that word on every thread switch.
 */
#ifndef BURSAR_UTCB_H
#define BURSAR_UTCB_H

#include <stddef.h>
#include <stdint.h>

#include "bursar/message.h"
#include "bursar/objects.h"

#define BURSAR_UTCB_SIZE 512u
#define BURSAR_UTCB_INFO_WORDS 48

struct bursar_utcb {
    uint32_t mr[BURSAR_MESSAGE_REGISTERS];   /* mr[0], mr[1] also travel in registers */
    uint32_t user_word;                      /* the thread's own, e.g. its libl4 thread pointer */
    uint32_t receive_capabilities;           /* BURSAR_CAPABILITY_WINDOW(first, count); 0: none */
    uint32_t receive_memory;                 /* BURSAR_MEMORY_WINDOW(base, log2); 0: none */
    uint32_t reserved[13];
    uint32_t info[BURSAR_UTCB_INFO_WORDS];   /* SYS_HEAP_INFO, SYS_SYSTEM_INFO output */
};
_Static_assert(sizeof(struct bursar_utcb) == BURSAR_UTCB_SIZE, "UTCB layout is ABI");
_Static_assert(offsetof(struct bursar_utcb, info) == 320, "UTCB layout is ABI");
_Static_assert(offsetof(struct bursar_utcb, receive_capabilities) == 260, "UTCB layout is ABI");
_Static_assert(offsetof(struct bursar_utcb, receive_memory) == 264, "UTCB layout is ABI");
_Static_assert(sizeof(struct bursar_heap_info) <= sizeof(((struct bursar_utcb *)0)->info), "fits the info area");
_Static_assert(sizeof(struct bursar_reclaim_info) <= sizeof(((struct bursar_utcb *)0)->info), "fits the info area");
_Static_assert(sizeof(struct bursar_system_info) <= sizeof(((struct bursar_utcb *)0)->info), "fits the info area");

#endif /* BURSAR_UTCB_H */
