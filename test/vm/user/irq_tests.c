/*
 * irq_tests.c — IRQ objects with a real device: the harness types "ab" on
 * the serial line (COM1, line 4) once this program prints "irq: type now",
 * and "c" once it prints "irq: type again".
 * The root task claims the line with its devices capability, the kernel's
 * debug key steps aside, and each interrupt arrives as a message on an
 * endpoint; the driver reads the byte through SYS_IO_PORT with a port range
 * capability for COM1's eight ports, and no others, and acknowledges.
 * A second interrupt is not delivered until the first is acknowledged.
 * After every test: the accounting identity and the kernel's own check.
 */
#include "libl4/devices.h"
#include "libl4/l4.h"
#include "libl4/printf.h"
#include "libl4/user_test.h"
#include "libl4/thread_spawn.h"

enum { ENDPOINT = BURSAR_SLOT_FIRST_FREE, IRQ, SPARE, HEAP, REPLY, CLIENT, SLEEP, COM1_PORTS, READ_ONLY };

#define COM1 0x3f8u
#define COM1_PORT_COUNT 8u
#define COM1_SCRATCH (COM1 + 7)
#define COM1_LINE_STATUS (COM1 + 5)
#define LINE_STATUS_DATA_READY 0x01u
#define SERIAL_LINE 4u
#define BADGE 0x5eu
/*
 * How long to wait for the keys the harness types after a prompt: it reads
 * the prompt and writes them from another process, which a loaded host may
 * hold up for seconds; a wait that long ends only when the keys never come.
 */
#define KEYS_WAIT_MS 30000u

static const struct bursar_boot_info *boot_info;

static void after_test(struct test_result *result)
{
    struct bursar_system_info info;

    l4_destroy(CLIENT);
    l4_cap_delete(CLIENT);
    l4_destroy(REPLY);
    l4_cap_delete(REPLY);
    l4_destroy(SLEEP);
    l4_cap_delete(SLEEP);
    l4_destroy(IRQ);
    l4_cap_delete(IRQ);
    l4_destroy(SPARE);
    l4_cap_delete(SPARE);
    l4_destroy(HEAP);
    l4_cap_delete(HEAP);
    l4_cap_delete(READ_ONLY);
    TEST_CHECK_EQUAL(l4_system_info(&info), 0, "after the test: SYS_SYSTEM_INFO");
    TEST_CHECK(info.fixed_reservation_frames + info.heap_frames + info.bank_frames == info.usable_frames,
               "after the test: the accounting identity");
    TEST_CHECK_EQUAL(l4_debug_dump(BURSAR_SLOT_DEBUG, BURSAR_DUMP_CHECK, 0), 0,
                     "after the test: the kernel's own check");
}

