/*
 * syscall.S — the way into the kernel: `sysenter` with the register
 * convention of include/bursar/syscall.h, for the system calls that take
 * arguments and give back only eax. libl4/l4.h wraps it in one typed inline
 * function per call, which composes eax (number and timeouts) from the ABI
 * header's own enum, so no number is written down twice; the calls that
 * give results in ebx, esi, edi, ebp (IPC and a few others) use the inline
 * stub l4_sysenter_inline there instead.
 *
 *   int l4_sysenter(uint32_t eax, uint32_t ebx, uint32_t esi, uint32_t edi, uint32_t ebp)
 *       arguments in, the result (eax) out
 *
 * ebx, esi, edi and ebp are callee-saved in the C calling convention but
 * carry arguments here, so the stub saves and restores them; ebp therefore
 * holds no frame pointer while the kernel runs. sysenter returns to edx
 * with esp = ecx, so those two are set just before it.
 */
    .text

    .globl l4_sysenter
    .type l4_sysenter, @function
l4_sysenter:
    pushl %ebp
    pushl %edi
    pushl %esi
    pushl %ebx
    movl 20(%esp), %eax          /* the C arguments, above 4 saved registers + return address */
    movl 24(%esp), %ebx
    movl 28(%esp), %esi
    movl 32(%esp), %edi
    movl 36(%esp), %ebp
    movl %esp, %ecx
    movl $1f, %edx
    sysenter
1:  popl %ebx
    popl %esi
    popl %edi
    popl %ebp
    ret
    .size l4_sysenter, . - l4_sysenter

    .section .note.GNU-stack, "", @progbits
