"""Counting instructions with valgrind's cachegrind, for the *_bench.py
scripts that compare netsim with ns-3 instruction for instruction.

This guest has no hardware counters for `perf stat`; cachegrind with
`--cache-sim=no` counts the instructions a program executes, the same on
a loaded machine as on a quiet one.  A bench runs each side at two sizes
and divides the difference of the instructions by the difference of the
work, so set-up drops out.
"""
import os
import re
import subprocess
import sys
import tempfile


def counted(cmd, who):
    """(instructions, the first number cmd prints) of one run of cmd
    under cachegrind; who names the bench in an error, which exits."""
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "cg.out")
        p = subprocess.run(["valgrind", "--tool=cachegrind",
                            "--cache-sim=no",
                            f"--cachegrind-out-file={out}"] + cmd,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           text=True)
    if p.returncode != 0:
        sys.exit(f"{who}: {' '.join(cmd)} failed:\n{p.stderr}")
    m = re.search(r"I\s+refs:\s+([\d,]+)", p.stderr)
    if m is None:
        sys.exit(f"{who}: no instruction count from "
                 f"{' '.join(cmd)}:\n{p.stderr}")
    return int(m.group(1).replace(",", "")), int(p.stdout.split()[0])
