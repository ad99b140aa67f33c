/*
 * load_segments.c — the loader's fixture with four segments
 * (test/loader/segments.ld): text, read-only data on pages of its own,
 * data and bss, and more data 4 MiB further on (another page table).
 * Checks each and that it can write the writable ones.
 */
#include "libl4/l4.h"
#include "libl4/start_info.h"
#include "test/loader/loadee.h"

static const volatile uint32_t rodata[1024] = { LOADEE_RODATA, [1023] = LOADEE_RODATA };
static volatile uint32_t data = LOADEE_DATA0;
static volatile uint32_t bss[16];
static volatile uint32_t far[2] __attribute__((section(".far"))) = { LOADEE_FAR, LOADEE_FAR + 1 };

int main(const struct bursar_boot_info *boot)
{
    if (boot || !l4_start_info())
        return 1;
    if (rodata[0] != LOADEE_RODATA || rodata[1023] != LOADEE_RODATA || rodata[1] != 0)
        return 2;
    if (data != LOADEE_DATA0 || bss[0] != 0 || bss[15] != 0)
        return 3;
    if (far[0] != LOADEE_FAR || far[1] != LOADEE_FAR + 1 || (uintptr_t)far < 0x00800000u)
        return 4;
    data = bss[3] = far[1] = 5;
    return data + bss[3] + far[1] == 15 ? 0 : 5;
}
