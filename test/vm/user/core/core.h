/*
 * core.h — what the kernel-core tests (build/user/core_tests.elf) share:
 * per-test capability slots, helper threads, frames from the boot
 * information's free ranges, scratch pages, sleeping and the clock, and the
 * check that runs after every test.
 *
 * Every test takes what it needs from here; after it, core_after_test()
 * destroys every object in the per-test slots, unmaps the scratch pages and
 * then checks the accounting identity, the kernel's own full check and that
 * the boot heap is back where it started (so a test that leaks fails).
 */
#ifndef CORE_TESTS_CORE_H
#define CORE_TESTS_CORE_H

#include <stdbool.h>
#include <stdint.h>

#include "libl4/l4.h"
#include "libl4/user_test.h"

/* Made once by main and kept: an endpoint nobody sends to, for sleeping. */
#define CORE_SLEEP_ENDPOINT BURSAR_SLOT_FIRST_FREE

/* Per-test slots; all emptied after every test. */
#define CORE_FIRST_SLOT 16u
#define CORE_SLOT_COUNT 96u

/* Helper threads: priorities below the root task's, so they run only when it blocks. */
#define CORE_LOW_PRIORITY 100
#define CORE_MAX_THREADS 10

/* Scratch pages in the root's address space, unmapped after every test. */
#define CORE_SCRATCH_BASE 0x20000000u
#define CORE_SCRATCH_PAGES 64u
/* A wide scratch area for the loader tests (modules, program windows), unmapped after every test too. */
#define CORE_WIDE_SCRATCH_BASE 0x60000000u
#define CORE_WIDE_SCRATCH_PAGES 8192u

extern const struct bursar_boot_info *core_boot;

/* Records the boot heap and the object counts as every test must leave them. */
void core_init(const struct bursar_boot_info *boot);
void core_after_test(struct test_result *result);

/* The next unused per-test slot. */
unsigned core_slot(void);
/*
 * For a test that tries a scenario again: the slot core_slot() gives next,
 * and emptying every slot from `mark` on as the after-test hook does
 * (threads, tasks, endpoints and reply objects destroyed, then heaps,
 * children first), so that they are given out again.
 */
unsigned core_slots_mark(void);
void core_slots_release(unsigned mark);

/*
 * A scenario whose verdict needs the root to have run while some long
 * kernel operation was under way. A host fast enough to finish the
 * operation between two of the root's wake-ups proves nothing either way:
 * the scenario says so by leaving *conclusive false, and it is made again
 * on fresh objects (core_slots_release), up to `tries` times; the test
 * fails with `why_not` if no try was conclusive. Each try's own checks
 * fail the test at once.
 */
typedef void (*core_try)(struct test_result *result, bool *conclusive);
void core_until_conclusive(struct test_result *result, core_try scenario, unsigned tries, const char *why_not);

/* A thread of the own task running entry(argument) at `priority`; its slot in *slot. */
int core_spawn(void (*entry)(void *), void *argument, unsigned priority, unsigned *slot);
/* The same with the UTCB at `utcb` instead of a mapped one (for unmapped-UTCB tests). */
int core_spawn_with_utcb(void (*entry)(void *), void *argument, unsigned priority, uintptr_t utcb,
                         unsigned *slot);

/*
 * A thread of the own task that starts at `ip` itself, not in a C function:
 * every general register zero, esp at the top of a stack of its own with
 * esp + 4 16-byte aligned (as at a C function's entry).
 */
int core_spawn_raw(uintptr_t ip, unsigned priority, unsigned *slot);

/* Blocks the calling thread for about `ms` (a receive that times out). */
void core_sleep_ms(unsigned ms);

/* The TSC, and milliseconds since an earlier reading: for printing, never for a verdict. */
uint32_t core_elapsed_ms(uint64_t since);
/*
 * The kernel's timer ticks since boot: the clock timeouts count in, and the
 * one every timing verdict uses. The TSC is calibrated against the timer at
 * boot and is off by whatever the host's load did to that calibration; and
 * under TCG a loaded host stalls the guest while the TSC runs on.
 */
uint32_t core_ticks(void);
uint32_t core_ticks_elapsed_ms(uint32_t since);
/*
 * Sleeps until a timer tick begins and returns its number: a call made
 * right after is made in that tick (unless the host stalls the guest in
 * between, which is why a timing check that wants an exact tick count is
 * tried CORE_TIMING_ATTEMPTS times and needs it only once).
 */
uint32_t core_tick_start(void);
#define CORE_TIMING_ATTEMPTS 3
/* Ticks from the tick a relative timeout of `ms` started in to the tick it expires on (docs/abi.md §5). */
uint32_t core_timeout_ticks(unsigned ms);

/* A frame of the root bank that no test has used yet (0 when none is left). */
uint32_t core_frame(void);
/* The next scratch page address (not mapped). */
uintptr_t core_scratch_page(void);
/* A fresh frame mapped read-write at a new scratch page; 0 or an error. */
int core_map_fresh_page(uintptr_t *address, uint32_t *frame);

/* A new heap in `slot`, paid by the boot heap, funded with `frames` fresh frames. */
int core_heap_create(unsigned slot, unsigned frames);
/*
 * Frames a test funds a big heap with in every run: taken from the root
 * bank the first time, then donated again each time (the heap that held
 * them was destroyed after the test before, or between tries, which gave
 * them back to the bank), so that big tests do not use up the fresh frames
 * the others draw from.
 */
struct core_frame_set {
    uint32_t *frames;
    unsigned count;
    bool taken;
};
int core_heap_fund(unsigned heap, struct core_frame_set *set);

/* Whether a slot's holder was cleared by a revoke (SYS_CAP_INSPECT's fourth result). */
int core_inspect(unsigned slot, struct l4_cap_info *info, bool *revoked);

/* Snapshots for "nothing changed" checks. */
struct core_snapshot {
    struct bursar_system_info system;
    struct bursar_heap_info boot_heap;
    struct l4_cap_info slots[CORE_FIRST_SLOT + CORE_SLOT_COUNT];
};
void core_snapshot_take(struct core_snapshot *snapshot);
/* 0 if equal, else 1 + the index of the first slot that differs, or -1 / -2 for system / heap. */
int core_snapshot_compare(const struct core_snapshot *a, const struct core_snapshot *b);

#endif /* CORE_TESTS_CORE_H */
