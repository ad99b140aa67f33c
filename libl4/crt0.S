/*
 * crt0.S — where every user program starts (ENTRY in libl4/user.ld).
 *
 * The kernel (or a loader) starts the first thread here with esp at the top
 * of its stack and bss already zeroed. This ends the frame-pointer chain
 * (ebp = 0, so a backtrace stops here), aligns the stack as the C calling
 * convention expects, and calls l4_start() (libl4/start.c), which never
 * returns.
 */
    .section .text.start, "ax"
    .globl _start
    .type _start, @function
_start:
    xorl %ebp, %ebp
    andl $-16, %esp
    call l4_start
1:  jmp 1b
    .size _start, . - _start

    .section .note.GNU-stack, "", @progbits
