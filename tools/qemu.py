"""How Bursar starts QEMU: one place for the machine, the devices and the
accelerator, used by `./bursar run`, `./bursar gdb`, the test harness and
the benchmarks."""
import os
import re

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PROTOCOL_HEADER = os.path.join(ROOT, "include", "bursar", "console_protocol.h")
MEMORY_MB = 128


def protocol():
    """The #defines of include/bursar/console_protocol.h as a dict: the kernel's
    test code and the harness read the same file."""
    values = {}
    with open(PROTOCOL_HEADER) as f:
        for line in f:
            m = re.match(r'#define\s+BURSAR_(\w+)\s+("([^"]*)"|(0x[0-9a-fA-F]+|\d+))', line)
            if m:
                values[m.group(1)] = m.group(3) if m.group(3) is not None else int(m.group(4), 0)
    return values


def exit_status(code):
    """QEMU's exit status for a write of `code` to isa-debug-exit."""
    return (code << 1) | 1


def accelerator():
    """TCG unless asked otherwise. /dev/kvm on these machines cannot run a
    32-bit paged guest, so its presence alone never selects KVM."""
    wanted = os.environ.get("BURSAR_ACCEL", "tcg")
    if wanted not in ("tcg", "kvm"):
        raise SystemExit("BURSAR_ACCEL must be tcg or kvm, not %r" % wanted)
    return wanted


def command(kernel=None, modules=(), iso=None, icount=False, gdb=False, log=None,
            serial="stdio", monitor="none", extra=()):
    """The qemu-system-i386 command line for one boot (`monitor`: QEMU's -monitor, none by default)."""
    protocol_values = protocol()
    args = ["qemu-system-i386", "-m", str(MEMORY_MB), "-display", "none", "-no-reboot",
            "-serial", serial, "-monitor", monitor,
            "-device", "isa-debug-exit,iobase=0x%x,iosize=0x04" % protocol_values["DEBUG_EXIT_PORT"],
            "-accel", accelerator()]
    if iso:
        args += ["-cdrom", iso, "-boot", "d"]
    else:
        args += ["-kernel", kernel]
        if modules:
            args += ["-initrd", ",".join(modules)]
    if icount:
        args += ["-icount", "shift=0"]
    if gdb:
        args += ["-S", "-gdb", "tcp::1234"]
    if log:
        args += ["-d", "cpu_reset,guest_errors", "-D", log]
    return args + list(extra)
