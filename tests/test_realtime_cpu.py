"""What a real-time run takes from Linux to keep up, and what it says
about its lag (sim/edge/edge.h, "Keeping the CPU"; README, "How far it
lagged").

Once the hosts have booted, a real-time run locks its memory and asks
for SCHED_FIFO at a modest priority (10; NETSIM_REALTIME_PRIORITY sets
it, 0 for none); refused (not root), it goes on without and says so; a
run that cannot keep up gives the priority back.  Its summary gives the
lag's quantiles and the virtual times of its worst excursions, and
NETSIM_REALTIME_TRACE writes a line each time the loop came to the edge.

No bridge here, so no namespace is needed; the tests of the priority
need root (to be granted it, or to drop it with setpriv) and skip
without.  Nothing depends on the machine's speed: the runs' lag is not
asserted, only what was granted and how the figures agree.
"""
import os
import pathlib
import re
import shutil
import signal
import subprocess
import time

import pytest

from harness import ROOT, VARIANT, binary, run
from test_realtime import while_pacing

ROUTER = ROOT / "scenarios" / "net" / "router.json"
TWO_HOSTS = ROOT / "scenarios" / "net" / "two-hosts.json"
SCHED_OTHER, SCHED_FIFO = 0, 1
AHEAD_NS = 20000                        # SIM_EDGE_AHEAD_NS
# A sanitizer's build maps terabytes of shadow memory: the edge locks
# memory only for a run that maps at most 1 GiB, and says so.
SANITIZED = VARIANT in ("asan", "tsan")
MEMORY = "memory not locked (the run maps more than 1 GiB)" if SANITIZED \
    else "memory locked"


@pytest.fixture
def netsim():
    return binary("netsim")


def need_root():
    if os.geteuid() != 0:
        print("skipping: not root: SCHED_FIFO and mlockall need it")
        pytest.skip("not root: SCHED_FIFO and mlockall need it")


def sched(pid, tid=None):
    """(policy, rt_priority) of a thread (the main one by default)."""
    path = f"/proc/{pid}/stat" if tid is None else \
        f"/proc/{pid}/task/{tid}/stat"
    stat = pathlib.Path(path).read_text()
    fields = stat[stat.rindex(")") + 2:].split()   # from field 3 on
    return int(fields[41 - 3]), int(fields[40 - 3])


def locked_kb(pid):
    m = re.search(r"^VmLck:\s+(\d+) kB", pathlib.Path(
        f"/proc/{pid}/status").read_text(), re.M)
    return int(m[1])


def sched_line(out):
    m = re.search(r"^realtime: scheduling: (.*)$", out, re.M)
    assert m, out
    return m[1]


def router_args(rate, duration, count=None):
    """The router's echo flow at rate (count datagrams: by default as
    many as a second holds) for a run of duration."""
    return ["--no-progress", "--set", f"duration={duration}",
            "--set", "record.packets=false",
            "--set", f"workload[2].rate={rate}pps",
            "--set", f"workload[2].count={count or rate}"]


def test_a_real_time_run_holds_sched_fifo_and_locked_memory(netsim):
    """While it paces, the loop's thread is SCHED_FIFO at priority 10
    and the process's memory is locked; every other thread (the writer)
    is not real-time; the summary says what it got.  Before: the run was
    scheduled as any other process, and a loaded machine took its CPU
    (seconds of lag at 60 kpps, where the same run under chrt -f kept
    within a millisecond)."""
    need_root()
    seen = {}

    def look(proc):
        seen["main"] = sched(proc.pid)
        seen["others"] = [sched(proc.pid, tid) for tid in
                          os.listdir(f"/proc/{proc.pid}/task")
                          if int(tid) != proc.pid]
        seen["locked_kb"] = locked_kb(proc.pid)

    rc, out, err = while_pacing(netsim, "router.json",
                                router_args(10000, "1500ms"), 0.7, look)
    assert rc == 0, err
    assert seen["main"] == (SCHED_FIFO, 10), seen
    assert seen["others"] and all(p == SCHED_OTHER
                                  for p, _ in seen["others"]), seen
    assert seen["locked_kb"] > 1024 or SANITIZED, seen
    assert sched_line(out) == f"SCHED_FIFO at priority 10; {MEMORY}"


def test_netsim_realtime_priority_sets_it_or_turns_it_off(netsim):
    """NETSIM_REALTIME_PRIORITY=N asks for priority N, 0 for none (the
    run is then scheduled as any other); a value it cannot take is a
    clear error before anything runs."""
    need_root()
    for want, policy in (("3", (SCHED_FIFO, 3)), ("0", (SCHED_OTHER, 0))):
        seen = []
        os.environ["NETSIM_REALTIME_PRIORITY"] = want
        try:
            rc, out, err = while_pacing(
                netsim, "router.json", router_args(10000, "1200ms"), 0.6,
                lambda proc: seen.append(sched(proc.pid)))
        finally:
            del os.environ["NETSIM_REALTIME_PRIORITY"]
        assert rc == 0, err
        assert seen == [policy]
        assert sched_line(out).startswith(
            "SCHED_FIFO at priority 3;" if want == "3" else
            "normal (NETSIM_REALTIME_PRIORITY=0);"), out
    for bad in ("high", "-1", "100"):
        p = run([netsim, "run", TWO_HOSTS, "--realtime", "--set",
                 "duration=100ms"], check=2,
                env={**os.environ, "NETSIM_REALTIME_PRIORITY": bad})
        assert re.search(rf"^netsim: NETSIM_REALTIME_PRIORITY={bad}: "
                         r"expected a SCHED_FIFO priority, 1 to 99, or 0 "
                         r"for none$", p.stderr, re.M), p.stderr


