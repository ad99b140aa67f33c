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
    uint32_t *page_directory;              /* ALLOC_PAGE_DIRECTORY */
    uint32_t page_directory_physical;      /* what the fast path loads into CR3 */
    struct mapdb_record ***table_records;  /* ALLOC_SHADOW: per directory entry, the records of its table */
    uint32_t threads;                      /* live threads in this task */
    struct thread *thread_list;            /* those threads (thread->task_next) */
    bool released;                         /* destroyed; freed when its last thread leaves */
    uint32_t pins;                         /* kernel operations stopped at a preemption point on it */
    struct thread *pinners;                /* the threads doing them (thread->pin_next) */
    uint32_t id;
    struct task *next_task;                /* every task, for the debug listing */
};

int task_create(struct heap *payer, uint32_t slots, struct task **out);
void task_destroy(struct task *task);
/* A thread joins the task (thread_create) / is gone from it (thread_leave_task). */
void task_thread_joined(struct task *task, struct thread *thread);
void task_thread_left(struct task *task, struct thread *thread);
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
struct task *tasks_first(void);
uint32_t tasks_count(void);

#endif /* KERNEL_TASK_H */
