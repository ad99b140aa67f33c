/*
 * bench.c — the pieces every in-VM benchmark program shares (bench.h).
 */
#include "bench/vm/lib/bench.h"
#include "libl4/printf.h"

#define OVERHEAD_ROUNDS 101

uint32_t bench_overhead;

void bench_sort(uint32_t *values, unsigned count)
{
    for (unsigned i = 1; i < count; i++) {
        uint32_t v = values[i];
        unsigned j = i;
        for (; j > 0 && values[j - 1] > v; j--)
            values[j] = values[j - 1];
        values[j] = v;
    }
}

int bench_derive_mappings(uintptr_t base, unsigned records)
{
    int error = 0;

    for (unsigned have = 1; have <= records && !error;) {
        unsigned more = have < records + 1 - have ? have : records + 1 - have;
        error = l4_map(BURSAR_SLOT_TASK, base, base + have * 4096u, BURSAR_RIGHT_READ, more);
        have += more;
    }
    return error;
}

uint32_t bench_measure_overhead(void)
{
    static uint32_t samples[OVERHEAD_ROUNDS];

    for (unsigned i = 0; i < OVERHEAD_ROUNDS; i++) {
        uint64_t start = l4_timestamp();
        samples[i] = (uint32_t)(l4_timestamp() - start);
    }
    bench_sort(samples, OVERHEAD_ROUNDS);
    bench_overhead = samples[OVERHEAD_ROUNDS / 2];
    printf("bench overhead instructions=%u (two TSC reads, subtracted from every row)\n", bench_overhead);
    return bench_overhead;
}

/* "E.EE": `count` per operation with two decimals. */
static void print_per_operation(const char *key, uint32_t count, uint32_t operations)
{
    printf(" %s=%u.%02u", key, count / operations, count * 100 / operations % 100);
}

void bench_print_row(const char *name, uint32_t *samples, unsigned count, int subtract,
                     const struct bench_counts *counts)
{
    uint32_t less = subtract ? bench_overhead : 0;

    bench_sort(samples, count);
    printf("bench %s instructions=%u min=%u", name, samples[count / 2] - less, samples[0] - less);
    if (counts) {
        /* -1: the system-information call that read `after` counted itself. */
        uint32_t entries = counts->after.kernel_entries - counts->before.kernel_entries - 1 - counts->untimed_entries;
        print_per_operation("entries", entries, counts->operations);
        print_per_operation("cr3", counts->after.address_space_switches - counts->before.address_space_switches,
                            counts->operations);
        print_per_operation("fastpath", counts->after.fast_path_ipcs - counts->before.fast_path_ipcs,
                            counts->operations);
    }
    printf("\n");
}
