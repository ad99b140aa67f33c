/*
 * message.h — the message tag and the IPC timeouts.
 *
 * A message is a tag plus up to BURSAR_MESSAGE_REGISTERS words. MR0 and MR1
 * travel in registers (edi, ebp); the rest live in the sender's UTCB and are
 * copied to the receiver's UTCB (bursar/utcb.h). A message of at most two
 * untyped words and no typed items is register-only: the IPC fast path takes
 * it without touching either UTCB. The fast path also copies up to 32 more
 * untyped words from UTCB to UTCB (docs/architecture.md); the result is the
 * same as the slow path's.
 *
 * Tag layout:
 *   bits 0-6    untyped words (0 .. BURSAR_MESSAGE_REGISTERS)
 *   bits 7-11   typed items (0 .. BURSAR_MAX_TYPED_ITEMS; carried after the untyped words)
 *   bits 12-15  flags (BURSAR_TAG_ERROR: the message reports an error)
 *   bits 16-31  label, chosen by the sender (for servers: the operation)
 */
#ifndef BURSAR_MESSAGE_H
#define BURSAR_MESSAGE_H

#define BURSAR_MESSAGE_REGISTERS   64
#define BURSAR_REGISTER_WORDS      2     /* MR0, MR1 in registers */
#define BURSAR_MAX_TYPED_ITEMS     8

#define BURSAR_TAG_UNTYPED_MASK    0x7fu
#define BURSAR_TAG_TYPED_SHIFT     7
#define BURSAR_TAG_TYPED_MASK      0x1fu
#define BURSAR_TAG_FLAGS_SHIFT     12
#define BURSAR_TAG_ERROR           (1u << 12)
#define BURSAR_TAG_LABEL_SHIFT     16

#define BURSAR_TAG(label, untyped, typed)                                      \
    ((((unsigned)(label) & 0xffffu) << BURSAR_TAG_LABEL_SHIFT) |               \
     (((unsigned)(typed) & BURSAR_TAG_TYPED_MASK) << BURSAR_TAG_TYPED_SHIFT) | \
     ((unsigned)(untyped) & BURSAR_TAG_UNTYPED_MASK))
#define BURSAR_TAG_LABEL(tag)      ((unsigned)(tag) >> BURSAR_TAG_LABEL_SHIFT)
#define BURSAR_TAG_UNTYPED(tag)    ((unsigned)(tag) & BURSAR_TAG_UNTYPED_MASK)
#define BURSAR_TAG_TYPED(tag)      (((unsigned)(tag) >> BURSAR_TAG_TYPED_SHIFT) & BURSAR_TAG_TYPED_MASK)

/*
 * Typed items: capability and memory transfers. A message with u untyped
 * words and t typed items carries item i in MR[u + 2i] and MR[u + 2i + 1]
 * (so u + 2t <= BURSAR_MESSAGE_REGISTERS). Word 0 of an item:
 *
 *   bits 0-3    kind: BURSAR_ITEM_CAPABILITY or BURSAR_ITEM_MEMORY
 *   bits 4-5    mode: enum bursar_transfer_mode (bursar/syscall.h)
 *   bits 8-11   rights the receiver gets (BURSAR_RIGHT_*; memory: READ, WRITE)
 *   bits 16-31  capability: the sender's source slot
 *   bits 16-20  memory: log2 of the size in bytes (BURSAR_ITEM_MEMORY_MIN_LOG2 .. _MAX_LOG2)
 *   every other bit 0
 *
 * Word 1: capability: the badge (0 keeps the source's); memory: the base
 * address of the sender's flexpage, aligned to its size.
 *
 * The receiver gets the items rewritten in the same registers: for a
 * capability the slot it landed in (bits 16-31) and the badge it carries;
 * for a memory item the address in the receiver's space where it is mapped.
 * The receive windows that say where items may land are in the receiver's
 * UTCB (bursar/utcb.h). docs/abi.md has the rules.
 */
#define BURSAR_ITEM_WORDS              2
#define BURSAR_ITEM_CAPABILITY         1u
#define BURSAR_ITEM_MEMORY             2u
#define BURSAR_ITEM_KIND_MASK          0xfu
#define BURSAR_ITEM_MODE_SHIFT         4
#define BURSAR_ITEM_MODE_MASK          0x3u
#define BURSAR_ITEM_RIGHTS_SHIFT       8
#define BURSAR_ITEM_RIGHTS_MASK        0xfu
#define BURSAR_ITEM_SLOT_SHIFT         16
#define BURSAR_ITEM_SIZE_SHIFT         16
#define BURSAR_ITEM_SIZE_MASK          0x1fu
#define BURSAR_ITEM_MEMORY_MIN_LOG2    12    /* one page */
#define BURSAR_ITEM_MEMORY_MAX_LOG2    22    /* 4 MiB: 1024 pages, one page table */

