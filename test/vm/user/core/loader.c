/*
 * loader.c — the program loader (libl4/loader.h), tests 900-929.
 *
 * The fixtures are boot modules next to core_tests (tools/run_all.py passes
 * them): good images of several shapes (test/loader/), each of which checks
 * itself and reports 0 or the number of the check that failed to its parent
 * (the test), and malformed ones (tools/make_bad_modules.py). The frames
 * come from a frame source over the top frames of the last free range, away
 * from where core_frame() hands them out.
 *
 * "Nothing left behind" is checked with a ledger taken before and after
 * each attempt: the kernel's frame and object counts, the boot heap's live
 * objects (it pays the caller's mapping records) and the frames the source
 * has out.
 */
#include "core.h"

#include "bursar/fault.h"
#include "libl4/boot_modules.h"
#include "libl4/errors.h"
#include "libl4/frames.h"
#include "libl4/loader.h"
#include "libl4/message.h"
#include "libl4/printf.h"
#include "libl4/string.h"
#include "test/loader/loadee.h"

#define MODULE_AREA CORE_WIDE_SCRATCH_BASE                  /* fixture i mapped at + i MiB */
#define WINDOW (CORE_WIDE_SCRATCH_BASE + 0x01000000u)       /* the programs' frames */
#define WINDOW_PAGES 1024u
#define TEST_FRAMES 4096u
#define PARENT_BADGE 5u
#define EXIT_TIMEOUT_MS 5000u

struct ledger {
    uint32_t heap_frames, bank_frames, heaps, tasks, threads, frames_out;
    uint32_t boot_live[BURSAR_HEAP_KIND_COUNT];
};

static struct l4_boot_frames frames;

/* A frame source over the top `count` frames of the last free range. */
static void frames_init(unsigned count)
{
    const struct bursar_frame_range *last = &core_boot->free_ranges[core_boot->range_count - 1];
    struct bursar_frame_range range = { last->first_frame + last->frames - count, count };

    l4_boot_frames_init_ranges(&frames, &range, 1, BURSAR_SLOT_MEMORY, BURSAR_SLOT_HEAP);
}

static void ledger_take(struct ledger *ledger)
{
    struct bursar_system_info system;
    struct bursar_heap_info heap;

    memset(ledger, 0, sizeof *ledger);
    l4_system_info(&system);
    l4_heap_info(BURSAR_SLOT_HEAP, &heap);
    ledger->heap_frames = system.heap_frames;
    ledger->bank_frames = system.bank_frames;
    ledger->heaps = system.heaps;
    ledger->tasks = system.tasks;
    ledger->threads = system.threads;
    ledger->frames_out = frames.out;
    for (unsigned kind = 0; kind < BURSAR_HEAP_KIND_COUNT; kind++)
        ledger->boot_live[kind] = heap.live_by_type[kind];
}

static bool ledger_equal(const struct ledger *a, const struct ledger *b)
{
    return memcmp(a, b, sizeof *a) == 0;
}

/* Boot module `name` mapped for reading (the after-test hook unmaps it); null if it is not there. */
static const void *fixture(const char *name, size_t *size)
{
    int index = l4_boot_module_find(core_boot, name);
    uintptr_t address = MODULE_AREA + (uintptr_t)index * 0x100000u;
    int error;

    if (index < 0 || l4_boot_module_pages(core_boot, (unsigned)index) > 256)
        return NULL;
    error = l4_boot_module_map(core_boot, (unsigned)index, BURSAR_SLOT_MEMORY, address);
    if (error && error != -BURSAR_E_ALREADY_MAPPED)      /* mapped already by this test */
        return NULL;
    *size = core_boot->modules[index].size;
    return (const void *)address;
}

/* Three consecutive per-test slots: a program's task, thread and heap. */
static unsigned program_slots(void)
{
    unsigned first = core_slot();

    core_slot();
    core_slot();
    return first;
}

