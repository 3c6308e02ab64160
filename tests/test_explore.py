"""netsim explore: a range of seeds in worker processes, each seed in a
process of its own; the first failure (or every one, --keep-going) with
the command that replays it; the same report for any number of workers;
a seed that crashes or hangs reported as such; every run in the database;
and the chunks of --print-commands / --chunk, merged, the same as one
exploration.

The races of scenarios/races/lost-update.json at seeds 1-100 are 18, 57
and 82 (the README's "Hunting a race" shows the same).
"""
import json
import re
import shlex
import signal
import subprocess
import time

import dbcheck
from harness import ROOT, run

LOST = ROOT / "scenarios" / "races" / "lost-update.json"
FAILING = [18, 57, 82]


def explore(netsim, *args, check=None, **kw):
    return run([netsim, "explore", LOST, *args], check=check, **kw)


def failures(stdout):
    """[(seed, kind, replay command)] of an explore report."""
    return [(int(m[0]), m[1], m[2]) for m in re.findall(
        r"^seed (\d+): ([a-z ]+): .*\n  replay: (.*)$", stdout, re.M)]


def summary(stdout):
    return [s for s in stdout.splitlines() if "seeds explored" in s
            or "seed explored" in s][0]


def test_explore_stops_at_the_first_failing_seed_the_same_for_any_jobs(
        netsim):
    one = explore(netsim, "--seeds", "1..60", "--jobs", "1", check=3)
    two = explore(netsim, "--seeds", "1..60", "--jobs", "2", check=3)
    assert one.stdout == two.stdout, "the report depends on the workers"
    assert [(s, k) for s, k, _ in failures(one.stdout)] == \
        [(18, "violation")]
    assert summary(one.stdout) == "18 seeds explored (1..18): 17 ok, " \
        "1 failed (violation 1); 18 distinct fingerprints"
    assert "stopped at the first failing seed" in one.stdout
    assert "counter: 1 of 40 updates lost" in one.stdout


def test_keep_going_lists_every_failing_seed_with_its_replay(netsim):
    p = explore(netsim, "--seeds", "1..100", "--keep-going", check=3)
    found = failures(p.stdout)
    assert [s for s, _, _ in found] == FAILING
    assert summary(p.stdout).startswith(
        "100 seeds explored (1..100): 97 ok, 3 failed (violation 3); ")
    # The replay command names the seed and its fingerprint, which is
    # the one `netsim run` gives that seed: a child runs it the same way.
    seed, _, cmd = found[0]
    words = shlex.split(cmd)
    assert words[:5] == ["netsim", "replay", str(LOST), "--seed", str(seed)]
    fp = words[words.index("--expect") + 1]
    r = run([netsim, "run", LOST, "--seed", seed, "--quiet"], check=3)
    assert r.stdout.strip() == f"fingerprint {fp}"


def test_no_failing_seed_exits_0(netsim):
    p = explore(netsim, "--seeds", "1..12", "--no-progress", check=0)
    assert summary(p.stdout).startswith(
        "12 seeds explored (1..12): 12 ok, 0 failed; ")
    assert p.stderr == ""


def test_every_seed_is_recorded_in_the_database(netsim, tmp_path):
    db = tmp_path / "x.db"
    explore(netsim, "--seeds", "1..30", "--keep-going", "--db", db, check=3)
    dbcheck.check_db(db)
    got = dbcheck.query(db, "SELECT seed, status FROM runs ORDER BY seed")
    assert [s for s, _ in got] == list(range(1, 31))
    assert [s for s, st in got if st != "ok"] == [18]


def test_a_seed_that_crashes_or_hangs_is_that_seeds_failure(test_bin):
    # Seeds 3 and 10 die of SIGSEGV, seed 5 never ends (test_explore.c).
    # The bound is wall-clock time: generous, so that a loaded machine
    # (ASan's build, a shared CI runner) never makes a seed that crashes
    # in milliseconds look like one that hangs.
    p = run([test_bin("test_explore"), LOST, "--seeds", "1..10",
             "--keep-going", "--timeout", "3"], check=3)
    assert [(s, k) for s, k, _ in failures(p.stdout)] == \
        [(3, "crash"), (5, "timeout"), (10, "crash")]
    assert "seed 3: crash: the process died of signal 11" in p.stdout \
        or "seed 3: crash: the process exited with status" in p.stdout
    assert "seed 5: timeout: still running after 3s of wall-clock " \
        "time (--timeout): killed" in p.stdout
    assert summary(p.stdout).startswith(
        "10 seeds explored (1..10): 7 ok, 3 failed (crash 2, timeout 1)")
    # No fingerprint to expect from a run that never ended.
    assert all("--expect" not in c for _, _, c in failures(p.stdout))


