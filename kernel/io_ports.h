/*
 * io_ports.h — I/O port range objects: the authority to read or write a
 * run of I/O ports through the kernel (SYS_IO_PORT). Made from the devices
 * capability (SYS_IO_PORTS_CREATE) and paid by a heap like every object, so
 * a driver holds its own device's ports and no others; passed on, narrowed
 * in rights and revoked like any capability. A range never includes a port
 * of the kernel's own machinery (machine_io_ports_grantable).
 */
#ifndef KERNEL_IO_PORTS_H
#define KERNEL_IO_PORTS_H

#include "kernel/object.h"

struct heap;

struct io_ports {
    struct object header;
    uint16_t first;              /* ports first .. first + count - 1 */
    uint16_t count;
};

/* A new range paid by `payer`: INVALID_ARGUMENT (empty, past 0xffff), NO_RIGHTS (a kernel port), OUT_OF_MEMORY. */
int io_ports_create(struct heap *payer, uint32_t first, uint32_t count, struct io_ports **out);
/* Is `port` in the range? */
bool io_ports_cover(const struct io_ports *ports, uint32_t port);
/* SYS_DESTROY (capabilities already revoked). */
void io_ports_destroy(struct io_ports *ports);

#endif /* KERNEL_IO_PORTS_H */
