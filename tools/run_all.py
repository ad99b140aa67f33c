#!/usr/bin/env python3
"""`./bursar test`: every test Bursar has, one line each, then the summary
line `N passed, N failed`. Exits non-zero on any failure.

Groups, in order:
  host      the cmocka programs under build/host/ (ASan + UBSan)
  harness   the harness's own log reading, on made-up logs; the interface
            compiler (tools/idl.py) on malformed files (test/idl/)
  house     the dependency rule, that every cited path, file and function
            exists, and no test code in a production kernel (tools/house_check.py),
            each also on made-up trees with a deliberate violation
  fuzz      a short fixed libFuzzer run of each target under build/fuzz/
  model     the Spin model of the reclaim protocol (model/reclaim.pml):
            each property of today's protocol, and each old behaviour caught
  vm        the in-VM test image booted with -kernel, and again from its ISO
  selftest  images that must fail (panic, kernel page fault, triple fault,
            hang): each passes only if the harness reports exactly that
            failure and the log carries the kernel's diagnosis

Options: --only GROUP[,GROUP] runs some groups; --fuzz-runs N sets the fuzz
run length (long runs: see docs/testing.md); --long-fuzz [CALLS] makes the
system-call fuzzer's run long (CALLS per seed, four seeds; default 250 000:
a million calls); -v echoes the serial logs.
"""
import argparse
import glob
import os
import re
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
TEST = os.path.join(ROOT, "test")

import harness  # noqa: E402
import house_check  # noqa: E402
from model_check import run_model  # noqa: E402

BUILD = os.path.join(ROOT, "build")
VM_TIMEOUT = 300
LONG_FUZZ_CALLS = 250000     # per seed, with --long-fuzz: four seeds make a million system calls
HANG_TIMEOUT = 8


class Tally:
    def __init__(self):
        self.passed = 0
        self.failed = 0

    def record(self, ok, name, reason=""):
        if ok:
            self.passed += 1
            print("ok      %s" % name, flush=True)
        else:
            self.failed += 1
            print("not ok  %s - %s" % (name, reason), flush=True)


def relative(path):
    return os.path.relpath(path, ROOT)


def run_host_program(tally, program):
    """One cmocka program; its TAP output gives one line per test."""
    name = os.path.basename(program)
    env = dict(os.environ, CMOCKA_MESSAGE_OUTPUT="tap")
    result = subprocess.run([program], cwd=ROOT, env=env, capture_output=True, text=True)
    planned, seen = None, 0
    for line in result.stdout.splitlines():
        if line.startswith("1.."):
            planned = int(line[3:])
        elif line.startswith("ok ") or line.startswith("not ok "):
            ok = line.startswith("ok ")
            test = line.split(" - ", 1)[1] if " - " in line else line
            seen += 1
            tally.record(ok, "host/%s/%s" % (name, test.split(" ")[0]), "see %s output" % name)
    if result.returncode != 0 or planned is None or seen != planned:
        tail = (result.stdout + result.stderr).strip().splitlines()[-15:]
        print("\n".join("  | " + l for l in tail))
        tally.record(False, "host/%s" % name, "exit %d, %s of %s results" % (result.returncode, seen, planned))


def run_host(tally, _args):
    programs = sorted(glob.glob(os.path.join(BUILD, "host", "test_*")))
    programs = [p for p in programs if os.access(p, os.X_OK) and not p.endswith(".o")]
    if not programs:
        tally.record(False, "host", "no host test programs under build/host (build first)")
    for program in programs:
        run_host_program(tally, program)


def run_harness_checks(tally, _args):
    """The harness must call each kind of bad run a failure."""
    P = harness.P
    good = ["tests 2", "ok 1 a", "ok 2 b", P["TEST_DONE"] + ": 2 ran"]
    cases = [
        ("complete-run-has-no-problems", good, []),
        ("missing-summary", good[:-1], ["missing summary line"]),
        ("fewer-than-announced", ["tests 3"] + good[1:], ["fewer tests than announced: 2 of 3"]),
        ("no-plan", good[1:], ["no test plan line"]),
    ]
    for name, lines, expected in cases:
        problems = harness.TestRun(lines).problems
        tally.record(problems == expected, "harness/" + name, "got %r" % problems)
    failing = harness.TestRun(["tests 1", "not ok 1 a - broke", P["TEST_DONE"] + ": 1 ran"])
    tally.record(failing.results == [(False, 1, "a", "broke")], "harness/not-ok-line-is-a-failure",
                 "got %r" % failing.results)
    outcomes = [
        ("panic-line", (harness.qemu.exit_status(P["EXIT_FAILURE"]), False, ["x", P["PANIC_MARK"] + " y"], ""), "panic"),
        ("triple-fault-log", (0, False, [], "Triple fault\n"), "triple fault"),
        ("timeout", (-9, True, [], ""), "hang"),
        ("success-code", (harness.qemu.exit_status(P["EXIT_SUCCESS"]), False, [], ""), "completed"),
        ("plain-shutdown", (0, False, [], ""), "reset"),
    ]
    for name, arguments, expected in outcomes:
        got = harness.classify(*arguments)
        tally.record(got == expected, "harness/classify-" + name, "got %r" % got)
    run_idl_checks(tally)