USER_TEST(720, claiming_a_line_is_checked_before_anything_changes)
{
    TEST_CHECK_EQUAL(l4_irq_claim(BURSAR_SLOT_DEVICES, 16, BURSAR_SLOT_HEAP, IRQ), -BURSAR_E_INVALID_ARGUMENT,
                     "no line 16");
    TEST_CHECK_EQUAL(l4_irq_claim(BURSAR_SLOT_DEVICES, 0, BURSAR_SLOT_HEAP, IRQ), -BURSAR_E_INVALID_ARGUMENT,
                     "the timer stays the kernel's");
    TEST_CHECK_EQUAL(l4_irq_claim(BURSAR_SLOT_DEVICES, 2, BURSAR_SLOT_HEAP, IRQ), -BURSAR_E_INVALID_ARGUMENT,
                     "the cascade line");
    TEST_CHECK_EQUAL(l4_irq_claim(BURSAR_SLOT_HEAP, 5, BURSAR_SLOT_HEAP, IRQ), -BURSAR_E_WRONG_TYPE,
                     "a heap capability is no authority over lines");
    TEST_CHECK_EQUAL(l4_irq_claim(BURSAR_SLOT_DEVICES, 5, BURSAR_SLOT_MEMORY, IRQ), -BURSAR_E_WRONG_TYPE,
                     "the payer must be a heap");
    TEST_CHECK_EQUAL(l4_irq_claim(BURSAR_SLOT_DEVICES, 5, BURSAR_SLOT_HEAP, BURSAR_SLOT_TASK),
                     -BURSAR_E_SLOT_IN_USE, "an occupied destination");
    TEST_CHECK_EQUAL(l4_irq_claim(BURSAR_SLOT_DEVICES, 5, BURSAR_SLOT_HEAP, IRQ), 0, "line 5");
    TEST_CHECK_EQUAL(l4_irq_claim(BURSAR_SLOT_DEVICES, 5, BURSAR_SLOT_HEAP, SPARE), -BURSAR_E_BUSY,
                     "a line claimed twice");
    TEST_CHECK_EQUAL(l4_irq_ack(IRQ), -BURSAR_E_NOT_PENDING, "an ack with nothing delivered");
    TEST_CHECK_EQUAL(l4_irq_set_endpoint(IRQ, BURSAR_SLOT_HEAP, 0), -BURSAR_E_WRONG_TYPE, "not an endpoint");
    TEST_CHECK_EQUAL(l4_destroy(BURSAR_SLOT_DEVICES), -BURSAR_E_BUSY, "the devices capability is for good");
    TEST_CHECK_EQUAL(l4_destroy(IRQ), 0, "destroy the IRQ object");
    TEST_CHECK_EQUAL(l4_irq_claim(BURSAR_SLOT_DEVICES, 5, BURSAR_SLOT_HEAP, SPARE), 0, "the line is free again");
}

/* The driver holds COM1's range (made in main) and reaches those eight ports only. */
USER_TEST(721, port_io_goes_through_a_range_and_stays_inside_it)
{
    uint8_t value = 0;

    TEST_CHECK_EQUAL(l4_io_ports_create(BURSAR_SLOT_DEVICES, 0x20, 2, BURSAR_SLOT_HEAP, SPARE), -BURSAR_E_NO_RIGHTS,
                     "the PIC is never given out");
    TEST_CHECK_EQUAL(l4_io_ports_create(BURSAR_SLOT_DEVICES, 0x3c, 8, BURSAR_SLOT_HEAP, SPARE), -BURSAR_E_NO_RIGHTS,
                     "nor the PIT");
    TEST_CHECK_EQUAL(l4_io_ports_create(BURSAR_SLOT_DEVICES, 0xcf8, 8, BURSAR_SLOT_HEAP, SPARE), -BURSAR_E_NO_RIGHTS,
                     "nor the reset control register");
    TEST_CHECK_EQUAL(l4_io_port_read(COM1_PORTS, 0x20, &value), -BURSAR_E_NO_RIGHTS, "the PIC, outside COM1's range");
    TEST_CHECK_EQUAL(l4_io_port_read(COM1_PORTS, 0x64, &value), -BURSAR_E_NO_RIGHTS,
                     "the keyboard controller, outside COM1's range");
    TEST_CHECK_EQUAL(l4_io_port_write(COM1_PORTS, 0x2f8 + 7, 0x5a), -BURSAR_E_NO_RIGHTS, "COM2's scratch register");
    TEST_CHECK_EQUAL(l4_io_port_read(COM1_PORTS, COM1 - 1, &value), -BURSAR_E_NO_RIGHTS, "the port before COM1's");
    TEST_CHECK_EQUAL(l4_io_port_read(COM1_PORTS, COM1 + COM1_PORT_COUNT, &value), -BURSAR_E_NO_RIGHTS,
                     "the port after COM1's");
    TEST_CHECK_EQUAL(l4_io_port_read(COM1_PORTS, 0x10000, &value), -BURSAR_E_INVALID_ARGUMENT, "no such port");
    TEST_CHECK_EQUAL(l4_sysenter(SYS_IO_PORT, COM1_PORTS, COM1_SCRATCH, 2, 0), -BURSAR_E_INVALID_ARGUMENT,
                     "neither read nor write");
    TEST_CHECK_EQUAL(l4_io_port_read(BURSAR_SLOT_DEVICES, COM1_LINE_STATUS, &value), -BURSAR_E_WRONG_TYPE,
                     "the devices capability does no port I/O itself");
    TEST_CHECK_EQUAL(l4_io_port_read(BURSAR_SLOT_HEAP, COM1_LINE_STATUS, &value), -BURSAR_E_WRONG_TYPE,
                     "a heap capability");
    /* COM1's scratch register: what is written is read back. */
    TEST_CHECK_EQUAL(l4_io_port_write(COM1_PORTS, COM1_SCRATCH, 0xa5), 0, "write the scratch register");
    TEST_CHECK_EQUAL(l4_io_port_read(COM1_PORTS, COM1_SCRATCH, &value), 0, "read it back");
    TEST_CHECK_EQUAL(value, 0xa5, "the scratch register");
    /* A read-only copy of the range reads and does not write. */
    TEST_CHECK_EQUAL(l4_cap_copy(COM1_PORTS, READ_ONLY, BURSAR_RIGHT_READ, 0), 0, "a read-only copy");
    TEST_CHECK_EQUAL(l4_io_port_write(READ_ONLY, COM1_SCRATCH, 0x3c), -BURSAR_E_NO_RIGHTS, "a write through it");
    TEST_CHECK_EQUAL(l4_io_port_read(READ_ONLY, COM1_SCRATCH, &value), 0, "a read through it");
    TEST_CHECK_EQUAL(value, 0xa5, "the scratch register, unchanged");
}

