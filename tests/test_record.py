"""The results database (sim/record/record.c), driven by tests/c/test_record.c and
read back with Python's sqlite3: what users and reports rely on.

The SIGKILL tests draw their kill moments from random.Random(KILL_SEED);
set NETSIM_KILL_SEED to replay or vary them.  A failure prints the seed,
the iteration, the delay and the command.
"""
import os
import pathlib
import pwd
import random
import re
import shutil
import sqlite3
import stat
import subprocess
import tempfile

import pytest

import dbcheck
from harness import ROOT, run

KILL_SEED = int(os.environ.get("NETSIM_KILL_SEED", "20261125"))
INT64_MAX = 2**63 - 1
INT64_MIN = -2**63


def header_define(name):
    text = (ROOT / "sim" / "record" / "record.h").read_text()
    return int(re.search(rf"#define {name}\s+(\d+)", text).group(1))


ROWS_MAX = header_define("SIM_RECORD_ROWS_MAX")
STRING_MAX = header_define("SIM_RECORD_STRING_MAX")


@pytest.fixture
def rec(test_bin):
    return test_bin("test_record")


def rows(db, sql, *args):
    con = dbcheck.connect(db)
    try:
        return con.execute(sql, args).fetchall()
    finally:
        con.close()


def replay_note(seed, i, delay, cmd):
    return (f"\nreplay: NETSIM_KILL_SEED={seed} {ROOT}/tests/test_record.py "
            f"(iteration {i}, delay {delay:.3f}s): {' '.join(map(str, cmd))}")


# --- what a run writes ----------------------------------------------------

def test_finished_runs_keep_every_column(rec, tmp_path):
    db = tmp_path / "r.db"
    p = run([rec, "basic", db], check=0)
    assert p.stdout == "run 1\nrun 2\n"
    got = rows(db, "SELECT id, scenario, scenario_file, scenario_text, seed, "
               "fingerprint, version, start_ns, end_ns, exit_status, status, "
               "message FROM runs ORDER BY id")
    text = '{"name": "test"}\n'
    assert got == [
        (1, "alpha", "scenarios/test.json", text, 1, "0123456789abcdef",
         "test-1", 0, 3000, 0, "ok", None),
        (2, "beta", "scenarios/test.json", text, INT64_MAX,
         "ffffffffffffffff", "test-1", 0, 20, 3, "violation", "panic: boom"),
    ]


def test_counters_keep_values_and_nulls_in_order(rec, tmp_path):
    db = tmp_path / "r.db"
    run([rec, "basic", db], check=0)
    got = rows(db, "SELECT run_id, name, host, cpu, t_ns, value FROM counters "
               "ORDER BY rowid")
    long_name = "x" * STRING_MAX
    assert got == [
        (1, "run.events", None, None, 0, 0),
        (1, "run.events", None, None, 1000, 42),
        (1, "ip.input", "h1", 0, 1000, 7),
        (1, "ip.input", "h1", 1, 1000, -5),
        (1, "ip.input", "h1", 0, 2000, INT64_MAX),
        (1, "ip.input", "h1", 0, 2000, INT64_MIN),
        (1, long_name, "h2", None, 3000, 1),
        (2, "tcp.segs", "h2", 3, 10, 100),
        (2, "tcp.segs", "h2", 3, 20, 200),
    ]


def test_violations_keep_values_and_nulls(rec, tmp_path):
    db = tmp_path / "r.db"
    run([rec, "basic", db], check=0)
    got = rows(db, "SELECT run_id, t_ns, host, cpu, lwp, kind, file, line, "
               "message FROM violations ORDER BY rowid")
    assert got == [
        (1, 1500, "h1", 1, "softint/1", "kassert", "stack/kern/subr_pcq.c",
         120, "pcq->pcq_pc < pcq->pcq_nitems"),
        # A line without a file is not stored.
        (1, 1600, None, None, None, "deadlock", None, None, None),
        (2, 20, "h2", 3, "lwp0", "panic", "x.c", 1, "boom"),
    ]


