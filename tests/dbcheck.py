"""What must hold of a netsim results database after any process writing
it was killed at any moment, and a helper to kill one.

A test of a writer (test_record, `netsim run`) goes:

    before = dbcheck.snapshot(db)
    k = dbcheck.kill_after(cmd, delay_s, ready="started")
    assert k.landed
    new = dbcheck.check_after_kill(db, before, killed_run=...)
    before.update(new)          # the snapshot for the next kill

check_after_kill asserts that the file passes PRAGMA integrity_check, that
every row points at an existing run, that every run row is consistent
('unfinished' exactly when fingerprint, end_ns and exit_status are NULL),
that the runs present before are untouched (rows and all their samples
and violations), and that the run the killed process had begun is
'unfinished'.  It only reads the database (though closing the last
connection checkpoints the WAL, as any SQLite connection does).
"""
import os
import re
import signal
import sqlite3
import subprocess
import threading
import time

FINISHED = ("ok", "violation", "deadlock", "limit", "error")
SCHEMA_VERSION = 19  # 13: the real-time edge, 14: TCP connections, 15: short connections and kmem, 16: TCP recovery, 17: the edge's writer thread, 18: tail-loss probes in tcp_events, 19: counter_summary in one pass
FINGERPRINT = re.compile(r"[0-9a-f]{16}\Z")


def connect(db):
    """A connection to an existing database (never creates the file)."""
    return sqlite3.connect(f"file:{db}?mode=rw", uri=True)


def query(db, sql, *args):
    """The rows of one query of an existing database."""
    con = connect(db)
    try:
        return con.execute(sql, args).fetchall()
    finally:
        con.close()


def _tables(con):
    return {r[0] for r in con.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table'")}


def snapshot(db):
    """Every run, by id: its row (as a dict) and a digest of its samples
    and violations.  {} when the file or the schema is not there yet."""
    if not os.path.exists(db):
        return {}
    con = connect(db)
    try:
        if "runs" not in _tables(con):
            return {}
        con.row_factory = sqlite3.Row
        runs = {}
        for row in con.execute("SELECT * FROM runs ORDER BY id"):
            runs[row["id"]] = {"row": dict(row)}
        for run_id, digest in _digests(con, "counters",
                                       "count(*), total(value), "
                                       "min(t_ns), max(t_ns)"):
            runs.setdefault(run_id, {})["counters"] = digest
        for run_id, digest in _digests(con, "violations",
                                       "count(*), min(t_ns), max(t_ns), "
                                       "group_concat(kind)"):
            runs.setdefault(run_id, {})["violations"] = digest
        return runs
    finally:
        con.close()


def _digests(con, table, what):
    return [(r[0], tuple(r[1:])) for r in con.execute(
        f"SELECT run_id, {what} FROM {table} GROUP BY run_id")]


def check_db(db):
    """Assert the file is a sound netsim database (or has no schema yet,
    as when its writer died before creating it); return snapshot(db)."""
    if not os.path.exists(db):
        return {}
    con = connect(db)
    try:
        assert con.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        version = con.execute("PRAGMA user_version").fetchone()[0]
        if version == 0:
            assert _tables(con) == set(), \
                f"{db}: tables without a schema version"
            return {}
        assert version == SCHEMA_VERSION, f"{db}: schema version {version}"
        assert con.execute("PRAGMA foreign_key_check").fetchall() == [], \
            f"{db}: rows whose run_id names no run"
        con.row_factory = sqlite3.Row
        for row in con.execute("SELECT * FROM runs"):
            _check_run_row(db, dict(row))
    finally:
        con.close()
    return snapshot(db)


def _check_run_row(db, row):
    what = f"{db}: run {row['id']} {row}"
    final = (row["fingerprint"], row["end_ns"], row["exit_status"])
    if row["status"] == "unfinished":
        assert final == (None, None, None), \
            f"{what}: unfinished but has fingerprint/end_ns/exit_status"
    else:
        assert row["status"] in FINISHED, f"{what}: unknown status"
        assert None not in final, f"{what}: finished with a NULL column"
        assert FINGERPRINT.match(row["fingerprint"]), \
            f"{what}: fingerprint is not 16 lowercase hex digits"


def check_after_kill(db, before, killed_run=None, new_may_finish=False):
    """Assert what a kill must leave (see the module's comment).

    before: snapshot(db) taken before the killed process started.
    killed_run: the id the killed process said it had begun, if it said.
    new_may_finish: whether the process could have finished runs of its
    own before the kill (then those must be complete and consistent).
    Returns the snapshot entries of the runs that were not in before.
    """
    now = check_db(db)
    for run_id, old in before.items():
        assert now.get(run_id) == old, \
            f"{db}: run {run_id} changed: was {old}, now {now.get(run_id)}"
    new = {i: v for i, v in now.items() if i not in before}
    if killed_run is not None:
        assert killed_run in new, f"{db}: killed run {killed_run} is gone"
        row = new[killed_run]["row"]
        assert row["status"] == "unfinished", \
            f"{db}: killed run {killed_run} is {row['status']}"
        assert row["exit_status"] is None
    if not new_may_finish:
        for run_id, v in new.items():
            assert v["row"]["status"] == "unfinished", \
                f"{db}: run {run_id} finished although its writer was killed"
    return new


class Killed:
    """What kill_after saw: the exit status (-9 when the kill landed) and
    everything printed."""

    def __init__(self, returncode, stdout, stderr):
        self.returncode = returncode
        self.stdout = stdout
        self.stderr = stderr

    @property
    def landed(self):
        return self.returncode == -signal.SIGKILL


def kill_after(cmd, delay_s, ready=None, timeout_s=60, **popen_kw):
    """Start cmd, SIGKILL it delay_s seconds later, wait for it.

    ready: a line prefix; if given, the delay starts when the program has
    printed (and flushed) such a line, else at the start.  A program that
    prints nothing within timeout_s is killed anyway.
    """
    cmd = [str(c) for c in cmd]
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         text=True, **popen_kw)
    watchdog = threading.Timer(timeout_s, p.kill)
    watchdog.start()
    head = []
    try:
        if ready is not None:
            for line in p.stdout:
                head.append(line)
                if line.startswith(ready):
                    break
        if delay_s > 0:
            time.sleep(delay_s)
        p.send_signal(signal.SIGKILL)
        out, err = p.communicate()
    finally:
        watchdog.cancel()
    return Killed(p.returncode, "".join(head) + out, err)