def run_idl_checks(tally):
    """Each malformed interface file in test/idl/ stops the generator with its file, line and reason
    (its first line says which: '# expect: LINE: words'), and leaves no header behind."""
    files = sorted(glob.glob(os.path.join(TEST, "idl", "*.idl")))
    if not files:
        tally.record(False, "harness/idl", "no malformed interface files under test/idl")
    with tempfile.TemporaryDirectory() as scratch:
        for path in files:
            with open(path) as f:
                line, words = f.readline().split("expect:", 1)[1].strip().split(": ", 1)
            out = os.path.join(scratch, "out.h")
            result = subprocess.run([sys.executable, os.path.join(ROOT, "tools", "idl.py"), "header", path, out],
                                    capture_output=True, text=True)
            wanted = "%s:%s: error: %s" % (path, line, words)
            tally.record(result.returncode == 1 and result.stderr.startswith(wanted) and not os.path.exists(out),
                         "harness/idl-%s" % os.path.basename(path)[:-4],
                         "exit %d, stderr %r, expected it to begin %r" % (result.returncode, result.stderr, wanted))


def run_house(tally, _args):
    """The house checks (tools/house_check.py) on the tree, then on made-up trees: the clean one must
    pass and each deliberate violation must be named; and the image check must find the test
    framework in the kernel-test image, which links it."""
    for name, check in [("dependency-rule", house_check.dependency_problems),
                        ("citations-exist", house_check.citation_problems),
                        ("no-test-code-in-production-kernels", house_check.image_problems)]:
        problems = check(ROOT)
        tally.record(not problems, "house/" + name, "; ".join(problems[:12]))
    for violation in [None] + house_check.VIOLATIONS:
        with tempfile.TemporaryDirectory() as scratch:
            house_check.write_tree(scratch, violation)
            problems = house_check.tree_problems(scratch)
        if violation is None:
            tally.record(problems == [], "house/self-test-clean-tree-passes", "got %r" % problems)
        else:
            tally.record(any(violation[3] in p for p in problems), "house/self-test-" + violation[0],
                         "expected a problem with %r, got %r" % (violation[3], problems))
    found = house_check.image_problems(ROOT, ["bursar-test.elf"])
    tally.record(any("test_run_all" in p for p in found), "house/self-test-test-image-has-test-code",
                 "got %r" % found)


def run_fuzz(tally, args):
    for target in sorted(glob.glob(os.path.join(BUILD, "fuzz", "fuzz_*"))):
        if target.endswith(".o") or not os.access(target, os.X_OK):
            continue
        name = os.path.basename(target)
        start = time.monotonic()
        result = subprocess.run([target, "-runs=%d" % args.fuzz_runs, "-seed=1", "-rss_limit_mb=4096"],
                                cwd=BUILD, capture_output=True, text=True)
        seconds = time.monotonic() - start
        ok = result.returncode == 0
        if not ok:
            print("\n".join("  | " + l for l in result.stderr.strip().splitlines()[-25:]))
        tally.record(ok, "fuzz/%s (%d runs, %.0f s)" % (name, args.fuzz_runs, seconds),
                     "libFuzzer exit %d" % result.returncode)


def record_vm_run(tally, prefix, result):
    """Per-test lines of a test image's boot, then the run as a whole."""
    run = harness.TestRun(result.lines)
    for passed, test_id, name, reason in run.results:
        tally.record(passed, "%s/%d-%s" % (prefix, test_id, name), reason)
    booted = any(harness.P["BOOT_COMPLETE"] in line for line in result.lines)
    tally.record(booted, "%s/boot-complete" % prefix, "no '%s' line (%s)" % (harness.P["BOOT_COMPLETE"], result.outcome))
    problems = list(run.problems)
    if result.outcome != "completed":
        problems.insert(0, "%s%s" % (result.outcome, ": " + result.panic_line() if result.panic_line() else ""))
    tally.record(not problems, "%s/run (%.1f s)" % (prefix, result.seconds), "; ".join(problems))
    if problems:
        print("\n".join("  | " + l for l in result.lines[-30:]))


# Root-task test programs, each booted on the kernel with and without the IPC fast path.
USER_SUITES = ["libl4_test", "core_tests", "server_tests", "bank_tests", "wrapper_tests", "pager_tests", "syscall_fuzz", "irq_tests"]
# Suites that need keys typed on the serial line: (keys, the line after which to type them).
SUITE_KEYS = {"irq_tests": [("irq: type now", b"ab"), ("irq: type again", b"c")]}
KERNELS = [("fast", "bursar.elf"), ("slow", "bursar-slowpath.elf")]
# Boot modules a suite gets after itself: core_tests' loader tests (900-929) load these.
LOADER_FIXTURES = ([os.path.join(BUILD, "user", p + ".elf")
                    for p in ("load_plain", "load_segments", "load_bigbss", "load_nodata")] +
                   [os.path.join(BUILD, "modules", "bad", m)
                    for m in ("truncated.elf", "not-an-elf.bin", "kernel-space.elf", "overlapping.elf",
                              "entry-in-data.elf", "entry-nowhere.elf", "over-the-stack.elf")])
SUITE_MODULES = {"core_tests": LOADER_FIXTURES, "bank_tests": [os.path.join(BUILD, "user", "bank.elf")],
                 "wrapper_tests": [os.path.join(BUILD, "user", m) for m in ("bank.elf", "wrapper.elf")],
                 "pager_tests": [os.path.join(BUILD, "user", p) for p in ("bank.elf", "pager.elf")]}


