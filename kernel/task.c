/*
 * task.c — creating and destroying tasks. A task's page directory, its
 * table of shadows and its capability-table pages all come from the heap
 * that pays for the task; a creation that cannot be paid for in full changes
 * nothing.
 */
#include "bursar/errors.h"
#include "kernel/console.h"
#include "kernel/heap.h"
#include "kernel/machine.h"
#include "kernel/memory.h"
#include "kernel/task.h"
#include "kernel/thread.h"

static struct task *all_tasks;
static uint32_t next_task_id;

struct task *tasks_first(void) { return all_tasks; }

uint32_t tasks_count(void)
{
    uint32_t count = 0;

    for (struct task *t = all_tasks; t; t = t->next_task)
        count++;
    return count;
}

int task_create(struct heap *payer, uint32_t slots, struct task **out)
{
    uint32_t table_pages = (slots + CAP_SLOTS_PER_PAGE - 1) / CAP_SLOTS_PER_PAGE;
    struct task *task;
    int status;

    if (slots == 0 || slots > CSPACE_MAX_SLOTS)
        return -BURSAR_E_INVALID_ARGUMENT;
    /* Everything at once or nothing: the task, its directory, the shadow table, the cspace. */
    uint32_t counts[ALLOC_KIND_COUNT] = { [ALLOC_TASK] = 1, [ALLOC_PAGE_DIRECTORY] = 1, [ALLOC_SHADOW] = 1,
                                          [ALLOC_CAPABILITY_TABLE] = table_pages };
    if (!heap_can_allocate_all(payer, counts)) {
        heap_note_fault_all(current_thread, payer, counts);
        return -BURSAR_E_OUT_OF_MEMORY;
    }
    /* What the check promised, the heap gives. */
    task = heap_allocate(payer, ALLOC_TASK);
    task->page_directory = heap_allocate(payer, ALLOC_PAGE_DIRECTORY);
    task->table_records = heap_allocate(payer, ALLOC_SHADOW);
    KERNEL_ASSERT(task && task->page_directory && task->table_records);
    status = cspace_init(&task->cspace, payer, slots);
    KERNEL_ASSERT(status == BURSAR_OK);
    object_init(&task->header, payer, BURSAR_OBJECT_TASK);
    machine_address_space_init(task->page_directory);
    task->page_directory_physical = (uint32_t)machine_virtual_to_physical(task->page_directory);
    for (uint32_t i = 0; i < 1024; i++)
        task->table_records[i] = NULL;
    task->threads = 0;
    task->thread_list = NULL;
    task->released = false;
    task->pins = 0;
    task->pinners = NULL;
    task->id = next_task_id++;
    task->next_task = all_tasks;
    all_tasks = task;
    *out = task;
    return BURSAR_OK;
}

static void unlink_task(struct task *task)
{
    for (struct task **link = &all_tasks; *link; link = &(*link)->next_task)
        if (*link == task) {
            *link = task->next_task;
            return;
        }
}

/* Listed until freed: a reclaim finds a released task's directory through the list (task_owning). */
static void task_free(struct task *task)
{
    unlink_task(task);
    if (machine_current_page_directory() == task->page_directory)
        machine_address_space_activate_kernel();
    /* The task's payer paid for all three (task_create). */
    heap_free_to(task->header.payer, task->page_directory);
    heap_free_to(task->header.payer, task->table_records);
    heap_free_to(task->header.payer, task);
}

/*
 * The caller has revoked every capability to the task and destroyed the
 * threads it could. Emptying the capability space and the address space
 * passes preemption points. A thread of the task that another thread is
 * destroying may still point at it; the last such thread to leave frees the
 * task (task_thread_left).
 */
void task_destroy(struct task *task)
{
    cspace_destroy(&task->cspace);
    memory_release_task(task);
    task->released = true;
    if (task->threads == 0 && task->pins == 0)
        task_free(task);
}

void task_thread_joined(struct task *task, struct thread *thread)
{
    thread->task_prev = NULL;
    thread->task_next = task->thread_list;
    if (task->thread_list)
        task->thread_list->task_prev = thread;
    task->thread_list = thread;
    task->threads++;
}

void task_thread_left(struct task *task, struct thread *thread)
{
    KERNEL_ASSERT(task->threads > 0);
    if (thread->task_prev)
        thread->task_prev->task_next = thread->task_next;
    else
        task->thread_list = thread->task_next;
    if (thread->task_next)
        thread->task_next->task_prev = thread->task_prev;
    thread->task_next = thread->task_prev = NULL;
    if (--task->threads == 0 && task->released && task->pins == 0)
        task_free(task);
}

void task_pin(struct task *task)
{
    current_thread->pin_next = task->pinners;
    task->pinners = current_thread;
    task->pins++;
}

void task_unpin(struct task *task)
{
    KERNEL_ASSERT(task->pins > 0);
    for (struct thread **link = &task->pinners; *link; link = &(*link)->pin_next)
        if (*link == current_thread) {
            *link = current_thread->pin_next;
            current_thread->pin_next = NULL;
            break;
        }
    if (--task->pins == 0 && task->released && task->threads == 0)
        task_free(task);
}

/*
 * A pinner lets go at its next preemption point (it sees the task dying).
 * A thread still counted in a released task is one another thread is
 * destroying (destroy_task destroys the others itself, and a dying task
 * gets no new threads): it leaves when that destroy reaches thread_destroy.
 */
struct thread *task_finisher(const struct task *task)
{
    if (task->pinners)
        return task->pinners;
    for (struct thread *thread = task->thread_list; thread; thread = thread->task_next)
        if (thread->header.dying && thread->header.destroyer)
            return thread->header.destroyer;
    return NULL;
}
