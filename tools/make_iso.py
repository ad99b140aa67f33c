#!/usr/bin/env python3
"""Build a bootable GRUB (BIOS) ISO: make_iso.py OUTPUT.iso KERNEL.elf [MODULE ...]

The GRUB menu boots the kernel at once with each module passed by name,
serial console on COM1, so the ISO boots to the same log as `-kernel`.
"""
import os
import shutil
import subprocess
import sys
import tempfile

GRUB_CFG = """\
serial --unit=0 --speed=115200
terminal_input serial console
terminal_output serial console
set timeout=0
set default=0
menuentry "Bursar" {{
    multiboot /boot/{kernel}
{modules}    boot
}}
"""


def main():
    output, kernel, modules = sys.argv[1], sys.argv[2], sys.argv[3:]
    with tempfile.TemporaryDirectory() as root:
        boot = os.path.join(root, "boot")
        os.makedirs(os.path.join(boot, "grub"))
        shutil.copy(kernel, os.path.join(boot, os.path.basename(kernel)))
        lines = ""
        for module in modules:
            name = os.path.basename(module)
            shutil.copy(module, os.path.join(boot, name))
            lines += "    module /boot/%s %s\n" % (name, name)
        with open(os.path.join(boot, "grub", "grub.cfg"), "w") as f:
            f.write(GRUB_CFG.format(kernel=os.path.basename(kernel), modules=lines))
        result = subprocess.run(["grub-mkrescue", "-o", output, root], capture_output=True, text=True)
        if result.returncode != 0:
            sys.stderr.write(result.stdout + result.stderr)
            sys.exit(result.returncode)


if __name__ == "__main__":
    main()
