/*
 * test_cpu_state.c — CPU state the kernel sets up at boot, checked in the
 * kernel test image, which runs both from -kernel and from a GRUB ISO (so
 * whatever either loader leaves behind is covered). The user-level side of
 * the same checks is in test/vm/user/core/cpu_state.c.
 */
#include "arch/ia32/eflags.h"
#include "arch/ia32/layout.h"
#include "arch/ia32/trap.h"
#include "kernel/machine.h"
#include "test/vm/kernel_test.h"

/* The last LDT entry the CPU's reset LDT (base 0, limit 0xffff) covers. */
#define LDT_LAST_INDEX 8191u
#define LDT_LAST_LINEAR (LDT_LAST_INDEX * 8u)
#define LDT_LAST_SELECTOR (LDT_LAST_INDEX << 3 | 4)

/* lar: whether the descriptor `selector` names is valid and visible here (ZF). */
static bool descriptor_visible(uint32_t selector)
{
    uint8_t visible;
    uint32_t rights;

    __asm__ volatile("larl %2, %1\n\t"
                     "setz %0"
                     : "=q"(visible), "=r"(rights) : "r"(selector) : "cc");
    return visible;
}

/*
 * With no LDT loaded, an LDT selector names nothing. With the reset LDT
 * still in force it names whatever lies at linear 0..0xffff, which is user
 * memory: put a valid descriptor there (through a temporary identity
 * mapping of the first 4 MiB, restored after) and see whether lar finds it.
 */
KERNEL_TEST(801, no_ldt_is_loaded_so_low_linear_memory_holds_no_descriptors)
{
    uint32_t *directory = (uint32_t *)machine_current_page_directory();
    uint32_t saved_entry = directory[0], saved_words[2];
    volatile uint32_t *descriptor = (volatile uint32_t *)LDT_LAST_LINEAR;
    uint16_t ldtr;
    bool visible;

    __asm__ volatile("sldt %0" : "=r"(ldtr));
    TEST_CHECK_EQUAL(ldtr, 0, "LDTR selector");
    TEST_CHECK_EQUAL(saved_entry, 0, "the first 4 MiB of linear memory are unmapped in the kernel");
    directory[0] = PDE_PRESENT | PDE_WRITABLE | PDE_LARGE;
    machine_tlb_flush_page(LDT_LAST_LINEAR);
    saved_words[0] = descriptor[0];
    saved_words[1] = descriptor[1];
    descriptor[0] = 0x0000ffffu;         /* flat ring-3 data */
    descriptor[1] = 0x00cff200u;
    visible = descriptor_visible(LDT_LAST_SELECTOR | 3);
    descriptor[0] = saved_words[0];
    descriptor[1] = saved_words[1];
    directory[0] = saved_entry;
    machine_tlb_flush_page(LDT_LAST_LINEAR);
    TEST_CHECK(!visible, "a descriptor written at linear %x is visible through LDT selector %x", LDT_LAST_LINEAR,
               LDT_LAST_SELECTOR | 3);
}

/*
 * A single-step trap that a user's mov ss (or pop ss) delays past an
 * instruction entering the kernel arrives in ring 0, at the first
 * instruction of that vector's stub (CVE-2018-8897's class: int $0x80,
 * int3, into, any exception). TCG drops such a delayed trap, so no user
 * program here can cause it; this makes the same trap in the kernel. A
 * frame as an interrupt gate would push it (the spurious IRQ 7's, which
 * changes nothing), TF set, and a jump to the stub: the trap comes after
 * the jump, with eip the stub's first instruction. The kernel must take it
 * as the user's, drop it, and let the stub run: before, this was "kernel
 * exception 1 (debug)", a panic a user could cause on real hardware.
 */
KERNEL_TEST(1201, a_single_step_delayed_into_a_kernel_entry_is_dropped_and_the_entry_runs)
{
    uint32_t stub = trap_vector_entries[VECTOR_IRQ_BASE + 7], flags_after;

    for (unsigned v = 0; v < VECTOR_COUNT; v++)
        TEST_CHECK_EQUAL(trap_vector_entries[v], (uint32_t)trap_vector_stubs + v * VECTOR_STUB_SIZE,
                         "where the stubs are");
    __asm__ volatile("pushfl\n\t"
                     "cli\n\t"
                     "pushfl\n\t"                 /* the gate's frame: flags (IF clear), cs, eip */
                     "pushl %%cs\n\t"
                     "pushl $1f\n\t"
                     "pushfl\n\t"
                     "orl %[tf], (%%esp)\n\t"
                     "popfl\n\t"
                     "jmp *%[stub]\n"             /* traps after this jump: at the stub */
                     "1:\n\t"
                     "pushfl\n\t"
                     "popl %[after]\n\t"
                     "popfl"
                     : [after] "=r"(flags_after) : [stub] "r"(stub), [tf] "i"(EFLAGS_TF) : "memory", "cc");
    TEST_CHECK(!(flags_after & EFLAGS_TF), "came back with TF set (flags %x)", flags_after);
}
