/*
 * invalid_arguments.c — every system call with every kind of bad argument
 * returns its documented error (docs/abi.md) and changes nothing. The calls
 * are tables of raw register values; after each one a snapshot of the
 * memory counts, the boot heap and every low slot must equal the one taken
 * before it.
 */
#include "core.h"

#define OUT_OF_RANGE BURSAR_ROOT_SLOTS          /* first index past the root's capability space */
#define IPC_ZERO(call) l4_eax((call), BURSAR_TIMEOUT_ZERO, BURSAR_TIMEOUT_ZERO)
#define RW (BURSAR_RIGHT_READ | BURSAR_RIGHT_WRITE)

/* Capabilities and pages the tables refer to. */
struct fixtures {
    unsigned endpoint, read_only, write_only, reply, reply_read_only;
    unsigned heap_read_only, heap_control_only, memory_read_only, task, task_read_only;
    unsigned thread, thread_read_only, empty, revoked;
    uintptr_t mapped_page;
    uint32_t mapped_frame;
};

static int make_fixtures(struct fixtures *f)
{
    unsigned source;
    int error;

    f->endpoint = core_slot(), f->read_only = core_slot(), f->write_only = core_slot();
    f->reply = core_slot(), f->reply_read_only = core_slot(), f->heap_read_only = core_slot();
    f->heap_control_only = core_slot(), f->memory_read_only = core_slot(), f->task = core_slot();
    f->task_read_only = core_slot(), f->thread = core_slot(), f->thread_read_only = core_slot();
    f->empty = core_slot(), f->revoked = core_slot(), source = core_slot();
    if ((error = l4_create(BURSAR_SLOT_HEAP, BURSAR_OBJECT_ENDPOINT, f->endpoint, 0)) ||
        (error = l4_cap_copy(f->endpoint, f->read_only, BURSAR_RIGHT_READ, 0)) ||
        (error = l4_cap_copy(f->endpoint, f->write_only, BURSAR_RIGHT_WRITE, 0)) ||
        (error = l4_create(BURSAR_SLOT_HEAP, BURSAR_OBJECT_REPLY, f->reply, 0)) ||
        (error = l4_cap_copy(f->reply, f->reply_read_only, BURSAR_RIGHT_READ, 0)) ||
        (error = l4_cap_copy(BURSAR_SLOT_HEAP, f->heap_read_only, BURSAR_RIGHT_READ, 0)) ||
        (error = l4_cap_copy(BURSAR_SLOT_HEAP, f->heap_control_only, BURSAR_RIGHT_CONTROL, 0)) ||
        (error = l4_cap_copy(BURSAR_SLOT_MEMORY, f->memory_read_only, BURSAR_RIGHT_READ, 0)) ||
        (error = l4_create(BURSAR_SLOT_HEAP, BURSAR_OBJECT_TASK, f->task, 8)) ||
        (error = l4_cap_copy(f->task, f->task_read_only, BURSAR_RIGHT_READ, 0)) ||
        (error = l4_create(BURSAR_SLOT_HEAP, BURSAR_OBJECT_THREAD, f->thread, BURSAR_SLOT_TASK)) ||
        (error = l4_cap_copy(f->thread, f->thread_read_only, BURSAR_RIGHT_READ, 0)) ||
        (error = l4_create(BURSAR_SLOT_HEAP, BURSAR_OBJECT_ENDPOINT, source, 0)) ||
        (error = l4_cap_transfer(source, BURSAR_OWN_TASK, f->revoked, BURSAR_RIGHTS_ALL, BURSAR_REVOCABLE_COPY, 0)) ||
        (error = l4_cap_revoke(source)))
        return error;
    return core_map_fresh_page(&f->mapped_page, &f->mapped_frame);
}

struct bad_call {
    const char *what;
    uint32_t eax, ebx, esi, edi, ebp;
    int error;                       /* the expected BURSAR_E_* (positive) */
};

static void run_table(struct test_result *result, const struct bad_call *calls, unsigned count)
{
    static struct core_snapshot before, after;

    for (unsigned i = 0; i < count; i++) {
        const struct bad_call *c = &calls[i];
        int error, difference;
        core_snapshot_take(&before);
        error = l4_sysenter(c->eax, c->ebx, c->esi, c->edi, c->ebp);
        core_snapshot_take(&after);
        difference = core_snapshot_compare(&before, &after);
        TEST_CHECK(error == -c->error, "%s: got %d, expected %d", c->what, error, -c->error);
        TEST_CHECK(difference == 0, "%s: changed something (%d)", c->what, difference);
    }
}

