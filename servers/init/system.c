/*
 * system.c — reads and checks a system description (system.h,
 * docs/system.md).
 *
 * Two passes. The first reads line by line: it splits each line into words,
 * checks each statement's own syntax and numbers, and records programs,
 * endpoints, connections and heaps with the names they refer to. The second, once
 * every declaration is known (statements may come in any order), resolves
 * those names, asks the environment about each program's image, and adds up
 * the frames. Every problem is reported and reading goes on, so a person
 * sees all of them at once.
 */
#include "servers/init/system.h"

#include <stdarg.h>
#include <stdbool.h>

#include "lib/format.h"
#include "libl4/string.h"

#define MAX_WORDS (SYSTEM_MAX_LINE / 2 + 1)

/* A reference by name, resolved in the second pass. */
struct pending_endpoint {
    char server[SYSTEM_NAME_SIZE];
};

struct pending_connection {
    char client[SYSTEM_NAME_SIZE];
    char server[SYSTEM_NAME_SIZE];
    char endpoint[SYSTEM_NAME_SIZE];
};

/* Problems are kept and reported in line order once both passes are done. */
#define MAX_KEPT_PROBLEMS 64

struct problem {
    unsigned line;
    char message[160];
};

struct reader {
    struct system *system;
    const struct system_environment *env;
    unsigned problems;
    struct problem kept[MAX_KEPT_PROBLEMS];
    unsigned line;
    char text[SYSTEM_MAX_LINE + 1];
    char *words[MAX_WORDS];
    unsigned word_count;
    struct pending_endpoint endpoints[SYSTEM_MAX_ENDPOINTS];
    struct pending_connection connections[SYSTEM_MAX_CONNECTIONS];
    char heap_programs[SYSTEM_MAX_HEAPS][SYSTEM_NAME_SIZE];
};

