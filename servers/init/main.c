/*
 * main.c — init: the root task that starts a system from its description
 * (docs/system.md).
 *
 * Boot modules: init itself first, the system description second, then the
 * programs' images, found by module name. init reads and checks the whole
 * description; if anything is wrong it lists every problem with its line
 * and starts nothing. Otherwise it makes every program's heap (from the
 * boot memory, through a frame source), the endpoints (each paid by its
 * server's heap), the heaps `heap` statements give programs, loads every program with the capabilities the description
 * gives it, and only when all of them are loaded starts them, so a failure
 * at any point leaves nothing running. Then it waits: each program reports
 * its exit, init destroys it and gives its memory back, and when the last
 * one has gone init returns and the machine powers off.
 *
 * Memory: init first maps every boot module, then starts the space bank
 * (the boot module bank.elf, docs/bank.md) and gives it the boot memory
 * capability; from then on init holds no frame authority and takes every
 * frame and heap from the root bank, through a bank frame source.
 */
#include "libl4/bank.h"
#include "libl4/boot_modules.h"
#include "libl4/errors.h"
#include "libl4/frames.h"
#include "libl4/l4.h"
#include "libl4/loader.h"
#include "libl4/printf.h"
#include "libl4/string.h"
#include "servers/init/system.h"

#define DESCRIPTION_MODULE 1
#define PAGE_SIZE 4096u
#define MODULE_AREA 0x20000000u      /* boot modules, mapped read-only one after another */
#define WINDOW_AREA 0x40000000u      /* every program's frames: the roots of their mappings */
#define BANK_WINDOW 0x3f000000u      /* the bank server's frames (from the boot memory) */
#define BANK_MODULE "bank.elf"
#define BANK_HEAP_PAGES 24u
#define BANK_PRIORITY 199u           /* above every program: it serves them all */
#define MAX_PAGES 8192u              /* program pages init holds at once (the frame source's table) */

enum {
    EXIT_ENDPOINT = BURSAR_SLOT_FIRST_FREE,   /* where programs report their exit (badge: index + 1) */
    ROOT_BANK,                                /* the root bank, from the bank server */
    BANK_SERVER_SLOTS,                        /* 4: the bank server's task, thread, heap, endpoint */
    FIRST_ENDPOINT_SLOT = 16,                 /* the system's endpoints, one slot each */
    FIRST_PROGRAM_SLOT = FIRST_ENDPOINT_SLOT + SYSTEM_MAX_ENDPOINTS,   /* 4 per program */
    FIRST_GIVEN_HEAP_SLOT = FIRST_PROGRAM_SLOT + 4 * SYSTEM_MAX_PROGRAMS,   /* `heap` statements' heaps */
};

struct mapped_module {
    int index;
    const void *bytes;
    size_t size;
};

static const struct bursar_boot_info *boot;
static const char *description_name;
static struct system system;
static struct l4_boot_frames boot_frames;     /* only to start the bank */
static struct l4_bank_frames frames;          /* everything after */
static struct l4_bank_page frame_pages[MAX_PAGES];
static struct l4_bank_heap frame_heaps[SYSTEM_MAX_PROGRAMS + SYSTEM_MAX_HEAPS];
static struct l4_program bank_server;
static struct l4_program programs[SYSTEM_MAX_PROGRAMS];
static bool heap_made[SYSTEM_MAX_PROGRAMS], loaded[SYSTEM_MAX_PROGRAMS], running[SYSTEM_MAX_PROGRAMS];
static bool given_heap_made[SYSTEM_MAX_HEAPS];
static struct mapped_module modules[BURSAR_BOOT_MAX_MODULES];
static unsigned module_count;
static uintptr_t next_module_address = MODULE_AREA;

/* ---- boot modules -------------------------------------------------------------- */

