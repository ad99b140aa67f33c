/*
 * hello.c — the smallest root task: prints what the kernel told it at boot
 * (the modules it was given, the free memory, the clocks) and exits. An
 * example of a libl4 program, and a first check that the kernel starts one.
 */
#include "libl4/l4.h"
#include "libl4/printf.h"

/* A fixed-size name from the kernel, printed without trusting it to end in NUL. */
static void print_name(const char *name, size_t size)
{
    for (size_t i = 0; i < size && name[i]; i++)
        putchar(name[i]);
}

static void print_modules(const struct bursar_boot_info *boot)
{
    printf("%u boot modules (module 0 is this program):\n", boot->module_count);
    for (uint32_t i = 0; i < boot->module_count && i < BURSAR_BOOT_MAX_MODULES; i++) {
        const struct bursar_boot_module *m = &boot->modules[i];
        printf("  %u: frame %u, %u bytes, \"", i, m->first_frame, m->size);
        print_name(m->name, sizeof m->name);
        printf("\"\n");
    }
}

static void print_free_memory(const struct bursar_boot_info *boot)
{
    printf("%u free frames (%u KiB) in %u ranges:\n", boot->free_frames, boot->free_frames * 4,
           boot->range_count);
    for (uint32_t i = 0; i < boot->range_count && i < BURSAR_BOOT_MAX_RANGES; i++)
        printf("  frames %u..%u\n", boot->free_ranges[i].first_frame,
               boot->free_ranges[i].first_frame + boot->free_ranges[i].frames - 1);
}

int main(const struct bursar_boot_info *boot)
{
    printf("hello from the root task\n");
    if (boot->magic != BURSAR_BOOT_MAGIC) {
        printf("boot information has magic %x, expected %x\n", boot->magic, BURSAR_BOOT_MAGIC);
        return 1;
    }
    print_modules(boot);
    print_free_memory(boot);
    printf("timer %u Hz, TSC %u kHz, command line \"", boot->timer_hz, boot->tsc_khz);
    print_name(boot->command_line, sizeof boot->command_line);
    printf("\"\n");
    return 0;
}
