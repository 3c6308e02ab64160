"""What `netsim run --db` leaves in the results database.

A bad scenario writes no run at all; a good run writes its row, its
counters and its violations, and the numbers add up; a run killed with
SIGKILL at any moment leaves a sound database with that run 'unfinished'.
"""
import json
import random
import re
import sqlite3
import subprocess
import threading
import types

import pytest

import dbcheck
from harness import ROOT, run

SCENARIOS = ROOT / "scenarios"
KILL_SEED = 20261125

# text, the token the error must point at (its first character, on its
# line), the JSON path named, and words the message must contain.
BAD = {
    "typo_key": ('{\n  "name": "t",\n  "hosts": [{"name": "h", "cpu": 2}]\n}\n',
                 '"cpu"', "$.hosts[0].cpu", 'unknown key "cpu"'),
    "wrong_type": ('{\n  "name": "t",\n  "hosts": [{"name": "h", "cpus": "2"}]\n}\n',
                   '"2"', "$.hosts[0].cpus", "expected an integer"),
    "bad_unit": ('{\n  "name": "t",\n  "duration": "10 parsecs",\n'
                 '  "hosts": [{"name": "h"}]\n}\n',
                 '"10 parsecs"', "$.duration",
                 'expected a duration such as "250us"'),
    "broken_json": ('{\n  "name": "t",\n  "hosts": [{"name": "h"},]\n}\n',
                    ",]", None, "invalid JSON"),
}


def position(text, token):
    """1-based line and column of token's first character (the last one of
    a two-character token such as ",]" whose error is at its end)."""
    i = text.index(token) + (len(token) - 1 if token == ",]" else 0)
    line = text.count("\n", 0, i) + 1
    return line, i - (text.rfind("\n", 0, i) + 1) + 1


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_scenario_names_the_place_and_writes_no_run(netsim, tmp_path,
                                                        case):
    text, token, path, words = BAD[case]
    line, col = position(text, token)
    sc = tmp_path / f"{case}.json"
    sc.write_text(text)
    db = tmp_path / "r.db"
    run([netsim, "run", SCENARIOS / "default.json", "--db", db, "--quiet"],
        check=0)
    p = run([netsim, "run", sc, "--db", db], check=2)
    lines = p.stderr.splitlines()
    assert len(lines) == 1, p.stderr
    assert lines[0].startswith(f"{sc}:{line}:{col}: "), lines[0]
    if path:
        assert f" at {path}: " in lines[0]
    assert words in lines[0]
    assert p.stdout == ""
    con = sqlite3.connect(db)
    assert con.execute("SELECT count(*) FROM runs").fetchone() == (1,)


def test_bad_scenario_creates_no_database(netsim, tmp_path):
    sc = tmp_path / "bad.json"
    sc.write_text(BAD["typo_key"][0])
    db = tmp_path / "never.db"
    run([netsim, "run", sc, "--db", db], check=2)
    assert not db.exists()


def test_unwritable_database_is_a_clear_error(netsim, tmp_path):
    p = run([netsim, "run", SCENARIOS / "default.json", "--db",
             tmp_path / "no" / "such" / "dir.db"], check=2)
    assert "results database" in p.stderr and "does not exist" in p.stderr


def test_a_run_records_its_row_counters_and_results(netsim, tmp_path):
    db = tmp_path / "r.db"
    p = run([netsim, "run", SCENARIOS / "default.json", "--db", db], check=0)
    fp = p.stdout.splitlines()[-1].split()[1]
    assert re.search(rf"database: {db} \(run 1\)", p.stdout)
    con = sqlite3.connect(db)
    con.row_factory = sqlite3.Row
    r = con.execute("SELECT * FROM runs").fetchone()
    assert (r["scenario"], r["seed"], r["fingerprint"], r["status"],
            r["exit_status"]) == ("default", 1, fp, "ok", 0)
    assert r["scenario_text"] == (SCENARIOS / "default.json").read_text()
    end = r["end_ns"]
    last = {(row["name"], row["cpu"]): row["value"] for row in con.execute(
        "SELECT name, cpu, value FROM counter_last WHERE run_id = 1")}
    for cpu in range(4):
        assert last[("cpu.busy_ns", cpu)] + last[("cpu.idle_ns", cpu)] == end
    assert last[("counter.final", None)] == 16000
    assert last[("counter.lost", None)] == 0
    assert last[("pingpong.rounds", None)] == 500
    assert last[("machine.points", None)] == sum(
        last[("cpu.points", c)] for c in range(4))
    # The busy time series is sampled every 100us and never decreases.
    series = [v for (v,) in con.execute(
        "SELECT value FROM counters WHERE run_id = 1 AND name = "
        "'cpu.busy_ns' AND cpu = 0 ORDER BY t_ns")]
    assert len(series) >= end // 100_000
    assert series == sorted(series)


