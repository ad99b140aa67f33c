/*
 * misbehaving.c — clients that break the protocol, and what the server
 * loop does about them (ids 940-949): every malformed request gets its
 * documented error without a handler call, whatever it brought is cleared
 * out of the windows, a reply the client refuses becomes an error reply,
 * a client killed mid-call or a thread the kernel calls for (a page fault
 * sent to the server) stop nothing, and after each the server still
 * answers correctly.
 */
#include "probe.h"

#include "bursar/fault.h"
#include "libl4/printf.h"
#include "libl4/string.h"

static struct probe probe;

#define START_PROBE(frames) TEST_CHECK_EQUAL(probe_start(&probe, (frames)), 0, "start the probe server")

/* A hand-made request; the reply replaces *m. Never waits for good on a broken server. */
static int request(struct l4_msg *m)
{
    return l4_rpc(probe.client, m, BURSAR_TIMEOUT_MS(2000), BURSAR_TIMEOUT_MS(2000));
}

/* The server still adds correctly. */
static bool still_serving(void)
{
    uint32_t sum = 0;

    return probe_add_timed(probe.client, BURSAR_TIMEOUT_MS(2000), BURSAR_TIMEOUT_MS(2000), 20, 22, &sum) == 0 &&
           sum == 42;
}

/* Each malformed request: its label, its words, its items (kind, mode, rights) and the error it must get. */
struct malformed {
    const char *what;
    unsigned label, words;
    unsigned items;
    unsigned kind[2], mode[2], rights[2];
    int error;
};

#define CAP BURSAR_ITEM_CAPABILITY
#define MEM BURSAR_ITEM_MEMORY
#define R BURSAR_RIGHT_READ
#define W BURSAR_RIGHT_WRITE
#define G BURSAR_RIGHT_GRANT

static const struct malformed malformed[] = {
    { "a label of no operation", 99, 2, 0, {0}, {0}, {0}, -BURSAR_E_UNKNOWN_OPERATION },
    { "the kernel's page-fault label", BURSAR_LABEL_PAGE_FAULT, 3, 0, {0}, {0}, {0}, -BURSAR_E_UNKNOWN_OPERATION },
    { "an operation with no handler", PROBE_LABEL_MISSING, 0, 0, {0}, {0}, {0}, -BURSAR_E_UNKNOWN_OPERATION },
    { "too few words", PROBE_LABEL_ADD, 1, 0, {0}, {0}, {0}, -BURSAR_E_INVALID_MESSAGE },
    { "too many words", PROBE_LABEL_ADD, 3, 0, {0}, {0}, {0}, -BURSAR_E_INVALID_MESSAGE },
    { "too few words past MR1", PROBE_LABEL_SUM, 9, 0, {0}, {0}, {0}, -BURSAR_E_INVALID_MESSAGE },
    { "a missing item", PROBE_LABEL_CAP_COPY, 0, 0, {0}, {0}, {0}, -BURSAR_E_INVALID_MESSAGE },
    { "a word instead of the item", PROBE_LABEL_CAP_COPY, 1, 0, {0}, {0}, {0}, -BURSAR_E_INVALID_MESSAGE },
    { "an extra capability item", PROBE_LABEL_ADD, 2, 1, {CAP}, {BURSAR_COPY}, {W}, -BURSAR_E_INVALID_MESSAGE },
    { "an extra memory item", PROBE_LABEL_WHOAMI, 0, 1, {MEM}, {BURSAR_COPY}, {R}, -BURSAR_E_INVALID_MESSAGE },
    { "memory where a capability goes", PROBE_LABEL_CAP_COPY, 0, 1, {MEM}, {BURSAR_COPY}, {R},
      -BURSAR_E_INVALID_MESSAGE },
    { "a capability where memory goes", PROBE_LABEL_MEM_COPY, 0, 1, {CAP}, {BURSAR_COPY}, {W | G},
      -BURSAR_E_INVALID_MESSAGE },
    { "the wrong mode (revocable for copy)", PROBE_LABEL_CAP_COPY, 0, 1, {CAP}, {BURSAR_REVOCABLE_COPY}, {W | G},
      -BURSAR_E_INVALID_MESSAGE },
    { "the wrong mode (copy for grant)", PROBE_LABEL_MEM_GRANT, 0, 1, {MEM}, {BURSAR_COPY}, {R | W},
      -BURSAR_E_INVALID_MESSAGE },
    { "too few rights on a capability", PROBE_LABEL_CAP_COPY, 0, 1, {CAP}, {BURSAR_COPY}, {W},
      -BURSAR_E_INVALID_MESSAGE },
    { "too few rights on memory", PROBE_LABEL_MEM_REVOCABLE, 0, 1, {MEM}, {BURSAR_REVOCABLE_COPY}, {R},
      -BURSAR_E_INVALID_MESSAGE },
    { "items in the wrong order", PROBE_LABEL_MIXED, 2, 2, {MEM, CAP}, {BURSAR_COPY, BURSAR_COPY}, {R, W},
      -BURSAR_E_INVALID_MESSAGE },
    /* The server's window has one capability slot: the kernel refuses a second item to the sender. */
    { "more capability items than the window", PROBE_LABEL_CAP_COPY, 0, 2, {CAP, CAP},
      {BURSAR_COPY, BURSAR_COPY}, {W | G, W | G}, -BURSAR_E_NO_RECEIVE_WINDOW },
};

