/*
 * frame.h — assembler macros that save and restore the registers part of a
 * struct trap_frame (trap.h), shared by the interrupt entry (vectors.S) and
 * the sysenter entry (sysenter.S) so both build the very same frame.
 */
#ifndef ARCH_IA32_FRAME_H
#define ARCH_IA32_FRAME_H

#ifdef __ASSEMBLER__
/* Below the vector and error code: general registers, then data segments. */
.macro SAVE_REGISTERS
        pushal
        pushl %ds
        pushl %es
        pushl %fs
        pushl %gs
.endm

.macro RESTORE_REGISTERS
        popl %gs
        popl %fs
        popl %es
        popl %ds
        popal
.endm
#endif

#endif /* ARCH_IA32_FRAME_H */
