/*
 * debug.h — the kernel debug console: lists of tasks, threads and heaps, on
 * request (SYS_DEBUG_DUMP, the 'd' key on the serial line) and on panic.
 */
#ifndef KERNEL_DEBUG_H
#define KERNEL_DEBUG_H

#include <stdbool.h>
#include <stdint.h>

/* enum bursar_dump; preemptible only from a system call (not from an interrupt, nor on panic). */
void debug_dump(uint32_t what, bool preemptible);

struct object;
/* The object behind the debug capability (BURSAR_SLOT_DEBUG; not heap-allocated, never destroyed). */
extern struct object debug_authority;
void debug_console_key(char key);

struct thread;
struct mapdb_record;
/*
 * SYS_DEBUG_DUMP's tree kinds (debug_tree.c): the derivation tree of the
 * object a slot of the caller's names, or the mapping tree of a frame.
 * BURSAR_E_* for a bad slot or frame; nothing is printed then.
 */
int debug_dump_tree(struct thread *caller, uint32_t what, uint32_t argument);
/* Print one tree: every record with its depth, payer and holders. */
void debug_print_tree(const struct mapdb_record *root, const char *what);

#endif
