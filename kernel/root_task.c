/*
 * root_task.c — the last steps of the boot: check the modules, give every
 * frame outside the fixed reservation to the root space bank (a memory
 * object whose capability the root task holds), load the first module as the
 * root task, and start it. Starting the other modules is the root task's job.
 *
 * The root task's own objects (task, page tables, capability tables, thread)
 * are paid by the boot heap, which is part of the fixed reservation; the
 * frames of its image, stack, UTCB and boot information are bank frames
 * mapped into it.
 */
#include "bursar/boot.h"
#include "kernel/boot.h"
#include "kernel/console.h"
#include "kernel/cspace.h"
#include "kernel/debug.h"
#include "kernel/frame_table.h"
#include "kernel/heap.h"
#include "kernel/irq.h"
#include "kernel/machine.h"
#include "kernel/memory.h"
#include "kernel/root_task.h"
#include "kernel/scheduler.h"
#include "kernel/task.h"
#include "kernel/thread.h"
#include "lib/elf.h"

const char *boot_module_refusal[BOOT_MAX_MODULES];
static struct memory *root_memory;
static struct task *root_task;
static struct thread *root_thread;
static uint32_t next_free_frame;

bool thread_is_root(const struct thread *thread)
{
    return thread == root_thread;
}

static bool modules_overlap(const struct boot_module *a, const struct boot_module *b)
{
    return a->start < b->end && b->start < a->end;
}

/*
 * Every module must be a sane range of RAM; only the first, the root task,
 * must be a program the kernel can load. The others are the root task's
 * data (programs it loads and checks itself, a system description...).
 */
static const char *module_problem(const struct boot_info *boot, uint32_t index)
{
    const struct boot_module *module = &boot->modules[index];
    struct elf_image image;
    enum elf_error error;

    if (module->end <= module->start)
        return "empty or inverted range";
    if (module->start % FRAME_SIZE)
        return "does not start on a page boundary";
    if (module->end > frame_table_memory_end())
        return "outside usable memory";
    for (uint32_t other = 0; other < boot->module_count; other++)
        if (other != index && modules_overlap(module, &boot->modules[other]))
            return "overlaps another module";
    if (module->start < machine_kernel_image_end() && machine_kernel_image_start() < module->end)
        return "overlaps the kernel";
    if (index != 0)
        return NULL;
    error = elf_check(machine_physical_to_virtual(module->start), (size_t)(module->end - module->start), &image);
    return error == ELF_OK ? NULL : elf_error_string(error);
}

void modules_check(const struct boot_info *boot)
{
    for (uint32_t i = 0; i < boot->module_count; i++) {
        boot_module_refusal[i] = module_problem(boot, i);
        if (boot_module_refusal[i])
            kprintf("module %u (%s) refused: %s\n", i, boot->modules[i].name, boot_module_refusal[i]);
    }
}

static bool frame_in_a_module(const struct boot_info *boot, uint32_t frame)
{
    uint64_t address = (uint64_t)frame << FRAME_SHIFT;

    for (uint32_t i = 0; i < boot->module_count; i++)
        if (address + FRAME_SIZE > boot->modules[i].start && address < boot->modules[i].end)
            return true;
    return false;
}

/* Every free and module frame becomes the root bank's. */
static void give_frames_to_root_bank(void)
{
    for (uint32_t f = 0; f < frame_table.frame_count; f++) {
        struct frame *frame = &frame_table.frames[f];
        if (frame->type == FRAME_FREE || frame->type == FRAME_MODULE) {
            frame->owner = root_memory;
            frame_set_type(f, FRAME_BANK);
        }
    }
}

/* A bank frame that is neither a module's nor mapped yet, zeroed. */
static uint32_t take_free_frame(const struct boot_info *boot)
{
    for (; next_free_frame < frame_table.frame_count; next_free_frame++) {
        struct frame *frame = &frame_table.frames[next_free_frame];
        if (frame->type == FRAME_BANK && !(frame->mappings.flags & MAPDB_F_MAPPED) &&
            !frame_in_a_module(boot, next_free_frame)) {
            uint32_t *words = machine_physical_to_virtual(frame_physical(frame));
            for (uint32_t i = 0; i < FRAME_SIZE / 4; i++)
                words[i] = 0;
            return next_free_frame++;
        }
    }
    panic("root task: out of free frames while loading");
}