/* Boot module `index`, mapped once and kept mapped. */
static const struct mapped_module *module_bytes(int index, int *error)
{
    struct mapped_module *module;

    for (unsigned i = 0; i < module_count; i++)
        if (modules[i].index == index)
            return &modules[i];
    *error = l4_boot_module_map(boot, (unsigned)index, BURSAR_SLOT_MEMORY, next_module_address);
    if (*error)
        return NULL;
    module = &modules[module_count++];
    module->index = index;
    module->bytes = (const void *)next_module_address;
    module->size = boot->modules[index].size;
    next_module_address += l4_boot_module_pages(boot, (unsigned)index) * PAGE_SIZE;
    return module;
}

static const struct mapped_module *module_named(const char *name)
{
    int error = 0, index = l4_boot_module_find(boot, name);

    return index < 0 ? NULL : module_bytes(index, &error);
}

/* Every module, mapped while init still holds the boot memory (before the bank has it). */
static bool map_modules(void)
{
    for (unsigned i = 0; i < boot->module_count; i++) {
        int error = 0;
        if (!module_bytes((int)i, &error)) {
            printf("init: cannot map boot module %u (%s): %s\n", i, boot->modules[i].name, l4_error_name(error));
            return false;
        }
    }
    return true;
}

/* The space bank, given the boot memory; the root bank lands in ROOT_BANK. */
static bool start_bank(void)
{
    const struct mapped_module *module = module_named(BANK_MODULE);
    struct l4_bank_start spec = {
        .frames = &boot_frames.source, .heap_pages = BANK_HEAP_PAGES, .memory = BURSAR_SLOT_MEMORY,
        .slots = BANK_SERVER_SLOTS, .window = BANK_WINDOW, .priority = BANK_PRIORITY, .root = ROOT_BANK,
        .timer_hz = boot->timer_hz, .tsc_khz = boot->tsc_khz,
    };
    int error;

    if (!module) {
        printf("init: no boot module %s: the space bank must come with init\n", BANK_MODULE);
        return false;
    }
    spec.image = module->bytes;
    spec.image_size = module->size;
    spec.window_pages = l4_program_pages(module->bytes, module->size, L4_LOAD_DEFAULT_STACK_PAGES);
    error = l4_bank_start(&spec, &bank_server);
    if (error) {
        printf("init: cannot start the space bank: %s\n", bank_error_name(error));
        return false;
    }
    l4_bank_frames_init(&frames, ROOT_BANK, frame_pages, MAX_PAGES, frame_heaps,
                        sizeof frame_heaps / sizeof frame_heaps[0]);
    /* A program's heap is its quota, as the description says: it does not grow by faults (yet). */
    frames.fixed_heaps = true;
    return true;
}

/* ---- checking the description ------------------------------------------------------ */

static const char *image_pages(void *context, const char *file, unsigned stack_pages, unsigned *pages)
{
    const struct mapped_module *module;
    struct elf_image image;
    enum elf_error error;

    (void)context;
    if (l4_boot_module_find(boot, file) < 0)
        return "no boot module has this name";
    module = module_named(file);
    if (!module)
        return "cannot be mapped";
    error = elf_check(module->bytes, module->size, &image);
    if (error != ELF_OK)
        return elf_error_string(error);
    *pages = l4_program_pages(module->bytes, module->size, stack_pages);
    return NULL;
}

static void description_error(void *context, unsigned line, const char *message)
{
    (void)context;
    printf("%s:%u: %s\n", description_name, line, message);
}

static bool read_description(void)
{
    const struct mapped_module *description;
    struct system_environment environment = {
        .image_pages = image_pages, .error = description_error,
    };
    int error = 0;
    unsigned problems;

    if (boot->module_count <= DESCRIPTION_MODULE) {
        printf("init: no system description: it must be the boot module after init\n");
        return false;
    }
    description_name = boot->modules[DESCRIPTION_MODULE].name;
    description = module_bytes(DESCRIPTION_MODULE, &error);
    if (!description) {
        printf("init: cannot map the system description %s: %s\n", description_name, l4_error_name(error));
        return false;
    }
    environment.frames_available = frames.source.ops->available(&frames.source);
    printf("init: reading %s (%u free frames)\n", description_name, environment.frames_available);
    problems = system_read(&system, description->bytes, description->size, &environment);
    if (problems) {
        printf("init: %u problem%s in %s; nothing started\n", problems, problems == 1 ? "" : "s", description_name);
        return false;
    }
    return true;
}