static void spec_init(struct l4_load_spec *spec, const char *name, const void *image, size_t size,
                      unsigned heap_pages, unsigned parent)
{
    *spec = (struct l4_load_spec){
        .name = name, .image = image, .image_size = size, .frames = &frames.source, .heap_pages = heap_pages,
        .slots = program_slots(), .window = WINDOW, .window_pages = WINDOW_PAGES,
        .priority = CORE_LOW_PRIORITY, .parent = parent, .parent_badge = PARENT_BADGE,
        .timer_hz = core_boot->timer_hz, .tsc_khz = core_boot->tsc_khz,
    };
}

/* A parent endpoint for exit reports, in a fresh slot. */
static unsigned make_endpoint(void)
{
    unsigned slot = core_slot();

    return l4_create(BURSAR_SLOT_HEAP, BURSAR_OBJECT_ENDPOINT, slot, 0) == 0 ? slot : BURSAR_NO_CAPABILITY;
}

/* The exit report of a started program: 0 and its status, or an error. */
static int wait_exit(unsigned parent, uint32_t *badge, uint32_t *status)
{
    uint32_t tag = 0, unused = 0;
    int error = l4_receive(parent, BURSAR_NO_CAPABILITY, badge, &tag, status, &unused,
                           BURSAR_TIMEOUT_MS(EXIT_TIMEOUT_MS));

    if (error == 0 && BURSAR_TAG_LABEL(tag) != L4_LABEL_EXITED)
        error = -BURSAR_E_INVALID_MESSAGE;
    return error;
}

/* Loads `name`, starts it, waits for its report and destroys it; the ledger must come back. */
static void run_fixture(struct test_result *result, const char *name, const char *file, const char *const *argv,
                        unsigned argc)
{
    struct l4_load_spec spec;
    struct l4_program program;
    struct ledger before, after;
    uint32_t badge = 0, status = 0;
    unsigned parent = make_endpoint();
    size_t size = 0;
    const void *image = fixture(file, &size);
    char why[128] = "";
    enum l4_load_error loaded;

    TEST_CHECK(image != NULL, "boot module %s is missing (tools/run_all.py passes it)", file);
    frames_init(TEST_FRAMES);
    ledger_take(&before);
    spec_init(&spec, name, image, size, 24, parent);
    spec.argv = argv;
    spec.argc = argc;
    loaded = l4_program_load(&spec, &program);
    l4_program_failure(&program, why, sizeof why);
    TEST_CHECK(loaded == L4_LOAD_OK, "loading %s: %s", file, why);
    TEST_CHECK_EQUAL(program.pages, l4_program_pages(image, size, 0), "pages in the window");
    TEST_CHECK_EQUAL(frames.out, program.pages + 24, "frames out: the pages and the heap");
    TEST_CHECK_EQUAL_FMT(l4_program_start(&program), 0, "starting %s", file);
    TEST_CHECK_EQUAL_FMT(wait_exit(parent, &badge, &status), 0, "%s's exit report", file);
    TEST_CHECK(badge == PARENT_BADGE && status == 0, "%s reported status %u with badge %u (0 is every check passed)",
               file, status, badge);
    printf("  %s: %u pages, heap of 24 pages with %u used to load it\n", file, program.pages,
           program.heap_pages_used);
    l4_program_destroy(&program);
    ledger_take(&after);
    TEST_CHECK(ledger_equal(&before, &after), "the ledger is not back after destroying %s", file);
}

USER_TEST(900, a_loaded_program_has_its_own_data_bss_arguments_and_capabilities)
{
    static const char *const argv[] = { LOADEE_ARG0, LOADEE_ARG1 };
    struct l4_load_spec spec;
    struct l4_program program;
    struct ledger before, after;
    uint32_t badge = 0, status = 0;
    unsigned parent = make_endpoint(), probe = make_endpoint();
    struct l4_load_cap cap = { .name = LOADEE_CAP_NAME, .from = probe, .to = 9, .rights = BURSAR_RIGHT_WRITE,
                               .mode = BURSAR_REVOCABLE_COPY, .badge = LOADEE_CAP_BADGE };
    size_t size = 0;
    const void *image = fixture("load_plain.elf", &size);
    char why[128] = "";

    TEST_CHECK(image != NULL, "boot module load_plain.elf is missing");
    frames_init(TEST_FRAMES);
    ledger_take(&before);
    spec_init(&spec, "plain", image, size, 16, parent);
    spec.argv = argv;
    spec.argc = 2;
    spec.caps = &cap;
    spec.cap_count = 1;
    if (l4_program_load(&spec, &program) != L4_LOAD_OK)
        l4_program_failure(&program, why, sizeof why);
    TEST_CHECK(why[0] == '\0', "loading: %s", why);
    TEST_CHECK_EQUAL(l4_program_start(&program), 0, "start");
    TEST_CHECK_EQUAL(wait_exit(parent, &badge, &status), 0, "exit report");
    TEST_CHECK(badge == PARENT_BADGE && status == 0, "status %u, badge %u (0 is every check passed)", status, badge);
    l4_program_destroy(&program);
    ledger_take(&after);
    TEST_CHECK(ledger_equal(&before, &after), "the ledger is not back after destroying the program");
}

