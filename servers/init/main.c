/*
 * main.c — init: the root task that starts a system from its description
 * (docs/system.md).
 *
 * Boot modules: init itself first, the system description second, then the
 * programs' images, found by module name. init reads and checks the whole
 * description; if anything is wrong it lists every problem with its line
 * and starts nothing. Otherwise it gives every program a bank of its own
 * with the limit the description gives it, and from that bank its heap and
 * the heaps `heap` statements give it (program_memory.c); the endpoints (each paid
 * by its server's heap); a client of the pager for its stack and memory;
 * then it loads every program with the capabilities the description gives
 * it, and only when all of them are loaded starts them, so a failure at any
 * point leaves nothing running. Then it waits: each program reports its
 * exit, or dies of an exception init (its exception handler) is told of;
 * init destroys it and its bank, and everything it paid for comes back.
 * When the last one has gone init returns and the machine powers off.
 *
 * Memory: init first maps every boot module, then starts the space bank
 * (the boot module bank.elf, docs/bank.md) and gives it the boot memory
 * capability; from then on init holds no frame authority. The programs'
 * images are init's, from the root bank through a bank frame source;
 * everything else a program has, its own bank pays for.
 */
#include "bursar/fault.h"
#include "libl4/bank.h"
#include "libl4/boot_modules.h"
#include "libl4/errors.h"
#include "libl4/frames.h"
#include "libl4/l4.h"
#include "libl4/loader.h"
#include "libl4/pager.h"
#include "libl4/printf.h"
#include "libl4/string.h"
#include "servers/init/program_memory.h"
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
#define PAGER_MODULE "pager.elf"
#define PAGER_WINDOW 0x3e000000u     /* the pager's frames (from its own bank) */
#define PROGRAM_BANK_RIGHTS (BANK_NO_DESTROY | BANK_NO_LIMITS)   /* what a program may not do to its bank */

enum {
    EXIT_ENDPOINT = BURSAR_SLOT_FIRST_FREE,   /* exit reports and exceptions of programs (badge: index + 1) */
    ROOT_BANK,                                /* the root bank, from the bank server */
    BANK_SERVER_SLOTS,                        /* 4: the bank server's task, thread, heap, endpoint */
    FIRST_ENDPOINT_SLOT = 16,                 /* the system's endpoints, one slot each */
    FIRST_PROGRAM_SLOT = FIRST_ENDPOINT_SLOT + SYSTEM_MAX_ENDPOINTS,   /* PROGRAM_SLOTS per program */
    FIRST_GIVEN_HEAP_SLOT = FIRST_PROGRAM_SLOT + 8 * SYSTEM_MAX_PROGRAMS,   /* `heap` statements' heaps */
    EXIT_REPLY = FIRST_GIVEN_HEAP_SLOT + SYSTEM_MAX_HEAPS,   /* init answers exceptions through it */
    PAGER,                                    /* the unbadged capability to the pager */
    PAGER_BANK,                               /* the pager's own bank */
    PAGER_SERVER_SLOTS,                       /* 4: the pager's task, thread, heap, endpoint */
};
/* Capabilities every program gets besides its description's: bank, pager, exceptions. */
#define INIT_CAPS 3u
_Static_assert(SYSTEM_MAX_CAPS + INIT_CAPS <= L4_START_MAX_CAPS, "a program's capabilities fit its start information");
/* A program's slots: task, thread, heap (the loader's), its bank, its pager client, its exception handler. */
#define PROGRAM_SLOTS 8u
enum { SLOT_TASK, SLOT_THREAD, SLOT_HEAP, SLOT_BANK, SLOT_CLIENT, SLOT_HANDLER, SLOT_OWN_BANK };

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
static struct l4_bank_heap frame_heaps[1];          /* the programs' heaps are their banks', not init's */
static struct l4_program bank_server;
static struct l4_program programs[SYSTEM_MAX_PROGRAMS];
static bool bank_made[SYSTEM_MAX_PROGRAMS], loaded[SYSTEM_MAX_PROGRAMS], running[SYSTEM_MAX_PROGRAMS];
static uint32_t root_before, pager_before;       /* the root bank's free frames, the pager's charge, at the start */
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

static unsigned program_slot(unsigned index, unsigned which)
{
    return FIRST_PROGRAM_SLOT + index * PROGRAM_SLOTS + which;
}