#define RUN(table) run_table(result, (table), sizeof(table) / sizeof((table)[0]))

USER_TEST(160, bad_system_call_numbers)
{
    const struct bad_call calls[] = {
        { "first number past the last call", SYS_COUNT, 0, 0, 0, 0, BURSAR_E_INVALID_SYSCALL },
        { "number 0xff", 0xff, 0, 0, 0, 0, BURSAR_E_INVALID_SYSCALL },
        { "bad number with timeout bits", SYS_COUNT | 0xfffff00u, 0, 0, 0, 0, BURSAR_E_INVALID_SYSCALL },
    };
    RUN(calls);
}

USER_TEST(161, ipc_calls_with_bad_arguments)
{
    static struct fixtures f;
    TEST_CHECK_EQUAL(make_fixtures(&f), 0, "fixtures");
    const uint32_t tag = BURSAR_TAG(1, 2, 0);
    const struct bad_call calls[] = {
        { "send: index out of range", IPC_ZERO(SYS_SEND), OUT_OF_RANGE, tag, 0, 0, BURSAR_E_INVALID_CAPABILITY },
        { "send: index 0xfffe", IPC_ZERO(SYS_SEND), 0xfffe, tag, 0, 0, BURSAR_E_INVALID_CAPABILITY },
        { "send: empty slot", IPC_ZERO(SYS_SEND), f.empty, tag, 0, 0, BURSAR_E_EMPTY_SLOT },
        { "send: revoked slot", IPC_ZERO(SYS_SEND), f.revoked, tag, 0, 0, BURSAR_E_REVOKED },
        { "send: a heap", IPC_ZERO(SYS_SEND), BURSAR_SLOT_HEAP, tag, 0, 0, BURSAR_E_WRONG_TYPE },
        { "send: without WRITE", IPC_ZERO(SYS_SEND), f.read_only, tag, 0, 0, BURSAR_E_NO_RIGHTS },
        { "send: 65 words", IPC_ZERO(SYS_SEND), f.endpoint, BURSAR_TAG(1, 65, 0), 0, 0, BURSAR_E_INVALID_MESSAGE },
        { "send: 127 words", IPC_ZERO(SYS_SEND), f.endpoint, BURSAR_TAG(1, 127, 0), 0, 0,
          BURSAR_E_INVALID_MESSAGE },
        { "send: nine typed items", IPC_ZERO(SYS_SEND), f.endpoint, BURSAR_TAG(1, 0, 9), 0, 0,
          BURSAR_E_INVALID_MESSAGE },
        { "call: without WRITE", IPC_ZERO(SYS_CALL), f.read_only, tag, 0, 0, BURSAR_E_NO_RIGHTS },
        { "call: a reply object", IPC_ZERO(SYS_CALL), f.reply, tag, 0, 0, BURSAR_E_WRONG_TYPE },
        { "call: 61 words and two typed items", IPC_ZERO(SYS_CALL), f.endpoint, BURSAR_TAG(1, 61, 2), 0, 0,
          BURSAR_E_INVALID_MESSAGE },
        { "receive: without READ", IPC_ZERO(SYS_RECEIVE), l4_receive_word(f.write_only, f.reply), 0, 0, 0,
          BURSAR_E_NO_RIGHTS },
        { "receive: endpoint out of range", IPC_ZERO(SYS_RECEIVE), l4_receive_word(OUT_OF_RANGE, f.reply), 0, 0, 0,
          BURSAR_E_INVALID_CAPABILITY },
        { "receive: reply index out of range", IPC_ZERO(SYS_RECEIVE), l4_receive_word(f.endpoint, OUT_OF_RANGE),
          0, 0, 0, BURSAR_E_INVALID_CAPABILITY },
        { "receive: reply slot holds an endpoint", IPC_ZERO(SYS_RECEIVE), l4_receive_word(f.endpoint, f.endpoint),
          0, 0, 0, BURSAR_E_WRONG_TYPE },
        { "receive: reply slot empty", IPC_ZERO(SYS_RECEIVE), l4_receive_word(f.endpoint, f.empty), 0, 0, 0,
          BURSAR_E_EMPTY_SLOT },
        { "receive: reply object without WRITE", IPC_ZERO(SYS_RECEIVE),
          l4_receive_word(f.endpoint, f.reply_read_only), 0, 0, 0, BURSAR_E_NO_RIGHTS },
        { "reply: nobody bound", IPC_ZERO(SYS_REPLY), f.reply, tag, 0, 0, BURSAR_E_NO_CALLER },
        { "reply: an endpoint", IPC_ZERO(SYS_REPLY), f.endpoint, tag, 0, 0, BURSAR_E_WRONG_TYPE },
        { "reply: empty slot", IPC_ZERO(SYS_REPLY), f.empty, tag, 0, 0, BURSAR_E_EMPTY_SLOT },
        { "reply: without WRITE", IPC_ZERO(SYS_REPLY), f.reply_read_only, tag, 0, 0, BURSAR_E_NO_RIGHTS },
        { "reply: 65 words", IPC_ZERO(SYS_REPLY), f.reply, BURSAR_TAG(1, 65, 0), 0, 0, BURSAR_E_INVALID_MESSAGE },
        { "reply-wait: without READ", IPC_ZERO(SYS_REPLY_WAIT), l4_receive_word(f.write_only, f.reply), tag, 0, 0,
          BURSAR_E_NO_RIGHTS },
        { "reply-wait: reply slot holds an endpoint", IPC_ZERO(SYS_REPLY_WAIT),
          l4_receive_word(f.endpoint, f.endpoint), tag, 0, 0, BURSAR_E_WRONG_TYPE },
    };
    RUN(calls);
}

