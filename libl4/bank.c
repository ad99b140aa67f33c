/*
 * bank.c — the space bank's client helpers (bank.h): buying and returning
 * any number of pages over the protocol's block requests, a bank as a
 * frame source, and starting the bank server.
 */
#include "libl4/bank.h"

#include "libl4/boot_modules.h"
#include "libl4/l4.h"
#include "libl4/string.h"

#define PAGE_SIZE 4096u

/* The largest block (log2 of pages) that starts at `address` and fits in `remaining` pages. */
static unsigned block_log2(uintptr_t address, unsigned remaining)
{
    unsigned log2 = 0;

    while (log2 < BANK_BUY_MAX_LOG2 && (address / PAGE_SIZE) % (2u << log2) == 0 && (2u << log2) <= remaining)
        log2++;
    return log2;
}

/*
 * One block. A page table the block needs (and its shadow) is the caller's
 * to pay and must be free already (the server's reply cannot wait on the
 * caller's bank): if it is not, reserve both together here, in the
 * caller's own context, and ask again.
 */
static int buy_block(unsigned bank, uintptr_t address, unsigned log2, uint32_t *first)
{
    int error = bank_buy(bank, address, log2, address, 12 + log2, first, NULL, NULL);

    if (error == -BURSAR_E_RECEIVER_HEAP_EMPTY) {
        error = l4_heap_reserve_tables(BURSAR_NO_CAPABILITY, 1);    /* a block never spans two tables */
        if (error == 0)
            error = bank_buy(bank, address, log2, address, 12 + log2, first, NULL, NULL);
    }
    return error;
}

int l4_bank_buy(unsigned bank, uintptr_t address, unsigned count, uint32_t *frames)
{
    unsigned done = 0;

    if (address % PAGE_SIZE)
        return -BURSAR_E_MISALIGNED;
    if (count == 0)
        return -BURSAR_E_INVALID_ARGUMENT;
    while (done < count) {
        uintptr_t at = address + done * PAGE_SIZE;
        unsigned log2 = block_log2(at, count - done);
        uint32_t first = 0;
        int error = buy_block(bank, at, log2, &first);
        /* A fragmented bank: smaller blocks, down to single frames. */
        while (error == -BANK_E_FRAGMENTED && log2 > 0)
            error = buy_block(bank, at, --log2, &first);
        if (error) {
            l4_bank_return(bank, frames, done);
            return error;
        }
        for (unsigned i = 0; i < 1u << log2; i++)
            frames[done + i] = first + i;
        done += 1u << log2;
    }
    return 0;
}

int l4_bank_return(unsigned bank, const uint32_t *frames, unsigned count)
{
    int first_error = 0;

    for (unsigned i = 0; i < count;) {
        unsigned run = 1;
        while (i + run < count && run < BANK_RETURN_MAX && frames[i + run] == frames[i] + run)
            run++;
        int error = bank_return_frames(bank, frames[i], run);
        if (error && !first_error)
            first_error = error;
        i += run;
    }
    return first_error;
}

/* ---- a bank's figures ---- */

int l4_bank_stats(unsigned bank, struct l4_bank_stats *s)
{
    return bank_stats(bank, &s->limit, &s->effective_limit, &s->available, &s->charged, &s->sold, &s->heap_pages,
                      &s->bookkeeping, &s->children, &s->heaps, &s->object_quota, &s->objects_used, &s->bought,
                      &s->returned, &s->heap_pages_given, &s->heap_pages_back, &s->refused, &s->unclaimed);
}

/* ---- a bank as a frame source ---- */

static struct l4_bank_frames *bank_frames_of(struct l4_frame_source *source)
{
    return (struct l4_bank_frames *)source;
}

static int map_page(struct l4_frame_source *source, uintptr_t page)
{
    struct l4_bank_frames *frames = bank_frames_of(source);
    uint32_t frame;
    int error;

    if (frames->page_count == frames->page_capacity)
        return -BURSAR_E_OUT_OF_MEMORY;
    error = l4_bank_buy(frames->bank, page, 1, &frame);
    if (error)
        return error;
    frames->pages[frames->page_count++] = (struct l4_bank_page){ .page = page, .frame = frame };
    return 0;
}

/* The frames of the pages, found in the table and returned (runs in one request each). */
static void unmap_pages(struct l4_frame_source *source, uintptr_t page, unsigned pages)
{
    struct l4_bank_frames *frames = bank_frames_of(source);
    uint32_t batch[64];
    unsigned count = 0;

    for (unsigned i = 0; i < frames->page_count;) {
        if (frames->pages[i].page - page >= (uintptr_t)pages * PAGE_SIZE) {
            i++;
            continue;
        }
        batch[count++] = frames->pages[i].frame;
        frames->pages[i] = frames->pages[--frames->page_count];
        if (count == sizeof batch / sizeof batch[0]) {
            l4_bank_return(frames->bank, batch, count);
            count = 0;
        }
    }
    l4_bank_return(frames->bank, batch, count);
}

static int create_heap(struct l4_frame_source *source, unsigned slot, unsigned pages)
{
    struct l4_bank_frames *frames = bank_frames_of(source);
    uint32_t handle;
    int error;

    if (frames->heap_count == frames->heap_capacity)
        return -BURSAR_E_OUT_OF_MEMORY;
    error = bank_heap_create(frames->bank, pages, frames->heap_low, frames->heap_high, frames->heap_timeout, slot,
                             &handle);
    if (error)
        return error;
    if (frames->fixed_heaps) {
        error = l4_heap_configure(slot, BURSAR_HEAP_BANK, BURSAR_NO_CAPABILITY, 0);
        if (error) {
            bank_heap_destroy(frames->bank, handle, NULL);
            l4_cap_delete(slot);
            return error;
        }
    }
    frames->heaps[frames->heap_count++] = (struct l4_bank_heap){ .slot = slot, .handle = handle };
    return 0;
}

