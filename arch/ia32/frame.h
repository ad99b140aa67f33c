/*
 * frame.h — assembler macros that save and restore the registers part of a
 * struct trap_frame (trap.h): the interrupt entry (vectors.S) saves with
 * them, for the sysenter entry's slow path too, and both exits restore with
 * them (vectors.S's iret, sysenter.S's sysexit).
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