USER_TEST(162, object_and_capability_calls_with_bad_arguments)
{
    static struct fixtures f;
    TEST_CHECK_EQUAL(make_fixtures(&f), 0, "fixtures");
    const uint32_t heap = BURSAR_SLOT_HEAP, e = f.empty;
    const uint32_t child = (uint32_t)f.task << 16, read_only_task = (uint32_t)f.task_read_only << 16;
    const struct bad_call calls[] = {
        { "create: heap slot holds an endpoint", SYS_CREATE, f.endpoint, BURSAR_OBJECT_ENDPOINT, e, 0,
          BURSAR_E_WRONG_TYPE },
        { "create: heap without CONTROL", SYS_CREATE, f.heap_read_only, BURSAR_OBJECT_ENDPOINT, e, 0,
          BURSAR_E_NO_RIGHTS },
        { "create: heap slot empty", SYS_CREATE, e, BURSAR_OBJECT_ENDPOINT, e, 0, BURSAR_E_EMPTY_SLOT },
        { "create: destination in use", SYS_CREATE, heap, BURSAR_OBJECT_ENDPOINT, f.endpoint, 0,
          BURSAR_E_SLOT_IN_USE },
        { "create: destination out of range", SYS_CREATE, heap, BURSAR_OBJECT_ENDPOINT, OUT_OF_RANGE, 0,
          BURSAR_E_INVALID_CAPABILITY },
        { "create: type NONE", SYS_CREATE, heap, BURSAR_OBJECT_NONE, e, 0, BURSAR_E_INVALID_ARGUMENT },
        { "create: type MEMORY", SYS_CREATE, heap, BURSAR_OBJECT_MEMORY, e, 0, BURSAR_E_INVALID_ARGUMENT },
        { "create: type 99", SYS_CREATE, heap, 99, e, 0, BURSAR_E_INVALID_ARGUMENT },
        { "create: endpoint with an argument", SYS_CREATE, heap, BURSAR_OBJECT_ENDPOINT, e, 1,
          BURSAR_E_INVALID_ARGUMENT },
        { "create: reply with an argument", SYS_CREATE, heap, BURSAR_OBJECT_REPLY, e, 1, BURSAR_E_INVALID_ARGUMENT },
        { "create: heap with an argument", SYS_CREATE, heap, BURSAR_OBJECT_HEAP, e, BURSAR_NO_CAPABILITY,
          BURSAR_E_INVALID_ARGUMENT },
        { "create: task with no slots", SYS_CREATE, heap, BURSAR_OBJECT_TASK, e, 0, BURSAR_E_INVALID_ARGUMENT },
        { "create: task with 2049 slots", SYS_CREATE, heap, BURSAR_OBJECT_TASK, e, 2049, BURSAR_E_INVALID_ARGUMENT },
        { "create: thread in an endpoint", SYS_CREATE, heap, BURSAR_OBJECT_THREAD, e, f.endpoint,
          BURSAR_E_WRONG_TYPE },
        { "create: thread in a task without CONTROL", SYS_CREATE, heap, BURSAR_OBJECT_THREAD, e, f.task_read_only,
          BURSAR_E_NO_RIGHTS },
        { "create: thread in an empty slot", SYS_CREATE, heap, BURSAR_OBJECT_THREAD, e, e, BURSAR_E_EMPTY_SLOT },
        { "destroy: empty slot", SYS_DESTROY, e, 0, 0, 0, BURSAR_E_EMPTY_SLOT },
        { "destroy: out of range", SYS_DESTROY, OUT_OF_RANGE, 0, 0, 0, BURSAR_E_INVALID_CAPABILITY },
        { "destroy: revoked slot", SYS_DESTROY, f.revoked, 0, 0, 0, BURSAR_E_REVOKED },
        { "destroy: without CONTROL", SYS_DESTROY, f.read_only, 0, 0, 0, BURSAR_E_NO_RIGHTS },
        { "destroy: the memory capability", SYS_DESTROY, BURSAR_SLOT_MEMORY, 0, 0, 0, BURSAR_E_BUSY },
        { "destroy: the boot heap", SYS_DESTROY, BURSAR_SLOT_HEAP, 0, 0, 0, BURSAR_E_BUSY },
        { "copy: source empty", SYS_CAP_COPY, e, 0xffff0000u | e, RW, 0, BURSAR_E_EMPTY_SLOT },
        { "copy: source out of range", SYS_CAP_COPY, OUT_OF_RANGE, 0xffff0000u | e, RW, 0,
          BURSAR_E_INVALID_CAPABILITY },
        { "copy: destination in use", SYS_CAP_COPY, f.endpoint, 0xffff0000u | f.reply, RW, 0,
          BURSAR_E_SLOT_IN_USE },
        { "copy: onto itself", SYS_CAP_COPY, f.endpoint, 0xffff0000u | f.endpoint, RW, 0, BURSAR_E_SLOT_IN_USE },
        { "copy: destination out of range", SYS_CAP_COPY, f.endpoint, 0xffff0000u | OUT_OF_RANGE, RW, 0,
          BURSAR_E_INVALID_CAPABILITY },
        { "copy: unknown right", SYS_CAP_COPY, f.endpoint, 0xffff0000u | e, 0x10, 0, BURSAR_E_INVALID_ARGUMENT },
        { "copy: mode 3", SYS_CAP_COPY, f.endpoint, 0xffff0000u | e, RW | 3u << 8, 0, BURSAR_E_INVALID_ARGUMENT },
        { "copy: more rights", SYS_CAP_COPY, f.read_only, 0xffff0000u | e, RW, 0, BURSAR_E_NO_RIGHTS },
        { "revocable copy: more rights", SYS_CAP_COPY, f.read_only, 0xffff0000u | e, RW | 1u << 8, 0,
          BURSAR_E_NO_RIGHTS },
        { "grant: more rights", SYS_CAP_COPY, f.read_only, 0xffff0000u | e, RW | 2u << 8, 0, BURSAR_E_NO_RIGHTS },
        { "copy: destination task is an endpoint", SYS_CAP_COPY, f.endpoint, (uint32_t)f.endpoint << 16 | 1, RW, 0,
          BURSAR_E_WRONG_TYPE },
        { "copy: destination task without CONTROL", SYS_CAP_COPY, f.endpoint, read_only_task | 1, RW, 0,
          BURSAR_E_NO_RIGHTS },
        { "copy: destination task out of range", SYS_CAP_COPY, f.endpoint, (uint32_t)OUT_OF_RANGE << 16 | 1, RW, 0,
          BURSAR_E_INVALID_CAPABILITY },
        { "copy: past the task's slots", SYS_CAP_COPY, f.endpoint, child | 8, RW, 0, BURSAR_E_INVALID_CAPABILITY },
        { "copy: to another task without GRANT", SYS_CAP_COPY, f.read_only, child | 1, BURSAR_RIGHT_READ, 0,
          BURSAR_E_NO_RIGHTS },
        { "delete: empty slot", SYS_CAP_DELETE, e, 0, 0, 0, BURSAR_E_EMPTY_SLOT },
        { "delete: out of range", SYS_CAP_DELETE, OUT_OF_RANGE, 0, 0, 0, BURSAR_E_INVALID_CAPABILITY },
        { "revoke: empty slot", SYS_CAP_REVOKE, e, 0, 0, 0, BURSAR_E_EMPTY_SLOT },
        { "revoke: revoked slot", SYS_CAP_REVOKE, f.revoked, 0, 0, 0, BURSAR_E_REVOKED },
        { "revoke: out of range", SYS_CAP_REVOKE, OUT_OF_RANGE, 0, 0, 0, BURSAR_E_INVALID_CAPABILITY },
        { "inspect: out of range", SYS_CAP_INSPECT, OUT_OF_RANGE, 0, 0, 0, BURSAR_E_INVALID_CAPABILITY },
        { "inspect: index 0xffffffff", SYS_CAP_INSPECT, 0xffffffffu, 0, 0, 0, BURSAR_E_INVALID_CAPABILITY },
    };
    RUN(calls);
}

