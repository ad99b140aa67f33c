#!/usr/bin/env python3
"""The parts of ./bursar that start QEMU or read results: run, gdb, bench,
and the check of every command's options (./bursar runs it before it builds
anything, so a misspelt option is refused at once).
./bursar has already installed packages and built what these need."""
import argparse
import os
import subprocess
import sys

import qemu

ROOT = qemu.ROOT
BUILD = os.path.join(ROOT, "build")
DEMO_KERNEL = os.path.join(BUILD, "kernel", "bursar.elf")
DEMO_ROOT_TASK = os.path.join(BUILD, "user", "demo.elf")
DEMO_ISO = os.path.join(BUILD, "iso", "bursar.iso")
INIT = os.path.join(BUILD, "user", "init.elf")
BANK = os.path.join(BUILD, "user", "bank.elf")      # the space bank init starts first (docs/bank.md)
PAGER = os.path.join(BUILD, "user", "pager.elf")    # the default pager (docs/pager.md)


def system_programs(description):
    """The image files a system description names: (program, file) for each
    `program NAME [file FILE]` line, in order (docs/system.md). Only enough
    of the format to find them; init itself checks the whole file."""
    programs = []
    with open(description, errors="replace") as f:
        for line in f:
            words = line.split("#", 1)[0].split()
            if len(words) < 2 or words[0] != "program":
                continue
            options = words[2:words.index("args")] if "args" in words else words[2:]
            image = words[1] + ".elf"
            if "file" in options and options.index("file") + 1 < len(options):
                image = options[options.index("file") + 1]
            programs.append((words[1], image))
    return programs


def system_modules(description, quiet=False):
    """init, the description, the space bank and the pager, then each image
    it names that the build made (build/user/FILE); a missing one is left out
    for init to report."""
    modules, seen = [INIT, os.path.abspath(description), BANK, PAGER], set()
    for program, image in system_programs(description):
        path = os.path.join(BUILD, "user", image)
        if image in seen:
            continue
        seen.add(image)
        if os.path.exists(path):
            modules.append(path)
        elif not quiet:
            print("bursar: %s: program %s: no %s was built (init will report it)" %
                  (description, program, os.path.relpath(path, ROOT)))
    return modules


def boot_plan(args):
    """(kernel, modules, iso) for `run`/`gdb`: the demo, or init with a system."""
    if not args.system:
        return DEMO_KERNEL, [DEMO_ROOT_TASK, BANK, PAGER], DEMO_ISO
    modules = system_modules(args.system)
    name = os.path.splitext(os.path.basename(args.system))[0]
    return DEMO_KERNEL, modules, os.path.join(BUILD, "iso", "system-%s.iso" % name)


def make_iso(iso, kernel, modules):
    """A GRUB ISO booting kernel with modules (tools/make_iso.py)."""
    os.makedirs(os.path.dirname(iso), exist_ok=True)
    subprocess.check_call([sys.executable, os.path.join(ROOT, "tools", "make_iso.py"), iso, kernel] + modules)


def run(args):
    """Boot the demo, or a system (--system), with the serial console on this terminal."""
    kernel, modules, iso = boot_plan(args)
    if args.iso and args.system:
        make_iso(iso, kernel, modules)
    what = "the demo" if not args.system else "init with %s" % os.path.relpath(args.system, ROOT)
    print("bursar: booting %s from %s under QEMU (accelerator: %s); Ctrl-A X quits" %
          (what, os.path.relpath(iso if args.iso else kernel, ROOT), qemu.accelerator()), flush=True)
    command = qemu.command(kernel=None if args.iso else kernel, iso=iso if args.iso else None,
                           modules=[] if args.iso else modules, serial="mon:stdio")
    status = subprocess.call(command)
    expected = qemu.exit_status(qemu.protocol()["EXIT_SUCCESS"])
    if status == expected:
        print("bursar: the system powered off")
        return 0
    print("bursar: QEMU exited with status %d" % status)
    return status


def iso(args):
    """Write the ISO of a system (scons has built the demo's)."""
    kernel, modules, image = boot_plan(args)
    if not args.system:
        print("bursar: %s (boot it with ./bursar run --iso)" % os.path.relpath(image, ROOT))
        return 0
    make_iso(image, kernel, modules)
    print("bursar: %s (boot it with ./bursar run --iso%s)" %
          (os.path.relpath(image, ROOT), " --system " + args.system if args.system else ""))
    return 0


def gdb(args):
    """QEMU waits at the first instruction (the BIOS reset vector); gdb attaches with the kernel's symbols."""
    kernel, modules, _ = boot_plan(args)
    command = qemu.command(kernel=kernel, modules=modules, gdb=True,
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


def bench(args):
    """The comparison: every benchmark on every kernel, side by side (tools/bench_report.py)."""
    import bench_report
    return bench_report.run(args)


def option_parsers():
    """One parser per command of ./bursar, so that every command refuses what it does not know."""
    def parser(command, description):
        return argparse.ArgumentParser(prog="./bursar " + command, description=description, allow_abbrev=False)

    def system_option(p):
        p.add_argument("--system", metavar="FILE", help="boot init with this system description "
                       "(docs/system.md) and the programs it names, instead of the demo")
        return p

    run_parser = system_option(parser("run", "Build, then boot the demo (or a system) under QEMU."))
    run_parser.add_argument("--iso", action="store_true", help="boot from the GRUB ISO instead of -kernel")
    return {
        "run": run_parser,
        "gdb": system_option(parser("gdb", "QEMU stopped at its first instruction, gdb attached.")),
        "iso": system_option(parser("iso", "Build the bootable GRUB ISO (build/iso/).")),
        "build": parser("build", "Build everything, run nothing."),
    }


def check(command, argv):
    """Parse a command's options; argparse prints the usage and exits 2 when they are wrong."""
    if command == "test":
        import run_all
        return run_all.parse_arguments(argv)
    if command == "trace":
        import trace_ipc
        return trace_ipc.parse_arguments(argv)
    if command == "bench":
        import bench_report
        return bench_report.parse_arguments(argv)
    args = option_parsers()[command].parse_args(argv)
    if getattr(args, "system", None) and not os.path.isfile(args.system):
        option_parsers()[command].error("--system %s: no such file" % args.system)
    return args


COMMANDS = {"run": run, "gdb": gdb, "bench": bench, "iso": iso}

if __name__ == "__main__":
    if len(sys.argv) >= 3 and sys.argv[1] == "check":
        check(sys.argv[2], sys.argv[3:])
        sys.exit(0)
    if len(sys.argv) < 2 or sys.argv[1] not in COMMANDS:
        sys.exit("usage: tools/bursar.py run|gdb|bench|iso [options], or check COMMAND [options]")
    sys.exit(COMMANDS[sys.argv[1]](check(sys.argv[1], sys.argv[2:])))