USER_TEST(901, a_program_of_four_segments_gets_each_where_it_belongs)
{
    run_fixture(result, "segments", "load_segments.elf", NULL, 0);
}

USER_TEST(902, a_program_with_a_megabyte_of_bss_gets_it_zeroed)
{
    run_fixture(result, "bigbss", "load_bigbss.elf", NULL, 0);
}

USER_TEST(903, a_program_of_text_alone_runs)
{
    run_fixture(result, "nodata", "load_nodata.elf", NULL, 0);
}

USER_TEST(904, two_programs_of_one_image_have_their_own_data)
{
    static const char *const argv[] = { LOADEE_ARG0, LOADEE_ARG1 };
    struct l4_load_cap caps[2];
    struct l4_load_spec spec;
    struct l4_program programs[2];
    uint32_t badge = 0, status = 0;
    unsigned parent = make_endpoint();
    size_t size = 0;
    const void *image = fixture("load_plain.elf", &size);

    TEST_CHECK(image != NULL, "boot module load_plain.elf is missing");
    frames_init(TEST_FRAMES);
    for (unsigned i = 0; i < 2; i++) {
        caps[i] = (struct l4_load_cap){ .name = LOADEE_CAP_NAME, .from = make_endpoint(), .to = 4,
                                        .rights = BURSAR_RIGHT_WRITE, .badge = LOADEE_CAP_BADGE };
        spec_init(&spec, "plain", image, size, 16, parent);
        spec.window = WINDOW + i * (WINDOW_PAGES / 2) * 4096u;
        spec.window_pages = WINDOW_PAGES / 2;
        spec.parent_badge = 10 + i;
        spec.argv = argv;
        spec.argc = 2;
        spec.caps = &caps[i];
        spec.cap_count = 1;
        TEST_CHECK_EQUAL_FMT(l4_program_load(&spec, &programs[i]), L4_LOAD_OK, "loading copy %u", i);
    }
    /* Both are loaded before either runs: had they shared data, the second would count a second run. */
    for (unsigned i = 0; i < 2; i++)
        TEST_CHECK_EQUAL_FMT(l4_program_start(&programs[i]), 0, "starting copy %u", i);
    for (unsigned i = 0; i < 2; i++) {
        TEST_CHECK_EQUAL_FMT(wait_exit(parent, &badge, &status), 0, "exit report %u", i);
        TEST_CHECK(status == 0 && (badge == 10 || badge == 11), "copy with badge %u: status %u", badge, status);
    }
    for (unsigned i = 0; i < 2; i++)
        l4_program_destroy(&programs[i]);
}

