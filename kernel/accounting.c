/*
 * accounting.c — the accounting identity, counted from the frame table and
 * cross-checked against every heap's own ledger:
 *   fixed reservation + heap frames + bank frames = usable frames
 *   Σ pages held by heaps = donated heap frames + boot heap frames
 * and that no frame but a bank's is mapped in user space.
 */
#include "kernel/accounting.h"
#include "kernel/boot.h"
#include "kernel/console.h"
#include "kernel/frame_table.h"
#include "kernel/heap.h"
#include "kernel/ipc.h"
#include "kernel/machine.h"
#include "kernel/scheduler.h"
#include "kernel/task.h"
#include "kernel/thread.h"

void accounting_fill_info(struct bursar_system_info *info)
{
    *info = (struct bursar_system_info){
        .usable_frames = frame_table.usable_frames,
        .fixed_reservation_frames = frame_table_fixed_reservation(),
        .heap_frames = frame_table.count_by_type[FRAME_HEAP],
        .bank_frames = frame_table.count_by_type[FRAME_BANK],
        .tsc_khz = (uint32_t)(tsc_per_second / 1000),
        .timer_hz = TIMER_HZ,
        .heaps = heaps_count(), .tasks = tasks_count(), .threads = threads_count(),
        .kernel_entries = machine_counters.kernel_entries + ipc_fast_path_count + fast_path_null_count,
        .address_space_switches = machine_counters.address_space_switches,
        .fast_path_ipcs = ipc_fast_path_count,
        .timer_ticks = (uint32_t)scheduler_ticks(),
    };
}

bool accounting_check(void)
{
    struct bursar_system_info info;
    uint32_t heap_pages = heaps_total_pages();
    bool ok = true;

    accounting_fill_info(&info);
    if (info.fixed_reservation_frames + info.heap_frames + info.bank_frames != info.usable_frames) {
        kprintf("accounting: fixed %u + heaps %u + banks %u != usable %u\n", info.fixed_reservation_frames,
                info.heap_frames, info.bank_frames, info.usable_frames);
        ok = false;
    }
    if (heap_pages != info.heap_frames + frame_table.count_by_type[FRAME_BOOT_HEAP]) {
        kprintf("accounting: heaps hold %u pages, frame table says %u + boot %u\n", heap_pages,
                info.heap_frames, frame_table.count_by_type[FRAME_BOOT_HEAP]);
        ok = false;
    }
    for (struct heap *heap = heaps_first(); heap; heap = heap->next_heap)
        if (kheap_check(&heap->kheap) != KHEAP_OK) {
            kprintf("accounting: heap %u fails its own ledger check\n", heap->id);
            ok = false;
        }
    /* Only a bank's frames are ever mapped in user space: never a heap page, never the kernel's. */
    for (uint32_t f = 0; f < frame_table.frame_count; f++)
        if (frame_table.frames[f].type != FRAME_BANK && !mapdb_root_is_empty(&frame_table.frames[f].mappings)) {
            kprintf("accounting: frame %u (%s) is mapped in user space\n", f,
                    frame_type_name(frame_table.frames[f].type));
            ok = false;
        }
    return ok;
}
