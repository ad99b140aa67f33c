/*
 * check_program.c — a build step, not a test: reads user program images
 * (build/user/NAME.elf) and fails unless lib/elf.c accepts each and its first
 * segment starts at BURSAR_PROGRAM_BASE, the address libl4/user.ld links
 * at. So a linker script that drifts from the ABI, or one producing images
 * the kernel would refuse, breaks the build rather than the boot.
 *
 *   check_program IMAGE...
 */
#include <stdio.h>
#include <stdlib.h>

#include "bursar/boot.h"
#include "lib/elf.h"

static unsigned char *read_file(const char *path, size_t *size)
{
    FILE *f = fopen(path, "rb");
    unsigned char *bytes = NULL;
    long length;

    if (f == NULL)
        return NULL;
    if (fseek(f, 0, SEEK_END) == 0 && (length = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0) {
        bytes = malloc((size_t)length + 1);
        if (bytes && fread(bytes, 1, (size_t)length, f) != (size_t)length) {
            free(bytes);
            bytes = NULL;
        }
        *size = (size_t)length;
    }
    fclose(f);
    return bytes;
}

static int check_image(const char *path, const unsigned char *bytes, size_t size)
{
    struct elf_image image;
    struct elf_segment segment = { 0 };
    unsigned cursor = 0;
    enum elf_error error = elf_check(bytes, size, &image);

    if (error != ELF_OK) {
        fprintf(stderr, "%s: %s\n", path, elf_error_string(error));
        return 1;
    }
    if (!elf_next_segment(&image, &cursor, &segment) || segment.vaddr != BURSAR_PROGRAM_BASE) {
        fprintf(stderr, "%s: first segment at %#x, not BURSAR_PROGRAM_BASE %#x\n", path,
                segment.vaddr, BURSAR_PROGRAM_BASE);
        return 1;
    }
    return 0;
}

int main(int argc, char **argv)
{
    int failures = 0;

    for (int i = 1; i < argc; i++) {
        size_t size = 0;
        unsigned char *bytes = read_file(argv[i], &size);
        if (bytes == NULL) {
            perror(argv[i]);
            failures++;
            continue;
        }
        failures += check_image(argv[i], bytes, size);
        free(bytes);
    }
    return failures == 0 ? 0 : 1;
}