def run_user_suites(tally, args):
    for suite in USER_SUITES:
        outcomes, results = {}, {}
        for label, kernel in KERNELS:
            # The long suite on the fast kernel also gets the debug key typed mid-run.
            key = suite == "core_tests" and label == "fast"
            keys = SUITE_KEYS.get(suite, [(harness.P["TEST_PLAN"] + " ", b"d")] if key else [])
            append, timeout = None, VM_TIMEOUT
            if suite == "syscall_fuzz" and args.long_fuzz:
                # About 15 us a call with the CPU-state checks on these machines: room for ten times that.
                append, timeout = "fuzz-calls=%d" % args.long_fuzz, VM_TIMEOUT + args.long_fuzz * 4 * 150 // 1000000
            result = harness.boot(kernel=os.path.join(BUILD, "kernel", kernel),
                                  modules=[os.path.join(BUILD, "user", suite + ".elf")] + SUITE_MODULES.get(suite, []),
                                  timeout=timeout, echo=args.verbose, keys=keys, append=append)
            record_vm_run(tally, "%s-%s" % (suite, label), result)
            if suite == "core_tests":
                check_mapdb_dumps(tally, result, "%s-%s" % (suite, label))
            if key:
                check_debug_key(tally, result)
            if suite == "core_tests":
                check_fast_path_seen(tally, result, label)
                check_raised_fault_killed(tally, result, "%s-%s" % (suite, label))
            if suite == "server_tests":
                check_cost_table(tally, result, "%s-%s" % (suite, label))
            if suite == "pager_tests":
                check_raised_fault_killed(tally, result, "%s-%s" % (suite, label),
                                          "pager exhausted expect: address ", "read")
            outcomes[label] = [(test_id, passed) for passed, test_id, _, _ in harness.TestRun(result.lines).results]
            results[label] = result
        if suite == "core_tests":
            check_fast_path_differential(tally, results)
        tally.record(outcomes["fast"] == outcomes["slow"] and outcomes["fast"],
                     "%s/fast-and-slow-paths-agree" % suite,
                     "fast path %r, slow path %r" % (outcomes["fast"], outcomes["slow"]))


BAD_MODULES = {"truncated.elf": "truncated", "not-an-elf.bin": "magic", "kernel-space.elf": "kernel",
               "overlapping.elf": "share a page"}


def run_bad_modules(tally, args):
    """The first module must be a program: a malformed one is refused with a boot message and nothing runs.
    The other modules are the root task's data (docs/abi.md 7): the kernel passes them on unchecked, by name."""
    bad = os.path.join(BUILD, "modules", "bad")
    for name, words in sorted(BAD_MODULES.items()):
        result = harness.boot(kernel=os.path.join(BUILD, "kernel", "bursar.elf"), modules=[os.path.join(bad, name)],
                              timeout=VM_TIMEOUT, echo=args.verbose)
        refused = [l for l in result.lines if "refused" in l and name in l]
        tally.record(result.outcome == "failed" and len(refused) == 1 and refused[0].startswith("module 0 ") and
                     words in refused[0].lower(), "boot/root-module-%s-refused" % name,
                     "%s; refusal lines: %r" % (result.outcome, refused))
    modules = [os.path.join(BUILD, "user", "hello.elf")] + [os.path.join(bad, m) for m in sorted(BAD_MODULES)]
    result = harness.boot(kernel=os.path.join(BUILD, "kernel", "bursar.elf"), modules=modules,
                          timeout=VM_TIMEOUT, echo=args.verbose)
    names = re.findall(r'^  \d+: frame \d+, \d+ bytes, "(.*)"$', "\n".join(result.lines), re.MULTILINE)
    wanted = ["hello.elf"] + sorted(BAD_MODULES)
    tally.record(result.outcome == "completed" and names == wanted and
                 not any("refused" in l for l in result.lines),
                 "boot/root-task-gets-the-other-modules-by-name",
                 "%s; module names %r, expected %r" % (result.outcome, names, wanted))


def read_mapdb_dump(lines, start):
    """The dump block after lines[start]: its header, records [(depth, payer, [holders])], and summary."""
    header, records, summary = None, [], None
    for line in lines[start + 1:]:
        words = line.split()
        if line.startswith("---- mapdb tree of "):
            header = line
        elif line.startswith("---- mapdb tree: "):
            summary = line
            break
        elif words[:2] == ["mapdb", "record"]:
            payer = "root" if words[-1] == "root" else " ".join(words[words.index("paid"):])
            records.append((int(words[3]), payer, []))
        elif words[:1] == ["mapdb"] and records:
            records[-1][2].append(" ".join(words[1:]).split(" rights")[0])
    return header, records, summary


def check_mapdb_dumps(tally, result, prefix):
    """core_tests 730/731 printed what their mapdb dumps must say; read the dumps back and compare."""
    lines = result.lines
    cap = [i for i, l in enumerate(lines) if l.startswith("mapdb dump expect: capability slots")]
    frame = [i for i, l in enumerate(lines) if l.startswith("mapdb dump expect: frame")]
    problems = []
    if len(cap) != 1 or len(frame) != 1:
        problems.append("expect lines: %d capability, %d frame" % (len(cap), len(frame)))
    else:
        endpoint, copy, middle = lines[cap[0]].split()[-3:]
        header, records, summary = read_mapdb_dump(lines, cap[0])
        task = header.split("(task ")[1].split()[0] if header and "(task " in header else "?"
        shape = [(depth, payer) for depth, payer, _ in records]
        if shape != [(0, "root"), (1, "paid by heap 0"), (2, "paid by heap 0")]:
            problems.append("capability tree records %r" % shape)
        else:
            if sorted(records[0][2]) != sorted(["holder task %s slot %s" % (task, s) for s in (endpoint, copy)]):
                problems.append("root holders %r" % records[0][2])
            if records[1][2] != ["holder task %s slot %s" % (task, middle)]:
                problems.append("depth-1 holders %r" % records[1][2])
            other = records[2][2]
            if len(other) != 1 or not other[0].endswith(" slot 5") or other[0] == "holder task %s slot 5" % task:
                problems.append("depth-2 holders %r" % other)
        if summary != "---- mapdb tree: 3 records, 4 holders ----":
            problems.append("capability summary %r" % summary)
        _, _, _, _, number, _, page, derived = lines[frame[0]].split()
        header, records, summary = read_mapdb_dump(lines, frame[0])
        want = [(0, "root", ["mapping task %s page %s" % (task, page)]),
                (1, "paid by heap 0", ["mapping task %s page %s" % (task, derived)])]
        if header != "---- mapdb tree of frame %s ----" % number or records != want:
            problems.append("frame tree %r %r" % (header, records))
        if summary != "---- mapdb tree: 2 records, 2 holders ----":
            problems.append("frame summary %r" % summary)
    tally.record(not problems, "%s/mapdb-dumps-list-holders-depths-and-payers" % prefix, "; ".join(problems))


