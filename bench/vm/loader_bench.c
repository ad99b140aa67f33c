/*
 * loader_bench.c — what starting a program with the loader costs
 * (libl4/loader.h), as the root task under `qemu -icount shift=0` (figures
 * are guest instructions; docs/benchmarks.md). The programs are the
 * loader's test fixtures, passed as boot modules after this one.
 *
 * loader.load.plain: l4_program_load() of test/loader/load_plain.c, a small
 * libl4 program (text, data, bss; 4 pages of stack): check the image, make
 * its heap (16 frames) and task, buy, fill and map every page, make its
 * thread and give it 3 capabilities. Not started.
 * loader.destroy.plain: l4_program_destroy() of that program.
 * loader.start-to-exit.nodata: from before l4_program_load() of
 * test/loader/load_nodata.c (one page of text, nothing else) to the root
 * receiving its exit report: load, start, the program's run, its report.
 *
 * Each row also says the frames the program took (pages) and the heap pages
 * its loading used (heap_pages), and counts kernel entries and CR3 loads
 * per operation.
 */
#include "bench/vm/lib/bench.h"
#include "libl4/boot_modules.h"
#include "libl4/frames.h"
#include "libl4/l4.h"
#include "libl4/loader.h"
#include "libl4/printf.h"

#define ROUNDS 41
#define WARM_UP 3
#define HEAP_PAGES 16
#define MODULE_AREA 0x20000000u
#define WINDOW 0x40000000u
#define WINDOW_PAGES 256u

enum { PARENT = BURSAR_SLOT_FIRST_FREE, PROBE, PROGRAM_SLOTS };

static const struct bursar_boot_info *boot;
static struct l4_boot_frames frames;
static uint32_t samples[ROUNDS];

/* The kernel's entries and CR3 loads over the measured parts, summed. */
struct tally {
    uint32_t entries, cr3;
};

static const void *module(const char *name, uintptr_t address, size_t *size)
{
    int index = l4_boot_module_find(boot, name);

    if (index < 0 || l4_boot_module_map(boot, (unsigned)index, BURSAR_SLOT_MEMORY, address) != 0) {
        printf("bench: boot module %s is missing\n", name);
        return NULL;
    }
    *size = boot->modules[index].size;
    return (const void *)address;
}

static void spec_init(struct l4_load_spec *spec, const char *name, const void *image, size_t size,
                      const struct l4_load_cap *caps, unsigned cap_count)
{
    *spec = (struct l4_load_spec){
        .name = name, .image = image, .image_size = size, .frames = &frames.source, .heap_pages = HEAP_PAGES,
        .slots = PROGRAM_SLOTS, .window = WINDOW, .window_pages = WINDOW_PAGES, .priority = 100,
        .parent = PARENT, .parent_badge = 1, .caps = caps, .cap_count = cap_count,
        .timer_hz = boot->timer_hz, .tsc_khz = boot->tsc_khz,
    };
}

static void count_from(struct bursar_system_info *before)
{
    l4_system_info(before);
}

/* Adds what the kernel counted since `before` (less the SYS_SYSTEM_INFO that reads it). */
static void count_to(const struct bursar_system_info *before, struct tally *tally)
{
    struct bursar_system_info after;

    l4_system_info(&after);
    tally->entries += after.kernel_entries - before->kernel_entries - 1;
    tally->cr3 += after.address_space_switches - before->address_space_switches;
}

/* What one loaded program took: its frames and the heap pages its loading used. */
struct size {
    unsigned pages, heap_pages;
};

static void print_row(const char *name, struct tally *tally, struct size size)
{
    bench_sort(samples, ROUNDS);
    printf("bench %s instructions=%u min=%u entries=%u.%02u cr3=%u.%02u pages=%u heap_pages=%u\n", name,
           samples[ROUNDS / 2] - bench_overhead, samples[0] - bench_overhead, tally->entries / ROUNDS,
           tally->entries * 100 / ROUNDS % 100, tally->cr3 / ROUNDS, tally->cr3 * 100 / ROUNDS % 100,
           size.pages, size.heap_pages);
}

