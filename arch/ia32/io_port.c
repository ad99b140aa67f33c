/*
 * io_port.c — port I/O done by the kernel for a holder of an I/O port
 * range capability (SYS_IO_PORT), one byte at a time. The ports of the
 * kernel's own machinery stay the kernel's and are never in a range: the
 * two PICs (and their edge/level registers), the PIT, QEMU's debug-exit
 * port, and the two that could pull the machine from under the kernel:
 * system control port A (0x92: A20, which the kernel's memory relies on,
 * and a fast reset) and the reset control register (0xcf9).
 */
#include "arch/ia32/x86.h"
#include "bursar/console_protocol.h"
#include "kernel/machine.h"

struct port_range {
    uint32_t first, last;
};

static const struct port_range kernel_ports[] = {
    { 0x20, 0x21 }, { 0xa0, 0xa1 }, { 0x4d0, 0x4d1 },      /* PICs */
    { 0x40, 0x43 },                                       /* PIT */
    { BURSAR_DEBUG_EXIT_PORT, BURSAR_DEBUG_EXIT_PORT + 3 },
    { 0x92, 0x92 },                                       /* system control port A */
    { 0xcf9, 0xcf9 },                                     /* reset control */
};

bool machine_io_port_allowed(uint32_t port, uint32_t width)
{
    if (width != 1 || port > 0xffff)
        return false;
    for (unsigned i = 0; i < sizeof kernel_ports / sizeof kernel_ports[0]; i++)
        if (port >= kernel_ports[i].first && port <= kernel_ports[i].last)
            return false;
    return true;
}

bool machine_io_ports_grantable(uint32_t first, uint32_t count)
{
    uint32_t last = first + count - 1;

    for (unsigned i = 0; i < sizeof kernel_ports / sizeof kernel_ports[0]; i++)
        if (first <= kernel_ports[i].last && kernel_ports[i].first <= last)
            return false;
    return true;
}

uint32_t machine_io_port_read(uint32_t port, uint32_t width)
{
    (void)width;
    return inb((uint16_t)port);
}

void machine_io_port_write(uint32_t port, uint32_t width, uint32_t value)
{
    (void)width;
    outb((uint16_t)port, (uint8_t)value);
}
