#!/usr/bin/env python3
"""./bursar bench: where the comparisons are read.

Boots every in-VM benchmark program (bench/vm/*.c, one root task each) on
each kernel under `qemu -icount shift=0`, where the TSC counts guest
instructions, and reports:
  - one table, a group per program with a header saying what it measures,
    the kernels side by side as columns and the production/global ratio;
  - build/bench/bench.json (commit, QEMU version, date, every row and note)
    and build/bench/bench.csv (one line per row and kernel);
  - PNG plots (matplotlib) in build/bench/, and with --docs in docs/images/.
Programs print `bench NAME key=value ...` rows; any row is taken, so a new
program or row needs no change here. `bench: ...` lines are the programs'
notes (a skip and its reason) and become footnotes of the cells they leave
empty. A program may print `bench-about TEXT` to describe its group.

The host micro-benchmarks (build/bench/bench_*) run first, as before.
"""
import argparse
import csv
import datetime
import glob
import json
import os
import shutil
import subprocess
import sys
import time

import qemu

ROOT = qemu.ROOT
BUILD = os.path.join(ROOT, "build")
OUT = os.path.join(BUILD, "bench")
DOCS_IMAGES = os.path.join(ROOT, "docs", "images")
BOOT_TIMEOUT = 900


class Kernel:
    def __init__(self, key, label, image, what):
        self.key, self.label, self.image, self.what = key, label, image, what


KERNELS = [
    Kernel("fast", "fast path", "bursar.elf", "production kernel, IPC fast path on"),
    Kernel("slow", "slow path", "bursar-slowpath.elf", "production kernel, IPC fast path left out"),
    Kernel("global", "global", "bursar-global.elf",
           "baseline: one kernel-wide pool funded at boot instead of per-client heaps (kernel/heap_global.c)"),
]
# The ratio column and the comparison plot: production (fast path) over the global-allocator baseline.
RATIO = ("fast", "global")

# What each program's group measures (a program may say it itself with a `bench-about` line).
ABOUT = {
    "ipc": "IPC between two tasks, register-only messages, and the system-call floors",
    "object": "create and destroy of each object kind, from the root's heap (global: from the pool)",
    "revoke": "revoke against tree size (whole call, and per record), map and unmap per page",
    "heap": "heap faults: one round trip to the bank, and the cost per create amortised by the high watermark",
    "fault": "page faults and exceptions served by a handler thread",
    "transfer": "one-way IPC carrying one typed item",
    "loader": "starting a program in a task of its own (libl4/loader.h): load, destroy, load to exit report",
    "bank": "the space bank server (servers/bank): buy and return frames, a heap fault it serves, destroy",
    "pager": "page faults served by the default pager (servers/pager) with frames from the client's bank",
    "stress": "the longest interrupt-off window the kernel saw over the whole syscall fuzzer run "
              "(test/vm/user/syscall_fuzz.c: 4 seeds of random calls, random CPU state, self-checks)",
}

# Programs that are not bench/vm/*_bench.c but print rows too: short name -> image (build/user/NAME.elf).
OTHER_PROGRAMS = {"stress": "syscall_fuzz"}

# Bursar vs the EROS-style wrapper (servers/wrapper, issue 13): each pair is read as wrapper/Bursar on
# one kernel. The rows are printed by the programs that measure them; a pair whose rows are not
# there yet is listed as such, never drawn.
WRAPPER_PAIRS = [
    # (what, Bursar's row, the wrapper's row, the plain row both are compared with, or None)
    ("a call through revocable authority", "call.revocable", "call.wrapper", "call.plain"),
    ("the delegation cycle: give, invoke once, revoke", "delegation.bursar", "delegation.wrapper", None),
    ("IPC carrying revocable authority, per message", "throughput.revocable-item", "throughput.wrapper-create",
     None),
]
COUNT_KEYS = ("entries", "cr3", "fastpath")
STANDARD_KEYS = ("instructions", "min") + COUNT_KEYS


