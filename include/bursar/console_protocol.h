/*
 * console_protocol.h — the words the in-VM tests print on the serial line and
 * the codes they leave QEMU with. tools/harness.py reads this very file, so
 * kernel and harness cannot drift apart: keep every value a plain literal on
 * one #define line.
 */
#ifndef BURSAR_CONSOLE_PROTOCOL_H
#define BURSAR_CONSOLE_PROTOCOL_H

#define BURSAR_TEST_PLAN        "tests"          /* "tests N": N tests will follow */
#define BURSAR_TEST_OK          "ok"             /* "ok N name" */
#define BURSAR_TEST_NOT_OK      "not ok"         /* "not ok N name - reason" */
#define BURSAR_TEST_DONE        "tests done"     /* "tests done: N ran" after the last test */
#define BURSAR_PANIC_MARK       "PANIC:"         /* first word of every kernel panic line */
#define BURSAR_BOOT_COMPLETE    "boot complete"  /* printed once the boot steps are done */

/*
 * isa-debug-exit: a write of V to the port makes QEMU exit with (V << 1) | 1.
 * QEMU itself exits with 0 (clean shutdown, also a triple fault under
 * -no-reboot) or 1 (its own errors), so neither code below can be confused
 * with those.
 */
#define BURSAR_DEBUG_EXIT_PORT  0xf4
#define BURSAR_EXIT_SUCCESS     0x10             /* QEMU exit status 33 */
#define BURSAR_EXIT_FAILURE     0x11             /* QEMU exit status 35 */

#endif /* BURSAR_CONSOLE_PROTOCOL_H */
