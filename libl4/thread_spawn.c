/*
 * thread_spawn.c — l4_thread_spawn(): a thread in the own task, running
 * entry(argument) and exiting when it returns.
 *
 * A new thread starts at an ip and sp with every general register zero, so
 * it cannot be handed arguments in registers. Instead its stack is laid out
 * as if thread_trampoline(entry, argument) had just been called: a null
 * return address (nothing to return to; with ebp = 0 a backtrace stops
 * there) and the two arguments above it.
 */
#include "libl4/thread_spawn.h"

#include "libl4/l4.h"
#include "libl4/start_info.h"

#define MINIMUM_STACK 64u

__attribute__((noreturn)) static void thread_trampoline(void (*entry)(void *), void *argument)
{
    entry(argument);
    l4_thread_exit(0);
}

/*
 * The stack pointer the new thread starts with. At a C function's entry
 * esp + 4 is 16-byte aligned (the caller aligned esp before `call` pushed
 * the return address), hence the 16-byte aligned top and five words below it.
 */
static uintptr_t prepare_stack(const struct l4_thread_spec *spec)
{
    uint32_t *top = (uint32_t *)(((uintptr_t)spec->stack + spec->stack_size) & ~(uintptr_t)15);

    top[-3] = (uintptr_t)spec->argument;
    top[-4] = (uintptr_t)spec->entry;
    top[-5] = 0;                     /* return address */
    return (uintptr_t)&top[-5];
}

static int check_spec(const struct l4_thread_spec *spec)
{
    if (!spec->entry || !spec->stack || spec->stack_size < MINIMUM_STACK)
        return -BURSAR_E_INVALID_ARGUMENT;
    if (spec->utcb % BURSAR_UTCB_SIZE != 0)
        return -BURSAR_E_MISALIGNED;
    if (spec->priority > BURSAR_PRIORITY_MAX)
        return -BURSAR_E_INVALID_ARGUMENT;
    return 0;
}

/*
 * The capabilities the program's starter named for its threads' faults
 * (start_info.h): the exception handler for every thread, the pager for
 * one in the program's own task (another task's faults are not the
 * program's memory). A root task has no start information: nothing.
 */
static int inherit_fault_handlers(const struct l4_thread_spec *spec)
{
    unsigned handler = l4_start_cap(L4_START_CAP_EXCEPTIONS), pager = l4_start_cap(L4_START_CAP_PAGER);
    bool own_task = false;
    int error = 0;

    if (handler != BURSAR_NO_CAPABILITY)
        error = l4_thread_configure(spec->slot, BURSAR_THREAD_EXCEPTION_HANDLER, handler);
    if (error == 0 && pager != BURSAR_NO_CAPABILITY && l4_cap_compare(spec->task, BURSAR_SLOT_TASK, &own_task) == 0 &&
        own_task)
        error = l4_thread_configure(spec->slot, BURSAR_THREAD_PAGER, pager);
    return error;
}

static int configure_and_start(const struct l4_thread_spec *spec)
{
    int error = inherit_fault_handlers(spec);

    if (error == 0)
        error = l4_thread_configure(spec->slot, BURSAR_THREAD_UTCB, spec->utcb);

    if (error == 0)
        error = l4_thread_configure(spec->slot, BURSAR_THREAD_PRIORITY, spec->priority);
    if (error == 0)
        error = l4_thread_start(spec->slot, (uintptr_t)thread_trampoline, prepare_stack(spec));
    return error;
}

int l4_thread_spawn(const struct l4_thread_spec *spec)
{
    int error = check_spec(spec);

    if (error == 0)
        error = l4_create(spec->heap, BURSAR_OBJECT_THREAD, spec->slot, spec->task);
    if (error)
        return error;
    error = configure_and_start(spec);
    if (error) {
        /* Destroying may already empty the slot; deleting makes sure. */
        l4_destroy(spec->slot);
        l4_cap_delete(spec->slot);
    }
    return error;
}
