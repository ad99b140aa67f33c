/*
 * mapdb_driver.h — drives mapdb through random operation sequences over a
 * small world (tasks with capability slots and page-table entries, several
 * resources, several real kheaps) and checks it against a reference model.
 *
 * The same driver serves the model-based test (choices from a seeded PRNG)
 * and the fuzz target (choices from the fuzz input), so both exercise the
 * same operations and the same checks.
 */
#ifndef TEST_HOST_MAPDB_DRIVER_H
#define TEST_HOST_MAPDB_DRIVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct driver;

/*
 * full_check_every: run the O(world) check after every this many steps
 * (1 = every step). A cheap local check runs after every step regardless:
 * the return code against the model, every callback against the model as
 * it happens, and "nothing changed" after every error.
 */
struct driver *driver_create(uint32_t full_check_every);
void driver_free(struct driver *d);

/* Where choices come from: a seeded PRNG, or bytes (fuzzing). */
void driver_use_seed(struct driver *d, uint64_t seed);
void driver_use_bytes(struct driver *d, const uint8_t *data, size_t size);
bool driver_out_of_input(const struct driver *d);

/* One random operation and its checks. False on the first disagreement. */
bool driver_step(struct driver *d);
/* Finish running revokes, destroy everything, check nothing is left. */
bool driver_finish(struct driver *d);
/* The full O(world) check, on demand. */
bool driver_check(struct driver *d);

/* Test support: change one live record in the db but not in the model. */
bool driver_tamper(struct driver *d);

const char *driver_failure(const struct driver *d);
uint64_t driver_steps(const struct driver *d);
/* Per operation kind counts, for the test's summary line. */
void driver_print_counts(const struct driver *d);

#endif /* TEST_HOST_MAPDB_DRIVER_H */
