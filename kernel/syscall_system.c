/*
 * syscall_system.c — the system calls on the system as a whole: the
 * kernel's ledger (SYS_SYSTEM_INFO), and the calls of the debug capability
 * (the console line, the kernel's dumps and self-check, what the preemption
 * points have seen).
 */
#include "bursar/errors.h"
#include "bursar/syscall.h"
#include "bursar/utcb.h"
#include "kernel/accounting.h"
#include "kernel/cspace.h"
#include "kernel/debug.h"
#include "kernel/machine.h"
#include "kernel/memory.h"
#include "kernel/preempt.h"
#include "kernel/self_check.h"
#include "kernel/syscall_dispatch.h"
#include "kernel/task.h"
#include "kernel/thread.h"

#define PAGE_MASK (MACHINE_PAGE_SIZE - 1)
/*
 * A preemption unit's worth of console output: about 45 instructions a
 * byte under QEMU (`interrupts-off.debug.puts.1024`: 8 bytes a unit made a
 * 5 891-instruction window). On a real 16550 at 115 200 baud a byte is
 * about 87 us of waiting for the transmitter, so the debug console is no
 * place for output a real-time system depends on.
 */
#define DEBUG_PUTS_BYTES_PER_UNIT 4

static struct cspace *own_space(struct thread *caller)
{
    return &caller->task->cspace;
}

int sys_system_info(struct thread *caller, const struct machine_registers *r, uint32_t results[4])
{
    struct bursar_system_info info;

    (void)r;
    (void)results;
    accounting_fill_info(&info);
    return utcb_write_info(caller, &info, sizeof info);
}

/*
 * Page by page through the caller's page tables, straight to the console
 * line (not through the printf engine), with a preemption point every few
 * dozen bytes. After a point the page is looked up again: a page unmapped
 * meanwhile ends the output there.
 */
int sys_debug_puts(struct thread *caller, const struct machine_registers *r, uint32_t results[4])
{
    uint32_t address = r->argument[0], length = r->argument[1];
    const char *page = NULL;

    (void)results;
    if (length > BURSAR_DEBUG_PUTS_MAX)
        return -BURSAR_E_INVALID_ARGUMENT;
    if (address >= MACHINE_USER_TOP || MACHINE_USER_TOP - address < length)
        return -BURSAR_E_INVALID_ADDRESS;
    for (uint32_t at = address; at < address + length; at = (at & ~PAGE_MASK) + MACHINE_PAGE_SIZE)
        if (memory_translate(caller->task, at & ~PAGE_MASK, false) == MEMORY_NOT_MAPPED)
            return -BURSAR_E_NOT_MAPPED;
    for (uint32_t at = address; at < address + length; at++) {
        if (!page || (at & PAGE_MASK) == 0) {
            uint64_t physical = memory_translate(caller->task, at & ~PAGE_MASK, false);
            if (physical == MEMORY_NOT_MAPPED)
                return BURSAR_OK;
            page = machine_physical_to_virtual(physical);
        }
        machine_console_putc(page[at & PAGE_MASK]);
        if ((at - address) % DEBUG_PUTS_BYTES_PER_UNIT == DEBUG_PUTS_BYTES_PER_UNIT - 1 && preempt_work(1)) {
            if (preempt_destroyed())
                return BURSAR_OK;
            page = NULL;
        }
    }
    return BURSAR_OK;
}

/* Everything the kernel knows, to a holder of the debug capability only. */
int sys_debug_dump(struct thread *caller, const struct machine_registers *r, uint32_t results[4])
{
    int error = BURSAR_OK;
    uint32_t what = r->argument[1];

    (void)results;
    if (!cspace_lookup(own_space(caller), r->argument[0], BURSAR_OBJECT_DEBUG, BURSAR_RIGHT_READ, &error))
        return error;
    if (what == BURSAR_DUMP_CHECK || what == BURSAR_DUMP_CHECK_YIELDING)
        return self_check(what == BURSAR_DUMP_CHECK_YIELDING);
    if (what == BURSAR_DUMP_CAPABILITY_TREE || what == BURSAR_DUMP_FRAME_TREE)
        return debug_dump_tree(caller, what, r->argument[2]);
    if (what > BURSAR_DUMP_HEAPS)
        return -BURSAR_E_INVALID_ARGUMENT;
    debug_dump(what, true);
    return BURSAR_OK;
}

/* Reading needs the debug capability's READ; resetting, which others' measurements see, its WRITE too. */
int sys_preempt_stats(struct thread *caller, const struct machine_registers *r, uint32_t results[4])
{
    int error = BURSAR_OK;
    uint32_t reset = r->argument[1];

    if (!cspace_lookup(own_space(caller), r->argument[0], BURSAR_OBJECT_DEBUG,
                       BURSAR_RIGHT_READ | (reset == 1 ? BURSAR_RIGHT_WRITE : 0), &error))
        return error;
    if (reset > 1)
        return -BURSAR_E_INVALID_ARGUMENT;
    results[0] = (uint32_t)preempt_statistics.longest_interrupts_off;
    results[1] = (uint32_t)(preempt_statistics.longest_interrupts_off >> 32);
    results[2] = preempt_statistics.points;
    results[3] = preempt_statistics.switches;
    if (reset == 1)
        preempt_statistics = (struct preempt_statistics){ 0 };
    return BURSAR_OK;
}
