/*
 * task.c — creating and destroying tasks. A task's page directory, its
 * table of shadows and its capability-table pages all come from the heap
 * that pays for the task; a creation that cannot be paid for in full changes
 * nothing, and one that passed preemption points checks again before it
 * goes on.
 */
#include "bursar/errors.h"
#include "kernel/console.h"
#include "kernel/frame_table.h"
#include "kernel/heap.h"
#include "kernel/machine.h"
#include "kernel/memory.h"
#include "kernel/preempt.h"
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

/*
 * Preemption units (kernel/preempt.h) of a creation's steps, each about
 * 200 guest instructions a unit: a page taken from the heap (kheap carves
 * it), the directory's 1024 entries written, the shadow table zeroed.
 */
#define PAGE_TAKE_UNITS 3
#define DIRECTORY_WRITE_UNITS 10
#define SHADOW_ZERO_UNITS 7

/*
 * A task being made is reachable by nobody but a reclaim or destroy of its
 * heap, which finds it through its pages: it looks dying, with its creator
 * as the destroyer that will finish it (heap_reclaim.c, finisher_of), so
 * such a reclaim lends the creator its priority and waits.
 */
static struct task *task_begin(struct heap *payer)
{
    struct task *task = heap_allocate(payer, BURSAR_HEAP_TASK);

    KERNEL_ASSERT(task);
    object_init(&task->header, payer, BURSAR_OBJECT_TASK);
    task->header.dying = true;
    task->header.destroyer = current_thread;
    task->cspace = (struct cspace){ 0 };
    task->page_directory = NULL;
    task->table_records = NULL;
    task->threads = 0;
    task->thread_list = task->dying_threads = NULL;
    task->released = false;
    task->pins = 0;
    task->pinners = NULL;
    return task;
}

/* A creation under way: what it has made so far, what it still needs from the heap, where it goes. */
struct creation {
    struct task *task;
    const struct cap_slot *destination;      /* may be NULL (the root task) */
    uint32_t whole[BURSAR_HEAP_KIND_COUNT];         /* everything the task takes */
    uint32_t left[BURSAR_HEAP_KIND_COUNT];          /* of which not taken yet */
};

/* A page of `kind` for the task being made (a check promised it), named by its frame. */
static void *task_take_page(struct creation *creation, enum bursar_heap_kind kind)
{
    void *page = heap_allocate(creation->task->header.payer, kind);

    KERNEL_ASSERT(page && creation->left[kind] > 0);
    creation->left[kind]--;
    task_own_page(creation->task, page);
    return page;
}

/* Everything a creation took goes back: it never happened. */
static void task_give_back(struct task *task)
{
    struct heap *payer = task->header.payer;

    for (uint32_t p = 0; p < CSPACE_MAX_PAGES && task->cspace.pages[p]; p++)
        heap_free_to(payer, task->cspace.pages[p]);
    if (task->table_records)
        heap_free_to(payer, task->table_records);
    if (task->page_directory)
        heap_free_to(payer, task->page_directory);
    heap_free_to(payer, task);
}

/*
 * Before a step of `units`, maybe a preemption point; after one, what
 * others did meanwhile: the caller was destroyed (it never returns), the
 * heap is being destroyed, the heap can no longer pay for what is left (a
 * heap fault for the whole task, as if the call had just begun), or the
 * destination slot was filled. BURSAR_OK: go on.
 */
static int creation_step(struct creation *creation, uint32_t units)
{
    struct heap *payer = creation->task->header.payer;

    if (!preempt_before(units))
        return BURSAR_OK;
    if (preempt_destroyed() || payer->header.dying)
        return -BURSAR_E_DESTROYED;
    if (!heap_can_allocate_all(payer, creation->left)) {
        heap_note_fault_all(current_thread, payer, creation->whole);
        return -BURSAR_E_OUT_OF_MEMORY;
    }
    if (creation->destination && creation->destination->object)
        return -BURSAR_E_SLOT_IN_USE;
    return BURSAR_OK;
}

/* Listed, with its slots open: from here on it is an ordinary task. */
static void task_publish(struct task *task, uint32_t slots)
{
    task->cspace.slot_count = slots;
    task->header.dying = false;
    task->header.destroyer = NULL;
    task->id = next_task_id++;
    task->prev_task = NULL;
    task->next_task = all_tasks;
    if (all_tasks)
        all_tasks->prev_task = task;
    all_tasks = task;
    task_count++;
    object_lists_generation++;
}

/*
 * Everything at once or nothing, but not with interrupts off all along:
 * the pages are taken one at a time and written, with preemption points
 * between steps while the task is reachable by nobody (task_begin). After
 * a point the creation checks again (creation_step) and on any change
 * gives back all it took. Capability pages are zeroed later, when first
 * reached (cspace_page).
 */
int task_create(struct heap *payer, uint32_t slots, const struct cap_slot *destination, struct task **out)
{
    uint32_t table_pages = (slots + CAP_SLOTS_PER_PAGE - 1) / CAP_SLOTS_PER_PAGE;
    struct creation creation = { .destination = destination };
    struct task *task;
    int status;

    if (slots == 0 || slots > CSPACE_MAX_SLOTS)
        return -BURSAR_E_INVALID_ARGUMENT;
    creation.whole[BURSAR_HEAP_TASK] = creation.whole[BURSAR_HEAP_PAGE_DIRECTORY] = creation.whole[BURSAR_HEAP_SHADOW] = 1;
    creation.whole[BURSAR_HEAP_CAPABILITY_TABLE] = table_pages;
    if (!heap_can_allocate_all(payer, creation.whole)) {
        heap_note_fault_all(current_thread, payer, creation.whole);
        return -BURSAR_E_OUT_OF_MEMORY;
    }
    for (uint32_t kind = 0; kind < BURSAR_HEAP_KIND_COUNT; kind++)
        creation.left[kind] = creation.whole[kind];
    task = creation.task = task_begin(payer);
    creation.left[BURSAR_HEAP_TASK]--;
    if ((status = creation_step(&creation, PAGE_TAKE_UNITS)) != BURSAR_OK)
        goto give_back;
    task->page_directory = task_take_page(&creation, BURSAR_HEAP_PAGE_DIRECTORY);
    if ((status = creation_step(&creation, PAGE_TAKE_UNITS)) != BURSAR_OK)
        goto give_back;
    task->table_records = task_take_page(&creation, BURSAR_HEAP_SHADOW);
    for (uint32_t p = 0; p < table_pages; p++) {
        if ((status = creation_step(&creation, PAGE_TAKE_UNITS)) != BURSAR_OK)
            goto give_back;
        task->cspace.pages[p] = task_take_page(&creation, BURSAR_HEAP_CAPABILITY_TABLE);
    }
    if ((status = creation_step(&creation, DIRECTORY_WRITE_UNITS)) != BURSAR_OK)
        goto give_back;
    machine_address_space_init(task->page_directory);
    task->page_directory_physical = (uint32_t)machine_virtual_to_physical(task->page_directory);
    if ((status = creation_step(&creation, SHADOW_ZERO_UNITS)) != BURSAR_OK)
        goto give_back;
    frame_zero_page(task->table_records);
    task_publish(task, slots);
    *out = task;
    return BURSAR_OK;
give_back:
    task_give_back(task);
    return status;
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
