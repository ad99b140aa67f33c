#!/usr/bin/env python3
"""The parts of ./bursar that start QEMU or read results: run, gdb, bench.
./bursar has already installed packages and built what these need."""
import glob
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


def bench(_args):
    """Every benchmark program; each prints its own table."""
    programs = sorted(p for p in glob.glob(os.path.join(BUILD, "bench", "bench_*"))
                      if os.access(p, os.X_OK) and not p.endswith(".o"))
    for program in programs:
        print("== %s" % os.path.relpath(program, ROOT), flush=True)
        subprocess.call([program])
    return 0


COMMANDS = {"run": run, "gdb": gdb, "bench": bench}

if __name__ == "__main__":
    if len(sys.argv) < 2 or sys.argv[1] not in COMMANDS:
        sys.exit("usage: tools/bursar.py run|gdb|bench")
    sys.exit(COMMANDS[sys.argv[1]](sys.argv[2:]))
