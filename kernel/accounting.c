/*
 * accounting.c — the accounting identity, counted from the frame table and
 * cross-checked against every heap's own ledger:
 *   fixed reservation + heap frames + bank frames = usable frames
 *   Σ pages held by heaps = donated heap frames + boot heap frames
 * and that no frame but a bank's is mapped in user space: the figures here,
 * the checks in kernel/self_check.c (a pass in chunks, of one state).
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
