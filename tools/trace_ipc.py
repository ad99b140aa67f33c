#!/usr/bin/env python3
"""./bursar trace: where the instructions of one IPC go, on either path.

Boots the IPC benchmark (bench/vm/ipc_bench.c) on the fast-path kernel
(--slow: the slow-path kernel) under `-icount shift=0`, one guest
instruction per translation block, and
has QEMU log every instruction executed (`-d exec,nochain`) while the
call/reply rounds run: logging is switched on through the QEMU monitor when
the benchmark prints the row before them and off at the row after. It then
takes the last complete round of the commonest lengths (the benchmark's
median) from the log and prints, for the call's one
way and the reply's, the instructions each function executed, in order,
from one TSC read to the next. The benchmark's rows are the same spans less
the two instructions of a back-to-back TSC read.

On the slow-path kernel (--slow, or --kernel naming it) each span is also
summed by part of the slow path (below: entry, dispatch, lookup, IPC,
copy, switch, exit, user), which docs/benchmarks.md's
breakdown quotes. --null traces one round of floor.null (SYS_NULL with no
task: the bare entry and exit) instead of the IPC rounds.

Options: --verbose prints every instruction's address and function;
--kernel PATH traces another kernel image.
"""
import argparse
import bisect
import collections
import os
import re
import socket
import subprocess
import sys
import tempfile
import time

import qemu
import toolchain

BUILD = os.path.join(qemu.ROOT, "build")
PROGRAM = os.path.join(BUILD, "user", "ipc_bench.elf")
TOOLS = toolchain.cross_prefix()          # the build's binutils (nm, objdump)
SYS_CALL = toolchain.syscall_numbers()["SYS_CALL"]
START_LOGGING = "bench floor.null.two-space-switches"   # printed just before the IPC rounds
STOP_LOGGING = "bench ipc.roundtrip"                    # printed just after them
NULL_START_LOGGING = "bench overhead"                   # printed just before the floor.null rounds
NULL_STOP_LOGGING = "bench floor.null "                 # and just after them
KERNEL_BASE = 0xC0000000

# The slow path's parts, by function (a name's GCC suffix, .isra.0 and the
# like, dropped; code inlined into a function counts as that function's).
# The entry's own code (sysenter.S, kernel_sysenter_syscall, which opens the
# interrupt-off window and reads the registers) is "entry" until the first
# instruction of any other kernel function (the system call's handler), and
# "exit" after it. Anything not named is "other".
ENTRY_AND_EXIT = ["sysenter_entry", "sysenter_slow_path", "kernel_sysenter_syscall", "machine_timestamp",
                  "trap_common", "trap_dispatch", "kernel_syscall", "sysenter_return", "trap_return"]
SLOW_PATH_PARTS = {
    "dispatch": ["sys_null", "sys_call", "sys_send", "sys_reply_wait", "sys_reply", "sys_receive",
                 "send_common", "check_message", "check_receive", "reply_wait_stops", "heap_ref_change",
                 "heap_fault_refill"],
    "lookup": ["cspace_lookup", "cspace_slot", "cspace_page", "lookup_reply"],
    "IPC": ["ipc_send", "ipc_receive", "ipc_receive_after_reply", "ipc_reply", "ipc_reply_keeping_woken",
            "ipc_reply_check", "fault_ipc_check_reply", "fault_ipc_accept_reply", "transfer_check",
            "irq_take_pending", "scheduler_remove", "scheduler_make_ready", "unlink", "enqueue_tail", "enqueue",
            "dequeue", "timeout_remove", "timeout_arm", "await_reply", "complete"],
    "copy": ["deliver", "delivery_result", "set_message_result", "copy_long_message", "copy_message_words"],
    "switch": ["scheduler_wake_and_switch", "schedule", "switch_to", "machine_thread_activate",
               "machine_thread_activate_in_space", "tss_set_kernel_stack", "machine_address_space_activate",
               "machine_switch_context", "switch_context", "highest_ready_priority", "requeue_running",
               "scheduler_finish_switch"],
}


def symbols(elf):
    """(address, name) of every function in `elf`, sorted."""
    out = subprocess.run([TOOLS + "nm", "-n", elf], capture_output=True, text=True, check=True).stdout
    found = []
    for line in out.splitlines():
        parts = line.split()
        if len(parts) == 3 and parts[1] in "tTwW":
            found.append((int(parts[0], 16), parts[2]))
    return found


