#!/usr/bin/env python3
"""Run netsim's benchmarks: `make bench [BENCH=prefix]`.

Every benchmark program (bin/release/bench/*) takes the name prefix as its
only argument and prints one line per figure whose name starts with it:

    bench <name> <median> <unit> min=<x> max=<y> runs=<n>

This script runs them all in a fixed order, prints the machine and date
first, and passes their lines through unchanged; a program that prints no
line for the prefix is silent.  A program that fails makes the run fail.
The Python benchmarks, bench/*_bench.py (what they time is Python: the
report), run after them in the same way, by this interpreter.
"""
import datetime
import os
import pathlib
import platform
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
BENCH_DIR = ROOT / "bin" / "release" / "bench"


def machine():
    model = "unknown cpu"
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{model}, {os.cpu_count()} cpus, {platform.machine()}, {platform.release()}"


def main():
    prefix = sys.argv[1] if len(sys.argv) > 1 else ""
    print(f"# {datetime.date.today()} {machine()}", flush=True)
    progs = [[str(p)] for p in sorted(BENCH_DIR.iterdir())
             if os.access(p, os.X_OK)]
    progs += [[sys.executable, str(p)]
              for p in sorted((ROOT / "bench").glob("*_bench.py"))]
    failed = []
    for prog in progs:
        p = subprocess.run(prog + [prefix], stdout=subprocess.PIPE,
                           text=True)
        sys.stdout.write(p.stdout)
        sys.stdout.flush()
        if p.returncode != 0:
            failed.append(f"{os.path.basename(prog[-1])} exited "
                          f"{p.returncode}")
    if failed:
        sys.exit("bench: " + "; ".join(failed))


if __name__ == "__main__":
    main()
