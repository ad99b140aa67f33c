/*
 * syscall_dispatch.h — system-call dispatch. Every handler checks every argument
 * before it changes anything (check-all-then-act) and returns 0 or
 * -BURSAR_E_*; docs/abi.md lists which error each check gives.
 */
#ifndef KERNEL_SYSCALL_DISPATCH_H
#define KERNEL_SYSCALL_DISPATCH_H

#include <stdint.h>

#include "kernel/machine.h"

struct thread;
struct cap_slot;

/* A handler that already wrote the caller's result (IPC) returns this. */
#define SYSCALL_RESULT_WRITTEN 1

typedef int (*syscall_handler)(struct thread *caller, const struct machine_registers *registers,
                               uint32_t results[4]);

/* The handlers, by the file that holds them (the object they act on). */
/* syscall_dispatch.c: the floor the benchmarks quote */
int sys_null(struct thread *, const struct machine_registers *, uint32_t[4]);
/* syscall_ipc.c: endpoints and reply objects */
int sys_send(struct thread *, const struct machine_registers *, uint32_t[4]);
int sys_call(struct thread *, const struct machine_registers *, uint32_t[4]);
int sys_receive(struct thread *, const struct machine_registers *, uint32_t[4]);
int sys_reply(struct thread *, const struct machine_registers *, uint32_t[4]);
int sys_reply_wait(struct thread *, const struct machine_registers *, uint32_t[4]);
int sys_yield(struct thread *, const struct machine_registers *, uint32_t[4]);
/* syscall_objects.c: creating and destroying objects, capabilities */
int sys_create(struct thread *, const struct machine_registers *, uint32_t[4]);
int sys_destroy(struct thread *, const struct machine_registers *, uint32_t[4]);
int sys_cap_copy(struct thread *, const struct machine_registers *, uint32_t[4]);
int sys_cap_delete(struct thread *, const struct machine_registers *, uint32_t[4]);
int sys_cap_revoke(struct thread *, const struct machine_registers *, uint32_t[4]);
int sys_cap_inspect(struct thread *, const struct machine_registers *, uint32_t[4]);
int sys_cap_compare(struct thread *, const struct machine_registers *, uint32_t[4]);
/* syscall_thread.c: threads */
int sys_thread_configure(struct thread *, const struct machine_registers *, uint32_t[4]);
int sys_thread_start(struct thread *, const struct machine_registers *, uint32_t[4]);
int sys_thread_exit(struct thread *, const struct machine_registers *, uint32_t[4]);
/* syscall_memory.c: memory objects and mappings */
int sys_frame_map(struct thread *, const struct machine_registers *, uint32_t[4]);
int sys_map(struct thread *, const struct machine_registers *, uint32_t[4]);
int sys_unmap(struct thread *, const struct machine_registers *, uint32_t[4]);
int sys_frame_unmap(struct thread *, const struct machine_registers *, uint32_t[4]);
int sys_frame_state(struct thread *, const struct machine_registers *, uint32_t[4]);
/* syscall_heap.c: heaps */
int sys_heap_donate(struct thread *, const struct machine_registers *, uint32_t[4]);
int sys_heap_info(struct thread *, const struct machine_registers *, uint32_t[4]);
int sys_heap_reclaim(struct thread *, const struct machine_registers *, uint32_t[4]);
int sys_heap_configure(struct thread *, const struct machine_registers *, uint32_t[4]);
int sys_heap_reserve(struct thread *, const struct machine_registers *, uint32_t[4]);
/* syscall_devices.c: IRQ objects and I/O ports */
int sys_irq_claim(struct thread *, const struct machine_registers *, uint32_t[4]);
int sys_irq_set_endpoint(struct thread *, const struct machine_registers *, uint32_t[4]);
int sys_irq_ack(struct thread *, const struct machine_registers *, uint32_t[4]);
int sys_io_ports_create(struct thread *, const struct machine_registers *, uint32_t[4]);
int sys_io_port(struct thread *, const struct machine_registers *, uint32_t[4]);
/* syscall_system.c: the kernel's ledger and the debug capability */
int sys_system_info(struct thread *, const struct machine_registers *, uint32_t[4]);
int sys_debug_puts(struct thread *, const struct machine_registers *, uint32_t[4]);
int sys_debug_dump(struct thread *, const struct machine_registers *, uint32_t[4]);
int sys_preempt_stats(struct thread *, const struct machine_registers *, uint32_t[4]);
/* A pager, exception handler or bank: a COPY of an endpoint capability (WRITE) the kernel keeps. */
int syscall_set_handler(struct thread *caller, struct cap_slot *handler, uint32_t index);

/* Copy to/from a thread's UTCB (through its task's page tables). */
int utcb_write_info(struct thread *thread, const void *data, uint32_t size);

#endif /* KERNEL_SYSCALL_DISPATCH_H */
