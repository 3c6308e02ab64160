#!/usr/bin/env python3
"""The pinned fingerprints: (scenario, seed) -> (exit status, fingerprint).

Every shipped scenario (scenarios/**/*.json, but not the schema, nor a
real-time one: it meets Linux and claims no fingerprint) is run
at seeds 1 to SEEDS, and the benchmarks' scenarios (bench/scenarios/*.json,
a few seconds each) at seeds 1 to BENCH_SEEDS, with bin/netsim, and the
table tests/fingerprints.tsv holds what each run ended with.  A scenario
with a "sweep" is a campaign of many runs: `netsim run FILE --seed N`
runs every point at seed N and its last line is the campaign's
fingerprint (every point's, folded in point order), pinned at seeds 1 to
SWEEP_SEEDS.  The suite
(tests/test_fingerprints.py) runs them again and compares, so a change
that moves any fingerprint fails until the table is rewritten -- with
`make fingerprints`, in the same commit, whose message says why.

Usage:
  fingerprints.py            rewrite tests/fingerprints.tsv
  fingerprints.py --check    compare; print each difference, exit 1 if any
  --netsim PATH              the binary (default bin/release/netsim)
"""
import argparse
import concurrent.futures
import json
import os
import pathlib
import re
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
TABLE = ROOT / "tests" / "fingerprints.tsv"
SEEDS = 20
BENCH_SEEDS = 1
SWEEP_SEEDS = 2
HEADER = """\
# Pinned fingerprints of every shipped scenario: scenario, seed, exit status,
# fingerprint.  Written by `make fingerprints` (scripts/fingerprints.py);
# checked by tests/test_fingerprints.py.  A commit that changes a line here
# says in its message why the runs changed.
"""


def realtime(path):
    """Whether the scenario at path is paced to the wall clock: such a run
    meets Linux, is not deterministic and prints no fingerprint."""
    try:
        doc = json.loads(path.read_text())
    except ValueError:
        return False
    return isinstance(doc, dict) and doc.get("realtime") is True


def scenarios():
    found = list((ROOT / "scenarios").rglob("*.json"))
    found += list((ROOT / "bench" / "scenarios").glob("*.json"))
    return sorted(str(p.relative_to(ROOT)) for p in found
                  if p.name != "schema.json" and not realtime(p))


def run_one(netsim, scenario, seed):
    """(exit status, fingerprint) of one run, recording nothing."""
    p = subprocess.run([netsim, "run", scenario, "--seed", str(seed),
                        "--quiet", "--jobs", "1"],
                       cwd=ROOT, capture_output=True, text=True, timeout=600)
    m = re.search(r"^fingerprint ([0-9a-f]{16})$", p.stdout, re.M)
    if m is None:
        raise RuntimeError(f"{scenario} seed {seed}: no fingerprint line "
                           f"(exit {p.returncode}):\n{p.stderr[-2000:]}")
    return p.returncode, m.group(1)


def measure(netsim, cases):
    """{(scenario, seed): (exit, fingerprint)} for cases, on every core."""
    with concurrent.futures.ThreadPoolExecutor(os.cpu_count() or 2) as pool:
        futures = {case: pool.submit(run_one, netsim, *case) for case in cases}
        return {case: f.result() for case, f in futures.items()}


def seeds_of(scenario):
    """How many seeds a scenario is pinned at."""
    if scenario.startswith("bench/"):
        return BENCH_SEEDS
    try:
        doc = json.loads((ROOT / scenario).read_text())
    except ValueError:
        return SEEDS
    return SWEEP_SEEDS if isinstance(doc, dict) and "sweep" in doc else SEEDS


def all_cases():
    return [(s, seed) for s in scenarios()
            for seed in range(1, seeds_of(s) + 1)]


def read_table(path=TABLE):
    table = {}
    for line in path.read_text().splitlines():
        if not line or line.startswith("#"):
            continue
        scenario, seed, status, fp = line.split("\t")
        table[(scenario, int(seed))] = (int(status), fp)
    return table


def write_table(results, path=TABLE):
    lines = [HEADER]
    for (scenario, seed), (status, fp) in sorted(results.items()):
        lines.append(f"{scenario}\t{seed}\t{status}\t{fp}\n")
    path.write_text("".join(lines))


def differences(pinned, got):
    """One sentence per case that is not as pinned."""
    out = []
    for case in sorted(set(pinned) | set(got)):
        scenario, seed = case
        if case not in pinned:
            out.append(f"{scenario} seed {seed}: not in the table "
                       "(run `make fingerprints`)")
        elif case not in got:
            out.append(f"{scenario} seed {seed}: in the table but the "
                       "scenario is gone (run `make fingerprints`)")
        elif pinned[case] != got[case]:
            out.append(f"{scenario} seed {seed}: pinned exit {pinned[case][0]}"
                       f" fingerprint {pinned[case][1]}, got exit "
                       f"{got[case][0]} fingerprint {got[case][1]}; replay: "
                       f"bin/netsim run {scenario} --seed {seed}")
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--check", action="store_true")
    ap.add_argument("--netsim", default=str(ROOT / "bin" / "release" / "netsim"))
    args = ap.parse_args()
    got = measure(args.netsim, all_cases())
    if not args.check:
        write_table(got)
        print(f"fingerprints: {len(got)} runs written to "
              f"{TABLE.relative_to(ROOT)}")
        return 0
    diff = differences(read_table(), got)
    for d in diff:
        print(d)
    return 1 if diff else 0


if __name__ == "__main__":
    sys.exit(main())
