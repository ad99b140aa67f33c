/*
 * thread.h — threads: a TCB and its kernel stack in one page from the
 * creator's heap. The TCB sits at the bottom of the page and the stack grows
 * down from the top, where the user frame lives while the thread is in the
 * kernel or not running.
 */
#ifndef KERNEL_THREAD_H
#define KERNEL_THREAD_H

#include "kernel/cspace.h"
#include "kernel/fault_ipc.h"
#include "kernel/machine.h"
#include "kernel/heap.h"
#include "lib/avl.h"

struct task;
struct endpoint;
struct reply;
struct trap_frame;

enum thread_state {
    THREAD_INACTIVE = 0,     /* created, not started */
    THREAD_READY,            /* runnable (or running) */
    THREAD_SENDING,          /* blocked in an endpoint's send queue */
    THREAD_RECEIVING,        /* blocked in an endpoint's receive queue */
    THREAD_WAITING_REPLY,    /* called; a reply object is bound to it */
    THREAD_DEAD,             /* exited or killed; waiting to be destroyed */
    THREAD_TRANSFERRING,     /* held: another thread moves a message's memory items to it (ipc.c) */
};

/* The allocation that found a heap empty during the thread's system call (heap_fault.c). */
struct heap_fault {
    struct heap_ref heap;            /* NULL: none (or the heap was destroyed meanwhile) */
    /*
     * The capability the call names a heap by (SYS_CREATE, SYS_HEAP_RESERVE),
     * or BURSAR_NO_CAPABILITY: looked up again only when the call faults
     * (heap_fault.c), so naming a heap costs one store.
     */
    uint32_t named_slot;
    struct heap_ref refill;          /* the heap the call left below its low watermark (heap_fault.c) */
    uint16_t refill_kind;
    uint32_t count;                  /* objects wanted */
    uint16_t kind;                   /* enum bursar_heap_kind */
    uint32_t pages;                  /* several kinds at once: the pages missing (0: count of kind says) */
    bool armed;                      /* in a system call: allocation failures are noted */
    /* A bank's accepted donation, taken in the thread's own context when it runs again (heap_fault.c). */
    const void *donor;               /* the memory object the frames must still belong to */
    uint32_t donated_first, donated_frames;
};

struct thread {
    struct object header;
    struct task *task;
    /*
     * Copies of the task's first capability-table page and page directory,
     * which never change (reclaim destroys a task rather than move either):
     * the fast path reaches each in one load instead of two. NULL and 0
     * once the thread has left its task.
     */
    struct cap_slot *first_capability_page;
    uint32_t page_directory_physical;
    uint32_t saved_stack;            /* kernel esp while switched out; 0: return straight to user */
    uint8_t state;                   /* enum thread_state */
    uint8_t priority;
    bool is_call;                    /* SENDING: wants a reply */
    bool idle;                       /* the idle thread */
    bool stopped_in_kernel;          /* switched away at a preemption point (preempt.h) */
    bool destroyed_in_kernel;        /* destroyed in a system call: finishes it, then frees itself */
    /*
     * Destroyed in the kernel, and a reclaim waits for its page: work it
     * may cut short (a reclaim, a heap's destroy) it stops at its next
     * step (heap_reclaim.c, must_stop).
     */
    bool page_wanted;
    uint8_t unboosted_priority;      /* its own priority while preempt_wait_for lends it more (else 0) */
    bool boosted;
    /* The task's threads (task->thread_list, or task->dying_threads once dying) until it leaves. */
    struct thread *task_next, *task_prev;
    struct thread *pin_next, *pin_prev;   /* the task it pins (task->pinners) while it does (task_pin) */
    uint32_t timeslice, remaining;   /* timer ticks */
    struct thread *queue_next, *queue_prev;   /* ready queue or endpoint queue */
    struct endpoint *blocked_on;     /* SENDING / RECEIVING */
    struct reply *reply_waiting;     /* WAITING_REPLY: the reply object bound to us */
    struct reply *receive_reply;     /* RECEIVING (or held receiving): the reply object to bind to a caller */
    /*
     * A transfer that passes preemption points (ipc.c, "held"): the thread
     * moving the items names the receiver it holds, and the held receiver
     * its holder. Either link is cleared when its thread is killed.
     */
    struct thread *transfer_partner, *transfer_holder;
    uint32_t send_badge;             /* SENDING: badge of the capability used */
    uint32_t reply_timeout;          /* SENDING a call: receive-phase timeout code */
    uint64_t wake_tick;              /* 0: no timeout */
    uint8_t slow_path_only;          /* THREAD_SLOW_PATH_* bits: the fast path tests this one byte */
    struct avl_node timeout_node;    /* in the timeouts (ipc.c), keyed by wake_tick, while armed */
    uint32_t utcb_address;           /* user address, 0 when none */
    uint16_t utcb_segment;           /* MACHINE_UTCB_SEGMENT, right after the address (machine.h) */
    struct cap_slot pager;           /* endpoints for page faults and exceptions */
    struct cap_slot exception_handler;
    struct fault_ipc fault_ipc;      /* a call the kernel makes for this thread (fault_ipc.h) */
    struct heap_fault heap_fault;
    struct thread *next_thread, *prev_thread;   /* every thread, for the debug listing */
    uint32_t id;
    /* x87/SSE registers while another thread runs (machine.h); paid with the TCB by its heap. */
    uint8_t fpu_state[MACHINE_FPU_STATE_SIZE] __attribute__((aligned(MACHINE_FPU_STATE_ALIGN)));
};

