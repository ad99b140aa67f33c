/*
 * libl4_test.c — a root task that tests libl4 against the real kernel:
 * the %gs UTCB accessors, the register-level IPC calls, long messages
 * through struct l4_msg, thread spawning, badged copies, capability
 * inspection and the system information call. Each test creates what it
 * needs in the free slots and destroys it again, so the tests do not depend
 * on each other; after every test the kernel's own accounting check runs.
 */
#include "libl4/l4.h"
#include "libl4/message.h"
#include "libl4/printf.h"
#include "libl4/string.h"
#include "libl4/user_test.h"
#include "libl4/thread_spawn.h"

enum {
    ENDPOINT = BURSAR_SLOT_FIRST_FREE,
    REPLY,
    SERVER_THREAD,
    BADGED_ENDPOINT,
};

#define ECHO_LABEL 0x42
#define SERVER_PRIORITY 100

/* The server thread's stack and UTCB, in this program's own (mapped) bss. */
static char server_stack[4096] __attribute__((aligned(16)));
static struct bursar_utcb server_utcb __attribute__((aligned(BURSAR_UTCB_SIZE)));

/* Answers every message with the same label and each word plus one. */
static void echo_server(void *unused)
{
    struct l4_msg m;
    int error = l4_msg_receive(ENDPOINT, REPLY, &m, BURSAR_TIMEOUT_NEVER);

    (void)unused;
    while (error == 0) {
        for (unsigned i = 0; i < l4_msg_words(&m); i++)
            m.mr[i]++;
        error = l4_msg_reply_wait(ENDPOINT, REPLY, &m, BURSAR_TIMEOUT_NEVER);
    }
    printf("echo server stops: error %d\n", error);
}

/* An endpoint, a reply object and the echo server thread waiting on them. */
static int start_echo_server(void)
{
    struct l4_thread_spec spec = {
        .heap = BURSAR_SLOT_HEAP, .task = BURSAR_SLOT_TASK, .slot = SERVER_THREAD,
        .stack = server_stack, .stack_size = sizeof server_stack,
        .utcb = (uintptr_t)&server_utcb, .priority = SERVER_PRIORITY,
        .entry = echo_server, .argument = 0,
    };
    int error = l4_create(BURSAR_SLOT_HEAP, BURSAR_OBJECT_ENDPOINT, ENDPOINT, 0);

    if (error == 0)
        error = l4_create(BURSAR_SLOT_HEAP, BURSAR_OBJECT_REPLY, REPLY, 0);
    if (error == 0)
        error = l4_thread_spawn(&spec);
    return error;
}

static void stop_echo_server(void)
{
    l4_destroy(SERVER_THREAD);
    l4_cap_delete(SERVER_THREAD);
    l4_destroy(REPLY);
    l4_cap_delete(REPLY);
    l4_destroy(ENDPOINT);
    l4_cap_delete(ENDPOINT);
}

USER_TEST(1, utcb_registers_read_back_through_gs)
{
    for (unsigned i = 0; i < BURSAR_MESSAGE_REGISTERS; i++)
        l4_mr_set(i, 0x5a000000u + i);
    for (unsigned i = 0; i < BURSAR_MESSAGE_REGISTERS; i++)
        TEST_CHECK_EQUAL(l4_mr_get(i), 0x5a000000u + i, "message register");
    l4_set_user_word(0x1234abcdu);
    TEST_CHECK_EQUAL(l4_user_word(), 0x1234abcdu, "user word");
    TEST_CHECK_EQUAL(l4_mr_get(0), 0x5a000000u, "MR0 untouched by the user word");
}

USER_TEST(2, system_info_accounts_for_all_memory)
{
    struct bursar_system_info info;

    TEST_CHECK_EQUAL(l4_system_info(&info), 0, "SYS_SYSTEM_INFO");
    TEST_CHECK(info.usable_frames > 0, "no usable frames");
    TEST_CHECK_EQUAL(info.fixed_reservation_frames + info.heap_frames + info.bank_frames,
                     info.usable_frames, "fixed + heaps + banks = usable");
}

USER_TEST(3, a_new_endpoint_inspects_as_an_endpoint)
{
    struct l4_cap_info cap;

    TEST_CHECK_EQUAL(l4_create(BURSAR_SLOT_HEAP, BURSAR_OBJECT_ENDPOINT, ENDPOINT, 0), 0, "create");
    TEST_CHECK_EQUAL(l4_cap_inspect(ENDPOINT, &cap), 0, "inspect");
    TEST_CHECK_EQUAL(cap.type, BURSAR_OBJECT_ENDPOINT, "type");
    TEST_CHECK_EQUAL(cap.rights, BURSAR_RIGHTS_ALL, "rights");
    TEST_CHECK_EQUAL(l4_destroy(ENDPOINT), 0, "destroy");
    l4_cap_delete(ENDPOINT);
}

