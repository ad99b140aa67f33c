/*
 * loader.c — l4_program_load() and friends (loader.h).
 *
 * Every page of the program is a frame from the caller's frame source,
 * mapped first in the caller's window (where the loader fills it) and then
 * into the new task with SYS_MAP, so the caller's mapping is the root of
 * the program's and the caller can always take it back. Each step that
 * makes something records it in struct l4_program, so that a failure at any
 * step is undone by the same code that destroys a loaded program.
 */
#include "libl4/loader.h"

#include "lib/format.h"
#include "libl4/errors.h"
#include "libl4/l4.h"
#include "libl4/string.h"

#define PAGE_SIZE 4096u
#define PAGE_MASK (PAGE_SIZE - 1)
#define MAX_CAPABILITY_SLOTS 2048u
#define MAX_STACK_PAGES 1024u
#define MAX_WINDOW_PAGES 65536u

/* The stack, UTCB and start-information pages: from the stack's bottom to the top of user space. */
static uint32_t reserved_bottom(unsigned stack_pages)
{
    return L4_PROGRAM_STACK_TOP - stack_pages * PAGE_SIZE;
}

static unsigned stack_pages_of(unsigned requested)
{
    return requested ? requested : L4_LOAD_DEFAULT_STACK_PAGES;
}

static uint32_t segment_first_page(const struct elf_segment *segment)
{
    return segment->vaddr & ~PAGE_MASK;
}

static unsigned segment_pages(const struct elf_segment *segment)
{
    uint64_t end = ((uint64_t)segment->vaddr + segment->memsz + PAGE_MASK) & ~(uint64_t)PAGE_MASK;

    return (unsigned)((end - segment_first_page(segment)) / PAGE_SIZE);
}

static unsigned count_pages(const struct elf_image *image, unsigned stack_pages)
{
    struct elf_segment segment;
    unsigned cursor = 0, pages = stack_pages_of(stack_pages) + 2;    /* + the UTCB and start information */

    while (elf_next_segment(image, &cursor, &segment))
        pages += segment_pages(&segment);
    return pages;
}

unsigned l4_program_pages(const void *image, size_t image_size, unsigned stack_pages)
{
    struct elf_image checked;

    return elf_check(image, image_size, &checked) == ELF_OK ? count_pages(&checked, stack_pages) : 0;
}

/* ---- failures ------------------------------------------------------------ */

static const char *const load_error_names[L4_LOAD_ERROR_COUNT] = {
    [L4_LOAD_OK] = "loaded",
    [L4_LOAD_BAD_SPEC] = "bad request",
    [L4_LOAD_BAD_IMAGE] = "bad image",
    [L4_LOAD_WINDOW_TOO_SMALL] = "window too small",
    [L4_LOAD_SYSTEM_CALL] = "system call failed",
};

const char *l4_load_error_name(enum l4_load_error error)
{
    return (unsigned)error < L4_LOAD_ERROR_COUNT ? load_error_names[error] : "unknown loader error";
}

void l4_program_failure(const struct l4_program *program, char *buffer, size_t size)
{
    switch (program->failure) {
    case L4_LOAD_BAD_IMAGE:
        format_to_buffer(buffer, size, "bad image: %s", program->step ? program->step : elf_error_string(program->elf));
        return;
    case L4_LOAD_SYSTEM_CALL:
        format_to_buffer(buffer, size, "%s: %s", program->step, l4_error_name(program->error));
        return;
    default:
        format_to_buffer(buffer, size, "%s%s%s", l4_load_error_name(program->failure), program->step ? ": " : "",
                         program->step ? program->step : "");
    }
}

static enum l4_load_error fail(struct l4_program *program, enum l4_load_error failure, const char *step)
{
    program->failure = failure;
    program->step = step;
    return failure;
}

static enum l4_load_error fail_call(struct l4_program *program, int error, const char *step)
{
    program->error = error;
    return fail(program, L4_LOAD_SYSTEM_CALL, step);
}

/* ---- checking the request -------------------------------------------------- */

static bool fits_name(const char *name)
{
    return name && strlen(name) < L4_START_NAME_SIZE;
}

static size_t argument_bytes(const struct l4_load_spec *spec)
{
    size_t bytes = 0;

    for (unsigned i = 0; i < spec->argc; i++)
        bytes += (spec->argv[i] ? strlen(spec->argv[i]) : 0) + 1;
    return bytes;
}