def test_print_commands_and_chunks_merge_to_one_exploration(netsim,
                                                            tmp_path):
    local = tmp_path / "local.db"
    explore(netsim, "--seeds", "1..40", "--keep-going", "--db", local,
            check=3)
    db = tmp_path / "chunks.db"
    p = explore(netsim, "--seeds", "1..40", "--keep-going", "--jobs", "1",
                "--db", db, "--print-commands", "4", check=0)
    lines = p.stdout.splitlines()
    assert len(lines) == 4
    for k, (a, b) in enumerate([(1, 10), (11, 20), (21, 30), (31, 40)]):
        w = shlex.split(lines[k])
        assert w[:3] == [str(netsim), "explore", str(LOST)]
        assert w[w.index("--seeds") + 1] == f"{a}..{b}"
        assert w[w.index("--db") + 1] == str(tmp_path / f"chunks.{k}.db")
        assert "--keep-going" in w and w[w.index("--jobs") + 1] == "1"
    # --chunk K/N is the same split.
    c = explore(netsim, "--seeds", "1..100", "--chunk", "2/4",
                "--keep-going", check=3)
    assert summary(c.stdout).startswith("25 seeds explored (51..75): 24 ok")
    procs = [subprocess.Popen(shlex.split(line), stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE) for line in lines]
    for pr in procs:
        pr.communicate(timeout=120)
    chunks = [tmp_path / f"chunks.{k}.db" for k in range(4)]
    m = run([netsim, "merge", db, *chunks], check=0)
    assert m.stdout.startswith("merged 4 databases into ")
    assert "40 runs added" in m.stdout
    dbcheck.check_db(db)

    failing = ("SELECT seed, fingerprint FROM runs WHERE status != 'ok' "
               "ORDER BY seed")
    assert dbcheck.query(db, failing) == dbcheck.query(local, failing)
    assert [s for s, _ in dbcheck.query(db, failing)] == [18]


def test_progress_goes_to_stderr_and_changes_nothing(netsim):
    quiet = explore(netsim, "--seeds", "1..20", "--no-progress", check=3)
    loud = explore(netsim, "--seeds", "1..20", "--progress", check=3)
    assert loud.stdout == quiet.stdout
    line = re.compile(r"^netsim: explore lost-update: \d+ of 20 seeds "
                      r"\([0-9.]+%\), \d+ seeds/s, \d+ distinct "
                      r"fingerprints, failures: (none|violation \d+), "
                      r"\d+ s$")
    lines = loud.stderr.splitlines()
    assert lines and all(line.match(s) for s in lines), loud.stderr


def test_ctrl_c_reports_what_was_explored(netsim, tmp_path):
    doc = {"name": "long", "duration": "100s",
           "hosts": [{"name": "box", "cpus": 2}],
           "workload": [{"program": "counter", "lwps": 2,
                         "iterations": 100000000, "method": "mutex"}]}
    sc = tmp_path / "long.json"
    sc.write_text(json.dumps(doc))
    cmd = [str(netsim), "explore", str(sc), "--seeds", "1..8", "--jobs",
           "2", "--no-progress"]
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         text=True)
    # The header comes once Ctrl-C is the explorer's to handle.
    assert p.stdout.readline().startswith("explore long ")
    p.send_signal(signal.SIGINT)        # stop handing out seeds
    time.sleep(0.1)
    p.send_signal(signal.SIGINT)        # and kill the seeds in flight
    out, err = p.communicate(timeout=60)
    assert p.returncode == 130, (out, err)
    assert "interrupted: finishing the seeds in flight" in err
    assert "0 of 8 seeds explored (1..8)" in out
    assert "interrupted: not every seed was explored" in out


def test_bad_usage_says_why(netsim):
    for args, words in [
            ([], "explore needs --seeds A..B"),
            (["--seeds", "9..3"], "--seeds needs A..B"),
            (["--seeds", "1..9", "--jobs", "0"], "--jobs needs a number"),
            (["--seeds", "1..9", "--chunk", "4/4"], "--chunk needs K/N"),
            (["--seeds", "1..3", "--chunk", "0/4"], "fewer than 4 seeds"),
            (["--seeds", "1..3", "--print-commands", "4"],
             "--print-commands 4 needs at least 4 seeds"),
            (["--seeds", "1..9", "--timeout", "soon"],
             "--timeout needs a wall-clock time"),
            (["--seeds", "1..9", "--policy", "chaos"],
             "--policy needs one of time"),
            (["--seeds", "1..9", "--db", "/nonexistent/x.db"],
             "directory /nonexistent does not exist")]:
        p = explore(netsim, *args, check=2)
        assert words in p.stderr, (args, p.stderr)
        assert p.stdout == "", "nothing explored"


def test_policy_is_passed_to_every_run(netsim):
    # Only "time" exists yet; naming it changes nothing but the replay.
    plain = explore(netsim, "--seeds", "1..20", check=3)
    timed = explore(netsim, "--seeds", "1..20", "--policy", "time",
                    check=3)
    assert "--policy" not in failures(plain.stdout)[0][2]
    assert "--seed 18 --policy time --expect" in failures(timed.stdout)[0][2]
    assert summary(plain.stdout) == summary(timed.stdout)
