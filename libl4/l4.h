/*
 * l4.h — every Bursar system call as a C function, at register level: the
 * IPC calls take and give the tag and MR0/MR1 (the words that travel in
 * registers). For longer messages see libl4/message.h.
 *
 * Each function is 0 on success or a negative -BURSAR_E_* (bursar/errors.h).
 * Output pointers may be null when the caller does not want that value, and
 * are written only on success, except the message outputs of the IPC calls
 * (badge, tag, MR0, MR1), which hold undefined values after an error: a
 * receive path with no branch in it is what lets a server loop stay in
 * registers. Timeouts are the 12-bit codes of
 * bursar/message.h: BURSAR_TIMEOUT_NEVER, BURSAR_TIMEOUT_ZERO,
 * BURSAR_TIMEOUT_MS(ms). Capabilities are slot numbers in the caller's space.
 */
#ifndef LIBL4_L4_H
#define LIBL4_L4_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bursar/boot.h"
#include "bursar/errors.h"
#include "bursar/message.h"
#include "bursar/objects.h"
#include "bursar/syscall.h"
#include "libl4/errors.h"
#include "libl4/utcb.h"

/* Every program defines it; libl4/start.c calls it (the boot info is the root task's). */
int main(const struct bursar_boot_info *boot_info);

/* ebx, esi, edi, ebp around a system call: arguments in, results out. */
struct l4_words {
    uint32_t ebx, esi, edi, ebp;
};

/* The stub in libl4/syscall.S: arguments in, only eax out. */
int l4_sysenter(uint32_t eax, uint32_t ebx, uint32_t esi, uint32_t edi, uint32_t ebp);

/* eax on entry: the call number and, for IPC, the two timeouts. */
static inline uint32_t l4_eax(enum bursar_syscall number, unsigned send_timeout, unsigned receive_timeout)
{
    return (uint32_t)number | (send_timeout & 0xfffu) << BURSAR_SYSCALL_SEND_TIMEOUT_SHIFT |
           (receive_timeout & 0xfffu) << BURSAR_SYSCALL_RECEIVE_TIMEOUT_SHIFT;
}

/* ebx of a receive: where to receive, and the reply object to bind the caller to. */
static inline uint32_t l4_receive_word(unsigned endpoint, unsigned reply)
{
    return (endpoint & BURSAR_CAP_INDEX_MASK) | (reply & BURSAR_CAP_INDEX_MASK) << BURSAR_REPLY_INDEX_SHIFT;
}

/*
 * The register-level system call, inline: eax in, and ebx, esi, edi, ebp in
 * and out through *words, with nothing stored on the way but the frame
 * pointer. The IPC calls use it so that a register-only message costs only
 * the moves into and out of the registers that carry it. ebp is the frame
 * pointer, so it is saved on the stack around the call and the message word
 * it carries travels through ecx (which sysenter clobbers anyway).
 */
static inline int l4_sysenter_inline(uint32_t eax, struct l4_words *words)
{
    uint32_t ebx = words->ebx, esi = words->esi, edi = words->edi, ebp = words->ebp;

    __asm__ volatile("pushl %%ebp\n\t"
                     "movl %%ecx, %%ebp\n\t"
                     "movl %%esp, %%ecx\n\t"
                     "movl $1f, %%edx\n\t"
                     "sysenter\n"
                     "1:\n\t"
                     "movl %%ebp, %%ecx\n\t"
                     "popl %%ebp"
                     : "+a"(eax), "+b"(ebx), "+S"(esi), "+D"(edi), "+c"(ebp)
                     :
                     : "edx", "memory", "cc");
    *words = (struct l4_words){ ebx, esi, edi, ebp };
    return (int)eax;
}

/* Hands a received message's registers to whichever outputs the caller asked for. */
static inline void l4_take_message(const struct l4_words *w, uint32_t *badge, uint32_t *tag,
                                   uint32_t *mr0, uint32_t *mr1)
{
    if (badge)
        *badge = w->ebx;
    if (tag)
        *tag = w->esi;
    if (mr0)
        *mr0 = w->edi;
    if (mr1)
        *mr1 = w->ebp;
}

/* ---- IPC ---------------------------------------------------------------- */

static inline int l4_send(unsigned endpoint, uint32_t tag, uint32_t mr0, uint32_t mr1, unsigned send_timeout)
{
    return l4_sysenter(l4_eax(SYS_SEND, send_timeout, 0), endpoint, tag, mr0, mr1);
}

/* Sends *tag, *mr0, *mr1 and waits for the reply, which replaces them. */
static inline int l4_call(unsigned endpoint, uint32_t *tag, uint32_t *mr0, uint32_t *mr1,
                          unsigned send_timeout, unsigned receive_timeout)
{
    struct l4_words w = { endpoint, *tag, *mr0, *mr1 };
    int error = l4_sysenter_inline(l4_eax(SYS_CALL, send_timeout, receive_timeout), &w);

    l4_take_message(&w, 0, tag, mr0, mr1);
    return error;
}