static const char *cap_problem(const struct l4_load_spec *spec, unsigned capability_slots)
{
    if (spec->cap_count > L4_START_MAX_CAPS || (spec->cap_count && !spec->caps))
        return "too many capabilities";
    for (unsigned i = 0; i < spec->cap_count; i++) {
        const struct l4_load_cap *cap = &spec->caps[i];
        if (cap->to < L4_LOAD_FIRST_CAP_SLOT || cap->to >= capability_slots)
            return "a capability's slot is reserved or outside the program's capability space";
        if (cap->name && !fits_name(cap->name))
            return "a capability's name is too long";
        for (unsigned j = 0; j < i; j++)
            if (spec->caps[j].to == cap->to)
                return "two capabilities for one slot";
    }
    return NULL;
}

static const char *spec_problem(const struct l4_load_spec *spec, unsigned capability_slots)
{
    if (!fits_name(spec->name))
        return "the program's name is missing or too long";
    if (!spec->frames || !spec->frames->ops)
        return "no frame source";
    if (spec->window % PAGE_SIZE || spec->window < BURSAR_USER_BASE || spec->window_pages > MAX_WINDOW_PAGES ||
        spec->window + (uint64_t)spec->window_pages * PAGE_SIZE > BURSAR_USER_TOP)
        return "the window is misaligned or outside user space";
    if (capability_slots > MAX_CAPABILITY_SLOTS || capability_slots <= L4_LOAD_FIRST_CAP_SLOT)
        return "capability space size out of range";
    if (spec->stack_pages > MAX_STACK_PAGES)
        return "stack too big";
    if (spec->stack_by_pager && !spec->pager)
        return "a stack left to a pager needs a pager";
    if (spec->argc > L4_START_MAX_ARGS || (spec->argc && !spec->argv) ||
        argument_bytes(spec) > L4_START_STRINGS_SIZE)
        return "too many arguments, or too long";
    return cap_problem(spec, capability_slots);
}

/* ---- making the program ------------------------------------------------------ */

/* The next page of the window, with a fresh zeroed frame in it. */
static int take_window_page(struct l4_program *program, uintptr_t *page)
{
    int error;

    *page = program->window + program->pages * PAGE_SIZE;
    error = program->frames->ops->map_page(program->frames, *page);
    if (error == 0)
        program->pages++;
    return error;
}

/* `count` fresh pages in the window, then mapped into the task at `address`. */
static int map_fresh_pages(struct l4_program *program, uint32_t address, unsigned count, unsigned rights,
                           uintptr_t *first)
{
    uintptr_t page;
    int error = 0;

    *first = program->window + program->pages * PAGE_SIZE;
    for (unsigned i = 0; i < count && error == 0; i++)
        error = take_window_page(program, &page);
    if (error == 0)
        error = l4_map(program->task, *first, address, rights, count);
    return error;
}

/* Copies the segment's file bytes into its window pages (the rest is zero already). */
static void fill_segment(const uint8_t *file, const struct elf_segment *segment, uintptr_t window)
{
    memcpy((uint8_t *)window + (segment->vaddr - segment_first_page(segment)), file + segment->offset,
           segment->filesz);
}

static enum l4_load_error load_segments(struct l4_program *program, const struct elf_image *image,
                                        unsigned stack_pages)
{
    struct elf_segment segment;
    unsigned cursor = 0;

    while (elf_next_segment(image, &cursor, &segment)) {
        uint32_t rights = BURSAR_RIGHT_READ | (segment.writable ? BURSAR_RIGHT_WRITE : 0);
        uintptr_t window;
        int error;

        if ((uint64_t)segment.vaddr + segment.memsz > reserved_bottom(stack_pages))
            return fail(program, L4_LOAD_BAD_IMAGE, "a segment reaches into the stack, UTCB or start information");
        error = map_fresh_pages(program, segment_first_page(&segment), segment_pages(&segment), rights, &window);
        if (error)
            return fail_call(program, error, "mapping the image");
        fill_segment(image->bytes, &segment, window);
    }
    return L4_LOAD_OK;
}

