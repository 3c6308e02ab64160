"""netsim replay: the failing seed again, proved the same run by its
fingerprint; a trace of every scheduling point and event that shows the
race, the same in every replay and changing nothing; and a stop at one
of them, with what to type to look at it in gdb.
"""
import json
import os
import re
import shlex
import shutil
import signal
import subprocess
import time

import pytest

import dbcheck
from harness import COUNTER_LOAD_LINE as LOAD_LINE
from harness import COUNTER_STORE_LINE as STORE_LINE
from harness import ROOT, run

LOST = ROOT / "scenarios" / "races" / "lost-update.json"
SEED18_FP = "1907e2f4514fe7e4"     # lost-update at seed 18 (a lost update)



def replay(netsim, *args, check=None):
    return run([netsim, "replay", LOST, *args], check=check)


def test_explores_replay_line_reproduces_the_failure(netsim):
    p = run([netsim, "explore", LOST, "--seeds", "1..20"], check=3)
    cmd = re.search(r"^  replay: (.*)$", p.stdout, re.M).group(1)
    words = shlex.split(cmd)
    assert words[0] == "netsim"
    r = run([netsim, *words[1:]], check=3)
    assert "panic: counter: 1 of 40 updates lost" in r.stderr
    assert r.stdout.endswith(f"fingerprint {SEED18_FP}\n"
                             f"fingerprint matches: {SEED18_FP} is the run "
                             "expected\n")


def test_a_different_fingerprint_is_a_mismatch(netsim):
    p = replay(netsim, "--seed", "18", "--expect", "0123456789abcdef",
               "--quiet", check=1)
    assert p.stdout == f"fingerprint {SEED18_FP}\nfingerprint MISMATCH: " \
        f"expected 0123456789abcdef, got {SEED18_FP}: this is not the run " \
        "that was recorded (another netsim binary, another text of the " \
        "scenario, another policy?)\n"
    p = replay(netsim, "--seed", "18", "--quiet", check=3)
    assert "fingerprint not checked" in p.stdout


def test_replay_of_a_recorded_run(netsim, tmp_path):
    db = tmp_path / "x.db"
    run([netsim, "explore", LOST, "--seeds", "15..20", "--keep-going",
         "--db", db], check=3)
    (rid,), = dbcheck.query(db, "SELECT id FROM runs WHERE seed = 18")
    p = replay(netsim, "--db", db, "--run", rid, "--quiet", check=3)
    assert p.stdout.endswith(f"fingerprint matches: {SEED18_FP} is the run "
                             "expected\n")
    abba = ROOT / "scenarios" / "races" / "abba-deadlock.json"
    p = run([netsim, "replay", abba, "--db", db, "--run", rid], check=2)
    assert f"run {rid} of {db} is of scenario lost-update, not " \
        "abba-deadlock" in p.stderr
    p = replay(netsim, "--db", db, "--run", "99", check=2)
    assert "has no run 99" in p.stderr
    p = replay(netsim, "--seed", "3", "--db", db, "--run", rid, check=2)
    assert "has seed 18, not 3" in p.stderr


def trace_lines(path):
    return [s.split("\t") for s in path.read_text().splitlines()
            if not s.startswith("#")]