USER_TEST(905, a_loaded_programs_text_is_read_only)
{
    static const char *const argv[] = { LOADEE_WRITE_TEXT };
    struct l4_load_spec spec;
    struct l4_program program;
    struct l4_msg fault;
    unsigned parent = make_endpoint(), pager = make_endpoint(), reply = core_slot();
    size_t size = 0;
    const void *image = fixture("load_plain.elf", &size);

    TEST_CHECK(image != NULL, "boot module load_plain.elf is missing");
    TEST_CHECK_EQUAL(l4_create(BURSAR_SLOT_HEAP, BURSAR_OBJECT_REPLY, reply, 0), 0, "reply object");
    frames_init(TEST_FRAMES);
    spec_init(&spec, "plain", image, size, 16, parent);
    spec.argv = argv;
    spec.argc = 1;
    spec.pager = pager;
    TEST_CHECK_EQUAL(l4_program_load(&spec, &program), L4_LOAD_OK, "load");
    TEST_CHECK_EQUAL(l4_program_start(&program), 0, "start");
    TEST_CHECK_EQUAL(l4_msg_receive(pager, reply, &fault, BURSAR_TIMEOUT_MS(EXIT_TIMEOUT_MS)), 0, "the fault");
    TEST_CHECK(l4_msg_label(&fault) == BURSAR_LABEL_PAGE_FAULT, "label %x", l4_msg_label(&fault));
    TEST_CHECK(fault.mr[0] >= BURSAR_PROGRAM_BASE && fault.mr[0] < BURSAR_PROGRAM_BASE + 0x100000u &&
               fault.mr[2] == (BURSAR_ACCESS_WRITE | BURSAR_ACCESS_PRESENT),
               "fault at %x, access %x: expected a write to a present page of text", fault.mr[0], fault.mr[2]);
    TEST_CHECK_EQUAL(l4_reply(reply, BURSAR_TAG(BURSAR_LABEL_KILL, 0, 0), 0, 0), 0, "killing it");
    l4_program_destroy(&program);
}

/* ---- refusals --------------------------------------------------------------------- */

/* One load that must fail with `expected`; the ledger and the program's slots must be as before. */
static void refused(struct test_result *result, struct l4_load_spec *spec, enum l4_load_error expected,
                    struct l4_program *program)
{
    struct ledger before, after;
    struct l4_cap_info cap = { 0 };
    enum l4_load_error got;
    char why[128];

    ledger_take(&before);
    got = l4_program_load(spec, program);
    l4_program_failure(program, why, sizeof why);
    ledger_take(&after);
    TEST_CHECK(got == expected, "%s: got '%s' (%s), expected '%s'", spec->name, l4_load_error_name(got), why,
               l4_load_error_name(expected));
    TEST_CHECK(ledger_equal(&before, &after), "%s: refused (%s) but the ledger changed", spec->name, why);
    for (unsigned slot = spec->slots; slot < spec->slots + 3; slot++)
        TEST_CHECK(l4_cap_inspect(slot, &cap) == 0 && cap.type == BURSAR_OBJECT_NONE,
                   "%s: slot %u holds type %u after the refusal", spec->name, slot, cap.type);
}

static const struct {
    const char *file;
    enum elf_error elf;        /* ELF_OK: lib/elf.c accepts it and the loader itself refuses it */
} malformed[] = {
    { "truncated.elf", ELF_E_SEGMENT_OUTSIDE_FILE },
    { "not-an-elf.bin", ELF_E_BAD_MAGIC },
    { "kernel-space.elf", ELF_E_SEGMENT_OUTSIDE_USER },
    { "overlapping.elf", ELF_E_SEGMENTS_OVERLAP },
    { "entry-in-data.elf", ELF_E_ENTRY_NOT_EXECUTABLE },
    { "entry-nowhere.elf", ELF_E_ENTRY_OUTSIDE_SEGMENTS },
    { "over-the-stack.elf", ELF_OK },
};

USER_TEST(906, each_malformed_image_is_refused_by_name_and_leaves_nothing)
{
    struct l4_load_spec spec;
    struct l4_program program;
    size_t size = 0;

    frames_init(TEST_FRAMES);
    for (unsigned i = 0; i < sizeof malformed / sizeof malformed[0]; i++) {
        const void *image = fixture(malformed[i].file, &size);
        TEST_CHECK(image != NULL, "boot module %s is missing", malformed[i].file);
        spec_init(&spec, malformed[i].file, image, size, 16, 0);
        refused(result, &spec, L4_LOAD_BAD_IMAGE, &program);
        if (result->failed)
            return;
        TEST_CHECK(program.elf == malformed[i].elf, "%s: ELF error %u (%s), expected %u", malformed[i].file,
                   program.elf, elf_error_string(program.elf), malformed[i].elf);
        if (malformed[i].elf == ELF_OK)
            TEST_CHECK(program.step && strcmp(program.step, "a segment reaches into the stack, UTCB or start "
                                              "information") == 0, "%s: step %s", malformed[i].file, program.step);
    }
}

