/*
 * wrapper.c — starting the wrapper server (wrapper.h).
 */
#include "libl4/wrapper.h"

#include "libl4/bank.h"
#include "libl4/l4.h"
#include "lib/format.h"

enum { SERVER_REQUESTS_SLOT = L4_LOAD_FIRST_CAP_SLOT, SERVER_BANK_SLOT };

int l4_wrapper_start(const struct l4_wrapper_start *spec, struct l4_program *program)
{
    unsigned heap = spec->slots + 2, endpoint = spec->slots + 3;
    char quota[12];
    const char *argv[] = { "wrapper", quota };
    const struct l4_load_cap caps[] = {
        { .name = "requests", .from = endpoint, .to = SERVER_REQUESTS_SLOT,
          .rights = BURSAR_RIGHT_READ | BURSAR_RIGHT_WRITE | BURSAR_RIGHT_GRANT, .mode = BURSAR_COPY },
        { .name = "bank", .from = spec->bank, .to = SERVER_BANK_SLOT,
          .rights = BURSAR_RIGHT_WRITE | BURSAR_RIGHT_GRANT, .mode = BURSAR_COPY },
    };
    struct l4_load_spec load = {
        .name = "wrapper", .image = spec->image, .image_size = spec->image_size, .frames = spec->frames,
        .heap = heap, .slots = spec->slots, .window = spec->window, .window_pages = spec->window_pages,
        .capability_slots = L4_WRAPPER_SERVER_SLOTS, .priority = spec->priority, .caps = caps,
        .cap_count = sizeof caps / sizeof caps[0], .argv = argv, .argc = spec->quota ? 2 : 1,
        .timer_hz = spec->timer_hz, .tsc_khz = spec->tsc_khz,
    };
    int error;

    format_to_buffer(quota, sizeof quota, "%u", spec->quota);
    error = spec->frames->ops->create_heap(spec->frames, heap, spec->heap_pages);
    if (error)
        return error;
    error = l4_create(heap, BURSAR_OBJECT_ENDPOINT, endpoint, 0);
    if (!error && l4_program_load(&load, program) != L4_LOAD_OK)
        error = program->error ? program->error : -BURSAR_E_INVALID_ARGUMENT;
    if (!error)
        error = l4_program_start(program);
    if (error) {
        if (program->task_made)
            l4_program_destroy(program);
        l4_cap_delete(endpoint);
        spec->frames->ops->destroy_heap(spec->frames, heap);     /* the endpoint goes with it */
    }
    return error;
}

int l4_wrapper_start_on_bank(unsigned bank, const void *image, size_t image_size, uintptr_t window, unsigned slots,
                             unsigned priority, unsigned quota)
{
    static struct l4_bank_frames frames;
    static struct l4_bank_page pages[64];
    static struct l4_bank_heap heaps[2];
    static struct l4_program server;
    struct bursar_system_info info;
    struct l4_wrapper_start spec = {
        .image = image, .image_size = image_size, .frames = &frames.source, .heap_pages = 48, .slots = slots,
        .window = window, .priority = priority, .bank = bank, .quota = quota,
        .window_pages = l4_program_pages(image, image_size, L4_LOAD_DEFAULT_STACK_PAGES),
    };

    if (l4_system_info(&info) == 0) {
        spec.timer_hz = info.timer_hz;
        spec.tsc_khz = info.tsc_khz;
    }
    l4_bank_frames_init(&frames, bank, pages, sizeof pages / sizeof pages[0], heaps, sizeof heaps / sizeof heaps[0]);
    return l4_wrapper_start(&spec, &server);
}
