/*
 * authority_ports.c — I/O port ranges (docs/abi.md §6, "Devices")
 * [860-862]: made from the devices capability and paid by a heap the
 * caller names, never covering a port of the kernel's own; SYS_IO_PORT
 * through a range reaches its ports only, READ to read and WRITE to write;
 * passed on, revoked and destroyed like any capability, and reclaimed with
 * the heap that paid for it. The only port touched is COM1's scratch
 * register, which nothing else uses.
 */
#include "authority.h"
#include "proxy.h"
#include "transfer.h"

#include "libl4/devices.h"
#include "libl4/string.h"

#define COM1 0x3f8u
#define COM1_PORTS 8u
#define COM1_SCRATCH (COM1 + 7)

USER_TEST(860, port_ranges_come_from_the_devices_capability_and_never_cover_the_kernels_ports)
{
    unsigned heap = core_slot(), ports = core_slot(), spare = core_slot(), weak_devices = core_slot();
    unsigned no_charge = core_slot();
    struct l4_cap_info cap;
    static const struct {
        const char *what;
        uint32_t first, count;
        int error;
    } ranges[] = {
        { "an empty range", COM1, 0, BURSAR_E_INVALID_ARGUMENT },
        { "past port 0xffff", 0xfff8, 9, BURSAR_E_INVALID_ARGUMENT },
        { "the whole port space", 0, 0xffff, BURSAR_E_NO_RIGHTS },
        { "the master PIC", 0x20, 1, BURSAR_E_NO_RIGHTS },
        { "the slave PIC's last port", 0xa1, 1, BURSAR_E_NO_RIGHTS },
        { "a range ending in the PIT", 0x30, 0x11, BURSAR_E_NO_RIGHTS },
        { "the edge/level registers", 0x4d1, 4, BURSAR_E_NO_RIGHTS },
        { "QEMU's debug exit", 0xf0, 8, BURSAR_E_NO_RIGHTS },
        { "system control port A (A20, fast reset)", 0x90, 4, BURSAR_E_NO_RIGHTS },
        { "the reset control register", 0xcf8, 8, BURSAR_E_NO_RIGHTS },
    };

    TEST_CHECK_EQUAL(core_heap_create(heap, 1), 0, "a heap");
    for (unsigned i = 0; i < sizeof ranges / sizeof ranges[0]; i++)
        authority_refused(result, ranges[i].what, SYS_IO_PORTS_CREATE, BURSAR_SLOT_DEVICES,
                          BURSAR_IO_PORTS(ranges[i].first, ranges[i].count), heap, spare, ranges[i].error, heap);
    TEST_CHECK_EQUAL(l4_cap_copy(BURSAR_SLOT_DEVICES, weak_devices, BURSAR_RIGHT_READ, 0), 0,
                     "devices without CONTROL");
    TEST_CHECK_EQUAL(l4_cap_copy(heap, no_charge, BURSAR_RIGHT_CONTROL | BURSAR_RIGHT_READ, 0), 0, "heap, no CHARGE");
    authority_refused(result, "devices without CONTROL", SYS_IO_PORTS_CREATE, weak_devices,
                      BURSAR_IO_PORTS(COM1, COM1_PORTS), heap, spare, BURSAR_E_NO_RIGHTS, heap);
    authority_refused(result, "a heap capability for devices", SYS_IO_PORTS_CREATE, heap,
                      BURSAR_IO_PORTS(COM1, COM1_PORTS), heap, spare, BURSAR_E_WRONG_TYPE, heap);
    authority_refused(result, "a heap without CHARGE", SYS_IO_PORTS_CREATE, BURSAR_SLOT_DEVICES,
                      BURSAR_IO_PORTS(COM1, COM1_PORTS), no_charge, spare, BURSAR_E_NO_RIGHTS, heap);
    authority_refused(result, "an occupied destination", SYS_IO_PORTS_CREATE, BURSAR_SLOT_DEVICES,
                      BURSAR_IO_PORTS(COM1, COM1_PORTS), heap, heap, BURSAR_E_SLOT_IN_USE, heap);

    TEST_CHECK_EQUAL(l4_io_ports_create(BURSAR_SLOT_DEVICES, COM1, COM1_PORTS, heap, ports), 0, "COM1's range");
    TEST_CHECK_EQUAL(heap_live(heap, BURSAR_HEAP_IO_PORTS), 1, "paid by the heap named");
    TEST_CHECK_EQUAL(l4_cap_inspect(ports, &cap), 0, "inspect");
    TEST_CHECK(cap.type == BURSAR_OBJECT_IO_PORTS && cap.rights == BURSAR_RIGHTS_ALL, "type %u rights %x", cap.type,
               cap.rights);
    TEST_CHECK_EQUAL(l4_io_ports_create(BURSAR_SLOT_DEVICES, 0, 0x20, heap, spare), 0,
                     "a range right up to the PIC's first port");
    TEST_CHECK_EQUAL(l4_io_ports_create(BURSAR_SLOT_DEVICES, 0xd00, 0xf300, heap, core_slot()), 0,
                     "the ports above the reset control register, to the last");
}

