/*
 * test_model.c — model-based random test of mapdb over real kheaps.
 *
 * Runs seeded, reproducible random sequences of copy / revocable copy /
 * grant / revoke / delete / destroy / map / map copy / grant mapping /
 * unmap / donate / reclaim / table moves, interleaving up to four chunked
 * revokes, through test/host/mapdb_driver.c. Every step is checked locally
 * (return code against the model, every destruction callback against the
 * model, no change after an error); the full O(world) check — trees well
 * formed, every record reachable from its root and paid by its heap,
 * holders and page tables equal to the model, kheap ledger — runs every
 * CHECK_EVERY steps and at the end, after everything is destroyed.
 *
 *   test_model                 the default: several fixed seeds, 10^6 steps in all
 *   test_model --seed S --ops N [--check-every K]
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "test/host/mapdb_driver.h"

#define DEFAULT_SEEDS 5
#define DEFAULT_OPS   200000u
#define CHECK_EVERY   8u

static const uint64_t default_seeds[DEFAULT_SEEDS] = {1, 2, 0xb0a5, 424242, 987654321};

static uint64_t chosen_seed;
static uint64_t chosen_ops;
static uint32_t check_every = CHECK_EVERY;
static bool seed_given;

static void run_seed(uint64_t seed, uint64_t ops)
{
    struct driver *d = driver_create(check_every);
    bool ok = true;

    assert_non_null(d);
    driver_use_seed(d, seed);
    for (uint64_t i = 0; i < ops && ok; i++)
        ok = driver_step(d);
    if (ok)
        ok = driver_finish(d);
    if (!ok)
        fprintf(stderr, "FAILED with --seed %llu --ops %llu: %s\n",
                (unsigned long long)seed, (unsigned long long)ops, driver_failure(d));
    else
        printf("seed %llu: %llu steps ok\n", (unsigned long long)seed,
               (unsigned long long)driver_steps(d));
    if (ok && seed == default_seeds[0])
        driver_print_counts(d);
    driver_free(d);
    assert_true(ok);
}

static void test_default_seeds(void **state)
{
    (void)state;
    for (int i = 0; i < DEFAULT_SEEDS; i++)
        run_seed(default_seeds[i], DEFAULT_OPS);
}

static void test_chosen_seed(void **state)
{
    (void)state;
    run_seed(chosen_seed, chosen_ops);
}

/* The model must notice a broken database: corrupt one link and check. */
static void test_check_catches_corruption(void **state)
{
    struct driver *d = driver_create(0);

    (void)state;
    assert_non_null(d);
    driver_use_seed(d, 7);
    for (int i = 0; i < 2000; i++)
        assert_true(driver_step(d));
    assert_true(driver_check(d));
    assert_true(driver_tamper(d));
    assert_false(driver_check(d));
    printf("tampered db detected: %s\n", driver_failure(d));
    driver_free(d);
}

static uint64_t parse_number(const char *s)
{
    char *end;
    unsigned long long v = strtoull(s, &end, 0);
    if (*s == '\0' || *end != '\0') {
        fprintf(stderr, "bad number: %s\n", s);
        exit(2);
    }
    return v;
}

int main(int argc, char **argv)
{
    chosen_ops = DEFAULT_OPS;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--seed") == 0 && i + 1 < argc) {
            chosen_seed = parse_number(argv[++i]);
            seed_given = true;
        } else if (strcmp(argv[i], "--ops") == 0 && i + 1 < argc) {
            chosen_ops = parse_number(argv[++i]);
        } else if (strcmp(argv[i], "--check-every") == 0 && i + 1 < argc) {
            check_every = (uint32_t)parse_number(argv[++i]);
        } else {
            fprintf(stderr, "usage: %s [--seed S] [--ops N] [--check-every K]\n", argv[0]);
            return 2;
        }
    }
    const struct CMUnitTest chosen[] = {cmocka_unit_test(test_chosen_seed)};
    const struct CMUnitTest defaults[] = {
        cmocka_unit_test(test_check_catches_corruption),
        cmocka_unit_test(test_default_seeds),
    };
    if (seed_given)
        return cmocka_run_group_tests(chosen, NULL, NULL);
    return cmocka_run_group_tests(defaults, NULL, NULL);
}
