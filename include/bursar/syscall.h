/*
 * syscall.h — system call numbers and the register convention.
 *
 * Entry is `sysenter` (libl4 uses it) or `int $0x80` (same registers, kept
 * for compatibility and debugging). On entry:
 *
 *   eax  bits 0-7   system call number (enum bursar_syscall)
 *        bits 8-19  send-phase timeout    (IPC calls; bursar/message.h)
 *        bits 20-31 receive-phase timeout (IPC calls)
 *   ebx  argument 0   IPC: bits 0-15 endpoint or reply capability index,
 *                          bits 16-31 reply-object capability index (receives)
 *   esi  argument 1   IPC: message tag
 *   edi  argument 2   IPC: message register 0
 *   ebp  argument 3   IPC: message register 1
 *   ecx  user stack pointer to return with   (sysenter only)
 *   edx  user instruction to return to       (sysenter only)
 *
 * On return: eax = 0 or -enum bursar_error; ebx, esi, edi, ebp = results
 * (IPC: badge, tag, MR0, MR1; undefined when an IPC call fails). ecx and
 * edx are clobbered; eflags is exactly BURSAR_USER_EFLAGS, %ds, %es and %fs
 * hold the flat user data selector and %gs the UTCB-pointer selector
 * (bursar/cpu.h, bursar/utcb.h). Every other register is preserved.
 */
#ifndef BURSAR_SYSCALL_H
#define BURSAR_SYSCALL_H

enum bursar_syscall {
    /* Debugging. */
    SYS_DEBUG_PUTS = 0,        /* ebx = user address, esi = length (<= 1024): print on the console */
    SYS_DEBUG_DUMP = 1,        /* ebx = debug cap (READ), esi = enum bursar_dump, edi = its argument:
                                  list tasks, threads, heaps; check the ledgers; print a tree */

    /* IPC (bursar/message.h). */
    SYS_SEND = 2,              /* ebx = endpoint */
    SYS_RECEIVE = 3,           /* ebx = endpoint | reply object << 16 */
    SYS_CALL = 4,              /* ebx = endpoint; waits for the reply */
    SYS_REPLY = 5,             /* ebx = reply object; never blocks */
    SYS_REPLY_WAIT = 6,        /* ebx = endpoint | reply object << 16: reply, then receive */
    SYS_YIELD = 7,             /* give up the rest of the timeslice */

    /* Objects and capabilities (bursar/objects.h). */
    SYS_CREATE = 8,            /* ebx = heap, esi = object type, edi = destination slot, ebp = argument */
    SYS_DESTROY = 9,           /* ebx = capability (needs CONTROL): destroy the object, revoke its tree */
    SYS_CAP_COPY = 10,         /* ebx = source slot, esi = destination slot | task << 16,
                                  edi = rights | mode << 8, ebp = badge (0: keep the source's) */
    SYS_CAP_DELETE = 11,       /* ebx = slot */
    SYS_CAP_REVOKE = 12,       /* ebx = slot: revoke what was derived from it */
    SYS_CAP_INSPECT = 13,      /* ebx = slot: ebx = type, esi = rights, edi = badge, ebp = 1 if revoked */

    /* Threads. */
    SYS_THREAD_CONFIGURE = 14, /* ebx = thread, esi = enum bursar_thread_setting, edi = value */
    SYS_THREAD_START = 15,     /* ebx = thread, esi = instruction pointer, edi = stack pointer */
    SYS_THREAD_EXIT = 16,      /* ebx = status: the calling thread stops for good (the root
                                  task's first thread: power off, failure code unless status 0) */

    /* Memory and heaps. */
    SYS_FRAME_MAP = 17,        /* ebx = memory cap, esi = frame number, edi = own page address | rights */
    SYS_MAP = 18,              /* ebx = task, esi = own page address, edi = its page address | rights, ebp = pages */
    SYS_UNMAP = 19,            /* ebx = own page address, esi = pages, edi = enum bursar_unmap_mode */
    SYS_HEAP_DONATE = 20,      /* ebx = heap, esi = memory cap, edi = first frame, ebp = frames */
    SYS_HEAP_INFO = 21,        /* ebx = heap: struct bursar_heap_info into the UTCB */
    SYS_SYSTEM_INFO = 22,      /* struct bursar_system_info into the UTCB */

    /* Measurement. */
    SYS_NULL = 23,             /* does nothing: the cost of entering and leaving the kernel.
                                  ebx = a task capability or 0xffff: if a task, switch to its
                                  address space and back (the floor for a cross-space round trip) */

    /* Capabilities, continued. */
    SYS_CAP_COMPARE = 24,      /* ebx = slot, esi = slot: ebx = 1 if both name the same object, else 0
                                  (the brand check; nothing else is told) */

    /* Frames, for their bank. */
    SYS_FRAME_UNMAP = 25,      /* ebx = memory cap, esi = frame number: remove every mapping of the
                                  frame, its own root mapping included, wherever it is; ebx = 1 if
                                  anything mapped it */
    SYS_FRAME_STATE = 26,      /* ebx = memory cap, esi = first frame, edi = count (1..
                                  BURSAR_FRAME_STATE_MAX): a bit per frame into the UTCB info area,
                                  set if the memory object holds it and nothing maps it; ebx = how
                                  many are set, esi = frames in the frame table */

