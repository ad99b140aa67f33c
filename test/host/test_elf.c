/*
 * test_elf.c — host tests of lib/elf.c, the ELF checker the kernel runs on
 * boot modules and libl4 on programs. Each test builds a small valid
 * executable in memory, breaks one thing, and expects that thing's error.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "bursar/boot.h"
#include "lib/elf.h"

/*
 * The valid image: header, then two program headers, then a text page at
 * file offset 0x1000 (vaddr 0x401000, R+X) and a data page at 0x2000
 * (vaddr 0x402000, RW, with a page of bss after the file bytes).
 */
#define IMAGE_SIZE      0x3000u
#define TEXT            0      /* program header index */
#define DATA            1
#define TEXT_VADDR      0x00401000u
#define DATA_VADDR      0x00402000u

static uint8_t image[IMAGE_SIZE];

static void put16(size_t offset, uint32_t value)
{
    image[offset] = (uint8_t)value;
    image[offset + 1] = (uint8_t)(value >> 8);
}

static void put32(size_t offset, uint32_t value)
{
    put16(offset, value & 0xffff);
    put16(offset + 2, value >> 16);
}

/* Offset of field `field` (a gABI offset) of program header `index`. */
static size_t ph(unsigned index, size_t field)
{
    return ELF_HEADER_SIZE + index * ELF_PROGRAM_HEADER_SIZE + field;
}

enum { P_TYPE = 0, P_OFFSET = 4, P_VADDR = 8, P_PADDR = 12, P_FILESZ = 16, P_MEMSZ = 20, P_FLAGS = 24,
       P_ALIGN = 28 };
enum { E_TYPE = 16, E_MACHINE = 18, E_VERSION = 20, E_ENTRY = 24, E_PHOFF = 28,
       E_EHSIZE = 40, E_PHENTSIZE = 42, E_PHNUM = 44 };

static void set_segment(unsigned index, uint32_t offset, uint32_t vaddr, uint32_t filesz,
                        uint32_t memsz, uint32_t flags)
{
    put32(ph(index, P_TYPE), ELF_SEGMENT_LOAD);
    put32(ph(index, P_OFFSET), offset);
    put32(ph(index, P_VADDR), vaddr);
    put32(ph(index, P_PADDR), vaddr);
    put32(ph(index, P_FILESZ), filesz);
    put32(ph(index, P_MEMSZ), memsz);
    put32(ph(index, P_FLAGS), flags);
    put32(ph(index, P_ALIGN), 0x1000);
}

static int build_valid_image(void **state)
{
    (void)state;
    memset(image, 0, sizeof image);
    memcpy(image, "\x7f" "ELF", 4);
    image[4] = ELF_CLASS_32;
    image[5] = ELF_DATA_LITTLE_ENDIAN;
    image[6] = ELF_VERSION_CURRENT;
    put16(E_TYPE, ELF_TYPE_EXECUTABLE);
    put16(E_MACHINE, ELF_MACHINE_386);
    put32(E_VERSION, ELF_VERSION_CURRENT);
    put32(E_ENTRY, TEXT_VADDR + 0x10);
    put32(E_PHOFF, ELF_HEADER_SIZE);
    put16(E_EHSIZE, ELF_HEADER_SIZE);
    put16(E_PHENTSIZE, ELF_PROGRAM_HEADER_SIZE);
    put16(E_PHNUM, 2);
    set_segment(TEXT, 0x1000, TEXT_VADDR, 0x100, 0x100, ELF_FLAG_READ | ELF_FLAG_EXECUTE);
    set_segment(DATA, 0x2000, DATA_VADDR, 0x80, 0x2000, ELF_FLAG_READ | ELF_FLAG_WRITE);
    return 0;
}

static enum elf_error check(size_t size)
{
    struct elf_image checked;
    return elf_check(image, size, &checked);
}

