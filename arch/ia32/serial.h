/* serial.h — COM1 console line. */
#ifndef ARCH_IA32_SERIAL_H
#define ARCH_IA32_SERIAL_H

void serial_init(void);
void serial_putc(char c);
void serial_enable_receive_interrupt(void);
/* A received byte, or -1 when none is waiting. */
int serial_getc_nonblocking(void);

#endif
