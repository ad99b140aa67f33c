/*
 * fault.h — the messages the kernel sends on behalf of a thread that took a
 * page fault or an exception, and the replies it accepts (docs/abi.md §8).
 *
 * The faulting thread is the caller: the message goes to the endpoint in its
 * PAGER or EXCEPTION_HANDLER setting (bursar/objects.h) like a call, with the
 * badge of that capability, and the receiver answers through its reply object
 * as it answers any call. The thread's own registers and UTCB are untouched.
 *
 * Labels the kernel sends (tag bits 16-31):
 *   BURSAR_LABEL_PAGE_FAULT  3 words: MR0 fault address, MR1 eip, MR2 access
 *   BURSAR_LABEL_EXCEPTION   BURSAR_EXCEPTION_WORDS words: struct bursar_exception_state
 *   0xfff2 .. 0xfff7         reserved for other kernel-originated messages
 * Labels of a reply:
 *   BURSAR_LABEL_RESUME      the thread goes on (page fault: it retries the access;
 *                            exception: with the registers the reply carries, if any)
 *   BURSAR_LABEL_KILL        the thread dies (one logged line); no words
 *   BURSAR_LABEL_RAISE       to a page fault only, one word (the pager's reason): the
 *                            fault is passed on to the thread's exception handler as an
 *                            exception it can handle (BURSAR_RAISED_FAULT_WORDS below)
 * Any other reply is refused with BURSAR_E_INVALID_MESSAGE (or INVALID_ADDRESS
 * for an eip in the kernel) and changes nothing: the thread still waits.
 */
#ifndef BURSAR_FAULT_H
#define BURSAR_FAULT_H

#include <stddef.h>
#include <stdint.h>

#define BURSAR_LABEL_PAGE_FAULT   0xfff0u
#define BURSAR_LABEL_EXCEPTION    0xfff1u
#define BURSAR_LABEL_RESUME       0xfff8u
#define BURSAR_LABEL_KILL         0xfff9u
#define BURSAR_LABEL_RAISE        0xfffau

/* The page-fault message, word by word. */
#define BURSAR_PAGE_FAULT_WORDS   3
#define BURSAR_PAGE_FAULT_ADDRESS 0           /* MR0: the address the access was to */
#define BURSAR_PAGE_FAULT_IP      1           /* MR1: the faulting instruction */
#define BURSAR_PAGE_FAULT_ACCESS  2           /* MR2: BURSAR_ACCESS_* bits */

#define BURSAR_ACCESS_WRITE       0x1u        /* a write (otherwise a read or fetch) */
#define BURSAR_ACCESS_EXECUTE     0x2u        /* an instruction fetch (never set on ia32 without NX) */
#define BURSAR_ACCESS_PRESENT     0x4u        /* the page was mapped: the rights did not allow it */

/*
 * The exception message: MR0.. in this order. A RESUME reply may carry
 * the same BURSAR_EXCEPTION_WORDS words back: the kernel takes eip, esp,
 * the general registers and the arithmetic flags and DF of eflags (the mask
 * below), and ignores vector and error_code. Segment registers, IF, IOPL,
 * TF and the rest of eflags cannot be set. With no words the thread goes on
 * with its registers as they were (eip after a breakpoint, at the faulting
 * instruction otherwise).
 */
struct bursar_exception_state {
    uint32_t vector;            /* 0 divide error, 3 breakpoint, 6 invalid opcode, 13 protection... */
    uint32_t error_code;        /* the CPU's, 0 for vectors without one */
    uint32_t eip, esp, eflags;
    uint32_t eax, ecx, edx, ebx, ebp, esi, edi;
};
#define BURSAR_EXCEPTION_WORDS    12
_Static_assert(sizeof(struct bursar_exception_state) == BURSAR_EXCEPTION_WORDS * 4, "exception message is ABI");
_Static_assert(offsetof(struct bursar_exception_state, eip) == 8, "exception message is ABI");
_Static_assert(offsetof(struct bursar_exception_state, eax) == 20, "exception message is ABI");
_Static_assert(offsetof(struct bursar_exception_state, edi) == 44, "exception message is ABI");

/*
 * A page fault its pager raised (a BURSAR_LABEL_RAISE reply: the pager will
 * not or cannot map anything there, e.g. the client's bank is exhausted)
 * reaches the thread's exception handler as an exception message of
 * BURSAR_RAISED_FAULT_WORDS words: the 12 above with vector 14 and, as
 * error_code, the page fault's BURSAR_ACCESS_* bits; then the address and
 * the pager's reason (an error number: a BURSAR_E_* or the pager's own).
 * It is answered as any exception (RESUME with 0 or 12 words, or KILL); a
 * RESUME with no words retries the access, which faults to the pager again.
 */
#define BURSAR_RAISED_FAULT_ADDRESS 12        /* MR12: the address accessed */
#define BURSAR_RAISED_FAULT_REASON  13        /* MR13: the pager's reason */
#define BURSAR_RAISED_FAULT_WORDS   14

/* CF PF AF ZF SF DF OF: the eflags bits a RESUME reply may change. */
#define BURSAR_EXCEPTION_EFLAGS_SETTABLE 0xcd5u

#endif /* BURSAR_FAULT_H */
