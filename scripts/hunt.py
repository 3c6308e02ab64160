#!/usr/bin/python3
"""Hunt the product's own stack: `make hunt`.

Every shipped network and machine scenario (scenarios/*.json and
scenarios/net/*.json; the planted races of scenarios/races/ are the
catalogue's, not the stack's) is explored under each interleaving policy
over a range of seeds with the exploration build (bin/explore/netsim),
whose race detector turns a data race into a failing seed, as every
other failure (a KASSERT, a contract, a lock-order report, a deadlock)
already is.  One `netsim explore --keep-going` a scenario and policy;
then a table: seeds, failures by kind, and each distinct failure once
(where, what) with the command that replays its first seed.

    scripts/hunt.py [--seeds 1..200] [--policies time,random,pct,pos]
                    [--jobs J] [--netsim bin/explore/netsim] [SCENARIO...]

Exit status 0 when no seed of any scenario failed, 1 when one did, 2 on
bad usage.  It reads no clock but to say how long it took.
"""
import argparse
import collections
import pathlib
import re
import subprocess
import sys
import time

ROOT = pathlib.Path(__file__).resolve().parent.parent
POLICIES = ("time", "random", "pct", "pos")
SUMMARY = re.compile(r"^(\d+) seeds explored .*?: (\d+) ok, (\d+) failed"
                     r"(?: \(([^)]*)\))?", re.M)
FAILURE = re.compile(r"^seed (\d+): ([^:]+): (.*)\n  replay: (.*)$", re.M)


def scenarios():
    return sorted(ROOT.glob("scenarios/*.json")) + \
        sorted(ROOT.glob("scenarios/net/*.json"))


def where(message):
    """A failure's place: its first file:line, else its first words."""
    m = re.search(r"\S+\.c:\d+", message)
    return m.group(0) if m else message[:60]


def hunt(netsim, scenario, policy, seeds, jobs):
    cmd = [str(netsim), "explore", str(scenario), "--seeds", seeds,
           "--policy", policy, "--keep-going", "--no-progress"]
    if jobs:
        cmd += ["--jobs", str(jobs)]
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       text=True, check=False)
    m = SUMMARY.search(p.stdout)
    if p.returncode not in (0, 3) or m is None:
        sys.exit(f"hunt: {' '.join(cmd)}: exit {p.returncode}\n"
                 f"{p.stdout}{p.stderr}")
    failures = collections.OrderedDict()
    for seed, kind, message, replay in FAILURE.findall(p.stdout):
        key = (kind, where(message))
        if key not in failures:
            failures[key] = (int(seed), message, replay, 0)
        s, msg, rp, n = failures[key]
        failures[key] = (s, msg, rp, n + 1)
    return int(m[1]), int(m[3]), m[4] or "", failures


def main():
    ap = argparse.ArgumentParser(
        description="explore every shipped scenario under every policy "
        "with the exploration build")
    ap.add_argument("--seeds", default="1..200")
    ap.add_argument("--policies", default=",".join(POLICIES))
    ap.add_argument("--jobs", type=int, default=0)
    ap.add_argument("--netsim", default=ROOT / "bin" / "explore" / "netsim")
    ap.add_argument("scenario", nargs="*")
    a = ap.parse_args()
    policies = a.policies.split(",")
    for p in policies:
        if p not in POLICIES:
            ap.error(f"--policies: no policy {p!r} (one of "
                     f"{', '.join(POLICIES)})")
    netsim = pathlib.Path(a.netsim)
    if not netsim.exists():
        ap.error(f"{netsim} is not built (make explore builds it)")
    todo = [pathlib.Path(s) for s in a.scenario] or scenarios()
    t0 = time.monotonic()
    failed = 0
    print(f"hunt: {len(todo)} scenarios x {len(policies)} policies, seeds "
          f"{a.seeds}, {netsim}")
    print(f"{'scenario':34} {'policy':7} {'seeds':>6} {'failed':>6}  kinds")
    for s in todo:
        rel = s.resolve().relative_to(ROOT) if s.resolve().is_relative_to(
            ROOT) else s
        for policy in policies:
            n, nf, kinds, failures = hunt(netsim, s, policy, a.seeds,
                                          a.jobs)
            failed += nf
            print(f"{str(rel):34} {policy:7} {n:6} {nf:6}  {kinds}",
                  flush=True)
            for (kind, at), (seed, msg, replay, count) in failures.items():
                print(f"    {count} seeds: {kind} at {at} (first seed {seed})"
                      f"\n      {msg[:300]}\n      replay: {replay}",
                      flush=True)
    print(f"hunt: {failed} failing seeds in all "
          f"({time.monotonic() - t0:.0f} s)")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
