/*
 * load_plain.c — the loader's plain fixture: text, data and bss in the two
 * segments every program has (libl4/user.ld). Checks its data, its zeroed
 * bss, its name, arguments and capability as the test gave them, and
 * exits with 0 or the number of the first check that failed. With the
 * argument LOADEE_WRITE_TEXT it writes to its own text instead, which must
 * fault (the text is mapped read-only); with LOADEE_SPIN it yields for ever.
 */
#include "libl4/l4.h"
#include "libl4/start_info.h"
#include "libl4/string.h"
#include "test/loader/loadee.h"

static volatile uint32_t data[2] = { LOADEE_DATA0, LOADEE_DATA1 };
static volatile uint32_t bss[2048];
static volatile uint32_t runs;

static int check_memory(void)
{
    if (data[0] != LOADEE_DATA0 || data[1] != LOADEE_DATA1)
        return 2;
    for (unsigned i = 0; i < 2048; i++)
        if (bss[i] != 0)
            return 3;
    for (unsigned i = 0; i < 2048; i++)
        bss[i] = i;
    data[0]++;
    /* A second program of this image must not see this run's writes. */
    return ++runs == 1 ? 0 : 4;
}

static int check_start_info(const struct l4_start_info *info)
{
    unsigned probe = l4_start_cap(LOADEE_CAP_NAME);
    struct l4_cap_info cap;

    if (strcmp(info->name, "plain") != 0 || info->argc != 2 || strcmp(info->argv[0], LOADEE_ARG0) != 0 ||
        strcmp(info->argv[1], LOADEE_ARG1) != 0 || info->argv[2] != 0)
        return 5;
    if (probe == BURSAR_NO_CAPABILITY || l4_cap_inspect(probe, &cap) != 0 || cap.type != BURSAR_OBJECT_ENDPOINT ||
        cap.badge != LOADEE_CAP_BADGE || cap.rights != BURSAR_RIGHT_WRITE)
        return 6;
    /* Its own task, thread and heap in slots 0-2. */
    if (l4_cap_inspect(BURSAR_SLOT_TASK, &cap) != 0 || cap.type != BURSAR_OBJECT_TASK ||
        l4_cap_inspect(BURSAR_SLOT_THREAD, &cap) != 0 || cap.type != BURSAR_OBJECT_THREAD ||
        l4_cap_inspect(BURSAR_SLOT_HEAP, &cap) != 0 || cap.type != BURSAR_OBJECT_HEAP)
        return 7;
    return 0;
}

int main(const struct bursar_boot_info *boot)
{
    const struct l4_start_info *info = l4_start_info();
    int failed;

    if (boot || !info)
        return 1;
    if (info->argc == 1 && strcmp(info->argv[0], LOADEE_WRITE_TEXT) == 0) {
        *(volatile uint32_t *)(uintptr_t)main = 0;       /* must fault: text is read-only */
        return 8;
    }
    if (info->argc == 1 && strcmp(info->argv[0], LOADEE_SPIN) == 0)
        for (;;)
            l4_yield();
    failed = check_memory();
    return failed ? failed : check_start_info(info);
}
