/*
 * test_pager_clients.c — host tests of the default pager's bookkeeping
 * (servers/pager/clients.c, docs/pager.md): badges that go stale, regions
 * and what they refuse, window runs that never overlap, a page's window
 * page, and the filled bits; then a random run against a brute-force model.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "bursar/fault.h"
#include "bursar/objects.h"
#include "servers/pager/clients.h"

#define RW (BURSAR_RIGHT_READ | BURSAR_RIGHT_WRITE)
#define R BURSAR_RIGHT_READ
#define PAGE PAGER_PAGE_SIZE

static struct pager_book book;

static struct pager_client *open_client(unsigned *index, uint32_t *badge)
{
    assert_int_equal(pager_client_open(&book, index, badge), PAGER_OK);
    return pager_client_of(&book, *badge, NULL);
}

static void badges_name_live_clients_only(void **state)
{
    unsigned index, again, seen[PAGER_MAX_CLIENTS] = { 0 };
    uint32_t badge, badges[PAGER_MAX_CLIENTS];
    struct pager_client *client;

    (void)state;
    pager_book_init(&book);
    assert_null(pager_client_of(&book, 0, NULL));
    for (unsigned i = 0; i < PAGER_MAX_CLIENTS; i++) {
        client = open_client(&index, &badges[i]);
        assert_non_null(client);
        assert_int_not_equal(badges[i], 0);
        assert_false(seen[index]);
        seen[index] = 1;
        assert_ptr_equal(pager_client_of(&book, badges[i], &again), client);
        assert_int_equal(again, index);
    }
    assert_int_equal(pager_client_open(&book, &index, &badge), PAGER_FULL);
    /* Closed: stale, and its index comes back with another badge. */
    client = pager_client_of(&book, badges[5], &index);
    pager_client_close(client);
    assert_null(pager_client_of(&book, badges[5], NULL));
    assert_int_equal(pager_client_open(&book, &again, &badge), PAGER_OK);
    assert_int_equal(again, index);
    assert_int_not_equal(badge, badges[5]);
    assert_null(pager_client_of(&book, badges[5], NULL));
    assert_non_null(pager_client_of(&book, badge, NULL));
    /* Made-up badges: an index past the table, a live index with another generation. */
    assert_null(pager_client_of(&book, PAGER_MAX_CLIENTS, NULL));
    assert_null(pager_client_of(&book, 63, NULL));
    assert_null(pager_client_of(&book, badge + (1u << PAGER_INDEX_BITS), NULL));
    assert_null(pager_client_of(&book, badge & ((1u << PAGER_INDEX_BITS) - 1), NULL));
}

static void a_region_is_refused_for_each_bad_argument(void **state)
{
    unsigned index, number;
    uint32_t badge;
    struct pager_client *client;

    (void)state;
    pager_book_init(&book);
    client = open_client(&index, &badge);
    assert_int_equal(pager_region_check(client, 0x10000000, 0, RW), PAGER_ARGUMENT);
    assert_int_equal(pager_region_check(client, 0x10000000, 1, 0), PAGER_ARGUMENT);
    assert_int_equal(pager_region_check(client, 0x10000000, 1, BURSAR_RIGHT_WRITE), PAGER_ARGUMENT);
    assert_int_equal(pager_region_check(client, 0x10000000, 1, RW | BURSAR_RIGHT_GRANT), PAGER_ARGUMENT);
    assert_int_equal(pager_region_check(client, 0x10000010, 1, RW), PAGER_MISALIGNED);
    assert_int_equal(pager_region_check(client, 0, 1, RW), PAGER_ADDRESS);
    assert_int_equal(pager_region_check(client, 0xc0000000, 1, RW), PAGER_ADDRESS);
    assert_int_equal(pager_region_check(client, 0xbffff000, 2, RW), PAGER_ADDRESS);
    assert_int_equal(pager_region_check(client, 0xbffff000, 0xfffff, RW), PAGER_ADDRESS);
    assert_int_equal(pager_region_check(client, 0x1000, 0xffffffff, RW), PAGER_ADDRESS);
    assert_int_equal(pager_region_check(client, 0xbffff000, 1, RW), PAGER_OK);
    assert_int_equal(pager_region_check(client, 0x1000, 1, R), PAGER_OK);
    assert_int_equal(pager_region_check(client, 0x10000000, PAGER_CLIENT_PAGES + 1, RW), PAGER_FULL);
    /* Overlaps, at either end and around. */
    assert_int_equal(pager_region_add(client, 0x20000000, 16, RW, &number), PAGER_OK);
    assert_int_equal(pager_region_check(client, 0x20000000 - 4 * PAGE, 5, RW), PAGER_OVERLAP);
    assert_int_equal(pager_region_check(client, 0x20000000 + 15 * PAGE, 1, RW), PAGER_OVERLAP);
    assert_int_equal(pager_region_check(client, 0x1ff00000, 0x1000, RW), PAGER_OVERLAP);
    assert_int_equal(pager_region_check(client, 0x20000000 - 4 * PAGE, 4, RW), PAGER_OK);
    assert_int_equal(pager_region_check(client, 0x20000000 + 16 * PAGE, 1, RW), PAGER_OK);
    /* Eight regions at most. */
    for (unsigned r = 1; r < PAGER_MAX_REGIONS; r++)
        assert_int_equal(pager_region_add(client, 0x30000000 + r * 0x100000, 1, R, &number), PAGER_OK);
    assert_int_equal(pager_region_check(client, 0x50000000, 1, R), PAGER_FULL);
    pager_region_remove(client, 3);
    assert_int_equal(pager_region_add(client, 0x50000000, 1, R, &number), PAGER_OK);
    assert_int_equal(number, 3);
}