static void test_valid_image_and_its_segments(void **state)
{
    (void)state;
    struct elf_image checked;
    struct elf_segment s;
    unsigned cursor = 0;

    assert_int_equal(elf_check(image, IMAGE_SIZE, &checked), ELF_OK);
    assert_int_equal(checked.entry, TEXT_VADDR + 0x10);

    assert_true(elf_next_segment(&checked, &cursor, &s));
    assert_int_equal(s.vaddr, TEXT_VADDR);
    assert_int_equal(s.offset, 0x1000);
    assert_int_equal(s.filesz, 0x100);
    assert_int_equal(s.memsz, 0x100);
    assert_true(s.executable);
    assert_false(s.writable);

    assert_true(elf_next_segment(&checked, &cursor, &s));
    assert_int_equal(s.vaddr, DATA_VADDR);
    assert_int_equal(s.offset, 0x2000);
    assert_int_equal(s.filesz, 0x80);
    assert_int_equal(s.memsz, 0x2000);
    assert_false(s.executable);
    assert_true(s.writable);

    assert_false(elf_next_segment(&checked, &cursor, &s));
}

static void test_other_segment_types_and_empty_loads_are_skipped(void **state)
{
    (void)state;
    struct elf_image checked;
    struct elf_segment s;
    unsigned cursor = 0, count = 0;

    put16(E_PHNUM, 4);
    put32(ph(2, P_TYPE), 4);                                  /* PT_NOTE */
    set_segment(3, 0, 0x00500000, 0, 0, ELF_FLAG_READ);      /* empty PT_LOAD */
    assert_int_equal(elf_check(image, IMAGE_SIZE, &checked), ELF_OK);
    while (elf_next_segment(&checked, &cursor, &s))
        count++;
    assert_int_equal(count, 2);
}

static void test_null_image(void **state)
{
    (void)state;
    struct elf_image checked;
    assert_int_equal(elf_check(NULL, IMAGE_SIZE, &checked), ELF_E_NO_IMAGE);
}

static void test_truncated_header(void **state)
{
    (void)state;
    assert_int_equal(check(0), ELF_E_TRUNCATED_HEADER);
    assert_int_equal(check(ELF_HEADER_SIZE - 1), ELF_E_TRUNCATED_HEADER);
}

static void test_bad_identification(void **state)
{
    (void)state;
    image[1] = 'e';
    assert_int_equal(check(IMAGE_SIZE), ELF_E_BAD_MAGIC);
    build_valid_image(NULL);
    image[4] = 2;                                             /* ELFCLASS64 */
    assert_int_equal(check(IMAGE_SIZE), ELF_E_BAD_CLASS);
    build_valid_image(NULL);
    image[5] = 2;                                             /* ELFDATA2MSB */
    assert_int_equal(check(IMAGE_SIZE), ELF_E_BAD_ENDIANNESS);
    build_valid_image(NULL);
    image[6] = 0;
    assert_int_equal(check(IMAGE_SIZE), ELF_E_BAD_VERSION);
    build_valid_image(NULL);
    put32(E_VERSION, 2);
    assert_int_equal(check(IMAGE_SIZE), ELF_E_BAD_VERSION);
}

static void test_bad_machine(void **state)
{
    (void)state;
    put16(E_MACHINE, 62);                                     /* EM_X86_64 */
    assert_int_equal(check(IMAGE_SIZE), ELF_E_BAD_MACHINE);
}

static void test_bad_type(void **state)
{
    (void)state;
    put16(E_TYPE, 3);                                         /* ET_DYN */
    assert_int_equal(check(IMAGE_SIZE), ELF_E_BAD_TYPE);
    put16(E_TYPE, 1);                                         /* ET_REL */
    assert_int_equal(check(IMAGE_SIZE), ELF_E_BAD_TYPE);
}

static void test_bad_header_sizes(void **state)
{
    (void)state;
    put16(E_EHSIZE, 64);
    assert_int_equal(check(IMAGE_SIZE), ELF_E_BAD_HEADER_SIZE);
    build_valid_image(NULL);
    put16(E_PHENTSIZE, 56);
    assert_int_equal(check(IMAGE_SIZE), ELF_E_BAD_PROGRAM_HEADER_SIZE);
}

