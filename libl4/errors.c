/*
 * errors.c — l4_error_name() over the generated table (errors.h).
 */
#include "libl4/errors.h"

const char *l4_error_name(int error)
{
    unsigned number = error < 0 ? 0u - (unsigned)error : (unsigned)error;

    return number < BURSAR_ERROR_COUNT ? l4_error_names[number] : "unknown error";
}
