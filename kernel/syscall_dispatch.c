/*
 * syscall_dispatch.c — from a system-call trap to the right handler, and back.
 * (User-mode exceptions go to user_faults.c.)
 */
#include "bursar/errors.h"
#include "bursar/syscall.h"
#include "kernel/console.h"
#include "kernel/heap.h"
#include "kernel/interrupts_off.h"
#include "kernel/preempt.h"
#include "kernel/scheduler.h"
#include "kernel/syscall_dispatch.h"
#include "kernel/task.h"
#include "kernel/thread.h"
#include "kernel/trap_handlers.h"

static const syscall_handler handlers[SYS_COUNT] = {
    [SYS_DEBUG_PUTS] = sys_debug_puts,   [SYS_DEBUG_DUMP] = sys_debug_dump,
    [SYS_SEND] = sys_send,               [SYS_RECEIVE] = sys_receive,
    [SYS_CALL] = sys_call,               [SYS_REPLY] = sys_reply,
    [SYS_REPLY_WAIT] = sys_reply_wait,   [SYS_YIELD] = sys_yield,
    [SYS_CREATE] = sys_create,           [SYS_DESTROY] = sys_destroy,
    [SYS_CAP_COPY] = sys_cap_copy,       [SYS_CAP_DELETE] = sys_cap_delete,
    [SYS_CAP_REVOKE] = sys_cap_revoke,   [SYS_CAP_INSPECT] = sys_cap_inspect,
    [SYS_THREAD_CONFIGURE] = sys_thread_configure, [SYS_THREAD_START] = sys_thread_start,
    [SYS_THREAD_EXIT] = sys_thread_exit, [SYS_FRAME_MAP] = sys_frame_map,
    [SYS_MAP] = sys_map,                 [SYS_UNMAP] = sys_unmap,
    [SYS_HEAP_DONATE] = sys_heap_donate, [SYS_HEAP_INFO] = sys_heap_info,
    [SYS_SYSTEM_INFO] = sys_system_info, [SYS_NULL] = sys_null,
    [SYS_CAP_COMPARE] = sys_cap_compare,
    [SYS_FRAME_UNMAP] = sys_frame_unmap, [SYS_FRAME_STATE] = sys_frame_state,
    [SYS_HEAP_RECLAIM] = sys_heap_reclaim, [SYS_HEAP_CONFIGURE] = sys_heap_configure,
    [SYS_HEAP_RESERVE] = sys_heap_reserve,
    [SYS_PREEMPT_STATS] = sys_preempt_stats, [SYS_IRQ_CLAIM] = sys_irq_claim,
    [SYS_IRQ_SET_ENDPOINT] = sys_irq_set_endpoint, [SYS_IRQ_ACK] = sys_irq_ack,
    [SYS_IO_PORT] = sys_io_port,         [SYS_IO_PORTS_CREATE] = sys_io_ports_create,
};
_Static_assert(sizeof(handlers) / sizeof(handlers[0]) == SYS_COUNT, "one handler per system call");

/* The heaps a call's last try noted (heap_fault.c), forgotten before the next: rarely any. */
static void heap_fault_clear(struct thread *caller)
{
    heap_ref_set(&caller->heap_fault.heap, NULL);
    heap_ref_set(&caller->heap_fault.refill, NULL);
}

/* Out of memory: returned, or written into the frame by an IPC that could not pay for its items. */
static bool failed_for_memory(int status, struct trap_frame *frame)
{
    if (status != SYSCALL_RESULT_WRITTEN)
        return status == -BURSAR_E_OUT_OF_MEMORY;
    return machine_frame_result(frame) == -BURSAR_E_OUT_OF_MEMORY;
}

/*
 * Inline in both entries below: the slow path's every system call comes
 * through here, and a call and its frame were a tenth of a null call.
 */
static inline __attribute__((always_inline)) void syscall_dispatch(struct thread *caller,
                                                                   struct trap_frame *frame)
{
    static const uint32_t no_words[4];
    struct machine_registers registers;
    uint32_t results[4];
    uint32_t number;
    syscall_handler handler;
    int status;

    machine_frame_read(frame, &registers);
    number = registers.number & BURSAR_SYSCALL_NUMBER_MASK;
    if (number >= SYS_COUNT || !handlers[number]) {
        machine_frame_write_result(frame, -BURSAR_E_INVALID_SYSCALL, no_words);
        return;
    }
    /* A heap fault served by a donation restarts the call from its saved registers. */
    handler = handlers[number];
    caller->heap_fault.armed = true;
    do {
        if (caller->heap_fault.heap.heap || caller->heap_fault.refill.heap)
            heap_fault_clear(caller);
        caller->heap_fault.named_slot = BURSAR_NO_CAPABILITY;
        results[0] = results[1] = results[2] = results[3] = 0;
        status = handler(caller, &registers, results);
    } while (failed_for_memory(status, frame) && heap_fault_serve(caller));
    caller->heap_fault.armed = false;
    if (status != SYSCALL_RESULT_WRITTEN)
        machine_frame_write_result(frame, status, results);
    if (caller->heap_fault.refill.heap)     /* the call left a heap below its low watermark: refill it */
        heap_fault_refill(caller);
}

/* The floor the benchmarks quote: enter, (switch address space and back,) leave. */
int sys_null(struct thread *caller, const struct machine_registers *r, uint32_t results[4])
{
    int error = BURSAR_OK;
    struct cap_slot *slot;

    (void)results;
    if (r->argument[0] == BURSAR_NO_CAPABILITY)
        return BURSAR_OK;
    slot = cspace_lookup(&caller->task->cspace, r->argument[0], BURSAR_OBJECT_TASK, 0, &error);
    if (!slot)
        return error;
    machine_address_space_activate(((struct task *)slot->object)->page_directory);
    machine_address_space_activate(caller->task->page_directory);
    return BURSAR_OK;
}

/* The caller may have exited, been destroyed, or blocked and come back. */
static inline __attribute__((always_inline)) void leave_kernel(void)
{
    if (current_thread->destroyed_in_kernel)
        thread_exit_destroyed();
    if (current_thread->header.dying && current_thread->state == THREAD_READY)
        thread_kill(current_thread, 0, NULL);    /* its destroyer frees it */
    if (current_thread->state != THREAD_READY)
        schedule();
}

/*
 * A system call made by int $0x80 (trap.c). The thread goes back by iret,
 * ecx and edx as they were: while it is in the kernel (blocked in IPC,
 * typically), the fast path must not answer it with its sysexit (thread.h).
 */
void kernel_syscall(struct trap_frame *frame)
{
    struct thread *self = current_thread;

    self->slow_path_only |= THREAD_SLOW_PATH_TRAP_ENTRY;
    syscall_dispatch(self, frame);
    leave_kernel();
    self->slow_path_only &= (uint8_t)~THREAD_SLOW_PATH_TRAP_ENTRY;
}

/*
 * A system call made by sysenter (sysenter.S's slow path), its frame built
 * already reset to what a system call returns with. The thread was in user
 * mode with interrupts on, so the interrupt-off window opens here. Only the
 * fast path's exit may answer it while it waits (no trap-entry bit).
 */
void kernel_sysenter_syscall(struct trap_frame *frame)
{
    interrupts_off_begin();
    syscall_dispatch(current_thread, frame);
    leave_kernel();
    interrupts_off_end();
}
