/*
 * store.h — what the store (store.c) and its sessions (session.c) share.
 *
 * Each session is a task of its own, paid by the heap its client lent: it
 * runs this program's text (mapped read-only) and touches only its struct
 * session, a region of the store's memory mapped into it at the same
 * address (libl4/task_sharing_program.h). Its values live in its own address space, one
 * 4 MiB region each, so every value's page table is the client's too.
 */
#ifndef APPS_KV_STORE_H
#define APPS_KV_STORE_H

#include "apps/kv/kv_session_idl.h"
#include "libl4/task_sharing_program.h"

#define STORE_MAX_SESSIONS   4
#define SESSION_SMALL_VALUES 16
#define SESSION_LARGE_VALUES 8

/* A session task's capability space. */
#define SESSION_ENDPOINT     L4_SERVER_ENDPOINT   /* READ: where its client calls */
#define SESSION_REPLY        L4_SERVER_REPLY
#define SESSION_SLOTS        2

/* Large value i lives in the 4 MiB region at SESSION_VALUES + i * 4 MiB of the session's space. */
#define SESSION_VALUES       0x40000000u
#define SESSION_REGION_LOG2  22

struct session {
    struct bursar_utcb utcb;             /* first: UTCB-aligned */
    struct l4_server server;
    unsigned small_count;
    uint32_t keys[SESSION_SMALL_VALUES], values[SESSION_SMALL_VALUES];
    struct large_value {
        bool used;
        uint32_t key, length;
        uintptr_t address;               /* where the client's pages landed */
        unsigned log2;
    } large[SESSION_LARGE_VALUES];
    char stack[8192] __attribute__((aligned(16)));
} __attribute__((aligned(4096)));

/* A session's thread: serves `session` until its endpoint is destroyed. */
void session_main(void *session);

#endif /* APPS_KV_STORE_H */