def test_the_trace_shows_the_race_and_is_the_same_every_time(netsim,
                                                              tmp_path):
    t1, t2 = tmp_path / "t1.txt", tmp_path / "t2.txt"
    p = replay(netsim, "--seed", "18", "--expect", SEED18_FP, "--trace", t1,
               check=3)
    assert "fingerprint matches" in p.stdout
    replay(netsim, "--seed", "18", "--trace", t2, "--quiet", check=3)
    assert t1.read_text() == t2.read_text()
    lines = trace_lines(t1)
    points = int(re.search(r"(\d+) scheduling points", p.stdout).group(1))
    assert f"trace: {t1} ({points} points and events)" in p.stdout
    assert [int(w[0]) for w in lines] == list(range(1, points + 1))
    # The lost update: CPU 1 loads, CPU 0 loads and stores, CPU 1 stores
    # over it.  Each line: n, time, host, cpu, context, kind, object, where.
    load = f"stack/apps/counter.c:{LOAD_LINE} (counter_worker)"
    store = f"stack/apps/counter.c:{STORE_LINE} (counter_worker)"
    acc = [(w[3], w[4], w[5], w[7]) for w in lines if w[7] in (load, store)]
    race = [("1", "counter.1#3", "load", load),
            ("0", "counter.0#2", "load", load),
            ("0", "counter.0#2", "store", store),
            ("1", "counter.1#3", "store", store)]
    assert any(acc[i:i + 4] == race for i in range(len(acc))), acc
    objects = {w[6] for w in lines if w[7] in (load, store)}
    assert len(objects) == 1 and objects.pop().startswith("kmem+0x")
    assert {w[6] for w in lines if w[5] == "probe"} == {"counter:iteration"}


def test_a_trace_counts_events_and_changes_no_fingerprint(netsim, tmp_path):
    """A network run has engine events (frames on wires, timers) besides
    points; tracing it gives the fingerprint of the untraced run."""
    sc = tmp_path / "ping.json"
    sc.write_text(json.dumps({
        "name": "ping", "duration": "20ms",
        "hosts": [{"name": h, "cpus": 2, "nics": [
            {"name": "wm0", "type": "dma", "addr": f"10.0.0.{i}/24"}]}
            for i, h in ((1, "a"), (2, "b"))],
        "links": [{"name": "ab", "a": "a.wm0", "b": "b.wm0",
                   "rate": "1Gbit", "delay": "10us"}],
        "workload": [{"program": "ping", "host": "a", "dst": "10.0.0.2",
                      "count": 2, "interval": "1ms", "timeout": "5ms"}]}))
    t = tmp_path / "t.txt"
    plain = run([netsim, "run", sc, "--quiet"], check=0).stdout.split()[-1]
    p = run([netsim, "replay", sc, "--seed", "1", "--expect", plain,
             "--trace", t], check=0)
    assert "fingerprint matches" in p.stdout
    lines = trace_lines(t)
    m = re.search(r"(\d+) scheduling points, (\d+) events", p.stdout)
    assert len(lines) == int(m.group(1)) + int(m.group(2))
    kinds = {w[5] for w in lines}
    assert {"kmem", "rmw", "load", "store", "call", "probe", "event",
            "dma", "intr"} <= kinds
    assert all(w[7] for w in lines), "every line says where it comes from"
    # An event is named by its function: a frame reaching the far end.
    assert any(w[5] == "event" and w[7].startswith("sim/wire/link.c:")
               and w[7].endswith("(link_deliver)") for w in lines)


@pytest.mark.parametrize("seed", [1, 2])
def test_a_run_its_points_limit_stops_across_hosts_is_the_same_traced(
        netsim, tmp_path, seed):
    """A host's CPU runs past other hosts' by the lookahead; a tracer takes
    every point as a checkpoint, and a checkpoint once handed the CPU to
    whichever CPU was first in line -- another host's within the
    lookahead -- so the traced run stopped somewhere else and replay said
    MISMATCH (router.json at 77,777 points, seeds 1 and 2).  A CPU before
    its limit now goes on after a checkpoint, traced or not."""
    sc = json.loads((ROOT / "scenarios" / "net" / "router.json").read_text())
    sc["limits"] = {"points": 77777}
    f = tmp_path / "router-limit.json"
    f.write_text(json.dumps(sc))
    p = run([netsim, "run", f, "--seed", seed, "--quiet"], check=5)
    assert "limit of 77777 scheduling points" in p.stderr
    plain = p.stdout.split()[-1]
    t = tmp_path / "t.txt"
    p = run([netsim, "replay", f, "--seed", seed, "--expect", plain,
             "--trace", t], check=5)
    assert f"fingerprint matches: {plain}" in p.stdout
    m = re.search(r"(\d+) scheduling points, (\d+) events", p.stdout)
    assert int(m.group(1)) == 77777
    assert len(trace_lines(t)) == 77777 + int(m.group(2))