def test_refused_it_runs_as_any_process_and_says_why(netsim):
    """Not root: no SCHED_FIFO (and the memory lock only within ulimit
    -l); the run goes on, exit 0, and says what was refused and why."""
    if os.geteuid() != 0 or shutil.which("setpriv") is None:
        pytest.skip("needs root to drop it (setpriv)")
    p = run(["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
             netsim, "run", TWO_HOSTS, "--realtime", "--no-progress",
             "--set", "duration=300ms"], check=0)
    line = sched_line(p.stdout)
    assert re.fullmatch(
        r"normal \(SCHED_FIFO refused: Operation not permitted: it needs "
        r"root or CAP_SYS_NICE\); memory (locked|not locked \(mlockall: "
        r"Cannot allocate memory: it needs root or CAP_IPC_LOCK, or a "
        r"larger ulimit -l\)|not locked \(the run maps more than 1 GiB\))",
        line), line


def test_a_run_that_cannot_keep_up_gives_the_priority_back(netsim):
    """4 Mpps through the router cannot be simulated as fast as it
    happens: once the run has been over 10 ms late for 0.5 s, the
    thread is SCHED_OTHER again, and the summary says when.  (A
    real-time task that never sleeps only holds a CPU others need.)
    Ended by SIGINT once it has, whatever the machine's speed."""
    need_root()
    proc = subprocess.Popen(
        [str(netsim), "run", ROUTER, "--realtime",
         *router_args(4000000, "60s")],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert proc.stdout.readline().startswith("netsim ")
        end = time.monotonic() + 60
        for want in (SCHED_FIFO, SCHED_OTHER):      # booted; gave it back
            while sched(proc.pid)[0] != want:
                assert time.monotonic() < end, f"never policy {want}"
                time.sleep(0.02)
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    # Ended with its flow still sending: the time cap's exit status.
    assert proc.returncode == 5, err
    assert re.search(r"^netsim: interrupted \(SIGINT\)", err, re.M), err
    m = re.fullmatch(r"SCHED_FIFO at priority 10, given back at ([\d.]+) ms "
                     r"virtual \(over 10 ms late for 500 ms: it cannot keep "
                     r"up\); " + re.escape(MEMORY), sched_line(out))
    assert m, out
    assert 0 < float(m[1]) < 60000


def test_the_summary_gives_the_lags_quantiles_and_worst_times(netsim):
    """Beside the largest lag and its p99: p50 <= p90 <= p99 <= p99.9 <=
    max, and the worst excursions' virtual times, largest first, the
    first being the largest lag -- where in the run to look."""
    p = run([netsim, "run", ROUTER, "--realtime",
             *router_args(10000, "400ms", 2000)], check=0)
    m = re.search(r"^realtime: virtual time lagged the wall clock by at "
                  r"most ([\d.]+) ms \(p99 ([\d.]+) ms", p.stdout, re.M)
    q = re.search(r"^realtime: lag p50 ([\d.]+) ms, p90 ([\d.]+) ms, "
                  r"p99\.9 ([\d.]+) ms; the worst at (.*)$", p.stdout, re.M)
    assert m and q, p.stdout
    lag_max, p99 = float(m[1]), float(m[2])
    p50, p90, p999 = map(float, q.groups()[:3])
    assert p50 <= p90 <= p99 <= p999 <= lag_max
    worst = re.findall(r" ([\d.]+) ms virtual \(([\d.]+) ms\)", " " + q[4])
    assert 1 <= len(worst) <= 4, q[4]
    lags = [float(w[1]) for w in worst]
    assert lags == sorted(lags, reverse=True) and lags[0] == lag_max
    assert all(0 <= float(w[0]) <= 400 for w in worst)


def test_netsim_realtime_trace_writes_a_line_a_visit(netsim, tmp_path):
    """NETSIM_REALTIME_TRACE: a line each time the loop came to the edge
    ("t w0 w events cpu_ns"), agreeing with the summary (as many lines
    as visits; the lags it measured, their number and largest).  And no
    sleep ended before it was due: with no TAP device to wake it, every
    wait lasts until t.  Before, a sleep was timed from libev's last
    look at the clock, up to a batch ago, and ended that much early --
    up to 0.3 ms -- and the loop slept again."""
    trace = tmp_path / "trace.txt"
    p = run([netsim, "run", ROUTER, "--realtime",
             *router_args(10000, "600ms", 4000)], check=0,
            env={**os.environ, "NETSIM_REALTIME_TRACE": str(trace)})
    rows = [tuple(map(int, line.split()))
            for line in trace.read_text().splitlines()]
    m = re.search(r"at most ([\d.]+) ms \(p99 [\d.]+ ms, (\d+) "
                  r"measurements", p.stdout)
    visits = re.search(r"came to the edge (\d+) times for (\d+) events",
                       p.stdout)
    assert m and visits, p.stdout
    assert len(rows) == int(visits[1]) > 1000
    assert all(len(r) == 5 for r in rows)
    lags = [max(w - t, 0) for t, w0, w, ev, cpu in rows if w + AHEAD_NS >= t]
    assert len(lags) == int(m[2])
    assert abs(max(lags) / 1e6 - float(m[1])) < 0.0006
    waited = [(t, w) for t, w0, w, ev, cpu in rows if w0 + AHEAD_NS < t]
    assert len(waited) > 100
    early = [t - w for t, w in waited if w + 2000 < t]
    assert early == [], f"{len(early)} sleeps ended early, by up to " \
        f"{max(early) / 1e3:.1f} us"
    events = [r[3] for r in rows]
    cpu = [r[4] for r in rows]
    assert events == sorted(events) and events[-1] <= int(visits[2])
    assert cpu == sorted(cpu)
