#!/usr/bin/env python3
"""./bursar trace: where the instructions of one fast-path IPC go.

Boots the IPC benchmark (bench/vm/ipc_bench.c) on the fast-path kernel
under `-icount shift=0`, one guest instruction per translation block, and
has QEMU log every instruction executed (`-d exec,nochain`) while the
call/reply rounds run: logging is switched on through the QEMU monitor when
the benchmark prints the row before them and off at the row after. It then
takes the last complete round from the log and prints, for the call's one
way and the reply's, the instructions each function executed, in order,
from one TSC read to the next. The benchmark's rows are the same spans less
the two instructions of a back-to-back TSC read.

Options: --verbose prints every instruction's address and function;
--kernel PATH traces another kernel image.
"""
import argparse
import bisect
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
            if line.startswith("bench ipc."):
                rows.append(line)
        machine.wait(timeout=600)
        monitor.close()
        return rows


def executed(log_path):
    """The eip of every instruction in the log, in order."""
    pattern = re.compile(r"^Trace \d+: \S+ \[[0-9a-f]+/([0-9a-f]+)/")
    with open(log_path, errors="replace") as f:
        return [int(m.group(1), 16) for m in map(pattern.match, f) if m]


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
    parser.add_argument("--kernel", default=os.path.join(BUILD, "kernel", "bursar.elf"), help="kernel image")
    return parser.parse_args(argv)


def main(argv):
    options = parse_arguments(argv)
    verbose, kernel = options.verbose, options.kernel
    table = sorted(symbols(kernel) + symbols(PROGRAM))
    addresses = [a for a, _ in table]

    def name_of(eip):
        i = bisect.bisect_right(addresses, eip) - 1
        return table[i][1] if i >= 0 else "?"

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
    last_round = eips[starts[-2]:starts[-1]]
    if split not in last_round:
        raise SystemExit("trace: the round holds no server TSC read")
    middle = last_round.index(split)
    call_way = last_round[:middle]
    # The reply's one way ends at the client's next TSC read, the one after its call.
    client_code = disassembly(PROGRAM)[name_of(start)]
    end_reads = {a for a, text in client_code if text.startswith("rdtsc")} - {start}
    reply_end = next((middle + i for i, eip in enumerate(last_round[middle:]) if eip in end_reads), None)
    if reply_end is None:
        raise SystemExit("trace: the round holds no client TSC read after the reply")
    reply_way = last_round[middle:reply_end]
    for row in rows:
        print("benchmark: " + row)
    print_span("call, one way (client's TSC read to the server's)", call_way, name_of, verbose)
    print_span("reply-and-wait, one way (server's TSC read to the client's)", reply_way, name_of, verbose)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