static void test_program_header_count(void **state)
{
    (void)state;
    put16(E_PHNUM, 0);
    assert_int_equal(check(IMAGE_SIZE), ELF_E_NO_PROGRAM_HEADERS);
    put16(E_PHNUM, ELF_MAX_PROGRAM_HEADERS + 1);
    assert_int_equal(check(IMAGE_SIZE), ELF_E_TOO_MANY_PROGRAM_HEADERS);
    put16(E_PHNUM, 0xffff);                                   /* PN_XNUM */
    assert_int_equal(check(IMAGE_SIZE), ELF_E_TOO_MANY_PROGRAM_HEADERS);
}

static void test_truncated_program_header_table(void **state)
{
    (void)state;
    /* The image ends one byte before the second program header does. */
    assert_int_equal(check(ELF_HEADER_SIZE + 2 * ELF_PROGRAM_HEADER_SIZE - 1),
                     ELF_E_TRUNCATED_PROGRAM_HEADERS);
    put32(E_PHOFF, IMAGE_SIZE - ELF_PROGRAM_HEADER_SIZE);
    assert_int_equal(check(IMAGE_SIZE), ELF_E_TRUNCATED_PROGRAM_HEADERS);
    /* An offset whose 32-bit sum with the table size would wrap to a small number. */
    put32(E_PHOFF, 0xffffffe0u);
    assert_int_equal(check(IMAGE_SIZE), ELF_E_TRUNCATED_PROGRAM_HEADERS);
}

static void test_file_size_exceeds_memory_size(void **state)
{
    (void)state;
    put32(ph(DATA, P_MEMSZ), 0x7f);
    assert_int_equal(check(IMAGE_SIZE), ELF_E_FILE_SIZE_EXCEEDS_MEMORY_SIZE);
}

static void test_segment_outside_file(void **state)
{
    (void)state;
    assert_int_equal(check(0x2000 + 0x7f), ELF_E_SEGMENT_OUTSIDE_FILE);
    build_valid_image(NULL);
    put32(ph(DATA, P_OFFSET), IMAGE_SIZE);
    put32(ph(DATA, P_VADDR), DATA_VADDR + (IMAGE_SIZE & 0xfff));
    assert_int_equal(check(IMAGE_SIZE), ELF_E_SEGMENT_OUTSIDE_FILE);
}

static void test_overflowing_ranges(void **state)
{
    (void)state;
    /* offset + filesz wraps to 0x1000, which a 32-bit check would accept. */
    set_segment(DATA, 0xfffff000u, 0x00402000, 0x2000, 0x2000, ELF_FLAG_READ);
    assert_int_equal(check(IMAGE_SIZE), ELF_E_SEGMENT_WRAPS);
    /* vaddr + memsz wraps past 4 GiB. */
    set_segment(DATA, 0x2000, 0xfffff000u, 0x80, 0x2000, ELF_FLAG_READ);
    assert_int_equal(check(IMAGE_SIZE), ELF_E_SEGMENT_WRAPS);
}

static void test_segment_outside_user_space(void **state)
{
    (void)state;
    put32(ph(DATA, P_VADDR), BURSAR_USER_TOP);
    assert_int_equal(check(IMAGE_SIZE), ELF_E_SEGMENT_OUTSIDE_USER);
    /* Starts in user space, ends in the kernel's. */
    put32(ph(DATA, P_VADDR), BURSAR_USER_TOP - 0x1000);
    assert_int_equal(check(IMAGE_SIZE), ELF_E_SEGMENT_OUTSIDE_USER);
    /* Page 0 is never mapped. */
    put32(ph(DATA, P_VADDR), 0);
    assert_int_equal(check(IMAGE_SIZE), ELF_E_SEGMENT_OUTSIDE_USER);
}

static void test_misaligned_segment(void **state)
{
    (void)state;
    put32(ph(DATA, P_VADDR), DATA_VADDR + 0x10);
    assert_int_equal(check(IMAGE_SIZE), ELF_E_SEGMENT_MISALIGNED);
}

