/*
 * address_spaces.c — a second task: its own address space built with
 * SYS_FRAME_MAP and SYS_MAP, an endpoint and a reply object copied into its
 * capability space, and a thread in it that serves calls from the root.
 *
 * The child runs a function of this very program: the root maps its own
 * text pages read-only into the child at the same addresses, plus one fresh
 * page for the child's UTCB (at its bottom) and stack (at its top). The
 * child's code touches no data of this program, only its stack, its UTCB
 * and the data page the root maps for it.
 */
#include "core.h"

#define CHILD_PAGE       0x10000000u     /* UTCB at the bottom, stack at the top */
#define CHILD_DATA       0x10001000u     /* a page shared with the root */
#define CHILD_ENDPOINT   1
#define CHILD_REPLY      2
#define CHILD_SLOTS      8
#define CHILD_HEAP_FRAMES 12

enum { OP_ECHO = 1, OP_TOUCH = 2 };

/* From libl4/user.ld: the program's first byte, and the first of its data segment's words. */
extern char program_start[], user_tests_start[];

/*
 * The child's thread. ECHO: every word plus one, MR0 replaced by the badge;
 * TOUCH: the first word of the shared data page. Never returns.
 */
__attribute__((noreturn)) static void child_server(uint32_t endpoint, uint32_t reply)
{
    uint32_t badge = 0, tag = 0, mr0 = 0, mr1 = 0;
    int error = l4_receive(endpoint, reply, &badge, &tag, &mr0, &mr1, BURSAR_TIMEOUT_NEVER);

    while (error == 0) {
        unsigned words = BURSAR_TAG_UNTYPED(tag);
        if (BURSAR_TAG_LABEL(tag) == OP_TOUCH) {
            mr0 = *(volatile uint32_t *)CHILD_DATA;
            tag = BURSAR_TAG(OP_TOUCH, 1, 0);
        } else {
            for (unsigned i = BURSAR_REGISTER_WORDS; i < words; i++)
                l4_mr_set(i, l4_mr_get(i) + 1);
            mr0 = badge;
            mr1++;
        }
        error = l4_reply_wait(endpoint, reply, &badge, &tag, &mr0, &mr1, BURSAR_TIMEOUT_NEVER);
    }
    l4_thread_exit(0);
}

struct child {
    unsigned heap, task, thread, endpoint, reply, badged;
    uintptr_t stack_view, data_view;    /* the root's own mappings of the child's pages */
};

/* The text pages: everything below the data segment, which starts on a page at or below user_tests_start. */
static unsigned text_pages(void)
{
    return (unsigned)((((uintptr_t)user_tests_start & ~4095u) - (uintptr_t)program_start) / 4096u);
}

static int build_child(struct child *c)
{
    uint32_t frame;
    uint32_t *stack;
    int error;

    c->heap = core_slot(), c->task = core_slot(), c->thread = core_slot();
    c->endpoint = core_slot(), c->reply = core_slot(), c->badged = core_slot();
    if ((error = core_heap_create(c->heap, CHILD_HEAP_FRAMES)) ||
        (error = l4_create(c->heap, BURSAR_OBJECT_TASK, c->task, CHILD_SLOTS)) ||
        (error = l4_create(BURSAR_SLOT_HEAP, BURSAR_OBJECT_ENDPOINT, c->endpoint, 0)) ||
        (error = l4_create(BURSAR_SLOT_HEAP, BURSAR_OBJECT_REPLY, c->reply, 0)) ||
        (error = l4_cap_copy(c->endpoint, c->badged, BURSAR_RIGHT_WRITE, 0xc41d)))
        return error;
    /* Capabilities into the child's space: receive on the endpoint, answer through the reply object. */
    if ((error = l4_cap_transfer(c->endpoint, c->task, CHILD_ENDPOINT, BURSAR_RIGHT_READ, BURSAR_COPY, 0)) ||
        (error = l4_cap_transfer(c->reply, c->task, CHILD_REPLY, BURSAR_RIGHT_WRITE, BURSAR_COPY, 0)))
        return error;
    /* Memory: the text, a UTCB-and-stack page, a data page. */
    if ((error = l4_map(c->task, (uintptr_t)program_start, (uintptr_t)program_start, BURSAR_RIGHT_READ,
                        text_pages())) ||
        (error = core_map_fresh_page(&c->stack_view, &frame)) ||
        (error = l4_map(c->task, c->stack_view, CHILD_PAGE, BURSAR_RIGHT_READ | BURSAR_RIGHT_WRITE, 1)) ||
        (error = core_map_fresh_page(&c->data_view, &frame)) ||
        (error = l4_map(c->task, c->data_view, CHILD_DATA, BURSAR_RIGHT_READ | BURSAR_RIGHT_WRITE, 1)))
        return error;
    /* child_server(CHILD_ENDPOINT, CHILD_REPLY) as if called: a null return address, then the arguments. */
    stack = (uint32_t *)(c->stack_view + 4096 - 16);
    stack[0] = 0;
    stack[1] = CHILD_ENDPOINT;
    stack[2] = CHILD_REPLY;
    if ((error = l4_create(c->heap, BURSAR_OBJECT_THREAD, c->thread, c->task)) ||
        (error = l4_thread_configure(c->thread, BURSAR_THREAD_UTCB, CHILD_PAGE)) ||
        (error = l4_thread_configure(c->thread, BURSAR_THREAD_PRIORITY, CORE_LOW_PRIORITY)))
        return error;
    return l4_thread_start(c->thread, (uintptr_t)child_server, CHILD_PAGE + 4096 - 16);
}

