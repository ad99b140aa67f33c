/*
 * start_info.c — reading the start-information page (start_info.h).
 */
#include "libl4/start_info.h"

#include "libl4/l4.h"
#include "libl4/string.h"

const struct l4_start_info *l4_start_info(void)
{
    const struct l4_start_info *info = (const struct l4_start_info *)L4_START_INFO_ADDRESS;

    return info->magic == L4_START_MAGIC ? info : NULL;
}

unsigned l4_start_cap(const char *name)
{
    const struct l4_start_info *info = l4_start_info();

    if (!info)
        return BURSAR_NO_CAPABILITY;
    for (uint32_t i = 0; i < info->cap_count && i < L4_START_MAX_CAPS; i++)
        if (strcmp(info->caps[i].name, name) == 0)
            return info->caps[i].slot;
    return BURSAR_NO_CAPABILITY;
}