def program_names():
    """Every in-VM benchmark, by its short name (bench/vm/ipc_bench.c -> ipc): those of ABOUT in its
    order, then any other in alphabetical order."""
    names = []
    for source in sorted(glob.glob(os.path.join(ROOT, "bench", "vm", "*.c"))):
        base = os.path.splitext(os.path.basename(source))[0]
        names.append(base[:-len("_bench")] if base.endswith("_bench") else base)
    names += list(OTHER_PROGRAMS)
    known = list(ABOUT)
    return sorted(names, key=lambda n: (known.index(n) if n in known else len(known), n))


def program_source(name):
    """The program's source file, as the report names it."""
    if name in OTHER_PROGRAMS:
        return "test/vm/user/%s.c" % OTHER_PROGRAMS[name]
    return "bench/vm/%s_bench.c" % name


def program_image(name):
    if name in OTHER_PROGRAMS:
        return os.path.join(BUILD, "user", OTHER_PROGRAMS[name] + ".elf")
    for base in (name + "_bench", name):
        path = os.path.join(BUILD, "user", base + ".elf")
        if os.path.exists(path):
            return path
    return os.path.join(BUILD, "user", name + "_bench.elf")


def parse_value(text):
    try:
        return float(text) if "." in text else int(text)
    except ValueError:
        return None


def parse_output(text):
    """A boot's serial output -> (rows {name: {key: value}}, notes [text], about or None)."""
    rows, notes, about = {}, [], None
    for line in text.splitlines():
        line = line.strip()
        words = line.split()
        if words[:1] == ["bench"] and len(words) >= 3:
            fields = {}
            for word in words[2:]:
                key, equals, value = word.partition("=")
                if equals and parse_value(value) is not None:
                    fields[key] = parse_value(value)
            if fields:
                rows[words[1]] = fields
        elif line.startswith("bench: "):
            notes.append(line[len("bench: "):])
        elif words[:1] == ["bench-about"]:
            about = line[len("bench-about"):].strip()
    return rows, notes, about


# Boot modules a program gets after itself: the programs loader_bench loads; the servers bank_bench,
# wrapper_bench and pager_bench start.
MODULES = {"loader": ["load_plain.elf", "load_nodata.elf"], "bank": ["bank.elf"], "wrapper": ["bank.elf", "wrapper.elf"],
           "pager": ["bank.elf", "pager.elf"]}


def boot(kernel, program, timeout=BOOT_TIMEOUT):
    name = os.path.splitext(os.path.basename(program))[0]
    extra = [os.path.join(BUILD, "user", m) for m in MODULES.get(name[:-len("_bench")] if name.endswith("_bench")
                                                                 else name, [])]
    command = qemu.command(kernel=os.path.join(BUILD, "kernel", kernel.image), modules=[program] + extra,
                           icount=True, serial="stdio")
    try:
        result = subprocess.run(command, stdin=subprocess.DEVNULL, capture_output=True, text=True,
                                timeout=timeout)
        return result.stdout, result.stderr, ""
    except subprocess.TimeoutExpired as expired:
        out = expired.stdout.decode("utf-8", "replace") if isinstance(expired.stdout, bytes) else (expired.stdout or "")
        return out, "", "timed out after %d s" % timeout


def run_programs(programs, kernels):
    """Boot each program on each kernel: {program: {kernel key: (rows, notes)}}, abouts."""
    results, abouts = {}, {}
    total, done = len(programs) * len(kernels), 0
    for name in programs:
        image = program_image(name)
        results[name] = {}
        for kernel in kernels:
            done += 1
            start = time.monotonic()
            stdout, stderr, trouble = boot(kernel, image)
            rows, notes, about = parse_output(stdout)
            if about:
                abouts[name] = about
            if trouble:
                notes.append(trouble)
            if not rows and not notes:
                notes.append("no rows and no reason; its output ends: %r" % (stdout + stderr)[-300:])
            results[name][kernel.key] = (rows, notes)
            print("bench: [%d/%d] %s on the %s kernel: %d rows%s, %.1f s" %
                  (done, total, os.path.basename(image), kernel.label, len(rows),
                   ", %d notes" % len(notes) if notes else "", time.monotonic() - start), flush=True)
    return results, abouts