/* Wait for the line's interrupt on the endpoint; then the byte it announced. */
static int next_interrupt(unsigned timeout, uint32_t *tag, uint32_t *badge, uint32_t *line)
{
    return l4_receive(ENDPOINT, BURSAR_NO_CAPABILITY, badge, tag, line, 0, timeout);
}

static int read_byte(uint8_t *byte)
{
    uint8_t status = 0;
    int error = l4_io_port_read(COM1_PORTS, COM1_LINE_STATUS, &status);

    if (!error && !(status & LINE_STATUS_DATA_READY))
        return -1;
    return error ? error : l4_io_port_read(COM1_PORTS, COM1, byte);
}

USER_TEST(722, serial_interrupts_arrive_as_messages_and_wait_for_the_ack)
{
    uint32_t tag = 0, badge = 0, line = 0;
    uint8_t first = 0, second = 0;

    TEST_CHECK_EQUAL(l4_irq_claim(BURSAR_SLOT_DEVICES, SERIAL_LINE, BURSAR_SLOT_HEAP, IRQ), 0, "claim COM1's line");
    TEST_CHECK_EQUAL(l4_irq_set_endpoint(IRQ, ENDPOINT, BADGE), 0, "bind it to the endpoint");
    printf("irq: type now\n");
    TEST_CHECK_EQUAL(next_interrupt(BURSAR_TIMEOUT_MS(KEYS_WAIT_MS), &tag, &badge, &line), 0, "the first interrupt");
    TEST_CHECK(BURSAR_TAG_LABEL(tag) == BURSAR_LABEL_IRQ && line == SERIAL_LINE && badge == BADGE,
               "message label %x line %u badge %x", BURSAR_TAG_LABEL(tag), line, badge);
    TEST_CHECK_EQUAL(read_byte(&first), 0, "the byte it announced");
    TEST_CHECK_EQUAL(first, 'a', "the first byte typed");
    /* Reading it let the UART raise the line again if 'b' is there; the kernel keeps it masked. */
    int early = next_interrupt(BURSAR_TIMEOUT_MS(300), &tag, &badge, &line);
    TEST_CHECK_EQUAL(early, -BURSAR_E_TIMEOUT, "nothing more before the ack");
    TEST_CHECK_EQUAL(l4_irq_ack(IRQ), 0, "acknowledge");
    TEST_CHECK_EQUAL(next_interrupt(BURSAR_TIMEOUT_MS(KEYS_WAIT_MS), &tag, &badge, &line), 0, "the second interrupt");
    TEST_CHECK(BURSAR_TAG_LABEL(tag) == BURSAR_LABEL_IRQ && line == SERIAL_LINE, "second message");
    TEST_CHECK_EQUAL(read_byte(&second), 0, "the second byte");
    TEST_CHECK_EQUAL(second, 'b', "the second byte typed");
    TEST_CHECK_EQUAL(l4_irq_ack(IRQ), 0, "acknowledge again");
    TEST_CHECK_EQUAL(l4_irq_ack(IRQ), -BURSAR_E_NOT_PENDING, "an ack too many");
}

