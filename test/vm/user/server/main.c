/*
 * main.c — the server-framework tests (ids 930-969) as a root task: libl4's
 * server loop with dispatches generated from probe.idl, each test followed
 * by core_tests' after-hook (teardown, accounting identity, the kernel's
 * own check, no leaks in the boot heap).
 */
#include "probe.h"

#include "libl4/printf.h"

int main(const struct bursar_boot_info *boot)
{
    int error = l4_create(BURSAR_SLOT_HEAP, BURSAR_OBJECT_ENDPOINT, CORE_SLEEP_ENDPOINT, 0);

    if (error) {
        printf("server tests: cannot create the sleep endpoint (%s)\n", l4_error_name(error));
        return 1;
    }
    core_init(boot);
    return user_tests_run_all() ? 0 : 1;
}
