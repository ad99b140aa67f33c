/*
 * pager_bench.c — a page fault served by the default pager (servers/pager),
 * as the root task under `qemu -icount shift=0` (figures are guest
 * instructions; docs/benchmarks.md). The real bank server and the real
 * pager run (boot modules bank.elf and pager.elf); the root task is a
 * client of the pager with a bank of its own, and its thread's pager is
 * its client capability.
 *
 * pager.fault.zero_fill: from before a read of a page of the root's region
 * that nothing has touched to after it: the fault, the kernel's call to
 * the pager, the pager's purchase of a frame from the region's bank (the
 * bank server zeroes it and grants it into the pager's window), the
 * pager's RESUME carrying the page by COPY, the retried read. The root
 * then unmaps the page (untimed): the mapping's record is the root's, from
 * its boot heap, which has no bank and room for a few hundred only; the
 * pager keeps the frame for the next row.
 * Beside fault.page.frame_map and fault.page.item (fault_bench.c), where a
 * thread of the same task maps a frame it already has.
 * pager.fault.mapped_again: the same read of a page the root unmapped
 * itself (untimed) after the pager filled it: the pager finds the frame in
 * its window and maps it again, without the bank.
 * Every round's page lies in one 4 MiB whose page table stays, so no row
 * pays for making a page table.
 */
#include "bench/vm/lib/bench.h"
#include "libl4/bank.h"
#include "libl4/boot_modules.h"
#include "libl4/l4.h"
#include "libl4/pager.h"
#include "libl4/printf.h"

#define ROUNDS 500
#define WARM_UP 10
#define PAGE_SIZE 4096u
#define REGION 0x50000000u                 /* 4 MiB-aligned: all rounds share one page table */
#define REGION_PAGES 1024u
#define BANK_MODULE_AREA 0x20000000u
#define PAGER_MODULE_AREA 0x22000000u
#define BANK_WINDOW 0x28000000u
#define PAGER_WINDOW 0x2a000000u

enum {
    ROOT = BURSAR_SLOT_FIRST_FREE, PAGER, PAGER_BANK, CLIENT_BANK, CLIENT,
    BANK_SLOTS = 16, PAGER_SLOTS = 20,     /* 4 each: the servers' task, thread, heap, endpoint */
};

static uint32_t samples[ROUNDS];

static uint32_t timed_read(uintptr_t page)
{
    uint64_t start = l4_timestamp();

    (void)*(volatile uint32_t *)page;
    return (uint32_t)(l4_timestamp() - start);
}

/* Fresh pages, one a round, from `first`; each unmapped again (untimed), the warm-up's stay. */
static void zero_fill_row(unsigned first)
{
    struct bench_counts counts = { .operations = ROUNDS, .untimed_entries = ROUNDS };

    for (unsigned i = 0; i < WARM_UP; i++)
        timed_read(REGION + (first + i) * PAGE_SIZE);
    first += WARM_UP;
    l4_system_info(&counts.before);
    for (unsigned i = 0; i < ROUNDS; i++) {
        samples[i] = timed_read(REGION + (first + i) * PAGE_SIZE);
        l4_unmap(REGION + (first + i) * PAGE_SIZE, 1);
    }
    l4_system_info(&counts.after);
    bench_print_row("pager.fault.zero_fill", samples, ROUNDS, 1, &counts);
}

/*
 * Pages the pager has filled and the root unmapped (zero_fill_row's), read
 * again, each unmapped again after (untimed). The warm-up's pages stay
 * mapped: the page table stays.
 */
static void mapped_again_row(void)
{
    struct bench_counts counts = { .operations = ROUNDS, .untimed_entries = ROUNDS };

    for (unsigned i = 0; i < WARM_UP; i++) {
        l4_unmap(REGION + i * PAGE_SIZE, 1);
        timed_read(REGION + i * PAGE_SIZE);
    }
    l4_system_info(&counts.before);
    for (unsigned i = 0; i < ROUNDS; i++) {
        samples[i] = timed_read(REGION + (WARM_UP + i) * PAGE_SIZE);
        l4_unmap(REGION + (WARM_UP + i) * PAGE_SIZE, 1);
    }
    l4_system_info(&counts.after);
    bench_print_row("pager.fault.mapped_again", samples, ROUNDS, 1, &counts);
}

int main(const struct bursar_boot_info *boot)
{
    int index = l4_boot_module_find(boot, "pager.elf");
    int error = index < 0 ? -BURSAR_E_INVALID_ARGUMENT
                          : l4_boot_module_map(boot, (unsigned)index, BURSAR_SLOT_MEMORY, PAGER_MODULE_AREA);

    if (!error)
        error = l4_bank_start_from_boot(boot, "bank.elf", BANK_MODULE_AREA, BANK_WINDOW, BANK_SLOTS, 160, ROOT);
    if (error == -BURSAR_E_NOT_SUPPORTED) {
        printf("bench: pager.* skipped: the bank server needs heaps (NOT_SUPPORTED on this kernel)\n");
        return 0;
    }
    if (!error)
        error = l4_pager_start_under(ROOT, 512, PAGER_BANK, (const void *)PAGER_MODULE_AREA,
                                     boot->modules[index].size, PAGER_WINDOW, PAGER_SLOTS, 150, PAGER);
    if (!error)
        error = bank_create_child(ROOT, 4096, 16, CLIENT_BANK);
    if (!error)
        error = pager_open(PAGER, CLIENT_BANK, CLIENT);
    if (!error)
        error = pager_attach(CLIENT, REGION, REGION_PAGES, BURSAR_RIGHT_READ | BURSAR_RIGHT_WRITE);
    if (!error)
        error = l4_thread_configure(BURSAR_SLOT_THREAD, BURSAR_THREAD_PAGER, CLIENT);
    if (error) {
        printf("bench: cannot start the bank and the pager: %s\n", pager_error_name(error));
        return 1;
    }
    printf("pager benchmark: %u rounds, medians in instructions (TSC under -icount shift=0)\n", ROUNDS);
    bench_measure_overhead();
    zero_fill_row(0);
    mapped_again_row();
    return 0;
}