def proc_state(pid):
    with open(f"/proc/{pid}/stat") as f:
        return f.read().rsplit(")", 1)[1].split()[0]


def test_stop_at_stops_there_and_says_how_to_attach_gdb(netsim, tmp_path):
    cmd = [str(netsim), "replay", str(LOST), "--seed", "18", "--expect",
           SEED18_FP, "--stop-at", "197"]
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         text=True)
    try:
        head = [p.stderr.readline() for _ in range(5)]
        assert head[0] == "netsim: stopped at point or event 197: load " \
            f"kmem+0x25c0 at stack/apps/counter.c:{LOAD_LINE} " \
            "(counter_worker), by counter.0#2 on box/cpu0 at 42372 ns " \
            "virtual\n", head
        assert head[1] == f"netsim: process {p.pid} has stopped itself " \
            "(SIGSTOP); to look at it there:\n"
        assert head[2] == f"  gdb -p {p.pid} -ex 'frame function " \
            "counter_worker'\n"
        for _ in range(100):
            if proc_state(p.pid) == "T":
                break
            time.sleep(0.05)
        assert proc_state(p.pid) == "T", "the process is stopped"
        gdb = shutil.which("gdb")
        if gdb is not None:
            g = run([gdb, "-p", p.pid, "-batch", "-ex",
                     "frame function counter_worker"], timeout=60)
            if "ptrace: Operation not permitted" not in g.stderr:
                assert f"counter.c:{LOAD_LINE}" in g.stdout, g.stdout + g.stderr
        os.kill(p.pid, signal.SIGCONT)
        out, err = p.communicate(timeout=60)
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()
    assert p.returncode == 3
    assert out.endswith(f"fingerprint matches: {SEED18_FP} is the run "
                        "expected\n"), "stopped and resumed, the same run"
    assert head[4] == "  gdb -ex 'break netsim_stop_here' -ex run --args " \
        f"{netsim} replay {LOST} --seed 18 --expect {SEED18_FP} " \
        "--stop-at 197\n"


def test_stop_at_past_the_end_says_so(netsim):
    p = replay(netsim, "--seed", "3", "--stop-at", "100000", "--quiet",
               check=0)
    assert re.search(r"--stop-at 100000: the run ended after \d+ points and "
                     "events", p.stderr), p.stderr


@pytest.mark.parametrize("args,words", [
    ([], "replay needs --seed N"),
    (["--seed", "1", "--expect", "xyz"], "--expect needs a fingerprint"),
    (["--seed", "1", "--db", "x.db"], "--db FILE and --run ID go together"),
    (["--seed", "1", "--stop-at", "0"], "--stop-at needs a point"),
    (["--seed", "1", "--trace", "/nonexistent/t"],
     "trace file /nonexistent/t: No such file or directory")])
def test_bad_usage_says_why(netsim, args, words):
    p = replay(netsim, *args, check=2)
    assert words in p.stderr, p.stderr


def pinned(scenario, seed):
    for line in (ROOT / "tests" / "fingerprints.tsv").read_text().splitlines():
        w = line.split("\t")
        if w[0] == scenario and w[1] == str(seed):
            return int(w[2]), w[3]
    raise AssertionError(f"{scenario} seed {seed} is not pinned")


@pytest.mark.parametrize("scenario,seed", [
    ("scenarios/contention.json", 4),
    ("scenarios/branes.json", 5), ("scenarios/races/abba-deadlock.json", 6),
    ("scenarios/races/lost-update.json", 7)])
def test_a_traced_run_is_the_pinned_run(netsim, tmp_path, scenario, seed):
    """Tracing makes every point a checkpoint of the scheduler's: the
    same run all the same (tests/fingerprints.tsv)."""
    status, fp = pinned(scenario, seed)
    p = run([netsim, "replay", ROOT / scenario, "--seed", seed, "--expect",
             fp, "--trace", tmp_path / "t.txt", "--quiet"], check=status)
    assert "fingerprint matches" in p.stdout
