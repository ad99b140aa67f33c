/*
 * error_names.h — the name of every BURSAR_E_*: bursar_error_names[
 * BURSAR_E_REVOKED] is "REVOKED". The table is generated at build time from
 * include/bursar/errors.h (tools/idl.py error-names, lib/SConscript), and
 * the compiler checks that it names every error there, so it cannot fall
 * behind. Here in lib/ so that the kernel (a pager's reason in a kill line)
 * and libl4 (l4_error_name) share it without either depending on the other.
 */
#ifndef LIB_ERROR_NAMES_H
#define LIB_ERROR_NAMES_H

#include "bursar/errors.h"

/* Indexed by enum bursar_error; [BURSAR_OK] is "OK". */
extern const char *const bursar_error_names[BURSAR_ERROR_COUNT];

#endif /* LIB_ERROR_NAMES_H */
