/*
 * elf.h — checking an ELF32 i386 executable held in memory, and walking its
 * loadable segments. Freestanding; the kernel uses it to refuse a malformed
 * boot module with a clear message, libl4 to load programs.
 *
 * elf_check() trusts nothing in the image: every offset, size and address is
 * checked against the image and the user address space before anything is
 * read through it, without integer overflow. Once it has said ELF_OK, the
 * segment walk only yields segments that are inside the file, inside
 * [BURSAR_USER_BASE, BURSAR_USER_TOP), and share no page with each other.
 */
#ifndef LIB_ELF_H
#define LIB_ELF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The parts of the ELF32 file format this file reads (System V gABI). */
#define ELF_HEADER_SIZE          52u
#define ELF_PROGRAM_HEADER_SIZE  32u
#define ELF_CLASS_32             1u
#define ELF_DATA_LITTLE_ENDIAN   1u
#define ELF_VERSION_CURRENT      1u
#define ELF_TYPE_EXECUTABLE      2u
#define ELF_MACHINE_386          3u
#define ELF_SEGMENT_LOAD         1u
#define ELF_FLAG_EXECUTE         0x1u
#define ELF_FLAG_WRITE           0x2u
#define ELF_FLAG_READ            0x4u

/*
 * More program headers than this is refused: real programs have a handful,
 * and the overlap check is quadratic in the count.
 */
#define ELF_MAX_PROGRAM_HEADERS  64u

enum elf_error {
    ELF_OK = 0,
    ELF_E_NO_IMAGE,                /* null pointer */
    ELF_E_TRUNCATED_HEADER,        /* shorter than the ELF header */
    ELF_E_BAD_MAGIC,               /* does not start with 0x7f 'E' 'L' 'F' */
    ELF_E_BAD_CLASS,               /* not ELFCLASS32 */
    ELF_E_BAD_ENDIANNESS,          /* not little-endian */
    ELF_E_BAD_VERSION,             /* identification or header version not 1 */
    ELF_E_BAD_MACHINE,             /* not EM_386 */
    ELF_E_BAD_TYPE,                /* not ET_EXEC */
    ELF_E_BAD_HEADER_SIZE,         /* e_ehsize is not 52 */
    ELF_E_BAD_PROGRAM_HEADER_SIZE, /* e_phentsize is not 32 */
    ELF_E_NO_PROGRAM_HEADERS,      /* e_phnum is 0 */
    ELF_E_TOO_MANY_PROGRAM_HEADERS,/* more than ELF_MAX_PROGRAM_HEADERS */
    ELF_E_TRUNCATED_PROGRAM_HEADERS,/* the program header table runs past the end of the image */
    ELF_E_FILE_SIZE_EXCEEDS_MEMORY_SIZE, /* a PT_LOAD with p_filesz > p_memsz */
    ELF_E_SEGMENT_OUTSIDE_FILE,    /* a PT_LOAD's file bytes run past the end of the image */
    ELF_E_SEGMENT_WRAPS,           /* a PT_LOAD's offset or address range overflows 32 bits */
    ELF_E_SEGMENT_OUTSIDE_USER,    /* a PT_LOAD reaches below BURSAR_USER_BASE or into the kernel */
    ELF_E_SEGMENT_MISALIGNED,      /* a PT_LOAD's file offset and address differ within a page */
    ELF_E_SEGMENTS_OVERLAP,        /* two PT_LOADs share a page */
    ELF_E_NO_LOADABLE_SEGMENT,     /* nothing to load */
    ELF_E_ENTRY_OUTSIDE_SEGMENTS,  /* the entry point is in no PT_LOAD */
    ELF_E_ENTRY_NOT_EXECUTABLE,    /* the entry point is in a PT_LOAD without PF_X */
    ELF_ERROR_COUNT
};

/* A checked image: what elf_check() found, for the segment walk. */
struct elf_image {
    const uint8_t *bytes;
    size_t size;
    uint32_t entry;
    uint32_t program_header_offset;
    uint32_t program_header_count;
};

/* One PT_LOAD segment: memsz bytes at vaddr, the first filesz from the file. */
struct elf_segment {
    uint32_t vaddr;
    uint32_t memsz;
    uint32_t offset;
    uint32_t filesz;
    bool writable;
    bool executable;
};

/* Checks `size` bytes at `bytes`; on ELF_OK fills in *image. */
enum elf_error elf_check(const void *bytes, size_t size, struct elf_image *image);

/* A sentence naming the problem, e.g. for a boot log; never null. */
const char *elf_error_string(enum elf_error error);

/*
 * The walk over the PT_LOAD segments with a non-zero memsz, in file order:
 *     unsigned cursor = 0;
 *     while (elf_next_segment(&image, &cursor, &segment)) ...
 * Only for an image elf_check() accepted.
 */
bool elf_next_segment(const struct elf_image *image, unsigned *cursor, struct elf_segment *segment);

#endif /* LIB_ELF_H */
