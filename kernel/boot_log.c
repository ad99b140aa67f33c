/*
 * boot_log.c — the boot log: what a person reads to see what the kernel
 * found and where it put things.
 */
#include "bursar/console_protocol.h"
#include "kernel/boot.h"
#include "kernel/console.h"
#include "kernel/machine.h"

static const char *region_type_name(uint32_t type)
{
    switch (type) {
    case MEMORY_AVAILABLE: return "available";
    case MEMORY_ACPI_RECLAIMABLE: return "ACPI reclaimable";
    case MEMORY_ACPI_NVS: return "ACPI NVS";
    case MEMORY_BAD: return "bad";
    default: return "reserved";
    }
}

void boot_print_banner(void)
{
    kprintf("\nBursar microkernel (ia32) - every byte of kernel memory has a payer\n");
}

void boot_print_memory_map(const struct boot_info *boot)
{
    kprintf("loader: %s; command line: \"%s\"\n",
            boot->loader_name[0] ? boot->loader_name : "unknown", boot->command_line);
    kprintf("memory map:\n");
    for (uint32_t i = 0; i < boot->region_count; i++) {
        const struct memory_region *r = &boot->regions[i];
        kprintf("  %09llx-%09llx %8llu KiB  %s\n", (unsigned long long)r->start,
                (unsigned long long)r->end, (unsigned long long)((r->end - r->start) / 1024),
                region_type_name(r->type));
    }
    kprintf("kernel image: %08llx-%08llx (%llu KiB)\n",
            (unsigned long long)machine_kernel_image_start(), (unsigned long long)machine_kernel_image_end(),
            (unsigned long long)((machine_kernel_image_end() - machine_kernel_image_start()) / 1024));
}

void boot_print_modules(const struct boot_info *boot)
{
    kprintf("modules: %u\n", boot->module_count);
    for (uint32_t i = 0; i < boot->module_count; i++)
        kprintf("  %08llx-%08llx %s\n", (unsigned long long)boot->modules[i].start,
                (unsigned long long)boot->modules[i].end, boot->modules[i].name);
}

void boot_print_complete(void)
{
    uint64_t khz = tsc_per_second / 1000;

    kprintf("timer: %u Hz; TSC %llu.%03llu MHz (instructions per emulated second under -icount)\n",
            TIMER_HZ, (unsigned long long)(khz / 1000), (unsigned long long)(khz % 1000));
    kprintf(BURSAR_BOOT_COMPLETE " in %llu timer ticks\n", (unsigned long long)machine_timer_ticks());
}
