/*
 * test_cpu_state.c — CPU state the kernel sets up at boot, checked in the
 * kernel test image, which runs both from -kernel and from a GRUB ISO (so
 * whatever either loader leaves behind is covered). The user-level side of
 * the same checks is in test/vm/user/core/cpu_state.c.
 */
#include "arch/ia32/layout.h"
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
