"""Sweeps and campaigns: `netsim run` of a scenario with a "sweep" runs
every point of its grid in worker processes into one database as one
campaign; each point's printed command runs it alone with the same
fingerprint; a value that is wrong anywhere in the grid is reported at
its place in the sweep before anything runs; a failed point is recorded
and the others still run.  And the receive-livelock study
(scenarios/livelock.json) has the shape Mogul and Ramakrishnan reported.
"""
import json
import shlex
import sqlite3

import pytest

import dbcheck
from harness import ROOT, binary, run


@pytest.fixture
def netsim():
    return binary("netsim")


def small_sweep(tmp_path, **extra):
    """A flood into one host at two rates and both receive models: four
    short points.  At 100 kpps the 2000 frames outlast the duration (a
    'limit' point) unless the duration is raised."""
    sc = json.loads((ROOT / "scenarios" / "nic-dma-legacy.json").read_text())
    sc["duration"] = "30ms"
    sc["workload"][0]["count"] = 2000
    sc["sweep"] = {"workload[0].rate": ["100kpps", "1Mpps"],
                   "hosts[1].rx_model": ["legacy", "poll"]}
    sc.update(extra)
    path = tmp_path / "sweep.json"
    path.write_text(json.dumps(sc, indent=1))
    return path


def rows(db, sql, *args):
    con = sqlite3.connect(db)
    try:
        return con.execute(sql, args).fetchall()
    finally:
        con.close()


def point_lines(out):
    return [line for line in out.splitlines() if line.startswith("point ")]


def test_a_sweep_runs_every_point_as_one_campaign(netsim, tmp_path):
    sc = small_sweep(tmp_path)
    db = tmp_path / "c.db"
    v = run([netsim, "validate", sc], check=0)
    assert v.stdout == (f"{sc}: ok (scenario nic-dma-legacy, 2 hosts, 1 "
                        "program, a sweep of 4 points)\n")
    p = run([netsim, "run", sc, "--db", db, "--jobs", "2"], check=0)
    lines = p.stdout.splitlines()
    assert lines[0] == (f"campaign 1: nic-dma-legacy ({sc}), 4 points: "
                        "workload[0].rate (2) x hosts[1].rx_model (2), "
                        "seed 1, 2 workers")
    # Points in order: the first path slowest.
    labels = [line.split(": ")[1] for line in point_lines(p.stdout)]
    assert labels == [
        "workload[0].rate=100kpps hosts[1].rx_model=legacy seed 1",
        "workload[0].rate=100kpps hosts[1].rx_model=poll seed 1",
        "workload[0].rate=1Mpps hosts[1].rx_model=legacy seed 1",
        "workload[0].rate=1Mpps hosts[1].rx_model=poll seed 1"]
    assert lines[-3:-1] == ["4 points: 4 ok, 0 failed",
                            f"database: {db} (campaign 1)"]
    fp = lines[-1].split()[1]
    # One line a point on stderr as it ends.
    assert p.stderr.count("netsim: point ") == 4
    dbcheck.check_db(db)
    assert rows(db, "SELECT id, scenario, points, status, fingerprint, "
                "grid FROM campaigns") == [
        (1, "nic-dma-legacy", 4, "ok", fp,
         '{"workload[0].rate":["100kpps","1Mpps"],'
         '"hosts[1].rx_model":["legacy","poll"],"seeds":[1]}')]
    assert rows(db, "SELECT count(*), min(campaign_id), max(campaign_id) "
                "FROM runs") == [(4, 1, 1)]
    # Each run's point, by its values: what report --campaign reads.
    params = rows(db, "SELECT p.point, r.name, r.value FROM campaign_points "
                  "p JOIN run_params r USING (run_id) ORDER BY p.point, "
                  "r.name")
    assert params == [
        (0, "hosts[1].rx_model", "legacy"), (0, "workload[0].rate", "100kpps"),
        (1, "hosts[1].rx_model", "poll"), (1, "workload[0].rate", "100kpps"),
        (2, "hosts[1].rx_model", "legacy"), (2, "workload[0].rate", "1Mpps"),
        (3, "hosts[1].rx_model", "poll"), (3, "workload[0].rate", "1Mpps")]
    # Same seed across the arms; the run's fingerprint is the point's.
    pts = rows(db, "SELECT p.seed, p.fingerprint = r.fingerprint, p.status "
               "FROM campaign_points p JOIN runs r ON r.id = p.run_id")
    assert pts == [(1, 1, "ok")] * 4
    # What is printed does not depend on the number of workers.
    one = run([netsim, "run", sc, "--jobs", "1"], check=0).stdout
    two = run([netsim, "run", sc, "--jobs", "2"], check=0).stdout
    assert one.replace("1 worker", "2 workers") == two
    assert two.splitlines()[-1] == lines[-1]
    assert rows(db, "SELECT count(*) FROM campaigns") == [(1,)]


