/*
 * syscall.S — the way into the kernel: `sysenter` with the register
 * convention of include/bursar/syscall.h. Two stubs cover every system
 * call; libl4/l4.h wraps them in one typed inline function per call, which
 * composes eax (number and timeouts) from the ABI header's own enum, so no
 * number is written down twice.
 *
 *   int l4_sysenter(uint32_t eax, uint32_t ebx, uint32_t esi, uint32_t edi, uint32_t ebp)
 *       arguments in, the result (eax) out
 *   int l4_sysenter_words(uint32_t eax, struct l4_words *words)
 *       ebx, esi, edi, ebp in from *words and out into *words
 *
 * ebx, esi, edi and ebp are callee-saved in the C calling convention but
 * carry arguments and results here, so both stubs save and restore them;
 * ebp therefore holds no frame pointer while the kernel runs. sysenter
 * returns to edx with esp = ecx, so those two are set just before it.
 */
    .text

/* ebx, esi, edi and ebp carry arguments: both stubs keep the caller's. */
.macro SAVE_ARGUMENT_REGISTERS
    pushl %ebp
    pushl %edi
    pushl %esi
    pushl %ebx
.endm

.macro RESTORE_ARGUMENT_REGISTERS
    popl %ebx
    popl %esi
    popl %edi
    popl %ebp
.endm

    .globl l4_sysenter
    .type l4_sysenter, @function
l4_sysenter:
    SAVE_ARGUMENT_REGISTERS
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

    .globl l4_sysenter_words
    .type l4_sysenter_words, @function
l4_sysenter_words:
    SAVE_ARGUMENT_REGISTERS
    movl 20(%esp), %eax
    movl 24(%esp), %ecx          /* words; offsets as struct l4_words in l4.h */
    movl 0(%ecx), %ebx
    movl 4(%ecx), %esi
    movl 8(%ecx), %edi
    movl 12(%ecx), %ebp
    movl %esp, %ecx
    movl $1f, %edx
    sysenter
1:  movl 24(%esp), %ecx          /* ecx and edx came back clobbered: free to use */
    movl %ebx, 0(%ecx)
    movl %esi, 4(%ecx)
    movl %edi, 8(%ecx)
    movl %ebp, 12(%ecx)
    RESTORE_ARGUMENT_REGISTERS
    ret
    .size l4_sysenter_words, . - l4_sysenter_words

    .section .note.GNU-stack, "", @progbits