/* Where the image's last segment's file bytes end: cut anywhere before it, it is no program. */
static size_t loaded_bytes_end(const void *image, size_t size)
{
    struct elf_image checked;
    struct elf_segment segment;
    unsigned cursor = 0;
    size_t end = 0;

    if (elf_check(image, size, &checked) != ELF_OK)
        return 0;
    while (elf_next_segment(&checked, &cursor, &segment))
        if (segment.filesz && segment.offset + segment.filesz > end)
            end = segment.offset + segment.filesz;
    return end;
}

USER_TEST(907, a_good_image_cut_short_anywhere_is_refused)
{
    size_t cuts[] = { 0, 1, 51, 52, 100, 4095, 4096, 6000, 0 };
    const unsigned count = sizeof cuts / sizeof cuts[0];
    struct l4_load_spec spec;
    struct l4_program program;
    size_t size = 0;
    const void *image = fixture("load_plain.elf", &size);

    TEST_CHECK(image != NULL, "boot module load_plain.elf is missing");
    cuts[count - 1] = loaded_bytes_end(image, size) - 1;
    TEST_CHECK(cuts[count - 1] > 6000 && cuts[count - 1] < size, "the image's segments end at %u of %u bytes",
               (unsigned)cuts[count - 1] + 1, (unsigned)size);
    frames_init(TEST_FRAMES);
    for (unsigned i = 0; i < count; i++) {
        spec_init(&spec, "cut", image, cuts[i], 16, 0);
        refused(result, &spec, L4_LOAD_BAD_IMAGE, &program);
        if (result->failed)
            return;
    }
}

/*
 * Heaps of 1, 2, ... pages: each too small fails at some step (the task,
 * a page table, the thread...) with OUT_OF_MEMORY and leaves nothing; the
 * first big enough loads and runs.
 */
USER_TEST(908, a_program_too_big_for_its_heap_is_refused_at_every_step_leaving_nothing)
{
    static const char *const argv[] = { LOADEE_ARG0, LOADEE_ARG1 };
    struct l4_load_cap cap = { .name = LOADEE_CAP_NAME, .to = 4, .rights = BURSAR_RIGHT_WRITE,
                               .mode = BURSAR_REVOCABLE_COPY, .badge = LOADEE_CAP_BADGE };
    struct l4_load_spec spec;
    struct l4_program program;
    uint32_t badge = 0, status = 1;
    unsigned parent = make_endpoint(), failures = 0, pages = 1;
    size_t size = 0;
    const void *image = fixture("load_plain.elf", &size);

    TEST_CHECK(image != NULL, "boot module load_plain.elf is missing");
    cap.from = make_endpoint();
    frames_init(TEST_FRAMES);
    for (; pages <= 32; pages++) {
        spec_init(&spec, "plain", image, size, pages, parent);
        spec.argv = argv;
        spec.argc = 2;
        spec.caps = &cap;
        spec.cap_count = 1;
        {
            struct ledger before, after;
            enum l4_load_error got;
            ledger_take(&before);
            got = l4_program_load(&spec, &program);
            if (got == L4_LOAD_OK)
                break;
            ledger_take(&after);
            printf("  heap of %u pages: %s: %s\n", pages, program.step, l4_error_name(program.error));
            TEST_CHECK(got == L4_LOAD_SYSTEM_CALL && program.error == -BURSAR_E_OUT_OF_MEMORY,
                       "heap of %u pages: %s, error %d", pages, l4_load_error_name(got), program.error);
            TEST_CHECK(ledger_equal(&before, &after), "heap of %u pages: the ledger changed", pages);
            failures++;
        }
    }
    TEST_CHECK(pages <= 32, "no heap of up to 32 pages was enough");
    TEST_CHECK(failures >= 3, "only %u heap sizes were too small", failures);
    TEST_CHECK_EQUAL_FMT(l4_program_start(&program), 0, "start with a heap of %u pages", pages);
    TEST_CHECK_EQUAL(wait_exit(parent, &badge, &status), 0, "exit report");
    TEST_CHECK_EQUAL(status, 0, "status");
    l4_program_destroy(&program);
}

