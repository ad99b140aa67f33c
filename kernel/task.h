/*
 * task.h — a task: an address space (page directory + page tables, with a
 * shadow recording which mapping record owns each entry) and a capability
 * space. Everything a task holds is paid by the heap named at creation.
 */
#ifndef KERNEL_TASK_H
#define KERNEL_TASK_H

#include "kernel/cspace.h"

struct task {
    struct object header;
    struct cspace cspace;
    uint32_t *page_directory;              /* BURSAR_HEAP_PAGE_DIRECTORY */
    uint32_t page_directory_physical;      /* what the fast path loads into CR3 */
    struct mapdb_record ***table_records;  /* BURSAR_HEAP_SHADOW: per directory entry, the records of its table */
    uint32_t threads;                      /* live threads in this task */
    struct thread *thread_list;            /* those threads not being destroyed (thread->task_next) */
    struct thread *dying_threads;          /* and those being destroyed */
    bool released;                         /* destroyed; freed when its last thread leaves */
    uint32_t pins;                         /* kernel operations stopped at a preemption point on it */
    struct thread *pinners;                /* the threads doing them (thread->pin_next) */
    uint32_t id;
    struct task *next_task, *prev_task;    /* every task, for the debug listing */
};

/*
 * A new task with `slots` capability slots, paid by `payer`. Passes
 * preemption points; after one it fails, having taken nothing, if the
 * caller or the heap was destroyed (DESTROYED), the heap can no longer pay
 * (OUT_OF_MEMORY, a heap fault) or `destination` (may be NULL) was filled
 * (SLOT_IN_USE).
 */
int task_create(struct heap *payer, uint32_t slots, const struct cap_slot *destination, struct task **out);
void task_destroy(struct task *task);
/* A thread joins the task (thread_create) / is gone from it (thread_leave_task). */
void task_thread_joined(struct task *task, struct thread *thread);
void task_thread_left(struct task *task, struct thread *thread);
/* One of its threads begins to die: it moves to the dying list. */
void task_thread_dying(struct task *task, struct thread *thread);
/* A thread of the task not being destroyed, other than `except`, or NULL: O(1). */
struct thread *task_live_thread(const struct task *task, const struct thread *except);
/*
 * A kernel operation of the running thread on a task that passes
 * preemption points keeps it pinned: a destroy meanwhile empties it but
 * leaves the structure until the operation lets go (it checks header.dying
 * after each point).
 */
void task_pin(struct task *task);
void task_unpin(struct task *task);
/*
 * A destroyed task that is not freed yet: a thread that will free it, by
 * letting go of its pin or by finishing the destroy of one of its threads
 * (NULL when none is left, i.e. it is free). What a reclaim that needs the
 * task's memory waits for.
 */
struct thread *task_finisher(const struct task *task);
/*
 * The pages of a task (its directory, table of shadows, capability-table
 * pages, page tables and their shadows) name it in their frames, so
 * whoever meets such a page (a revoke emptying a table, a reclaim) finds
 * its task in O(1).
 */
void task_own_page(struct task *task, const void *page);
/* The task a live page of some task belongs to (NULL: none); a released task too, until it is freed. */
struct task *task_of_page(const void *page);
struct task *tasks_first(void);
uint32_t tasks_count(void);

#endif /* KERNEL_TASK_H */