static void window_runs_never_overlap_and_fill_the_slice(void **state)
{
    unsigned index, a, b, c;
    uint32_t badge;
    struct pager_client *client;

    (void)state;
    pager_book_init(&book);
    client = open_client(&index, &badge);
    assert_int_equal(pager_region_add(client, 0x10000000, 100, RW, &a), PAGER_OK);
    assert_int_equal(pager_region_add(client, 0x20000000, 200, RW, &b), PAGER_OK);
    assert_int_equal(client->regions[a].window, 0);
    assert_int_equal(client->regions[b].window, 100);
    /* A hole of 100 where a was: a run of 50 goes there, one of 150 after b. */
    pager_region_remove(client, a);
    assert_int_equal(pager_region_add(client, 0x30000000, 150, RW, &c), PAGER_OK);
    assert_int_equal(client->regions[c].window, 300);
    assert_int_equal(pager_region_add(client, 0x40000000, 50, RW, &a), PAGER_OK);
    assert_int_equal(client->regions[a].window, 0);
    /* The slice is 16384 pages: what is left fits once, then nothing. */
    assert_int_equal(pager_region_check(client, 0x50000000, PAGER_CLIENT_PAGES - 450 + 1, RW), PAGER_FULL);
    assert_int_equal(pager_region_add(client, 0x50000000, PAGER_CLIENT_PAGES - 450, RW, &b), PAGER_OK);
    assert_int_equal(client->regions[b].window, 450);
    assert_int_equal(pager_region_check(client, 0x60000000, 51, RW), PAGER_FULL);
    assert_int_equal(pager_region_check(client, 0x60000000, 50, RW), PAGER_OK);
    assert_int_equal(pager_client_attached(client), PAGER_CLIENT_PAGES - 50);
}

static void each_page_has_its_own_window_page_and_filled_bit(void **state)
{
    unsigned index, first, number, r;
    uint32_t badge;
    struct pager_client *client, *other;

    (void)state;
    pager_book_init(&book);
    client = open_client(&index, &badge);
    other = open_client(&first, &badge);
    assert_int_equal(pager_region_add(client, 0x10000000, 4, RW, &number), PAGER_OK);
    assert_int_equal(pager_region_add(client, 0x08000000, 8, R, &r), PAGER_OK);
    assert_int_equal(pager_region_add(other, 0x10000000, 4, RW, &first), PAGER_OK);
    assert_int_equal(pager_window_page(client, index, number, 0x10000000), PAGER_WINDOW_BASE);
    assert_int_equal(pager_window_page(client, index, number, 0x10002abc), PAGER_WINDOW_BASE + 2 * PAGE);
    assert_int_equal(pager_window_page(client, index, r, 0x08000000), PAGER_WINDOW_BASE + 4 * PAGE);
    assert_int_equal(pager_window_page(other, 1, first, 0x10000000),
                     PAGER_WINDOW_BASE + PAGER_CLIENT_PAGES * PAGE);
    assert_false(pager_page_filled(client, number, 0x10001000));
    pager_page_set_filled(client, number, 0x10001000, true);
    pager_page_set_filled(client, number, 0x10001ff0, true);    /* the same page: counted once */
    assert_true(pager_page_filled(client, number, 0x10001004));
    assert_false(pager_page_filled(client, number, 0x10000000));
    assert_false(pager_page_filled(other, first, 0x10001000));
    assert_int_equal(pager_client_filled(client), 1);
    pager_page_set_filled(client, r, 0x08007000, true);
    assert_int_equal(pager_client_filled(client), 2);
    /* Removing a region clears its bits: a new region over the same window run starts empty. */
    pager_region_remove(client, number);
    assert_int_equal(pager_client_filled(client), 1);
    assert_int_equal(pager_region_add(client, 0x30000000, 4, RW, &number), PAGER_OK);
    assert_false(pager_page_filled(client, number, 0x30001000));
    pager_client_close(client);
    assert_int_equal(pager_client_filled(client), 0);
    assert_int_equal(pager_client_regions(client), 0);
}