/* An IRQ object is paid like any object: destroying its heap destroys it and frees the line. */
USER_TEST(723, destroying_the_heap_that_paid_for_an_irq_object_frees_the_line)
{
    TEST_CHECK_EQUAL(l4_create(BURSAR_SLOT_HEAP, BURSAR_OBJECT_HEAP, HEAP, 0), 0, "a heap");
    TEST_CHECK_EQUAL(l4_heap_donate(HEAP, BURSAR_SLOT_MEMORY, boot_info->free_ranges[0].first_frame, 1), 0,
                     "a page for it");
    TEST_CHECK_EQUAL(l4_irq_claim(BURSAR_SLOT_DEVICES, 5, BURSAR_SLOT_HEAP, SPARE), 0, "line 5, the boot heap pays");
    TEST_CHECK_EQUAL(l4_irq_claim(BURSAR_SLOT_DEVICES, 6, HEAP, IRQ), 0, "line 6, the new heap pays");
    TEST_CHECK_EQUAL(l4_irq_claim(BURSAR_SLOT_DEVICES, 6, BURSAR_SLOT_HEAP, ENDPOINT + 4), -BURSAR_E_BUSY,
                     "line 6 is taken");
    TEST_CHECK_EQUAL(l4_destroy(HEAP), 0, "destroy the heap");
    struct l4_cap_info info = { 0 };
    TEST_CHECK_EQUAL(l4_cap_inspect(IRQ, &info), 0, "inspect");
    TEST_CHECK(info.type == BURSAR_OBJECT_NONE && info.revoked, "the IRQ object went with its heap");
    TEST_CHECK_EQUAL(l4_irq_claim(BURSAR_SLOT_DEVICES, 6, BURSAR_SLOT_HEAP, ENDPOINT + 4), 0, "line 6 is free");
    TEST_CHECK_EQUAL(l4_destroy(ENDPOINT + 4), 0, "destroy that one");
}

/* A thread of this task that calls the endpoint again and again, with CLIENT_LABEL. */
#define CLIENT_LABEL 0x77u
static struct bursar_utcb client_utcb __attribute__((aligned(BURSAR_UTCB_SIZE)));
static char client_stack[4096] __attribute__((aligned(16)));

static void client(void *unused)
{
    uint32_t tag, mr0 = 0, mr1 = 0;

    (void)unused;
    for (;;) {
        tag = BURSAR_TAG(CLIENT_LABEL, 0, 0);
        l4_call(ENDPOINT, &tag, &mr0, &mr1, BURSAR_TIMEOUT_NEVER, BURSAR_TIMEOUT_NEVER);
    }
}

/*
 * A server loop's reply-and-wait must take an interrupt that arrived while
 * it was busy with a call, not wait past it. The client has the server's
 * priority, so the fast path would switch to it if it let the reply through
 * as though the endpoint were idle; the client's next call would then come
 * first. (The interrupt turns the endpoint's queue kind to INTERRUPTS:
 * endpoint.h.)
 */
