/* pic.h — the two cascaded 8259A interrupt controllers. */
#ifndef ARCH_IA32_PIC_H
#define ARCH_IA32_PIC_H

#include <stdbool.h>

void pic_init(void);                  /* remap IRQs to VECTOR_IRQ_BASE, all masked */
void pic_unmask(unsigned irq);
void pic_mask(unsigned irq);
void pic_end_of_interrupt(unsigned irq);
/* IRQ 7 and 15 fire spuriously; they must not be acknowledged. */
bool pic_is_spurious(unsigned irq);

#endif