USER_TEST(163, thread_calls_with_bad_arguments)
{
    static struct fixtures f;
    TEST_CHECK_EQUAL(make_fixtures(&f), 0, "fixtures");
    const uint32_t t = f.thread;
    const struct bad_call calls[] = {
        { "configure: an endpoint", SYS_THREAD_CONFIGURE, f.endpoint, BURSAR_THREAD_PRIORITY, 1, 0,
          BURSAR_E_WRONG_TYPE },
        { "configure: without CONTROL", SYS_THREAD_CONFIGURE, f.thread_read_only, BURSAR_THREAD_PRIORITY, 1, 0,
          BURSAR_E_NO_RIGHTS },
        { "configure: empty slot", SYS_THREAD_CONFIGURE, f.empty, BURSAR_THREAD_PRIORITY, 1, 0, BURSAR_E_EMPTY_SLOT },
        { "configure: unknown setting", SYS_THREAD_CONFIGURE, t, BURSAR_THREAD_SETTING_COUNT, 0, 0,
          BURSAR_E_INVALID_ARGUMENT },
        { "configure: priority 256", SYS_THREAD_CONFIGURE, t, BURSAR_THREAD_PRIORITY, 256, 0,
          BURSAR_E_INVALID_ARGUMENT },
        { "configure: priority above the caller's", SYS_THREAD_CONFIGURE, t, BURSAR_THREAD_PRIORITY,
          BURSAR_ROOT_PRIORITY + 1, 0, BURSAR_E_NO_RIGHTS },
        { "configure: timeslice 0", SYS_THREAD_CONFIGURE, t, BURSAR_THREAD_TIMESLICE, 0, 0,
          BURSAR_E_INVALID_ARGUMENT },
        { "configure: timeslice 1001", SYS_THREAD_CONFIGURE, t, BURSAR_THREAD_TIMESLICE, 1001, 0,
          BURSAR_E_INVALID_ARGUMENT },
        { "configure: pager is a heap", SYS_THREAD_CONFIGURE, t, BURSAR_THREAD_PAGER, BURSAR_SLOT_HEAP, 0,
          BURSAR_E_WRONG_TYPE },
        { "configure: pager without WRITE", SYS_THREAD_CONFIGURE, t, BURSAR_THREAD_PAGER, f.read_only, 0,
          BURSAR_E_NO_RIGHTS },
        { "configure: exception handler slot empty", SYS_THREAD_CONFIGURE, t, BURSAR_THREAD_EXCEPTION_HANDLER,
          f.empty, 0, BURSAR_E_EMPTY_SLOT },
        { "configure: UTCB misaligned", SYS_THREAD_CONFIGURE, t, BURSAR_THREAD_UTCB, 0x10000100u, 0,
          BURSAR_E_MISALIGNED },
        { "configure: UTCB in the kernel half", SYS_THREAD_CONFIGURE, t, BURSAR_THREAD_UTCB, BURSAR_USER_TOP, 0,
          BURSAR_E_INVALID_ADDRESS },
        { "start: already running", SYS_THREAD_START, BURSAR_SLOT_THREAD, 0x400000, 0x10000000, 0, BURSAR_E_BUSY },
        { "start: ip in the kernel half", SYS_THREAD_START, t, BURSAR_USER_TOP, 0x10000000, 0,
          BURSAR_E_INVALID_ADDRESS },
        { "start: sp in the kernel half", SYS_THREAD_START, t, 0x400000, BURSAR_USER_TOP + 4096, 0,
          BURSAR_E_INVALID_ADDRESS },
        { "start: an endpoint", SYS_THREAD_START, f.endpoint, 0x400000, 0x10000000, 0, BURSAR_E_WRONG_TYPE },
        { "start: without CONTROL", SYS_THREAD_START, f.thread_read_only, 0x400000, 0x10000000, 0,
          BURSAR_E_NO_RIGHTS },
    };
    RUN(calls);
}

