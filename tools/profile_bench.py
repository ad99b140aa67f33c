#!/usr/bin/env python3
"""Where two kernels' instructions differ, function by function.

Boots one in-VM benchmark program on each kernel named, the way
`./bursar trace` does (`-icount shift=0`, one instruction per translation
block, QEMU logging every instruction executed, switched on through the
monitor), from the serial line that begins with START to the one that
begins with STOP. Prints the instructions each function executed in that
stretch on each kernel, largest difference first: how the production
kernel's figures and the global-allocator baseline's were told apart
(docs/benchmarks.md, "The last comparison").

    /usr/bin/python3 tools/profile_bench.py object "bench overhead" "bench object.endpoint.create"

The stretch holds whatever the program did between the two lines (warm-up
rounds and untimed clean-up too): divide by its rounds. Run ./bursar build
first. Options: --kernels fast,global (the default); --rows N (default 25).
"""
import argparse
import bisect
import collections
import os
import sys
import tempfile

import bench_report
import trace_ipc


KERNEL_BASE = 0xC0000000


def profile(kernel, program, start, stop, modules=()):
    """{function: instructions executed} between the two lines, and the total. With boot modules (other
    programs, all linked at the same addresses) user code cannot be told apart by address: it is one row."""
    table = sorted(trace_ipc.symbols(kernel) + ([] if modules else trace_ipc.symbols(program)))
    addresses = [a for a, _ in table]
    counts = collections.Counter()
    with tempfile.TemporaryDirectory() as scratch:
        log_path = os.path.join(scratch, "exec.log")
        trace_ipc.boot_and_log(kernel, log_path, program=program, start=start, stop=stop, modules=modules)
        for eip in trace_ipc.executed(log_path):
            if modules and eip < KERNEL_BASE:
                counts["(user code, every task)"] += 1
                continue
            i = bisect.bisect_right(addresses, eip) - 1
            counts[table[i][1] if i >= 0 else "?"] += 1
    return counts


def main(argv):
    parser = argparse.ArgumentParser(prog="tools/profile_bench.py", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("program", help="a benchmark's short name (ipc, object, revoke, ...)")
    parser.add_argument("start", help="logging starts at the serial line that begins with this")
    parser.add_argument("stop", help="and stops at the one that begins with this")
    parser.add_argument("--kernels", default="fast,global")
    parser.add_argument("--rows", type=int, default=25)
    args = parser.parse_args(argv)
    kernels = {k.key: k for k in bench_report.KERNELS}
    wanted = args.kernels.split(",")
    if any(k not in kernels for k in wanted):
        parser.error("kernels are %s" % ", ".join(kernels))
    program = bench_report.program_image(args.program)
    if not os.path.exists(program):
        parser.error("no %s (build first, or check the name)" % program)
    profiles = {}
    for key in wanted:
        path = os.path.join(bench_report.BUILD, "kernel", kernels[key].image)
        print("profile: %s on the %s kernel" % (os.path.basename(program), kernels[key].label), flush=True)
        profiles[key] = profile(path, program, args.start, args.stop,
                                [os.path.join(bench_report.BUILD, "user", m)
                                 for m in bench_report.MODULES.get(args.program, [])])
    names = set().union(*profiles.values())
    first = wanted[0]

    def difference(name):
        if len(wanted) == 1:        # one kernel: largest first
            return profiles[first][name]
        return max(abs(profiles[first][name] - profiles[k][name]) for k in wanted)

    print("%-36s" % "function" + "".join("%14s" % kernels[k].label for k in wanted))
    print("%-36s" % "(all)" + "".join("%14d" % sum(profiles[k].values()) for k in wanted))
    for name in sorted(names, key=lambda n: (-difference(n), n))[:args.rows]:
        print("%-36s" % name + "".join("%14d" % profiles[k][name] for k in wanted))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
