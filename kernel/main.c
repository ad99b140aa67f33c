/*
 * main.c — kernel_main(), the table of contents of the boot. Each line is
 * one step; the step's own file says how it is done.
 */
#include "kernel/boot.h"
#include "kernel/console.h"
#include "kernel/cspace.h"
#include "kernel/frame_table.h"
#include "kernel/heap.h"
#include "kernel/machine.h"
#include "kernel/scheduler.h"

struct boot_info boot_info;
uint64_t tsc_per_second;

void kernel_main(uint32_t loader_magic, uint32_t loader_info)
{
    machine_console_init();                              /* COM1: everything after this may print */
    boot_print_banner();
    if (!machine_read_boot_info(loader_magic, loader_info, &boot_info))
        panic("boot: cannot read the boot loader's information");
    machine_cpu_init();                                  /* GDT, TSS, IDT, PIC */
    boot_print_memory_map(&boot_info);
    frame_table_init(&boot_info);                        /* one entry per frame; fixed reservation */
    boot_print_modules(&boot_info);
    frame_table_print();
    machine_paging_init(frame_table_memory_end());       /* direct map of usable RAM only */
    heaps_init();                                        /* kernel allocation kinds; the boot heap */
    authority_init();                                    /* the mapping database */
    scheduler_init();                                    /* the boot context becomes the idle thread */
    machine_timer_init(TIMER_HZ);
    machine_interrupts_enable();                         /* only while calibrating: */
    tsc_per_second = machine_tsc_calibrate();
    machine_interrupts_disable();                        /* the kernel runs with them off */
    boot_print_complete();
    machine_console_input_init();                        /* the debug key on the serial line */
    boot_hand_over();                                    /* the root task, or tests: per image */
}
