/*
 * clients.c — the pager's bookkeeping (clients.h): clients by badge,
 * regions and their window runs, and a bit per window page for "filled".
 * Plain C: the host tests drive it (test/host/test_pager_clients.c).
 */
#include "servers/pager/clients.h"

#include "bursar/fault.h"
#include "bursar/objects.h"

#define GENERATION_LIMIT (1u << (32 - PAGER_INDEX_BITS))

void pager_book_init(struct pager_book *book)
{
    for (unsigned i = 0; i < PAGER_MAX_CLIENTS; i++)
        book->clients[i] = (struct pager_client){ 0 };
    book->next_generation = 1;
}

/* ---- clients ---- */

static uint32_t badge_of(unsigned index, uint32_t generation)
{
    return generation << PAGER_INDEX_BITS | index;
}

int pager_client_open(struct pager_book *book, unsigned *index, uint32_t *badge)
{
    for (unsigned i = 0; i < PAGER_MAX_CLIENTS; i++) {
        struct pager_client *client = &book->clients[i];
        if (client->open)
            continue;
        *client = (struct pager_client){ .generation = book->next_generation, .open = true };
        /* Generations count up and skip 0, so a badge comes back only after 2^26 - 1 opens. */
        book->next_generation = book->next_generation + 1 == GENERATION_LIMIT ? 1 : book->next_generation + 1;
        *index = i;
        *badge = badge_of(i, client->generation);
        return PAGER_OK;
    }
    return PAGER_FULL;
}

struct pager_client *pager_client_of(struct pager_book *book, uint32_t badge, unsigned *index)
{
    unsigned i = badge & ((1u << PAGER_INDEX_BITS) - 1);
    struct pager_client *client;

    if (i >= PAGER_MAX_CLIENTS)
        return 0;
    client = &book->clients[i];
    if (!client->open || badge != badge_of(i, client->generation))
        return 0;
    if (index)
        *index = i;
    return client;
}

void pager_client_close(struct pager_client *client)
{
    for (unsigned r = 0; r < PAGER_MAX_REGIONS; r++)
        if (client->regions[r].pages)
            pager_region_remove(client, r);
    client->open = false;
}

/* ---- regions ---- */

static bool overlaps(uint32_t a, uint32_t a_pages, uint32_t b, uint32_t b_pages)
{
    /* In pages, so nothing wraps: both ranges lie below 4 GiB. */
    return a < b + b_pages && b < a + a_pages;
}

/* The lowest run of `pages` window pages no region uses; false if none fits in the slice. */
static bool find_window(const struct pager_client *client, uint32_t pages, uint32_t *window)
{
    /* A run starts at 0 or right after a region's run: try each, lowest first. */
    uint32_t best = PAGER_CLIENT_PAGES;

    for (int candidate = -1; candidate < (int)PAGER_MAX_REGIONS; candidate++) {
        const struct pager_region *after = candidate < 0 ? 0 : &client->regions[candidate];
        uint32_t start = after ? after->window + after->pages : 0;
        bool free = (!after || after->pages) && start + pages <= PAGER_CLIENT_PAGES;
        for (unsigned r = 0; r < PAGER_MAX_REGIONS && free; r++) {
            const struct pager_region *region = &client->regions[r];
            free = !region->pages || !overlaps(start, pages, region->window, region->pages);
        }
        if (free && start < best)
            best = start;
    }
    *window = best;
    return best < PAGER_CLIENT_PAGES;
}

static int free_region(const struct pager_client *client)
{
    for (unsigned r = 0; r < PAGER_MAX_REGIONS; r++)
        if (!client->regions[r].pages)
            return (int)r;
    return -1;
}

int pager_region_check(const struct pager_client *client, uint32_t base, uint32_t pages, uint32_t rights)
{
    uint32_t window;

    if (pages == 0 || (rights != BURSAR_RIGHT_READ && rights != (BURSAR_RIGHT_READ | BURSAR_RIGHT_WRITE)))
        return PAGER_ARGUMENT;
    if (base % PAGER_PAGE_SIZE)
        return PAGER_MISALIGNED;
    if (base < PAGER_USER_BOTTOM || base >= PAGER_USER_TOP || pages > (PAGER_USER_TOP - base) / PAGER_PAGE_SIZE)
        return PAGER_ADDRESS;
    for (unsigned r = 0; r < PAGER_MAX_REGIONS; r++) {
        const struct pager_region *region = &client->regions[r];
        if (region->pages && overlaps(base / PAGER_PAGE_SIZE, pages, region->base / PAGER_PAGE_SIZE, region->pages))
            return PAGER_OVERLAP;
    }
    if (free_region(client) < 0 || pages > PAGER_CLIENT_PAGES || !find_window(client, pages, &window))
        return PAGER_FULL;
    return PAGER_OK;
}