USER_TEST(4, receive_with_zero_timeout_and_no_sender_times_out)
{
    uint32_t tag = 0;
    int error;

    TEST_CHECK_EQUAL(l4_create(BURSAR_SLOT_HEAP, BURSAR_OBJECT_ENDPOINT, ENDPOINT, 0), 0, "endpoint");
    TEST_CHECK_EQUAL(l4_create(BURSAR_SLOT_HEAP, BURSAR_OBJECT_REPLY, REPLY, 0), 0, "reply object");
    error = l4_receive(ENDPOINT, REPLY, 0, &tag, 0, 0, BURSAR_TIMEOUT_ZERO);
    l4_destroy(REPLY);
    l4_cap_delete(REPLY);
    l4_destroy(ENDPOINT);
    l4_cap_delete(ENDPOINT);
    TEST_CHECK_EQUAL(error, -BURSAR_E_TIMEOUT, "receive");
}

USER_TEST(5, register_call_reaches_the_server_and_back)
{
    uint32_t tag = BURSAR_TAG(ECHO_LABEL, 2, 0), mr0 = 10, mr1 = 20;
    int error = start_echo_server();

    if (error == 0)
        error = l4_call(ENDPOINT, &tag, &mr0, &mr1, BURSAR_TIMEOUT_NEVER, BURSAR_TIMEOUT_MS(1000));
    stop_echo_server();
    TEST_CHECK_EQUAL(error, 0, "start the server and call it");
    TEST_CHECK_EQUAL(BURSAR_TAG_LABEL(tag), ECHO_LABEL, "reply label");
    TEST_CHECK_EQUAL(BURSAR_TAG_UNTYPED(tag), 2, "reply words");
    TEST_CHECK_EQUAL(mr0, 11, "MR0");
    TEST_CHECK_EQUAL(mr1, 21, "MR1");
}

USER_TEST(6, long_message_round_trip_through_the_utcb)
{
    struct l4_msg m;
    const unsigned words = 40;
    int error = start_echo_server();

    l4_msg_start(&m, ECHO_LABEL);
    for (unsigned i = 0; i < words; i++)
        l4_msg_append(&m, 1000 + i);
    /* Twice, so the second call goes through the server's reply-and-wait. */
    for (int round = 0; round < 2 && error == 0; round++)
        error = l4_msg_call(ENDPOINT, &m, BURSAR_TIMEOUT_NEVER, BURSAR_TIMEOUT_MS(1000));
    stop_echo_server();
    TEST_CHECK_EQUAL(error, 0, "start the server and call it twice");
    TEST_CHECK_EQUAL(l4_msg_label(&m), ECHO_LABEL, "reply label");
    TEST_CHECK_EQUAL(l4_msg_words(&m), words, "reply words");
    for (unsigned i = 0; i < words; i++)
        TEST_CHECK_EQUAL(m.mr[i], 1000 + i + 2, "word");
}

USER_TEST(7, a_full_message_refuses_another_word)
{
    struct l4_msg m;

    l4_msg_start(&m, 1);
    for (unsigned i = 0; i < BURSAR_MESSAGE_REGISTERS; i++)
        TEST_CHECK(l4_msg_append(&m, i), "word %u refused", i);
    TEST_CHECK(!l4_msg_append(&m, 0), "word %u accepted", BURSAR_MESSAGE_REGISTERS);
    TEST_CHECK_EQUAL(l4_msg_words(&m), BURSAR_MESSAGE_REGISTERS, "words");
    TEST_CHECK_EQUAL(l4_msg_label(&m), 1, "label");
}

struct sender_work {
    unsigned endpoint;
    uint32_t marker;
};

/* Leaves a mark where its argument says, then sends one message. */
static void sender(void *argument)
{
    struct sender_work *work = argument;

    work->marker = 0xfeedu;
    l4_send(work->endpoint, BURSAR_TAG(ECHO_LABEL, 1, 0), 7, 0, BURSAR_TIMEOUT_MS(1000));
}

