/*
 * test_system.c — host tests of the system-description reader init uses
 * (servers/init/system.c, docs/system.md): what a good description
 * becomes, and each kind of mistake reported with its line, in line order,
 * with nothing to start.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "servers/init/system.h"

#define MAX_REPORTS 80

/* The fake machine: images by name, free frames, and the reports collected. */
static struct {
    unsigned lines[MAX_REPORTS];
    char messages[MAX_REPORTS][160];
    unsigned count;
} reports;

static const char *image_pages(void *context, const char *file, unsigned stack_pages, unsigned *pages)
{
    (void)context;
    if (strcmp(file, "bad.elf") == 0)
        return "not an ELF file (bad magic)";
    if (strcmp(file, "server.elf") != 0 && strcmp(file, "client.elf") != 0 && strcmp(file, "solo.elf") != 0)
        return "no boot module has this name";
    *pages = 3 + stack_pages + 2;
    return NULL;
}

static void error(void *context, unsigned line, const char *message)
{
    (void)context;
    if (reports.count < MAX_REPORTS) {
        reports.lines[reports.count] = line;
        snprintf(reports.messages[reports.count], sizeof reports.messages[0], "%s", message);
    }
    reports.count++;
}

static struct system system;

static unsigned read_text(const char *text, unsigned frames)
{
    struct system_environment environment = { .image_pages = image_pages, .frames_available = frames,
                                               .error = error };

    memset(&reports, 0, sizeof reports);
    return system_read(&system, text, strlen(text), &environment);
}

/* Exactly one problem, on `line`, whose message contains `words`. */
static void expect_one_problem(const char *text, unsigned line, const char *words)
{
    unsigned problems = read_text(text, 100000);

    if (problems != 1 || reports.lines[0] != line || !strstr(reports.messages[0], words))
        fail_msg("expected line %u: ...%s...; got %u problems, the first on line %u: %s", line, words, problems,
                 reports.lines[0], reports.messages[0]);
}

static const char *const good =
    "# a comment line\n"
    "\n"
    "program server  heap 16 priority 0x78   args 2 # a comment after\n"
    "program alice   file client.elf heap 12 stack 2 args Alice \"two words\" 3\n"
    "connect alice.srv to server.requests badge 11 rights wg\n"      /* used before it is declared */
    "endpoint server.requests\r\n"
    "\t program solo heap 1\n";

static void a_good_description_is_read_in_full(void **state)
{
    (void)state;
    assert_int_equal(read_text(good, 1000), 0);
    assert_int_equal(reports.count, 0);
    assert_int_equal(system.program_count, 3);
    assert_string_equal(system.programs[0].name, "server");
    assert_string_equal(system.programs[0].file, "server.elf");
    assert_int_equal(system.programs[0].heap_pages, 16);
    assert_int_equal(system.programs[0].priority, 120);
    assert_int_equal(system.programs[0].stack_pages, SYSTEM_DEFAULT_STACK);
    assert_int_equal(system.programs[0].line, 3);
    assert_int_equal(system.programs[0].argc, 1);
    assert_string_equal(system_program_arg(&system.programs[0], 0), "2");
    assert_string_equal(system.programs[1].file, "client.elf");
    assert_int_equal(system.programs[1].stack_pages, 2);
    assert_int_equal(system.programs[1].priority, SYSTEM_DEFAULT_PRIORITY);
    assert_int_equal(system.programs[1].argc, 3);
    assert_string_equal(system_program_arg(&system.programs[1], 1), "two words");
    assert_string_equal(system_program_arg(&system.programs[1], 2), "3");
    assert_int_equal(system.programs[1].image_pages, 3 + 2 + 2);
    assert_int_equal(system.programs[2].heap_pages, 1);
    assert_int_equal(system.endpoint_count, 1);
    assert_int_equal(system.endpoints[0].program, 0);
    assert_string_equal(system.endpoints[0].name, "requests");
    assert_int_equal(system.connection_count, 1);
    assert_int_equal(system.connections[0].client, 1);
    assert_int_equal(system.connections[0].endpoint, 0);
    assert_string_equal(system.connections[0].name, "srv");
    assert_int_equal(system.connections[0].badge, 11);
    assert_int_equal(system.connections[0].rights, SYSTEM_RIGHT_SEND | SYSTEM_RIGHT_GRANT);
    /* Each: its image and UTCB and start information pages (3 + 2), and its bank's limit: heap, stack (the
     * pager's), bookkeeping. */
    assert_int_equal(system.frames_needed, (3 + 2 + 16 + 4 + SYSTEM_PAGER_HEAP_FRAMES(4) + SYSTEM_BANK_BOOKKEEPING) +
                                           (3 + 2 + 12 + 2 + SYSTEM_PAGER_HEAP_FRAMES(2) + SYSTEM_BANK_BOOKKEEPING) +
                                           (3 + 2 + 1 + 4 + SYSTEM_PAGER_HEAP_FRAMES(4) + SYSTEM_BANK_BOOKKEEPING));
    assert_true(system.programs[0].pager);
    assert_int_equal(SYSTEM_PAGER_HEAP_FRAMES(4), 1 + SYSTEM_HEAP_HIGH);
    assert_int_equal(SYSTEM_PAGER_HEAP_FRAMES(129), 2 + SYSTEM_HEAP_HIGH);
    assert_int_equal(SYSTEM_PAGER_HEAP_FRAMES(0), 0);
    assert_int_equal(system_bank_limit(&system, 0), 16 + 4 + 1 + SYSTEM_HEAP_HIGH + SYSTEM_BANK_BOOKKEEPING);
    assert_int_equal(system.lines, 7);
}

