/*
 * main.c — the kernel-core test suite as a root task: every USER_TEST in
 * this folder, in id order, each followed by core_after_test() (teardown,
 * accounting identity, the kernel's own check, no leaks in the boot heap).
 */
#include "core.h"

#include "libl4/printf.h"

int main(const struct bursar_boot_info *boot)
{
    int error = l4_create(BURSAR_SLOT_HEAP, BURSAR_OBJECT_ENDPOINT, CORE_SLEEP_ENDPOINT, 0);

    if (error) {
        printf("core tests: cannot create the sleep endpoint (%d)\n", error);
        return 1;
    }
    core_init(boot);
    return user_tests_run_all() ? 0 : 1;
}