USER_TEST(724, a_reply_and_wait_takes_an_interrupt_that_came_while_serving_a_call)
{
    struct l4_thread_spec spec = {
        .heap = BURSAR_SLOT_HEAP, .task = BURSAR_SLOT_TASK, .slot = CLIENT,
        .stack = client_stack, .stack_size = sizeof client_stack,
        .utcb = (uintptr_t)&client_utcb, .priority = BURSAR_ROOT_PRIORITY, .entry = client,
    };
    uint32_t tag = 0, badge = 0, mr0 = 0, mr1 = 0;
    uint8_t status = 0, byte = 0;

    TEST_CHECK_EQUAL(l4_create(BURSAR_SLOT_HEAP, BURSAR_OBJECT_REPLY, REPLY, 0), 0, "a reply object");
    TEST_CHECK_EQUAL(l4_create(BURSAR_SLOT_HEAP, BURSAR_OBJECT_ENDPOINT, SLEEP, 0), 0, "an endpoint to sleep on");
    TEST_CHECK_EQUAL(l4_irq_claim(BURSAR_SLOT_DEVICES, SERIAL_LINE, BURSAR_SLOT_HEAP, IRQ), 0, "claim COM1's line");
    TEST_CHECK_EQUAL(l4_irq_set_endpoint(IRQ, ENDPOINT, BADGE), 0, "bind it to the endpoint");
    TEST_CHECK_EQUAL(l4_thread_spawn(&spec), 0, "the client thread");
    TEST_CHECK_EQUAL(l4_receive(ENDPOINT, REPLY, &badge, &tag, &mr0, &mr1, BURSAR_TIMEOUT_NEVER), 0,
                     "the client's call");
    TEST_CHECK_EQUAL(BURSAR_TAG_LABEL(tag), CLIENT_LABEL, "its label");
    printf("irq: type again\n");
    for (unsigned i = 0; i < KEYS_WAIT_MS / 10 && !(status & LINE_STATUS_DATA_READY); i++) {
        TEST_CHECK_EQUAL(l4_io_port_read(COM1_PORTS, COM1_LINE_STATUS, &status), 0, "the line status");
        l4_receive(SLEEP, BURSAR_NO_CAPABILITY, 0, 0, 0, 0, BURSAR_TIMEOUT_MS(10));
    }
    TEST_CHECK(status & LINE_STATUS_DATA_READY, "nothing typed within %u s", KEYS_WAIT_MS / 1000);
    tag = BURSAR_TAG(0, 0, 0);
    TEST_CHECK_EQUAL(l4_reply_wait(ENDPOINT, REPLY, &badge, &tag, &mr0, &mr1, BURSAR_TIMEOUT_NEVER), 0,
                     "reply and wait");
    TEST_CHECK(BURSAR_TAG_LABEL(tag) == BURSAR_LABEL_IRQ && mr0 == SERIAL_LINE && badge == BADGE,
               "the interrupt first: message label %x mr0 %u badge %x", BURSAR_TAG_LABEL(tag), mr0, badge);
    TEST_CHECK_EQUAL(read_byte(&byte), 0, "the byte it announced");
    TEST_CHECK_EQUAL(byte, 'c', "the byte typed");
    TEST_CHECK_EQUAL(l4_irq_ack(IRQ), 0, "acknowledge");
}

int main(const struct bursar_boot_info *boot)
{
    boot_info = boot;
    if (l4_create(BURSAR_SLOT_HEAP, BURSAR_OBJECT_ENDPOINT, ENDPOINT, 0) != 0 ||
        l4_io_ports_create(BURSAR_SLOT_DEVICES, COM1, COM1_PORT_COUNT, BURSAR_SLOT_HEAP, COM1_PORTS) != 0)
        return 1;
    user_test_after = after_test;
    return user_tests_run_all() ? 0 : 1;
}