static void report_failure(unsigned line, const char *name, const char *what, int error)
{
    printf("%s:%u: program %s: %s: %s\n", description_name, line, name, what, pager_error_name(error));
}

/*
 * Every program's bank and heap, then every endpoint from its server's
 * heap, then the heaps given to programs (each from its program's bank),
 * then every program's pager client.
 */
static bool make_banks_heaps_and_endpoints(void)
{
    for (unsigned i = 0; i < system.program_count; i++) {
        const struct system_program *program = &system.programs[i];
        int error = memory_make_bank(ROOT_BANK, system_bank_limit(&system, i), program_slot(i, SLOT_BANK));
        if (error) {
            report_failure(program->line, program->name, "creating its bank", error);
            return false;
        }
        bank_made[i] = true;
        error = memory_make_heap(program_slot(i, SLOT_BANK), program->heap_pages, true, program_slot(i, SLOT_HEAP));
        if (error) {
            report_failure(program->line, program->name, "creating its heap", error);
            return false;
        }
    }
    for (unsigned e = 0; e < system.endpoint_count; e++) {
        const struct system_endpoint *endpoint = &system.endpoints[e];
        int error = l4_create(program_slot(endpoint->program, SLOT_HEAP), BURSAR_OBJECT_ENDPOINT,
                              FIRST_ENDPOINT_SLOT + e, 0);
        if (error) {
            report_failure(endpoint->line, system.programs[endpoint->program].name, "creating an endpoint", error);
            return false;
        }
    }
    for (unsigned h = 0; h < system.heap_count; h++) {
        const struct system_heap *heap = &system.heaps[h];
        int error = memory_make_heap(program_slot(heap->program, SLOT_BANK), heap->pages, false,
                                     FIRST_GIVEN_HEAP_SLOT + h);
        if (error) {
            report_failure(heap->line, system.programs[heap->program].name, "creating a heap for it", error);
            return false;
        }
    }
    for (unsigned i = 0; i < system.program_count; i++) {
        const struct system_program *program = &system.programs[i];
        int error = program->pager ? memory_open_client(PAGER, program_slot(i, SLOT_BANK), program,
                                                        program_slot(i, SLOT_CLIENT)) : 0;
        if (!error)
            error = bank_restricted(program_slot(i, SLOT_BANK), PROGRAM_BANK_RIGHTS, program_slot(i, SLOT_OWN_BANK));
        if (!error)
            error = l4_cap_copy(EXIT_ENDPOINT, program_slot(i, SLOT_HANDLER), BURSAR_RIGHT_WRITE | BURSAR_RIGHT_GRANT,
                                i + 1);   /* GRANT: the program gets a copy, "exceptions" */
        if (error) {
            report_failure(program->line, program->name, "opening its pager client", error);
            return false;
        }
    }
    return true;
}

/*
 * Program i's capabilities in description order: the endpoints it serves
 * (receive, send and grant), then its connections (as the line says), then
 * the heaps given to it (every right: it may fund, spend, lend and destroy
 * them), from the program's slot L4_LOAD_FIRST_CAP_SLOT on; then its own
 * bank ("bank": it may buy within its limit, not destroy the bank or change
 * the limit), its pager client ("pager", with the pager) and init's
 * endpoint for its threads' exceptions ("exceptions").
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
    caps[count] = (struct l4_load_cap){
        .name = "bank", .from = program_slot(index, SLOT_OWN_BANK), .to = L4_LOAD_FIRST_CAP_SLOT + count,
        .rights = BURSAR_RIGHT_WRITE | BURSAR_RIGHT_GRANT, .mode = BURSAR_COPY,
    };
    count++;
    if (system.programs[index].pager) {
        caps[count] = (struct l4_load_cap){
            .name = L4_START_CAP_PAGER, .from = program_slot(index, SLOT_CLIENT),
            .to = L4_LOAD_FIRST_CAP_SLOT + count, .rights = BURSAR_RIGHT_WRITE, .mode = BURSAR_COPY,
        };
        count++;
    }
    /* init's endpoint with the program's badge: its other threads' exceptions come to init too (l4_thread_spawn). */
    caps[count] = (struct l4_load_cap){
        .name = L4_START_CAP_EXCEPTIONS, .from = program_slot(index, SLOT_HANDLER),
        .to = L4_LOAD_FIRST_CAP_SLOT + count, .rights = BURSAR_RIGHT_WRITE, .mode = BURSAR_COPY,
    };
    count++;
    return count;
}