/* Frame sources of 0, 1, ... frames: each too small fails with OUT_OF_MEMORY and leaves nothing. */
USER_TEST(909, a_program_too_big_for_the_frames_is_refused_leaving_nothing)
{
    struct l4_load_spec spec;
    struct l4_program program;
    size_t size = 0;
    const void *image = fixture("load_plain.elf", &size);
    unsigned needed;

    TEST_CHECK(image != NULL, "boot module load_plain.elf is missing");
    needed = l4_program_pages(image, size, 0) + 16;
    for (unsigned count = 0; count < needed; count++) {
        struct ledger before, after;
        enum l4_load_error got;
        frames_init(count);
        spec_init(&spec, "plain", image, size, 16, 0);
        ledger_take(&before);
        got = l4_program_load(&spec, &program);
        ledger_take(&after);
        TEST_CHECK(got == L4_LOAD_SYSTEM_CALL && program.error == -BURSAR_E_OUT_OF_MEMORY,
                   "%u of %u frames: %s, error %d", count, needed, l4_load_error_name(got), program.error);
        TEST_CHECK(ledger_equal(&before, &after), "%u frames: the ledger changed", count);
    }
    frames_init(needed);
    spec_init(&spec, "plain", image, size, 16, 0);
    TEST_CHECK_EQUAL_FMT(l4_program_load(&spec, &program), L4_LOAD_OK, "with %u frames", needed);
    TEST_CHECK_EQUAL(frames.source.ops->available(&frames.source), 0, "every frame used");
    l4_program_destroy(&program);
    TEST_CHECK_EQUAL(frames.out, 0, "every frame back");
}

USER_TEST(910, bad_requests_are_refused_before_anything_is_made)
{
    static const char *const many[L4_START_MAX_ARGS + 1] = { "a" };
    static char long_argument[4096];
    const char *const too_long[] = { long_argument };
    struct l4_load_cap caps[2] = {
        { .name = "one", .to = 4, .rights = BURSAR_RIGHT_WRITE },
        { .name = "two", .to = 4, .rights = BURSAR_RIGHT_WRITE },
    };
    struct l4_load_spec spec;
    struct l4_program program;
    unsigned busy = make_endpoint();
    size_t size = 0;
    const void *image = fixture("load_plain.elf", &size);

    TEST_CHECK(image != NULL, "boot module load_plain.elf is missing");
    memset(long_argument, 'x', sizeof long_argument - 1);
    caps[0].from = caps[1].from = busy;
    frames_init(TEST_FRAMES);
    spec_init(&spec, "a-name-longer-than-twenty-three", image, size, 16, 0);
    refused(result, &spec, L4_LOAD_BAD_SPEC, &program);
    spec_init(&spec, "plain", image, size, 16, 0);
    spec.window_pages = l4_program_pages(image, size, 0) - 1;
    refused(result, &spec, L4_LOAD_WINDOW_TOO_SMALL, &program);
    spec_init(&spec, "plain", image, size, 16, 0);
    spec.window += 1;
    refused(result, &spec, L4_LOAD_BAD_SPEC, &program);
    spec_init(&spec, "plain", image, size, 16, 0);
    spec.argv = many;
    spec.argc = L4_START_MAX_ARGS + 1;
    refused(result, &spec, L4_LOAD_BAD_SPEC, &program);
    spec_init(&spec, "plain", image, size, 16, 0);
    spec.argv = too_long;
    spec.argc = 1;
    refused(result, &spec, L4_LOAD_BAD_SPEC, &program);
    spec_init(&spec, "plain", image, size, 16, 0);
    spec.caps = caps;
    spec.cap_count = 2;                              /* two for slot 4 */
    refused(result, &spec, L4_LOAD_BAD_SPEC, &program);
    caps[1].to = L4_LOAD_PARENT_SLOT;                /* a slot the loader fills itself */
    refused(result, &spec, L4_LOAD_BAD_SPEC, &program);
    caps[1].to = L4_LOAD_DEFAULT_SLOTS;              /* outside its capability space */
    refused(result, &spec, L4_LOAD_BAD_SPEC, &program);
    spec_init(&spec, "plain", image, size, 16, 0);
    spec.frames = NULL;
    refused(result, &spec, L4_LOAD_BAD_SPEC, &program);
}