static int give_capabilities(const struct l4_load_spec *spec, struct l4_program *program)
{
    struct l4_cap_info heap;
    /* By default the program gets every right the caller has (a bank's heap comes without CONTROL). */
    unsigned heap_rights = spec->heap_rights ? spec->heap_rights
                                             : l4_cap_inspect(program->heap, &heap) == 0 ? heap.rights : BURSAR_RIGHTS_ALL;
    int error = l4_cap_transfer(program->task, program->task, BURSAR_SLOT_TASK, BURSAR_RIGHTS_ALL, BURSAR_COPY, 0);

    if (!error)
        error = l4_cap_transfer(program->thread, program->task, BURSAR_SLOT_THREAD, BURSAR_RIGHTS_ALL,
                                BURSAR_COPY, 0);
    if (!error)
        error = l4_cap_transfer(program->heap, program->task, BURSAR_SLOT_HEAP, heap_rights, BURSAR_COPY, 0);
    if (!error && spec->parent)
        error = l4_cap_transfer(spec->parent, program->task, L4_LOAD_PARENT_SLOT, BURSAR_RIGHT_WRITE, BURSAR_COPY,
                                spec->parent_badge);
    /*
     * A GRANT is made as a COPY here and the caller's capability deleted only
     * once the whole load has succeeded (grant_moves), so that a failure
     * later on cannot take the caller's capability away with the new task.
     */
    for (unsigned i = 0; i < spec->cap_count && !error; i++) {
        const struct l4_load_cap *cap = &spec->caps[i];
        enum bursar_transfer_mode mode = cap->mode == BURSAR_GRANT ? BURSAR_COPY : cap->mode;
        error = l4_cap_transfer(cap->from, program->task, cap->to, cap->rights, mode, cap->badge);
    }
    return error;
}

/* The GRANTs take effect: the caller's capabilities that were given by GRANT go. */
static void grant_moves(const struct l4_load_spec *spec)
{
    for (unsigned i = 0; i < spec->cap_count; i++)
        if (spec->caps[i].mode == BURSAR_GRANT)
            l4_cap_delete(spec->caps[i].from);
}

static int make_thread(const struct l4_load_spec *spec, struct l4_program *program)
{
    int error = l4_create(program->heap, BURSAR_OBJECT_THREAD, program->thread, program->task);

    if (error)
        return error;
    program->thread_made = true;
    error = l4_thread_configure(program->thread, BURSAR_THREAD_UTCB, L4_PROGRAM_UTCB_ADDRESS);
    if (!error)
        error = l4_thread_configure(program->thread, BURSAR_THREAD_PRIORITY, spec->priority);
    if (!error && spec->pager)
        error = l4_thread_configure(program->thread, BURSAR_THREAD_PAGER, spec->pager);
    if (!error && spec->exception_handler)
        error = l4_thread_configure(program->thread, BURSAR_THREAD_EXCEPTION_HANDLER, spec->exception_handler);
    return error;
}

static void copy_name(char *to, const char *from)
{
    size_t length = strlen(from);

    memcpy(to, from, length + 1);
}

/* The start information, written through the caller's window mapping of its page. */
static void write_start_info(const struct l4_load_spec *spec, const struct l4_program *program,
                             struct l4_start_info *info, unsigned stack_pages)
{
    size_t used = 0;

    info->magic = L4_START_MAGIC;
    info->size = sizeof *info;
    copy_name(info->name, spec->name);
    info->priority = spec->priority;
    info->heap_pages = program->heap_pages;
    info->stack_pages = stack_pages;
    info->memory_pages = spec->memory_pages;
    info->parent = spec->parent ? L4_LOAD_PARENT_SLOT : BURSAR_NO_CAPABILITY;
    info->timer_hz = spec->timer_hz;
    info->tsc_khz = spec->tsc_khz;
    info->argc = spec->argc;
    for (unsigned i = 0; i < spec->argc; i++) {
        const char *argument = spec->argv[i] ? spec->argv[i] : "";
        copy_name(info->strings + used, argument);
        info->argv[i] = (const char *)(L4_START_INFO_ADDRESS + sizeof *info + used);
        used += strlen(argument) + 1;
    }
    for (unsigned i = 0; i < spec->cap_count; i++) {
        if (!spec->caps[i].name)
            continue;
        copy_name(info->caps[info->cap_count].name, spec->caps[i].name);
        info->caps[info->cap_count++].slot = spec->caps[i].to;
    }
}

static void note_heap_use(struct l4_program *program)
{
    struct bursar_heap_info heap;

    if (l4_heap_info(program->heap, &heap) == 0) {
        program->heap_pages = heap.pages_held;
        program->heap_pages_used = heap.pages_held - heap.pages_free;
    }
}

