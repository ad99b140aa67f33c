/*
 * message.h — the message tag and the IPC timeouts.
 *
 * A message is a tag plus up to BURSAR_MESSAGE_REGISTERS words. MR0 and MR1
 * travel in registers (edi, ebp); the rest live in the sender's UTCB and are
 * copied to the receiver's UTCB (bursar/utcb.h). A message of at most two
 * untyped words and no typed items is register-only: the IPC fast path takes
 * it without touching either UTCB.
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