static void a_connection_defaults_to_send_and_no_badge(void **state)
{
    (void)state;
    assert_int_equal(read_text("program server heap 1\nprogram client heap 1\nendpoint server.e\n"
                               "connect client.e to server.e\n", 1000), 0);
    assert_int_equal(system.connections[0].badge, 0);
    assert_int_equal(system.connections[0].rights, SYSTEM_RIGHT_SEND);
}

static void each_syntax_mistake_is_reported_on_its_line(void **state)
{
    (void)state;
    expect_one_problem("program solo heap 1\nprogramme x heap 1\n", 2, "unknown statement 'programme'");
    expect_one_problem("program solo heap 1\nprogram\n", 2, "expected 'program NAME");
    expect_one_problem("program solo heap 1 colour blue\n", 1, "unknown word 'colour'");
    expect_one_problem("program solo heap 1 heap 2\n", 1, "'heap' is given twice");
    expect_one_problem("program solo heap\n", 1, "'heap' needs a value");
    expect_one_problem("program solo stack 2\n", 1, "no heap quota");
    expect_one_problem("program solo heap 1\nprogram two file solo.elf heap 1 args \"open\n", 2, "no closing quote");
    expect_one_problem("program solo heap 1\nprogram two file solo.elf heap 1 args a\"b\n", 2,
                       "quote in the middle");
    expect_one_problem("program s@lo heap 1\nprogram solo heap 1\n", 1, "'s@lo' is not a valid program name");
    expect_one_problem("program solo heap 1\nprogram a-name-of-twenty-four-ch heap 1\n", 2, "not a valid program name");
    expect_one_problem("program solo heap 1\nendpoint solo\n", 2, "should be PROGRAM.NAME");
    expect_one_problem("program solo heap 1\nendpoint solo.a solo.b\n", 2, "expected 'endpoint PROGRAM.NAME'");
    expect_one_problem("program solo heap 1\nendpoint solo.e\nconnect solo.x solo.e\n", 3, "expected 'connect");
    expect_one_problem("program solo heap 1\nendpoint solo.e\nconnect solo.x to solo.e colour 1\n", 3,
                       "unknown word 'colour'");
    expect_one_problem("program solo heap 1 file a-file-name-that-is-longer-than-forty-seven-chars.elf\n", 1,
                       "longer than 47");
}