# ---- the table ----

def format_number(value):
    if value is None:
        return "-"
    if isinstance(value, float):
        return "%.2f" % value
    return str(value)


def ratio(rows_by_kernel, name):
    a = rows_by_kernel.get(RATIO[0], {}).get(name, {}).get("instructions")
    b = rows_by_kernel.get(RATIO[1], {}).get(name, {}).get("instructions")
    return a / b if a is not None and b else None


def row_order(results, name, kernels):
    """Rows in the order the first kernel that has them printed them."""
    order = []
    for kernel in kernels:
        for row in results[name].get(kernel.key, ({}, []))[0]:
            if row not in order and row != "overhead":
                order.append(row)
    return order


def counts_cell(rows_by_kernel, row, kernels):
    """entries, cr3 and fast IPCs of the first kernel with the row; '*' if another kernel's entries or cr3 differ."""
    have = [rows_by_kernel[k.key][row] for k in kernels if row in rows_by_kernel.get(k.key, {})]
    if not have:
        return ["-"] * 3, False
    first = have[0]
    cells = [format_number(first.get(key)) for key in COUNT_KEYS]
    differs = any(other.get(key) != first.get(key) for other in have[1:] for key in ("entries", "cr3"))
    return cells, differs


def extra_cell(rows_by_kernel, row, kernels):
    for kernel in kernels:
        fields = rows_by_kernel.get(kernel.key, {}).get(row)
        if fields:
            return " ".join("%s=%s" % (k, format_number(v)) for k, v in fields.items() if k not in STANDARD_KEYS)
    return ""


def build_table(results, abouts, kernels):
    """Lines of the table, group by group, with the footnotes of each group under it."""
    names = [row for name in results for row in row_order(results, name, kernels)]
    width = max([len("row")] + [len(n) for n in names]) + 2
    has_ratio = all(any(k.key == key for k in kernels) for key in RATIO)
    header = "%-*s" % (width, "row") + "".join("%12s" % k.label for k in kernels)
    if has_ratio:
        header += "%13s" % "fast/global"
    header += "%9s%7s%10s   %s" % ("entries", "cr3", "fast IPCs", "other")
    lines = [header, "-" * len(header)]
    any_differs = False
    for name in results:
        rows_by_kernel = {key: rows for key, (rows, _) in results[name].items()}
        order = row_order(results, name, kernels)
        lines.append("")
        source = program_source(name)
        lines.append("== %s (%s): %s" % (name, source, abouts.get(name) or ABOUT.get(name) or "rows of " + source))
        missing = set()
        for row in order:
            cells = []
            for kernel in kernels:
                value = rows_by_kernel.get(kernel.key, {}).get(row, {}).get("instructions")
                if value is None:
                    missing.add(kernel.key)
                cells.append("%12s" % format_number(value))
            line = "%-*s" % (width, row) + "".join(cells)
            if has_ratio:
                r = ratio(rows_by_kernel, row)
                line += "%13s" % ("%.3f" % r if r is not None else "-")
            counts, differs = counts_cell(rows_by_kernel, row, kernels)
            any_differs |= differs
            line += "%9s%7s%10s" % tuple(counts) + ("*" if differs else " ")
            extra = extra_cell(rows_by_kernel, row, kernels)
            lines.append((line + "  " + extra).rstrip())
        for kernel in kernels:
            rows, notes = results[name].get(kernel.key, ({}, []))
            if kernel.key in missing or not rows:
                for note in notes or ["the program printed no such row on this kernel"]:
                    lines.append("   - on the %s kernel: %s" % (kernel.label, note))
    lines.append("")
    lines.append("- : not measured on that kernel (the footnote under its group says why).")
    if has_ratio:
        lines.append("fast/global: the production kernel's figure over the global-allocator baseline's.")
    lines.append("entries, cr3, fast IPCs: per operation, counted by the kernel (of the first kernel with the row)%s."
                 % ("; * where another kernel's entries or cr3 differ (see bench.json)" if any_differs else ""))
    return lines