def disassembly(elf):
    """{function: [(address, instruction text)]} of `elf`."""
    out = subprocess.run([TOOLS + "objdump", "-d", "--no-show-raw-insn", elf], capture_output=True, text=True,
                         check=True).stdout
    functions, current = {}, None
    for line in out.splitlines():
        header = re.match(r"^([0-9a-f]+) <(\S+)>:", line)
        if header:
            current = functions.setdefault(header.group(2), [])
            continue
        insn = re.match(r"^\s+([0-9a-f]+):\s+(.*)$", line)
        if insn and current is not None:
            current.append((int(insn.group(1), 16), insn.group(2).strip()))
    return functions


def round_markers(program):
    """The client's TSC read that starts a round, and the server's that splits it."""
    functions = disassembly(program)
    server = [a for a, text in functions["echo_server"] if text.startswith("rdtsc")]
    for name, code in functions.items():
        for i, (address, text) in enumerate(code):
            # The client's call: eax = SYS_CALL (both timeouts never: bits 8-31 clear) a few instructions
            # before sysenter.
            call = "mov    $0x%x,%%eax" % SYS_CALL
            if text.startswith("sysenter") and any(t.startswith(call) for _, t in code[max(0, i - 8):i]):
                start = [a for a, t in code[:i] if t.startswith("rdtsc")]
                if start and server:
                    return start[-1], server[-1]
    raise SystemExit("trace: cannot find the benchmark's call loop in %s" % program)


def boot_and_log(kernel, log_path, program=PROGRAM, start=START_LOGGING, stop=STOP_LOGGING, modules=()):
    """Boot the benchmark (and any boot modules it takes after itself), logging executed instructions from
    the line that begins with `start` to the one that begins with `stop` (by default: the IPC rounds)."""
    with tempfile.TemporaryDirectory() as scratch:
        monitor_path = os.path.join(scratch, "monitor")
        command = qemu.command(kernel=kernel, modules=[program] + list(modules), icount=True, serial="stdio",
                               monitor="unix:%s,server,nowait" % monitor_path, extra=["-singlestep", "-D", log_path])
        machine = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                   stderr=subprocess.STDOUT)
        monitor = None
        for _ in range(100):
            try:
                monitor = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                monitor.connect(monitor_path)
                break
            except OSError:
                monitor = None
                time.sleep(0.05)
        if monitor is None:
            machine.kill()
            raise SystemExit("trace: could not reach the QEMU monitor")
        rows = []
        for raw in machine.stdout:
            line = raw.decode("utf-8", "replace").strip()
            if line.startswith(start):
                monitor.sendall(b"log exec,nochain\n")
            elif line.startswith(stop):
                monitor.sendall(b"log none\n")
            if line.startswith(("bench ipc.", "bench floor.")):
                rows.append(line)
        machine.wait(timeout=600)
        monitor.close()
        return rows


def executed(log_path):
    """The eip of every instruction in the log, in order."""
    pattern = re.compile(r"^Trace \d+: \S+ \[[0-9a-f]+/([0-9a-f]+)/")
    with open(log_path, errors="replace") as f:
        return [int(m.group(1), 16) for m in map(pattern.match, f) if m]


def part_of(name, handler_reached):
    """The slow path's part a function belongs to (ENTRY_AND_EXIT, SLOW_PATH_PARTS)."""
    base = name.split(".")[0]
    if base in ENTRY_AND_EXIT:
        return "exit" if handler_reached else "entry"
    for part, names in SLOW_PATH_PARTS.items():
        if base in names:
            return part
    return "other"


def print_parts(span, name_of):
    """The span summed by part of the slow path, in the order the parts first run."""
    totals, handler_reached = {}, False
    for eip in span:
        if eip < KERNEL_BASE:
            part = "user"
        else:
            name = name_of(eip)
            handler_reached = handler_reached or name.split(".")[0] not in ENTRY_AND_EXIT
            part = part_of(name, handler_reached)
        totals[part] = totals.get(part, 0) + 1
    print("  by part: " + ", ".join("%s %d" % (part, n) for part, n in totals.items()))


def split_round(round_eips, split, end_reads):
    """(call's one way, reply's one way) of one round, or None: the call ends at the server's TSC read, the
    reply at the client's next one."""
    if split not in round_eips:
        return None
    middle = round_eips.index(split)
    reply_end = next((middle + i for i, eip in enumerate(round_eips[middle:]) if eip in end_reads), None)
    if reply_end is None:
        return None
    return round_eips[:middle], round_eips[middle:reply_end]


def print_span(title, span, name_of, verbose):
    print("%s: %d instructions from one TSC read to the next" % (title, len(span)))
    runs = []
    for eip in span:
        name = name_of(eip)
        if runs and runs[-1][0] == name:
            runs[-1][1] += 1
        else:
            runs.append([name, 1])
    for name, count in runs:
        print("  %-28s %4d" % (name, count))
    if verbose:
        for eip in span:
            print("      %08x %s" % (eip, name_of(eip)))