static void report(struct reader *r, unsigned line, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void report(struct reader *r, unsigned line, const char *fmt, ...)
{
    va_list args;

    if (r->problems < MAX_KEPT_PROBLEMS) {
        struct problem *problem = &r->kept[r->problems];
        problem->line = line;
        va_start(args, fmt);
        format_to_buffer_va(problem->message, sizeof problem->message, fmt, args);
        va_end(args);
    }
    r->problems++;
}

/* The kept problems in line order (an insertion sort keeps equal lines in the order found). */
static void report_in_line_order(struct reader *r)
{
    unsigned kept = r->problems < MAX_KEPT_PROBLEMS ? r->problems : MAX_KEPT_PROBLEMS;
    char more[64];

    for (unsigned i = 1; i < kept; i++) {
        struct problem problem = r->kept[i];
        unsigned j = i;
        for (; j > 0 && r->kept[j - 1].line > problem.line; j--)
            r->kept[j] = r->kept[j - 1];
        r->kept[j] = problem;
    }
    for (unsigned i = 0; i < kept; i++)
        r->env->error(r->env->context, r->kept[i].line, r->kept[i].message);
    if (r->problems > kept) {
        format_to_buffer(more, sizeof more, "and %u more problems", r->problems - kept);
        r->env->error(r->env->context, r->system->lines, more);
    }
}

/* ---- words and values ------------------------------------------------------------ */

static bool is_blank(char c)
{
    return c == ' ' || c == '\t' || c == '\r';
}

/* Splits r->text into words: blanks separate, '#' starts a comment, "..." is one word. */
static bool split_words(struct reader *r)
{
    char *c = r->text;

    r->word_count = 0;
    for (;;) {
        while (is_blank(*c))
            c++;
        if (*c == '\0' || *c == '#')
            return true;
        if (*c == '"') {
            char *end = c + 1;
            while (*end && *end != '"')
                end++;
            if (*end != '"') {
                report(r, r->line, "a quoted word has no closing quote");
                return false;
            }
            *end = '\0';
            r->words[r->word_count++] = c + 1;
            c = end + 1;
            continue;
        }
        r->words[r->word_count++] = c;
        while (*c && !is_blank(*c) && *c != '#' && *c != '"')
            c++;
        if (*c == '"') {
            report(r, r->line, "a quote in the middle of a word");
            return false;
        }
        if (*c == '#') {
            *c = '\0';
            return true;
        }
        if (*c)
            *c++ = '\0';
    }
}

static bool is_name_character(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
}

static bool is_name(const char *word)
{
    size_t length = strlen(word);

    if (length == 0 || length >= SYSTEM_NAME_SIZE)
        return false;
    for (size_t i = 0; i < length; i++)
        if (!is_name_character(word[i]))
            return false;
    return true;
}

static bool check_name(struct reader *r, const char *word, const char *what)
{
    if (is_name(word))
        return true;
    report(r, r->line, "'%s' is not a valid %s (letters, digits, '-' and '_'; 1 to %u of them)", word, what,
           SYSTEM_NAME_SIZE - 1);
    return false;
}

static void copy_string(char *to, const char *from, size_t size)
{
    size_t i = 0;

    for (; i + 1 < size && from[i]; i++)
        to[i] = from[i];
    to[i] = '\0';
}

/* "PROGRAM.NAME" into its two names. */
static bool split_reference(struct reader *r, const char *word, char *program, char *name)
{
    const char *dot = word;
    size_t program_length;

    while (*dot && *dot != '.')
        dot++;
    program_length = (size_t)(dot - word);
    if (*dot != '.' || program_length == 0 || program_length >= SYSTEM_NAME_SIZE) {
        report(r, r->line, "'%s' should be PROGRAM.NAME", word);
        return false;
    }
    memcpy(program, word, program_length);
    program[program_length] = '\0';
    if (!check_name(r, program, "program name") || !check_name(r, dot + 1, "capability name"))
        return false;
    copy_string(name, dot + 1, SYSTEM_NAME_SIZE);
    return true;
}

static int digit_value(char c, unsigned base)
{
    unsigned value = 99;

    if (c >= '0' && c <= '9')
        value = (unsigned)(c - '0');
    else if (c >= 'a' && c <= 'f')
        value = (unsigned)(c - 'a' + 10);
    else if (c >= 'A' && c <= 'F')
        value = (unsigned)(c - 'A' + 10);
    return value < base ? (int)value : -1;
}

enum number_result { NUMBER_OK, NOT_A_NUMBER, NUMBER_TOO_BIG };

/* A decimal or 0x-hexadecimal number that fits 32 bits. */
static enum number_result parse_number(const char *word, uint32_t *value)
{
    unsigned base = 10;
    uint64_t result = 0;
    bool too_big = false;

    if (word[0] == '0' && (word[1] == 'x' || word[1] == 'X')) {
        base = 16;
        word += 2;
    }
    if (*word == '\0')
        return NOT_A_NUMBER;
    for (; *word; word++) {
        int digit = digit_value(*word, base);
        if (digit < 0)
            return NOT_A_NUMBER;
        result = result * base + (unsigned)digit;
        if (result > UINT32_MAX) {
            too_big = true;
            result = UINT32_MAX;      /* keep reading: a letter later still makes it no number */
        }
    }
    *value = (uint32_t)result;
    return too_big ? NUMBER_TOO_BIG : NUMBER_OK;
}

static bool read_number(struct reader *r, const char *key, const char *word, uint32_t low, uint32_t high,
                        uint32_t *value)
{
    switch (parse_number(word, value)) {
    case NOT_A_NUMBER:
        report(r, r->line, "%s '%s' is not a number", key, word);
        return false;
    case NUMBER_TOO_BIG:
        report(r, r->line, "%s %s does not fit in 32 bits", key, word);
        return false;
    default:
        break;
    }
    if (*value < low || *value > high) {
        report(r, r->line, "%s %u is out of range (%u to %u)", key, *value, low, high);
        return false;
    }
    return true;
}

/* Letters r (receive), w (send) and g (grant), each at most once. */
static bool read_rights(struct reader *r, const char *word, unsigned *rights)
{
    *rights = 0;
    for (const char *c = word; *c; c++) {
        unsigned right = *c == 'r' ? SYSTEM_RIGHT_RECEIVE : *c == 'w' ? SYSTEM_RIGHT_SEND
                       : *c == 'g' ? SYSTEM_RIGHT_GRANT : 0;
        if (right == 0 || (*rights & right)) {
            report(r, r->line, "rights '%s' should be some of the letters r, w and g, each once", word);
            return false;
        }
        *rights |= right;
    }
    if (*rights == 0) {
        report(r, r->line, "rights must not be empty");
        return false;
    }
    return true;
}

/* ---- statements --------------------------------------------------------------- */

static int find_program(const struct system *system, const char *name)
{
    for (unsigned i = 0; i < system->program_count; i++)
        if (strcmp(system->programs[i].name, name) == 0)
            return (int)i;
    return -1;
}

static bool read_args(struct reader *r, struct system_program *program, unsigned first)
{
    size_t used = 0;

    for (unsigned i = first; i < r->word_count; i++) {
        size_t length = strlen(r->words[i]) + 1;
        if (program->argc == SYSTEM_MAX_ARGS || used + length > SYSTEM_ARGS_SIZE) {
            report(r, r->line, "too many arguments (at most %u, %u bytes)", SYSTEM_MAX_ARGS, SYSTEM_ARGS_SIZE);
            return false;
        }
        memcpy(program->args + used, r->words[i], length);
        program->arg_offsets[program->argc++] = (unsigned)used;
        used += length;
    }
    return true;
}

enum program_option {
    OPTION_FILE, OPTION_HEAP, OPTION_STACK, OPTION_PRIORITY, OPTION_BANK, OPTION_MEMORY, OPTION_PAGER, OPTION_COUNT
};
static const char *const option_names[OPTION_COUNT] = {
    "file", "heap", "stack", "priority", "bank", "memory", "pager",
};

static int option_of(const char *word)
{
    for (int i = 0; i < OPTION_COUNT; i++)
        if (strcmp(word, option_names[i]) == 0)
            return i;
    return -1;
}

static bool read_option(struct reader *r, struct system_program *program, int option, const char *value)
{
    uint32_t number = 0;

    switch (option) {
    case OPTION_FILE:
        if (strlen(value) >= SYSTEM_FILE_SIZE) {
            report(r, r->line, "file name '%s' is longer than %u characters", value, SYSTEM_FILE_SIZE - 1);
            return false;
        }
        copy_string(program->file, value, sizeof program->file);
        return true;
    case OPTION_HEAP:
        if (!read_number(r, "heap", value, 1, SYSTEM_MAX_HEAP_PAGES, &number))
            return false;
        program->heap_pages = number;
        return true;
    case OPTION_STACK:
        if (!read_number(r, "stack", value, 1, SYSTEM_MAX_STACK_PAGES, &number))
            return false;
        program->stack_pages = number;
        return true;
    case OPTION_BANK:
        if (!read_number(r, "bank", value, 1, SYSTEM_MAX_BANK_FRAMES, &number))
            return false;
        program->bank_frames = number;
        return true;
    case OPTION_MEMORY:
        if (!read_number(r, "memory", value, 1, SYSTEM_MAX_MEMORY_PAGES, &number))
            return false;
        program->memory_pages = number;
        return true;
    case OPTION_PAGER:
        if (strcmp(value, "yes") != 0 && strcmp(value, "no") != 0) {
            report(r, r->line, "pager '%s' should be yes or no", value);
            return false;
        }
        program->pager = strcmp(value, "yes") == 0;
        return true;
    default:
        if (!read_number(r, "priority", value, 1, SYSTEM_MAX_PRIORITY, &number))
            return false;
        program->priority = number;
        return true;
    }
}

/*
 * program NAME [file MODULE] heap PAGES [stack PAGES] [priority N] [bank FRAMES] [memory PAGES]
 *         [pager yes|no] [args WORD...]
 */
static void read_program(struct reader *r)
{
    struct system *system = r->system;
    struct system_program *program;
    bool given[OPTION_COUNT] = { false };
    int other;

    if (r->word_count < 2) {
        report(r, r->line, "expected 'program NAME heap PAGES ...'");
        return;
    }
    if (!check_name(r, r->words[1], "program name"))
        return;
    other = find_program(system, r->words[1]);
    if (other >= 0) {
        report(r, r->line, "a program called %s is declared already, on line %u", r->words[1],
               system->programs[other].line);
        return;
    }
    if (system->program_count == SYSTEM_MAX_PROGRAMS) {
        report(r, r->line, "more than %u programs", SYSTEM_MAX_PROGRAMS);
        return;
    }
    program = &system->programs[system->program_count++];
    memset(program, 0, sizeof *program);
    copy_string(program->name, r->words[1], sizeof program->name);
    format_to_buffer(program->file, sizeof program->file, "%s.elf", program->name);
    program->line = r->line;
    program->stack_pages = SYSTEM_DEFAULT_STACK;
    program->priority = SYSTEM_DEFAULT_PRIORITY;
    program->pager = true;
    for (unsigned i = 2; i < r->word_count; i += 2) {
        int option = option_of(r->words[i]);
        if (strcmp(r->words[i], "args") == 0) {
            read_args(r, program, i + 1);
            break;
        }
        if (option < 0) {
            report(r, r->line, "unknown word '%s' (a program takes file, heap, stack, priority, bank, memory, "
                   "pager and args)", r->words[i]);
            return;
        }
        if (given[option]) {
            report(r, r->line, "'%s' is given twice", r->words[i]);
            return;
        }
        if (i + 1 == r->word_count) {
            report(r, r->line, "'%s' needs a value", r->words[i]);
            return;
        }
        given[option] = true;
        if (!read_option(r, program, option, r->words[i + 1]))
            return;
    }
    if (!given[OPTION_HEAP])
        report(r, r->line, "program %s has no heap quota (heap PAGES)", program->name);
    else if (program->memory_pages && !program->pager)
        report(r, r->line, "program %s: memory needs the pager (it has pager no)", program->name);
}

/* endpoint PROGRAM.NAME */
static void read_endpoint(struct reader *r)
{
    struct system *system = r->system;
    struct system_endpoint *endpoint;

    if (r->word_count != 2) {
        report(r, r->line, "expected 'endpoint PROGRAM.NAME'");
        return;
    }
    if (system->endpoint_count == SYSTEM_MAX_ENDPOINTS) {
        report(r, r->line, "more than %u endpoints", SYSTEM_MAX_ENDPOINTS);
        return;
    }
    endpoint = &system->endpoints[system->endpoint_count];
    if (!split_reference(r, r->words[1], r->endpoints[system->endpoint_count].server, endpoint->name))
        return;
    endpoint->line = r->line;
    system->endpoint_count++;
}

static bool read_connection_options(struct reader *r, struct system_connection *connection)
{
    bool badge_given = false, rights_given = false;

    for (unsigned i = 4; i < r->word_count; i += 2) {
        bool is_badge = strcmp(r->words[i], "badge") == 0, is_rights = strcmp(r->words[i], "rights") == 0;
        if (!is_badge && !is_rights) {
            report(r, r->line, "unknown word '%s' (a connection takes badge and rights)", r->words[i]);
            return false;
        }
        if ((is_badge && badge_given) || (is_rights && rights_given)) {
            report(r, r->line, "'%s' is given twice", r->words[i]);
            return false;
        }
        if (i + 1 == r->word_count) {
            report(r, r->line, "'%s' needs a value", r->words[i]);
            return false;
        }
        if (is_badge && !read_number(r, "badge", r->words[i + 1], 0, UINT32_MAX, &connection->badge))
            return false;
        if (is_rights && !read_rights(r, r->words[i + 1], &connection->rights))
            return false;
        badge_given |= is_badge;
        rights_given |= is_rights;
    }
    return true;
}

/* connect PROGRAM.NAME to PROGRAM.ENDPOINT [badge N] [rights RIGHTS] */
static void read_connection(struct reader *r)
{
    struct system *system = r->system;
    struct system_connection *connection;
    struct pending_connection *pending;

    if (r->word_count < 4 || strcmp(r->words[2], "to") != 0) {
        report(r, r->line, "expected 'connect PROGRAM.NAME to PROGRAM.ENDPOINT [badge N] [rights RIGHTS]'");
        return;
    }
    if (system->connection_count == SYSTEM_MAX_CONNECTIONS) {
        report(r, r->line, "more than %u connections", SYSTEM_MAX_CONNECTIONS);
        return;
    }
    connection = &system->connections[system->connection_count];
    pending = &r->connections[system->connection_count];
    memset(connection, 0, sizeof *connection);
    connection->rights = SYSTEM_RIGHT_SEND;
    connection->line = r->line;
    if (!split_reference(r, r->words[1], pending->client, connection->name) ||
        !split_reference(r, r->words[3], pending->server, pending->endpoint) ||
        !read_connection_options(r, connection))
        return;
    system->connection_count++;
}

/* heap PROGRAM.NAME PAGES */
static void read_heap(struct reader *r)
{
    struct system *system = r->system;
    struct system_heap *heap;
    uint32_t pages = 0;

    if (r->word_count != 3) {
        report(r, r->line, "expected 'heap PROGRAM.NAME PAGES'");
        return;
    }
    if (system->heap_count == SYSTEM_MAX_HEAPS) {
        report(r, r->line, "more than %u heaps", SYSTEM_MAX_HEAPS);
        return;
    }
    heap = &system->heaps[system->heap_count];
    if (!split_reference(r, r->words[1], r->heap_programs[system->heap_count], heap->name) ||
        !read_number(r, "heap", r->words[2], 1, SYSTEM_MAX_HEAP_PAGES, &pages))
        return;
    heap->pages = pages;
    heap->line = r->line;
    system->heap_count++;
}

static void read_statement(struct reader *r)
{
    const char *keyword;

    if (!split_words(r) || r->word_count == 0)
        return;
    keyword = r->words[0];
    if (strcmp(keyword, "program") == 0)
        read_program(r);
    else if (strcmp(keyword, "endpoint") == 0)
        read_endpoint(r);
    else if (strcmp(keyword, "connect") == 0)
        read_connection(r);
    else if (strcmp(keyword, "heap") == 0)
        read_heap(r);
    else
        report(r, r->line, "unknown statement '%s' (expected program, endpoint, connect or heap)", keyword);
}

/* Copies line r->line (from `start`, `length` bytes) into r->text, or says why not. */
static bool take_line(struct reader *r, const char *start, size_t length)
{
    if (length > SYSTEM_MAX_LINE) {
        report(r, r->line, "line longer than %u characters", SYSTEM_MAX_LINE);
        return false;
    }
    for (size_t i = 0; i < length; i++) {
        if (start[i] == '\0') {
            report(r, r->line, "a NUL byte: the description must be text");
            return false;
        }
    }
    memcpy(r->text, start, length);
    r->text[length] = '\0';
    return true;
}

static void read_lines(struct reader *r, const char *text, size_t length)
{
    size_t at = 0;

    while (at < length) {
        size_t end = at;
        while (end < length && text[end] != '\n')
            end++;
        r->line++;
        if (take_line(r, text + at, end - at))
            read_statement(r);
        at = end + 1;
    }
    r->system->lines = r->line;
}

/* ---- the second pass: names, images, memory ------------------------------------------- */

/* The line that gave `program` a capability called `name` (an endpoint it serves, a connection, a heap), or 0. */
static unsigned capability_line(const struct system *system, unsigned program, const char *name, unsigned before)
{
    for (unsigned i = 0; i < system->heap_count; i++)
        if (system->heaps[i].program == program && system->heaps[i].line < before &&
            strcmp(system->heaps[i].name, name) == 0)
            return system->heaps[i].line;
    for (unsigned i = 0; i < system->endpoint_count; i++)
        if (system->endpoints[i].program == program && system->endpoints[i].line < before &&
            strcmp(system->endpoints[i].name, name) == 0)
            return system->endpoints[i].line;
    for (unsigned i = 0; i < system->connection_count; i++)
        if (system->connections[i].client == program && system->connections[i].line < before &&
            strcmp(system->connections[i].name, name) == 0)
            return system->connections[i].line;
    return 0;
}

/* One more capability for `program`, called `name` on `line`; false if that cannot be. */
static bool add_capability(struct reader *r, unsigned program, const char *name, unsigned line)
{
    struct system_program *p = &r->system->programs[program];
    unsigned other = capability_line(r->system, program, name, line);

    if (other) {
        report(r, line, "program %s has a capability called %s already, from line %u", p->name, name, other);
        return false;
    }
    if (++p->caps > SYSTEM_MAX_CAPS) {
        report(r, line, "program %s has more than %u endpoints, connections and heaps", p->name, SYSTEM_MAX_CAPS);
        return false;
    }
    return true;
}

static int program_named(struct reader *r, const char *name, unsigned line)
{
    int index = find_program(r->system, name);

    if (index < 0)
        report(r, line, "unknown program %s (no 'program %s' statement)", name, name);
    return index;
}

static void resolve_endpoints(struct reader *r)
{
    struct system *system = r->system;

    for (unsigned i = 0; i < system->endpoint_count; i++) {
        struct system_endpoint *endpoint = &system->endpoints[i];
        int program = program_named(r, r->endpoints[i].server, endpoint->line);
        endpoint->program = program < 0 ? SYSTEM_MAX_PROGRAMS : (unsigned)program;
        if (program >= 0)
            add_capability(r, endpoint->program, endpoint->name, endpoint->line);
    }
}

static int endpoint_named(const struct system *system, unsigned program, const char *name)
{
    for (unsigned i = 0; i < system->endpoint_count; i++)
        if (system->endpoints[i].program == program && strcmp(system->endpoints[i].name, name) == 0)
            return (int)i;
    return -1;
}

static void resolve_connections(struct reader *r)
{
    struct system *system = r->system;

    for (unsigned i = 0; i < system->connection_count; i++) {
        struct system_connection *connection = &system->connections[i];
        const struct pending_connection *pending = &r->connections[i];
        int client = program_named(r, pending->client, connection->line);
        int server = program_named(r, pending->server, connection->line);
        int endpoint = server < 0 ? -1 : endpoint_named(system, (unsigned)server, pending->endpoint);

        if (server >= 0 && endpoint < 0)
            report(r, connection->line, "dangling connection: program %s serves no endpoint called %s "
                   "(no 'endpoint %s.%s' statement)", pending->server, pending->endpoint, pending->server,
                   pending->endpoint);
        connection->client = client < 0 ? SYSTEM_MAX_PROGRAMS : (unsigned)client;
        connection->endpoint = endpoint < 0 ? SYSTEM_MAX_ENDPOINTS : (unsigned)endpoint;
        if (client >= 0)
            add_capability(r, connection->client, connection->name, connection->line);
    }
}

static void resolve_heaps(struct reader *r)
{
    struct system *system = r->system;

    for (unsigned i = 0; i < system->heap_count; i++) {
        struct system_heap *heap = &system->heaps[i];
        int program = program_named(r, r->heap_programs[i], heap->line);
        heap->program = program < 0 ? SYSTEM_MAX_PROGRAMS : (unsigned)program;
        if (program >= 0)
            add_capability(r, heap->program, heap->name, heap->line);
    }
}

/* The pages of the heaps `heap` statements give program `index`. */
static unsigned given_heap_pages(const struct system *system, unsigned index)
{
    unsigned pages = 0;

    for (unsigned i = 0; i < system->heap_count; i++)
        if (system->heaps[i].program == index)
            pages += system->heaps[i].pages;
    return pages;
}

unsigned system_bank_limit(const struct system *system, unsigned index)
{
    const struct system_program *program = &system->programs[index];
    unsigned filled = program->pager ? program->stack_pages + program->memory_pages : 0;

    if (program->bank_frames)
        return program->bank_frames;
    /* The pages the pager fills, and what their mappings' records cost the heap. */
    return program->heap_pages + given_heap_pages(system, index) + filled + SYSTEM_PAGER_HEAP_FRAMES(filled) +
           SYSTEM_BANK_BOOKKEEPING;
}

/*
 * Each program's image (init pays for it) and its bank's limit (everything
 * else it may have) must fit in the free frames, all together. The stack is
 * in the image's frames when the loader maps it, in the limit when the pager
 * fills it.
 */
static void check_images_and_memory(struct reader *r)
{
    struct system *system = r->system;
    bool reported = false;

    system->frames_needed = 0;
    for (unsigned i = 0; i < system->program_count; i++) {
        struct system_program *program = &system->programs[i];
        const char *problem = r->env->image_pages(r->env->context, program->file, program->stack_pages,
                                                  &program->image_pages);
        if (problem) {
            report(r, program->line, "program %s: boot module %s: %s", program->name, program->file, problem);
            program->image_pages = 0;
        }
        system->frames_needed += program->image_pages + system_bank_limit(system, i) -
                                 (program->pager && program->image_pages ? program->stack_pages : 0);
        if (system->frames_needed > r->env->frames_available && !reported) {
            report(r, program->line, "the quotas do not fit: the programs up to %s need %u frames "
                   "(images, stacks, heaps and memory), and %u are free", program->name, system->frames_needed,
                   r->env->frames_available);
            reported = true;
        }
    }
}

unsigned system_read(struct system *system, const char *text, size_t length, const struct system_environment *env)
{
    static struct reader reader;       /* too big for a stack; system_read is not reentrant */
    struct reader *r = &reader;

    memset(r, 0, sizeof *r);
    memset(system, 0, sizeof *system);
    r->system = system;
    r->env = env;
    read_lines(r, text, length);
    resolve_endpoints(r);
    resolve_connections(r);
    resolve_heaps(r);
    check_images_and_memory(r);
    if (system->program_count == 0)
        report(r, system->lines, "the description starts no program");
    report_in_line_order(r);
    return r->problems;
}

const char *system_program_arg(const struct system_program *program, unsigned i)
{
    return i < program->argc ? program->args + program->arg_offsets[i] : "";
}