/* Builds one of the above: words 1, 2, ...; items from `endpoint` and `page`. */
static void build(struct l4_msg *m, const struct malformed *c, unsigned endpoint, uintptr_t page)
{
    l4_msg_start(m, c->label);
    for (unsigned w = 0; w < c->words; w++)
        l4_msg_append(m, w + 1);
    for (unsigned i = 0; i < c->items; i++) {
        if (c->kind[i] == CAP)
            l4_msg_append_capability(m, endpoint, c->rights[i], c->mode[i], 0);
        else
            l4_msg_append_memory(m, page + 4096 * i, 12, c->rights[i], c->mode[i]);
    }
}

USER_TEST(940, each_malformed_request_gets_its_error_and_no_handler_call)
{
    unsigned endpoint = core_slot();
    uintptr_t page, second;
    uint32_t frame, calls, type, rights, first, address;
    struct bursar_heap_info before, after;
    unsigned count = sizeof malformed / sizeof malformed[0], kernel_refused = 0;

    START_PROBE(16);
    TEST_CHECK_EQUAL(l4_create(BURSAR_SLOT_HEAP, BURSAR_OBJECT_ENDPOINT, endpoint, 0), 0, "an endpoint");
    TEST_CHECK_EQUAL(core_map_fresh_page(&page, &frame), 0, "a page");
    TEST_CHECK_EQUAL(core_map_fresh_page(&second, &frame), 0, "the page after it");
    TEST_CHECK(still_serving(), "serving before");
    TEST_CHECK_EQUAL(l4_heap_info(probe.heap, &before), 0, "the server's heap before");
    calls = probe_shared.state.calls;
    for (unsigned i = 0; i < count; i++) {
        struct l4_msg m;
        build(&m, &malformed[i], endpoint, page);
        TEST_CHECK(request(&m) == malformed[i].error, "%s: got %s, expected %s", malformed[i].what,
                   l4_error_name(request(&m)), l4_error_name(malformed[i].error));
        TEST_CHECK(probe_shared.state.calls == calls, "%s: a handler was called", malformed[i].what);
        if (malformed[i].error == -BURSAR_E_NO_RECEIVE_WINDOW)
            kernel_refused++;
        TEST_CHECK(still_serving(), "%s: the server no longer adds", malformed[i].what);
        calls = probe_shared.state.calls;
    }
    /* Each reached the server but those the kernel refused. */
    TEST_CHECK_EQUAL(probe_shared.server.stats.malformed, count - kernel_refused, "malformed requests seen");
    /* Nothing stayed in the windows: a capability and a page land where the malformed ones had. */
    TEST_CHECK_EQUAL(probe_cap_copy(probe.client, endpoint, &type, &rights), 0, "the capability window is empty");
    TEST_CHECK_EQUAL(probe_mem_copy(probe.client, page, 12, &first, &address), 0, "the memory window is empty");
    TEST_CHECK_EQUAL(l4_heap_info(probe.heap, &after), 0, "the server's heap after");
    TEST_CHECK_EQUAL(after.live_by_type[BURSAR_HEAP_RECORD], before.live_by_type[BURSAR_HEAP_RECORD],
                     "every record the items cost the server came back");
    TEST_CHECK_EQUAL(probe_shared.state.garbage, 0, "garbage seen by handlers");
}

USER_TEST(941, a_reply_the_client_refuses_becomes_an_error_reply)
{
    struct l4_msg m;

    START_PROBE(16);
    /* give_copy answers with a capability; this client opened no window for it. */
    l4_set_receive_windows(0, 0, 0, 0);
    l4_msg_start(&m, PROBE_LABEL_GIVE_COPY);
    TEST_CHECK_EQUAL(request(&m), -BURSAR_E_NO_RECEIVE_WINDOW, "the refusal, as the server's error reply");
    TEST_CHECK(still_serving(), "the server serves on");
    /* Counted after the error reply went (and this thread ran first): read it after the next request. */
    TEST_CHECK_EQUAL(probe_shared.server.stats.refused_replies, 1, "one refused reply");
    TEST_CHECK_EQUAL(probe_give_copy(probe.client, core_slot()), 0, "and gives a capability to who can take it");
}