USER_TEST(911, a_failed_load_never_touches_what_the_caller_already_had)
{
    struct l4_load_spec spec;
    struct l4_program program;
    struct l4_cap_info cap = { 0 };
    unsigned busy = make_endpoint();
    size_t size = 0;
    const void *image = fixture("load_plain.elf", &size);

    TEST_CHECK(image != NULL, "boot module load_plain.elf is missing");
    frames_init(TEST_FRAMES);
    /* The caller's "empty" slot for the task holds an endpoint: the create fails, the endpoint stays. */
    spec_init(&spec, "plain", image, size, 0, 0);
    spec.heap = BURSAR_SLOT_HEAP;
    spec.slots = busy;
    {
        struct ledger before, after;
        ledger_take(&before);
        TEST_CHECK(l4_program_load(&spec, &program) == L4_LOAD_SYSTEM_CALL &&
                   program.error == -BURSAR_E_SLOT_IN_USE, "load into a used slot: %d", program.error);
        ledger_take(&after);
        TEST_CHECK(ledger_equal(&before, &after), "the ledger changed");
    }
    TEST_CHECK(l4_cap_inspect(busy, &cap) == 0 && cap.type == BURSAR_OBJECT_ENDPOINT,
               "the caller's endpoint was destroyed (type %u)", cap.type);
    /* A "heap" that is an endpoint. */
    spec_init(&spec, "plain", image, size, 0, 0);
    spec.heap = busy;
    refused(result, &spec, L4_LOAD_SYSTEM_CALL, &program);
    TEST_CHECK_EQUAL(program.error, -BURSAR_E_WRONG_TYPE, "an endpoint as the heap");
}

USER_TEST(912, a_handed_heap_pays_for_the_program_and_stays_the_callers)
{
    struct l4_load_spec spec;
    struct l4_program program;
    struct bursar_heap_info heap;
    uint32_t badge = 0, status = 1;
    unsigned parent = make_endpoint(), handed = core_slot();
    size_t size = 0;
    const void *image = fixture("load_nodata.elf", &size);

    TEST_CHECK(image != NULL, "boot module load_nodata.elf is missing");
    TEST_CHECK_EQUAL(core_heap_create(handed, 16), 0, "the caller's heap");
    frames_init(TEST_FRAMES);
    spec_init(&spec, "nodata", image, size, 0, parent);
    spec.heap = handed;
    TEST_CHECK_EQUAL(l4_program_load(&spec, &program), L4_LOAD_OK, "load");
    TEST_CHECK(!program.heap_created && program.heap == handed, "the loader made a heap of its own");
    TEST_CHECK_EQUAL(l4_heap_info(handed, &heap), 0, "heap info");
    TEST_CHECK(heap.live_by_type[BURSAR_HEAP_TASK] == 1 && heap.live_by_type[BURSAR_HEAP_THREAD] == 1,
               "the handed heap pays for %u tasks and %u threads", heap.live_by_type[BURSAR_HEAP_TASK],
               heap.live_by_type[BURSAR_HEAP_THREAD]);
    TEST_CHECK_EQUAL(l4_program_start(&program), 0, "start");
    TEST_CHECK_EQUAL(wait_exit(parent, &badge, &status), 0, "exit report");
    TEST_CHECK_EQUAL(status, 0, "status");
    l4_program_destroy(&program);
    TEST_CHECK_EQUAL(l4_heap_info(handed, &heap), 0, "the heap is still there");
    for (unsigned kind = 0; kind < BURSAR_HEAP_KIND_COUNT; kind++)
        TEST_CHECK(heap.live_by_type[kind] == 0, "%u objects of kind %u left in the handed heap",
                   heap.live_by_type[kind], kind);
    TEST_CHECK_EQUAL(heap.pages_held, 16, "pages");
}