static void faults_are_checked_against_region_and_rights(void **state)
{
    unsigned index, rw, ro, number = 99;
    uint32_t badge;
    struct pager_client *client;

    (void)state;
    pager_book_init(&book);
    client = open_client(&index, &badge);
    assert_int_equal(pager_region_add(client, 0x10000000, 2, RW, &rw), PAGER_OK);
    assert_int_equal(pager_region_add(client, 0x10002000, 1, R, &ro), PAGER_OK);
    assert_int_equal(pager_fault_check(client, 0x10001fff, BURSAR_ACCESS_WRITE, &number), PAGER_OK);
    assert_int_equal(number, rw);
    assert_int_equal(pager_fault_check(client, 0x10002000, 0, &number), PAGER_OK);
    assert_int_equal(number, ro);
    assert_int_equal(pager_fault_check(client, 0x10002000, BURSAR_ACCESS_WRITE, &number), PAGER_NO_RIGHTS);
    assert_int_equal(pager_fault_check(client, 0x10000000, BURSAR_ACCESS_PRESENT | BURSAR_ACCESS_WRITE, &number),
                     PAGER_NO_RIGHTS);
    assert_int_equal(pager_fault_check(client, 0x10003000, 0, &number), PAGER_NO_REGION);
    assert_int_equal(pager_fault_check(client, 0x0ffffffc, 0, &number), PAGER_NO_REGION);
}

/*
 * A random run: opens, closes, attaches and detaches, fills and faults,
 * against a model that keeps, per client, a list of (base, pages, rights)
 * and a set of filled addresses, and checks every answer by brute force:
 * overlaps by comparing pages, no two regions of a client sharing a window
 * page, every filled count.
 */
struct model_region {
    uint32_t base, pages, rights;
    bool used;
};

struct model_client {
    bool open;
    uint32_t badge;
    struct model_region regions[PAGER_MAX_REGIONS];
    unsigned char *filled;      /* by page index below 4 GiB / PAGE, for the run's small address range */
};

#define MODEL_SPAN 256u         /* addresses 0x10000000 .. + 256 pages: dense, so overlaps are frequent */

static uint32_t random_state;

/* xorshift32: the same run on every host. */
static uint32_t rnd(uint32_t bound)
{
    random_state ^= random_state << 13;
    random_state ^= random_state >> 17;
    random_state ^= random_state << 5;
    return random_state % bound;
}

static void check_client(const struct model_client *m, const struct pager_client *client)
{
    uint32_t filled = 0;

    for (unsigned r = 0; r < PAGER_MAX_REGIONS; r++) {
        const struct pager_region *a = &client->regions[r];
        if (!a->pages)
            continue;
        for (unsigned s = r + 1; s < PAGER_MAX_REGIONS; s++) {
            const struct pager_region *b = &client->regions[s];
            assert_false(b->pages && a->window < b->window + b->pages && b->window < a->window + a->pages);
        }
        assert_true(a->window + a->pages <= PAGER_CLIENT_PAGES);
    }
    for (unsigned p = 0; p < MODEL_SPAN; p++)
        filled += m->filled[p];
    assert_int_equal(pager_client_filled(client), filled);
}