DIFFERENTIAL = re.compile(r"^  fast-path differential (\d+): caller ([0-9a-f]{8}) server ([0-9a-f]{8})$")


def check_fast_path_differential(tally, results):
    """core_tests 105 digests every call's exact result on each kernel, block by block: they must be equal."""
    blocks = {label: [m.groups() for m in map(DIFFERENTIAL.match, result.lines) if m]
              for label, result in results.items()}
    fast, slow = blocks.get("fast", []), blocks.get("slow", [])
    first = next((f[0] for f, s in zip(fast, slow) if f != s), None)
    problems = []
    if not fast or len(fast) != len(slow):
        problems.append("%d digest blocks on the fast-path kernel, %d on the slow-path one" % (len(fast), len(slow)))
    if first is not None:
        problems.append("the calls up to round %s came out differently on the two kernels" % first)
    tally.record(not problems, "core_tests/fast-path-gives-each-call-the-slow-paths-exact-result", "; ".join(problems))


def check_fast_path_seen(tally, result, label):
    """Test 104 found the fast path serving IPCs exactly on the kernel built with it."""
    wanted = "  fast path: %s" % ("on" if label == "fast" else "off")
    tally.record(wanted in result.lines, "core_tests-%s/fast-path-%s" % (label, wanted.split()[-1]),
                 "test 104 did not print %r" % wanted.strip())


def check_raised_fault_killed(tally, result, prefix, expect_prefix="raised fault expect: address ",
                              access="write"):
    """A page fault raised OUT_OF_MEMORY with no exception handler kills the thread with one line naming the
    pager's reason: core_tests 1021 (the test thread raises it) and pager_tests 1004 (the real pager, the
    client's bank exhausted) print where to look for it."""
    expect = [l for l in result.lines if l.startswith(expect_prefix)]
    address = expect[0][len(expect_prefix):].split()[0].rstrip(",") if len(expect) == 1 else "?"
    wanted = ("killed: page fault (vector 14) at ", "address %s (%s, not present), its pager raised "
              "OUT_OF_MEMORY, no exception handler" % (address, access))
    killed = [l for l in result.lines if wanted[0] in l and l.endswith(wanted[1])]
    tally.record(len(expect) == 1 and len(killed) == 1, "%s/raised-fault-kill-line-names-the-reason" % prefix,
                 "%d expect lines, %d kill lines ending %r" % (len(expect), len(killed), wanted[1]))


def check_debug_key(tally, result):
    """The 'd' key typed during the run made the kernel list tasks, threads and heaps."""
    log = "\n".join(result.lines)
    wanted = ["---- kernel state ----", "tasks:", "threads:", "heap 0 (boot)", "accounting:"]
    missing = [w for w in wanted if w not in log]
    tally.record(not missing, "boot/debug-key-lists-kernel-state", "missing %r" % missing)


# What the demo (./bursar run) must print: each step's outcome, as a person reads it.
DEMO_SHOWS = ["its memory capability holds the boot memory", "I gave the boot memory to the bank server",
              "her bank is exhausted: the pager raised her fault at address", "with OUT_OF_MEMORY",
              "bob: 64 pages written (OK)",
              "alice calls bob with 41 through the lent capability: OK, bob answers 42",
              "alice calls again: REVOKED", "may not take pages back (reclaim: NO_RIGHTS) or destroy the heap (NO_RIGHTS)",
              "The server looks at its endpoints on that heap: 0 of 60 left", "moved, 0 destroyed",
              "Every page is back", "bank_destroy: OK", "all 48 frames alice's bank held",
              "The kernel's own check of every heap and the accounting identity: OK", "Demo done"]
DEMO_MODULES = ["demo.elf", "bank.elf", "pager.elf"]


def run_demo(tally, args):
    """The demo boots, shows every step's outcome, keeps the accounting identity throughout and powers off;
    the root bank's figures agree: the frames alice's bank held all come back."""
    result = harness.boot(kernel=os.path.join(BUILD, "kernel", "bursar.elf"),
                          modules=[os.path.join(BUILD, "user", m) for m in DEMO_MODULES], timeout=VM_TIMEOUT,
                          echo=args.verbose)
    log = "\n".join(result.lines)
    missing = [text for text in DEMO_SHOWS if text not in log]
    sums = re.findall(r"fixed (\d+) \+ heaps (\d+) \+ banks (\d+) = (\d+) of (\d+) usable", log)
    bad_sums = [s for s in sums if int(s[0]) + int(s[1]) + int(s[2]) != int(s[3]) or s[3] != s[4]]
    back = re.search(r"can sell (\d+) frames, (\d+) more than before: all (\d+) frames", log)
    adds_up = back is not None and back.group(2) == back.group(3)
    tally.record(result.outcome == "completed" and not missing and len(sums) >= 8 and not bad_sums and adds_up,
                 "demo/every-step-shows-its-outcome",
                 "%s; missing %r; %d accounting lines, wrong %r; frames back %r" %
                 (result.outcome, missing, len(sums), bad_sums, back.groups() if back else None))