static void map_new_page(const struct boot_info *boot, uint32_t address, uint32_t rights, void **contents)
{
    uint32_t frame = take_free_frame(boot);

    if (memory_map_frame(root_task, root_memory, frame, address, rights) != 0)
        panic("root task: cannot map %08x (boot heap too small?)", address);
    *contents = machine_physical_to_virtual((uint64_t)frame << FRAME_SHIFT);
}

static void copy_bytes(uint8_t *to, const uint8_t *from, uint32_t count)
{
    for (uint32_t i = 0; i < count; i++)
        to[i] = from[i];
}

/* Each page of the segment: a fresh frame, with the file's bytes for that page copied in. */
static void load_segment(const struct boot_info *boot, const uint8_t *file, const struct elf_segment *segment)
{
    uint32_t first = segment->vaddr & ~(FRAME_SIZE - 1);
    uint32_t rights = BURSAR_RIGHT_READ | (segment->writable ? BURSAR_RIGHT_WRITE : 0);

    for (uint32_t page = first; page < segment->vaddr + segment->memsz; page += FRAME_SIZE) {
        uint8_t *contents;
        map_new_page(boot, page, rights, (void **)&contents);
        uint32_t from = page > segment->vaddr ? page : segment->vaddr;
        uint32_t to = page + FRAME_SIZE < segment->vaddr + segment->filesz ? page + FRAME_SIZE
                                                                          : segment->vaddr + segment->filesz;
        if (from < to)
            copy_bytes(contents + (from - page), file + segment->offset + (from - segment->vaddr), to - from);
    }
}

static uint32_t load_root_image(const struct boot_info *boot)
{
    const struct boot_module *module = &boot->modules[0];
    const uint8_t *file = machine_physical_to_virtual(module->start);
    struct elf_image image;
    struct elf_segment segment;
    unsigned cursor = 0;

    KERNEL_ASSERT(elf_check(file, (size_t)(module->end - module->start), &image) == ELF_OK);
    while (elf_next_segment(&image, &cursor, &segment))
        load_segment(boot, file, &segment);
    return image.entry;
}

static void string_copy(char *to, const char *from, uint32_t size)
{
    uint32_t i = 0;

    for (; i + 1 < size && from[i]; i++)
        to[i] = from[i];
    to[i] = '\0';
}

/* Runs of frames the root bank holds and nobody uses yet. */
static void fill_free_ranges(const struct boot_info *boot, struct bursar_boot_info *info)
{
    for (uint32_t f = 0; f < frame_table.frame_count; f++) {
        const struct frame *frame = &frame_table.frames[f];
        if (frame->type != FRAME_BANK || (frame->mappings.flags & MAPDB_F_MAPPED) || frame_in_a_module(boot, f))
            continue;
        info->free_frames++;
        struct bursar_frame_range *last = info->range_count ? &info->free_ranges[info->range_count - 1] : NULL;
        if (last && last->first_frame + last->frames == f)
            last->frames++;
        else if (info->range_count < BURSAR_BOOT_MAX_RANGES)
            info->free_ranges[info->range_count++] = (struct bursar_frame_range){ f, 1 };
        else
            info->free_frames--;             /* beyond the table: the root bank never hears of it */
    }
}

/*
 * A module's name for the root task: the last path component of the first
 * word of the loader's command line for it, so "build/user/init.elf" (QEMU
 * passes the path) and "init.elf" (GRUB passes what follows the path) are
 * both "init.elf". Truncated to fit, like every string in the page.
 */
static void module_name_copy(char *to, const char *command_line, uint32_t size)
{
    const char *name = command_line;
    uint32_t i = 0;

    for (const char *c = command_line; *c && *c != ' '; c++)
        if (*c == '/')
            name = c + 1;
    for (; i + 1 < size && name[i] && name[i] != ' '; i++)
        to[i] = name[i];
    to[i] = '\0';
}

