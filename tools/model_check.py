"""model_check.py — `./bursar test`'s model group: model/reclaim.pml, a Spin
model of the preemptible reclaim protocol, checked exhaustively.

Each property of today's protocol is one verification, which must find no
counterexample. Each old behaviour (issue 10, findings 6-8: a -D switch
of the model) is one more, which must find one, of the kind named, and so
is a mutant for each property no finding breaks: so the model cannot
silently lose the power to fail. Spin writes its verifier
(pan.c) into build/model/<check>/; gcc builds it; a verification must also
be complete (no search-depth cut-off).
"""
import os
import re
import shutil
import subprocess
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
MODEL = os.path.join(ROOT, "model", "reclaim.pml")
BUILD = os.path.join(ROOT, "build", "model")

SAFETY, LIVENESS = "assertion violated", "acceptance cycle"

# (name, -D switches, what a counterexample is, whether one must be found)
CHECKS = [
    ("no-record-or-thread-used-after-free", ["PROP_UAF"], SAFETY, False),
    ("no-allocation-the-check-did-not-promise", ["PROP_PROMISE"], SAFETY, False),
    ("a-reclaim-unit-frees-what-it-takes", ["PROP_UNIT"], SAFETY, False),
    ("the-ledger-is-exact", ["PROP_LEDGER"], SAFETY, False),
    ("every-reclaim-finishes", ["LIVENESS"], LIVENESS, False),
    ("old-finding-6-a-check-counting-a-paused-victim-is-caught", ["OLD_ALLOCATABLE", "PROP_PROMISE"], SAFETY, True),
    ("old-finding-7-a-caller-dead-in-its-own-reclaim-is-caught", ["OLD_QUIESCE", "OLD_SELF", "PROP_UNIT"], SAFETY, True),
    ("old-finding-8-waiting-for-every-stopped-thread-is-caught", ["OLD_QUIESCE", "LIVENESS"], LIVENESS, True),
    ("mutant-a-cursor-not-told-its-top-went-is-caught", ["MUTANT_CURSOR", "PROP_UAF"], SAFETY, True),
    ("mutant-a-page-the-bank-does-not-count-is-caught", ["MUTANT_BANK", "PROP_LEDGER"], SAFETY, True),
]


def verify(name, defines, kind):
    """Spin's verifier for the model with `defines`; returns (errors, pan's output)."""
    work = os.path.join(BUILD, name)
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    run = lambda command: subprocess.run(command, cwd=work, capture_output=True, text=True)
    result = run(["spin", "-a"] + ["-D" + d for d in defines] + [MODEL])
    if result.returncode != 0:
        return None, result.stdout + result.stderr
    flags = ["-DSAFETY"] if kind == SAFETY else ["-DNFAIR=3"]
    # -O0: pan.c compiles in a second, and these searches are too short to win the time back.
    result = run(["gcc", "-O0", "-w"] + flags + ["-o", "pan", "pan.c"])
    if result.returncode != 0:
        return None, result.stdout + result.stderr
    result = run(["./pan", "-m100000"] + (["-a", "-f"] if kind == LIVENESS else []))
    found = re.search(r"errors: (\d+)", result.stdout)
    return (int(found.group(1)) if found else None), result.stdout + result.stderr


def run_model(tally, _args):
    if not shutil.which("spin"):
        tally.record(False, "model", "spin is not installed (./bursar installs Debian's spin)")
        return
    for name, defines, kind, must_fail in CHECKS:
        start = time.monotonic()
        errors, output = verify(name, defines, kind)
        seconds = time.monotonic() - start
        if errors is None:
            ok, why = False, "no verdict: " + " | ".join(output.strip().splitlines()[-5:])
        elif "max search depth too small" in output:
            ok, why = False, "the search was cut off (depth)"
        elif must_fail:
            ok, why = errors > 0 and kind in output, "no %s found with -D%s" % (kind, " -D".join(defines))
        else:
            ok, why = errors == 0, "%d counterexample(s): %s" % (errors, " | ".join(
                l for l in output.splitlines() if "pan:1" in l or "violated" in l))
        tally.record(ok, "model/%s (%s, %.0f s)" % (name, " ".join(defines), seconds), why)