def test_one_database_holds_many_runs(netsim, tmp_path):
    db = tmp_path / "r.db"
    fps = []
    for seed in (1, 2, 3):
        p = run([netsim, "run", SCENARIOS / "contention.json", "--seed", seed,
                 "--db", db, "--quiet"], check=0)
        fps.append(p.stdout.split()[-1])
    con = sqlite3.connect(db)
    rows = con.execute("SELECT id, seed, fingerprint FROM runs ORDER BY id"
                       ).fetchall()
    assert rows == [(1, 1, fps[0]), (2, 2, fps[1]), (3, 3, fps[2])]


def test_a_violation_is_recorded_with_its_place(netsim, tmp_path):
    db = tmp_path / "r.db"
    sc = SCENARIOS / "races" / "lost-update.json"
    seed = next(s for s in range(1, 200)
                if run([netsim, "run", sc, "--seed", s, "--quiet"]).returncode
                == 3)
    run([netsim, "run", sc, "--seed", seed, "--db", db], check=3)
    con = sqlite3.connect(db)
    (status, code, msg), = con.execute(
        "SELECT status, exit_status, message FROM runs")
    assert (status, code) == ("violation", 3)
    (kind, file, line, host, text), = con.execute(
        "SELECT kind, file, line, host, message FROM violations")
    assert (kind, file, host) == ("panic", "stack/apps/counter.c", "box")
    assert "updates lost" in text and "updates lost" in msg


def long_scenario(tmp_path):
    doc = {"name": "long", "duration": "100s",
           "hosts": [{"name": "box", "cpus": 4}],
           "workload": [{"program": "counter", "lwps": 8,
                         "iterations": 100000000, "method": "mutex"}],
           "record": {"interval": "20us"}}
    path = tmp_path / "long.json"
    path.write_text(json.dumps(doc))
    return path


def test_sigkill_at_any_moment_leaves_a_sound_database(netsim, tmp_path):
    db = tmp_path / "r.db"
    run([netsim, "run", SCENARIOS / "default.json", "--db", db, "--quiet"],
        check=0)
    cmd = [netsim, "run", long_scenario(tmp_path), "--db", db]
    rnd = random.Random(KILL_SEED)
    before = dbcheck.snapshot(db)
    for i in range(8):
        delay = 0.0 if i == 0 else rnd.uniform(0, 0.4)
        ready = "netsim " if i % 2 else None
        k = dbcheck.kill_after(cmd, delay, ready=ready)
        note = (f"\nreplay: kill seed {KILL_SEED}, iteration {i}, "
                f"delay {delay:.3f}s: {' '.join(map(str, cmd))}\n{k.stderr}")
        assert k.landed, f"exit {k.returncode} before the kill" + note
        m = re.search(r"netsim \S+: run (\d+),", k.stdout)
        try:
            new = dbcheck.check_after_kill(
                db, before, killed_run=int(m.group(1)) if m else None)
        except AssertionError as e:
            raise AssertionError(str(e) + note) from None
        before.update(new)
    assert any(v["row"]["status"] == "unfinished" for v in before.values())


# --- a database that cannot be written is never a success ---------------

def busy_scenario(tmp_path, iterations=50000, interval="2us"):
    """A run that finishes ('ok') after writing tens of thousands of
    counter rows: several batches, so concurrent writers interleave."""
    doc = {"name": "busy", "duration": "1s",
           "hosts": [{"name": "box", "cpus": 4}],
           "workload": [{"program": "counter", "lwps": 8,
                         "iterations": iterations, "method": "mutex"}],
           "record": {"interval": interval}}
    path = tmp_path / "busy.json"
    path.write_text(json.dumps(doc))
    return path


def verdict(db, run_id):
    """The run's (status, exit_status, message)."""
    con = dbcheck.connect(db)
    try:
        return con.execute("SELECT status, exit_status, message FROM runs "
                           "WHERE id = ?", (run_id,)).fetchone()
    finally:
        con.close()


def run_rows(db):
    con = dbcheck.connect(db)
    try:
        return con.execute("SELECT id, seed, fingerprint, status, "
                           "exit_status, counter_sample_count FROM "
                           "run_summary ORDER BY id").fetchall()
    finally:
        con.close()


def test_ten_runs_at_once_into_one_database_all_land_in_full(netsim,
                                                            tmp_path):
    # Two seeds, five runs of each at once: every run must land with the
    # rows and fingerprint its seed gives when it runs alone.
    sc = busy_scenario(tmp_path)
    seeds = [1, 2] * 5
    solo = {}
    for seed in set(seeds):
        db = tmp_path / f"solo{seed}.db"
        run([netsim, "run", sc, "--seed", seed, "--db", db, "--quiet"],
            check=0)
        (_, s, fp, _, _, n), = run_rows(db)
        assert n > 2 * ROWS_MAX, "every run writes several batches"
        solo[seed] = (fp, n)
    db = tmp_path / "shared.db"     # created by the ten at once
    cmds = [[str(c) for c in (netsim, "run", sc, "--seed", seed, "--db", db)]
            for seed in seeds]
    procs = [subprocess.Popen(c, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True)
             for c in cmds]
    said = {}
    for c, p in zip(cmds, procs):
        out, err = p.communicate(timeout=600)
        assert p.returncode == 0, f"replay: {' '.join(c)}\n{out}{err}"
        m = re.search(rf"^database: {db} \(run (\d+)\)$", out, re.M)
        assert m, out
        said[int(m.group(1))] = int(c[4])
    rows = run_rows(db)
    assert len(rows) == 10 and sorted(said) == list(range(1, 11))
    for run_id, seed, fp, status, code, n in rows:
        assert said[run_id] == seed
        assert (status, code) == ("ok", 0)
        assert (fp, n) == solo[seed], f"run {run_id} (seed {seed}) is cut"
    dbcheck.check_db(db)