USER_TEST(913, a_capability_given_by_grant_leaves_the_caller_only_when_the_load_succeeds)
{
    static const char *const argv[] = { LOADEE_ARG0, LOADEE_ARG1 };
    struct l4_load_cap caps[2] = {
        { .name = LOADEE_CAP_NAME, .to = 5, .rights = BURSAR_RIGHT_WRITE, .mode = BURSAR_GRANT,
          .badge = LOADEE_CAP_BADGE },
        { .name = "nothing", .to = 6, .rights = BURSAR_RIGHT_WRITE, .mode = BURSAR_COPY },
    };
    struct l4_load_spec spec;
    struct l4_program program;
    struct l4_cap_info info = { 0 };
    uint32_t badge = 0, status = 1;
    unsigned parent = make_endpoint();
    size_t size = 0;
    const void *image = fixture("load_plain.elf", &size);

    TEST_CHECK(image != NULL, "boot module load_plain.elf is missing");
    /* A copy is granted: the program's destruction then takes the copy, not the endpoint's last capability. */
    caps[0].from = core_slot();
    TEST_CHECK_EQUAL(l4_cap_copy(make_endpoint(), caps[0].from, BURSAR_RIGHTS_ALL, 0), 0, "copy");
    caps[1].from = core_slot();                                  /* empty: its transfer fails after the grant */
    frames_init(TEST_FRAMES);
    spec_init(&spec, "plain", image, size, 16, parent);
    spec.argv = argv;
    spec.argc = 2;
    spec.caps = caps;
    spec.cap_count = 2;
    TEST_CHECK(l4_program_load(&spec, &program) == L4_LOAD_SYSTEM_CALL &&
               (program.error == -BURSAR_E_EMPTY_SLOT || program.error == -BURSAR_E_REVOKED),
               "the second capability did not fail the load: error %d", program.error);
    TEST_CHECK(l4_cap_inspect(caps[0].from, &info) == 0 && info.type == BURSAR_OBJECT_ENDPOINT,
               "a failed load took the granted capability (type %u)", info.type);
    spec_init(&spec, "plain", image, size, 16, parent);
    spec.argv = argv;
    spec.argc = 2;
    spec.caps = caps;
    spec.cap_count = 1;
    TEST_CHECK_EQUAL(l4_program_load(&spec, &program), L4_LOAD_OK, "load");
    TEST_CHECK(l4_cap_inspect(caps[0].from, &info) == 0 && info.type == BURSAR_OBJECT_NONE,
               "the granted capability is still the caller's (type %u)", info.type);
    TEST_CHECK_EQUAL(l4_program_start(&program), 0, "start");
    TEST_CHECK_EQUAL(wait_exit(parent, &badge, &status), 0, "exit report");
    TEST_CHECK_EQUAL(status, 0, "the program checked the capability it was granted");
    l4_program_destroy(&program);
}

USER_TEST(914, destroying_a_running_program_gives_everything_back)
{
    static const char *const argv[] = { LOADEE_SPIN };
    struct l4_load_spec spec;
    struct l4_program program;
    struct ledger before, after;
    struct bursar_system_info running;
    unsigned parent = make_endpoint();
    size_t size = 0;
    const void *image = fixture("load_plain.elf", &size);

    TEST_CHECK(image != NULL, "boot module load_plain.elf is missing");
    frames_init(TEST_FRAMES);
    ledger_take(&before);
    spec_init(&spec, "plain", image, size, 16, parent);
    spec.argv = argv;
    spec.argc = 1;
    TEST_CHECK_EQUAL(l4_program_load(&spec, &program), L4_LOAD_OK, "load");
    TEST_CHECK_EQUAL(l4_program_start(&program), 0, "start");
    core_sleep_ms(30);
    l4_system_info(&running);
    TEST_CHECK(running.threads == before.threads + 1, "%u threads while it runs", running.threads);
    l4_program_destroy(&program);
    ledger_take(&after);
    TEST_CHECK(ledger_equal(&before, &after), "the ledger is not back");
}
