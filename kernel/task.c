/*
 * task.c — creating and destroying tasks. A task's page directory, its
 * table of shadows and its capability-table pages all come from the heap
 * that pays for the task; a creation that cannot be paid for in full changes
 * nothing.
 */
#include "bursar/errors.h"
#include "kernel/console.h"
#include "kernel/frame_table.h"
#include "kernel/heap.h"
#include "kernel/machine.h"
#include "kernel/memory.h"
#include "kernel/task.h"
#include "kernel/thread.h"

static struct task *all_tasks;
static uint32_t next_task_id;
static uint32_t task_count;

struct task *tasks_first(void) { return all_tasks; }

uint32_t tasks_count(void)
{
    return task_count;
}

void task_own_page(struct task *task, const void *page)
{
    frame_of_virtual(page)->task = task;
}

/* A task's pages are freed with it or before it, so a live page never names a freed task. */
struct task *task_of_page(const void *page)
{
    return frame_of_virtual(page)->task;
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
    frame_zero_page(task->table_records);
    task->threads = 0;
    task->thread_list = task->dying_threads = NULL;
    task->released = false;
    task_own_page(task, task->page_directory);
    task_own_page(task, task->table_records);
    for (uint32_t p = 0; p < CSPACE_MAX_PAGES && task->cspace.pages[p]; p++)
        task_own_page(task, task->cspace.pages[p]);
    task->pins = 0;
    task->pinners = NULL;
    task->id = next_task_id++;
    task->prev_task = NULL;
    task->next_task = all_tasks;
    if (all_tasks)
        all_tasks->prev_task = task;
    all_tasks = task;
    task_count++;
    object_lists_generation++;
    *out = task;
    return BURSAR_OK;
}

static void unlink_task(struct task *task)
{
    if (task->prev_task)
        task->prev_task->next_task = task->next_task;
    else
        all_tasks = task->next_task;
    if (task->next_task)
        task->next_task->prev_task = task->prev_task;
    task_count--;
    object_lists_generation++;
}

/* Listed until freed, like its pages (task_of_page). */
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

static void list_add(struct thread **list, struct thread *thread)
{
    thread->task_prev = NULL;
    thread->task_next = *list;
    if (*list)
        (*list)->task_prev = thread;
    *list = thread;
}

static void list_remove(struct thread **list, struct thread *thread)
{
    if (thread->task_prev)
        thread->task_prev->task_next = thread->task_next;
    else
        *list = thread->task_next;
    if (thread->task_next)
        thread->task_next->task_prev = thread->task_prev;
    thread->task_next = thread->task_prev = NULL;
}

void task_thread_joined(struct task *task, struct thread *thread)
{
    list_add(&task->thread_list, thread);
    task->threads++;
}

/* The dying apart, so that finding a live thread or a dying one is O(1) however many there are. */
void task_thread_dying(struct task *task, struct thread *thread)
{
    list_remove(&task->thread_list, thread);
    list_add(&task->dying_threads, thread);
}

void task_thread_left(struct task *task, struct thread *thread)
{
    KERNEL_ASSERT(task->threads > 0);
    list_remove(thread->header.dying ? &task->dying_threads : &task->thread_list, thread);
    if (--task->threads == 0 && task->released && task->pins == 0)
        task_free(task);
}

struct thread *task_live_thread(const struct task *task, const struct thread *except)
{
    struct thread *thread = task->thread_list;

    return thread == except ? thread->task_next : thread;
}

void task_pin(struct task *task)
{
    struct thread *self = current_thread;

    self->pin_prev = NULL;
    self->pin_next = task->pinners;
    if (task->pinners)
        task->pinners->pin_prev = self;
    task->pinners = self;
    task->pins++;
}

void task_unpin(struct task *task)
{
    struct thread *self = current_thread;

    KERNEL_ASSERT(task->pins > 0);
    if (self->pin_prev)
        self->pin_prev->pin_next = self->pin_next;
    else
        task->pinners = self->pin_next;
    if (self->pin_next)
        self->pin_next->pin_prev = self->pin_prev;
    self->pin_next = self->pin_prev = NULL;
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
    return task->dying_threads ? task->dying_threads->header.destroyer : NULL;
}
