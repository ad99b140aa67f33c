/*
 * utcb.h — the calling thread's UTCB (include/bursar/utcb.h), found through
 * %gs: the word at %gs:0 is the running thread's UTCB address, kept by the
 * kernel whichever thread runs.
 *
 * Every access is volatile, so the compiler keeps it in order with the
 * system calls around it (they read and write the UTCB behind its back and
 * carry a memory clobber).
 */
#ifndef LIBL4_UTCB_H
#define LIBL4_UTCB_H

#include <stddef.h>
#include <stdint.h>

#include "bursar/utcb.h"

#define L4_UTCB_USER_WORD offsetof(struct bursar_utcb, user_word)
#define L4_UTCB_INFO      offsetof(struct bursar_utcb, info)

/* The running thread's UTCB. */
static inline volatile struct bursar_utcb *l4_utcb(void)
{
    volatile struct bursar_utcb *utcb;
    __asm__ volatile("movl %%gs:0, %0" : "=r"(utcb));
    return utcb;
}

/* The 32-bit UTCB word at byte `offset` (a multiple of 4). */
static inline uint32_t l4_utcb_word(size_t offset)
{
    return *(volatile uint32_t *)((volatile uint8_t *)l4_utcb() + offset);
}

static inline void l4_utcb_set_word(size_t offset, uint32_t value)
{
    *(volatile uint32_t *)((volatile uint8_t *)l4_utcb() + offset) = value;
}

/* Message register i (0 <= i < BURSAR_MESSAGE_REGISTERS). */
static inline uint32_t l4_mr_get(unsigned i)
{
    return l4_utcb_word(4 * (size_t)i);
}

static inline void l4_mr_set(unsigned i, uint32_t value)
{
    l4_utcb_set_word(4 * (size_t)i, value);
}

/*
 * Receive windows (bursar/message.h): the capability items of the next
 * messages land in slots first .. first + count - 1 (count 0: none are
 * accepted); memory items inside the flexpage at `base` of 2^log2_size
 * bytes (base 0: none). They stay set until changed.
 */
static inline void l4_set_receive_windows(unsigned first_slot, unsigned count, uintptr_t base, unsigned log2_size)
{
    l4_utcb_set_word(offsetof(struct bursar_utcb, receive_capabilities), BURSAR_CAPABILITY_WINDOW(first_slot, count));
    l4_utcb_set_word(offsetof(struct bursar_utcb, receive_memory),
                     base ? BURSAR_MEMORY_WINDOW(base, log2_size) : 0);
}

/* Both window words, to put back after a call that opened windows of its own. */
struct l4_receive_windows {
    uint32_t capabilities, memory;
};

static inline struct l4_receive_windows l4_receive_windows_get(void)
{
    return (struct l4_receive_windows){ l4_utcb_word(offsetof(struct bursar_utcb, receive_capabilities)),
                                        l4_utcb_word(offsetof(struct bursar_utcb, receive_memory)) };
}

static inline void l4_receive_windows_set(struct l4_receive_windows windows)
{
    l4_utcb_set_word(offsetof(struct bursar_utcb, receive_capabilities), windows.capabilities);
    l4_utcb_set_word(offsetof(struct bursar_utcb, receive_memory), windows.memory);
}

/* The word the kernel never touches, free for the thread's own use. */
static inline uint32_t l4_user_word(void)
{
    return l4_utcb_word(L4_UTCB_USER_WORD);
}

static inline void l4_set_user_word(uint32_t value)
{
    l4_utcb_set_word(L4_UTCB_USER_WORD, value);
}

/*
 * Copies the first `size` bytes of the info area, where SYS_HEAP_INFO and
 * SYS_SYSTEM_INFO leave their results, to `destination` (any alignment).
 */
static inline void l4_utcb_info_read(void *destination, size_t size)
{
    uint8_t *out = destination;

    if (size > sizeof(((struct bursar_utcb *)0)->info))
        size = sizeof(((struct bursar_utcb *)0)->info);
    for (size_t i = 0; i < size; i += 4) {
        uint32_t word = l4_utcb_word(L4_UTCB_INFO + i);
        for (size_t b = 0; b < 4 && i + b < size; b++)
            out[i + b] = (uint8_t)(word >> (8 * b));
    }
}

#endif /* LIBL4_UTCB_H */