def pair_ratio(bursar, wrapper, key):
    b, w = bursar.get(key), wrapper.get(key)
    return w / b if b and w is not None else None


def wrapper_pair_lines(results, kernels):
    """The Bursar-vs-wrapper pairs: for each kernel with both rows, the instructions of each, the ratio
    wrapper/Bursar, and the ratios of kernel entries and CR3 loads; else what is missing."""
    all_rows = {}
    for name in results:
        for key, (rows, _) in results[name].items():
            for row, fields in rows.items():
                all_rows.setdefault(key, {})[row] = fields
    lines = ["", "Bursar vs the wrapper design (servers/wrapper, docs/wrapper.md): wrapper/Bursar on each kernel"]
    for what, bursar, wrapper, plain in WRAPPER_PAIRS:
        cells = []
        for kernel in kernels:
            rows = all_rows.get(kernel.key, {})
            b, w = rows.get(bursar, {}), rows.get(wrapper, {})
            if not (b.get("instructions") and w.get("instructions")):
                continue
            cell = "%s kernel: %s vs %s instructions = %.2fx" % (kernel.label, b["instructions"], w["instructions"],
                                                                  w["instructions"] / b["instructions"])
            for key, label in (("entries", "kernel entries"), ("cr3", "CR3 loads")):
                r = pair_ratio(b, w, key)
                if r is not None:
                    cell += "; %s %s vs %s = %.2fx" % (label, format_number(b[key]), format_number(w[key]), r)
            p = rows.get(plain, {}).get("instructions") if plain else None
            if p:
                cell += "; plain %s, Bursar/plain %.3f" % (p, b["instructions"] / p)
            cells.append(cell)
        lines.append("  %s (%s vs %s):" % (what, bursar, wrapper))
        lines += ["    " + c for c in cells] or ["    not measured (no kernel printed both rows)"]
    return lines


# ---- files ----

