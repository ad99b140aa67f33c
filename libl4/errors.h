/*
 * errors.h — the names of errors: l4_error_name(-BURSAR_E_REVOKED) is
 * "REVOKED". The table is generated at build time from
 * include/bursar/errors.h (tools/idl.py error-names), and the compiler
 * checks it names every BURSAR_E_* there, so it cannot fall behind.
 * Interfaces' own errors (256 and up) are named by their generated
 * <interface>_error_name() (docs/idl.md).
 */
#ifndef LIBL4_ERRORS_H
#define LIBL4_ERRORS_H

#include "bursar/errors.h"

/* Indexed by enum bursar_error; [BURSAR_OK] is "OK". */
extern const char *const l4_error_names[BURSAR_ERROR_COUNT];

/* The name of an error, negative (as calls return it) or positive; "unknown error" if none (libl4/names.c). */
const char *l4_error_name(int error);

#endif /* LIBL4_ERRORS_H */