def test_each_points_command_reproduces_its_fingerprint(netsim, tmp_path):
    sc = small_sweep(tmp_path, sweep={
        "workload[0].rate": ["1Mpps"], "hosts[1].rx_model": ["legacy",
                                                             "poll"],
        "seeds": [3, 4]})
    db = tmp_path / "c.db"
    p = run([netsim, "run", sc, "--db", db, "--quiet"], check=0)
    assert len(p.stdout.splitlines()) == 1      # --quiet: the fingerprint
    got = rows(db, "SELECT point, seed, fingerprint, command FROM "
               "campaign_points ORDER BY point")
    assert [(k, seed) for k, seed, _, _ in got] == [
        (0, 3), (1, 4), (2, 3), (3, 4)]         # the seeds fastest
    for k, _, fp, cmd in (got[1], got[2]):
        argv = shlex.split(cmd)
        assert argv[:3] == ["netsim", "run", str(sc)]
        q = run([netsim] + argv[1:] + ["--quiet"], check=0)
        assert q.stdout == f"fingerprint {fp}\n", f"point {k}: {cmd}"
    # --seed runs every point at that one seed.
    p = run([netsim, "run", sc, "--seed", "4"], check=0)
    assert [line.split(": ")[1].split()[-1]
            for line in point_lines(p.stdout)] == ["4", "4"]


def test_a_failed_point_is_recorded_and_the_others_run(netsim, tmp_path):
    sc = small_sweep(tmp_path, duration="5ms")
    db = tmp_path / "c.db"
    p = run([netsim, "run", sc, "--db", db, "--jobs", "2"], check=5)
    assert "4 points: 2 ok, 2 failed" in p.stdout
    assert rows(db, "SELECT point, status, exit_status, message IS NOT NULL "
                "FROM campaign_points ORDER BY point") == [
        (0, "limit", 5, 1), (1, "limit", 5, 1), (2, "ok", 0, 0),
        (3, "ok", 0, 0)]
    assert rows(db, "SELECT status FROM campaigns") == [("failed",)]


@pytest.mark.parametrize("sweep, where, msg", [
    ({"workload[0].rate": ["1Mpps", "fast"]},
     '$.workload[0].rate (the value of $.sweep["workload[0].rate"][1])',
     'expected a packet rate'),
    ({"hosts[1].rx_model": ["poll", "legacyy"]},
     '$.hosts[1].rx_model (the value of $.sweep["hosts[1].rx_model"][1])',
     'expected one of "poll", "legacy"'),
    ({"workload[3].rate": ["1Mpps"]}, '$.sweep["workload[3].rate"]',
     "no such place in the scenario: $.workload has 1 element, no [3]"),
    ({"hosts[1].nics[0].rx_rnig": [64]},
     '$.hosts[1].nics[0].rx_rnig (the value of '
     '$.sweep["hosts[1].nics[0].rx_rnig"][0])', 'unknown key "rx_rnig"'),
    ({"workload[0].rate": ["1Mpps", "1Mpps"]},
     '$.sweep["workload[0].rate"][1]', "1Mpps is given twice"),
    ({"seeds": [1, -2]}, "$.sweep.seeds[1]", "expected an integer"),
    ({"workload..rate": [1]}, '$.sweep["workload..rate"]',
     "not a JSON path"),
])
def test_a_bad_sweep_is_reported_where_it_is(netsim, tmp_path, sweep, where,
                                             msg):
    """Every point is checked before anything runs: a bad value anywhere
    is an error at its place in the file, exit 2, no database."""
    sc = small_sweep(tmp_path, sweep=sweep)
    db = tmp_path / "c.db"
    p = run([netsim, "run", sc, "--db", db], check=2)
    err = p.stderr.strip()
    assert err.startswith(f"{sc}:"), err
    line, col = err.split(":")[1:3]
    assert line.isdigit() and col.isdigit(), err
    assert f": at {where}: " in err and msg in err, err
    assert not db.exists()
    assert p.stdout == ""
    # netsim validate checks every point the same way.
    v = run([netsim, "validate", sc], check=2)
    assert v.stderr == p.stderr