/* The system call names a heap by this capability (heap.h, heap_fault.c). */
static inline void heap_fault_named(struct thread *thread, uint32_t slot)
{
    thread->heap_fault.named_slot = slot;
}

/*
 * Why the IPC fast path must leave a blocked thread to the slow path, as
 * bits of one byte, so that it tests them all at once: a timeout is armed
 * (wake_tick != 0), the thread waits for the reply to a call the kernel
 * made for it (fault_ipc_pending), or it is inside a system call it made by
 * a trap (int $0x80), which returns by iret with every register but the
 * results as they were: the fast path's exit, sysexit, would give it its
 * esp and eip in ecx and edx. Kept by timeout_arm/timeout_remove, by
 * fault_ipc_call/fault_ipc_abandon and by kernel_syscall; the self-check
 * (ipc_check_thread) compares the first two with what they stand for.
 */
enum {
    THREAD_SLOW_PATH_TIMEOUT = 1,
    THREAD_SLOW_PATH_KERNEL_CALL = 2,
    THREAD_SLOW_PATH_TRAP_ENTRY = 4,
};

#define THREAD_OBJECT_SIZE 4096u
/*
 * The kernel stack is what the TCB (with its FPU state) leaves of the page.
 * The deepest path GCC's call graph allows, a panic's dump inside a timer
 * tick inside a preemption point of a reclaim, is about 2 750 bytes with
 * the trap frames (docs/architecture.md, "Kernel stacks"); the deepest the
 * tests reach is about 1 400.
 */
#define THREAD_STACK_MINIMUM 3072u
#define THREAD_DEFAULT_PRIORITY 100
#define THREAD_DEFAULT_TIMESLICE 2

static inline void *thread_stack_top(struct thread *thread)
{
    return (uint8_t *)thread + THREAD_OBJECT_SIZE;
}

/* The thread's saved user registers (opaque: machine.h's accessors read and write them). */
static inline struct trap_frame *thread_frame(struct thread *thread)
{
    return machine_thread_frame(thread_stack_top(thread));
}

extern struct thread *current_thread;

int thread_create(struct heap *payer, struct task *task, struct thread **out);
void thread_start(struct thread *thread, uint32_t ip, uint32_t sp);
/*
 * End the thread: out of every queue, never scheduled again. `why` (if not
 * NULL) is logged as one line. When it is the root task's first thread the
 * machine powers off: with the success code only for status 0 and no `why`.
 */
void thread_kill(struct thread *thread, uint32_t status, const char *why);
/* Destroy: revoke first (the caller does), then this. */
void thread_destroy(struct thread *thread);
/* Stop counting the thread in its task; thread->task becomes NULL. */
void thread_leave_task(struct thread *thread);
/* It begins to die (dying set), and moves to its task's list of dying threads. */
void thread_mark_dying(struct thread *thread);
/* The running thread was destroyed while stopped in the kernel: free it and switch away. */
void thread_exit_destroyed(void) __attribute__((noreturn));
struct thread *threads_first(void);
uint32_t threads_count(void);
const char *thread_state_name(enum thread_state state);

#endif /* KERNEL_THREAD_H */
