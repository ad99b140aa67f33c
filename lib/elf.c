/*
 * elf.c — checks an ELF32 i386 executable in memory and walks its PT_LOAD
 * segments (see elf.h for what is promised).
 *
 * Fields are read byte by byte at their gABI offsets rather than through
 * struct pointers: the image may sit at any alignment (a boot module, a
 * fuzzer's buffer), and an out-of-range header offset must never be
 * dereferenced. All range arithmetic is done in 64 bits, so a 32-bit sum
 * cannot wrap past a check.
 */
#include "lib/elf.h"

#include "bursar/boot.h"

#define PAGE_SIZE 4096u

/* Offsets of the fields read, in the ELF header and in a program header. */
enum {
    IDENT_CLASS = 4, IDENT_DATA = 5, IDENT_VERSION = 6,
    HEADER_TYPE = 16, HEADER_MACHINE = 18, HEADER_VERSION = 20, HEADER_ENTRY = 24,
    HEADER_PHOFF = 28, HEADER_EHSIZE = 40, HEADER_PHENTSIZE = 42, HEADER_PHNUM = 44,
};
enum {
    PH_TYPE = 0, PH_OFFSET = 4, PH_VADDR = 8, PH_FILESZ = 16, PH_MEMSZ = 20, PH_FLAGS = 24,
};

static const char *const error_strings[ELF_ERROR_COUNT] = {
    [ELF_OK] = "valid ELF executable",
    [ELF_E_NO_IMAGE] = "no image (null pointer)",
    [ELF_E_TRUNCATED_HEADER] = "image is shorter than an ELF header",
    [ELF_E_BAD_MAGIC] = "not an ELF file (bad magic)",
    [ELF_E_BAD_CLASS] = "not a 32-bit ELF file",
    [ELF_E_BAD_ENDIANNESS] = "not a little-endian ELF file",
    [ELF_E_BAD_VERSION] = "unknown ELF version",
    [ELF_E_BAD_MACHINE] = "not an i386 ELF file",
    [ELF_E_BAD_TYPE] = "not an executable (ET_EXEC) ELF file",
    [ELF_E_BAD_HEADER_SIZE] = "ELF header size is not 52",
    [ELF_E_BAD_PROGRAM_HEADER_SIZE] = "program header size is not 32",
    [ELF_E_NO_PROGRAM_HEADERS] = "no program headers",
    [ELF_E_TOO_MANY_PROGRAM_HEADERS] = "too many program headers",
    [ELF_E_TRUNCATED_PROGRAM_HEADERS] = "program header table runs past the end of the image",
    [ELF_E_FILE_SIZE_EXCEEDS_MEMORY_SIZE] = "segment has more file bytes than memory bytes",
    [ELF_E_SEGMENT_OUTSIDE_FILE] = "segment's file bytes run past the end of the image",
    [ELF_E_SEGMENT_WRAPS] = "segment's offset or address range overflows 32 bits",
    [ELF_E_SEGMENT_OUTSIDE_USER] = "segment lies outside user space",
    [ELF_E_SEGMENT_MISALIGNED] = "segment's file offset and address differ within a page",
    [ELF_E_SEGMENTS_OVERLAP] = "two segments share a page",
    [ELF_E_NO_LOADABLE_SEGMENT] = "no loadable segment",
    [ELF_E_ENTRY_OUTSIDE_SEGMENTS] = "entry point is in no loadable segment",
    [ELF_E_ENTRY_NOT_EXECUTABLE] = "entry point is in a segment that is not executable",
};

const char *elf_error_string(enum elf_error error)
{
    if ((unsigned)error >= ELF_ERROR_COUNT)
        return "unknown ELF error";
    return error_strings[error];
}

static uint32_t read16(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8;
}

static uint32_t read32(const uint8_t *p)
{
    return read16(p) | read16(p + 2) << 16;
}

