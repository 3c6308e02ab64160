#!/usr/bin/env python3
"""realtime_bench.py -- how fast a real-time run can go and keep up.

    bench realtime_max_pps      the highest rate of the router scenario's
                                UDP echo flow (scenarios/net/router.json,
                                workload[2], for 1 s of traffic) at which
                                `netsim run --realtime` keeps virtual time
                                within 1 ms of the wall clock: its lag's
                                99th percentile (what the run prints and
                                records) at most 1 ms -- and the packets
                                go through: the echo flow loses at most
                                1 % of its datagrams.  Found by doubling
                                from 5 kpps, then halving the interval
                                four times; the median of RUNS searches
    bench realtime_lag_p99_10kpps_ms, realtime_lag_max_10kpps_ms,
    bench realtime_lag_p99_100kpps_ms, realtime_lag_max_100kpps_ms
                                the lag at 10 and 100 kpps (RUNS runs)
    bench realtime_cpu_10kpps_s, realtime_cpu_100kpps_s
                                the CPU time (user and system) those runs
                                took for their 1.2 s: below 1.2 s, the
                                run could keep up on a core of its own,
                                whatever the load did to its lag
    bench realtime_pacing_cpu_10kpps_s
                                what pacing itself cost at 10 kpps: the
                                real-time runs' CPU time less that of the
                                same command without --realtime (RUNS
                                each, medians) -- the sleeps, mostly

Why "go through": the simulated client and router carry the echo flow
without loss up to about 120 kpps (128 kpps loses 0.2 %, 144 kpps 9 %).
Past that a run drops what it cannot carry, and so does less work a
second than the rate asks: without the condition, a search that reached
128 kpps climbed to 160 kpps on work that was never done.  A rate
refused for loss is said in a comment: it is the scenario's limit, not
netsim's speed.

A real-time run takes its duration in wall-clock time (1.2 s here), so
the search takes about a minute.  The lag depends on the CPU the run
gets: on a shared, loaded machine it is the machine's load as much as
netsim's speed that is measured, so the figures print the load average
before and after, what scheduling the runs got (as root: SCHED_FIFO and
locked memory, sim/edge/edge.h), and for each run at a fixed rate a
comment with its lag's quantiles, the virtual times of its worst
excursions and the time the hypervisor stole from this (virtual)
machine's CPUs meanwhile (/proc/stat's steal, both CPUs), and what
pacing did (visits to the edge, sleeps -- some 20 us of CPU each in a
virtual machine: most of a 10 kpps run's CPU -- and looks at Linux,
which a run without a bridge takes only to hear signals).  Per-packet
records are off (record.packets false) and there is no database: what
is timed is the machine and its pacing.

Takes the benchmark name prefix as its argument, as every benchmark
does (bench/run.py); prints nothing for a prefix that is not its own.
"""
import os
import pathlib
import re
import resource
import statistics
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
NETSIM = ROOT / "bin" / "release" / "netsim"
SCENARIO = ROOT / "scenarios" / "net" / "router.json"
NAMES = ("realtime_max_pps", "realtime_lag_p99_10kpps_ms",
         "realtime_lag_max_10kpps_ms", "realtime_cpu_10kpps_s",
         "realtime_lag_p99_100kpps_ms", "realtime_lag_max_100kpps_ms",
         "realtime_cpu_100kpps_s", "realtime_pacing_cpu_10kpps_s")
RUNS = 3
KEEP_UP_NS = 1000000            # within 1 ms of the wall clock
START_PPS, MAX_PPS = 1000, 4096000
LAG = re.compile(r"^realtime: virtual time lagged the wall clock by at most "
                 r"([\d.]+) ms \(p99 ([\d.]+) ms", re.M)
QUANTILES = re.compile(r"^realtime: lag (p50 .*)$", re.M)
SCHED = re.compile(r"^realtime: scheduling: (.*)$", re.M)
PACING = re.compile(r"^realtime: pacing: the loop came to the edge (\d+) "
                    r"times for \d+ events: (\d+) slept, (\d+) looked at "
                    r"Linux", re.M)
# The echo flow's summary (workload[2], a udp_send to port 7).
ECHO = re.compile(r"udp_send \S+:7: (\d+) sent, \d+ errors, \d+ received, "
                  r"(\d+) lost")
MAX_LOSS = 0.01                 # the packets go through: at most 1 % lost
TICK_S = 1 / os.sysconf("SC_CLK_TCK")
last = {}                       # what the last run said


def steal_s():
    """The time the hypervisor has stolen from this machine's CPUs."""
    with open("/proc/stat") as f:
        fields = f.readline().split()
    return int(fields[8]) * TICK_S if len(fields) > 8 else 0.0