def test_set_puts_a_value_in_place(netsim, tmp_path):
    sc = small_sweep(tmp_path)
    p = run([netsim, "run", sc, "--set", "workload[0].rate=fast"], check=2)
    assert p.stderr.startswith(f"{sc}: at $.workload[0].rate (from --set "
                               "workload[0].rate=fast): expected a packet "
                               "rate"), p.stderr
    p = run([netsim, "run", sc, "--set", "links[4].rate=1Gbit"], check=2)
    assert p.stderr == (f"{sc}: --set links[4].rate=1Gbit: $.links has 1 "
                        "element, no [4]\n")
    p = run([netsim, "run", sc, "--set", "workload"], check=2)
    assert "--set needs PATH=VALUE" in p.stderr
    # A --set on a swept path pins it: two points left.
    p = run([netsim, "run", sc, "--set", "hosts[1].rx_model=poll",
             "--set", "duration=10ms"], check=5)
    assert len(point_lines(p.stdout)) == 2
    assert "--set hosts[1].rx_model=poll --set duration=10ms" in \
        p.stdout.replace("'", "")


def test_a_version_8_database_gets_the_campaign_tables(netsim, tmp_path):
    """Schema version 9 added campaigns, run_params, campaign_points and
    runs.campaign_id; a version 8 file keeps its runs and gets them."""
    db = tmp_path / "old.db"
    run([netsim, "run", ROOT / "scenarios" / "default.json", "--db", db,
         "--quiet"], check=0)
    con = sqlite3.connect(db)
    con.executescript("DROP TABLE campaign_points; DROP TABLE run_params; "
                      "DROP TABLE campaigns; ALTER TABLE runs DROP COLUMN "
                      "campaign_id; PRAGMA user_version = 8;")
    before = con.execute("SELECT * FROM runs").fetchall()
    con.close()
    sc = small_sweep(tmp_path, sweep={"hosts[1].rx_model": ["poll"]})
    run([netsim, "run", sc, "--db", db, "--quiet"], check=0)
    assert rows(db, "PRAGMA user_version") == [(dbcheck.SCHEMA_VERSION,)]
    assert [r[:-1] for r in rows(db, "SELECT * FROM runs WHERE id = 1")] == \
        before
    assert rows(db, "SELECT id, campaign_id FROM runs") == [(1, None),
                                                             (2, 1)]
    dbcheck.check_db(db)


# --- the receive livelock study ---------------------------------------------


@pytest.fixture(scope="module")
def livelock(tmp_path_factory):
    netsim = binary("netsim")
    db = tmp_path_factory.mktemp("livelock") / "livelock.db"
    run([netsim, "run", ROOT / "scenarios" / "livelock.json", "--db", db,
         "--jobs", "2", "--quiet"], check=0)
    return netsim, db