static enum elf_error check_identification(const uint8_t *bytes)
{
    if (bytes[0] != 0x7f || bytes[1] != 'E' || bytes[2] != 'L' || bytes[3] != 'F')
        return ELF_E_BAD_MAGIC;
    if (bytes[IDENT_CLASS] != ELF_CLASS_32)
        return ELF_E_BAD_CLASS;
    if (bytes[IDENT_DATA] != ELF_DATA_LITTLE_ENDIAN)
        return ELF_E_BAD_ENDIANNESS;
    if (bytes[IDENT_VERSION] != ELF_VERSION_CURRENT)
        return ELF_E_BAD_VERSION;
    return ELF_OK;
}

static enum elf_error check_header(const uint8_t *bytes, size_t size)
{
    enum elf_error error;

    if (size < ELF_HEADER_SIZE)
        return ELF_E_TRUNCATED_HEADER;
    error = check_identification(bytes);
    if (error != ELF_OK)
        return error;
    if (read32(bytes + HEADER_VERSION) != ELF_VERSION_CURRENT)
        return ELF_E_BAD_VERSION;
    if (read16(bytes + HEADER_MACHINE) != ELF_MACHINE_386)
        return ELF_E_BAD_MACHINE;
    if (read16(bytes + HEADER_TYPE) != ELF_TYPE_EXECUTABLE)
        return ELF_E_BAD_TYPE;
    if (read16(bytes + HEADER_EHSIZE) != ELF_HEADER_SIZE)
        return ELF_E_BAD_HEADER_SIZE;
    if (read16(bytes + HEADER_PHENTSIZE) != ELF_PROGRAM_HEADER_SIZE)
        return ELF_E_BAD_PROGRAM_HEADER_SIZE;
    return ELF_OK;
}

static enum elf_error check_program_header_table(const struct elf_image *image)
{
    uint64_t end = (uint64_t)image->program_header_offset +
                   (uint64_t)image->program_header_count * ELF_PROGRAM_HEADER_SIZE;

    if (image->program_header_count == 0)
        return ELF_E_NO_PROGRAM_HEADERS;
    /* This also refuses PN_XNUM (0xffff), the escape to a count kept elsewhere. */
    if (image->program_header_count > ELF_MAX_PROGRAM_HEADERS)
        return ELF_E_TOO_MANY_PROGRAM_HEADERS;
    if (end > image->size)
        return ELF_E_TRUNCATED_PROGRAM_HEADERS;
    return ELF_OK;
}

/* Program header `index`, which check_program_header_table() placed inside the image. */
static uint32_t read_segment(const struct elf_image *image, unsigned index, struct elf_segment *segment)
{
    const uint8_t *header = image->bytes + image->program_header_offset + index * ELF_PROGRAM_HEADER_SIZE;
    uint32_t flags = read32(header + PH_FLAGS);

    segment->offset = read32(header + PH_OFFSET);
    segment->vaddr = read32(header + PH_VADDR);
    segment->filesz = read32(header + PH_FILESZ);
    segment->memsz = read32(header + PH_MEMSZ);
    segment->writable = (flags & ELF_FLAG_WRITE) != 0;
    segment->executable = (flags & ELF_FLAG_EXECUTE) != 0;
    return read32(header + PH_TYPE);
}

static enum elf_error check_segment(const struct elf_image *image, const struct elf_segment *s)
{
    uint64_t file_end = (uint64_t)s->offset + s->filesz;
    uint64_t memory_end = (uint64_t)s->vaddr + s->memsz;

    if (s->filesz > s->memsz)
        return ELF_E_FILE_SIZE_EXCEEDS_MEMORY_SIZE;
    if (file_end > UINT32_MAX || memory_end > (uint64_t)UINT32_MAX + 1)
        return ELF_E_SEGMENT_WRAPS;
    if (file_end > image->size)
        return ELF_E_SEGMENT_OUTSIDE_FILE;
    /* An empty segment occupies no address and is skipped by the walk. */
    if (s->memsz == 0)
        return ELF_OK;
    if (s->vaddr < BURSAR_USER_BASE || memory_end > BURSAR_USER_TOP)
        return ELF_E_SEGMENT_OUTSIDE_USER;
    /* The gABI requires this; it lets a loader map file pages where they belong. */
    if (s->filesz != 0 && s->offset % PAGE_SIZE != s->vaddr % PAGE_SIZE)
        return ELF_E_SEGMENT_MISALIGNED;
    return ELF_OK;
}