/* Waits for a message on `endpoint`; a caller is bound to the reply object `reply`. */
static inline int l4_receive(unsigned endpoint, unsigned reply, uint32_t *badge, uint32_t *tag,
                             uint32_t *mr0, uint32_t *mr1, unsigned receive_timeout)
{
    struct l4_words w = { l4_receive_word(endpoint, reply), 0, 0, 0 };
    int error = l4_sysenter_inline(l4_eax(SYS_RECEIVE, 0, receive_timeout), &w);

    l4_take_message(&w, badge, tag, mr0, mr1);
    return error;
}

/* Answers the caller bound to `reply`; never blocks. */
static inline int l4_reply(unsigned reply, uint32_t tag, uint32_t mr0, uint32_t mr1)
{
    return l4_sysenter(l4_eax(SYS_REPLY, BURSAR_TIMEOUT_ZERO, 0), reply, tag, mr0, mr1);
}

/*
 * A server's loop step: replies *tag, *mr0, *mr1 to the caller bound to
 * `reply`, then waits on `endpoint` for the next message, which replaces
 * them (and binds its caller to `reply`).
 */
static inline int l4_reply_wait(unsigned endpoint, unsigned reply, uint32_t *badge, uint32_t *tag,
                                uint32_t *mr0, uint32_t *mr1, unsigned receive_timeout)
{
    struct l4_words w = { l4_receive_word(endpoint, reply), *tag, *mr0, *mr1 };
    int error = l4_sysenter_inline(l4_eax(SYS_REPLY_WAIT, BURSAR_TIMEOUT_ZERO, receive_timeout), &w);

    l4_take_message(&w, badge, tag, mr0, mr1);
    return error;
}

static inline int l4_yield(void)
{
    return l4_sysenter(SYS_YIELD, 0, 0, 0, 0);
}

/* ---- Objects and capabilities ------------------------------------------- */

/* A new object paid by `heap`, into the empty `slot`; see bursar/objects.h for `argument`. */
static inline int l4_create(unsigned heap, enum bursar_object_type type, unsigned slot, uint32_t argument)
{
    return l4_sysenter(SYS_CREATE, heap, type, slot, argument);
}

static inline int l4_destroy(unsigned capability)
{
    return l4_sysenter(SYS_DESTROY, capability, 0, 0, 0);
}

/*
 * Puts a capability derived from `source` into the empty slot `destination`
 * of `task` (BURSAR_OWN_TASK: the caller's own space), with `rights` (at
 * most the source's), by `mode` (enum bursar_transfer_mode), with `badge`
 * (0: keep the source's).
 */
static inline int l4_cap_transfer(unsigned source, unsigned task, unsigned destination, unsigned rights,
                                  enum bursar_transfer_mode mode, uint32_t badge)
{
    return l4_sysenter(SYS_CAP_COPY, source,
                       (destination & BURSAR_CAP_INDEX_MASK) | (task & BURSAR_CAP_INDEX_MASK) << 16,
                       rights | (uint32_t)mode << BURSAR_TRANSFER_MODE_SHIFT, badge);
}

/* The common case: a COPY within the own space. */
static inline int l4_cap_copy(unsigned source, unsigned destination, unsigned rights, uint32_t badge)
{
    return l4_cap_transfer(source, BURSAR_OWN_TASK, destination, rights, BURSAR_COPY, badge);
}

static inline int l4_cap_delete(unsigned slot)
{
    return l4_sysenter(SYS_CAP_DELETE, slot, 0, 0, 0);
}

static inline int l4_cap_revoke(unsigned slot)
{
    return l4_sysenter(SYS_CAP_REVOKE, slot, 0, 0, 0);
}

struct l4_cap_info {
    uint32_t type;      /* enum bursar_object_type */
    uint32_t rights;    /* BURSAR_RIGHT_* */
    uint32_t badge;
    uint32_t revoked;   /* the slot is empty because a revoke cleared it */
};

static inline int l4_cap_inspect(unsigned slot, struct l4_cap_info *info)
{
    struct l4_words w = { slot, 0, 0, 0 };
    int error = l4_sysenter_inline(SYS_CAP_INSPECT, &w);

    if (error == 0) {
        info->type = w.ebx;
        info->rights = w.esi;
        info->badge = w.edi;
        info->revoked = w.ebp;
    }
    return error;
}

/*
 * The brand check: *same = whether capabilities `a` and `b` name one object
 * (e.g. a capability a client handed over, and the server's own endpoint).
 */