static bool load_program(unsigned index, uintptr_t *window)
{
    const struct system_program *program = &system.programs[index];
    const struct mapped_module *module = module_named(program->file);
    struct l4_load_cap caps[SYSTEM_MAX_CAPS + INIT_CAPS];
    const char *argv[SYSTEM_MAX_ARGS];
    char failure[128];
    struct l4_load_spec spec = {
        .name = program->name, .image = module->bytes, .image_size = module->size, .frames = &frames.source,
        .heap = program_slot(index, SLOT_HEAP), .slots = program_slot(index, SLOT_TASK), .window = *window,
        .window_pages = program->image_pages, .stack_pages = program->stack_pages,
        .stack_by_pager = program->pager, .memory_pages = program->memory_pages,
        .priority = program->priority, .parent = EXIT_ENDPOINT, .parent_badge = index + 1,
        .pager = program->pager ? program_slot(index, SLOT_CLIENT) : 0,
        .exception_handler = program_slot(index, SLOT_HANDLER),
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

/* Program `index` and everything its bank paid for (its heaps, its memory); what came back. */
static struct memory_back destroy_program(unsigned index)
{
    struct memory_back back = { 0 };

    if (loaded[index])
        l4_program_destroy(&programs[index]);
    if (bank_made[index])
        back = memory_retire(program_slot(index, SLOT_BANK), program_slot(index, SLOT_CLIENT));
    l4_cap_delete(program_slot(index, SLOT_OWN_BANK));
    l4_cap_delete(program_slot(index, SLOT_HANDLER));
    l4_cap_delete(program_slot(index, SLOT_HEAP));
    loaded[index] = running[index] = bank_made[index] = false;
    return back;
}

/* Everything made so far, in reverse. */
static void tear_down(void)
{
    for (unsigned i = system.program_count; i > 0; i--)
        destroy_program(i - 1);
    for (unsigned h = 0; h < system.heap_count; h++)
        l4_cap_delete(FIRST_GIVEN_HEAP_SLOT + h);  /* the heaps died with their banks */
    for (unsigned e = 0; e < system.endpoint_count; e++)
        l4_cap_delete(FIRST_ENDPOINT_SLOT + e);    /* the endpoints died with their heaps */
}

static void print_started(unsigned index)
{
    const struct system_program *program = &system.programs[index];
    struct l4_load_cap caps[SYSTEM_MAX_CAPS + INIT_CAPS];
    unsigned count = capabilities_of(index, caps);

    printf("init: started %s (line %u): %u frames for its image, a bank of %u frames (heap %u pages, %u used",
           program->name, program->line, programs[index].pages, system_bank_limit(&system, index),
           programs[index].heap_pages, programs[index].heap_pages_used);
    if (program->pager)
        printf("; stack %u and memory %u pages from the pager", program->stack_pages, program->memory_pages);
    printf("), priority %u", program->priority);
    for (unsigned i = 0; i < count; i++)
        printf("%s %s=slot %u", i == 0 ? "; capabilities" : ",", caps[i].name, caps[i].to);
    printf("\n");
}

/* What the root bank can sell now; in *pager what the pager's own bank is charged (0 if there is no pager). */
static uint32_t root_available(uint32_t *pager)
{
    uint32_t available = 0, unused;

    *pager = 0;
    bank_stats(ROOT_BANK, &unused, &unused, &available, &unused, &unused, &unused, &unused, &unused, &unused, &unused,
               &unused, &unused, &unused, &unused, &unused, &unused, &unused);
    bank_stats(PAGER_BANK, &unused, &unused, &unused, pager, &unused, &unused, &unused, &unused, &unused, &unused,
               &unused, &unused, &unused, &unused, &unused, &unused, &unused);
    return available;
}

/* Banks, heaps, endpoints, pager clients and programs, all loaded; false (with everything destroyed) if any failed. */
static bool make_everything(void)
{
    uintptr_t window = WINDOW_AREA;

    if (!make_banks_heaps_and_endpoints())
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

    if (l4_create(BURSAR_SLOT_HEAP, BURSAR_OBJECT_ENDPOINT, EXIT_ENDPOINT, 0) != 0 ||
        l4_create(BURSAR_SLOT_HEAP, BURSAR_OBJECT_REPLY, EXIT_REPLY, 0) != 0) {
        printf("init: cannot create its own endpoint\n");
        return false;
    }
    l4_system_info(&before);
    root_before = root_available(&pager_before);
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

/* A program has exited (or died): destroy it and its bank, and everything the bank paid for comes back. */
static void retire(unsigned index, const char *how, int status)
{
    struct memory_back back = destroy_program(index);

    printf("init: %s %s %d; its bank gave back %u frames (heap pages %u, filled %u, bookkeeping %u)\n",
           system.programs[index].name, how, status, back.frames, back.heap_pages, back.filled, back.bookkeeping);
}

/*
 * An exception in any thread of a program (init is the handler of its
 * first thread, and of every thread l4_thread_spawn makes there): one line
 * saying what and why (a page fault its pager raised names the reason),
 * then the thread is killed (the kernel's line follows), and the caller
 * retires the whole program.
 */
static void note_exception(unsigned index, const struct l4_msg *m)
{
    printf("init: %s: exception %u at %08x", system.programs[index].name, m->mr[0], m->mr[2]);
    if (m->mr[0] == 14 && l4_msg_words(m) == BURSAR_RAISED_FAULT_WORDS)
        printf(", address %08x: its pager raised %s", m->mr[BURSAR_RAISED_FAULT_ADDRESS],
               pager_error_name(-(int)m->mr[BURSAR_RAISED_FAULT_REASON]));
    printf("; killed\n");
    l4_reply(EXIT_REPLY, BURSAR_TAG(BURSAR_LABEL_KILL, 0, 0), 0, 0);
}

/*
 * A message init does not act on (another label, a program already
 * retired) is answered if it came by a call: otherwise the caller would
 * stay bound to EXIT_REPLY and every receive after it would be BUSY, and
 * init, above every program's priority, would spin on that for as long as
 * the caller waits. With no caller bound the answer goes nowhere.
 */
static void refuse(void)
{
    /* A call the kernel made for a thread whose pager is init's endpoint takes no error reply: KILL. */
    l4_server_release(EXIT_REPLY, -BURSAR_E_UNKNOWN_OPERATION);
}

/* Until every program has exited or died; true if all exited with status 0. */
static bool wait_for_exits(void)
{
    unsigned remaining = system.program_count;
    bool all_zero = true;

    while (remaining > 0) {
        struct l4_msg m;
        int error = l4_msg_receive(EXIT_ENDPOINT, EXIT_REPLY, &m, BURSAR_TIMEOUT_NEVER);
        unsigned index = m.badge - 1;
        if (error == -BURSAR_E_BUSY)
            refuse();            /* a caller still bound (it should not be, but never spin on it) */
        if (error)
            continue;
        if (m.badge == 0 || m.badge > system.program_count || !running[index]) {
            refuse();
            continue;
        }
        if (l4_msg_label(&m) == BURSAR_LABEL_EXCEPTION) {
            note_exception(index, &m);
            retire(index, "died of an exception, status", -1);
            all_zero = false;
        } else if (l4_msg_label(&m) == L4_LABEL_EXITED) {
            retire(index, "exited with status", (int)m.mr[0]);
            all_zero &= m.mr[0] == 0;
        } else {
            refuse();
            continue;
        }
        remaining--;
    }
    {
        uint32_t pager, available = root_available(&pager);
        /* The pager's heap keeps the pages of records and tables it grew by: its bank's, not the programs'. */
        printf("init: every program has exited; the root bank can sell %u frames, %u before the programs "
               "started, and the pager's bank holds %u more than then\n", available, root_before,
               pager - pager_before);
    }
    return all_zero;
}

int main(const struct bursar_boot_info *boot_info)
{
    const struct memory_slots pager_slots = {
        .pager = PAGER, .pager_bank = PAGER_BANK, .pager_server = PAGER_SERVER_SLOTS, .pager_window = PAGER_WINDOW,
    };
    const struct mapped_module *pager;

    boot = boot_info;
    if (!boot) {
        printf("init: must be the root task (the first boot module)\n");
        return 1;
    }
    l4_boot_frames_init(&boot_frames, boot, BURSAR_SLOT_MEMORY, BURSAR_SLOT_HEAP);
    if (!map_modules() || !start_bank() || !read_description())
        return 1;
    pager = module_named(PAGER_MODULE);
    if (!memory_start_pager(ROOT_BANK, &system, pager ? pager->bytes : NULL, pager ? pager->size : 0, &pager_slots) ||
        !start_system())
        return 1;
    return wait_for_exits() ? 0 : 1;
}