def git_commit():
    try:
        commit = subprocess.run(["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=ROOT,
                               capture_output=True, text=True).stdout.strip() != ""
        return commit or None, dirty
    except OSError:
        return None, None


def qemu_version():
    try:
        out = subprocess.run(["qemu-system-i386", "--version"], capture_output=True, text=True).stdout
        return out.splitlines()[0].strip() if out else None
    except OSError:
        return None


def write_files(results, abouts, kernels, table):
    os.makedirs(OUT, exist_ok=True)
    commit, dirty = git_commit()
    document = {
        "commit": commit, "dirty": dirty, "qemu": qemu_version(),
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "mode": "qemu -icount shift=0", "unit": "guest instructions",
        "kernels": [{"key": k.key, "label": k.label, "image": "build/kernel/" + k.image, "what": k.what}
                    for k in kernels],
        "rows": [], "notes": [],
        "groups": {name: abouts.get(name) or ABOUT.get(name, "") for name in results},
    }
    for name in results:
        for kernel in kernels:
            rows, notes = results[name].get(kernel.key, ({}, []))
            for row, fields in rows.items():
                document["rows"].append(dict(fields, program=name, name=row, kernel=kernel.key))
            for note in notes:
                document["notes"].append({"program": name, "kernel": kernel.key, "text": note})
    with open(os.path.join(OUT, "bench.json"), "w") as f:
        json.dump(document, f, indent=2)
    keys = []
    for row in document["rows"]:
        keys += [k for k in row if k not in keys and k not in ("program", "name", "kernel")]
    with open(os.path.join(OUT, "bench.csv"), "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["program", "row", "kernel"] + keys)
        for row in document["rows"]:
            writer.writerow([row["program"], row["name"], row["kernel"]] + [row.get(k, "") for k in keys])
    with open(os.path.join(OUT, "table.txt"), "w") as f:
        f.write("commit %s%s, %s, %s\n\n" % (commit, " (with uncommitted changes)" if dirty else "",
                                            document["qemu"], document["date"]))
        f.write("\n".join(table) + "\n")
    return document


def parse_arguments(argv):
    """./bursar bench's options; argparse prints the usage and exits 2 on anything unknown."""
    names = program_names()
    parser = argparse.ArgumentParser(
        prog="./bursar bench", description="Boot the benchmarks on each kernel and report them side by side.",
        epilog="programs: %s (and host, the host micro-benchmarks); kernels: %s" %
               (", ".join(names), ", ".join(k.key for k in KERNELS)))
    parser.add_argument("--only", metavar="LIST", help="comma-separated programs (and/or host) to run")
    parser.add_argument("--kernels", metavar="LIST", default=",".join(k.key for k in KERNELS),
                        help="comma-separated kernels to boot (default: all)")
    parser.add_argument("--no-plots", action="store_true", help="write no PNG plots")
    parser.add_argument("--docs", action="store_true", help="also copy the plots to docs/images/")
    args = parser.parse_args(argv)
    wanted = args.only.split(",") if args.only else names + ["host"]
    unknown = [w for w in wanted if w not in names + ["host"]]
    if unknown:
        parser.error("unknown program(s) %s; choose from %s" % (", ".join(unknown), ", ".join(names + ["host"])))
    kernel_keys = args.kernels.split(",")
    unknown = [k for k in kernel_keys if k not in [kernel.key for kernel in KERNELS]]
    if unknown:
        parser.error("unknown kernel(s) %s; choose from %s" % (", ".join(unknown),
                                                               ", ".join(k.key for k in KERNELS)))
    args.programs = [n for n in names if n in wanted]
    args.host = "host" in wanted
    args.kernel_list = [k for k in KERNELS if k.key in kernel_keys]
    return args


def run(args):
    kernels = args.kernel_list
    if args.host:
        for program in sorted(p for p in glob.glob(os.path.join(OUT, "bench_*"))
                              if os.access(p, os.X_OK) and not p.endswith(".o") and os.path.isfile(p)):
            print("== %s" % os.path.relpath(program, ROOT), flush=True)
            subprocess.call([program])
    programs = args.programs
    if not programs:
        return 0
    print("== in-VM benchmarks under qemu -icount shift=0 (figures are guest instructions); kernels: %s" %
          "; ".join("%s = build/kernel/%s" % (k.label, k.image) for k in kernels), flush=True)
    results, abouts = run_programs(programs, kernels)
    table = build_table(results, abouts, kernels) + wrapper_pair_lines(results, kernels)
    print("\n".join(table))
    document = write_files(results, abouts, kernels, table)
    print("\nrows written to build/bench/bench.json, bench.csv and table.txt (commit %s, %s, %s)" %
          ((document["commit"] or "?")[:12], document["qemu"], document["date"]))
    if not args.no_plots:
        import bench_plots
        written = bench_plots.plot_all(document, OUT)
        if args.docs:
            os.makedirs(DOCS_IMAGES, exist_ok=True)
            for path in written:
                shutil.copy(path, DOCS_IMAGES)
        print("plots: %s%s" % (", ".join(os.path.relpath(p, ROOT) for p in written) or "none",
                               " (copied to docs/images/)" if args.docs and written else ""))
    return 0


if __name__ == "__main__":
    sys.exit(run(parse_arguments(sys.argv[1:])))
