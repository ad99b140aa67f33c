"""Facts the build (SConstruct) and the run tools (trace_ipc.py) share, each
kept once: which cross toolchain to use, and the ABI numbers the tools need
from include/bursar/, read from the headers themselves."""
import os
import re
import shutil

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# Preferred first: a bare-metal i686-elf toolchain, else Debian's cross compiler.
CROSS_PREFIXES = ("i686-elf-", "i686-linux-gnu-")


def cross_prefix(wanted=None):
    """The prefix of the i686 cross toolchain (gcc, nm, objdump): `wanted` if given, else the first of
    CROSS_PREFIXES whose gcc is installed; None when there is none."""
    if wanted:
        return wanted
    for prefix in CROSS_PREFIXES:
        if shutil.which(prefix + "gcc"):
            return prefix
    return None


def syscall_numbers():
    """{name: number} of enum bursar_syscall in include/bursar/syscall.h."""
    with open(os.path.join(ROOT, "include", "bursar", "syscall.h")) as f:
        text = f.read()
    body = re.search(r"enum bursar_syscall \{(.*?)\};", text, re.S).group(1)
    return {m.group(1): int(m.group(2), 0) for m in re.finditer(r"\b(SYS_\w+)\s*=\s*(0x[0-9a-fA-F]+|\d+)", body)}