USER_TEST(180, call_and_reply_across_address_spaces)
{
    static struct child c;
    struct bursar_system_info info;
    uint32_t tag = BURSAR_TAG(OP_ECHO, 2, 0), mr0 = 5, mr1 = 6;
    int error = build_child(&c);

    TEST_CHECK_EQUAL(error, 0, "build the child");
    TEST_CHECK_EQUAL(l4_system_info(&info), 0, "system info");
    TEST_CHECK_EQUAL(l4_call(c.badged, &tag, &mr0, &mr1, BURSAR_TIMEOUT_MS(1000), BURSAR_TIMEOUT_MS(1000)), 0,
                     "call the child");
    TEST_CHECK(mr0 == 0xc41d && mr1 == 7, "reply words %x %u", mr0, mr1);
    TEST_CHECK_EQUAL(BURSAR_TAG_LABEL(tag), OP_ECHO, "reply label");
    /* A long message: words 2.. go UTCB to UTCB across the two address spaces. */
    for (unsigned i = 2; i < 40; i++)
        l4_mr_set(i, 1000 * i);
    tag = BURSAR_TAG(OP_ECHO, 40, 0), mr0 = 0, mr1 = 1;
    TEST_CHECK_EQUAL(l4_call(c.endpoint, &tag, &mr0, &mr1, BURSAR_TIMEOUT_MS(1000), BURSAR_TIMEOUT_MS(1000)), 0,
                     "long call");
    TEST_CHECK_EQUAL(BURSAR_TAG_UNTYPED(tag), 40, "reply words");
    TEST_CHECK(mr0 == 0 && mr1 == 2, "register words %u %u", mr0, mr1);
    for (unsigned i = 2; i < 40; i++)
        TEST_CHECK_EQUAL(l4_mr_get(i), 1000 * i + 1, "UTCB word");
    /* The shared page: what the root writes, the child reads. */
    *(volatile uint32_t *)c.data_view = 0x5eed;
    tag = BURSAR_TAG(OP_TOUCH, 0, 0);
    TEST_CHECK_EQUAL(l4_call(c.endpoint, &tag, &mr0, &mr1, BURSAR_TIMEOUT_MS(1000), BURSAR_TIMEOUT_MS(1000)), 0,
                     "touch call");
    TEST_CHECK_EQUAL(mr0, 0x5eed, "word the child read");
}

struct toucher {
    uintptr_t address;
    volatile uint32_t stage;
};

static void touch(void *argument)
{
    struct toucher *t = argument;

    t->stage = 1;
    (void)*(volatile uint32_t *)t->address;
    t->stage = 2;
}

USER_TEST(181, unmap_in_the_root_revokes_the_childs_mapping)
{
    static struct child c;
    static struct toucher toucher;
    uint32_t tag = BURSAR_TAG(OP_TOUCH, 0, 0), mr0 = 0, mr1 = 0, frame;
    uintptr_t again;
    unsigned thread;
    int error = build_child(&c);

    TEST_CHECK_EQUAL(error, 0, "build the child");
    *(volatile uint32_t *)c.data_view = 0xda7a;
    TEST_CHECK_EQUAL(l4_call(c.endpoint, &tag, &mr0, &mr1, BURSAR_TIMEOUT_MS(1000), BURSAR_TIMEOUT_MS(1000)), 0,
                     "touch call");
    TEST_CHECK_EQUAL(mr0, 0xda7a, "word the child read");
    TEST_CHECK_EQUAL(l4_unmap(c.data_view, 1), 0, "unmap the data page in the root");
    /* The child faults on its next touch and dies: no reply ever comes. */
    tag = BURSAR_TAG(OP_TOUCH, 0, 0);
    TEST_CHECK_EQUAL(l4_call(c.endpoint, &tag, &mr0, &mr1, BURSAR_TIMEOUT_MS(1000), BURSAR_TIMEOUT_MS(100)),
                     -BURSAR_E_TIMEOUT, "touch call after the unmap");
    TEST_CHECK_EQUAL(l4_send(c.endpoint, 0, 0, 0, BURSAR_TIMEOUT_ZERO), -BURSAR_E_TIMEOUT,
                     "nobody receives any more");
    /* The root's own entry went too: mapping from it fails, a thread touching it dies, the address is free. */
    TEST_CHECK_EQUAL(l4_map(c.task, c.data_view, CHILD_DATA, BURSAR_RIGHT_READ, 1), -BURSAR_E_NOT_MAPPED,
                     "map from the unmapped page");
    toucher = (struct toucher){ .address = c.data_view };
    TEST_CHECK_EQUAL(core_spawn(touch, &toucher, CORE_LOW_PRIORITY, &thread), 0, "toucher thread");
    core_sleep_ms(20);
    TEST_CHECK_EQUAL(toucher.stage, 1, "a thread read the unmapped page");
    frame = core_frame();
    again = c.data_view;
    TEST_CHECK_EQUAL(l4_frame_map(BURSAR_SLOT_MEMORY, frame, again, BURSAR_RIGHT_READ), 0,
                     "map another frame at the same address");
    /* The root itself is unaffected: its other pages and IPC still work. */
    TEST_CHECK_EQUAL(*(volatile uint32_t *)c.stack_view, *(volatile uint32_t *)c.stack_view, "own page");
}
