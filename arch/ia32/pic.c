/*
 * pic.c — the legacy 8259A pair. Remapped so IRQ 0..15 land on vectors
 * 32..47, clear of the CPU exceptions; every line starts masked and is
 * unmasked when a handler registers.
 */
#include "arch/ia32/pic.h"
#include "arch/ia32/trap.h"
#include "arch/ia32/x86.h"

#define PIC_MASTER_COMMAND 0x20
#define PIC_MASTER_DATA    0x21
#define PIC_SLAVE_COMMAND  0xa0
#define PIC_SLAVE_DATA     0xa1
#define PIC_EOI            0x20
#define PIC_READ_ISR       0x0b
#define PIC_CASCADE_IRQ    2

static uint16_t irq_mask = 0xffff;

static void pic_write_mask(void)
{
    outb(PIC_MASTER_DATA, irq_mask & 0xff);
    outb(PIC_SLAVE_DATA, irq_mask >> 8);
}

void pic_init(void)
{
    outb(PIC_MASTER_COMMAND, 0x11);               /* ICW1: init, expect ICW4 */
    outb(PIC_SLAVE_COMMAND, 0x11);
    outb(PIC_MASTER_DATA, VECTOR_IRQ_BASE);       /* ICW2: vector offsets */
    outb(PIC_SLAVE_DATA, VECTOR_IRQ_BASE + 8);
    outb(PIC_MASTER_DATA, 1 << PIC_CASCADE_IRQ);  /* ICW3: slave on IRQ 2 */
    outb(PIC_SLAVE_DATA, PIC_CASCADE_IRQ);
    outb(PIC_MASTER_DATA, 0x01);                  /* ICW4: 8086 mode */
    outb(PIC_SLAVE_DATA, 0x01);
    irq_mask = (uint16_t)~(1u << PIC_CASCADE_IRQ);   /* only the cascade line open */
    pic_write_mask();
}

void pic_unmask(unsigned irq)
{
    irq_mask &= (uint16_t)~(1u << irq);
    if (irq >= 8)
        irq_mask &= (uint16_t)~(1u << PIC_CASCADE_IRQ);
    pic_write_mask();
}

void pic_mask(unsigned irq)
{
    irq_mask |= (uint16_t)(1u << irq);
    pic_write_mask();
}

void pic_end_of_interrupt(unsigned irq)
{
    if (irq >= 8)
        outb(PIC_SLAVE_COMMAND, PIC_EOI);
    outb(PIC_MASTER_COMMAND, PIC_EOI);
}

static uint8_t pic_in_service(uint16_t command_port)
{
    outb(command_port, PIC_READ_ISR);
    return inb(command_port);
}

bool pic_is_spurious(unsigned irq)
{
    if (irq == 7)
        return !(pic_in_service(PIC_MASTER_COMMAND) & 0x80);
    if (irq == 15 && !(pic_in_service(PIC_SLAVE_COMMAND) & 0x80)) {
        outb(PIC_MASTER_COMMAND, PIC_EOI);        /* the master did see the cascade */
        return true;
    }
    return false;
}