static void each_bad_number_is_reported_on_its_line(void **state)
{
    (void)state;
    expect_one_problem("\nprogram solo heap twelve\n", 2, "heap 'twelve' is not a number");
    expect_one_problem("program solo heap 0\n", 1, "heap 0 is out of range (1 to 16384)");
    expect_one_problem("program solo heap 16385\n", 1, "out of range");
    expect_one_problem("program solo heap 1 priority 200\n", 1, "priority 200 is out of range (1 to 199)");
    expect_one_problem("program solo heap 1 stack 0\n", 1, "stack 0 is out of range");
    expect_one_problem("program solo heap 0x\n", 1, "is not a number");
    expect_one_problem("program solo heap -1\n", 1, "is not a number");
    expect_one_problem("program solo heap 1\nendpoint solo.e\nconnect solo.c to solo.e badge 4294967296\n", 3,
                       "does not fit in 32 bits");
    expect_one_problem("program solo heap 1\nendpoint solo.e\nconnect solo.c to solo.e rights wx\n", 3,
                       "rights 'wx'");
    expect_one_problem("program solo heap 1\nendpoint solo.e\nconnect solo.c to solo.e rights ww\n", 3,
                       "rights 'ww'");
    assert_int_equal(read_text("program solo heap 1\nendpoint solo.e\nconnect solo.c to solo.e badge 0xffffffff\n",
                               1000), 0);
    assert_int_equal(system.connections[0].badge, 0xffffffffu);
}

static void each_reference_mistake_is_reported_on_its_line(void **state)
{
    (void)state;
    expect_one_problem("program solo heap 1\nprogram solo heap 2\n", 2, "called solo is declared already, on line 1");
    expect_one_problem("program solo heap 1\nendpoint nobody.e\n", 2, "unknown program nobody");
    expect_one_problem("program solo heap 1\nendpoint solo.e\nconnect zed.c to solo.e\n", 3, "unknown program zed");
    expect_one_problem("program solo heap 1\nconnect solo.c to solo.e\n", 2,
                       "dangling connection: program solo serves no endpoint called e");
    expect_one_problem("program solo heap 1\nendpoint solo.e\nendpoint solo.e\n", 3,
                       "has a capability called e already, from line 2");
    expect_one_problem("program solo heap 1\nendpoint solo.e\nconnect solo.e to solo.e\n", 3,
                       "has a capability called e already");
    expect_one_problem("program carol heap 1\n", 1, "program carol: boot module carol.elf: no boot module");
    expect_one_problem("program solo file bad.elf heap 1\n", 1, "bad.elf: not an ELF file");
    expect_one_problem("\n\n# nothing\n", 3, "starts no program");
}

static void quotas_that_do_not_fit_are_reported_where_they_stop_fitting(void **state)
{
    (void)state;
    /* Each program needs 3 + 2 image and page frames, and a bank of its heap, 4 pages of stack, a heap page
     * for their records and the heap's refill (4), and 2 of bookkeeping: 26, 43, 60 after each; without the
     * pager the stack is in the image's frames instead. */
    assert_int_equal(read_text("program a file solo.elf heap 10\nprogram b file solo.elf heap 1\n"
                               "program c file solo.elf heap 1\n", 59), 1);
    assert_int_equal(reports.lines[0], 3);
    assert_non_null(strstr(reports.messages[0], "the programs up to c need 60 frames"));
    assert_int_equal(read_text("program a file solo.elf heap 10\nprogram b file solo.elf heap 1\n"
                               "program c file solo.elf heap 1\n", 60), 0);
    assert_int_equal(read_text("program a file solo.elf heap 10 pager no\n", 1000), 0);
    assert_int_equal(system.frames_needed, 3 + 4 + 2 + 10 + SYSTEM_BANK_BOOKKEEPING);
    /* A bank the description sizes counts as it says. */
    assert_int_equal(read_text("program a file solo.elf heap 10 bank 100 memory 50\n", 1000), 0);
    assert_int_equal(system.frames_needed, 3 + 2 + 100);
}