static void a_random_run_agrees_with_the_model(void **state)
{
    static struct model_client model[PAGER_MAX_CLIENTS];
    static unsigned char filled[PAGER_MAX_CLIENTS][MODEL_SPAN];

    (void)state;
    for (unsigned seed = 1; seed <= 5; seed++) {
        random_state = seed * 2654435761u;
        pager_book_init(&book);
        memset(model, 0, sizeof model);
        memset(filled, 0, sizeof filled);
        for (unsigned c = 0; c < PAGER_MAX_CLIENTS; c++)
            model[c].filled = filled[c];
        for (unsigned step = 0; step < 4000; step++) {
            unsigned c = rnd(4), index;           /* four clients get most of the traffic */
            struct model_client *m = &model[c];
            struct pager_client *client = m->open ? pager_client_of(&book, m->badge, &index) : NULL;
            uint32_t base = 0x10000000 + rnd(MODEL_SPAN) * PAGE, pages = 1 + rnd(24), rights = rnd(2) ? RW : R;
            unsigned op = rnd(10), number;

            if (!m->open) {
                uint32_t badge;
                assert_int_equal(pager_client_open(&book, &index, &badge), PAGER_OK);
                *m = (struct model_client){ .open = true, .badge = badge, .filled = filled[c] };
                memset(filled[c], 0, MODEL_SPAN);
                continue;
            }
            assert_non_null(client);
            if (op == 0) {                            /* close */
                pager_client_close(client);
                assert_null(pager_client_of(&book, m->badge, NULL));
                m->open = false;
            } else if (op <= 3) {                     /* attach */
                bool clash = false, room = false;
                int status;
                if (base / PAGE + pages > 0x10000000 / PAGE + MODEL_SPAN)
                    pages = 0x10000000 / PAGE + MODEL_SPAN - base / PAGE;
                for (unsigned r = 0; r < PAGER_MAX_REGIONS; r++) {
                    struct model_region *x = &m->regions[r];
                    clash |= x->used && base < x->base + x->pages * PAGE && x->base < base + pages * PAGE;
                    room |= !x->used;
                }
                status = pager_region_add(client, base, pages, rights, &number);
                assert_int_equal(status, clash ? PAGER_OVERLAP : room ? PAGER_OK : PAGER_FULL);
                if (status == PAGER_OK) {
                    assert_false(m->regions[number].used);
                    m->regions[number] = (struct model_region){ base, pages, rights, true };
                }
            } else if (op <= 4) {                     /* detach a region, or an address where none starts */
                int r = pager_region_at(client, base);
                int expected = -1;
                for (unsigned x = 0; x < PAGER_MAX_REGIONS; x++)
                    if (m->regions[x].used && m->regions[x].base == base)
                        expected = (int)x;
                assert_int_equal(r, expected);
                if (r >= 0) {
                    for (uint32_t p = 0; p < m->regions[r].pages; p++)
                        filled[c][(base - 0x10000000) / PAGE + p] = 0;
                    pager_region_remove(client, (unsigned)r);
                    m->regions[r].used = false;
                }
            } else {                                  /* a fault, then fill it if allowed */
                uint32_t address = base + rnd(PAGE), access = rnd(4) ? (rnd(2) ? BURSAR_ACCESS_WRITE : 0) :
                                                                       BURSAR_ACCESS_PRESENT;
                int expected = PAGER_NO_REGION, status;
                for (unsigned x = 0; x < PAGER_MAX_REGIONS; x++) {
                    struct model_region *y = &m->regions[x];
                    if (y->used && address >= y->base && address < y->base + y->pages * PAGE)
                        expected = (access & BURSAR_ACCESS_PRESENT) ||
                                   ((access & BURSAR_ACCESS_WRITE) && y->rights == R) ? PAGER_NO_RIGHTS : PAGER_OK;
                }
                status = pager_fault_check(client, address, access, &number);
                assert_int_equal(status, expected);
                if (status == PAGER_OK) {
                    unsigned char *bit = &filled[c][(address - 0x10000000) / PAGE];
                    assert_int_equal(pager_page_filled(client, number, address), *bit);
                    pager_page_set_filled(client, number, address, true);
                    *bit = 1;
                }
            }
            if (m->open)
                check_client(m, pager_client_of(&book, m->badge, NULL));
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(badges_name_live_clients_only),
        cmocka_unit_test(a_region_is_refused_for_each_bad_argument),
        cmocka_unit_test(window_runs_never_overlap_and_fill_the_slice),
        cmocka_unit_test(each_page_has_its_own_window_page_and_filled_bit),
        cmocka_unit_test(faults_are_checked_against_region_and_rights),
        cmocka_unit_test(a_random_run_agrees_with_the_model),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
