/*
 * heap_fault.c — a heap with nothing free asks its bank, on behalf of the
 * thread whose system call needed it. The call (fault_ipc.c) makes the
 * thread an ordinary caller of the bank's endpoint; the bank's reply names
 * frames of a memory object it holds, which become heap pages, and the
 * system call restarts from its saved registers (every call checks all,
 * then acts, so nothing of the failed attempt is left). A refusal, a bank
 * that does not answer within the heap's timeout, or no bank at all: the
 * call fails with OUT_OF_MEMORY. Only the faulting thread waits; the kernel
 * never does. A call that leaves its heap below the low watermark asks for
 * a refill the same way before the thread returns (heap_fault_refill).
 */
#include "bursar/errors.h"
#include "bursar/objects.h"
#include "kernel/console.h"
#include "kernel/fault_ipc.h"
#include "kernel/frame_table.h"
#include "kernel/heap.h"
#include "kernel/ipc.h"
#include "kernel/memory.h"
#include "kernel/preempt.h"
#include "kernel/task.h"
#include "kernel/thread.h"
#include "lib/format.h"

static uint32_t reply_frames(const struct fault_ipc_reply *reply) { return reply->words[0] & 0xffffu; }
static uint32_t reply_memory(const struct fault_ipc_reply *reply) { return reply->words[0] >> 16; }
static uint32_t reply_first(const struct fault_ipc_reply *reply)  { return reply->words[1]; }

/* Before anything changes: the frames must be the named memory object's, all of them. */
static int check_donation(const struct thread *thread, struct fault_ipc_reply *reply)
{
    uint32_t frames = reply_frames(reply), first = reply_first(reply);
    struct cap_slot *memory;
    int error = BURSAR_OK;

    if (frames == 0 || !thread->heap_fault.heap.heap)
        return BURSAR_OK;                   /* a refusal; or the heap is gone and nothing will be taken */
    if (frames > BURSAR_HEAP_FAULT_MAX_FRAMES)
        return -BURSAR_E_INVALID_ARGUMENT;
    memory = cspace_lookup(&reply->replier->task->cspace, reply_memory(reply), BURSAR_OBJECT_MEMORY,
                           BURSAR_RIGHT_CONTROL, &error);
    if (!memory)
        return error;
    if (first >= frame_table.frame_count || frames > frame_table.frame_count - first)
        return -BURSAR_E_BAD_FRAME;
    for (uint32_t f = first; f < first + frames; f++) {
        const struct frame *frame = &frame_table.frames[f];
        if (frame->type != FRAME_BANK || frame->owner != memory->object)
            return -BURSAR_E_BAD_FRAME;
    }
    return BURSAR_OK;
}

/*
 * Accepted: the frames are noted on the faulting thread, which takes them
 * when it runs again (take_frames). The replier's own call does no work
 * that grows with the frames' mappings.
 */
static enum fault_ipc_outcome accept_donation(struct thread *thread, struct fault_ipc_reply *reply)
{
    uint32_t frames = reply_frames(reply), first = reply_first(reply);

    if (frames == 0 || !thread->heap_fault.heap.heap)
        return FAULT_IPC_RESUME;            /* the call fails with OUT_OF_MEMORY */
    thread->heap_fault.donor = frame_table.frames[first].owner;      /* check_donation: the memory object's */
    thread->heap_fault.donated_first = first;
    thread->heap_fault.donated_frames = frames;
    return FAULT_IPC_RESTART;
}

/*
 * The frames of an accepted donation become heap pages, in the faulting
 * thread's own context: each frame's mappings (the bank's own and every
 * one derived from it, any number) go with preemption points, as SYS_UNMAP
 * takes them. Others may act meanwhile: a frame that is no longer the
 * bank's to give when its turn comes (given elsewhere, or mapped again) is
 * skipped, and a destroyed heap takes nothing more. The call restarts
 * either way, and faults again if it is still short.
 */
static void take_frames(struct thread *thread)
{
    uint32_t first = thread->heap_fault.donated_first, frames = thread->heap_fault.donated_frames;
    const void *donor = thread->heap_fault.donor;

    thread->heap_fault.donated_frames = 0;
    for (uint32_t f = first; f < first + frames && thread->heap_fault.heap.heap && !preempt_destroyed(); f++) {
        const struct frame *frame = &frame_table.frames[f];

        if (frame->type == FRAME_BANK && frame->owner == donor)
            memory_unmap_frame(f);
        /* Checked again after the unmap's points: the heap may be gone, the frame given or mapped again. */
        if (thread->heap_fault.heap.heap && frame->type == FRAME_BANK && frame->owner == donor &&
            mapdb_root_is_empty(&frame->mappings))
            KERNEL_ASSERT(heap_donate_frame(thread->heap_fault.heap.heap, f) == KHEAP_OK);
        preempt_work(1);
    }
}

/* No bank, a destroyed one, or no answer in time: the call fails, the thread goes on. */
static enum fault_ipc_outcome bank_failed(struct thread *thread, int status)
{
    (void)thread;
    (void)status;
    return FAULT_IPC_RESUME;
}

