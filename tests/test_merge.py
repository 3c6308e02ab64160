"""netsim merge OUT IN...: every run of the inputs lands in OUT once, with
every row that belongs to it.  A run id OUT already uses is renumbered
and every row follows; a run OUT already holds is not copied again (so
merging twice changes nothing); tables it has never heard of are merged
by their run_id and REFERENCES columns; a merge that fails leaves OUT as
it was.
"""
import sqlite3

import dbcheck
from harness import ROOT, run

LOST = ROOT / "scenarios" / "races" / "lost-update.json"
ABBA = ROOT / "scenarios" / "races" / "abba-deadlock.json"


def record(netsim, db, seeds, scenario=LOST):
    for s in seeds:
        run([netsim, "run", scenario, "--seed", s, "--db", db, "--quiet"])


def run_rows(db):
    """Rows of every table that belongs to a run (a run_id column) but
    the runs themselves."""
    tables = [t for (t,) in q(db, "SELECT name FROM sqlite_master WHERE "
                               "type = 'table'")
              if t != "runs" and any(c[1] == "run_id" for c in
                                     q(db, f"PRAGMA table_info({t})"))]
    return sum(q(db, f"SELECT count(*) FROM {t}")[0][0] for t in tables)


def q(db, sql):
    return dbcheck.query(db, sql)


def per_run(db):
    """What each run is, by seed: its row but the id, and its rows in
    every table (counts and sums), so that two databases compare."""
    out = {}
    for (rid, seed, fp, status) in q(db, "SELECT id, seed, fingerprint, "
                                     "status FROM runs"):
        counters = q(db, f"SELECT count(*), total(value), total(t_ns) "
                     f"FROM counters WHERE run_id = {rid}")[0]
        viol = q(db, f"SELECT count(*), group_concat(kind) FROM violations "
                 f"WHERE run_id = {rid}")[0]
        out.setdefault(seed, []).append((fp, status, counters, viol))
    return {k: sorted(v) for k, v in out.items()}


def test_a_run_id_clash_renumbers_the_run_and_all_its_rows(netsim,
                                                           tmp_path):
    a, b, out = tmp_path / "a.db", tmp_path / "b.db", tmp_path / "out.db"
    record(netsim, a, [1, 2, 18])               # runs 1-3
    record(netsim, b, [4, 5], ABBA)             # runs 1-2 too: a clash
    record(netsim, b, [57])                     # run 3
    p = run([netsim, "merge", out, a, b], check=0)
    assert p.stdout == f"merged 2 databases into {out}: 6 runs added " \
        f"(3 under a new id), 0 already there, " \
        f"{run_rows(a) + run_rows(b)} rows copied\n"
    dbcheck.check_db(out)
    # a's runs keep their ids; b's come after them, in b's order.
    assert q(out, "SELECT id, scenario, seed FROM runs ORDER BY id") == [
        (1, "lost-update", 1), (2, "lost-update", 2), (3, "lost-update", 18),
        (4, "abba-deadlock", 4), (5, "abba-deadlock", 5),
        (6, "lost-update", 57)]
    # Every run has exactly its own rows, under its new id.
    both = per_run(a)
    both.update(per_run(b))
    assert per_run(out) == both
    # abba's runs deadlock after the lock-order checker's report.
    assert q(out, "SELECT run_id, kind FROM violations ORDER BY run_id") == \
        [(3, "panic"), (4, "lock order"), (5, "lock order"), (6, "panic")]


def test_merging_again_or_the_same_input_twice_duplicates_nothing(
        netsim, tmp_path):
    a, out = tmp_path / "a.db", tmp_path / "out.db"
    record(netsim, a, [1, 18, 1])       # seed 1 twice: the same run twice
    p = run([netsim, "merge", out, a, a], check=0)
    assert "3 runs added (0 under a new id), 3 already there" in p.stdout
    before = q(out, "SELECT * FROM runs ORDER BY id")
    rows = q(out, "SELECT count(*) FROM counters")
    p = run([netsim, "merge", out, a], check=0)
    assert "0 runs added (0 under a new id), 3 already there, 0 rows" \
        in p.stdout
    assert q(out, "SELECT * FROM runs ORDER BY id") == before
    assert q(out, "SELECT count(*) FROM counters") == rows
    # The input's twins stay twins: as many copies as it holds, no more.
    assert [s for (s,) in q(out, "SELECT seed FROM runs ORDER BY id")] == \
        [1, 18, 1]


