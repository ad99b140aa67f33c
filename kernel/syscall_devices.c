/*
 * syscall_devices.c — the system calls on devices: IRQ objects, and I/O
 * port ranges and port I/O for drivers.
 */
#include "bursar/errors.h"
#include "bursar/syscall.h"
#include "kernel/cspace.h"
#include "kernel/endpoint.h"
#include "kernel/io_ports.h"
#include "kernel/irq.h"
#include "kernel/machine.h"
#include "kernel/syscall_dispatch.h"
#include "kernel/task.h"
#include "kernel/thread.h"

static struct cspace *own_space(struct thread *caller)
{
    return &caller->task->cspace;
}

/*
 * What SYS_IRQ_CLAIM and SYS_IO_PORTS_CREATE check, in this order, before
 * their object exists: the devices capability (CONTROL, argument 0), the
 * heap that pays (CHARGE, argument 2) and an empty destination slot
 * (argument 3). The slot, with the heap in *heap; NULL and *error if not.
 */
static struct cap_slot *device_object_destination(struct thread *caller, const struct machine_registers *r,
                                                  struct heap **heap, int *error)
{
    struct cap_slot *devices = cspace_lookup(own_space(caller), r->argument[0], BURSAR_OBJECT_DEVICES,
                                             BURSAR_RIGHT_CONTROL, error);
    struct cap_slot *payer = devices ? cspace_lookup(own_space(caller), r->argument[2], BURSAR_OBJECT_HEAP,
                                                     BURSAR_RIGHT_CHARGE, error) : NULL;

    *heap = payer ? (struct heap *)payer->object : NULL;
    return payer ? cspace_empty_slot(own_space(caller), r->argument[3], error) : NULL;
}

int sys_irq_claim(struct thread *caller, const struct machine_registers *r, uint32_t results[4])
{
    int error = BURSAR_OK;
    struct heap *heap;
    struct cap_slot *destination = device_object_destination(caller, r, &heap, &error);
    struct irq *irq;

    (void)results;
    if (!destination)
        return error;
    error = irq_claim(heap, r->argument[1], &irq);
    if (error != BURSAR_OK)
        return error;
    cap_install_root(destination, &irq->header);
    return BURSAR_OK;
}

/*
 * The interrupts' messages carry a badge as if they came through a copy of
 * the endpoint capability: a badged capability's own (badge 0), never
 * another (cap_check_derivation), or a client could make its interrupts
 * messages from another client.
 */
int sys_irq_set_endpoint(struct thread *caller, const struct machine_registers *r, uint32_t results[4])
{
    int error = BURSAR_OK;
    uint32_t badge = r->argument[2];
    struct cap_slot *irq = cspace_lookup(own_space(caller), r->argument[0], BURSAR_OBJECT_IRQ,
                                         BURSAR_RIGHT_CONTROL, &error);
    struct cap_slot *endpoint = NULL;

    (void)results;
    if (!irq)
        return error;
    if (r->argument[1] != BURSAR_NO_CAPABILITY) {
        endpoint = cspace_lookup(own_space(caller), r->argument[1], BURSAR_OBJECT_ENDPOINT, BURSAR_RIGHT_WRITE,
                                 &error);
        if (!endpoint)
            return error;
        error = cap_check_derivation(endpoint, endpoint->holder.rights, badge);
        if (error != BURSAR_OK)
            return error;
        badge = badge ? badge : endpoint->badge;
    }
    irq_set_endpoint((struct irq *)irq->object, endpoint ? (struct endpoint *)endpoint->object : NULL, badge);
    return BURSAR_OK;
}

int sys_irq_ack(struct thread *caller, const struct machine_registers *r, uint32_t results[4])
{
    int error = BURSAR_OK;
    struct cap_slot *irq = cspace_lookup(own_space(caller), r->argument[0], BURSAR_OBJECT_IRQ,
                                         BURSAR_RIGHT_CONTROL, &error);

    (void)results;
    return irq ? irq_acknowledge((struct irq *)irq->object) : error;
}

int sys_io_ports_create(struct thread *caller, const struct machine_registers *r, uint32_t results[4])
{
    int error = BURSAR_OK;
    struct heap *heap;
    struct cap_slot *destination = device_object_destination(caller, r, &heap, &error);
    struct io_ports *ports;

    (void)results;
    if (!destination)
        return error;
    error = io_ports_create(heap, BURSAR_IO_PORTS_FIRST(r->argument[1]),
                            BURSAR_IO_PORTS_COUNT(r->argument[1]), &ports);
    if (error != BURSAR_OK)
        return error;
    cap_install_root(destination, &ports->header);
    return BURSAR_OK;
}

/* A read needs the range's READ right, a write its WRITE right; the port must be in the range. */
int sys_io_port(struct thread *caller, const struct machine_registers *r, uint32_t results[4])
{
    int error = BURSAR_OK;
    uint32_t port = r->argument[1], write = r->argument[2], value = r->argument[3];
    struct cap_slot *ports = cspace_lookup(own_space(caller), r->argument[0], BURSAR_OBJECT_IO_PORTS,
                                           write == 1 ? BURSAR_RIGHT_WRITE : BURSAR_RIGHT_READ, &error);

    if (!ports)
        return error;
    if (write > 1 || port > 0xffff || (write && value > 0xff))
        return -BURSAR_E_INVALID_ARGUMENT;
    if (!io_ports_cover((struct io_ports *)ports->object, port) || !machine_io_port_allowed(port, 1))
        return -BURSAR_E_NO_RIGHTS;              /* outside the range (never the kernel's own ports) */
    if (write)
        machine_io_port_write(port, 1, value);
    else
        results[0] = machine_io_port_read(port, 1);
    return BURSAR_OK;
}