int pager_region_add(struct pager_client *client, uint32_t base, uint32_t pages, uint32_t rights, unsigned *number)
{
    int status = pager_region_check(client, base, pages, rights);
    uint32_t window = 0;
    int r;

    if (status != PAGER_OK)
        return status;
    r = free_region(client);
    find_window(client, pages, &window);
    client->regions[r] = (struct pager_region){ .base = base, .pages = pages, .rights = rights, .window = window };
    *number = (unsigned)r;
    return PAGER_OK;
}

int pager_region_at(const struct pager_client *client, uint32_t base)
{
    for (unsigned r = 0; r < PAGER_MAX_REGIONS; r++)
        if (client->regions[r].pages && client->regions[r].base == base)
            return (int)r;
    return -1;
}

int pager_region_covering(const struct pager_client *client, uint32_t address)
{
    for (unsigned r = 0; r < PAGER_MAX_REGIONS; r++) {
        const struct pager_region *region = &client->regions[r];
        if (region->pages && address >= region->base && (address - region->base) / PAGER_PAGE_SIZE < region->pages)
            return (int)r;
    }
    return -1;
}

void pager_region_remove(struct pager_client *client, unsigned number)
{
    struct pager_region *region = &client->regions[number];

    for (uint32_t page = 0; page < region->pages; page++) {
        uint32_t bit = region->window + page;
        client->filled_bits[bit / 32] &= ~(1u << bit % 32);
    }
    *region = (struct pager_region){ 0 };
}

int pager_fault_check(const struct pager_client *client, uint32_t address, uint32_t access, unsigned *number)
{
    int r = pager_region_covering(client, address);

    if (r < 0)
        return PAGER_NO_REGION;
    /*
     * Present: the client has a mapping there whose rights did not allow
     * the access. The pager only ever maps with the region's rights, so
     * this is a write to a read-only page, or a mapping that is not ours.
     */
    if ((access & BURSAR_ACCESS_PRESENT) ||
        ((access & BURSAR_ACCESS_WRITE) && !(client->regions[r].rights & BURSAR_RIGHT_WRITE)))
        return PAGER_NO_RIGHTS;
    *number = (unsigned)r;
    return PAGER_OK;
}

/* ---- window pages ---- */

static uint32_t window_index(const struct pager_client *client, unsigned number, uint32_t address)
{
    const struct pager_region *region = &client->regions[number];

    return region->window + (address - region->base) / PAGER_PAGE_SIZE;
}

uintptr_t pager_window_page(const struct pager_client *client, unsigned index, unsigned number, uint32_t address)
{
    return PAGER_WINDOW_BASE + ((uintptr_t)index * PAGER_CLIENT_PAGES + window_index(client, number, address)) *
                               PAGER_PAGE_SIZE;
}

bool pager_page_filled(const struct pager_client *client, unsigned number, uint32_t address)
{
    uint32_t bit = window_index(client, number, address);

    return client->filled_bits[bit / 32] & (1u << bit % 32);
}

void pager_page_set_filled(struct pager_client *client, unsigned number, uint32_t address, bool filled)
{
    uint32_t bit = window_index(client, number, address);
    bool was = pager_page_filled(client, number, address);

    if (filled == was)
        return;
    if (filled) {
        client->filled_bits[bit / 32] |= 1u << bit % 32;
        client->regions[number].filled++;
    } else {
        client->filled_bits[bit / 32] &= ~(1u << bit % 32);
        client->regions[number].filled--;
    }
}

/* ---- totals ---- */

unsigned pager_client_regions(const struct pager_client *client)
{
    unsigned count = 0;

    for (unsigned r = 0; r < PAGER_MAX_REGIONS; r++)
        count += client->regions[r].pages != 0;
    return count;
}

uint32_t pager_client_attached(const struct pager_client *client)
{
    uint32_t pages = 0;

    for (unsigned r = 0; r < PAGER_MAX_REGIONS; r++)
        pages += client->regions[r].pages;
    return pages;
}

uint32_t pager_client_filled(const struct pager_client *client)
{
    uint32_t pages = 0;

    for (unsigned r = 0; r < PAGER_MAX_REGIONS; r++)
        pages += client->regions[r].filled;
    return pages;
}