static void blocked_client(void *argument)
{
    volatile int *status = argument;

    *status = probe_block(probe.client);
    *status = 1000;          /* never reached: the thread is destroyed in the call */
}

USER_TEST(942, a_client_killed_mid_call_does_not_stop_the_server)
{
    static volatile int status = -1;
    unsigned thread;
    uint32_t requests;

    START_PROBE(16);
    status = -1;
    TEST_CHECK_EQUAL(core_spawn(blocked_client, (void *)&status, CORE_LOW_PRIORITY, &thread), 0, "a client");
    for (unsigned i = 0; i < 50 && !probe_shared.state.blocked; i++)
        core_sleep_ms(10);
    TEST_CHECK(probe_shared.state.blocked, "the server is inside the client's call");
    TEST_CHECK_EQUAL(l4_destroy(thread), 0, "kill the client");
    requests = probe_shared.server.stats.requests;
    TEST_CHECK_EQUAL(l4_send(probe.gate, BURSAR_TAG(1, 0, 0), 0, 0, BURSAR_TIMEOUT_NEVER), 0, "let the handler go");
    TEST_CHECK(still_serving(), "the server serves the next client");
    TEST_CHECK_EQUAL(probe_shared.state.blocked, 0, "the handler finished");
    TEST_CHECK_EQUAL(probe_shared.server.stats.requests, requests + 1, "one more request");
    TEST_CHECK_EQUAL(status, -1, "the killed client never returned");
    TEST_CHECK_EQUAL(probe_shared.server.stats.refused_replies, 0, "the reply went nowhere, quietly");
}

static volatile uint32_t survived;

static void faulting_thread(void *unused)
{
    (void)unused;
    *(volatile uint32_t *)0x70000000u = 1;
    survived = 1;
}

USER_TEST(943, a_page_fault_sent_to_the_server_kills_the_thread_not_the_server)
{
    unsigned thread;

    START_PROBE(16);
    survived = 0;
    TEST_CHECK_EQUAL(core_spawn(faulting_thread, NULL, CORE_LOW_PRIORITY, &thread), 0, "a thread");
    TEST_CHECK_EQUAL(l4_thread_configure(thread, BURSAR_THREAD_PAGER, probe.client), 0, "its pager: the server");
    core_sleep_ms(50);
    TEST_CHECK_EQUAL(survived, 0, "the thread did not get past its fault");
    TEST_CHECK_EQUAL(probe_shared.server.stats.malformed, 1, "the fault arrived as an unknown operation");
    TEST_CHECK_EQUAL(probe_shared.server.stats.refused_replies, 1, "the kernel refused the error reply; KILL went");
    TEST_CHECK(still_serving(), "the server serves on");
}

USER_TEST(944, malformed_sends_that_want_no_reply_stop_nothing)
{
    uint32_t requests = 0;

    START_PROBE(16);
    for (unsigned i = 0; i < 20; i++) {
        struct l4_msg m;
        l4_msg_start(&m, i % 2 ? 99 : PROBE_LABEL_ADD);
        l4_msg_append(&m, i);
        TEST_CHECK_EQUAL(l4_msg_send(probe.client, &m, BURSAR_TIMEOUT_MS(2000)), 0, "a send");
    }
    TEST_CHECK(still_serving(), "the server serves on");
    requests = probe_shared.server.stats.requests;
    TEST_CHECK_EQUAL(requests, 21, "every send was received");
    TEST_CHECK_EQUAL(probe_shared.server.stats.malformed, 20, "and refused");
}

static int no_dispatch(const void *handlers, struct l4_request *r)
{
    (void)handlers;
    (void)r;
    return -BURSAR_E_INVALID_ARGUMENT;
}

