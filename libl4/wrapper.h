/*
 * wrapper.h — the wrapper server's client side (docs/wrapper.md): starting
 * the server. Its protocol's operations are the stubs generated from
 * libl4/wrapper.idl ("libl4/wrapper_idl.h"):
 *
 *     uint32_t handle;
 *     error = wrapper_create(wrappers, bank, target, WRAPPER_SLOT, &handle);   a wrapper around target
 *     ... hand out WRAPPER_SLOT by COPY; calls through any copy reach target ...
 *     error = wrapper_destroy(wrappers, handle);       every copy now answers REVOKED
 *
 * `wrappers` is a capability to the server's service endpoint, badged per
 * client; `bank` pays for the wrapper (a bank of the space bank server the
 * wrapper server was started with, libl4/bank.h).
 */
#ifndef LIBL4_WRAPPER_H
#define LIBL4_WRAPPER_H

#include <stddef.h>
#include <stdint.h>

#include "libl4/frames.h"
#include "libl4/loader.h"
#include "libl4/wrapper_idl.h"

/* The server's capability space: each wrapper takes 13 slots of it (servers/wrapper/wrapper.h). */
#define L4_WRAPPER_SERVER_SLOTS 2048u

struct l4_wrapper_start {
    const void *image;                   /* wrapper.elf, mapped in the caller */
    size_t image_size;
    struct l4_frame_source *frames;      /* pays its image, stack and heap */
    unsigned heap_pages;                 /* its own heap: its task, capability space, page tables */
    unsigned slots;                      /* the caller's empty slots slots .. slots + 3: the server's task,
                                            thread and heap, and its service endpoint, which the caller
                                            keeps (every right) to give clients badged copies of */
    uintptr_t window;                    /* the loader's window for its pages */
    unsigned window_pages;
    unsigned priority;                   /* its service thread's and every forwarding thread's */
    unsigned bank;                       /* a bank of the space bank server: clients' banks must be its */
    unsigned quota;                      /* wrappers each client may hold; 0: a quarter of the capacity */
    uint32_t timer_hz, tsc_khz;
};

/* Loads and starts the server. 0 or -BURSAR_E_*; on failure nothing is left. */
int l4_wrapper_start(const struct l4_wrapper_start *spec, struct l4_program *program);

/*
 * The same with the frame source made here, over `bank` (one server a
 * program: the source and the program are kept here): the bank pays for
 * the server's image, stack and a first heap of 48 pages, and clients'
 * banks must be its. Its image is at `image`, its pages in the loader
 * window at `window`, its slots from `slots` (four; the service endpoint
 * is slots + 3), at `priority`, each client allowed `quota` wrappers.
 */
int l4_wrapper_start_on_bank(unsigned bank, const void *image, size_t image_size, uintptr_t window, unsigned slots,
                             unsigned priority, unsigned quota);

#endif /* LIBL4_WRAPPER_H */
