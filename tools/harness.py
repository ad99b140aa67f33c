#!/usr/bin/env python3
"""The in-VM test harness: boots one kernel image under QEMU, reads the
serial log, and says what happened.

A boot ends in exactly one of these outcomes:
  completed     the image left through isa-debug-exit with the success code
  failed        it left with the failure code and no panic line
  panic         it printed a PANIC line (kernel panic or kernel exception)
  triple fault  the CPU reset itself (QEMU logs it; -no-reboot stops there)
  hang          nothing ended the run before the timeout
  reset         QEMU shut down without any of the above
  qemu error    QEMU itself failed

For a test image, the serial lines follow include/bursar/console_protocol.h:
"tests N", then "ok ID name" or "not ok ID name - reason" per test, then
"tests done: N ran". A missing summary or fewer results than announced is a
failure of the run, reported as such.
"""
import argparse
import os
import subprocess
import sys
import tempfile
import threading
import time

import qemu

P = qemu.protocol()


class Boot:
    """The outcome of one boot: its kind, the serial lines, and how long it took."""

    def __init__(self, outcome, lines, seconds, detail=""):
        self.outcome = outcome
        self.lines = lines
        self.seconds = seconds
        self.detail = detail

    def panic_line(self):
        for line in self.lines:
            if P["PANIC_MARK"] in line:
                return line[line.index(P["PANIC_MARK"]):]
        return ""


def classify(status, timed_out, lines, qemu_log):
    """Turn how QEMU ended and what it printed into one outcome."""
    if any(P["PANIC_MARK"] in line for line in lines):
        return "panic"
    if "Triple fault" in qemu_log:
        return "triple fault"
    if timed_out:
        return "hang"
    if status == qemu.exit_status(P["EXIT_SUCCESS"]):
        return "completed"
    if status == qemu.exit_status(P["EXIT_FAILURE"]):
        return "failed"
    if status == 0:
        return "reset"
    return "qemu error"


def boot(kernel=None, modules=(), iso=None, timeout=60, icount=False, echo=False, keys=(), append=None):
    """Boot once and collect the serial output until QEMU exits or time runs out.
    `keys` is a list of (prompt, bytes): each bytes is typed on the serial
    line once a line starting with its prompt has been printed, in order
    (the UART loses what arrives before the kernel set it up). `append` goes
    on the kernel command line, which the root task finds in its boot
    information."""
    with tempfile.TemporaryDirectory() as scratch:
        log_path = os.path.join(scratch, "qemu.log")
        args = qemu.command(kernel=kernel, modules=modules, iso=iso, icount=icount, log=log_path,
                            extra=["-append", append] if append else ())
        start = time.monotonic()
        process = subprocess.Popen(args, stdin=subprocess.PIPE if keys else subprocess.DEVNULL,
                                   stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        lines = []
        to_type = list(keys)

        def read_serial():
            for raw in process.stdout:
                line = raw.decode("utf-8", "replace").rstrip("\r\n")
                lines.append(line)
                if to_type and line.startswith(to_type[0][0]) and process.stdin:
                    process.stdin.write(to_type.pop(0)[1])
                    process.stdin.flush()
                    if not to_type:
                        process.stdin.close()
                        process.stdin = None
                if echo:
                    print("  | " + line, flush=True)

        reader = threading.Thread(target=read_serial, daemon=True)
        reader.start()
        timed_out = False
        try:
            status = process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            timed_out = True
            process.kill()
            status = process.wait()
        # The reader ends with QEMU's output; on a loaded host it may still be
        # reading the last lines a few seconds after QEMU exits, and a line
        # it had not read would look like a missing summary. The bound only
        # guards against a pipe someone else keeps open.
        reader.join(timeout=60)
        qemu_log = open(log_path, errors="replace").read() if os.path.exists(log_path) else ""
        seconds = time.monotonic() - start
    return Boot(classify(status, timed_out, lines, qemu_log), lines, seconds,
                "exit status %d" % status)


class TestRun:
    """The per-test results of a test image's log, and whatever went wrong with the run."""

    def __init__(self, lines):
        self.planned = None
        self.results = []          # (passed, id, name, reason)
        self.done = False
        self.problems = []
        for line in lines:
            self._read(line.strip())
        if self.planned is None:
            self.problems.append("no test plan line")
        elif len(self.results) < self.planned:
            self.problems.append("fewer tests than announced: %d of %d" % (len(self.results), self.planned))
        elif len(self.results) > self.planned:
            self.problems.append("more tests than announced: %d of %d" % (len(self.results), self.planned))
        if not self.done:
            self.problems.append("missing summary line")

    def _read(self, line):
        words = line.split()
        if line.startswith(P["TEST_DONE"]):
            self.done = True
        elif len(words) == 2 and words[0] == P["TEST_PLAN"] and words[1].isdigit():
            self.planned = int(words[1])
        elif line.startswith(P["TEST_NOT_OK"] + " "):
            self._result(False, line[len(P["TEST_NOT_OK"]) + 1:])
        elif line.startswith(P["TEST_OK"] + " "):
            self._result(True, line[len(P["TEST_OK"]) + 1:])

    def _result(self, passed, rest):
        head, _, reason = rest.partition(" - ")
        parts = head.split(None, 1)
        if len(parts) == 2 and parts[0].isdigit():
            self.results.append((passed, int(parts[0]), parts[1], reason))


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--kernel")
    parser.add_argument("--iso")
    parser.add_argument("--module", action="append", default=[])
    parser.add_argument("--timeout", type=float, default=60)
    parser.add_argument("--icount", action="store_true")
    args = parser.parse_args()
    result = boot(args.kernel, args.module, args.iso, args.timeout, args.icount, echo=True)
    print("outcome: %s (%s, %.1f s)" % (result.outcome, result.detail, result.seconds))
    sys.exit(0 if result.outcome == "completed" else 1)


if __name__ == "__main__":
    main()
