/*
 * errors.h — every error a system call can return. 0 is success; errors are
 * negative in the result register. docs/abi.md says which call returns which.
 */
#ifndef BURSAR_ERRORS_H
#define BURSAR_ERRORS_H

enum bursar_error {
    BURSAR_OK = 0,
    BURSAR_E_INVALID_SYSCALL = 1,     /* no such system call number */
    BURSAR_E_INVALID_CAPABILITY,      /* index outside the capability space */
    BURSAR_E_EMPTY_SLOT,              /* the slot holds no capability */
    BURSAR_E_WRONG_TYPE,              /* the capability names the wrong kind of object */
    BURSAR_E_NO_RIGHTS,               /* the capability lacks a right the call needs */
    BURSAR_E_SLOT_IN_USE,             /* destination slot already holds a capability */
    BURSAR_E_INVALID_ARGUMENT,        /* a value out of its documented range */
    BURSAR_E_INVALID_ADDRESS,         /* not a user address, or the range crosses into the kernel */
    BURSAR_E_MISALIGNED,              /* an address or size that must be page-aligned is not */
    BURSAR_E_INVALID_MESSAGE,         /* message tag counts out of range */
    BURSAR_E_TIMEOUT,                 /* an IPC phase timed out */
    BURSAR_E_DESTROYED,               /* the endpoint or partner went away while we waited */
    BURSAR_E_NO_CALLER,               /* reply object has no caller bound (replied twice?) */
    BURSAR_E_OUT_OF_MEMORY,           /* the paying heap is empty and its bank refused */
    BURSAR_E_NOT_MAPPED,              /* a user page the call needs is not mapped */
    BURSAR_E_ALREADY_MAPPED,          /* the destination page is mapped already */
    BURSAR_E_BAD_FRAME,               /* frame not owned by that memory capability, or not free */
    BURSAR_E_BUSY,                    /* the object is in a state that forbids the call */
    BURSAR_E_REVOKED,                 /* the capability was revoked */
    BURSAR_E_CHECK_FAILED,            /* a kernel self-check (BURSAR_DUMP_CHECK) found a problem */
    BURSAR_E_RECEIVER_HEAP_EMPTY,     /* a transfer item the receiver's heap must pay for finds it empty */
    BURSAR_E_NO_RECEIVE_WINDOW,       /* the receiver opened no window for this item, or it does not fit */
    BURSAR_E_NOT_PENDING,             /* SYS_IRQ_ACK: no interrupt was delivered since the last ack */
    /* Servers answer it, the kernel never returns it (libl4/server.h, docs/idl.md). */
    BURSAR_E_UNKNOWN_OPERATION,       /* the message's label names no operation the server serves */
    BURSAR_E_NOT_SUPPORTED,           /* the call has no meaning on this kernel build (the global-allocator baseline) */
    BURSAR_ERROR_COUNT
};

#endif /* BURSAR_ERRORS_H */
