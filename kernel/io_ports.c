/*
 * io_ports.c — I/O port range objects (io_ports.h). The range is fixed
 * when the object is made; everything else about who may use it is the
 * capability's business (rights, revocation, the payer's reclaim).
 */
#include "bursar/errors.h"
#include "kernel/heap.h"
#include "kernel/io_ports.h"
#include "kernel/machine.h"

#define PORT_SPACE 0x10000u

int io_ports_create(struct heap *payer, uint32_t first, uint32_t count, struct io_ports **out)
{
    struct io_ports *ports;

    if (count == 0 || first >= PORT_SPACE || count > PORT_SPACE - first)
        return -BURSAR_E_INVALID_ARGUMENT;
    if (!machine_io_ports_grantable(first, count))
        return -BURSAR_E_NO_RIGHTS;             /* the kernel's own machinery is never given out */
    ports = heap_allocate(payer, BURSAR_HEAP_IO_PORTS);
    if (!ports)
        return -BURSAR_E_OUT_OF_MEMORY;
    *ports = (struct io_ports){ .first = (uint16_t)first, .count = (uint16_t)count };
    object_init(&ports->header, payer, BURSAR_OBJECT_IO_PORTS);
    *out = ports;
    return BURSAR_OK;
}

bool io_ports_cover(const struct io_ports *ports, uint32_t port)
{
    return port >= ports->first && port - ports->first < ports->count;
}

void io_ports_destroy(struct io_ports *ports)
{
    heap_free(ports);
}
