#!/usr/bin/env python3
"""Write boot modules the kernel must refuse, from a good ELF program:

  make_bad_modules.py GOOD.elf OUTDIR

  truncated.elf      the first 200 bytes of GOOD (program headers cut off)
  not-an-elf.bin     text, no ELF header
  kernel-space.elf   GOOD with its first segment moved into the kernel half
  overlapping.elf    GOOD with its second segment moved onto the first's page
  entry-in-data.elf  GOOD with its entry point in its (writable, not executable) data
  entry-nowhere.elf  GOOD with its entry point in no segment
  over-the-stack.elf GOOD with its data moved where a loaded program's stack goes
                     (lib/elf.c accepts it; the loader must not)
"""
import os
import struct
import sys

PROGRAM_HEADER = struct.Struct("<IIIIIIII")   # type offset vaddr paddr filesz memsz flags align


def program_headers(image):
    phoff, = struct.unpack_from("<I", image, 28)
    phentsize, phnum = struct.unpack_from("<HH", image, 42)
    return [(phoff + i * phentsize) for i in range(phnum)]


def with_segment(image, index, vaddr):
    """A copy of image with PT_LOAD number `index` at vaddr (offset kept congruent)."""
    image = bytearray(image)
    loads = [at for at in program_headers(image) if PROGRAM_HEADER.unpack_from(image, at)[0] == 1]
    fields = list(PROGRAM_HEADER.unpack_from(image, loads[index]))
    fields[2] = fields[3] = vaddr | (fields[1] & 0xfff)
    PROGRAM_HEADER.pack_into(image, loads[index], *fields)
    return bytes(image)


def with_entry(image, entry):
    image = bytearray(image)
    struct.pack_into("<I", image, 24, entry)
    return bytes(image)


def segment_vaddr(image, index):
    loads = [at for at in program_headers(image) if PROGRAM_HEADER.unpack_from(image, at)[0] == 1]
    return PROGRAM_HEADER.unpack_from(image, loads[index])[2]


def main():
    good, out = sys.argv[1], sys.argv[2]
    image = open(good, "rb").read()
    os.makedirs(out, exist_ok=True)
    first_vaddr = PROGRAM_HEADER.unpack_from(image, program_headers(image)[0])[2] & ~0xfff
    files = {
        "truncated.elf": image[:200],
        "not-an-elf.bin": b"this is not a program\n" * 50,
        "kernel-space.elf": with_segment(image, 0, 0xC0100000),
        "overlapping.elf": with_segment(image, 1, first_vaddr),
        "entry-in-data.elf": with_entry(image, segment_vaddr(image, 1)),
        "entry-nowhere.elf": with_entry(image, 0x00100000),
        "over-the-stack.elf": with_segment(image, 1, 0xBFFFC000),
    }
    for name, data in files.items():
        with open(os.path.join(out, name), "wb") as f:
            f.write(data)


if __name__ == "__main__":
    main()