USER_TEST(164, memory_heap_and_debug_calls_with_bad_arguments)
{
    static struct fixtures f;
    TEST_CHECK_EQUAL(make_fixtures(&f), 0, "fixtures");
    const uint32_t mem = BURSAR_SLOT_MEMORY, page = f.mapped_page, fresh = core_frame();
    const uint32_t unmapped = core_scratch_page(), text = BURSAR_PROGRAM_BASE;
    const struct bad_call calls[] = {
        { "frame map: a heap", SYS_FRAME_MAP, BURSAR_SLOT_HEAP, fresh, unmapped | RW, 0, BURSAR_E_WRONG_TYPE },
        { "frame map: without CONTROL", SYS_FRAME_MAP, f.memory_read_only, fresh, unmapped | RW, 0,
          BURSAR_E_NO_RIGHTS },
        { "frame map: a kernel frame", SYS_FRAME_MAP, mem, 256, unmapped | RW, 0, BURSAR_E_BAD_FRAME },
        { "frame map: beyond memory", SYS_FRAME_MAP, mem, 0xfffff, unmapped | RW, 0, BURSAR_E_BAD_FRAME },
        { "frame map: frame mapped already", SYS_FRAME_MAP, mem, f.mapped_frame, unmapped | RW, 0,
          BURSAR_E_ALREADY_MAPPED },
        { "frame map: address in use", SYS_FRAME_MAP, mem, fresh, page | RW, 0, BURSAR_E_ALREADY_MAPPED },
        { "frame map: kernel half", SYS_FRAME_MAP, mem, fresh, BURSAR_USER_TOP | RW, 0, BURSAR_E_INVALID_ADDRESS },
        { "frame map: page 0", SYS_FRAME_MAP, mem, fresh, 0 | RW, 0, BURSAR_E_INVALID_ADDRESS },
        { "frame map: no rights", SYS_FRAME_MAP, mem, fresh, unmapped, 0, BURSAR_E_INVALID_ARGUMENT },
        { "frame map: write without read", SYS_FRAME_MAP, mem, fresh, unmapped | BURSAR_RIGHT_WRITE, 0,
          BURSAR_E_INVALID_ARGUMENT },
        { "frame map: unknown right", SYS_FRAME_MAP, mem, fresh, unmapped | RW | BURSAR_RIGHT_GRANT, 0,
          BURSAR_E_INVALID_ARGUMENT },
        { "map: an endpoint", SYS_MAP, f.endpoint, page, 0x10000000 | RW, 1, BURSAR_E_WRONG_TYPE },
        { "map: without CONTROL", SYS_MAP, f.task_read_only, page, 0x10000000 | RW, 1, BURSAR_E_NO_RIGHTS },
        { "map: source misaligned", SYS_MAP, f.task, page + 4, 0x10000000 | RW, 1, BURSAR_E_MISALIGNED },
        { "map: source not mapped", SYS_MAP, f.task, unmapped, 0x10000000 | RW, 1, BURSAR_E_NOT_MAPPED },
        { "map: source partly mapped", SYS_MAP, f.task, page, 0x10000000 | RW, 2, BURSAR_E_NOT_MAPPED },
        { "map: destination in the kernel half", SYS_MAP, f.task, page, BURSAR_USER_TOP | RW, 1,
          BURSAR_E_INVALID_ADDRESS },
        { "map: destination crosses into the kernel", SYS_MAP, f.task, page, (BURSAR_USER_TOP - 4096) | RW, 2,
          BURSAR_E_INVALID_ADDRESS },
        { "map: no pages", SYS_MAP, f.task, page, 0x10000000 | RW, 0, BURSAR_E_INVALID_ADDRESS },
        { "map: write to read-only text", SYS_MAP, f.task, text, 0x10000000 | RW, 1, BURSAR_E_NO_RIGHTS },
        { "map: destination mapped already", SYS_MAP, BURSAR_SLOT_TASK, page, text | BURSAR_RIGHT_READ, 1,
          BURSAR_E_ALREADY_MAPPED },
        { "map: unknown right", SYS_MAP, f.task, page, 0x10000000 | RW | BURSAR_RIGHT_CONTROL, 1,
          BURSAR_E_INVALID_ARGUMENT },
        { "unmap: misaligned", SYS_UNMAP, page + 8, 1, 0, 0, BURSAR_E_MISALIGNED },
        { "unmap: kernel half", SYS_UNMAP, BURSAR_USER_TOP, 1, 0, 0, BURSAR_E_INVALID_ADDRESS },
        { "unmap: crosses into the kernel", SYS_UNMAP, BURSAR_USER_TOP - 4096, 2, 0, 0, BURSAR_E_INVALID_ADDRESS },
        { "unmap: no pages", SYS_UNMAP, page, 0, 0, 0, BURSAR_E_INVALID_ADDRESS },
        { "unmap: page 0", SYS_UNMAP, 0, 1, 0, 0, BURSAR_E_INVALID_ADDRESS },
        { "donate: heap slot holds an endpoint", SYS_HEAP_DONATE, f.endpoint, mem, fresh, 1, BURSAR_E_WRONG_TYPE },
        { "donate: heap without CONTROL", SYS_HEAP_DONATE, f.heap_read_only, mem, fresh, 1, BURSAR_E_NO_RIGHTS },
        { "donate: memory slot holds a heap", SYS_HEAP_DONATE, BURSAR_SLOT_HEAP, BURSAR_SLOT_HEAP, fresh, 1,
          BURSAR_E_WRONG_TYPE },
        { "donate: memory without CONTROL", SYS_HEAP_DONATE, BURSAR_SLOT_HEAP, f.memory_read_only, fresh, 1,
          BURSAR_E_NO_RIGHTS },
        { "donate: no frames", SYS_HEAP_DONATE, BURSAR_SLOT_HEAP, mem, fresh, 0, BURSAR_E_INVALID_ARGUMENT },
        { "donate: beyond memory", SYS_HEAP_DONATE, BURSAR_SLOT_HEAP, mem, 0xfffff, 1, BURSAR_E_INVALID_ARGUMENT },
        { "donate: count wraps", SYS_HEAP_DONATE, BURSAR_SLOT_HEAP, mem, fresh, 0xffffffffu,
          BURSAR_E_INVALID_ARGUMENT },
        { "donate: a mapped frame", SYS_HEAP_DONATE, BURSAR_SLOT_HEAP, mem, f.mapped_frame, 1, BURSAR_E_BUSY },
        { "donate: a kernel frame", SYS_HEAP_DONATE, BURSAR_SLOT_HEAP, mem, 256, 1, BURSAR_E_BAD_FRAME },
        { "heap info: an endpoint", SYS_HEAP_INFO, f.endpoint, 0, 0, 0, BURSAR_E_WRONG_TYPE },
        { "heap info: without READ", SYS_HEAP_INFO, f.heap_control_only, 0, 0, 0, BURSAR_E_NO_RIGHTS },
        { "puts: too long", SYS_DEBUG_PUTS, text, BURSAR_DEBUG_PUTS_MAX + 1, 0, 0, BURSAR_E_INVALID_ARGUMENT },
        { "puts: kernel half", SYS_DEBUG_PUTS, BURSAR_USER_TOP, 4, 0, 0, BURSAR_E_INVALID_ADDRESS },
        { "puts: crosses into the kernel", SYS_DEBUG_PUTS, BURSAR_USER_TOP - 2, 4, 0, 0, BURSAR_E_INVALID_ADDRESS },
        { "puts: not mapped", SYS_DEBUG_PUTS, unmapped, 4, 0, 0, BURSAR_E_NOT_MAPPED },
        { "puts: ends in an unmapped page", SYS_DEBUG_PUTS, page + 4094, 4, 0, 0, BURSAR_E_NOT_MAPPED },
        { "dump: unknown kind", SYS_DEBUG_DUMP, BURSAR_SLOT_DEBUG, BURSAR_DUMP_CHECK_YIELDING + 1, 0, 0,
          BURSAR_E_INVALID_ARGUMENT },
        { "dump: not the debug capability", SYS_DEBUG_DUMP, BURSAR_SLOT_DEVICES, BURSAR_DUMP_CHECK, 0, 0,
          BURSAR_E_WRONG_TYPE },
        { "dump: an empty slot", SYS_DEBUG_DUMP, f.empty, BURSAR_DUMP_CHECK, 0, 0, BURSAR_E_EMPTY_SLOT },
        { "preemption statistics: reset value 2", SYS_PREEMPT_STATS, BURSAR_SLOT_DEBUG, 2, 0, 0,
          BURSAR_E_INVALID_ARGUMENT },
        { "preemption statistics: a heap", SYS_PREEMPT_STATS, BURSAR_SLOT_HEAP, 0, 0, 0, BURSAR_E_WRONG_TYPE },
    };
    RUN(calls);
}