/* ---- starting the system ------------------------------------------------------------------ */

static unsigned program_slots(unsigned index)
{
    return FIRST_PROGRAM_SLOT + index * 4;
}

static unsigned heap_slot(unsigned index)
{
    return program_slots(index) + 2;
}

static void report_failure(unsigned line, const char *name, const char *what, int error)
{
    printf("%s:%u: program %s: %s: %s\n", description_name, line, name, what, l4_error_name(error));
}

/*
 * Destroys the heaps given to program `index` (all of them: -1), with
 * whatever they paid for; one its program destroyed already is just
 * forgotten.
 */
static void destroy_given_heaps(int index)
{
    for (unsigned h = 0; h < system.heap_count; h++) {
        if (!given_heap_made[h] || (index >= 0 && system.heaps[h].program != (unsigned)index))
            continue;
        /* One its program destroyed: the bank finds it gone, and the frame source forgets it. */
        frames.source.ops->destroy_heap(&frames.source, FIRST_GIVEN_HEAP_SLOT + h);
        given_heap_made[h] = false;
    }
}

/* Every program's heap, then every endpoint from its server's heap, then the heaps given to programs. */
static bool make_heaps_and_endpoints(void)
{
    for (unsigned i = 0; i < system.program_count; i++) {
        const struct system_program *program = &system.programs[i];
        int error = frames.source.ops->create_heap(&frames.source, heap_slot(i), program->heap_pages);
        if (error) {
            report_failure(program->line, program->name, "creating its heap", error);
            return false;
        }
        heap_made[i] = true;
    }
    for (unsigned e = 0; e < system.endpoint_count; e++) {
        const struct system_endpoint *endpoint = &system.endpoints[e];
        int error = l4_create(heap_slot(endpoint->program), BURSAR_OBJECT_ENDPOINT, FIRST_ENDPOINT_SLOT + e, 0);
        if (error) {
            report_failure(endpoint->line, system.programs[endpoint->program].name, "creating an endpoint", error);
            return false;
        }
    }
    for (unsigned h = 0; h < system.heap_count; h++) {
        const struct system_heap *heap = &system.heaps[h];
        int error = frames.source.ops->create_heap(&frames.source, FIRST_GIVEN_HEAP_SLOT + h, heap->pages);
        if (error) {
            report_failure(heap->line, system.programs[heap->program].name, "creating a heap for it", error);
            return false;
        }
        given_heap_made[h] = true;
    }
    return true;
}

/*
 * Program i's capabilities in description order: the endpoints it serves
 * (receive, send and grant), then its connections (as the line says), then
 * the heaps given to it (every right: it may fund, spend, lend and destroy
 * them), from the program's slot L4_LOAD_FIRST_CAP_SLOT on.
 */
static unsigned capabilities_of(unsigned index, struct l4_load_cap *caps)
{
    unsigned count = 0;

    for (unsigned e = 0; e < system.endpoint_count; e++) {
        if (system.endpoints[e].program != index)
            continue;
        caps[count] = (struct l4_load_cap){
            .name = system.endpoints[e].name, .from = FIRST_ENDPOINT_SLOT + e,
            .to = L4_LOAD_FIRST_CAP_SLOT + count,
            .rights = BURSAR_RIGHT_READ | BURSAR_RIGHT_WRITE | BURSAR_RIGHT_GRANT, .mode = BURSAR_COPY,
        };
        count++;
    }
    for (unsigned c = 0; c < system.connection_count; c++) {
        const struct system_connection *connection = &system.connections[c];
        if (connection->client != index)
            continue;
        /* The description's r, w, g are BURSAR_RIGHT_READ, _WRITE, _GRANT. */
        caps[count] = (struct l4_load_cap){
            .name = connection->name, .from = FIRST_ENDPOINT_SLOT + connection->endpoint,
            .to = L4_LOAD_FIRST_CAP_SLOT + count, .rights = connection->rights, .mode = BURSAR_COPY,
            .badge = connection->badge,
        };
        count++;
    }
    for (unsigned h = 0; h < system.heap_count; h++) {
        if (system.heaps[h].program != index)
            continue;
        caps[count] = (struct l4_load_cap){
            .name = system.heaps[h].name, .from = FIRST_GIVEN_HEAP_SLOT + h, .to = L4_LOAD_FIRST_CAP_SLOT + count,
            .rights = BURSAR_RIGHTS_ALL, .mode = BURSAR_COPY,
        };
        count++;
    }
    return count;
}