USER_TEST(861, a_port_range_reaches_its_own_ports_only)
{
    static struct proxy driver;
    unsigned ports = core_slot(), read_only = core_slot(), write_only = core_slot(), given = core_slot();
    uint8_t value = 0;
    struct l4_words out;

    TEST_CHECK_EQUAL(l4_io_ports_create(BURSAR_SLOT_DEVICES, COM1, COM1_PORTS, BURSAR_SLOT_HEAP, ports), 0, "COM1");
    TEST_CHECK_EQUAL(l4_io_port_read(BURSAR_SLOT_DEVICES, COM1_SCRATCH, &value), -BURSAR_E_WRONG_TYPE,
                     "the devices capability does no port I/O itself");
    TEST_CHECK_EQUAL(l4_io_port_write(ports, COM1_SCRATCH, 0x6b), 0, "write COM1's scratch register");
    TEST_CHECK_EQUAL(l4_io_port_read(ports, COM1_SCRATCH, &value), 0, "read it");
    TEST_CHECK_EQUAL(value, 0x6b, "what was written");
    TEST_CHECK_EQUAL(l4_io_port_read(ports, COM1 - 1, &value), -BURSAR_E_NO_RIGHTS, "the port below the range");
    TEST_CHECK_EQUAL(l4_io_port_read(ports, COM1 + COM1_PORTS, &value), -BURSAR_E_NO_RIGHTS, "the port above it");
    TEST_CHECK_EQUAL(l4_io_port_read(ports, 0x64, &value), -BURSAR_E_NO_RIGHTS, "the keyboard controller");
    TEST_CHECK_EQUAL(l4_io_port_read(ports, 0x20, &value), -BURSAR_E_NO_RIGHTS, "the PIC");
    /* Rights: READ reads, WRITE writes. */
    TEST_CHECK_EQUAL(l4_cap_copy(ports, read_only, BURSAR_RIGHT_READ, 0), 0, "read only");
    TEST_CHECK_EQUAL(l4_cap_copy(ports, write_only, BURSAR_RIGHT_WRITE, 0), 0, "write only");
    TEST_CHECK_EQUAL(l4_io_port_write(read_only, COM1_SCRATCH, 0x11), -BURSAR_E_NO_RIGHTS, "a write without WRITE");
    TEST_CHECK_EQUAL(l4_io_port_read(write_only, COM1_SCRATCH, &value), -BURSAR_E_NO_RIGHTS, "a read without READ");
    TEST_CHECK_EQUAL(l4_io_port_write(write_only, COM1_SCRATCH, 0x22), 0, "a write with WRITE");
    TEST_CHECK_EQUAL(l4_io_port_read(read_only, COM1_SCRATCH, &value), 0, "a read with READ");
    TEST_CHECK_EQUAL(value, 0x22, "the write-only copy's byte");
    /* A driver in another task gets a revocable copy; the revoke and the destroy take it back. */
    TEST_CHECK_EQUAL(proxy_start(&driver, 0), 0, "the driver's task");
    TEST_CHECK_EQUAL(l4_cap_transfer(ports, BURSAR_OWN_TASK, given, BURSAR_RIGHT_READ | BURSAR_RIGHT_GRANT,
                                     BURSAR_REVOCABLE_COPY, 0), 0, "a revocable read-only copy");
    TEST_CHECK_EQUAL(proxy_give(&driver, given, PROXY_FIRST_FREE, BURSAR_RIGHT_READ), 0, "given to the driver");
    TEST_CHECK_EQUAL(proxy_syscall(&driver, SYS_IO_PORT, PROXY_FIRST_FREE, COM1_SCRATCH, 0, 0, &out), 0,
                     "the driver reads");
    TEST_CHECK_EQUAL(out.ebx, 0x22, "the byte the driver read");
    TEST_CHECK_EQUAL(proxy_syscall(&driver, SYS_IO_PORT, PROXY_FIRST_FREE, COM1_SCRATCH, 1, 0x33, 0),
                     -BURSAR_E_NO_RIGHTS, "the driver writes without WRITE");
    TEST_CHECK_EQUAL(l4_cap_revoke(ports), 0, "revoke what was derived");
    TEST_CHECK_EQUAL(proxy_syscall(&driver, SYS_IO_PORT, PROXY_FIRST_FREE, COM1_SCRATCH, 0, 0, 0),
                     -BURSAR_E_REVOKED, "the driver's copy after the revoke");
    TEST_CHECK_EQUAL(l4_destroy(ports), 0, "destroy the range");
    TEST_CHECK_EQUAL(l4_io_port_read(read_only, COM1_SCRATCH, &value), -BURSAR_E_REVOKED, "a COPY after the destroy");
}

USER_TEST(862, a_port_range_goes_with_the_heap_that_paid_for_it)
{
    unsigned heap = core_slot(), ports = core_slot();
    struct bursar_reclaim_info reclaim;
    uint8_t value = 0;

    TEST_CHECK_EQUAL(core_heap_create(heap, 1), 0, "a heap of one page");
    TEST_CHECK_EQUAL(l4_io_ports_create(BURSAR_SLOT_DEVICES, COM1, COM1_PORTS, heap, ports), 0, "COM1's range");
    TEST_CHECK_EQUAL(l4_heap_reclaim(heap, 1, &reclaim), 0, "the payer reclaims the page");
    TEST_CHECK(reclaim.pages_reclaimed == 1 && reclaim.destroyed_by_type[BURSAR_HEAP_IO_PORTS] == 1,
               "reclaimed %u pages, %u port ranges destroyed", reclaim.pages_reclaimed,
               reclaim.destroyed_by_type[BURSAR_HEAP_IO_PORTS]);
    TEST_CHECK_EQUAL(l4_io_port_read(ports, COM1_SCRATCH, &value), -BURSAR_E_REVOKED, "the range's capability");
}
