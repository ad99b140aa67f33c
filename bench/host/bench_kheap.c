/*
 * bench_kheap.c — host micro-benchmark for kheap (not a test): ns per
 * alloc, per free, per alloc+free pair on a warm page, per free page
 * reclaimed, and per page evacuated by moving its live objects, for a
 * small and a large heap. The owner's moved() callback does nothing, so
 * the evacuation figure is kheap's own cost.
 */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L
#endif
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "kheap/kheap.h"
#include "test/host/kheap_host.h"

#define OBJECT_SIZE   64u
#define PER_PAGE      (KHEAP_PAGE_SIZE / OBJECT_SIZE)
#define LEFT_IN_VICTIM 8u   /* live objects left in each page to evacuate */

struct bench {
    struct kheap_host_arena arena;  /* first: kheap_host_page_of needs it */
    struct kheap_typeset types;
    struct kheap_ops ops;
    struct kheap heap;
    uint32_t type;
    uint32_t pages;
    void **objects;
    void **out;
};

static void moved_nothing_to_fix(void *context, uint32_t type, void *old_object, void *new_object)
{
    (void)context; (void)type; (void)old_object; (void)new_object;
}

static void destroy_by_freeing(void *context, uint32_t type, void *object)
{
    struct bench *b = context;
    (void)type;
    kheap_free(&b->heap, object);
}

static double now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static void die(const char *what)
{
    fprintf(stderr, "bench_kheap: %s\n", what);
    exit(1);
}

static void bench_init(struct bench *b, uint32_t pages)
{
    if (kheap_host_arena_init(&b->arena, pages) != 0)
        die("out of memory");
    b->pages = pages;
    b->objects = calloc((size_t)pages * PER_PAGE, sizeof *b->objects);
    b->out = calloc(pages, sizeof *b->out);
    if (b->objects == NULL || b->out == NULL)
        die("out of memory");
    kheap_typeset_init(&b->types);
    b->type = (uint32_t)kheap_type_register(&b->types, "object", OBJECT_SIZE, 8, true);
    b->ops.page_of = kheap_host_page_of;
    b->ops.moved = moved_nothing_to_fix;
    b->ops.destroy = destroy_by_freeing;
    kheap_init(&b->heap, &b->types, &b->ops, b);
}

static void bench_fini(struct bench *b)
{
    kheap_host_arena_fini(&b->arena);
    free(b->objects);
    free(b->out);
}

static void donate_all(struct bench *b)
{
    if (kheap_host_donate(&b->arena, &b->heap, 0, b->pages) != KHEAP_OK)
        die("donate failed");
}

static uint32_t reclaim_pages(struct bench *b, uint32_t pages, struct kheap_reclaim *reclaim)
{
    uint32_t n = 0;

    kheap_reclaim_begin(reclaim, pages);
    if (kheap_reclaim(&b->heap, reclaim, UINT32_MAX, b->out, b->pages, &n) != KHEAP_OK || !reclaim->done)
        die("reclaim failed");
    return n;
}

struct result {
    double alloc, free, pair, reclaim_free, evacuate, per_move;
};

/* Fill every page, then free everything: carving and uncarving included. */
static void time_alloc_and_free(struct bench *b, uint32_t rounds, struct result *r)
{
    uint32_t count = b->pages * PER_PAGE;
    double alloc_ns = 0, free_ns = 0;

    donate_all(b);
    for (uint32_t round = 0; round < rounds; round++) {
        double t0 = now_ns();
        for (uint32_t i = 0; i < count; i++)
            b->objects[i] = kheap_allocate(&b->heap, b->type, NULL);
        double t1 = now_ns();
        for (uint32_t i = 0; i < count; i++)
            kheap_free(&b->heap, b->objects[i]);
        double t2 = now_ns();
        if (b->objects[count - 1] == NULL)
            die("alloc failed");
        alloc_ns += t1 - t0;
        free_ns += t2 - t1;
    }
    r->alloc = alloc_ns / ((double)rounds * count);
    r->free = free_ns / ((double)rounds * count);

    /* The common case: a page that stays carved, one object in and out. */
    void *anchor = kheap_allocate(&b->heap, b->type, NULL);
    uint32_t pairs = rounds * count;
    double t0 = now_ns();
    for (uint32_t i = 0; i < pairs; i++)
        kheap_free(&b->heap, kheap_allocate(&b->heap, b->type, NULL));
    r->pair = (now_ns() - t0) / pairs;
    kheap_free(&b->heap, anchor);
}

static void time_reclaim_free_pages(struct bench *b, uint32_t rounds, struct result *r)
{
    struct kheap_reclaim reclaim;
    double total = 0;

    for (uint32_t round = 0; round < rounds; round++) {
        if (b->heap.stats.pages_held == 0)
            donate_all(b);
        double t0 = now_ns();
        uint32_t n = reclaim_pages(b, b->pages, &reclaim);
        total += now_ns() - t0;
        if (n != b->pages)
            die("reclaim returned too few pages");
    }
    r->reclaim_free = total / ((double)rounds * b->pages);
}

/*
 * Half the pages keep LEFT_IN_VICTIM objects, the other half half of
 * theirs; reclaiming a quarter of the heap evacuates the light pages into
 * the free slots of the half-full ones.
 */
static void time_evacuation(struct bench *b, uint32_t rounds, struct result *r)
{
    struct kheap_reclaim reclaim;
    uint32_t count = b->pages * PER_PAGE;
    uint32_t victims = b->pages / 4;
    double total = 0;
    uint64_t moved = 0;

    for (uint32_t round = 0; round < rounds; round++) {
        donate_all(b);
        for (uint32_t i = 0; i < count; i++)
            b->objects[i] = kheap_allocate(&b->heap, b->type, NULL);
        for (uint32_t i = 0; i < count; i++) {
            uint32_t page = i / PER_PAGE, slot = i % PER_PAGE;
            bool light = page % 2 == 0;
            if (light ? slot >= LEFT_IN_VICTIM : slot % 2 == 0)
                kheap_free(&b->heap, b->objects[i]);
        }
        double t0 = now_ns();
        if (reclaim_pages(b, victims, &reclaim) != victims || reclaim.destroyed != 0)
            die("evacuation did not go as planned");
        total += now_ns() - t0;
        moved += reclaim.moved;
        reclaim_pages(b, b->pages, &reclaim);  /* empty the heap for the next round */
    }
    r->evacuate = total / ((double)rounds * victims);
    r->per_move = total / (double)moved;
}

static void run(uint32_t pages, uint32_t rounds)
{
    struct bench b = { 0 };
    struct result r;

    bench_init(&b, pages);
    time_alloc_and_free(&b, rounds, &r);
    time_reclaim_free_pages(&b, rounds, &r);
    time_evacuation(&b, rounds, &r);
    if (kheap_check(&b.heap) != KHEAP_OK)
        die("heap inconsistent after the run");
    printf("%6u %7.1f %7.1f %9.1f %12.1f %12.1f %10.1f\n", pages, r.alloc, r.free, r.pair,
           r.reclaim_free, r.evacuate, r.per_move);
    bench_fini(&b);
}

int main(void)
{
    printf("kheap, %u-byte objects (%u per page), ns per operation\n", OBJECT_SIZE, PER_PAGE);
    printf("evacuated pages hold %u live objects each\n\n", LEFT_IN_VICTIM);
    printf("%6s %7s %7s %9s %12s %12s %10s\n", "pages", "alloc", "free", "alloc+free",
           "reclaim/page", "evacuate/pg", "per move");
    run(64, 400);
    run(1024, 25);
    run(8192, 3);
    return 0;
}
