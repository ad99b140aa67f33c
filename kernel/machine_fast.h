/*
 * machine_fast.h — what the IPC fast path (kernel/ipc_fastpath.c) asks of
 * the machine inline, because it counts every instruction. Only the fast
 * path includes this header; only it and scheduler.c are compiled with the
 * arch's inline folder on their include path (SConstruct), where
 * machine_fast_inline.h implements these:
 *
 *   void machine_fast_address_space(uint32_t page_directory_physical);
 *       the address space of this directory (physical address), loaded
 *       only if it is not the current one
 *   void machine_fast_switch(void *stack_top, uint32_t page_directory_physical,
 *                            const uint32_t *utcb_address);
 *       make the thread whose kernel stack ends at stack_top the one the
 *       next entry lands on, in this address space and with its UTCB; the
 *       UTCB address must be followed by the 16 bits of
 *       MACHINE_UTCB_SEGMENT (kernel/machine.h; struct thread keeps them so)
 *   void machine_fast_utcb_segment(void);
 *       the UTCB segment for an exit without a machine_fast_switch
 *   void machine_fast_exit(void *stack_top, uint32_t word0);   (noreturn)
 *       leave into the thread whose kernel stack ends at stack_top, with
 *       the message words in the registers as they are
 *   void machine_fast_bail(uint32_t eax);                      (noreturn)
 *       decline the call: on through the slow path
 *   void machine_fast_copy_words(const void *sender, const void *receiver,
 *                                uint32_t untyped);
 *       a long message's MR2 .. MR(untyped - 1) from the current thread's
 *       UTCB to the receiver's (struct threads), untyped 3 ..
 *       FAST_PATH_MAX_WORDS; it saves the sender's FPU state and loads
 *       the receiver's address space, or, if a UTCB is not mapped (or not
 *       writable for the receiver), puts both back and declines the call
 *       (noreturn then): a call if the receiver is RECEIVING, else a
 *       reply-and-wait
 *   void machine_fpu_load(const void *load);
 *   void machine_fast_switch_loaded(void *stack_top, const uint32_t *utcb_address);
 *       machine_fpu_switch's and machine_fast_switch's rest after it
 *
 * and, through kernel/machine_fpu.h, machine_fpu_switch. Every other kernel
 * file but scheduler.c (kernel/machine_fpu.h) asks the machine through
 * kernel/machine.h alone, and compiles with no arch/ folder on its include
 * path.
 */
#ifndef KERNEL_MACHINE_FAST_H
#define KERNEL_MACHINE_FAST_H

#include "kernel/machine.h"
#include "kernel/machine_fpu.h"

#include "machine_fast_inline.h"

#endif