static bool load_program(unsigned index, uintptr_t *window)
{
    const struct system_program *program = &system.programs[index];
    const struct mapped_module *module = module_named(program->file);
    struct l4_load_cap caps[SYSTEM_MAX_CAPS];
    const char *argv[SYSTEM_MAX_ARGS];
    char failure[128];
    struct l4_load_spec spec = {
        .name = program->name, .image = module->bytes, .image_size = module->size, .frames = &frames.source,
        .heap = heap_slot(index), .slots = program_slots(index), .window = *window,
        .window_pages = program->image_pages, .stack_pages = program->stack_pages,
        .priority = program->priority, .parent = EXIT_ENDPOINT, .parent_badge = index + 1,
        .caps = caps, .cap_count = capabilities_of(index, caps), .argv = argv, .argc = program->argc,
        .timer_hz = boot->timer_hz, .tsc_khz = boot->tsc_khz,
    };

    for (unsigned i = 0; i < program->argc; i++)
        argv[i] = system_program_arg(program, i);
    if (l4_program_load(&spec, &programs[index]) != L4_LOAD_OK) {
        l4_program_failure(&programs[index], failure, sizeof failure);
        printf("%s:%u: program %s: %s\n", description_name, program->line, program->name, failure);
        return false;
    }
    loaded[index] = true;
    *window += program->image_pages * PAGE_SIZE;
    return true;
}

/* Everything made so far, in reverse. */
static void tear_down(void)
{
    for (unsigned i = system.program_count; i > 0; i--) {
        if (loaded[i - 1])
            l4_program_destroy(&programs[i - 1]);
        loaded[i - 1] = running[i - 1] = false;
    }
    destroy_given_heaps(-1);
    for (unsigned i = system.program_count; i > 0; i--) {
        if (heap_made[i - 1])
            frames.source.ops->destroy_heap(&frames.source, heap_slot(i - 1));
        heap_made[i - 1] = false;
    }
    for (unsigned e = 0; e < system.endpoint_count; e++)
        l4_cap_delete(FIRST_ENDPOINT_SLOT + e);    /* the endpoints died with their heaps */
}

static void print_started(unsigned index)
{
    const struct system_program *program = &system.programs[index];
    struct l4_load_cap caps[SYSTEM_MAX_CAPS];
    unsigned count = capabilities_of(index, caps);

    printf("init: started %s (line %u): %u frames for image and stack, heap %u pages (%u used), priority %u",
           program->name, program->line, programs[index].pages, programs[index].heap_pages,
           programs[index].heap_pages_used, program->priority);
    for (unsigned i = 0; i < count; i++)
        printf("%s %s=slot %u", i == 0 ? "; capabilities" : ",", caps[i].name, caps[i].to);
    printf("\n");
}

/* Heaps, endpoints and programs, all loaded; false (with everything destroyed again) if any failed. */
static bool make_everything(void)
{
    uintptr_t window = WINDOW_AREA;

    if (!make_heaps_and_endpoints())
        return false;
    for (unsigned i = 0; i < system.program_count; i++)
        if (!load_program(i, &window))
            return false;
    return true;
}

