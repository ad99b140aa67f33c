/*
 * trap.h — the register frame every interrupt, exception and int-based
 * system call leaves on the kernel stack (built by vectors.S), and the
 * vector numbers.
 */
#ifndef ARCH_IA32_TRAP_H
#define ARCH_IA32_TRAP_H

#define VECTOR_DIVIDE            0
#define VECTOR_DEBUG             1
#define VECTOR_NMI               2
#define VECTOR_BREAKPOINT        3
#define VECTOR_OVERFLOW          4
#define VECTOR_BOUND             5
#define VECTOR_INVALID_OPCODE    6
#define VECTOR_NO_FPU            7
#define VECTOR_DOUBLE_FAULT      8
#define VECTOR_INVALID_TSS      10
#define VECTOR_SEGMENT_MISSING  11
#define VECTOR_STACK_FAULT      12
#define VECTOR_GENERAL_PROTECTION 13
#define VECTOR_PAGE_FAULT       14
#define VECTOR_FPU_ERROR        16
#define VECTOR_ALIGNMENT        17
#define VECTOR_MACHINE_CHECK    18
#define VECTOR_SIMD             19
#define VECTOR_EXCEPTION_COUNT  32
#define VECTOR_IRQ_BASE         32     /* the PIC's IRQ 0..15 are remapped here */
#define VECTOR_IRQ_COUNT        16
#define VECTOR_SYSCALL        0x80     /* int $0x80, the compatibility entry */
#define VECTOR_SYSENTER       0x100    /* not a real vector: marks frames built by sysenter */
#define VECTOR_COUNT           256
/* vectors.S: the stub of vector v is at trap_vector_stubs + v * VECTOR_STUB_SIZE (idt_init checks). */
#define VECTOR_STUB_SIZE        16

/* Byte offsets into struct trap_frame that vectors.S depends on. */
#define TRAP_FRAME_EBX          32
#define TRAP_FRAME_EAX          44
#define TRAP_FRAME_VECTOR       48
#define TRAP_FRAME_ERROR_CODE   52
#define TRAP_FRAME_EIP          56
#define TRAP_FRAME_CS           60
#define TRAP_FRAME_EFLAGS       64
#define TRAP_FRAME_USER_SS      72
#define TRAP_FRAME_SIZE_KERNEL  68     /* no esp/ss: trap from ring 0 */
#define TRAP_FRAME_SIZE_USER    76

#ifndef __ASSEMBLER__
#include <stddef.h>
#include <stdint.h>

struct trap_frame {
    uint32_t gs, fs, es, ds;                       /* pushed by the common stub */
    uint32_t edi, esi, ebp, esp_ignored, ebx, edx, ecx, eax;   /* pushal */
    uint32_t vector, error_code;                   /* pushed by the vector stub */
    uint32_t eip, cs, eflags;                      /* pushed by the CPU */
    uint32_t user_esp, user_ss;                    /* only when coming from ring 3 */
};
_Static_assert(offsetof(struct trap_frame, vector) == TRAP_FRAME_VECTOR, "vectors.S pushes");
_Static_assert(offsetof(struct trap_frame, eip) == TRAP_FRAME_EIP && offsetof(struct trap_frame, eax) == TRAP_FRAME_EAX &&
               offsetof(struct trap_frame, ebx) == TRAP_FRAME_EBX,
               "sysenter.S uses these places");
_Static_assert(offsetof(struct trap_frame, error_code) == TRAP_FRAME_ERROR_CODE &&
               offsetof(struct trap_frame, cs) == TRAP_FRAME_CS &&
               offsetof(struct trap_frame, eflags) == TRAP_FRAME_EFLAGS &&
               offsetof(struct trap_frame, user_ss) == TRAP_FRAME_USER_SS,
               "sysenter.S's slow path builds the frame in place");
_Static_assert(offsetof(struct trap_frame, user_esp) == TRAP_FRAME_SIZE_KERNEL, "vectors.S pushes");
_Static_assert(sizeof(struct trap_frame) == TRAP_FRAME_SIZE_USER, "vectors.S pushes");

static inline int trap_from_user(const struct trap_frame *frame)
{
    return (frame->cs & 3) == 3;
}

void idt_init(void);
void trap_dispatch(struct trap_frame *frame);
void double_fault_task_entry(void);
extern const uint32_t trap_vector_entries[VECTOR_COUNT];
extern const char trap_vector_stubs[];

/* Device interrupt handlers (IRQ 0..15) registered by arch code. */
typedef void (*irq_handler)(struct trap_frame *frame);
void irq_register(unsigned irq, irq_handler handler);

void trap_print_frame(const struct trap_frame *frame);
void sysenter_init(void);
void fpu_init(void);
/* Print the call chain starting at this instruction and frame pointer (backtrace.c). */
void backtrace_from(uint32_t instruction, uint32_t frame_pointer);
void sysenter_debug_trap(void);
extern uint32_t sysenter_stack_top[];
#endif

#endif /* ARCH_IA32_TRAP_H */
