/*
 * names.c — names for numbers a program prints: errors (l4_error_name,
 * over lib/error_names.h's table) and
 * the kinds of heap objects (l4_heap_kind_name, l4.h).
 */
#include "lib/error_names.h"
#include "libl4/errors.h"
#include "libl4/l4.h"

const char *l4_error_name(int error)
{
    unsigned number = error < 0 ? 0u - (unsigned)error : (unsigned)error;

    return number < BURSAR_ERROR_COUNT ? bursar_error_names[number] : "unknown error";
}

static const char *const heap_kind_names[] = {
    [BURSAR_HEAP_TASK] = "task", [BURSAR_HEAP_THREAD] = "thread", [BURSAR_HEAP_ENDPOINT] = "endpoint",
    [BURSAR_HEAP_REPLY] = "reply object", [BURSAR_HEAP_HEAP] = "heap", [BURSAR_HEAP_MEMORY] = "memory",
    [BURSAR_HEAP_PAGE_DIRECTORY] = "page directory", [BURSAR_HEAP_PAGE_TABLE] = "page table",
    [BURSAR_HEAP_SHADOW] = "mapping shadow", [BURSAR_HEAP_CAPABILITY_TABLE] = "capability table",
    [BURSAR_HEAP_RECORD] = "record", [BURSAR_HEAP_IRQ] = "irq", [BURSAR_HEAP_IO_PORTS] = "I/O port range",
};
_Static_assert(sizeof heap_kind_names / sizeof heap_kind_names[0] == BURSAR_HEAP_KIND_COUNT,
               "a name for every enum bursar_heap_kind");

const char *l4_heap_kind_name(unsigned kind)
{
    return kind < BURSAR_HEAP_KIND_COUNT ? heap_kind_names[kind] : "unknown kind";
}