static void describe(const struct thread *thread, char *buffer, uint32_t size)
{
    format_to_buffer(buffer, size, "heap fault (heap %u, %s)", fault_ipc_word(thread, 0),
                     allocation_name(fault_ipc_word(thread, 1)));
}

static const struct fault_ipc_purpose heap_fault_purpose = {
    .handler_name = "bank", .check = check_donation, .apply = accept_donation, .failed = bank_failed,
    .describe = describe,
};

/*
 * Only the thread's own heap (its task's payer) or a heap its call names
 * with CONTROL may make it wait: never another party's bank (a page table
 * SYS_MAP charges to the destination task's heap fails OUT_OF_MEMORY). A
 * server charging its client's heap through a charge-only capability is
 * such a party: the client set that heap's bank and timeout, and could
 * stall the server with them, so the server's call fails at once. The
 * capability the call named the heap by is looked up only here, when the
 * call faults: the heap it names now, with CONTROL, is the one it may wait
 * for (a create that does not fault pays one store for the naming).
 */
static bool may_wait_for(const struct thread *thread, const struct heap *heap)
{
    struct cap_slot *named;
    int error = BURSAR_OK;

    if (heap == thread->task->header.payer)
        return true;
    if (thread->heap_fault.named_slot == BURSAR_NO_CAPABILITY)
        return false;
    named = cspace_lookup(&thread->task->cspace, thread->heap_fault.named_slot, BURSAR_OBJECT_HEAP,
                          BURSAR_RIGHT_CONTROL, &error);
    return named && named->object == &heap->header;
}

bool heap_fault_serve(struct thread *thread)
{
    struct heap *heap = thread->heap_fault.heap.heap;
    uint32_t words[BURSAR_HEAP_FAULT_WORDS], needed;
    enum fault_ipc_outcome outcome;

    /* A thread destroyed during its call has no task to wait for: it leaves the kernel. */
    if (!heap || !heap->bank.object || thread->destroyed_in_kernel || !may_wait_for(thread, heap))
        return false;
    needed = thread->heap_fault.pages ? thread->heap_fault.pages
                                      : heap_pages_needed(heap, thread->heap_fault.kind, thread->heap_fault.count);
    if (needed == 0)
        needed = 1;     /* freed meanwhile, or lost to a reclaim: one more page and try again */
    words[0] = heap->id;
    words[1] = thread->heap_fault.kind;
    words[2] = needed;
    words[3] = needed + heap->kheap.high_water;
    thread->heap_fault.armed = false;
    outcome = fault_ipc_call(thread, &heap->bank, &heap_fault_purpose, BURSAR_LABEL_HEAP_FAULT, words,
                             BURSAR_HEAP_FAULT_WORDS, heap->fault_timeout, heap->fault_timeout);
    if (outcome == FAULT_IPC_RESTART)
        take_frames(thread);
    thread->heap_fault.armed = true;
    return outcome == FAULT_IPC_RESTART;
}

/*
 * The low watermark: a call that leaves its heap below it asks for a
 * refill up to the high one before the thread returns, so a busy heap
 * need not run dry (pages needed 0 in the message says so). The call's
 * result is written already and stands; a refusal or silence changes
 * nothing, a donation is taken as for a fault.
 */
void heap_fault_refill(struct thread *thread)
{
    struct heap *heap = thread->heap_fault.refill.heap;
    uint32_t words[BURSAR_HEAP_FAULT_WORDS], wanted;

    heap_ref_set(&thread->heap_fault.refill, NULL);
    if (!heap || !heap->bank.object || thread->state != THREAD_READY || thread->destroyed_in_kernel ||
        !may_wait_for(thread, heap))
        return;
    wanted = kheap_refill_pages(&heap->kheap);
    if (wanted == 0)
        return;
    words[0] = heap->id;
    words[1] = thread->heap_fault.refill_kind;
    words[2] = 0;
    words[3] = wanted;
    heap_ref_set(&thread->heap_fault.heap, heap);
    thread->heap_fault.armed = false;
    if (fault_ipc_call(thread, &heap->bank, &heap_fault_purpose, BURSAR_LABEL_HEAP_FAULT, words,
                       BURSAR_HEAP_FAULT_WORDS, heap->fault_timeout, heap->fault_timeout) == FAULT_IPC_RESTART)
        take_frames(thread);
    heap_ref_set(&thread->heap_fault.heap, NULL);
}

/*
 * Every reference to the destroyed heap is cleared, one per preemption
 * unit: a thread waiting on its bank stops waiting, and its call fails
 * with OUT_OF_MEMORY (the wait ends as a failed call, see bank_failed).
 * Clearing takes the reference off the list, so the loop needs no cursor
 * whatever runs at its points.
 */
void heap_fault_forget(struct heap *heap)
{
    while (heap->refs) {
        struct heap_ref *ref = heap->refs;
        struct thread *thread = ref->thread;

        heap_ref_set(ref, NULL);
        if (ref == &thread->heap_fault.heap && !thread->heap_fault.armed && fault_ipc_pending(&thread->fault_ipc))
            ipc_cancel(thread, -BURSAR_E_DESTROYED);
        preempt_work(1);
    }
}
