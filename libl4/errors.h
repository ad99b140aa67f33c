/*
 * errors.h — the names of errors: l4_error_name(-BURSAR_E_REVOKED) is
 * "REVOKED", from the table lib/error_names.h has generated from
 * include/bursar/errors.h, which the compiler checks names every
 * BURSAR_E_* there, so it cannot fall behind. Interfaces' own errors (256
 * and up) are named by their generated <interface>_error_name()
 * (docs/idl.md).
 */
#ifndef LIBL4_ERRORS_H
#define LIBL4_ERRORS_H

#include "bursar/errors.h"

/* The name of an error, negative (as calls return it) or positive; "unknown error" if none (libl4/names.c). */
const char *l4_error_name(int error);

#endif /* LIBL4_ERRORS_H */
