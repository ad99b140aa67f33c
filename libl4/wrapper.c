/*
 * wrapper.c — starting the wrapper server (wrapper.h).
 */
#include "libl4/wrapper.h"

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
