/*
 * pager.c — l4_pager_attach (pager.h): the page tables and mapping
 * records first, in the caller's own heap (a heap fault to its own bank, in
 * its own context), then the region.
 */
#include "libl4/pager.h"

#include "libl4/bank.h"
#include "libl4/l4.h"

#include <stdbool.h>

/* Where the pager finds its capabilities (servers/pager/main.c reads them by name). */
#define PAGER_SERVICE_SLOT L4_LOAD_FIRST_CAP_SLOT
#define PAGER_BANK_SLOT (L4_LOAD_FIRST_CAP_SLOT + 1)

int l4_pager_reserve(uint32_t tables, uint32_t pages)
{
    uint32_t counts[BURSAR_HEAP_KIND_COUNT] = { 0 };

    counts[BURSAR_HEAP_PAGE_TABLE] = tables;
    counts[BURSAR_HEAP_SHADOW] = tables;
    counts[BURSAR_HEAP_RECORD] = pages < L4_PAGER_RESERVE_MAX ? pages : L4_PAGER_RESERVE_MAX;
    return l4_heap_reserve_all(BURSAR_NO_CAPABILITY, counts);
}

int l4_pager_attach(unsigned pager, uint32_t base, uint32_t pages, uint32_t rights)
{
    uint64_t end = (uint64_t)base + (uint64_t)pages * 4096u;
    uint32_t tables = pages ? (uint32_t)((end - 1) / L4_PAGER_TABLE_SPAN - base / L4_PAGER_TABLE_SPAN + 1) : 0;
    /* A bad range: the pager says what is wrong with it. */
    int error = tables && end <= 0xc0000000u ? l4_pager_reserve(tables, pages) : 0;

    return error ? error : pager_attach(pager, base, pages, rights);
}

int l4_pager_start(const struct l4_pager_start *spec, struct l4_program *program)
{
    unsigned heap = spec->slots + 2, endpoint = spec->slots + 3;
    const struct l4_load_cap caps[] = {
        { .name = "service", .from = endpoint, .to = PAGER_SERVICE_SLOT,
          .rights = BURSAR_RIGHT_READ | BURSAR_RIGHT_WRITE | BURSAR_RIGHT_GRANT, .mode = BURSAR_COPY },
        { .name = "bank", .from = spec->bank, .to = PAGER_BANK_SLOT,
          .rights = BURSAR_RIGHT_WRITE | BURSAR_RIGHT_GRANT, .mode = BURSAR_COPY },
    };
    struct l4_load_spec load = {
        .name = "pager", .image = spec->image, .image_size = spec->image_size, .frames = spec->frames,
        .heap = heap, .slots = spec->slots, .window = spec->window, .window_pages = spec->window_pages,
        .capability_slots = L4_PAGER_SLOTS, .priority = spec->priority, .caps = caps,
        .cap_count = sizeof caps / sizeof caps[0], .timer_hz = spec->timer_hz, .tsc_khz = spec->tsc_khz,
    };
    bool loaded = false;
    int error = spec->frames->ops->create_heap(spec->frames, heap, spec->heap_pages);

    if (error)
        return error;
    error = l4_create(heap, BURSAR_OBJECT_ENDPOINT, endpoint, 0);
    if (!error) {
        loaded = l4_program_load(&load, program) == L4_LOAD_OK;       /* a failed load leaves nothing */
        if (!loaded)
            error = program->error ? program->error : -BURSAR_E_INVALID_ARGUMENT;
    }
    if (!error)
        error = l4_cap_copy(endpoint, spec->service, BURSAR_RIGHT_WRITE | BURSAR_RIGHT_GRANT, 0);
    if (!error)
        error = l4_program_start(program);
    l4_cap_delete(endpoint);
    if (error) {
        l4_cap_delete(spec->service);
        if (loaded)
            l4_program_destroy(program);
        spec->frames->ops->destroy_heap(spec->frames, heap);     /* the endpoint goes with it */
    }
    return error;
}

int l4_pager_start_under(unsigned parent, uint32_t limit, unsigned bank, const void *image, size_t image_size,
                         uintptr_t window, unsigned slots, unsigned priority, unsigned service)
{
    static struct l4_bank_frames frames;
    static struct l4_bank_page pages[128];
    static struct l4_bank_heap heaps[1];
    static struct l4_program pager;
    struct bursar_system_info info;
    struct l4_pager_start spec = {
        .image = image, .image_size = image_size, .bank = bank, .frames = &frames.source, .heap_pages = 16,
        .slots = slots, .window = window, .priority = priority, .service = service,
        .window_pages = l4_program_pages(image, image_size, L4_LOAD_DEFAULT_STACK_PAGES),
    };
    int error = bank_create_child(parent, limit, 4, bank);

    if (error)
        return error;
    if (l4_system_info(&info) == 0) {
        spec.timer_hz = info.timer_hz;
        spec.tsc_khz = info.tsc_khz;
    }
    l4_bank_frames_init(&frames, bank, pages, sizeof pages / sizeof pages[0], heaps, 1);
    error = l4_pager_start(&spec, &pager);
    if (error)
        bank_destroy(bank);
    return error;
}
