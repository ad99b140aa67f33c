/*
 * fuzz_mapdb.c — libFuzzer target for mapdb. The fuzz input chooses the
 * operations (the same ones, with the same model and checks, as the
 * model-based test: test/host/mapdb_driver.c); the full check runs after
 * every step, and at the end everything is destroyed and must come back.
 *
 * Build with clang -g -O1 -fsanitize=fuzzer,address,undefined -I. over the
 * mapdb/ and kheap/ sources, test/host/kheap_host.c, test/host/mapdb_driver.c
 * and this file; run with -runs=20000 (short) or see docs/mapdb.md (long).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "test/host/mapdb_driver.h"

#define MAX_STEPS 2000

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct driver *d = driver_create(1);
    bool ok = true;

    if (d == NULL)
        abort();
    driver_use_bytes(d, data, size);
    for (int i = 0; i < MAX_STEPS && ok && !driver_out_of_input(d); i++)
        ok = driver_step(d);
    if (ok)
        ok = driver_finish(d);
    if (!ok) {
        fprintf(stderr, "mapdb fuzz: %s\n", driver_failure(d));
        abort();
    }
    driver_free(d);
    return 0;
}