def forwarded_rates(db):
    """{arm: [(offered pps, forwarded pps)]}: the router's forwarded
    datagrams over the sending window (from the sender's start to the
    run's end, when the sender is done)."""
    sc = json.loads((ROOT / "scenarios" / "livelock.json").read_text())
    start_ns = 200_000
    assert sc["workload"][2]["start"] == "200us"
    out = {}
    for arm, rate, end_ns, fwd in rows(db, """
            SELECT m.value, r.value, runs.end_ns, (SELECT max(value)
              FROM counters c WHERE c.run_id = runs.id AND c.host = 'router'
                AND c.name = 'ip.default.forwarded')
            FROM runs JOIN run_params m ON m.run_id = runs.id
              AND m.name = 'hosts[1].rx_model'
            JOIN run_params r ON r.run_id = runs.id
              AND r.name = 'workload[2].rate'
            ORDER BY runs.id"""):
        offered = float(rate.replace("kpps", "e3").replace("Mpps", "e6"))
        out.setdefault(arm, []).append(
            (offered, fwd * 1e9 / (end_ns - start_ns)))
    for arm in out:
        out[arm].sort()
    return out


def test_receive_livelock_legacy_collapses_and_poll_holds(livelock):
    """Legacy: the forwarded rate rises, peaks, then collapses: at the
    highest load below half its peak.  Poll: at least 80% of its peak."""
    _, db = livelock
    rates = forwarded_rates(db)
    assert sorted(rates) == ["legacy", "poll"]
    legacy = [f for _, f in rates["legacy"]]
    poll = [f for _, f in rates["poll"]]
    peak = max(legacy)
    assert legacy.index(peak) not in (0, len(legacy) - 1), legacy
    assert legacy[-1] < 0.5 * peak, legacy
    assert poll[-1] >= 0.8 * max(poll), poll
    # Below the knee both forward what they are offered.
    for (offered, f_l), (_, f_p) in zip(rates["legacy"][:2],
                                        rates["poll"][:2]):
        assert f_l > 0.9 * offered and f_p > 0.9 * offered


def test_the_livelock_campaigns_report_shows_the_two_curves(livelock,
                                                             tmp_path):
    netsim, db = livelock
    out = tmp_path / "livelock.html"
    p = run([netsim, "report", db, "--campaign", "1", "-o", out], check=0)
    assert p.stdout == f"report: campaign 1 (12 runs) -> {out}\n"
    page = out.read_text()
    assert "Forwarded rate against offered load" in page
    assert "Throughput against offered load" in page
    assert "Latency against offered load" in page
    # One curve an arm, named by its value.
    assert "hosts[1].rx_model=legacy" in page
    assert "hosts[1].rx_model=poll" in page
    assert "The two arms side by side" in page


def test_merge_keeps_campaigns_with_their_runs(netsim, tmp_path):
    """netsim merge copies a campaign once, renumbered with its runs and
    points when the output has one of that id already."""
    sc = small_sweep(tmp_path, sweep={"hosts[1].rx_model": ["legacy",
                                                            "poll"]})
    a, b, out = tmp_path / "a.db", tmp_path / "b.db", tmp_path / "out.db"
    run([netsim, "run", sc, "--db", a, "--quiet"], check=0)
    run([netsim, "run", sc, "--db", b, "--quiet", "--seed", "2"], check=0)
    run([netsim, "merge", out, a, b, a], check=0)
    dbcheck.check_db(out)
    assert rows(out, "SELECT id, fingerprint FROM campaigns ORDER BY id") == \
        rows(a, "SELECT id, fingerprint FROM campaigns") + \
        [(2, rows(b, "SELECT fingerprint FROM campaigns")[0][0])]
    assert rows(out, "SELECT campaign_id, count(*) FROM runs GROUP BY "
                "campaign_id") == [(1, 2), (2, 2)]
    # Every run's point and values came along, pointing at the new ids.
    assert rows(out, "SELECT count(*) FROM campaign_points p JOIN runs r "
                "ON r.id = p.run_id AND r.campaign_id = p.campaign_id AND "
                "r.fingerprint = p.fingerprint") == [(4,)]
    assert rows(out, "SELECT count(*) FROM run_params p JOIN runs r ON "
                "r.id = p.run_id AND r.campaign_id = p.campaign_id") == [(4,)]