def boot_system(description, kernel="bursar.elf", extra=(), iso=None, verbose=False, images=None):
    """init with a system description (a path from the top of the tree) and the program images it
    names, as ./bursar run --system boots them (docs/system.md), or `images` (names in build/user/)
    if given; `extra` modules after them."""
    import bursar as bursar_tool      # tools/bursar.py, on the path through harness
    if iso:
        return harness.boot(iso=iso, timeout=VM_TIMEOUT, echo=verbose)
    path = os.path.join(ROOT, description)
    if images is None:
        modules = bursar_tool.system_modules(path, quiet=True)
    else:
        modules = ([os.path.join(BUILD, "user", "init.elf"), path, os.path.join(BUILD, "user", "bank.elf"),
                    os.path.join(BUILD, "user", "pager.elf")] +
                   [os.path.join(BUILD, "user", i) for i in images])
    modules += list(extra)
    return harness.boot(kernel=os.path.join(BUILD, "kernel", kernel), modules=modules, timeout=VM_TIMEOUT,
                        echo=verbose)


# What three.system must print: init starts the three programs, each client's capability
# carries its own badge and rights, the calls go through with them, every exit comes back.
THREE_SHOWS = [
    "init: started counter (line 5)", "init: started alice (line 6)", "init: started bob (line 7)",
    "alice (Alice): counter is slot 4, type 3, rights 2, badge 11; receiving on it: NO_RIGHTS",
    "bob (Bob B.): counter is slot 4, type 3, rights 6, badge 22; receiving on it: NO_RIGHTS",
    "counter: badge 11 said goodbye after 3 calls, total 6",
    "counter: badge 22 said goodbye after 5 calls, total 15",
    "alice: 3 calls went through as badge 11, total 6; the server counted 3",
    "bob: 5 calls went through as badge 22, total 15; the server counted 5",
    "init: every program has exited",
]
# Each program's bank gives back what it held, its heap's pages among it: (name, heap pages it was given).
THREE_BANKS = [("alice", 12), ("bob", 12), ("counter", 16)]


def banks_gave_back(lines, programs):
    """Problems with init's retire lines: one for each (name, heap pages at least), each adding up
    (frames = heap pages + filled + bookkeeping), and the root bank back where it was but for the pager's."""
    problems = []
    for name, heap in programs:
        found = [re.search(r"init: %s (?:exited with status|died of an exception, status) -?\d+; its bank gave back "
                           r"(\d+) frames \(heap pages (\d+), filled (\d+), bookkeeping (\d+)\)" % name, l)
                 for l in lines]
        found = [f for f in found if f]
        if len(found) != 1:
            problems.append("%s: %d retire lines" % (name, len(found)))
            continue
        frames, pages, filled, bookkeeping = (int(g) for g in found[0].groups())
        if frames != pages + filled + bookkeeping or pages < heap:
            problems.append("%s: %d frames, heap pages %d (at least %d), filled %d, bookkeeping %d" %
                            (name, frames, pages, heap, filled, bookkeeping))
    end = [re.search(r"the root bank can sell (\d+) frames, (\d+) before the programs started, and the pager's "
                     r"bank holds (\d+) more", l) for l in lines]
    end = [e for e in end if e]
    if len(end) != 1 or int(end[0].group(1)) + int(end[0].group(3)) != int(end[0].group(2)):
        problems.append("the root bank at the end: %r" % [e.groups() for e in end])
    return problems

# mistakes.system: each line with a mistake and what init must say about it.
MISTAKES = [(4, "a program called counter is declared already, on line 3"), (5, "heap 'twelve' is not a number"),
            (6, "program carol: boot module carol.elf: no boot module has this name"),
            (7, "heap 0 is out of range"), (8, "unknown word 'colour'"), (9, "program frank has no heap quota"),
            (10, "unknown statement 'programme'"),
            (12, "dangling connection: program counter serves no endpoint called replies"),
            (13, "unknown program zed"), (14, "rights 'x' should be"),
            (15, "program broken: boot module truncated.elf: segment's file bytes run past the end"),
            (16, "a quoted word has no closing quote"), (17, "'b@d' is not a valid program name"),
            (19, "program frank has a capability called counter already, from line 18"),
            (21, "the quotas do not fit: the programs up to hog2 need"),
            (22, "badge 99999999999 does not fit in 32 bits"), (23, "unknown program nobody"),
            (24, "heap 'lots' is not a number"),
            (25, "program alice has a capability called counter already, from line 12"),
            (26, "program nopager: memory needs the pager (it has pager no)"),
            (27, "pager 'maybe' should be yes or no"), (28, "bank 0 is out of range")]


def check_three(tally, name, result):
    missing = [text for text in THREE_SHOWS if not any(line.startswith(text) for line in result.lines)]
    missing += banks_gave_back(result.lines, THREE_BANKS)
    tally.record(result.outcome == "completed" and not missing, "system/%s" % name,
                 "%s; missing %r" % (result.outcome, missing))
    if missing:
        print("\n".join("  | " + l for l in result.lines[-25:]))


