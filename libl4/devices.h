/*
 * devices.h — user drivers: IRQ objects, I/O port ranges and port I/O
 * (docs/abi.md, "Devices"). The root task holds the devices capability in
 * BURSAR_SLOT_DEVICES; a driver gets the IRQ object and the port range of
 * its own device, nothing more.
 *
 *     l4_irq_claim(BURSAR_SLOT_DEVICES, 4, heap, irq);   // COM1's line
 *     l4_io_ports_create(BURSAR_SLOT_DEVICES, 0x3f8, 8, heap, ports);   // and its ports
 *     l4_irq_set_endpoint(irq, endpoint, badge);
 *     l4_receive(endpoint, ...)    // tag label BURSAR_LABEL_IRQ, MR0 the line
 *     ... talk to the device with l4_io_port_read / l4_io_port_write on `ports` ...
 *     l4_irq_ack(irq);             // the line is masked until this
 */
#ifndef LIBL4_DEVICES_H
#define LIBL4_DEVICES_H

#include "libl4/l4.h"

static inline int l4_irq_claim(unsigned devices, unsigned line, unsigned heap, unsigned slot)
{
    return l4_sysenter(SYS_IRQ_CLAIM, devices, line, heap, slot);
}

/* endpoint BURSAR_NO_CAPABILITY: deliver nowhere (interrupts wait on the object). */
static inline int l4_irq_set_endpoint(unsigned irq, unsigned endpoint, uint32_t badge)
{
    return l4_sysenter(SYS_IRQ_SET_ENDPOINT, irq, endpoint, badge, 0);
}

static inline int l4_irq_ack(unsigned irq)
{
    return l4_sysenter(SYS_IRQ_ACK, irq, 0, 0, 0);
}

/* Ports first .. first + count - 1 as an object paid by `heap` (CHARGE), its capability in `slot`. */
static inline int l4_io_ports_create(unsigned devices, uint32_t first, uint32_t count, unsigned heap, unsigned slot)
{
    return l4_sysenter(SYS_IO_PORTS_CREATE, devices, BURSAR_IO_PORTS(first, count), heap, slot);
}

/* One byte from `port` (in the range `ports` names; READ) into *value. */
static inline int l4_io_port_read(unsigned ports, uint32_t port, uint8_t *value)
{
    struct l4_words w = { .ebx = ports, .esi = port, .edi = 0 };
    int error = l4_sysenter_inline(SYS_IO_PORT, &w);

    if (!error)
        *value = (uint8_t)w.ebx;
    return error;
}

/* One byte to `port` (in the range `ports` names; WRITE). */
static inline int l4_io_port_write(unsigned ports, uint32_t port, uint8_t value)
{
    return l4_sysenter(SYS_IO_PORT, ports, port, 1, value);
}

#endif /* LIBL4_DEVICES_H */