USER_TEST(8, spawned_thread_gets_its_argument_and_sends_with_a_badge)
{
    static struct sender_work work = { BADGED_ENDPOINT, 0 };
    struct l4_thread_spec spec = {
        .heap = BURSAR_SLOT_HEAP, .task = BURSAR_SLOT_TASK, .slot = SERVER_THREAD,
        .stack = server_stack, .stack_size = sizeof server_stack,
        .utcb = (uintptr_t)&server_utcb, .priority = SERVER_PRIORITY,
        .entry = sender, .argument = &work,
    };
    struct l4_cap_info cap = { 0 };
    uint32_t badge = 0, tag = 0, mr0 = 0;
    int error = l4_create(BURSAR_SLOT_HEAP, BURSAR_OBJECT_ENDPOINT, ENDPOINT, 0);

    if (error == 0)
        error = l4_create(BURSAR_SLOT_HEAP, BURSAR_OBJECT_REPLY, REPLY, 0);
    if (error == 0)
        error = l4_cap_copy(ENDPOINT, BADGED_ENDPOINT, BURSAR_RIGHT_WRITE, 0x77);
    if (error == 0)
        error = l4_cap_inspect(BADGED_ENDPOINT, &cap);
    if (error == 0)
        error = l4_thread_spawn(&spec);
    if (error == 0)
        error = l4_receive(ENDPOINT, REPLY, &badge, &tag, &mr0, 0, BURSAR_TIMEOUT_MS(1000));
    l4_destroy(SERVER_THREAD);
    l4_cap_delete(SERVER_THREAD);
    l4_cap_delete(BADGED_ENDPOINT);
    l4_destroy(REPLY);
    l4_cap_delete(REPLY);
    l4_destroy(ENDPOINT);
    l4_cap_delete(ENDPOINT);
    TEST_CHECK_EQUAL(error, 0, "set up, spawn and receive");
    TEST_CHECK_EQUAL(cap.rights, BURSAR_RIGHT_WRITE, "rights of the copy");
    TEST_CHECK_EQUAL(cap.badge, 0x77, "badge of the copy");
    TEST_CHECK_EQUAL(work.marker, 0xfeedu, "the thread's mark");
    TEST_CHECK_EQUAL(badge, 0x77, "badge seen by the receiver");
    TEST_CHECK_EQUAL(BURSAR_TAG_LABEL(tag), ECHO_LABEL, "label");
    TEST_CHECK_EQUAL(mr0, 7, "MR0");
}

/* Runs after every test: whatever a test did, the kernel's books must balance. */
static void check_kernel_accounting(struct test_result *result)
{
    TEST_CHECK_EQUAL(l4_debug_dump(BURSAR_SLOT_DEBUG, BURSAR_DUMP_CHECK, 0), 0,
                     "kernel accounting check after the test");
}

int main(const struct bursar_boot_info *boot_info)
{
    (void)boot_info;
    user_test_after = check_kernel_accounting;
    return user_tests_run_all() ? 0 : 1;
}

/*
 * memcpy, memset and memmove (libl4/string.c: words, then a byte tail) at
 * every alignment of both sides and every size up to 40, against a byte
 * loop: the bytes asked for change as they should, none either side does.
 */
static unsigned char string_area[2][64], string_expected[64];

static void string_fill(void)
{
    for (unsigned i = 0; i < sizeof string_area[0]; i++) {
        string_area[0][i] = (unsigned char)(i * 7 + 1);
        string_area[1][i] = (unsigned char)(0xa0 ^ i);
    }
}

USER_TEST(9, string_functions_copy_and_fill_exactly_what_they_are_asked_at_any_alignment)
{
    for (unsigned to = 0; to < 4; to++)
        for (unsigned from = 0; from < 4; from++)
            for (unsigned size = 0; size <= 40; size++) {
                string_fill();
                for (unsigned i = 0; i < sizeof string_expected; i++)
                    string_expected[i] = string_area[1][i];
                for (unsigned i = 0; i < size; i++)
                    string_expected[8 + to + i] = string_area[0][from + i];
                TEST_CHECK(memcpy(&string_area[1][8 + to], &string_area[0][from], size) == &string_area[1][8 + to],
                           "memcpy's result");
                TEST_CHECK(memcmp(string_area[1], string_expected, sizeof string_expected) == 0,
                           "memcpy of %u bytes, destination +%u, source +%u", size, to, from);
                for (unsigned i = 0; i < size; i++)
                    string_expected[8 + to + i] = 0x5c;
                TEST_CHECK(memset(&string_area[1][8 + to], 0x15c, size) == &string_area[1][8 + to], "memset's result");
                TEST_CHECK(memcmp(string_area[1], string_expected, sizeof string_expected) == 0,
                           "memset of %u bytes at +%u", size, to);
                /* Overlapping, the destination above the source by `from` + 1 bytes (backwards). */
                string_fill();
                for (unsigned i = 0; i < sizeof string_expected; i++)
                    string_expected[i] = string_area[0][i];
                for (unsigned i = 0; i < size; i++)
                    string_expected[to + from + 1 + i] = string_area[0][to + i];
                memmove(&string_area[0][to + from + 1], &string_area[0][to], size);
                TEST_CHECK(memcmp(string_area[0], string_expected, sizeof string_expected) == 0,
                           "memmove of %u bytes from +%u to +%u", size, to, to + from + 1);
            }
}