# banks.system: each program's bank has the description's limit; the one that spends it on objects is told
# OUT_OF_MEMORY and exits, the one that spends it on memory has its fault raised and init kills it naming
# the reason, the third carries on; every bank gives back what it held.
BANKS_SHOWS = [
    "init: started hog (line 5): 9 frames for its image, a bank of 24 frames",
    "init: started thirsty (line 6): 9 frames for its image, a bank of 32 frames",
    "init: started steady (line 7): 9 frames for its image, a bank of 35 frames",
    "hog: made ", "thirsty: writing 64 pages of memory with a bank of 32 frames",
    "init: thirsty: exception 14 at ", "steady: carried on: 8 pages written, 8 endpoints made (OK)",
    "init: hog exited with status 0;", "init: steady exited with status 0;",
    "init: thirsty died of an exception, status -1;",
]


def check_banks(tally, name, result):
    missing = [text for text in BANKS_SHOWS if not any(line.startswith(text) for line in result.lines)]
    hog = [re.search(r"^hog: made (\d+) endpoints, then OUT_OF_MEMORY; its bank: (\d+) of 24 frames$", l)
           for l in result.lines]
    hog = [h for h in hog if h]
    if len(hog) != 1 or int(hog[0].group(1)) < 64 or int(hog[0].group(2)) < 22:
        missing.append("hog's line: %r" % [h.groups() for h in hog])
    if not any(l.startswith("init: thirsty: exception 14 at ") and l.endswith("its pager raised OUT_OF_MEMORY; killed")
               for l in result.lines):
        missing.append("init's line for thirsty naming OUT_OF_MEMORY")
    if not any("killed: page fault (vector 14)" in l and l.endswith("its pager raised OUT_OF_MEMORY, exception "
                                                                   "handler asked for it to be killed")
               for l in result.lines):
        missing.append("the kernel's kill line for thirsty")
    missing += banks_gave_back(result.lines, [("hog", 8), ("thirsty", 8), ("steady", 8)])
    # thirsty died, so init reports failure when every program is gone.
    tally.record(result.outcome == "failed" and "init: every program has exited" in "\n".join(result.lines) and
                 not missing, "system/%s" % name, "%s; missing %r" % (result.outcome, missing))
    if missing:
        print("\n".join("  | " + l for l in result.lines[-25:]))


# threads.system: a fault in a program's second thread (made with l4_thread_spawn) reaches init like one in its
# first: one line each, the program retired; the second thread had the program's pager too (it wrote a page first).
THREADS_SHOWS = [
    "trapper: second thread wrote its first page of memory", "init: trapper died of an exception, status -1;",
    "wanderer: second thread wrote its first page of memory", "init: wanderer died of an exception, status -1;",
    "steady: carried on: 8 pages written, 8 endpoints made (OK)", "init: steady exited with status 0;",
    "caller: init answered a call it does not serve: UNKNOWN_OPERATION", "init: caller exited with status 0;",
]


def check_threads(tally, name, result):
    missing = [text for text in THREADS_SHOWS if not any(line.startswith(text) for line in result.lines)]
    for program, ending in (("trapper", "exception 6 at "), ("wanderer", "exception 14 at ")):
        lines = [l for l in result.lines if l.startswith("init: %s: " % program)]
        if len(lines) != 1 or not lines[0].startswith("init: %s: %s" % (program, ending)) or \
                not lines[0].endswith("; killed"):
            missing.append("init's one line for %s: %r" % (program, lines))
    if not any(l.endswith("address 50000000: its pager raised INVALID_ADDRESS; killed") for l in result.lines):
        missing.append("init's line for wanderer naming INVALID_ADDRESS")
    missing += [l for l in result.lines if "init was not told" in l or "got past its fault" in l]
    if not any(l.endswith("address 50000000 (read, not present), pager asked for it to be killed")
               for l in result.lines):
        missing.append("the kernel's line for caller's thread, whose pager is init: killed at init's answer")
    missing += banks_gave_back(result.lines, [("trapper", 8), ("wanderer", 8), ("caller", 8), ("steady", 8)])
    tally.record(result.outcome == "failed" and "init: every program has exited" in "\n".join(result.lines) and
                 not missing, "system/%s" % name, "%s; missing %r" % (result.outcome, missing))
    if missing:
        print("\n".join("  | " + l for l in result.lines[-25:]))


def run_systems(tally, args):
    """init boots a wired system (both kernels, and from a GRUB ISO), a system whose programs spend their banks,
    and refuses a description with mistakes."""
    for label, kernel in KERNELS:
        check_three(tally, "three-programs-wired-%s" % label,
                    boot_system("test/systems/three.system", kernel, verbose=args.verbose))
    check_three(tally, "three-programs-wired-iso",
                boot_system("test/systems/three.system", iso=os.path.join(BUILD, "iso", "system-three.iso"),
                            verbose=args.verbose))
    for label, kernel in KERNELS:
        check_banks(tally, "programs-spend-their-own-banks-%s" % label,
                    boot_system("test/systems/banks.system", kernel, verbose=args.verbose))
    for label, kernel in KERNELS:
        check_threads(tally, "every-thread-of-a-program-faults-to-init-%s" % label,
                      boot_system("test/systems/threads.system", kernel, verbose=args.verbose))
    for label, kernel in KERNELS:
        check_refusals(tally, label, kernel, args)