def header_define(name):
    text = (ROOT / "sim" / "record" / "record.h").read_text()
    return int(re.search(rf"#define {name}\s+(\d+)", text).group(1))


ROWS_MAX = header_define("SIM_RECORD_ROWS_MAX")


def assert_failed_run_not_claimed(p, db, run_id):
    """A run whose rows could not all be written: exit 2, the reason and
    what was lost on stderr, no "database:" line, and a row that does not
    say 'ok' (it says 'error' with exit status 2 when that much could be
    written, else it stays 'unfinished')."""
    assert p.returncode == 2, p.stderr
    assert "database:" not in p.stdout, p.stdout
    assert "not written" in p.stderr and f"run {run_id}" in p.stderr, \
        p.stderr
    assert verdict(db, run_id)[:2] in (("error", 2), ("unfinished", None))


def test_a_refused_insert_fails_the_run_and_says_what_was_lost(netsim,
                                                               tmp_path):
    db = tmp_path / "r.db"
    run([netsim, "run", SCENARIOS / "default.json", "--db", db, "--quiet"],
        check=0)
    con = sqlite3.connect(db)
    con.execute("CREATE TRIGGER no_counters BEFORE INSERT ON counters "
                "BEGIN SELECT RAISE(ABORT, 'no counters today'); END")
    con.commit()
    con.close()
    p = run([netsim, "run", SCENARIOS / "default.json", "--db", db])
    assert "no counters today" in p.stderr, p.stderr
    assert_failed_run_not_claimed(p, db, 2)
    status, code, msg = verdict(db, 2)
    # Only the counters were refused: the verdict itself gets written.
    assert (status, code) == ("error", 2)
    assert "no counters today" in msg
    assert run_rows(db)[0][3] == "ok", "the earlier run is untouched"


def test_a_full_file_system_fails_the_run(netsim, tmp_path, small_fs):
    db = small_fs / "r.db"
    sc = busy_scenario(tmp_path)
    p = run([netsim, "run", sc, "--db", db])
    assert "full" in p.stderr, p.stderr
    assert_failed_run_not_claimed(p, db, 1)
    dbcheck.check_db(db)


def hold_write_lock(db):
    """A connection holding the database's write lock (BEGIN IMMEDIATE)."""
    con = sqlite3.connect(db, isolation_level=None, timeout=60)
    con.execute("BEGIN IMMEDIATE")
    return con


def read_until(stream, pattern, what):
    """Lines of stream up to the first that matches pattern."""
    seen = []
    for line in stream:
        seen.append(line)
        if re.search(pattern, line):
            return seen
    raise AssertionError(f"{what} never came; got:\n{''.join(seen)}")


def test_a_busy_database_is_waited_for_with_a_message(netsim, tmp_path):
    db = tmp_path / "r.db"
    run([netsim, "run", SCENARIOS / "default.json", "--db", db, "--quiet"],
        check=0)
    con = hold_write_lock(db)
    cmd = [str(c) for c in (netsim, "run", SCENARIOS / "default.json",
                            "--db", db, "--db-wait", "600s")]
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         text=True)
    try:
        head = read_until(p.stderr, r"waiting", "a message while waiting")
    finally:
        con.execute("ROLLBACK")
        con.close()
    out, err = p.communicate(timeout=300)
    err = "".join(head) + err
    assert p.returncode == 0, f"replay: {' '.join(cmd)}\n{out}{err}"
    assert re.search(rf"results database {db}.*locked.*waiting up to 600 s",
                     head[-1]), head[-1]
    assert f"database: {db} (run 2)" in out
    assert run_rows(db)[1][3:5] == ("ok", 0)


def test_a_lock_held_past_the_bound_fails_the_run(netsim, tmp_path):
    db = tmp_path / "r.db"
    cmd = [str(c) for c in (netsim, "run", long_scenario(tmp_path), "--db",
                            db, "--db-wait", "1s")]
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         text=True)
    watchdog = threading.Timer(120, p.kill)
    watchdog.start()
    try:
        head = read_until(p.stdout, r"^netsim \S+: run 1,", "the run's start")
        con = hold_write_lock(db)       # mid-run, and until it gives up
        try:
            out, err = p.communicate()
        finally:
            con.execute("ROLLBACK")
            con.close()
    finally:
        watchdog.cancel()
    got = types.SimpleNamespace(returncode=p.returncode,
                                stdout="".join(head) + out, stderr=err)
    assert "locked" in err and "--db-wait" in err, err
    assert_failed_run_not_claimed(got, db, 1)