static void write_boot_info(const struct boot_info *boot, struct bursar_boot_info *info)
{
    *info = (struct bursar_boot_info){ .magic = BURSAR_BOOT_MAGIC, .timer_hz = TIMER_HZ,
                                       .tsc_khz = (uint32_t)(tsc_per_second / 1000) };
    for (uint32_t i = 0; i < boot->module_count && info->module_count < BURSAR_BOOT_MAX_MODULES; i++) {
        struct bursar_boot_module *m;
        if (boot_module_refusal[i])
            continue;
        m = &info->modules[info->module_count++];
        module_name_copy(m->name, boot->modules[i].name, sizeof m->name);
        m->first_frame = (uint32_t)(boot->modules[i].start >> FRAME_SHIFT);
        m->size = (uint32_t)(boot->modules[i].end - boot->modules[i].start);
    }
    string_copy(info->command_line, boot->command_line, sizeof info->command_line);
    fill_free_ranges(boot, info);
}

static void install_root_capabilities(void)
{
    int error = 0;

    cap_install_root(cspace_slot(&root_task->cspace, BURSAR_SLOT_TASK, &error), &root_task->header);
    cap_install_root(cspace_slot(&root_task->cspace, BURSAR_SLOT_THREAD, &error), &root_thread->header);
    cap_install_root(cspace_slot(&root_task->cspace, BURSAR_SLOT_HEAP, &error), &boot_heap.header);
    cap_install_root(cspace_slot(&root_task->cspace, BURSAR_SLOT_MEMORY, &error), &root_memory->header);
    object_init(&device_authority, NULL, BURSAR_OBJECT_DEVICES);
    cap_install_root(cspace_slot(&root_task->cspace, BURSAR_SLOT_DEVICES, &error), &device_authority);
    object_init(&debug_authority, NULL, BURSAR_OBJECT_DEBUG);
    cap_install_root(cspace_slot(&root_task->cspace, BURSAR_SLOT_DEBUG, &error), &debug_authority);
    KERNEL_ASSERT(error == 0);
}

/*
 * The boot memory is the root's memory capability: every frame of it holds
 * a module, or is one of the root task's own pages, or is free (the boot
 * information's free ranges). One line says all three, so the root task's
 * figures and the kernel's agree.
 */
static void print_boot_memory(const struct boot_info *boot, uint32_t entry, uint32_t free_frames)
{
    uint32_t modules = 0, memory = frame_table.count_by_type[FRAME_BANK];

    for (uint32_t i = 0; i < boot->module_count; i++)
        if (!boot_module_refusal[i])
            modules += (uint32_t)((boot->modules[i].end - boot->modules[i].start + FRAME_SIZE - 1) >> FRAME_SHIFT);
    kprintf("root task: %s, entry %08x; its memory capability holds the boot memory, %u frames: modules %u, "
            "its own pages %u, free %u\n", boot->modules[0].name, entry, memory, modules,
            memory - modules - free_frames, free_frames);
}

bool root_task_create(const struct boot_info *boot)
{
    void *page;
    uint32_t entry;

    if (boot->module_count == 0 || boot_module_refusal[0]) {
        kprintf("root task: no usable first module; nothing to run\n");
        return false;
    }
    if (memory_create(&boot_heap, &root_memory) != 0 || task_create(&boot_heap, BURSAR_ROOT_SLOTS, NULL, &root_task) != 0 ||
        thread_create(&boot_heap, root_task, &root_thread) != 0)
        panic("root task: the boot heap cannot pay for the root task");
    give_frames_to_root_bank();
    next_free_frame = MACHINE_LOW_MEMORY_END >> FRAME_SHIFT;
    entry = load_root_image(boot);
    for (uint32_t i = 1; i <= BURSAR_ROOT_STACK_PAGES; i++)
        map_new_page(boot, BURSAR_ROOT_STACK_TOP - i * FRAME_SIZE, BURSAR_RIGHT_READ | BURSAR_RIGHT_WRITE, &page);
    map_new_page(boot, BURSAR_ROOT_UTCB_ADDRESS, BURSAR_RIGHT_READ | BURSAR_RIGHT_WRITE, &page);
    map_new_page(boot, BURSAR_BOOT_INFO_ADDRESS, BURSAR_RIGHT_READ, &page);
    write_boot_info(boot, page);
    install_root_capabilities();
    root_thread->utcb_address = BURSAR_ROOT_UTCB_ADDRESS;
    root_thread->priority = BURSAR_ROOT_PRIORITY;
    thread_start(root_thread, entry, BURSAR_ROOT_STACK_TOP);
    print_boot_memory(boot, entry, ((const struct bursar_boot_info *)page)->free_frames);
    return true;
}