USER_TEST(945, a_server_set_up_wrong_is_refused_before_it_serves)
{
    static struct l4_server server;
    static const struct probe_handlers none;
    struct l4_server_interface other = { .name = "other", .first_label = 20, .last_label = 30,
                                         .dispatch = no_dispatch };
    unsigned endpoint = core_slot(), reply = core_slot();

    TEST_CHECK_EQUAL(l4_create(BURSAR_SLOT_HEAP, BURSAR_OBJECT_ENDPOINT, endpoint, 0), 0, "an endpoint");
    TEST_CHECK_EQUAL(l4_create(BURSAR_SLOT_HEAP, BURSAR_OBJECT_REPLY, reply, 0), 0, "a reply object");
    l4_server_init(&server, endpoint, reply, NULL);
    TEST_CHECK_EQUAL(l4_server_add(&server, probe_interface(&none)), 0, "the probe interface");
    TEST_CHECK_EQUAL(l4_server_add(&server, other), -BURSAR_E_INVALID_ARGUMENT, "labels 20-30 overlap 1-20");
    other.first_label = other.last_label = 31;
    TEST_CHECK_EQUAL(l4_server_add(&server, other), 0, "label 31 does not");
    other.dispatch = NULL;
    other.first_label = other.last_label = 40;
    TEST_CHECK_EQUAL(l4_server_add(&server, other), -BURSAR_E_INVALID_ARGUMENT, "no dispatch");
    /* probe takes capability and memory items: without windows the loop refuses to start. */
    TEST_CHECK_EQUAL(l4_server_run(&server), -BURSAR_E_INVALID_ARGUMENT, "no windows");
    l4_server_windows(&server, 40, 0, 0);
    TEST_CHECK_EQUAL(l4_server_run(&server), -BURSAR_E_INVALID_ARGUMENT, "no memory window");
    TEST_CHECK_EQUAL(server.stats.requests, 0, "nothing was received");
}

/* Each operation's request shape (probe.idl): its words and its items' kinds, C or M. */
static const struct {
    unsigned words;
    const char *items;
} shapes[] = {
    [PROBE_LABEL_ADD] = { 2, "" }, [PROBE_LABEL_WHOAMI] = { 0, "" }, [PROBE_LABEL_SUM] = { 10, "" },
    [PROBE_LABEL_CAP_COPY] = { 0, "C" }, [PROBE_LABEL_CAP_REVOCABLE] = { 0, "C" },
    [PROBE_LABEL_CAP_GRANT] = { 0, "C" }, [PROBE_LABEL_MEM_COPY] = { 0, "M" },
    [PROBE_LABEL_MEM_REVOCABLE] = { 0, "M" }, [PROBE_LABEL_MEM_GRANT] = { 0, "M" },
    [PROBE_LABEL_GIVE_COPY] = { 0, "" }, [PROBE_LABEL_GIVE_REVOCABLE] = { 0, "" },
    [PROBE_LABEL_GIVE_GRANT] = { 0, "" }, [PROBE_LABEL_STOCK] = { 0, "M" },
    [PROBE_LABEL_GIVE_PAGE_COPY] = { 1, "" }, [PROBE_LABEL_GIVE_PAGE_GRANT] = { 0, "" },
    [PROBE_LABEL_TAKE_HEAP] = { 0, "C" }, [PROBE_LABEL_MIXED] = { 2, "CM" }, [PROBE_LABEL_MISSING] = { 0, "" },
    [PROBE_LABEL_QUIT] = { 0, "" },
};

/* A small generator, so each run sends the same requests. */
static uint32_t seed = 9;
static uint32_t next_random(void)
{
    seed = seed * 1103515245u + 12345u;
    return seed >> 8;
}

/* Any result the protocol documents: 0, a BURSAR_E_*, or probe's own. Never TIMEOUT: the server answers. */
static bool documented(int error)
{
    return error == 0 || error == -PROBE_E_ODD ||
           (error < 0 && -error < BURSAR_ERROR_COUNT && error != -BURSAR_E_TIMEOUT);
}