static inline int l4_cap_compare(unsigned a, unsigned b, bool *same)
{
    struct l4_words w = { a, b, 0, 0 };
    int error = l4_sysenter_inline(SYS_CAP_COMPARE, &w);

    if (error == 0)
        *same = w.ebx == 1;
    return error;
}

/* ---- Threads (libl4/thread_spawn.h starts one in a single call) ---------------- */

static inline int l4_thread_configure(unsigned thread, enum bursar_thread_setting setting, uint32_t value)
{
    return l4_sysenter(SYS_THREAD_CONFIGURE, thread, setting, value, 0);
}

static inline int l4_thread_start(unsigned thread, uintptr_t ip, uintptr_t sp)
{
    return l4_sysenter(SYS_THREAD_START, thread, ip, sp, 0);
}

/* `status` matters for the root task: non-zero powers the machine off with the failure code. */
__attribute__((noreturn)) static inline void l4_thread_exit(uint32_t status)
{
    for (;;)
        l4_sysenter(SYS_THREAD_EXIT, status, 0, 0, 0);
}

/* ---- Memory and heaps --------------------------------------------------- */

/* Maps physical frame `frame` of memory capability `memory` at the own page `page`. */
static inline int l4_frame_map(unsigned memory, uint32_t frame, uintptr_t page, unsigned rights)
{
    return l4_sysenter(SYS_FRAME_MAP, memory, frame, page | rights, 0);
}

/* Maps `pages` own pages from `own_page` into `task` at `its_page` (a revocable copy). */
static inline int l4_map(unsigned task, uintptr_t own_page, uintptr_t its_page, unsigned rights, unsigned pages)
{
    return l4_sysenter(SYS_MAP, task, own_page, its_page | rights, pages);
}

/* Removes the own mappings of these pages and everything mapped from them (BURSAR_UNMAP_OWN). */
static inline int l4_unmap(uintptr_t own_page, unsigned pages)
{
    return l4_sysenter(SYS_UNMAP, own_page, pages, BURSAR_UNMAP_OWN, 0);
}

/*
 * Keeps the own mappings; revokes what was mapped from them, except memory
 * COPYs made directly from them (BURSAR_UNMAP_DERIVED).
 */
static inline int l4_unmap_derived(uintptr_t own_page, unsigned pages)
{
    return l4_sysenter(SYS_UNMAP, own_page, pages, BURSAR_UNMAP_DERIVED, 0);
}

/*
 * Removes every mapping of a frame the memory capability holds, its own
 * root mapping included, wherever that now is (SYS_FRAME_UNMAP).
 * *was_mapped (may be null): whether anything mapped it.
 */
static inline int l4_frame_unmap(unsigned memory, uint32_t frame, bool *was_mapped)
{
    struct l4_words w = { memory, frame, 0, 0 };
    int error = l4_sysenter_inline(SYS_FRAME_UNMAP, &w);

    if (error == 0 && was_mapped)
        *was_mapped = w.ebx != 0;
    return error;
}

/*
 * Which of frames first .. first + count - 1 (count <= BURSAR_FRAME_STATE_MAX)
 * the memory capability holds with nothing mapping them: a bit each in
 * `bits` (BURSAR_UTCB_INFO_WORDS words). *free_frames: how many bits are
 * set; *frame_count: frames in the kernel's frame table (both may be null).
 */
static inline int l4_frame_state(unsigned memory, uint32_t first, uint32_t count, uint32_t *bits,
                                 uint32_t *free_frames, uint32_t *frame_count)
{
    struct l4_words w = { memory, first, count, 0 };
    int error = l4_sysenter_inline(SYS_FRAME_STATE, &w);

    if (error == 0) {
        l4_utcb_info_read(bits, BURSAR_UTCB_INFO_WORDS * sizeof(uint32_t));
        if (free_frames)
            *free_frames = w.ebx;
        if (frame_count)
            *frame_count = w.esi;
    }
    return error;
}

/* Gives `frames` frames from `first_frame` of memory capability `memory` to `heap`. */
static inline int l4_heap_donate(unsigned heap, unsigned memory, uint32_t first_frame, unsigned frames)
{
    return l4_sysenter(SYS_HEAP_DONATE, heap, memory, first_frame, frames);
}

/*
 * Any number of frames, BURSAR_HEAP_DONATE_MAX_FRAMES a call (the most one
 * call takes): each call is all or nothing, the whole is not.
 */
static inline int l4_heap_donate_range(unsigned heap, unsigned memory, uint32_t first_frame, unsigned frames)
{
    int error = 0;

    for (unsigned done = 0, now; done < frames && !error; done += now) {
        now = frames - done < BURSAR_HEAP_DONATE_MAX_FRAMES ? frames - done : BURSAR_HEAP_DONATE_MAX_FRAMES;
        error = l4_heap_donate(heap, memory, first_frame + done, now);
    }
    return error;
}