def test_an_unfinished_run_is_the_same_only_with_the_same_rows(netsim,
                                                                tmp_path):
    a, b, out = tmp_path / "a.db", tmp_path / "b.db", tmp_path / "out.db"
    record(netsim, a, [7])
    record(netsim, b, [7])
    for db, keep in ((a, 3), (b, 5)):   # killed at different moments
        con = sqlite3.connect(db)
        con.execute("UPDATE runs SET status = 'unfinished', fingerprint = "
                    "NULL, end_ns = NULL, exit_status = NULL")
        con.execute(f"DELETE FROM counters WHERE rowid NOT IN (SELECT rowid "
                    f"FROM counters ORDER BY rowid LIMIT {keep})")
        con.commit()
        con.close()
    run([netsim, "merge", out, a, b, a], check=0)
    assert q(out, "SELECT id, seed, status FROM runs") == [
        (1, 7, "unfinished"), (2, 7, "unfinished")]
    assert q(out, "SELECT run_id, count(*) FROM counters GROUP BY 1") == [
        (1, 3), (2, 5)]


def test_tables_it_does_not_know_follow_their_references(netsim, tmp_path):
    """A later schema's tables (a finding and its two sides, say) are
    merged by their run_id and REFERENCES columns, keys and all."""
    a, b, out = tmp_path / "a.db", tmp_path / "b.db", tmp_path / "out.db"
    record(netsim, a, [1])
    record(netsim, b, [2])
    record(netsim, out, [3])
    ddl = ("CREATE TABLE findings (id INTEGER PRIMARY KEY, run_id INTEGER "
           "NOT NULL REFERENCES runs(id), what TEXT);"
           "CREATE TABLE finding_sides (finding_id INTEGER NOT NULL REFERENCES "
           "findings(id), side TEXT);")
    for db in (a, b, out):
        con = sqlite3.connect(db)
        con.executescript(ddl)
        con.commit()
        con.close()
    for db, tag in ((a, "a"), (b, "b")):
        con = sqlite3.connect(db)
        con.executescript(
            f"INSERT INTO findings VALUES (1, 1, '{tag}1'), (2, 1, '{tag}2');"
            f"INSERT INTO finding_sides VALUES (1, '{tag}1x'), (1, '{tag}1y'),"
            f" (2, '{tag}2x');")
        con.commit()
        con.close()
    run([netsim, "merge", out, a, b], check=0)
    assert q(out, "SELECT r.seed, x.what, s.side FROM finding_sides s "
             "JOIN findings x ON x.id = s.finding_id JOIN runs r ON "
             "r.id = x.run_id ORDER BY s.side") == [
        (1, "a1", "a1x"), (1, "a1", "a1y"), (1, "a2", "a2x"),
        (2, "b1", "b1x"), (2, "b1", "b1y"), (2, "b2", "b2x")]
    assert q(out, "PRAGMA foreign_key_check") == []


def test_a_merge_that_fails_leaves_the_output_as_it_was(netsim, tmp_path):
    a, b, out = tmp_path / "a.db", tmp_path / "b.db", tmp_path / "out.db"
    record(netsim, a, [1])
    record(netsim, b, [2])
    record(netsim, out, [3])
    con = sqlite3.connect(b)
    con.execute("CREATE TABLE notes (text TEXT)")     # whose rows?
    con.commit()
    con.close()
    before = dbcheck.snapshot(out)
    p = run([netsim, "merge", out, a, b], check=2)
    assert f"{b}: table notes has no run_id column and references no " \
        "table: netsim merge cannot tell which run its rows belong to" \
        in p.stderr
    assert dbcheck.snapshot(out) == before, "a's run must not be in"
    p = run([netsim, "merge", out, a, out], check=2)
    assert "is the output: it cannot be an input too" in p.stderr
    assert "needs OUT.db and at least one IN.db" in \
        run([netsim, "merge", out], check=2).stderr
    assert "not a netsim results database" in \
        run([netsim, "merge", out, LOST], check=2).stderr


def test_an_older_database_is_brought_up_to_date(netsim, tmp_path):
    """Version 5 indexes runs by seed; a version 4 file gets the index
    when netsim opens it, merge's inputs included."""
    a, out = tmp_path / "a.db", tmp_path / "out.db"
    record(netsim, a, [1, 2])
    con = sqlite3.connect(a)
    con.execute("DROP INDEX runs_by_seed")
    con.execute("PRAGMA user_version = 4")
    con.commit()
    con.close()
    run([netsim, "merge", out, a], check=0)
    for db in (a, out):
        assert q(db, "PRAGMA user_version") == [(dbcheck.SCHEMA_VERSION,)]
        assert q(db, "SELECT name FROM sqlite_master WHERE name = "
                 "'runs_by_seed'") == [("runs_by_seed",)]
    assert len(q(out, "SELECT * FROM runs")) == 2