#define BURSAR_ITEM_CAPABILITY_WORD(slot, rights, mode)                          \
    (BURSAR_ITEM_CAPABILITY | ((unsigned)(mode) & BURSAR_ITEM_MODE_MASK) << BURSAR_ITEM_MODE_SHIFT | \
     ((unsigned)(rights) & BURSAR_ITEM_RIGHTS_MASK) << BURSAR_ITEM_RIGHTS_SHIFT | \
     ((unsigned)(slot) & 0xffffu) << BURSAR_ITEM_SLOT_SHIFT)
#define BURSAR_ITEM_MEMORY_WORD(log2_size, rights, mode)                         \
    (BURSAR_ITEM_MEMORY | ((unsigned)(mode) & BURSAR_ITEM_MODE_MASK) << BURSAR_ITEM_MODE_SHIFT | \
     ((unsigned)(rights) & BURSAR_ITEM_RIGHTS_MASK) << BURSAR_ITEM_RIGHTS_SHIFT | \
     ((unsigned)(log2_size) & BURSAR_ITEM_SIZE_MASK) << BURSAR_ITEM_SIZE_SHIFT)
#define BURSAR_ITEM_KIND(word)         ((unsigned)(word) & BURSAR_ITEM_KIND_MASK)
#define BURSAR_ITEM_MODE(word)         (((unsigned)(word) >> BURSAR_ITEM_MODE_SHIFT) & BURSAR_ITEM_MODE_MASK)
#define BURSAR_ITEM_RIGHTS(word)       (((unsigned)(word) >> BURSAR_ITEM_RIGHTS_SHIFT) & BURSAR_ITEM_RIGHTS_MASK)
#define BURSAR_ITEM_SLOT(word)         ((unsigned)(word) >> BURSAR_ITEM_SLOT_SHIFT)
#define BURSAR_ITEM_LOG2_SIZE(word)    (((unsigned)(word) >> BURSAR_ITEM_SIZE_SHIFT) & BURSAR_ITEM_SIZE_MASK)
/* Bits of word 0 that must be zero: 6-7, and for memory 21-31. */
#define BURSAR_ITEM_CAPABILITY_RESERVED 0x000000c0u
#define BURSAR_ITEM_MEMORY_RESERVED     0xffe000c0u

/*
 * Receive windows (struct bursar_utcb): where items may land.
 * Capabilities: the k-th capability item of a message goes to slot
 * first + k, for k < count; count 0 accepts none.
 * Memory: a flexpage of the receiver's space (base aligned to 2^log2, low
 * bits log2; 0 accepts none). An item of 2^s bytes, s <= log2, based at b
 * in the sender is mapped at window base + (b mod 2^log2).
 */
#define BURSAR_CAPABILITY_WINDOW(first, count) (((unsigned)(first) & 0xffffu) | ((unsigned)(count) & 0xffffu) << 16)
#define BURSAR_CAPABILITY_WINDOW_FIRST(word)   ((unsigned)(word) & 0xffffu)
#define BURSAR_CAPABILITY_WINDOW_COUNT(word)   ((unsigned)(word) >> 16)
#define BURSAR_MEMORY_WINDOW(base, log2_size)  (((unsigned)(base) & ~0xfffu) | ((unsigned)(log2_size) & 0x1fu))
#define BURSAR_MEMORY_WINDOW_BASE(word)        ((unsigned)(word) & ~0xfffu)
#define BURSAR_MEMORY_WINDOW_LOG2(word)        ((unsigned)(word) & 0x1fu)

/*
 * Timeouts are 12-bit codes (in eax, see bursar/syscall.h):
 *   0                      never time out (infinite)
 *   mantissa 0, any scale  zero: do not wait at all (poll)
 *   otherwise              relative: mantissa (bits 0-9) x 10^scale (bits 10-11) milliseconds
 * Relative timeouts are rounded up to whole timer ticks (10 ms).
 */
#define BURSAR_TIMEOUT_NEVER       0x000u
#define BURSAR_TIMEOUT_ZERO        0x400u
/* Rounds up, so a timeout never ends early; saturates at 1023 s. */
#define BURSAR_TIMEOUT_MS(ms)      ((ms) == 0 ? BURSAR_TIMEOUT_ZERO :                                 \
                                    (ms) < 1024 ? (unsigned)(ms) :                                    \
                                    (ms) < 10230 ? (0x400u | (((unsigned)(ms) + 9) / 10)) :           \
                                    (ms) < 102300 ? (0x800u | (((unsigned)(ms) + 99) / 100)) :        \
                                    (0xc00u | (((unsigned)(ms) + 999) / 1000 > 1023 ? 1023u :         \
                                               ((unsigned)(ms) + 999) / 1000)))
#define BURSAR_TIMEOUT_MANTISSA(code) ((code) & 0x3ffu)
#define BURSAR_TIMEOUT_SCALE(code)    (((code) >> 10) & 0x3u)

#endif /* BURSAR_MESSAGE_H */