def check_refusals(tally, label, kernel, args):
    """A system the kernel cannot load, and a description with every kind of mistake: nothing starts."""
    result = boot_system("test/systems/too-small.system", kernel, verbose=args.verbose)
    ran = [line for line in result.lines if line.startswith("init: started") or line.startswith("counter:")]
    tally.record(result.outcome == "failed" and not ran and
                 "too-small.system:6: program bob: creating the task: OUT_OF_MEMORY" in result.lines and
                 "init: nothing started; every frame and object made for the system is back" in result.lines,
                 "system/a-program-the-kernel-cannot-load-starts-nothing-and-leaves-nothing-%s" % label,
                 "%s; ran %r; log ends %r" % (result.outcome, ran, result.lines[-4:]))
    result = boot_system("test/systems/mistakes.system", kernel,
                         extra=[os.path.join(BUILD, "modules", "bad", "truncated.elf")], verbose=args.verbose)
    reported = [line for line in result.lines if line.startswith("mistakes.system:")]
    wrong = [(n, text) for n, text in MISTAKES if not any(l.startswith("mistakes.system:%d: %s" % (n, text))
                                                          for l in reported)]
    started = [line for line in result.lines if line.startswith("init: started")]
    summary = "init: %d problems in mistakes.system; nothing started" % len(MISTAKES)
    tally.record(result.outcome == "failed" and not wrong and len(reported) == len(MISTAKES) and not started and
                 summary in result.lines, "system/every-mistake-reported-with-its-line-and-nothing-started-%s" % label,
                 "%s; not reported %r; %d reported; started %r" % (result.outcome, wrong, len(reported), started))

TUTORIAL = os.path.join(ROOT, "docs", "tutorial.md")
TUTORIAL_MARK = "<!-- checked by ./bursar test"


def tutorial_transcript():
    """The lines of the transcript docs/tutorial.md shows after its mark: what kv.system must print."""
    with open(TUTORIAL) as f:
        text = f.read()
    if TUTORIAL_MARK not in text:
        return []
    block = text.split(TUTORIAL_MARK, 1)[1].split("```", 2)[1]
    return [line for line in block.splitlines()[1:] if line.strip()]


def transcript_problems(expected, lines):
    """Each expected line, in order, among the printed ones ('...' at its end: any ending)."""
    at = 0
    for want in expected:
        prefix = want[:-3] if want.endswith("...") else None
        while at < len(lines) and not (lines[at].startswith(prefix) if prefix is not None else lines[at] == want):
            at += 1
        if at == len(lines):
            return "not printed (or out of order): %r" % want
        at += 1
    return None


COST_MARK = "<!-- cost table: checked by ./bursar test"


def check_cost_table(tally, result, prefix):
    """server_tests 950 printed what each kind of object costs; docs/tutorial.md's cost table must say the same."""
    measured = dict((m.group(1), (int(m.group(2)), int(m.group(3)))) for m in
                    (re.match(r"cost (.+?): pages=(\d+) per-page=(\d+);", line) for line in result.lines) if m)
    with open(TUTORIAL) as f:
        text = f.read()
    table = text.split(COST_MARK, 1)[1].split("\n\n", 1)[0] if COST_MARK in text else ""
    documented = {}
    for row in table.splitlines():
        cells = [c.strip() for c in row.strip().strip("|").split("|")]
        if len(cells) == 3 and cells[1].isdigit() and cells[2].isdigit():
            documented[cells[0]] = (int(cells[1]), int(cells[2]))
    tally.record(measured and documented == measured, "%s/tutorial-cost-table-is-what-test-950-measured" % prefix,
                 "the tutorial says %r, test 950 measured %r" % (documented, measured))


def run_tutorial(tally, args):
    """The tutorial's system (apps/kv/kv.system) prints, line for line, the transcript docs/tutorial.md shows."""
    expected = tutorial_transcript()
    for label, kernel in KERNELS:
        result = boot_system(os.path.join(ROOT, "apps", "kv", "kv.system"), kernel,
                             images=("kv_store.elf", "kv_client.elf"), verbose=args.verbose)
        problem = "no transcript in docs/tutorial.md" if len(expected) < 20 else transcript_problems(expected,
                                                                                                   result.lines)
        tally.record(result.outcome == "completed" and not problem, "tutorial/kv-system-prints-the-transcript-%s" % label,
                     "%s; %s" % (result.outcome, problem))
        if problem:
            print("\n".join("  | " + l for l in result.lines[-40:]))


def run_ipc_trace(tally, _args):
    """./bursar trace finds a round of the IPC benchmark and its spans are the benchmark's rows plus the TSC read,
    on the fast-path kernel and (--slow) on the slow-path one."""
    for flag, suffix in (([], ""), (["--slow"], "-slow")):
        output = subprocess.run([sys.executable, os.path.join(ROOT, "tools", "trace_ipc.py")] + flag,
                                capture_output=True, text=True, timeout=VM_TIMEOUT).stdout
        rows = dict(re.findall(r"bench (ipc\.(?:call|replywait)\.oneway) instructions=(\d+)", output))
        spans = re.findall(r"one way \(.*\): (\d+) instructions", output)
        expected = [int(rows.get("ipc.call.oneway", -10)) + 2, int(rows.get("ipc.replywait.oneway", -10)) + 2]
        tally.record(len(spans) == 2 and [int(n) for n in spans] == expected,
                     "bench/trace-agrees-with-the-benchmark" + suffix,
                     "trace spans %r, benchmark rows + 2 %r; output ends %r" % (spans, expected, output[-300:]))


