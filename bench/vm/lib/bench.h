/*
 * bench.h — what the in-VM benchmark programs (bench/vm/, one file each) share: the
 * cost of reading the TSC, sorting samples, and the one line a row prints,
 * which tools/bursar.py reads:
 *
 *   bench NAME instructions=MEDIAN min=MIN entries=E cr3=C fastpath=F
 *
 * Under `qemu -icount shift=0` the TSC counts guest instructions. E, C and
 * F are the kernel's own counts (kernel entries, page-directory loads,
 * fast-path IPCs) per operation, from SYS_SYSTEM_INFO before and after.
 */
#ifndef BENCH_VM_LIB_BENCH_H
#define BENCH_VM_LIB_BENCH_H

#include <stdint.h>

#include "libl4/l4.h"

/* Two back-to-back TSC reads (a median); prints the bench.overhead line. */
uint32_t bench_measure_overhead(void);
/* What bench_measure_overhead found: taken off every row. */
extern uint32_t bench_overhead;

void bench_sort(uint32_t *values, unsigned count);

/*
 * `records` mappings derived from the caller's mapping at `base`, on the
 * pages right after it, by doubling (each SYS_MAP maps the pages there so
 * far to the next ones): one tree of records, paid by the caller's heap.
 */
int bench_derive_mappings(uintptr_t base, unsigned records);

/* The kernel's counts over a measured stretch. */
struct bench_counts {
    struct bursar_system_info before, after;
    /*
     * Kernel entries in the stretch that are not the operation's own (an
     * untimed clean-up each round, say). The SYS_SYSTEM_INFO call that read
     * `after` is taken off without being named here.
     */
    uint32_t untimed_entries;
    uint32_t operations;              /* how many operations the stretch held */
};

/*
 * Sorts `samples` (each already without the overhead, or with it when
 * `subtract` is set) and prints the row: median and minimum, then the
 * counts per operation when `counts` is not NULL.
 */
void bench_print_row(const char *name, uint32_t *samples, unsigned count, int subtract,
                     const struct bench_counts *counts);

#endif /* BENCH_VM_LIB_BENCH_H */
