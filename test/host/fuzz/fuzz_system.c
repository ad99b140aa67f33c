/*
 * fuzz_system.c — libFuzzer target for the system-description reader
 * (servers/init/system.c). Whatever the bytes, it must not crash or read
 * outside them (ASan watches), every problem it reports must name a line of
 * the text, and a description it accepts must keep its promises: every
 * reference resolved, every number in its range, the frames it needs
 * within what the machine has.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "servers/init/system.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static unsigned text_lines;
static unsigned problems_seen;

static const char *image_pages(void *context, const char *file, unsigned stack_pages, unsigned *pages)
{
    (void)context;
    if (file[0] == 'b')
        return "not an ELF file";
    *pages = (unsigned)strlen(file) + stack_pages + 2;
    return NULL;
}

static void error(void *context, unsigned line, const char *message)
{
    (void)context;
    if (line > text_lines + 1 || strlen(message) == 0)
        abort();
    problems_seen++;
}

static void check_promises(const struct system *system, unsigned frames)
{
    if (system->program_count == 0 || system->frames_needed > frames)
        abort();
    for (unsigned i = 0; i < system->program_count; i++) {
        const struct system_program *p = &system->programs[i];
        if (p->heap_pages < 1 || p->heap_pages > SYSTEM_MAX_HEAP_PAGES || p->priority < 1 ||
            p->priority > SYSTEM_MAX_PRIORITY || p->stack_pages < 1 || p->argc > SYSTEM_MAX_ARGS)
            abort();
    }
    for (unsigned i = 0; i < system->endpoint_count; i++)
        if (system->endpoints[i].program >= system->program_count)
            abort();
    for (unsigned i = 0; i < system->connection_count; i++)
        if (system->connections[i].client >= system->program_count ||
            system->connections[i].endpoint >= system->endpoint_count || system->connections[i].rights == 0)
            abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct system system;
    struct system_environment environment = { .image_pages = image_pages, .frames_available = 5000,
                                              .error = error };
    /* A copy of exactly `size` bytes, so ASan catches a read one past the end. */
    char *copy = malloc(size ? size : 1);
    unsigned problems;

    if (copy == NULL)
        abort();
    memcpy(copy, data, size);
    text_lines = 1;
    for (size_t i = 0; i < size; i++)
        text_lines += copy[i] == '\n';
    problems_seen = 0;
    problems = system_read(&system, copy, size, &environment);
    if ((problems <= 64 && problems_seen != problems) || (problems > 64 && problems_seen != 65))
        abort();
    if (problems == 0)
        check_promises(&system, environment.frames_available);
    free(copy);
    return 0;
}
