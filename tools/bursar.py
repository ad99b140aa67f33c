#!/usr/bin/env python3
"""The parts of ./bursar that start QEMU or read results: run, gdb, bench.
./bursar has already installed packages and built what these need."""
import glob
import json
import os
import subprocess
import sys

import qemu

ROOT = qemu.ROOT
BUILD = os.path.join(ROOT, "build")
DEMO_KERNEL = os.path.join(BUILD, "kernel", "bursar.elf")
DEMO_ROOT_TASK = os.path.join(BUILD, "user", "demo.elf")
DEMO_ISO = os.path.join(BUILD, "iso", "bursar.iso")


def run(args):
    """Boot the demo with the serial console on this terminal."""
    use_iso = "--iso" in args
    print("bursar: booting %s under QEMU (accelerator: %s); Ctrl-A X quits" %
          (os.path.relpath(DEMO_ISO if use_iso else DEMO_KERNEL, ROOT), qemu.accelerator()), flush=True)
    command = qemu.command(kernel=None if use_iso else DEMO_KERNEL, iso=DEMO_ISO if use_iso else None,
                           modules=[] if use_iso else [DEMO_ROOT_TASK], serial="mon:stdio")
    status = subprocess.call(command)
    expected = qemu.exit_status(qemu.protocol()["EXIT_SUCCESS"])
    if status == expected:
        print("bursar: the system powered off")
        return 0
    print("bursar: QEMU exited with status %d" % status)
    return status


def gdb(_args):
    """QEMU waits at the first instruction (the BIOS reset vector); gdb attaches with the kernel's symbols."""
    command = qemu.command(kernel=DEMO_KERNEL, modules=[DEMO_ROOT_TASK], gdb=True,
                           serial="file:" + os.path.join(BUILD, "gdb-serial.log"))
    print("bursar: QEMU is stopped at its first instruction; serial output goes to build/gdb-serial.log")
    print("bursar: try 'break kernel_main' then 'continue'")
    machine = subprocess.Popen(command)
    try:
        return subprocess.call(["gdb", "-q", DEMO_KERNEL, "-ex", "set architecture i386",
                                "-ex", "target remote localhost:1234"])
    finally:
        machine.kill()
        machine.wait()


# The in-VM benchmark runs on both kernels; rows are named by path and direction.
BENCH_KERNELS = [("fast path", "bursar.elf"), ("slow path", "bursar-slowpath.elf")]
BENCH_PROGRAMS = [os.path.join(BUILD, "user", p)
                  for p in ("ipc_bench.elf", "heap_bench.elf", "revoke_bench.elf", "fault_bench.elf",
                            "transfer_bench.elf")]


def parse_bench_line(line):
    """'bench NAME key=value ...' -> (NAME, {key: value}), or None."""
    words = line.split()
    if len(words) < 3 or words[0] != "bench":
        return None
    fields = {}
    for word in words[2:]:
        if "=" in word:
            key, value = word.split("=", 1)
            try:
                fields[key] = float(value) if "." in value else int(value)
            except ValueError:
                pass
    return words[1], fields


def run_vm_bench(label, kernel, program):
    """Boot a benchmark under -icount shift=0 (TSC = guest instructions); its rows."""
    command = qemu.command(kernel=os.path.join(BUILD, "kernel", kernel), modules=[program],
                           icount=True, serial="stdio")
    result = subprocess.run(command, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=600)
    output = result.stdout
    rows = []
    for line in output.splitlines():
        parsed = parse_bench_line(line.strip())
        if parsed:
            name, fields = parsed
            rows.append(dict(fields, name=name, kernel=label))
    if not rows:   # say why, rather than print an empty table
        print("bench: %s on the %s kernel gave no rows; its output ends:" % (os.path.basename(program), label))
        print((output + result.stderr)[-2000:])
    return rows


def print_bench_table(rows):
    print("%-34s %-10s %12s %9s %6s %9s" % ("row", "kernel", "instructions", "entries", "cr3", "fast path"))
    for row in rows:
        if row["name"] == "overhead":
            continue
        print("%-34s %-10s %12s %9s %6s %9s" % (row["name"], row["kernel"], row.get("instructions"),
                                                row.get("entries"), row.get("cr3"), row.get("fastpath")))


def bench(_args):
    """The host micro-benchmarks, then the in-VM IPC benchmark on both kernels."""
    programs = sorted(p for p in glob.glob(os.path.join(BUILD, "bench", "bench_*"))
                      if os.access(p, os.X_OK) and not p.endswith(".o"))
    for program in programs:
        print("== %s" % os.path.relpath(program, ROOT), flush=True)
        subprocess.call([program])
    print("== in-VM IPC benchmark, qemu -icount shift=0 (figures are guest instructions)", flush=True)
    rows = []
    for program in BENCH_PROGRAMS:
        for label, kernel in BENCH_KERNELS:
            rows += run_vm_bench(label, kernel, program)
    print_bench_table(rows)
    os.makedirs(os.path.join(BUILD, "bench"), exist_ok=True)
    path = os.path.join(BUILD, "bench", "ipc.json")
    with open(path, "w") as f:
        json.dump({"mode": "qemu -icount shift=0", "unit": "guest instructions", "rows": rows}, f, indent=2)
    print("rows written to %s" % os.path.relpath(path, ROOT))
    return 0


COMMANDS = {"run": run, "gdb": gdb, "bench": bench}

if __name__ == "__main__":
    if len(sys.argv) < 2 or sys.argv[1] not in COMMANDS:
        sys.exit("usage: tools/bursar.py run|gdb|bench")
    sys.exit(COMMANDS[sys.argv[1]](sys.argv[2:]))