struct unmapped_utcb {
    unsigned endpoint;
    volatile int long_send, system_info, heap_info, heap_reserve, receive;
    volatile bool done;
};

/* Runs with its UTCB at an unmapped address: every call that needs the UTCB must say so. */
static void without_utcb(void *argument)
{
    struct unmapped_utcb *u = argument;

    u->long_send = l4_send(u->endpoint, BURSAR_TAG(1, 3, 0), 0, 0, BURSAR_TIMEOUT_ZERO);
    u->system_info = l4_sysenter(SYS_SYSTEM_INFO, 0, 0, 0, 0);
    u->heap_info = l4_sysenter(SYS_HEAP_INFO, BURSAR_SLOT_HEAP, 0, 0, 0);
    u->heap_reserve = l4_sysenter(SYS_HEAP_RESERVE, BURSAR_NO_CAPABILITY, BURSAR_HEAP_RESERVE_MANY, 1, 0);
    u->done = true;
    u->receive = l4_receive(u->endpoint, BURSAR_NO_CAPABILITY, 0, 0, 0, 0, BURSAR_TIMEOUT_MS(1000));
}

USER_TEST(165, calls_that_need_an_unmapped_utcb_fail_cleanly)
{
    static struct unmapped_utcb u;
    unsigned thread;

    u = (struct unmapped_utcb){ .endpoint = core_slot(), .receive = 1 };
    TEST_CHECK_EQUAL(l4_create(BURSAR_SLOT_HEAP, BURSAR_OBJECT_ENDPOINT, u.endpoint, 0), 0, "endpoint");
    TEST_CHECK_EQUAL(core_spawn_with_utcb(without_utcb, &u, CORE_LOW_PRIORITY, core_scratch_page(), &thread), 0,
                     "thread");
    core_sleep_ms(20);
    TEST_CHECK(u.done, "the thread did not get through its calls");
    TEST_CHECK_EQUAL(u.long_send, -BURSAR_E_NOT_MAPPED, "long send");
    TEST_CHECK_EQUAL(u.system_info, -BURSAR_E_NOT_MAPPED, "system info");
    TEST_CHECK_EQUAL(u.heap_info, -BURSAR_E_NOT_MAPPED, "heap info");
    TEST_CHECK_EQUAL(u.heap_reserve, -BURSAR_E_NOT_MAPPED, "a reserve of several kinds (counts in the UTCB)");
    /* A long message to it cannot be delivered: both sides learn so. */
    for (unsigned i = 2; i < 5; i++)
        l4_mr_set(i, i);
    TEST_CHECK_EQUAL(l4_send(u.endpoint, BURSAR_TAG(1, 5, 0), 0, 0, BURSAR_TIMEOUT_ZERO), -BURSAR_E_NOT_MAPPED,
                     "long send to it");
    core_sleep_ms(10);
    TEST_CHECK_EQUAL(u.receive, -BURSAR_E_NOT_MAPPED, "its receive");
}