def test_views_answer_common_questions(rec, tmp_path):
    db = tmp_path / "r.db"
    run([rec, "basic", db], check=0)
    assert rows(db, "SELECT * FROM run_summary ORDER BY id") == [
        (1, "alpha", 1, "0123456789abcdef", "ok", 0, 3000, 7, 2, None),
        (2, "beta", INT64_MAX, "ffffffffffffffff", "violation", 3, 20, 2, 1,
         "panic: boom"),
    ]
    # The last sample per (run, name, host, cpu); a tie on t_ns goes to
    # the later row; NULL host and cpu are a series of their own.
    assert rows(db, "SELECT run_id, name, host, cpu, t_ns, value "
                "FROM counter_last WHERE name != ? "
                "ORDER BY run_id, name, host, cpu", "x" * STRING_MAX) == [
        (1, "ip.input", "h1", 0, 2000, INT64_MIN),
        (1, "ip.input", "h1", 1, 1000, -5),
        (1, "run.events", None, None, 1000, 42),
        (2, "tcp.segs", "h2", 3, 20, 200),
    ]
    assert rows(db, "SELECT * FROM violation_kinds ORDER BY run_id, kind") == [
        (1, "deadlock", 1, 1600), (1, "kassert", 1, 1500), (2, "panic", 1, 20)]


def test_schema_version_wal_and_index_for_one_counter(rec, tmp_path):
    db = tmp_path / "r.db"
    run([rec, "basic", db], check=0)
    assert rows(db, "PRAGMA user_version") == [(dbcheck.SCHEMA_VERSION,)]
    assert rows(db, "PRAGMA journal_mode") == [("wal",)]
    plan = " ".join(r[3] for r in rows(
        db, "EXPLAIN QUERY PLAN SELECT t_ns, value FROM counters "
        "WHERE run_id = 1 AND name = 'ip.input' ORDER BY t_ns"))
    assert "INDEX counters_by_run_name (run_id=? AND name=?)" in plan, plan
    assert "TEMP B-TREE" not in plan, plan
    # The schema explains itself to a reader of `sqlite3 DB .schema`.
    sql = rows(db, "SELECT sql FROM sqlite_master WHERE name = 'runs'")[0][0]
    assert "-- virtual time at the end" in sql


def test_the_same_run_gives_the_same_rows(rec, tmp_path):
    dumps = []
    for name in ("a.db", "b.db"):
        run([rec, "basic", tmp_path / name], check=0)
        con = dbcheck.connect(tmp_path / name)
        dumps.append(list(con.iterdump()))
        con.close()
    assert dumps[0] == dumps[1]


def test_one_database_holds_many_runs(rec, tmp_path):
    db = tmp_path / "r.db"
    run([rec, "basic", db], check=0)
    p = run([rec, "basic", db], check=0)
    assert p.stdout == "run 3\nrun 4\n"
    assert rows(db, "SELECT id, scenario, counter_sample_count, "
                "violation_count FROM run_summary ORDER BY id") == [
        (1, "alpha", 7, 2), (2, "beta", 2, 1),
        (3, "alpha", 7, 2), (4, "beta", 2, 1)]
    dbcheck.check_db(db)