static void load_and_destroy(const void *image, size_t size)
{
    struct l4_load_cap cap = { .name = "probe", .from = PROBE, .to = 4, .rights = BURSAR_RIGHT_WRITE, .badge = 77 };
    struct tally loads = { 0 }, destroys = { 0 };
    uint32_t destroy_samples[ROUNDS];
    struct bursar_system_info before;
    struct l4_load_spec spec;
    struct l4_program program;
    struct size took = { 0, 0 };

    spec_init(&spec, "plain", image, size, &cap, 1);
    for (unsigned i = 0; i < WARM_UP + ROUNDS; i++) {
        uint64_t start, end;
        enum l4_load_error error;

        count_from(&before);
        start = l4_timestamp();
        error = l4_program_load(&spec, &program);
        end = l4_timestamp();
        if (i >= WARM_UP)
            count_to(&before, &loads);
        if (error != L4_LOAD_OK) {
            char why[128];
            l4_program_failure(&program, why, sizeof why);
            printf("bench: loading failed: %s\n", why);
            return;
        }
        if (i >= WARM_UP)
            samples[i - WARM_UP] = (uint32_t)(end - start);
        took = (struct size){ program.pages, program.heap_pages_used };
        count_from(&before);
        start = l4_timestamp();
        l4_program_destroy(&program);
        end = l4_timestamp();
        if (i >= WARM_UP) {
            count_to(&before, &destroys);
            destroy_samples[i - WARM_UP] = (uint32_t)(end - start);
        }
    }
    print_row("loader.load.plain", &loads, took);
    for (unsigned i = 0; i < ROUNDS; i++)
        samples[i] = destroy_samples[i];
    print_row("loader.destroy.plain", &destroys, took);
}

static void start_to_exit(const void *image, size_t size)
{
    struct tally tally = { 0 };
    struct bursar_system_info before;
    struct l4_load_spec spec;
    struct l4_program program;
    struct size took = { 0, 0 };

    spec_init(&spec, "nodata", image, size, NULL, 0);
    for (unsigned i = 0; i < WARM_UP + ROUNDS; i++) {
        uint32_t badge = 0, tag = 0, status = 1, unused = 0;
        uint64_t start, end;
        int error;

        count_from(&before);
        start = l4_timestamp();
        error = l4_program_load(&spec, &program) == L4_LOAD_OK ? 0 : -1;
        if (!error)
            error = l4_program_start(&program);
        if (!error)
            error = l4_receive(PARENT, BURSAR_NO_CAPABILITY, &badge, &tag, &status, &unused, BURSAR_TIMEOUT_NEVER);
        end = l4_timestamp();
        if (i >= WARM_UP) {
            count_to(&before, &tally);
            samples[i - WARM_UP] = (uint32_t)(end - start);
        }
        if (error || status != 0) {
            printf("bench: the text-only program did not run: %d, status %u\n", error, status);
            return;
        }
        took = (struct size){ program.pages, program.heap_pages_used };
        l4_program_destroy(&program);
    }
    print_row("loader.start-to-exit.nodata", &tally, took);
}

int main(const struct bursar_boot_info *boot_info)
{
    const void *plain, *nodata;
    size_t plain_size = 0, nodata_size = 0;

    boot = boot_info;
    bench_measure_overhead();
    l4_boot_frames_init(&frames, boot, BURSAR_SLOT_MEMORY, BURSAR_SLOT_HEAP);
    plain = module("load_plain.elf", MODULE_AREA, &plain_size);
    nodata = module("load_nodata.elf", MODULE_AREA + 0x100000u, &nodata_size);
    if (!plain || !nodata || l4_create(BURSAR_SLOT_HEAP, BURSAR_OBJECT_ENDPOINT, PARENT, 0) != 0 ||
        l4_create(BURSAR_SLOT_HEAP, BURSAR_OBJECT_ENDPOINT, PROBE, 0) != 0)
        return 1;
    load_and_destroy(plain, plain_size);
    start_to_exit(nodata, nodata_size);
    return 0;
}
