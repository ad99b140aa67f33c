/*
 * fuzz_elf.c — libFuzzer target for lib/elf.c. Whatever the bytes, the
 * checker must not crash or read outside them (ASan watches), and for an
 * image it accepts, every segment the walk yields must keep the promises of
 * lib/elf.h: inside the file, inside user space, within its memory size.
 *
 * Random bytes almost never get past the magic number, so each input is
 * checked twice: as it is, and with the fixed header fields (magic, class,
 * machine, type, sizes) made valid, which sends the fuzzer into the program
 * headers and segments where the interesting arithmetic is.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "bursar/boot.h"
#include "lib/elf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_segment_promises(const struct elf_image *image, const struct elf_segment *s)
{
    if (s->filesz > s->memsz || (uint64_t)s->offset + s->filesz > image->size)
        abort();
    if (s->vaddr < BURSAR_USER_BASE || (uint64_t)s->vaddr + s->memsz > BURSAR_USER_TOP)
        abort();
}

static void check_and_walk(const uint8_t *bytes, size_t size)
{
    struct elf_image image;
    struct elf_segment segment;
    unsigned cursor = 0;

    if (elf_check(bytes, size, &image) != ELF_OK)
        return;
    while (elf_next_segment(&image, &cursor, &segment))
        check_segment_promises(&image, &segment);
}

/* Little-endian writes of the header fields elf_check() insists on. */
static void make_header_valid(uint8_t *bytes)
{
    static const uint8_t identification[7] = { 0x7f, 'E', 'L', 'F', ELF_CLASS_32,
                                               ELF_DATA_LITTLE_ENDIAN, ELF_VERSION_CURRENT };
    memcpy(bytes, identification, sizeof identification);
    bytes[16] = ELF_TYPE_EXECUTABLE, bytes[17] = 0;
    bytes[18] = ELF_MACHINE_386, bytes[19] = 0;
    bytes[20] = ELF_VERSION_CURRENT, bytes[21] = bytes[22] = bytes[23] = 0;
    bytes[40] = ELF_HEADER_SIZE, bytes[41] = 0;
    bytes[42] = ELF_PROGRAM_HEADER_SIZE, bytes[43] = 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* A copy of exactly `size` bytes, so ASan catches a read one past the end. */
    uint8_t *copy = malloc(size ? size : 1);

    if (copy == NULL)
        abort();
    memcpy(copy, data, size);
    check_and_walk(copy, size);
    if (size >= ELF_HEADER_SIZE) {
        make_header_valid(copy);
        check_and_walk(copy, size);
    }
    free(copy);
    return 0;
}