def test_many_samples_are_flushed_in_batches_and_all_kept(rec, tmp_path):
    db = tmp_path / "r.db"
    n = 5 * ROWS_MAX + 17
    run([rec, "bulk", db, n], check=0)
    assert rows(db, "SELECT count(*), sum(value), min(value), max(value) "
                "FROM counters WHERE run_id = 1") == [
        (n, n * (n - 1) // 2, 0, n - 1)]
    assert rows(db, "SELECT status, end_ns FROM runs") == [("ok", n)]
    # 64 names x 4 hosts x 5 cpu columns (one of them NULL).
    assert rows(db, "SELECT count(*), count(cpu), count(DISTINCT name) "
                "FROM counter_last") == [(1280, 1024, 64)]


def test_buffer_is_committed_when_full_even_without_flush(rec, tmp_path):
    # The process exits without flush or close: only whole batches of
    # SIM_RECORD_ROWS_MAX rows, committed as the buffer filled, are there.
    db = tmp_path / "r.db"
    n = 2 * ROWS_MAX + 100
    run([rec, "abandon", db, n], check=0)
    assert rows(db, "SELECT count(*), max(value) FROM counters") == [
        (2 * ROWS_MAX, 2 * ROWS_MAX - 1)]
    assert rows(db, "SELECT status, exit_status FROM runs") == [
        ("unfinished", None)]
    dbcheck.check_db(db)


def test_close_commits_an_unended_run_as_unfinished(rec, tmp_path):
    db = tmp_path / "r.db"
    run([rec, "unended", db], check=0)
    assert rows(db, "SELECT status, fingerprint, end_ns, exit_status, "
                "counter_sample_count, violation_count FROM run_summary") == [
        ("unfinished", None, None, None, 10, 1)]


def test_seed_beyond_sqlite_integer_is_refused(rec, tmp_path):
    db = tmp_path / "r.db"
    p = run([rec, "badseed", db], check=1)
    assert p.stderr == (f"results database {db}: seed 9223372036854775808 is "
                        "out of range (0 to 9223372036854775807)\n")
    assert rows(db, "SELECT count(*) FROM runs") == [(0,)]


def test_a_failed_write_is_reported_and_leaves_no_rows(rec, tmp_path):
    # Another connection deletes the run's row; run_end must not claim the
    # run, nor leave its samples behind; the recorder refuses new runs.
    db = tmp_path / "r.db"
    p = run([rec, "vanish", db], check=1)
    assert p.stdout == ""
    assert p.stderr == (f"results database {db}: run 1 is no longer there "
                        "or no longer unfinished\n")
    assert rows(db, "SELECT count(*) FROM runs") == [(0,)]
    assert rows(db, "SELECT count(*) FROM counters") == [(0,)]
    dbcheck.check_db(db)


def test_two_processes_share_one_database(rec, tmp_path):
    db = tmp_path / "r.db"
    n = 4 * ROWS_MAX
    cmd = [str(rec), "bulk", str(db), str(n)]
    procs = [subprocess.Popen(cmd, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True)
             for _ in range(3)]
    for p in procs:
        out, err = p.communicate(timeout=120)
        assert p.returncode == 0, f"replay: {' '.join(cmd)}\n{out}{err}"
    assert rows(db, "SELECT id, status, counter_sample_count FROM run_summary "
                "ORDER BY id") == [(i, "ok", n) for i in (1, 2, 3)]
    dbcheck.check_db(db)


def test_the_cap_is_told_once_and_twice_the_cap_fails_the_recorder(
        rec, tmp_path):
    # Every sample here is a 'grpX.ctrY' counter on host 'hN': 60
    # estimated bytes a row (the name counts twice: it is in the index).
    db = tmp_path / "r.db"
    p = run([rec, "cap", db, 60 * 1000, 3000], check=0)
    assert p.stdout.splitlines() == [
        "stop failed=0 rows=1000 cap",      # the cap: told, rows still kept
        "stop failed=1 rows=2001 cap",      # twice the cap: a failure
        "end -1 rows 3000 bytes 180000 written 0 lost 3000",
        "fail 0"]
    assert rows(db, "SELECT status, exit_status, message, "
                "counter_sample_count FROM run_summary") == [
        ("error", 2, f"results database {db}: the run's rows passed twice "
         "the cap of 60000 bytes and it did not stop", 0)]
    p = run([rec, "cap", db, 60 * 3000, 3000], check=0)
    assert p.stdout.splitlines() == [
        "stop failed=0 rows=3000 cap",
        "end 0 rows 3000 bytes 180000 written 3000 lost 0"]
    dbcheck.check_db(db)


# --- errors a user reads --------------------------------------------------

def open_error(rec, path, **kw):
    p = run([rec, "open", path], check=1, **kw)
    assert p.stdout == ""
    assert p.stderr.count("\n") == 1, p.stderr
    assert p.stderr.startswith(f"results database {path}: "), p.stderr
    return p.stderr.strip()


def test_error_names_a_missing_directory(rec, tmp_path):
    path = tmp_path / "nope" / "r.db"
    assert open_error(rec, path).endswith(
        f"directory {tmp_path / 'nope'} does not exist")
    assert not (tmp_path / "nope").exists()


def test_error_for_a_file_that_is_not_a_database(rec, tmp_path):
    path = tmp_path / "notes.txt"
    path.write_text("these are my notes, not a database\n" * 100)
    assert open_error(rec, path).endswith("not an SQLite database "
                                          "(is it the right file?)")
    assert path.read_text().startswith("these are my notes")


def test_error_for_a_directory(rec, tmp_path):
    assert open_error(rec, tmp_path).endswith(": is a directory")


def test_error_for_another_sqlite_database(rec, tmp_path):
    path = tmp_path / "other.db"
    con = sqlite3.connect(path)
    con.execute("CREATE TABLE t (x)")
    con.close()
    assert "not a netsim results database" in open_error(rec, path)
    # Left as it was: no netsim tables, journal mode unchanged.
    assert rows(path, "SELECT name FROM sqlite_master") == [("t",)]
    assert rows(path, "PRAGMA journal_mode") == [("delete",)]


@pytest.mark.parametrize("version,word", [
    (dbcheck.SCHEMA_VERSION + 1, "newer"), (99, "newer")])
def test_error_for_a_newer_schema_version(rec, tmp_path, version, word):
    path = tmp_path / "r.db"
    run([rec, "basic", path], check=0)
    con = sqlite3.connect(path)
    con.execute(f"PRAGMA user_version = {version}")
    con.close()
    msg = open_error(rec, path)
    assert f"written by a {word} netsim (schema version {version}); " \
        f"this netsim reads version {dbcheck.SCHEMA_VERSION} only" in msg


def test_a_version_2_database_gets_the_new_packet_views(rec, tmp_path):
    """Version 3 redefined the packet views (delivered packets, latency to
    app_recv); a version 2 file keeps its rows and gets them."""
    path = tmp_path / "r.db"
    run([rec, "packets", path], check=0)
    con = sqlite3.connect(path)
    con.execute("DROP VIEW flow_latency")
    con.execute("CREATE VIEW flow_latency AS SELECT 1 AS old")
    con.execute("PRAGMA user_version = 2")
    con.commit()
    con.close()
    run([rec, "basic", path], check=0)
    assert rows(path, "PRAGMA user_version") == [(dbcheck.SCHEMA_VERSION,)]
    assert rows(path, "SELECT packets, delivered FROM flow_latency WHERE "
                "run_id = 1 AND flow_id = 1") == [(1001, 1000)]


def test_a_version_1_database_is_upgraded_in_place(rec, tmp_path):
    """Version 2 added per-packet records; version 1 files keep their runs
    and gain the new tables and views when opened."""
    path = tmp_path / "r.db"
    run([rec, "basic", path], check=0)
    con = sqlite3.connect(path)
    for view in ("flow_latency", "stage_deltas", "packets"):
        con.execute(f"DROP VIEW {view}")
    con.execute("DROP TABLE packet_stages")
    con.execute("DROP TABLE flows")
    con.execute("PRAGMA user_version = 1")
    con.commit()
    runs_before = rows(path, "SELECT * FROM runs")
    con.close()
    run([rec, "basic", path], check=0)
    assert rows(path, "PRAGMA user_version") == [(dbcheck.SCHEMA_VERSION,)]
    assert rows(path, "SELECT * FROM runs")[:len(runs_before)] == runs_before
    names = {n for (n,) in rows(path, "SELECT name FROM sqlite_master")}
    assert {"packet_stages", "flows", "packets", "flow_latency"} <= names


def test_a_version_3_database_gets_the_error_status(rec, tmp_path):
    """Version 4 added the status 'error' (a run whose output could not
    all be written); a version 3 file keeps its runs, with their ids and
    rows, and can then hold such a run."""
    path = tmp_path / "r.db"
    run([rec, "basic", path], check=0)
    con = sqlite3.connect(path)
    runs_before = con.execute("SELECT * FROM runs ORDER BY id").fetchall()
    sql, = con.execute("SELECT sql FROM sqlite_master WHERE name = 'runs'"
                       ).fetchone()
    old = re.sub(r",\s*'error'\)\)", "))", sql)
    assert old != sql
    # How a version 3 file looks: the same table without 'error'.
    con.executescript(
        "PRAGMA writable_schema = ON; "
        f"UPDATE sqlite_master SET sql = '{old.replace(chr(39), chr(39) * 2)}' "
        "WHERE name = 'runs'; PRAGMA writable_schema = OFF; "
        "PRAGMA user_version = 3;")
    con.close()
    con = sqlite3.connect(path)
    with pytest.raises(sqlite3.IntegrityError):
        con.execute("UPDATE runs SET status = 'error' WHERE id = 1")
    con.close()
    run([rec, "basic", path], check=0)
    assert rows(path, "PRAGMA user_version") == [(dbcheck.SCHEMA_VERSION,)]
    assert rows(path, "SELECT * FROM runs ORDER BY id")[:2] == runs_before
    assert rows(path, "SELECT id, counter_sample_count FROM run_summary "
                "ORDER BY id") == [(1, 7), (2, 2), (3, 7), (4, 2)]
    con = sqlite3.connect(path)
    con.execute("UPDATE runs SET status = 'error', exit_status = 2 "
                "WHERE id = 1")
    con.commit()
    con.close()
    dbcheck.check_db(path)


def test_a_receive_belongs_to_its_receiving_program(rec, tmp_path):
    """Flow 2 is a request flow (ping): its request's reply was taken by
    flow 2 at 107 and by another program (flow 3) at 150.  The packet is
    delivered at its own receiver, 7 ns after it was sent, and the flow's
    latency is what its requests row says; flow 1's datagrams, one-way,
    are delivered at the program that took them (flow 3)."""
    path = tmp_path / "r.db"
    run([rec, "packets", path], check=0)
    assert rows(path, "SELECT delivered, latency_ns FROM packets WHERE "
                "pkt_id = (2 << 32) + 1") == [(1, 7)]
    assert rows(path, "SELECT by_flow, t_ns FROM packet_stages WHERE "
                "pkt_id = (2 << 32) + 1 AND stage = 'app_recv' ORDER BY "
                "t_ns") == [(2, 107), (3, 150)]
    assert rows(path, "SELECT flow_id, latency FROM flows ORDER BY "
                "flow_id") == [(1, "one_way"), (2, "request")]
    assert rows(path, "SELECT req_id >> 32, sent_ns, done_ns FROM "
                "requests") == [(2, 99, 106)]
    assert rows(path, "SELECT by_flow, count(*) FROM packet_stages WHERE "
                "pkt_id >> 32 = 1 GROUP BY by_flow ORDER BY by_flow") == [
        (None, 1001), (1, 1001), (3, 1000)]


# Version 7's views, which read those of version 6.
REPORT_VIEWS = ("flow_breakdown", "packet_breakdown", "flow_losses",
                "flow_latency_cdf", "flow_latency_histogram", "cpu_time",
                "counter_rates", "counter_summary", "sample_intervals")


def test_counter_summary_is_each_counter_s_range_and_last_value(rec,
                                                                  tmp_path):
    """counter_summary: a row a counter (run, name, host, cpu) with its
    samples, least and most value and its last value -- the latest
    sample's, the later row where two share a time, as counter_last has
    it.  In one pass over counters: the last value was looked up again a
    counter, reading every host's samples of that name (a 1,000-host run's
    summary took 146 s)."""
    path = tmp_path / "r.db"
    run([rec, "basic", path], check=0)
    con = sqlite3.connect(path)
    con.executemany(
        "INSERT INTO counters (run_id, name, host, cpu, t_ns, value) "
        "VALUES (1, 't.x', ?, ?, ?, ?)",
        [("a", None, 10, 5), ("a", None, 20, 9), ("a", None, 20, 7),
         ("b", None, 5, 3), ("a", 0, 40, 0), ("a", 0, 30, 1)])
    con.commit()
    con.close()
    assert rows(path, "SELECT host, cpu, samples, min_value, max_value, "
                "last_value FROM counter_summary WHERE name = 't.x' "
                "ORDER BY host, cpu") == [
        ("a", None, 3, 5, 9, 7), ("a", 0, 2, 0, 1, 0), ("b", None, 1, 3, 3, 3)]
    n = rows(path, "SELECT count(*) FROM counter_summary")[0][0]
    assert n > 6
    assert rows(path, "SELECT count(*) FROM counter_summary s JOIN "
                "counter_last l ON l.run_id = s.run_id AND l.name = s.name "
                "AND l.host IS s.host AND l.cpu IS s.cpu "
                "WHERE l.value = s.last_value") == [(n,)]
    # Read once: no lookup a counter (SQLite's plan names one if any).
    plan = rows(path, "EXPLAIN QUERY PLAN SELECT * FROM counter_summary")
    assert not [r for r in plan if "CORRELATED" in r[3]], plan


def test_a_version_4_database_gets_receivers_and_requests(rec, tmp_path):
    """Version 6 added packet_stages.by_flow, flows.latency and the
    requests table, and redefined the packets and flow_latency views; a
    version 4 file keeps its rows, whose flows are one-way, and gets
    them."""
    path = tmp_path / "r.db"
    run([rec, "packets", path], check=0)
    con = sqlite3.connect(path)
    con.executescript(
        "".join(f"DROP VIEW {v};" for v in REPORT_VIEWS) +
        "DROP TABLE stage_segments; DROP INDEX runs_by_seed;"
        "DROP VIEW packets; DROP VIEW flow_latency;"
        "DROP TABLE requests; DROP INDEX flows_by_id;"
        "ALTER TABLE packet_stages DROP COLUMN by_flow;"
        "ALTER TABLE flows DROP COLUMN latency;"
        "CREATE VIEW packets AS SELECT 1 AS old;"
        "CREATE VIEW flow_latency AS SELECT 1 AS old;"
        "PRAGMA user_version = 4;")
    con.close()
    run([rec, "basic", path], check=0)
    assert rows(path, "PRAGMA user_version") == [(dbcheck.SCHEMA_VERSION,)]
    assert rows(path, "SELECT flow_id, packets, delivered, p50_ns FROM "
                "flow_latency WHERE run_id = 1 ORDER BY flow_id") == [
        (1, 1001, 1000, 500000), (2, 1, 1, 7)]
    assert rows(path, "SELECT count(*) FROM packet_stages WHERE by_flow "
                "IS NOT NULL") == [(0,)]


def test_a_version_8_database_gets_the_lock_order_tables(rec, tmp_path):
    """Version 9 added the lock-order checker's record (lock_classes,
    lock_edges, the lock_order view); a version 8 file keeps its runs,
    with their ids and rows, and gains them."""
    path = tmp_path / "r.db"
    run([rec, "basic", path], check=0)
    con = sqlite3.connect(path)
    con.executescript("DROP VIEW lock_order; DROP TABLE lock_edges; "
                      "DROP TABLE lock_classes; PRAGMA user_version = 8;")
    runs_before = con.execute("SELECT * FROM runs ORDER BY id").fetchall()
    con.close()
    run([rec, "basic", path], check=0)
    assert rows(path, "PRAGMA user_version") == [(dbcheck.SCHEMA_VERSION,)]
    assert rows(path, "SELECT * FROM runs ORDER BY id")[:2] == runs_before
    names = {n for (n,) in rows(path, "SELECT name FROM sqlite_master")}
    assert {"lock_classes", "lock_edges", "lock_order"} <= names
    assert rows(path, "SELECT count(*) FROM lock_order") == [(0,)]


def test_a_version_9_database_gets_the_races_table(rec, tmp_path):
    """Version 10 added the races table (the exploration build's data
    races); a version 9 file keeps its runs and gains it when opened."""
    path = tmp_path / "r.db"
    run([rec, "basic", path], check=0)
    con = sqlite3.connect(path)
    runs_before = con.execute("SELECT * FROM runs ORDER BY id").fetchall()
    con.execute("DROP TABLE races")
    con.execute("PRAGMA user_version = 9")
    con.commit()
    con.close()
    run([rec, "basic", path], check=0)
    assert rows(path, "PRAGMA user_version") == [(dbcheck.SCHEMA_VERSION,)]
    assert rows(path, "SELECT * FROM runs ORDER BY id")[:len(runs_before)] \
        == runs_before
    assert rows(path, "SELECT count(*) FROM races") == [(0,)]
    dbcheck.check_db(path)


def test_error_for_an_older_schema_version(rec, tmp_path, monkeypatch):
    # Version 0 with tables is "not ours"; an older numbered version says so.
    path = tmp_path / "r.db"
    run([rec, "basic", path], check=0)
    con = sqlite3.connect(path)
    con.execute("PRAGMA user_version = 0")
    con.close()
    assert "not a netsim results database" in open_error(rec, path)


def as_unprivileged():
    """preexec_fn that drops root (to 'nobody'), so permissions bite."""
    if os.geteuid() != 0:
        return None
    try:
        pw = pwd.getpwnam("nobody")
    except KeyError:
        pytest.skip("running as root and there is no user 'nobody'")

    def drop():
        os.setgroups([])
        os.setgid(pw.pw_gid)
        os.setuid(pw.pw_uid)
    return drop


@pytest.fixture
def public_tmp():
    """A directory every user can enter (pytest's tmp_path is 0700)."""
    d = pathlib.Path(tempfile.mkdtemp(prefix="netsim-record-"))
    d.chmod(0o755)
    yield d
    for p in d.rglob("*"):
        p.chmod(0o777 if p.is_dir() else 0o666)
    shutil.rmtree(d)


def read_only_dir(parent, name):
    d = parent / name
    d.mkdir()
    d.chmod(0o555)
    return d


def test_error_for_a_new_file_in_a_read_only_directory(rec, public_tmp):
    d = read_only_dir(public_tmp, "ro")
    msg = open_error(rec, d / "r.db", preexec_fn=as_unprivileged())
    assert msg.endswith(f"cannot create it: directory {d} is not writable "
                        "(Permission denied)")


def test_error_for_a_read_only_file(rec, public_tmp):
    path = public_tmp / "r.db"
    run([rec, "basic", path], check=0)
    public_tmp.chmod(0o777)
    path.chmod(0o444)
    msg = open_error(rec, path, preexec_fn=as_unprivileged())
    assert msg.endswith("the file is read-only (Permission denied)")


def test_error_for_a_database_in_a_read_only_directory(rec, public_tmp):
    d = public_tmp / "ro"
    d.mkdir()
    run([rec, "basic", d / "r.db"], check=0)
    (d / "r.db").chmod(0o666)
    d.chmod(0o555)
    msg = open_error(rec, d / "r.db", preexec_fn=as_unprivileged())
    assert f"directory {d} is not writable" in msg and "-wal" in msg


# --- SIGKILL at any moment ------------------------------------------------

def forever_batches_are_whole(db, run_id, v):
    """test_record forever commits batches of 1000 samples, t_ns 0, 1, ...
    with one violation each: a batch is all there or not at all."""
    count, _, tmin, tmax = v.get("counters", (0, 0, None, None))
    assert count % 1000 == 0, f"run {run_id}: {count} samples, a cut batch"
    if count:
        assert (tmin, tmax) == (0, count - 1)
    assert v.get("violations", (0,))[0] == count // 1000


def test_sigkill_while_writing_leaves_a_sound_database(rec, tmp_path):
    db = tmp_path / "r.db"
    run([rec, "basic", db], check=0)
    rnd = random.Random(KILL_SEED)
    cmd = [rec, "forever", db]
    before = dbcheck.snapshot(db)
    for i in range(10):
        # Even iterations count the delay from the start (0 = at once),
        # odd ones from the committed run row.
        delay = 0.0 if i == 0 else rnd.uniform(0, 0.3)
        ready = "started" if i % 2 else None
        k = dbcheck.kill_after(cmd, delay, ready=ready)
        note = replay_note(KILL_SEED, i, delay, cmd) + "\n" + k.stderr
        assert k.landed, f"exit {k.returncode} before the kill" + note
        m = re.match(r"started (\d+)\n", k.stdout)
        killed = int(m.group(1)) if m else None
        try:
            new = dbcheck.check_after_kill(db, before, killed_run=killed)
            for run_id, v in new.items():
                forever_batches_are_whole(db, run_id, v)
        except AssertionError as e:
            raise AssertionError(str(e) + note) from None
        before.update(new)
    assert len(dbcheck.check_db(db)) >= 2 + 5


def test_sigkill_between_and_inside_run_ends(rec, tmp_path):
    # `cycle` ends a run every few ms: kills land in run_begin, in a
    # batch and in run_end.  A finished run must have all of its rows.
    db = tmp_path / "r.db"
    run([rec, "basic", db], check=0)
    rnd = random.Random(KILL_SEED + 1)
    cmd = [rec, "cycle", db]
    before = dbcheck.snapshot(db)
    for i in range(10):
        delay = rnd.uniform(0, 0.3)
        k = dbcheck.kill_after(cmd, delay, ready="started" if i % 2 else None)
        note = replay_note(KILL_SEED + 1, i, delay, cmd) + "\n" + k.stderr
        assert k.landed, f"exit {k.returncode} before the kill" + note
        try:
            new = dbcheck.check_after_kill(db, before, new_may_finish=True)
            for run_id, v in new.items():
                if v["row"]["status"] == "ok":
                    assert v["counters"][0] == 500 and \
                        v["violations"][0] == 1, f"run {run_id}: {v}"
            assert [v["row"]["status"] for v in new.values()].count(
                "unfinished") <= 1
        except AssertionError as e:
            raise AssertionError(str(e) + note) from None
        before.update(new)


def test_sigkill_while_creating_the_database(rec, tmp_path):
    rnd = random.Random(KILL_SEED + 2)
    for i in range(6):
        db = tmp_path / f"new{i}.db"
        delay = rnd.uniform(0, 0.004) if i else 0.0
        cmd = [rec, "forever", db]
        k = dbcheck.kill_after(cmd, delay)
        note = replay_note(KILL_SEED + 2, i, delay, cmd) + "\n" + k.stderr
        try:
            dbcheck.check_after_kill(db, {})
        except AssertionError as e:
            raise AssertionError(str(e) + note) from None
        # Whatever the kill left, the next netsim can use the file.
        run([rec, "basic", db], check=0)
        dbcheck.check_db(db)


def test_flow_latency_view_gives_nearest_rank_percentiles(rec, tmp_path):
    """Latencies 1..1000 us in flow 1: nearest-rank p50 is the 500th value,
    p90 the 900th, p99 the 990th, p99.9 the 999th; a 1001st packet of
    flow 1 is lost after ip_input: counted, not timed; flow 2 has one
    packet."""
    path = tmp_path / "r.db"
    run([rec, "packets", path], check=0)
    got = rows(path, "SELECT flow_id, packets, delivered, p50_ns, p90_ns, "
               "p99_ns, p999_ns, max_ns, mean_ns FROM flow_latency "
               "ORDER BY flow_id")
    assert got == [(1, 1001, 1000, 500000, 900000, 990000, 999000, 1000000,
                    500500.0),
                   (2, 1, 1, 7, 7, 7, 7, 7, 7.0)]
    assert rows(path, "SELECT delivered, latency_ns, last_stage FROM packets "
                "WHERE pkt_id = (1 << 32) + 1001") == [(0, None, "ip_input")]
    assert rows(path, "SELECT delivered, latency_ns, last_stage FROM packets "
                "WHERE pkt_id = (1 << 32) + 7") == [(1, 7000, "app_recv")]
    assert rows(path, "SELECT program FROM flows ORDER BY flow_id") == [
        ("udp_send",), ("ping",)]
    # Where the time went: from ip_input to app_recv is half of each.
    (mean,), = rows(path, "SELECT avg(since_prev_ns) FROM stage_deltas "
                    "WHERE flow_id = 1 AND stage = 'app_recv'")
    assert mean == 250250.0
    assert rows(path, "SELECT count(*) FROM packets WHERE flow_id = 1 AND "
                "stages = 3") == [(1000,)]


def test_a_version_4_database_gets_the_report_views(rec, tmp_path):
    """Version 7 added the report's views and stage_segments; a version 4
    file keeps its rows and gains them when opened."""
    path = tmp_path / "r.db"
    run([rec, "packets", path], check=0)
    con = sqlite3.connect(path)
    views = REPORT_VIEWS
    for view in views:
        con.execute(f"DROP VIEW {view}")
    con.execute("DROP TABLE stage_segments")
    con.execute("PRAGMA user_version = 4")
    con.commit()
    stages_before = rows(path, "SELECT count(*) FROM packet_stages")
    con.close()
    run([rec, "basic", path], check=0)
    assert rows(path, "PRAGMA user_version") == [(dbcheck.SCHEMA_VERSION,)]
    names = {n for (n,) in rows(path, "SELECT name FROM sqlite_master")}
    assert set(views) | {"stage_segments"} <= names
    assert rows(path, "SELECT count(*) FROM packet_stages") == stages_before
    assert rows(path, "SELECT segment FROM stage_segments WHERE stage = "
                "'wire_rx'") == [("wire",)]