USER_TEST(946, random_requests_get_documented_answers_and_handlers_never_see_garbage)
{
    unsigned endpoint = core_slot(), window_slot = core_slot();
    uintptr_t pages[4], window_page = core_scratch_page();
    uint32_t frame;
    unsigned errors[BURSAR_ERROR_COUNT] = { 0 }, served = 0;

    START_PROBE(16);
    TEST_CHECK_EQUAL(l4_create(BURSAR_SLOT_HEAP, BURSAR_OBJECT_ENDPOINT, endpoint, 0), 0, "an endpoint");
    for (unsigned i = 0; i < 4; i++)
        TEST_CHECK_EQUAL(core_map_fresh_page(&pages[i], &frame), 0, "a page");
    for (unsigned round = 0; round < 400; round++) {
        struct l4_msg m;
        unsigned label = next_random() % 23, words = next_random() % 12, items = next_random() % 3;
        const char *kinds = "";
        int error;
        /* Not block (it waits for the gate) nor fail (it answers any number it is sent). */
        if (label == PROBE_LABEL_BLOCK || label == PROBE_LABEL_FAIL || label == PROBE_LABEL_QUIT)
            label = PROBE_LABEL_ADD;
        /* Half the requests have their operation's counts and item kinds; modes and rights stay random. */
        if (label < sizeof shapes / sizeof shapes[0] && shapes[label].items && next_random() % 2) {
            words = shapes[label].words;
            kinds = shapes[label].items;
            items = strlen(kinds);
        }
        l4_msg_start(&m, label);
        for (unsigned w = 0; w < words; w++)
            l4_msg_append(&m, next_random());
        for (unsigned i = 0; i < items; i++) {
            unsigned mode = next_random() % 2, rights = 1 + next_random() % 3;    /* no grants: keep the sources */
            if (kinds[i] ? kinds[i] == 'C' : next_random() % 2)
                l4_msg_append_capability(&m, endpoint, rights | (next_random() % 2 ? G : 0), mode, 0);
            else
                l4_msg_append_memory(&m, pages[next_random() % 4], 12, rights, mode);
        }
        /* Result windows for the give_* operations, now and then; emptied after each round. */
        l4_set_receive_windows(window_slot, next_random() % 2, next_random() % 2 ? window_page : 0, 12);
        error = request(&m);
        l4_set_receive_windows(0, 0, 0, 0);
        l4_cap_delete(window_slot);
        l4_unmap(window_page, 1);
        TEST_CHECK(documented(error), "round %u (label %u, %u words, %u items): %d", round, label, words, items,
                   error);
        if (error == 0)
            served++;
        else if (-error < BURSAR_ERROR_COUNT)
            errors[-error]++;
        if (round % 50 == 49)
            TEST_CHECK(still_serving(), "round %u: the server no longer adds", round);
    }
    printf("server fuzz: %u served, %u INVALID_MESSAGE, %u UNKNOWN_OPERATION, %u WRONG_TYPE, %u refused by the "
           "kernel (NO_RECEIVE_WINDOW)\n", served, errors[BURSAR_E_INVALID_MESSAGE],
           errors[BURSAR_E_UNKNOWN_OPERATION], errors[BURSAR_E_WRONG_TYPE], errors[BURSAR_E_NO_RECEIVE_WINDOW]);
    TEST_CHECK(still_serving(), "the server serves on");
    TEST_CHECK_EQUAL(probe_shared.state.garbage, 0, "handlers called with garbage");
    TEST_CHECK(served > 50 && errors[BURSAR_E_INVALID_MESSAGE] > 10 && errors[BURSAR_E_UNKNOWN_OPERATION] > 5,
               "too few of each kind: %u served, %u INVALID_MESSAGE, %u UNKNOWN_OPERATION", served,
               errors[BURSAR_E_INVALID_MESSAGE], errors[BURSAR_E_UNKNOWN_OPERATION]);
}

USER_TEST(947, a_handler_can_end_the_loop_after_its_reply)
{
    START_PROBE(16);
    TEST_CHECK(still_serving(), "serving");
    TEST_CHECK_EQUAL(probe_quit(probe.client), 0, "quit is answered");
    core_sleep_ms(20);                   /* the server's thread runs on to its end */
    TEST_CHECK(probe_shared.state.finished, "l4_server_run returned");
    TEST_CHECK_EQUAL(probe_shared.state.run_result, 0, "with 0");
    TEST_CHECK_EQUAL(probe_add_timed(probe.client, BURSAR_TIMEOUT_ZERO, BURSAR_TIMEOUT_ZERO, 1, 2, NULL),
                     -BURSAR_E_TIMEOUT, "nobody serves any more");
}

USER_TEST(948, labels_no_interface_serves_go_to_the_servers_other_handler)
{
    struct l4_msg m;
    uint32_t calls;

    START_PROBE(16);
    calls = probe_shared.state.calls;
    l4_msg_start(&m, PROBE_OTHER_LABEL);
    TEST_CHECK_EQUAL(request(&m), 0, "the other handler's label");
    TEST_CHECK(l4_msg_words(&m) == 1 && m.mr[0] == PROBE_OTHER_ANSWER, "its own answer: %u words, %x",
               l4_msg_words(&m), m.mr[0]);
    TEST_CHECK_EQUAL(probe_shared.state.calls, calls + 1, "called once");
    l4_msg_start(&m, PROBE_OTHER_LABEL + 1);
    TEST_CHECK_EQUAL(request(&m), -BURSAR_E_UNKNOWN_OPERATION, "a label it refuses");
    TEST_CHECK(still_serving(), "the interface is served as before");
}