static void destroy_heap(struct l4_frame_source *source, unsigned slot)
{
    struct l4_bank_frames *frames = bank_frames_of(source);

    for (unsigned i = 0; i < frames->heap_count; i++) {
        if (frames->heaps[i].slot != slot)
            continue;
        bank_heap_destroy(frames->bank, frames->heaps[i].handle, NULL);
        l4_cap_delete(slot);
        frames->heaps[i] = frames->heaps[--frames->heap_count];
        return;
    }
}

static unsigned available(struct l4_frame_source *source)
{
    uint32_t available = 0;

    if (bank_stats(bank_frames_of(source)->bank, NULL, NULL, &available, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
                   NULL, NULL, NULL, NULL, NULL, NULL, NULL) != 0)
        return 0;
    return available;
}

static const struct l4_frame_source_ops bank_frames_ops = {
    .map_page = map_page, .unmap_pages = unmap_pages, .create_heap = create_heap,
    .destroy_heap = destroy_heap, .available = available,
};

void l4_bank_frames_init(struct l4_bank_frames *frames, unsigned bank, struct l4_bank_page *pages,
                         unsigned page_capacity, struct l4_bank_heap *heaps, unsigned heap_capacity)
{
    memset(frames, 0, sizeof *frames);
    frames->source.ops = &bank_frames_ops;
    frames->bank = bank;
    frames->pages = pages;
    frames->page_capacity = page_capacity;
    frames->heaps = heaps;
    frames->heap_capacity = heap_capacity;
    frames->heap_timeout = BURSAR_TIMEOUT_NEVER;
}

/* ---- starting the server ---- */

enum { SERVER_MEMORY_SLOT = L4_LOAD_FIRST_CAP_SLOT, SERVER_ENDPOINT_SLOT };

int l4_bank_start(const struct l4_bank_start *spec, struct l4_program *program)
{
    unsigned heap = spec->slots + 2, endpoint = spec->slots + 3;
    const struct l4_load_cap caps[] = {
        { .name = "memory", .from = spec->memory, .to = SERVER_MEMORY_SLOT, .rights = BURSAR_RIGHTS_ALL,
          .mode = BURSAR_GRANT },
        { .name = "endpoint", .from = endpoint, .to = SERVER_ENDPOINT_SLOT,
          .rights = BURSAR_RIGHT_READ | BURSAR_RIGHT_WRITE | BURSAR_RIGHT_GRANT, .mode = BURSAR_COPY },
    };
    struct l4_load_spec load = {
        .name = "bank", .image = spec->image, .image_size = spec->image_size, .frames = spec->frames,
        .heap = heap, .slots = spec->slots, .window = spec->window, .window_pages = spec->window_pages,
        .capability_slots = L4_BANK_SERVER_SLOTS, .priority = spec->priority, .caps = caps,
        .cap_count = sizeof caps / sizeof caps[0], .timer_hz = spec->timer_hz, .tsc_khz = spec->tsc_khz,
    };
    int error = spec->frames->ops->create_heap(spec->frames, heap, spec->heap_pages);

    if (error)
        return error;
    error = l4_create(heap, BURSAR_OBJECT_ENDPOINT, endpoint, 0);
    if (!error && l4_program_load(&load, program) != L4_LOAD_OK)
        error = program->error ? program->error : -BURSAR_E_INVALID_ARGUMENT;
    if (error) {
        l4_cap_delete(endpoint);
        spec->frames->ops->destroy_heap(spec->frames, heap);     /* the endpoint goes with it */
        return error;
    }
    /* From here the server holds the memory capability: it runs, or nothing can have the frames. */
    error = l4_program_start(program);
    if (!error)
        error = bank_root(endpoint, spec->root);
    l4_cap_delete(endpoint);
    return error;
}

int l4_bank_start_from_boot(const struct bursar_boot_info *boot, const char *module, uintptr_t module_address,
                            uintptr_t window, unsigned slots, unsigned priority, unsigned root)
{
    static struct l4_boot_frames frames;
    static struct l4_program server;
    int index = l4_boot_module_find(boot, module), error;
    struct l4_bank_start spec = {
        .frames = &frames.source, .heap_pages = 24, .memory = BURSAR_SLOT_MEMORY, .slots = slots,
        .window = window, .priority = priority, .root = root, .timer_hz = boot->timer_hz,
        .tsc_khz = boot->tsc_khz,
    };

    if (index < 0)
        return -BURSAR_E_INVALID_ARGUMENT;
    error = l4_boot_module_map(boot, (unsigned)index, BURSAR_SLOT_MEMORY, module_address);
    if (error)
        return error;
    spec.image = (const void *)module_address;
    spec.image_size = boot->modules[index].size;
    spec.window_pages = l4_program_pages(spec.image, spec.image_size, L4_LOAD_DEFAULT_STACK_PAGES);
    l4_boot_frames_init(&frames, boot, BURSAR_SLOT_MEMORY, BURSAR_SLOT_HEAP);
    return l4_bank_start(&spec, &server);
}