def command(pps):
    """The run at pps, without --realtime."""
    return [str(NETSIM), "run", str(SCENARIO), "--no-progress",
            "--set", "duration=1200ms", "--set", "record.packets=false",
            "--set", f"workload[2].rate={pps}pps",
            "--set", f"workload[2].count={pps}"]


def batch_cpu(pps):
    """The CPU seconds of the run at pps without --realtime."""
    r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    p = subprocess.run(command(pps), capture_output=True, text=True,
                       timeout=120)
    if p.returncode != 0:
        sys.exit(f"realtime_bench: the batch run at {pps} pps failed "
                 f"(exit {p.returncode}):\n{p.stderr}")
    r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r1.ru_utime - r0.ru_utime + r1.ru_stime - r0.ru_stime


def lag(pps):
    """(p99, max) lag in ms of a real-time run at pps, and its CPU s."""
    r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    s0 = steal_s()
    p = subprocess.run(command(pps) + ["--realtime"], capture_output=True,
                       text=True, timeout=120)
    m, echo = LAG.search(p.stdout), ECHO.search(p.stdout)
    if p.returncode != 0 or m is None or echo is None:
        sys.exit(f"realtime_bench: the run at {pps} pps failed "
                 f"(exit {p.returncode}):\n{p.stdout[-2000:]}{p.stderr}")
    r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = r1.ru_utime - r0.ru_utime + r1.ru_stime - r0.ru_stime
    q, sc = QUANTILES.search(p.stdout), SCHED.search(p.stdout)
    pc = PACING.search(p.stdout)
    last.update(quantiles=q[1] if q else "?", sched=sc[1] if sc else "?",
                steal_ms=(steal_s() - s0) * 1e3,
                pacing=f"{pc[1]} visits, {pc[2]} sleeps, {pc[3]} looks "
                f"at Linux" if pc else "?",
                loss=int(echo[2]) / max(1, int(echo[1])))
    return float(m[2]), float(m[1]), cpu


def keeps_up(pps):
    """Whether the run at pps keeps up and its packets go through."""
    ok = lag(pps)[0] * 1e6 <= KEEP_UP_NS
    if last["loss"] > MAX_LOSS:
        print(f"# {pps} pps: the echo flow lost {last['loss']:.1%} of its "
              f"datagrams (the scenario's limit, not netsim's): refused",
              flush=True)
        return False
    return ok


def max_pps():
    """The highest rate that keeps up: double, then bisect four times."""
    lo, hi = 0, START_PPS
    while hi <= MAX_PPS and keeps_up(hi):
        lo, hi = hi, 2 * hi
    for _ in range(4):
        mid = (lo + hi) // 2
        if mid <= lo:
            break
        if keeps_up(mid):
            lo = mid
        else:
            hi = mid
    return lo


def line(name, values, unit, fmt):
    print(f"bench {name} {fmt % statistics.median(values)} {unit} "
          f"min={fmt % min(values)} max={fmt % max(values)} "
          f"runs={len(values)}", flush=True)


def main():
    prefix = sys.argv[1] if len(sys.argv) > 1 else ""
    if not any(n.startswith(prefix) for n in NAMES):
        return
    print(f"# realtime: load average {os.getloadavg()[0]:.1f} at the start "
          f"({os.cpu_count()} cpus)", flush=True)
    if NAMES[0].startswith(prefix):
        line(NAMES[0], [max_pps() for _ in range(RUNS)], "pps", "%d")
    for pps, names in ((10000, NAMES[1:4] + NAMES[7:8]),
                       (100000, NAMES[4:7])):
        if not any(n.startswith(prefix) for n in names):
            continue
        runs = []
        for _ in range(RUNS):
            runs.append(lag(pps))
            print(f"# {pps} pps: lag {last['quantiles']}; cpu "
                  f"{runs[-1][2]:.2f} s, steal {last['steal_ms']:.0f} ms; "
                  f"pacing {last['pacing']}", flush=True)
        line(names[0], [r[0] for r in runs], "ms", "%.3f")
        line(names[1], [r[1] for r in runs], "ms", "%.3f")
        line(names[2], [r[2] for r in runs], "s", "%.2f")
        if len(names) > 3:
            batch = statistics.median(batch_cpu(pps) for _ in range(RUNS))
            line(names[3], [r[2] - batch for r in runs], "s", "%.2f")
    print(f"# realtime: scheduling: {last.get('sched', '?')}", flush=True)
    print(f"# realtime: load average {os.getloadavg()[0]:.1f} at the end",
          flush=True)


if __name__ == "__main__":
    main()