/* Pages are what a loader maps, so two segments in one page would fight over it. */
static bool segments_share_a_page(const struct elf_segment *a, const struct elf_segment *b)
{
    uint64_t a_first = a->vaddr / PAGE_SIZE, a_end = ((uint64_t)a->vaddr + a->memsz + PAGE_SIZE - 1) / PAGE_SIZE;
    uint64_t b_first = b->vaddr / PAGE_SIZE, b_end = ((uint64_t)b->vaddr + b->memsz + PAGE_SIZE - 1) / PAGE_SIZE;

    return a_first < b_end && b_first < a_end;
}

static enum elf_error check_overlap_with_earlier(const struct elf_image *image, unsigned index,
                                                 const struct elf_segment *segment)
{
    struct elf_segment earlier;

    for (unsigned i = 0; i < index; i++) {
        if (read_segment(image, i, &earlier) != ELF_SEGMENT_LOAD || earlier.memsz == 0)
            continue;
        if (segments_share_a_page(&earlier, segment))
            return ELF_E_SEGMENTS_OVERLAP;
    }
    return ELF_OK;
}

static enum elf_error check_segments(const struct elf_image *image)
{
    struct elf_segment segment;
    unsigned loadable = 0;
    enum elf_error error;

    for (unsigned i = 0; i < image->program_header_count; i++) {
        if (read_segment(image, i, &segment) != ELF_SEGMENT_LOAD)
            continue;
        error = check_segment(image, &segment);
        if (error != ELF_OK)
            return error;
        if (segment.memsz == 0)
            continue;
        error = check_overlap_with_earlier(image, i, &segment);
        if (error != ELF_OK)
            return error;
        loadable++;
    }
    return loadable == 0 ? ELF_E_NO_LOADABLE_SEGMENT : ELF_OK;
}

static enum elf_error check_entry(const struct elf_image *image)
{
    struct elf_segment segment;
    unsigned cursor = 0;

    /* Segments do not overlap, so at most one holds the entry point. */
    while (elf_next_segment(image, &cursor, &segment)) {
        if (image->entry - segment.vaddr < segment.memsz)
            return segment.executable ? ELF_OK : ELF_E_ENTRY_NOT_EXECUTABLE;
    }
    return ELF_E_ENTRY_OUTSIDE_SEGMENTS;
}

enum elf_error elf_check(const void *bytes, size_t size, struct elf_image *image)
{
    struct elf_image candidate;
    enum elf_error error;

    if (!bytes)
        return ELF_E_NO_IMAGE;
    error = check_header(bytes, size);
    if (error != ELF_OK)
        return error;
    candidate.bytes = bytes;
    candidate.size = size;
    candidate.entry = read32(candidate.bytes + HEADER_ENTRY);
    candidate.program_header_offset = read32(candidate.bytes + HEADER_PHOFF);
    candidate.program_header_count = read16(candidate.bytes + HEADER_PHNUM);
    error = check_program_header_table(&candidate);
    if (error == ELF_OK)
        error = check_segments(&candidate);
    if (error == ELF_OK)
        error = check_entry(&candidate);
    if (error == ELF_OK)
        *image = candidate;
    return error;
}

bool elf_next_segment(const struct elf_image *image, unsigned *cursor, struct elf_segment *segment)
{
    while (*cursor < image->program_header_count) {
        unsigned index = (*cursor)++;
        if (read_segment(image, index, segment) == ELF_SEGMENT_LOAD && segment->memsz != 0)
            return true;
    }
    return false;
}
