"""What `netsim run --db` leaves in the results database.

A bad scenario writes no run at all; a good run writes its row, its
counters and its violations, and the numbers add up; a run killed with
SIGKILL at any moment leaves a sound database with that run 'unfinished'.
"""
import json
import random
import re
import sqlite3

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
