/*
 * serial.c — COM1 at 115200 8N1, polled. The console, the test protocol and
 * the debug console all run over this one line.
 */
#include "arch/ia32/serial.h"
#include "arch/ia32/x86.h"

#define COM1 0x3f8

enum {
    UART_DATA = 0, UART_INTERRUPT_ENABLE = 1, UART_FIFO_CONTROL = 2,
    UART_LINE_CONTROL = 3, UART_MODEM_CONTROL = 4, UART_LINE_STATUS = 5,
};
#define LINE_STATUS_DATA_READY  0x01
#define LINE_STATUS_TX_EMPTY    0x20
#define LINE_CONTROL_DLAB       0x80

void serial_init(void)
{
    outb(COM1 + UART_INTERRUPT_ENABLE, 0x00);
    outb(COM1 + UART_LINE_CONTROL, LINE_CONTROL_DLAB);
    outb(COM1 + UART_DATA, 1);                 /* divisor 1: 115200 baud */
    outb(COM1 + UART_INTERRUPT_ENABLE, 0x00);
    outb(COM1 + UART_LINE_CONTROL, 0x03);      /* 8 bits, no parity, 1 stop */
    outb(COM1 + UART_FIFO_CONTROL, 0xc7);      /* FIFO on, cleared */
    outb(COM1 + UART_MODEM_CONTROL, 0x03);
}

void serial_putc(char c)
{
    if (c == '\n')
        serial_putc('\r');
    while (!(inb(COM1 + UART_LINE_STATUS) & LINE_STATUS_TX_EMPTY))
        ;
    outb(COM1 + UART_DATA, (uint8_t)c);
}

void serial_enable_receive_interrupt(void)
{
    outb(COM1 + UART_INTERRUPT_ENABLE, 0x01);   /* data available */
    outb(COM1 + UART_MODEM_CONTROL, 0x0b);      /* OUT2 gates the interrupt line */
}

int serial_getc_nonblocking(void)
{
    if (!(inb(COM1 + UART_LINE_STATUS) & LINE_STATUS_DATA_READY))
        return -1;
    return inb(COM1 + UART_DATA);
}