/* "page table" for BURSAR_HEAP_PAGE_TABLE: what each enum bursar_heap_kind is (libl4/names.c). */
const char *l4_heap_kind_name(unsigned kind);

static inline int l4_heap_info(unsigned heap, struct bursar_heap_info *info)
{
    int error = l4_sysenter(SYS_HEAP_INFO, heap, 0, 0, 0);

    if (error == 0)
        l4_utcb_info_read(info, sizeof *info);
    return error;
}

/*
 * Takes up to `pages` pages back from `heap` to the banks that own them:
 * free pages first, then live objects are moved or destroyed. `info` (may
 * be null) says what happened.
 */
static inline int l4_heap_reclaim(unsigned heap, unsigned pages, struct bursar_reclaim_info *info)
{
    int error = l4_sysenter(SYS_HEAP_RECLAIM, heap, pages, 0, 0);

    if (error == 0 && info)
        l4_utcb_info_read(info, sizeof *info);
    return error;
}

/* A heap's watermarks, bank or fault timeout (enum bursar_heap_setting). */
static inline int l4_heap_configure(unsigned heap, enum bursar_heap_setting setting, uint32_t value, uint32_t value2)
{
    return l4_sysenter(SYS_HEAP_CONFIGURE, heap, setting, value, value2);
}

/*
 * Makes sure `heap` (BURSAR_NO_CAPABILITY: the caller's task's) has `count`
 * free objects of `kind`, heap-faulting to its bank in the caller's own
 * context if not; OUT_OF_MEMORY if the bank does not give enough.
 */
static inline int l4_heap_reserve(unsigned heap, enum bursar_heap_kind kind, unsigned count)
{
    return l4_sysenter(SYS_HEAP_RESERVE, heap, kind, count, 0);
}

/*
 * The same for counts[kind] objects of every kind at once (0: none), counted
 * together: one free page never counts for two kinds. It uses the message
 * registers. A reserve makes sure the objects are free now; it does not set
 * them aside (docs/abi.md, SYS_HEAP_RESERVE).
 */
static inline int l4_heap_reserve_all(unsigned heap, const uint32_t counts[BURSAR_HEAP_KIND_COUNT])
{
    for (unsigned kind = 0; kind < BURSAR_HEAP_KIND_COUNT; kind++)
        l4_mr_set(kind, counts[kind]);
    return l4_sysenter(SYS_HEAP_RESERVE, heap, BURSAR_HEAP_RESERVE_MANY, BURSAR_HEAP_KIND_COUNT, 0);
}

/* `tables` page tables and as many shadows: what a mapping into a new 4 MiB costs the task receiving it. */
static inline int l4_heap_reserve_tables(unsigned heap, unsigned tables)
{
    uint32_t counts[BURSAR_HEAP_KIND_COUNT] = { 0 };

    counts[BURSAR_HEAP_PAGE_TABLE] = tables;
    counts[BURSAR_HEAP_SHADOW] = tables;
    return l4_heap_reserve_all(heap, counts);
}

static inline int l4_system_info(struct bursar_system_info *info)
{
    int error = l4_sysenter(SYS_SYSTEM_INFO, 0, 0, 0, 0);

    if (error == 0)
        l4_utcb_info_read(info, sizeof *info);
    return error;
}

/* ---- Measurement --------------------------------------------------------- */

/*
 * Enters and leaves the kernel doing nothing; with a task capability instead
 * of BURSAR_NO_CAPABILITY it switches to that task's address space and back.
 */
static inline int l4_null(unsigned task)
{
    struct l4_words w = { task, 0, 0, 0 };

    return l4_sysenter_inline(SYS_NULL, &w);
}

static inline uint64_t l4_timestamp(void)
{
    uint32_t low, high;

    __asm__ volatile("rdtsc" : "=a"(low), "=d"(high));
    return ((uint64_t)high << 32) | low;
}

/* ---- Debugging ---------------------------------------------------------- */

/* At most BURSAR_DEBUG_PUTS_MAX bytes; libl4/printf.h is the usual way. */
static inline int l4_debug_puts(const char *text, size_t length)
{
    return l4_sysenter(SYS_DEBUG_PUTS, (uintptr_t)text, length, 0, 0);
}

/*
 * Needs a capability to the kernel's debug object (the root task's is in
 * BURSAR_SLOT_DEBUG); `argument` is the slot or frame of the tree kinds.
 */
static inline int l4_debug_dump(unsigned debug, enum bursar_dump what, uint32_t argument)
{
    return l4_sysenter(SYS_DEBUG_DUMP, debug, what, argument, 0);
}

#endif /* LIBL4_L4_H */
