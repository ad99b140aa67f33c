/*
 * gdt.c — the global descriptor table and the task-state segments.
 *
 * A double fault runs on its own hardware task with its own stack, so a
 * kernel stack overflow still prints a register dump instead of resetting
 * the machine with a triple fault.
 *
 * No LDT is ever in force. The CPU comes out of reset (and out of either
 * boot loader) with an LDT at linear 0, limit 0xffff: user memory, where a
 * task could write a call gate to the kernel's code selector and run its
 * own code in ring 0. load_segments() loads the null LDT selector, so every
 * LDT selector faults; the only other ways LDTR changes are task switches,
 * which load the LDT field of a TSS, and both TSSs here hold 0 there.
 */
#include "arch/ia32/layout.h"
#include "arch/ia32/segments.h"
#include "arch/ia32/trap.h"
#include "arch/ia32/x86.h"

/* A segment descriptor in the GDT. */
struct gdt_entry {
    uint16_t limit_low;
    uint16_t base_low;
    uint8_t base_middle;
    uint8_t access;
    uint8_t flags_limit_high;
    uint8_t base_high;
} __attribute__((packed));
_Static_assert(sizeof(struct gdt_entry) == 8, "hardware GDT entry layout");

_Static_assert(__builtin_offsetof(struct tss, esp0) == TSS_ESP0, "sysenter.S uses esp0's offset");

struct descriptor_pointer {
    uint16_t limit;
    uint32_t base;
} __attribute__((packed));
_Static_assert(sizeof(struct descriptor_pointer) == 6, "lgdt/lidt operand layout");

#define ACCESS_PRESENT   0x80
#define ACCESS_RING3     0x60
#define ACCESS_SEGMENT   0x10   /* code or data, not system */
#define ACCESS_CODE      0x0a   /* executable, readable */
#define ACCESS_DATA      0x02   /* writable */
#define ACCESS_TSS       0x09   /* 32-bit available TSS */
#define FLAGS_4K_32BIT   0xc0   /* limit in pages, 32-bit */
#define FLAGS_BYTE_32BIT 0x40   /* limit in bytes, 32-bit */

static struct gdt_entry gdt[GDT_ENTRIES];
struct tss kernel_tss;                          /* sysenter.S reads esp0, machine_fast_inline.h writes it */
static struct tss double_fault_tss;
static uint8_t double_fault_stack[4096] __attribute__((aligned(16)));

static void gdt_set(int index, uint32_t base, uint32_t limit, uint8_t access, uint8_t flags)
{
    gdt[index] = (struct gdt_entry){
        .limit_low = limit & 0xffff,
        .base_low = base & 0xffff,
        .base_middle = (base >> 16) & 0xff,
        .access = access,
        .flags_limit_high = (uint8_t)(flags | ((limit >> 16) & 0x0f)),
        .base_high = (base >> 24) & 0xff,
    };
}

static void double_fault_tss_init(void)
{
    double_fault_tss.esp = (uint32_t)(double_fault_stack + sizeof(double_fault_stack));
    double_fault_tss.ss = SELECTOR_KERNEL_DATA;
    double_fault_tss.ds = double_fault_tss.es = SELECTOR_KERNEL_DATA;
    double_fault_tss.fs = double_fault_tss.gs = SELECTOR_KERNEL_DATA;
    double_fault_tss.cs = SELECTOR_KERNEL_CODE;
    double_fault_tss.eip = (uint32_t)double_fault_task_entry;
    double_fault_tss.cr3 = read_cr3();
    double_fault_tss.eflags = 0x2;
    double_fault_tss.iomap_base = sizeof(struct tss);
    double_fault_tss.ldt = 0;                   /* a task switch loads it: the null LDT */
}

static void load_segments(void)
{
    struct descriptor_pointer pointer = { sizeof(gdt) - 1, (uint32_t)gdt };

    __asm__ volatile(
        "lgdt %0\n\t"
        "ljmp %1, $1f\n"
        "1:\n\t"
        "mov %2, %%ax\n\t"
        "mov %%ax, %%ds\n\t"
        "mov %%ax, %%es\n\t"
        "mov %%ax, %%fs\n\t"
        "mov %%ax, %%gs\n\t"
        "mov %%ax, %%ss\n\t"
        "mov %3, %%ax\n\t"
        "ltr %%ax\n\t"
        "xorl %%eax, %%eax\n\t"
        "lldt %%ax"
        : : "m"(pointer), "i"(SELECTOR_KERNEL_CODE), "i"(SELECTOR_KERNEL_DATA), "i"(SELECTOR_TSS)
        : "eax", "memory");
}

void gdt_init(void)
{
    gdt_set(GDT_NULL, 0, 0, 0, 0);
    gdt_set(GDT_KERNEL_CODE, 0, 0xfffff, ACCESS_PRESENT | ACCESS_SEGMENT | ACCESS_CODE, FLAGS_4K_32BIT);
    gdt_set(GDT_KERNEL_DATA, 0, 0xfffff, ACCESS_PRESENT | ACCESS_SEGMENT | ACCESS_DATA, FLAGS_4K_32BIT);
    gdt_set(GDT_USER_CODE, 0, 0xfffff, ACCESS_PRESENT | ACCESS_RING3 | ACCESS_SEGMENT | ACCESS_CODE, FLAGS_4K_32BIT);
    gdt_set(GDT_USER_DATA, 0, 0xfffff, ACCESS_PRESENT | ACCESS_RING3 | ACCESS_SEGMENT | ACCESS_DATA, FLAGS_4K_32BIT);

    kernel_tss.ss0 = SELECTOR_KERNEL_DATA;
    kernel_tss.iomap_base = sizeof(struct tss);   /* no I/O bitmap: user port access faults */
    kernel_tss.ldt = 0;                           /* the null LDT, as load_segments() loads */
    gdt_set(GDT_TSS, (uint32_t)&kernel_tss, sizeof(kernel_tss) - 1, ACCESS_PRESENT | ACCESS_TSS, 0);

    /* Read-only, one word: %gs:0 is the running thread's UTCB address (paging.c). */
    gdt_set(GDT_USER_UTCB, UTCB_POINTER_PAGE, 4 - 1, ACCESS_PRESENT | ACCESS_RING3 | ACCESS_SEGMENT, FLAGS_BYTE_32BIT);

    double_fault_tss_init();
    gdt_set(GDT_DOUBLE_FAULT_TSS, (uint32_t)&double_fault_tss, sizeof(double_fault_tss) - 1,
            ACCESS_PRESENT | ACCESS_TSS, 0);

    load_segments();
}

void tss_set_kernel_stack(uint32_t esp0)
{
    kernel_tss.esp0 = esp0;
}

/* The registers at the moment of the double fault, for the dump. */
const struct tss *double_fault_previous_state(void)
{
    return &kernel_tss;
}