static void test_overlapping_segments(void **state)
{
    (void)state;
    /* Same addresses as the text. */
    put32(ph(DATA, P_VADDR), TEXT_VADDR);
    assert_int_equal(check(IMAGE_SIZE), ELF_E_SEGMENTS_OVERLAP);
    /* Disjoint bytes, but the data starts in the page the text ends in. */
    build_valid_image(NULL);
    set_segment(DATA, 0x1100, TEXT_VADDR + 0x100, 0x80, 0x80, ELF_FLAG_READ | ELF_FLAG_WRITE);
    assert_int_equal(check(IMAGE_SIZE), ELF_E_SEGMENTS_OVERLAP);
    /* The later segment below the earlier one, its bss running into it. */
    build_valid_image(NULL);
    set_segment(DATA, 0x2000, TEXT_VADDR - 0x1000, 0x80, 0x1001, ELF_FLAG_READ | ELF_FLAG_WRITE);
    assert_int_equal(check(IMAGE_SIZE), ELF_E_SEGMENTS_OVERLAP);
}

static void test_no_loadable_segment(void **state)
{
    (void)state;
    put32(ph(TEXT, P_TYPE), 4);
    put32(ph(DATA, P_TYPE), 6);
    assert_int_equal(check(IMAGE_SIZE), ELF_E_NO_LOADABLE_SEGMENT);
}

static void test_entry_outside_segments(void **state)
{
    (void)state;
    put32(E_ENTRY, TEXT_VADDR + 0x100);                       /* one past the text */
    assert_int_equal(check(IMAGE_SIZE), ELF_E_ENTRY_OUTSIDE_SEGMENTS);
    put32(E_ENTRY, 0);
    assert_int_equal(check(IMAGE_SIZE), ELF_E_ENTRY_OUTSIDE_SEGMENTS);
}

static void test_entry_not_executable(void **state)
{
    (void)state;
    put32(E_ENTRY, DATA_VADDR + 0x1000);                      /* in the bss */
    assert_int_equal(check(IMAGE_SIZE), ELF_E_ENTRY_NOT_EXECUTABLE);
}

static void test_rejected_image_leaves_output_alone(void **state)
{
    (void)state;
    struct elf_image checked = { .entry = 0x1234 };
    put16(E_MACHINE, 0);
    assert_int_equal(elf_check(image, IMAGE_SIZE, &checked), ELF_E_BAD_MACHINE);
    assert_int_equal(checked.entry, 0x1234);
}

static void test_every_error_has_its_own_string(void **state)
{
    (void)state;
    for (int a = 0; a < ELF_ERROR_COUNT; a++) {
        assert_non_null(elf_error_string(a));
        for (int b = 0; b < a; b++)
            assert_string_not_equal(elf_error_string(a), elf_error_string(b));
    }
    assert_string_equal(elf_error_string(ELF_ERROR_COUNT), "unknown ELF error");
}

#define ELF_TEST(name) cmocka_unit_test_setup(name, build_valid_image)

int main(void)
{
    const struct CMUnitTest tests[] = {
        ELF_TEST(test_valid_image_and_its_segments),
        ELF_TEST(test_other_segment_types_and_empty_loads_are_skipped),
        ELF_TEST(test_null_image),
        ELF_TEST(test_truncated_header),
        ELF_TEST(test_bad_identification),
        ELF_TEST(test_bad_machine),
        ELF_TEST(test_bad_type),
        ELF_TEST(test_bad_header_sizes),
        ELF_TEST(test_program_header_count),
        ELF_TEST(test_truncated_program_header_table),
        ELF_TEST(test_file_size_exceeds_memory_size),
        ELF_TEST(test_segment_outside_file),
        ELF_TEST(test_overflowing_ranges),
        ELF_TEST(test_segment_outside_user_space),
        ELF_TEST(test_misaligned_segment),
        ELF_TEST(test_overlapping_segments),
        ELF_TEST(test_no_loadable_segment),
        ELF_TEST(test_entry_outside_segments),
        ELF_TEST(test_entry_not_executable),
        ELF_TEST(test_rejected_image_leaves_output_alone),
        ELF_TEST(test_every_error_has_its_own_string),
    };
    return cmocka_run_group_tests_name("elf", tests, NULL, NULL);
}