/* After a failed start: says whether the kernel's ledger is back where it was before. */
static void report_nothing_started(const struct bursar_system_info *before)
{
    struct bursar_system_info after;

    l4_system_info(&after);
    if (after.heap_frames == before->heap_frames && after.bank_frames == before->bank_frames &&
        after.tasks == before->tasks && after.threads == before->threads && after.heaps == before->heaps)
        printf("init: nothing started; every frame and object made for the system is back\n");
    else
        printf("init: nothing started, but %u heap frames, %u tasks, %u threads and %u heaps remain (were %u, %u, "
               "%u, %u)\n", after.heap_frames, after.tasks, after.threads, after.heaps, before->heap_frames,
               before->tasks, before->threads, before->heaps);
}

static bool start_system(void)
{
    struct bursar_system_info before;

    if (l4_create(BURSAR_SLOT_HEAP, BURSAR_OBJECT_ENDPOINT, EXIT_ENDPOINT, 0) != 0) {
        printf("init: cannot create its own endpoint\n");
        return false;
    }
    l4_system_info(&before);
    if (!make_everything()) {
        tear_down();
        report_nothing_started(&before);
        return false;
    }
    for (unsigned i = 0; i < system.program_count; i++) {
        int error = l4_program_start(&programs[i]);
        if (error) {
            /* Those started so far have not run: they are below init's priority, and init has not blocked. */
            report_failure(system.programs[i].line, system.programs[i].name, "starting its thread", error);
            tear_down();
            return false;
        }
        running[i] = true;
        print_started(i);
    }
    return true;
}

/* ---- running ----------------------------------------------------------------------- */

/* Pages program `index`'s own heap and the heaps given to it hold now. */
static uint32_t heap_pages_of(unsigned index)
{
    struct bursar_heap_info info;
    uint32_t pages = l4_heap_info(heap_slot(index), &info) == 0 ? info.pages_held : 0;

    for (unsigned h = 0; h < system.heap_count; h++)
        if (given_heap_made[h] && system.heaps[h].program == index &&
            l4_heap_info(FIRST_GIVEN_HEAP_SLOT + h, &info) == 0)
            pages += info.pages_held;
    return pages;
}

/*
 * A program has exited: destroy it, the heaps given to it and its own heap
 * (and so the endpoints it served). The pages that come back are what those
 * heaps held: the bank's own bookkeeping is not the program's.
 */
static void retire(unsigned index, uint32_t status)
{
    uint32_t pages = heap_pages_of(index);

    l4_program_destroy(&programs[index]);
    destroy_given_heaps((int)index);
    frames.source.ops->destroy_heap(&frames.source, heap_slot(index));
    running[index] = loaded[index] = heap_made[index] = false;
    printf("init: %s exited with status %d; %u heap pages came back\n", system.programs[index].name, (int)status,
           pages);
}

/* Until every program has exited; true if all did with status 0. */
static bool wait_for_exits(void)
{
    unsigned remaining = system.program_count;
    bool all_zero = true;

    while (remaining > 0) {
        uint32_t badge = 0, tag = 0, status = 0, unused = 0;
        int error = l4_receive(EXIT_ENDPOINT, BURSAR_NO_CAPABILITY, &badge, &tag, &status, &unused,
                               BURSAR_TIMEOUT_NEVER);
        if (error || BURSAR_TAG_LABEL(tag) != L4_LABEL_EXITED || badge == 0 || badge > system.program_count ||
            !running[badge - 1])
            continue;
        retire(badge - 1, status);
        all_zero &= status == 0;
        remaining--;
    }
    printf("init: every program has exited\n");
    return all_zero;
}

int main(const struct bursar_boot_info *boot_info)
{
    boot = boot_info;
    if (!boot) {
        printf("init: must be the root task (the first boot module)\n");
        return 1;
    }
    l4_boot_frames_init(&boot_frames, boot, BURSAR_SLOT_MEMORY, BURSAR_SLOT_HEAP);
    if (!map_modules() || !start_bank() || !read_description() || !start_system())
        return 1;
    return wait_for_exits() ? 0 : 1;
}