    /* Heaps, for their payer (numbers 32-39). */
    SYS_HEAP_RECLAIM = 32,     /* ebx = heap, esi = pages: take pages back (moving or destroying live
                                  objects); ebx = pages, esi = moved, edi = destroyed, and
                                  struct bursar_reclaim_info into the UTCB */
    SYS_HEAP_CONFIGURE = 33,   /* ebx = heap, esi = enum bursar_heap_setting, edi = value, ebp = value2 */
    SYS_HEAP_RESERVE = 34,     /* ebx = heap (0xffff: the caller's task's), esi = enum bursar_heap_kind,
                                  edi = count: make sure that many are free, heap-faulting if not; or
                                  esi = BURSAR_HEAP_RESERVE_MANY, edi = kinds, counts in MR0.. */

    /* Preemption, interrupts and the debug console (40-47). */
    SYS_PREEMPT_STATS = 40,    /* ebx = debug cap (READ), esi = 1 to reset after reading (WRITE):
                                  ebx, esi = longest interrupt-off window in TSC ticks (low, high
                                  word), edi = preemption points passed, ebp = points at which
                                  another thread ran */
    SYS_IRQ_CLAIM = 41,        /* ebx = devices cap, esi = line, edi = heap, ebp = destination slot */
    SYS_IRQ_SET_ENDPOINT = 42, /* ebx = IRQ, esi = endpoint (0xffff: none), edi = badge */
    SYS_IRQ_ACK = 43,          /* ebx = IRQ: unmask the line after a delivered interrupt */
    SYS_IO_PORT = 44,          /* ebx = I/O port range cap (READ to read, WRITE to write), esi = port,
                                  edi = 0 read / 1 write, ebp = byte: ebx = the byte read */
    SYS_IO_PORTS_CREATE = 45,  /* ebx = devices cap, esi = BURSAR_IO_PORTS(first, count), edi = heap
                                  (CHARGE), ebp = destination slot: a new I/O port range object */

    SYS_COUNT
};

/* What SYS_DEBUG_DUMP lists. */
enum bursar_dump {
    BURSAR_DUMP_ALL = 0,
    BURSAR_DUMP_THREADS = 1,
    BURSAR_DUMP_HEAPS = 2,
    BURSAR_DUMP_CHECK = 3,     /* print nothing; check the accounting identity and every heap's ledger
                                  (in chunks; BUSY if the kernel kept changing under it) */
    BURSAR_DUMP_CAPABILITY_TREE = 4,  /* edi = own slot: the derivation tree of the object it names */
    BURSAR_DUMP_FRAME_TREE = 5,       /* edi = frame number: the mapping tree of that frame */
    BURSAR_DUMP_CHECK_YIELDING = 6,   /* the check, giving the processor to the other ready threads
                                         of the caller's priority at every point (for tests) */
};

/*
 * The check (BURSAR_DUMP_CHECK) runs in chunks with preemption points
 * between them; a pass under which the kernel changed is abandoned and
 * another begins. After this many passes it answers BURSAR_E_BUSY.
 */
#define BURSAR_CHECK_PASSES 8u

/* What SYS_UNMAP takes away. */
enum bursar_unmap_mode {
    BURSAR_UNMAP_OWN = 0,       /* the caller's own mappings, and everything derived from them */
    BURSAR_UNMAP_DERIVED = 1,   /* keep the own mappings; revoke what was mapped from them, except
                                   memory COPYs made directly from them (their receivers paid) */
};

/* How SYS_CAP_COPY and the typed items of a message (bursar/message.h) transfer authority. */
enum bursar_transfer_mode {
    BURSAR_COPY = 0,            /* share the source's record: allocates nothing, the source cannot revoke it */
    BURSAR_REVOCABLE_COPY = 1,  /* a child record paid by the sender's heap: the source can revoke it */
    BURSAR_GRANT = 2,           /* move: the source slot ends up empty */
};
#define BURSAR_TRANSFER_MODE_SHIFT 8
/* SYS_CAP_COPY's destination task: this value (the default) means the caller's own space. */
#define BURSAR_OWN_TASK 0xffffu

#define BURSAR_DEBUG_PUTS_MAX 1024
/* Frames SYS_FRAME_STATE reports at once: a bit each in the UTCB info area. */
#define BURSAR_FRAME_STATE_MAX 1536u

/* SYS_IO_PORTS_CREATE's range: ports first .. first + count - 1 (count 1..0xffff, not past 0xffff). */
#define BURSAR_IO_PORTS(first, count) ((first) | (count) * 0x10000u)
#define BURSAR_IO_PORTS_FIRST(word) ((word) & 0xffffu)
#define BURSAR_IO_PORTS_COUNT(word) ((word) >> 16)

#define BURSAR_SYSCALL_NUMBER_MASK 0xffu
#define BURSAR_SYSCALL_SEND_TIMEOUT_SHIFT 8
#define BURSAR_SYSCALL_RECEIVE_TIMEOUT_SHIFT 20
#define BURSAR_CAP_INDEX_MASK 0xffffu
#define BURSAR_REPLY_INDEX_SHIFT 16

#endif /* BURSAR_SYSCALL_H */
