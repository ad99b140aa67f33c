/*
 * bench_mapdb.c — host benchmark for mapdb (not a test): nanoseconds per
 * COPY, REVOCABLE COPY and GRANT, and per record revoked for flat and deep
 * trees of 10, 10^3 and 10^5 records. Records come from a real kheap, as
 * in the kernel, so an allocation is kheap's free-list pop.
 *
 * Host wall-clock figures: compare them with each other, not with the
 * in-VM numbers. Build without sanitizers for meaningful numbers, e.g.
 * gcc -std=c11 -O2 -I. over the mapdb/ and kheap/ sources,
 * test/host/kheap_host.c and this file.
 */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 199309L   /* clock_gettime under -std=c11 */
#endif

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "kheap/kheap.h"
#include "mapdb/mapdb.h"
#include "test/host/kheap_host.h"

#define MAX_RECORDS 100000u
#define ARENA_PAGES (MAX_RECORDS / (KHEAP_PAGE_SIZE / sizeof(struct mapdb_record)) + 16)
#define CHUNK       256u   /* revoke budget per call, as a kernel might use */

static struct kheap_host_arena arena;
static struct kheap_typeset types;
static struct kheap heap;
static uint32_t record_type;
static struct mapdb db;
static struct mapdb_holder *holders;

static struct kheap_page *page_of(void *ctx, const void *addr)
{
    (void)ctx;
    return kheap_host_page_of(&arena, addr);
}

static struct mapdb_record *alloc_record(void *ctx, void *payer)
{
    (void)ctx;
    return kheap_allocate(payer, record_type, NULL);
}

static void free_record(void *ctx, void *payer, struct mapdb_record *record)
{
    (void)ctx;
    kheap_free(payer, record);
}

static void unmap(void *ctx, uintptr_t mapping, struct mapdb_record *record)
{
    (void)ctx;
    (void)mapping;
    (void)record;
}

static double now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static void fail(const char *what)
{
    fprintf(stderr, "bench_mapdb: %s failed\n", what);
    exit(1);
}

static void revoke_all(struct mapdb_holder *h)
{
    struct mapdb_cursor c = {0};
    int status = mapdb_revoke(&db, h, &c, CHUNK);

    while (status == MAPDB_MORE)
        status = mapdb_continue(&db, &c, CHUNK);
    if (status != MAPDB_OK)
        fail("revoke");
}

static void reset_holders(uint32_t n)
{
    for (uint32_t i = 1; i <= n; i++)
        mapdb_holder_init(&holders[i]);
}

/* n records under the root holder: all children of it, or a chain. */
static void build(uint32_t n, int deep)
{
    reset_holders(n);
    for (uint32_t i = 1; i <= n; i++) {
        struct mapdb_holder *src = deep ? &holders[i - 1] : &holders[0];
        if (mapdb_revocable_copy(&db, src, &holders[i], 1, &heap) != MAPDB_OK)
            fail("revocable copy");
    }
}

static double bench_revoke(uint32_t n, int deep)
{
    uint32_t reps = MAX_RECORDS / n < 2000 ? MAX_RECORDS / n : 2000;
    double total = 0;

    if (reps < 3)
        reps = 3;
    for (uint32_t r = 0; r < reps; r++) {
        build(n, deep);
        double t0 = now_ns();
        revoke_all(&holders[0]);
        total += now_ns() - t0;
    }
    return total / ((double)reps * n);
}

static double bench_revocable_copy(void)
{
    double best = 1e30;

    for (int round = 0; round < 5; round++) {
        reset_holders(MAX_RECORDS);
        double t0 = now_ns();
        for (uint32_t i = 1; i <= MAX_RECORDS; i++)
            if (mapdb_revocable_copy(&db, &holders[0], &holders[i], 1, &heap) != MAPDB_OK)
                fail("revocable copy");
        double t = (now_ns() - t0) / MAX_RECORDS;
        best = t < best ? t : best;
        revoke_all(&holders[0]);
    }
    return best;
}

static double bench_copy(void)
{
    double best = 1e30;

    for (int round = 0; round < 5; round++) {
        reset_holders(MAX_RECORDS);
        double t0 = now_ns();
        for (uint32_t i = 1; i <= MAX_RECORDS; i++)
            if (mapdb_copy(&db, &holders[0], &holders[i], 1) != MAPDB_OK)
                fail("copy");
        double t = (now_ns() - t0) / MAX_RECORDS;
        best = t < best ? t : best;
        for (uint32_t i = 1; i <= MAX_RECORDS; i++) {
            struct mapdb_cursor c = {0};
            if (mapdb_delete(&db, &holders[i], &c, 1) != MAPDB_OK)
                fail("delete");
        }
    }
    return best;
}

static double bench_grant(void)
{
    double best = 1e30;
    struct mapdb_holder a = {0}, b = {0};

    if (mapdb_revocable_copy(&db, &holders[0], &a, 1, &heap) != MAPDB_OK)
        fail("revocable copy");
    for (int round = 0; round < 5; round++) {
        double t0 = now_ns();
        for (uint32_t i = 0; i < MAX_RECORDS / 2; i++) {
            if (mapdb_grant(&db, &a, &b, 1) != MAPDB_OK ||
                mapdb_grant(&db, &b, &a, 1) != MAPDB_OK)
                fail("grant");
        }
        double t = (now_ns() - t0) / MAX_RECORDS;
        best = t < best ? t : best;
    }
    revoke_all(&holders[0]);
    return best;
}

static void setup(void)
{
    static const struct kheap_ops heap_ops = {page_of, NULL, NULL, NULL};
    static const struct mapdb_ops db_ops = {alloc_record, free_record, NULL, unmap};
    static struct mapdb_record root;

    holders = calloc(MAX_RECORDS + 1, sizeof *holders);
    if (holders == NULL || kheap_host_arena_init(&arena, ARENA_PAGES) != 0)
        fail("host memory");
    kheap_typeset_init(&types);
    int type = kheap_type_register(&types, "mapdb_record", sizeof(struct mapdb_record),
                                   _Alignof(struct mapdb_record), true);
    if (type < 0)
        fail("type register");
    record_type = (uint32_t)type;
    kheap_init(&heap, &types, &heap_ops, NULL);
    if (kheap_host_donate(&arena, &heap, 0, ARENA_PAGES) != KHEAP_OK)
        fail("donate");
    mapdb_init(&db, &db_ops, NULL);
    mapdb_root_init(&root, MAPDB_KIND_CAP, 1);
    if (mapdb_hold_root(&db, &root, &holders[0], 1) != MAPDB_OK)
        fail("hold root");
}

int main(void)
{
    static const uint32_t sizes[] = {10, 1000, 100000};

    setup();
    printf("mapdb host benchmark (records from a real kheap; revoke budget %u per call)\n\n",
           CHUNK);
    printf("| operation                 | ns/op |\n|---------------------------|------:|\n");
    printf("| COPY (cap, no allocation) | %5.1f |\n", bench_copy());
    printf("| REVOCABLE COPY (cap)      | %5.1f |\n", bench_revocable_copy());
    printf("| GRANT (cap)               | %5.1f |\n\n", bench_grant());
    printf("| revoke, ns per record | flat  | deep  |\n");
    printf("|-----------------------|------:|------:|\n");
    for (uint32_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++)
        printf("| n = %-17u | %5.1f | %5.1f |\n", sizes[i], bench_revoke(sizes[i], 0),
               bench_revoke(sizes[i], 1));
    return 0;
}
