/*
 * loadee.h — what the loader's fixture programs (test/loader/) and the tests
 * that load them (test/vm/user/core/loader.c) agree on. Each fixture checks
 * itself and exits with 0, or with the number of the first check that
 * failed; its start-up code reports that to the test (the parent).
 */
#ifndef TEST_LOADER_LOADEE_H
#define TEST_LOADER_LOADEE_H

#include <stdint.h>

/* The arguments and the capability the plain fixture expects. */
#define LOADEE_ARG0 "alpha"
#define LOADEE_ARG1 "beta gamma"
#define LOADEE_CAP_NAME "probe"
#define LOADEE_CAP_BADGE 77u

/* Initialised data whose words the fixtures check. */
#define LOADEE_DATA0 0x11223344u
#define LOADEE_DATA1 0x55667788u
#define LOADEE_RODATA 0x0badcafeu
#define LOADEE_FAR 0xfa4fa4fau

/* Pages of the big fixture's bss (more than one page table's worth is not needed: 256 is 1 MiB). */
#define LOADEE_BIG_PAGES 256u

/* The plain fixture's arguments that make it write to its own text (it must fault), or spin for ever. */
#define LOADEE_WRITE_TEXT "write-text"
#define LOADEE_SPIN "spin"

#endif /* TEST_LOADER_LOADEE_H */