static enum l4_load_error make_heap_and_task(const struct l4_load_spec *spec, struct l4_program *program,
                                             unsigned capability_slots)
{
    int error;

    if (spec->heap_pages) {
        error = spec->frames->ops->create_heap(spec->frames, program->heap, spec->heap_pages);
        if (error)
            return fail_call(program, error, "creating the program's heap");
        program->heap_created = true;
    }
    error = l4_create(program->heap, BURSAR_OBJECT_TASK, program->task, capability_slots);
    if (error)
        return fail_call(program, error, "creating the task");
    program->task_made = true;
    return L4_LOAD_OK;
}

static enum l4_load_error load(const struct l4_load_spec *spec, struct l4_program *program,
                               const struct elf_image *image)
{
    unsigned stack_pages = stack_pages_of(spec->stack_pages);
    unsigned capability_slots = spec->capability_slots ? spec->capability_slots : L4_LOAD_DEFAULT_SLOTS;
    unsigned pages = count_pages(image, spec->stack_pages);
    uintptr_t stack, utcb, info;
    enum l4_load_error failure;
    int error;

    if (pages > spec->window_pages)
        return fail(program, L4_LOAD_WINDOW_TOO_SMALL, NULL);
    /* SYS_HEAP_RESERVE takes at most 4096: a bigger program reserves that many and charges the rest as it goes. */
    error = l4_heap_reserve(BURSAR_NO_CAPABILITY, BURSAR_HEAP_RECORD, pages < 4096 ? pages : 4096);
    if (error)
        return fail_call(program, error, "reserving the caller's mapping records");
    failure = make_heap_and_task(spec, program, capability_slots);
    if (failure == L4_LOAD_OK)
        failure = load_segments(program, image, stack_pages);
    if (failure != L4_LOAD_OK)
        return failure;
    error = spec->stack_by_pager ? 0 : map_fresh_pages(program, reserved_bottom(stack_pages), stack_pages,
                                                       BURSAR_RIGHT_READ | BURSAR_RIGHT_WRITE, &stack);
    if (!error)
        error = map_fresh_pages(program, L4_PROGRAM_UTCB_ADDRESS, 1, BURSAR_RIGHT_READ | BURSAR_RIGHT_WRITE, &utcb);
    if (!error)
        error = map_fresh_pages(program, L4_START_INFO_ADDRESS, 1, BURSAR_RIGHT_READ, &info);
    if (error)
        return fail_call(program, error, "mapping the stack, UTCB and start information");
    error = make_thread(spec, program);
    if (error)
        return fail_call(program, error, "creating the thread");
    error = give_capabilities(spec, program);
    if (error)
        return fail_call(program, error, "giving the capabilities");
    note_heap_use(program);
    write_start_info(spec, program, (struct l4_start_info *)info, stack_pages);
    grant_moves(spec);
    return L4_LOAD_OK;
}

enum l4_load_error l4_program_load(const struct l4_load_spec *spec, struct l4_program *program)
{
    struct elf_image image;
    enum l4_load_error failure;
    const char *problem;

    memset(program, 0, sizeof *program);
    program->task = spec->slots;
    program->thread = spec->slots + 1;
    program->heap = spec->heap_pages ? spec->slots + 2 : spec->heap;
    program->frames = spec->frames;
    program->window = spec->window;
    problem = spec_problem(spec, spec->capability_slots ? spec->capability_slots : L4_LOAD_DEFAULT_SLOTS);
    if (problem)
        return fail(program, L4_LOAD_BAD_SPEC, problem);
    program->elf = elf_check(spec->image, spec->image_size, &image);
    if (program->elf != ELF_OK)
        return fail(program, L4_LOAD_BAD_IMAGE, NULL);
    program->entry = image.entry;
    failure = load(spec, program, &image);
    if (failure != L4_LOAD_OK) {
        struct l4_program made = *program;
        l4_program_destroy(&made);
    }
    return failure;
}

int l4_program_start(const struct l4_program *program)
{
    return l4_thread_start(program->thread, program->entry, L4_PROGRAM_STACK_TOP);
}

void l4_program_destroy(struct l4_program *program)
{
    /* Only what this program made: a failed create may have met the caller's own object in the slot. */
    if (program->thread_made) {
        l4_destroy(program->thread);
        l4_cap_delete(program->thread);
    }
    if (program->task_made) {
        l4_destroy(program->task);
        l4_cap_delete(program->task);
    }
    program->thread_made = program->task_made = false;
    program->frames->ops->unmap_pages(program->frames, program->window, program->pages);
    program->pages = 0;
    if (program->heap_created)
        program->frames->ops->destroy_heap(program->frames, program->heap);
    program->heap_created = false;
}