def parse_arguments(argv):
    """The options (./bursar checks them with this before it builds); a usage message and exit 2 if wrong."""
    parser = argparse.ArgumentParser(prog="./bursar trace", description=__doc__, allow_abbrev=False,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--verbose", action="store_true", help="every instruction's address and function")
    parser.add_argument("--kernel", default=None, help="kernel image (default: the fast-path kernel)")
    parser.add_argument("--slow", action="store_true", help="the slow-path kernel, with each span by part")
    parser.add_argument("--null", action="store_true", help="one floor.null round instead of the IPC rounds")
    options = parser.parse_args(argv)
    if options.kernel is None:
        options.kernel = os.path.join(BUILD, "kernel", "bursar-slowpath.elf" if options.slow else "bursar.elf")
    options.slow = options.slow or "slowpath" in os.path.basename(options.kernel)
    return options


def null_round(eips):
    """The last floor.null round in the log: from a TSC read to the next, around one kernel entry."""
    reads = [i for i, eip in enumerate(eips) if eip in NULL_READS]
    for first, second in reversed(list(zip(reads, reads[1:]))):
        span = eips[first:second]
        if any(eip >= KERNEL_BASE for eip in span):
            return span
    raise SystemExit("trace: the log holds no floor.null round")


NULL_READS = set()


def main_null(options, name_of):
    """--null: one SYS_NULL round, from the TSC read before it to the one after."""
    NULL_READS.update(a for code in disassembly(PROGRAM).values() for a, text in code if text.startswith("rdtsc"))
    with tempfile.TemporaryDirectory() as scratch:
        log_path = os.path.join(scratch, "exec.log")
        print("trace: booting %s with %s, one instruction per block" %
              (os.path.relpath(PROGRAM, qemu.ROOT), os.path.relpath(options.kernel, qemu.ROOT)), flush=True)
        rows = boot_and_log(options.kernel, log_path, start=NULL_START_LOGGING, stop=NULL_STOP_LOGGING)
        span = null_round(executed(log_path))
    for row in rows:
        if row.startswith("bench floor.null "):
            print("benchmark: " + row)
    print_span("floor.null (SYS_NULL, no task), TSC read to TSC read", span, name_of, options.verbose)
    if options.slow:
        print_parts(span, name_of)
    return 0


def main(argv):
    options = parse_arguments(argv)
    verbose, kernel = options.verbose, options.kernel
    table = sorted(symbols(kernel) + symbols(PROGRAM))
    addresses = [a for a, _ in table]

    def name_of(eip):
        i = bisect.bisect_right(addresses, eip) - 1
        return table[i][1] if i >= 0 else "?"

    if options.null:
        return main_null(options, name_of)
    start, split = round_markers(PROGRAM)
    with tempfile.TemporaryDirectory() as scratch:
        log_path = os.path.join(scratch, "exec.log")
        print("trace: booting %s with %s, one instruction per block" %
              (os.path.relpath(PROGRAM, qemu.ROOT), os.path.relpath(kernel, qemu.ROOT)), flush=True)
        rows = boot_and_log(kernel, log_path)
        eips = executed(log_path)
    starts = [i for i, eip in enumerate(eips) if eip == start]
    if len(starts) < 2:
        raise SystemExit("trace: the log holds no complete round (%d instructions logged)" % len(eips))
    client_code = disassembly(PROGRAM)[name_of(start)]
    end_reads = {a for a, text in client_code if text.startswith("rdtsc")} - {start}
    ways = [split_round(eips[a:b], split, end_reads) for a, b in zip(starts, starts[1:])]
    ways = [w for w in ways if w]
    if not ways:
        raise SystemExit("trace: no round holds the server's TSC read and the client's after the reply")
    # The last round of the commonest lengths, the benchmark's median: on the slow path about one
    # round in a hundred takes a branch the others do not (an instruction more).
    usual = collections.Counter((len(c), len(r)) for c, r in ways).most_common(1)[0][0]
    call_way, reply_way = [w for w in ways if (len(w[0]), len(w[1])) == usual][-1]
    for row in rows:
        print("benchmark: " + row)
    print_span("call, one way (client's TSC read to the server's)", call_way, name_of, verbose)
    if options.slow:
        print_parts(call_way, name_of)
    print_span("reply-and-wait, one way (server's TSC read to the client's)", reply_way, name_of, verbose)
    if options.slow:
        print_parts(reply_way, name_of)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