def run_global_kernel(tally, args):
    """The global-allocator baseline (kernel/heap_global.c) must not rot: its own tests, the system-call
    fuzzer, and a benchmark program that runs there unchanged and says why it skips what has no meaning there."""
    kernel = os.path.join(BUILD, "kernel", "bursar-global.elf")
    result = harness.boot(kernel=kernel, modules=[os.path.join(BUILD, "user", "global_tests.elf")],
                          timeout=VM_TIMEOUT, echo=args.verbose)
    record_vm_run(tally, "global_tests-global", result)
    # User input must not panic the baseline either: the system-call fuzzer, whose heap calls answer NOT_SUPPORTED there.
    result = harness.boot(kernel=kernel, modules=[os.path.join(BUILD, "user", "syscall_fuzz.elf")],
                          timeout=VM_TIMEOUT, echo=args.verbose)
    record_vm_run(tally, "syscall_fuzz-global", result)
    result = harness.boot(kernel=kernel, modules=[os.path.join(BUILD, "user", "object_bench.elf")],
                          timeout=VM_TIMEOUT, echo=args.verbose)
    rows = [l.split()[1] for l in result.lines if l.startswith("bench object.")]
    skipped = [l for l in result.lines if l.startswith("bench: object.heap.* skipped") and "NOT_SUPPORTED" in l]
    tally.record(result.outcome == "completed" and len(rows) >= 12 and not any(".heap." in r for r in rows) and skipped,
                 "bench/object_bench-runs-on-the-global-kernel",
                 "%s; rows %r; skip line %r" % (result.outcome, rows, skipped))


def run_bench_programs(tally, _args):
    """Every benchmark program runs whole on the production kernels: each prints its rows and no note,
    and its root task ends with status 0 (a panic after some rows is no pass).
    The figures are not judged (benchmarks never fail on a number); a program that can no longer make
    its rows (a refused call in its set-up, a server that did not start) fails here instead of leaving
    `./bursar bench` quietly short of rows."""
    import bench_report
    for kernel in [k for k in bench_report.KERNELS if k.key in ("fast", "slow")]:
        for name in bench_report.program_names():
            stdout, stderr, trouble = bench_report.boot(kernel, bench_report.program_image(name), VM_TIMEOUT)
            rows, notes, _about = bench_report.parse_output(stdout)
            problems = ([trouble] if trouble else []) + notes
            if "root task finished (status 0)" not in stdout:
                problems.append("the program did not finish with status 0")
            measured = [r for r in rows if r != "overhead"]
            tally.record(not problems and measured, "bench/%s-makes-its-rows-%s" % (name, kernel.key),
                         "%d rows; notes %r; output ends %r" % (len(measured), problems, (stdout + stderr)[-200:]))


def run_vm(tally, args):
    run_user_suites(tally, args)
    run_global_kernel(tally, args)
    run_bad_modules(tally, args)
    run_systems(tally, args)
    run_tutorial(tally, args)
    run_demo(tally, args)
    run_ipc_trace(tally, args)
    run_bench_programs(tally, args)
    kernel = os.path.join(BUILD, "kernel", "bursar-test.elf")
    modules = [os.path.join(BUILD, "modules", "probe.bin")]
    record_vm_run(tally, "vm", harness.boot(kernel=kernel, modules=modules, timeout=VM_TIMEOUT, echo=args.verbose))
    iso = os.path.join(BUILD, "iso", "bursar-test.iso")
    record_vm_run(tally, "vm-iso", harness.boot(iso=iso, timeout=VM_TIMEOUT, echo=args.verbose))


# Each self-test image, the outcome the harness must report, and text the
# log must contain (the kernel's own diagnosis of the failure).
SELFTESTS = [
    ("panic", "panic", ["deliberate panic", "backtrace:", "boot_hand_over", "---- kernel state ----",
                        "heap 0 (boot)"]),
    ("page_fault", "panic", ["kernel exception 14 (page fault)", "faulting address 00001000",
                             "selftest_touch_unmapped+", "selftest_fault_in_a_call+"]),
    ("triple_fault", "triple fault", []),
    ("hang", "hang", []),
]


def run_selftests(tally, args):
    for kind, outcome, must_print in SELFTESTS:
        kernel = os.path.join(BUILD, "kernel", "selftest-%s.elf" % kind)
        timeout = HANG_TIMEOUT if kind == "hang" else VM_TIMEOUT
        result = harness.boot(kernel=kernel, timeout=timeout, echo=args.verbose)
        log = "\n".join(result.lines)
        missing = [text for text in must_print if text not in log]
        tally.record(result.outcome == outcome and not missing,
                     "selftest/%s-reported-as-%s (%.1f s)" % (kind, outcome.replace(" ", "-"), result.seconds),
                     "harness said %r (%s); log lacks %r" % (result.outcome, result.detail, missing))


GROUPS = [("host", run_host), ("harness", run_harness_checks), ("house", run_house), ("fuzz", run_fuzz),
          ("model", run_model),
          ("vm", run_vm), ("selftest", run_selftests)]


def parse_arguments(argv):
    """The options (./bursar checks them with this before it builds); a usage message and exit 2 if wrong."""
    parser = argparse.ArgumentParser(prog="./bursar test", description=__doc__, allow_abbrev=False,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", default=",".join(name for name, _ in GROUPS))
    parser.add_argument("--fuzz-runs", type=int, default=20000)
    parser.add_argument("--long-fuzz", type=int, nargs="?", const=LONG_FUZZ_CALLS, default=None, metavar="CALLS")
    parser.add_argument("-v", "--verbose", action="store_true")
    args = parser.parse_args(argv)
    unknown = set(args.only.split(",")) - {name for name, _ in GROUPS}
    if unknown:
        parser.error("unknown group(s): %s" % ", ".join(sorted(unknown)))
    return args


def main():
    args = parse_arguments(sys.argv[1:])
    wanted = args.only.split(",")
    tally = Tally()
    print("accelerator: %s (BURSAR_ACCEL=kvm opts in; see docs/testing.md)" % harness.qemu.accelerator())
    for name, run in GROUPS:
        if name in wanted:
            print("== %s" % name, flush=True)
            run(tally, args)
    print("%d passed, %d failed" % (tally.passed, tally.failed))
    sys.exit(1 if tally.failed or tally.passed == 0 else 0)


if __name__ == "__main__":
    main()