static void banks_memory_and_the_pager_are_read_and_checked(void **state)
{
    (void)state;
    assert_int_equal(read_text("program a file solo.elf heap 8 memory 64\n"
                               "program b file solo.elf heap 8 bank 40 pager yes\n"
                               "program c file solo.elf heap 8 stack 2 pager no\n"
                               "program d file solo.elf heap 8\nheap d.lent 16\n", 1000), 0);
    assert_true(system.programs[0].pager);
    assert_int_equal(system.programs[0].memory_pages, 64);
    assert_int_equal(system_bank_limit(&system, 0), 8 + 4 + 64 + 1 + SYSTEM_HEAP_HIGH + SYSTEM_BANK_BOOKKEEPING);
    assert_int_equal(system_bank_limit(&system, 1), 40);
    assert_false(system.programs[2].pager);
    assert_int_equal(system_bank_limit(&system, 2), 8 + SYSTEM_BANK_BOOKKEEPING);
    assert_int_equal(system_bank_limit(&system, 3), 8 + 16 + 4 + 1 + SYSTEM_HEAP_HIGH + SYSTEM_BANK_BOOKKEEPING);
    expect_one_problem("program solo heap 1 memory 4 pager no\n", 1, "memory needs the pager (it has pager no)");
    expect_one_problem("program solo heap 1 pager maybe\n", 1, "pager 'maybe' should be yes or no");
    expect_one_problem("program solo heap 1 bank 0\n", 1, "bank 0 is out of range (1 to 65536)");
    expect_one_problem("program solo heap 1 memory 16385\n", 1, "memory 16385 is out of range (1 to 16384)");
    expect_one_problem("program solo heap 1 pager no pager yes\n", 1, "'pager' is given twice");
}

static void every_mistake_is_reported_in_line_order(void **state)
{
    (void)state;
    assert_int_equal(read_text("connect x.c to y.e\n"            /* 1: unknown x, unknown y */
                               "program solo heap zero\n"       /* 2 */
                               "bogus\n"                        /* 3 */
                               "program other file solo.elf heap 1 colour\n", /* 4 */
                               1000), 5);
    assert_int_equal(reports.count, 5);
    for (unsigned i = 1; i < reports.count; i++)
        assert_true(reports.lines[i - 1] <= reports.lines[i]);
    assert_int_equal(reports.lines[0], 1);
    assert_int_equal(reports.lines[4], 4);
}

static void limits_are_reported_not_overrun(void **state)
{
    static char text[64 * 1024];
    size_t used = 0;

    (void)state;
    for (unsigned i = 0; i < SYSTEM_MAX_PROGRAMS + 1; i++)
        used += (size_t)snprintf(text + used, sizeof text - used, "program p%u file solo.elf heap 1\n", i);
    assert_int_equal(read_text(text, 100000), 1);
    assert_int_equal(reports.lines[0], SYSTEM_MAX_PROGRAMS + 1);
    assert_non_null(strstr(reports.messages[0], "more than 16 programs"));
    /* A line longer than the limit. */
    memset(text, 'x', SYSTEM_MAX_LINE + 1);
    strcpy(text + SYSTEM_MAX_LINE + 1, "\nprogram solo heap 1\n");
    expect_one_problem(text, 1, "line longer than 256");
    /* A NUL byte. */
    {
        struct system_environment environment = { .image_pages = image_pages, .frames_available = 1000,
                                                  .error = error };
        static const char with_nul[] = "program solo heap 1\nprog\0ram x\n";
        memset(&reports, 0, sizeof reports);
        assert_int_equal(system_read(&system, with_nul, sizeof with_nul - 1, &environment), 1);
        assert_int_equal(reports.lines[0], 2);
        assert_non_null(strstr(reports.messages[0], "NUL"));
    }
    /* More problems than are kept: the count is right and the rest are summed up. */
    used = 0;
    for (unsigned i = 0; i < 100; i++)
        used += (size_t)snprintf(text + used, sizeof text - used, "bogus\n");
    used += (size_t)snprintf(text + used, sizeof text - used, "program solo heap 1\n");
    assert_int_equal(read_text(text, 1000), 100);
    assert_non_null(strstr(reports.messages[64], "and 36 more problems"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(a_good_description_is_read_in_full),
        cmocka_unit_test(a_connection_defaults_to_send_and_no_badge),
        cmocka_unit_test(each_syntax_mistake_is_reported_on_its_line),
        cmocka_unit_test(each_bad_number_is_reported_on_its_line),
        cmocka_unit_test(each_reference_mistake_is_reported_on_its_line),
        cmocka_unit_test(quotas_that_do_not_fit_are_reported_where_they_stop_fitting),
        cmocka_unit_test(banks_memory_and_the_pager_are_read_and_checked),
        cmocka_unit_test(every_mistake_is_reported_in_line_order),
        cmocka_unit_test(limits_are_reported_not_overrun),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
