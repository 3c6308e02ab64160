"""Tail-loss probes (issue 13; RFC 8985 7): a loss at the end of what a
connection sent brings no duplicate ACKs, so without a probe only the
retransmission timeout (200 ms at least) repairs it.  With TLP (the
default) a probe after about two round trips repairs it (a lost last
segment: the probe is that segment again) or reveals it (several lost:
the probe is SACKed, and fast recovery repairs the rest at once); with
"tlp": false the same losses wait for the timeout.  Counted in
tlp_probes and tlp_recoveries.  tcp-two-hosts.json's link, tens of ms
of virtual time (hundreds without TLP)."""
import json
import sqlite3

import pytest

from harness import ROOT, host_counters, run_scenario



def _run(tmp_path, workload, fault):
    sc = json.loads((ROOT / "scenarios/net/tcp-two-hosts.json").read_text())
    sc["record"]["packets"] = True
    sc["workload"] = workload
    sc["faults"] = [dict(kind="loss", target="ab", dir="ab", loss=1,
                         **fault)]
    _, db = run_scenario(sc, tmp_path)
    con = sqlite3.connect(db)
    c = host_counters(con)
    eps = con.execute("SELECT host, kind, timeouts FROM tcp_recovery "
                      "ORDER BY episode").fetchall()
    lost = con.execute("SELECT value FROM fault_effects WHERE name = "
                       "'lost'").fetchone()[0]
    con.close()
    return c, eps, lost


def _tcp(c, name):
    return c.get(("a", "tcp.default." + name), 0)


@pytest.mark.parametrize("tlp", [True, False])
def test_a_lost_request_is_probed_not_timed_out(tmp_path, tlp):
    """20 requests at 1,000 a second; the one a sends after 5.5 ms is
    lost.  Nothing follows it (the client waits for its response), so
    no duplicate ACK can tell the loss.  With TLP a probe goes after
    PTO = 2 SRTT + the delayed-ACK allowance (one segment out, 40 ms)
    and repairs it: the slowest request takes ~41 ms.  Without, the
    RTO: 200 ms."""
    c, eps, lost = _run(tmp_path, [
        {"program": "tcp_server", "host": "b", "mode": "rr",
         "request": 64, "response": "1KiB"},
        {"program": "tcp_client", "host": "a", "dst": "10.0.0.2",
         "mode": "rr", "count": 20, "rate": "1kpps", "request": 64,
         "response": "1KiB", "nodelay": True, "start": "1ms",
         "tlp": tlp}], {"start": "5500us", "count": 1})
    assert lost == 1
    assert c[("a", "tcp_client.ok")] == 1
    assert c[("a", "tcp_client.requests")] == 20
    assert c[("a", "tcp_client.bytes_in")] == 20 * 1024
    worst = c[("a", "tcp_client.latency_max_ns")]
    if tlp:
        assert _tcp(c, "rexmttimeo") == 0
        assert _tcp(c, "tlp_probes") == _tcp(c, "tlp_recoveries") == 1
        assert _tcp(c, "sndrexmitpack") == 1      # the probe itself
        assert 40_000_000 < worst < 50_000_000
    else:
        assert _tcp(c, "rexmttimeo") == 1
        assert _tcp(c, "tlp_probes") == 0
        assert worst > 190_000_000


@pytest.mark.parametrize("tlp", [True, False])
def test_a_lost_tail_is_recovered_without_a_timeout(tmp_path, tlp):
    """64 KiB to a discard server; the frames a starts from 1.81 ms to
    1.85 ms, the transfer's last data segments (the last with the FIN),
    are lost.  With TLP the probe (the last segment again) is SACKed
    while snd_una is not: fast recovery resends the rest at once, the
    transfer takes ~10 ms and no timeout fires.  Without, the timeout
    at ~210 ms does it."""
    c, eps, lost = _run(tmp_path, [
        {"program": "tcp_server", "host": "b", "mode": "discard"},
        {"program": "tcp_client", "host": "a", "dst": "10.0.0.2",
         "bytes": "64KiB", "verify": "none", "start": "1ms",
         "tlp": tlp}], {"start": "1810us", "end": "1850us"})
    assert lost >= 2
    assert c[("a", "tcp_client.ok")] == 1
    assert c[("b", "tcp_server.bytes_in")] == 64 << 10
    xfer = c[("a", "tcp_client.transfer_ns")]
    if tlp:
        assert _tcp(c, "rexmttimeo") == 0
        assert _tcp(c, "tlp_probes") == _tcp(c, "tlp_recoveries") == 1
        assert [e for e in eps if e[0] == "a"] == [("a", "fast", 0)]
        assert xfer < 20_000_000
    else:
        assert _tcp(c, "rexmttimeo") == 1
        assert [e for e in eps if e[0] == "a"] == [("a", "rto", 1)]
        assert xfer > 200_000_000


def test_a_probe_is_a_tlp_row_before_the_segment_it_resends(tmp_path):
    """With record.packets each probe is a 'tlp' row of tcp_events
    (schema 18), with the connection, snd_una and the probe's sequence
    number; the lost request's probe resends it (count 1), and its
    'rexmit' row, with the segment's packet id, comes just before it,
    outside any recovery episode."""
    sc = json.loads((ROOT / "scenarios/net/tcp-two-hosts.json").read_text())
    sc["record"]["packets"] = True
    sc["workload"] = [
        {"program": "tcp_server", "host": "b", "mode": "rr",
         "request": 64, "response": "1KiB"},
        {"program": "tcp_client", "host": "a", "dst": "10.0.0.2",
         "mode": "rr", "count": 20, "rate": "1kpps", "request": 64,
         "response": "1KiB", "nodelay": True, "start": "1ms"}]
    sc["faults"] = [dict(kind="loss", target="ab", dir="ab", loss=1,
                         start="5500us", count=1)]
    _, db = run_scenario(sc, tmp_path)
    con = sqlite3.connect(db)
    tlp = con.execute("SELECT n, t_ns, host, local, remote, snd_una, seq, "
                      "count, pkt_id FROM tcp_events WHERE event = 'tlp' "
                      "AND host = 'a'").fetchall()
    assert len(tlp) == 1, tlp
    n, t, host, local, remote, una, seq, count, pkt = tlp[0]
    assert host == "a" and local.startswith("10.0.0.1:")
    assert remote == "10.0.0.2:" + remote.split(":")[1]
    assert seq == una and count == 1 and pkt is None
    # The probe ~40 ms after the loss at 5.5 ms.
    assert 40_000_000 < t < 50_000_000
    # The tcp:tlp probe fires once tcp_output has sent it: the segment's
    # rexmit row is the connection's row before it.
    prev = con.execute("SELECT n, event, t_ns, seq, count, pkt_id FROM "
                       "tcp_events WHERE host = 'a' AND n < ? ORDER BY n "
                       "DESC LIMIT 1", (n,)).fetchone()
    assert prev[1] == "rexmit" and prev[3] == seq and prev[4] == 64
    assert t - 1_000_000 < prev[2] <= t and prev[5] > 0
    assert con.execute("SELECT count(*) FROM tcp_recovery_packets WHERE "
                       "n = ?", (prev[0],)).fetchone() == (0,)
    stages = {r[0] for r in con.execute(
        "SELECT stage FROM packet_stages WHERE pkt_id = ?", (prev[5],))}
    assert {"tcp_output", "tcp_rexmit", "tcp_input"} <= stages
    con.close()


def test_a_version_17_database_keeps_its_tcp_events(tmp_path):
    """A file of schema 17 has tcp_events without the 'tlp' event in its
    CHECK; opened by netsim 18 its table is rebuilt, its rows kept in
    order, and a new run's probe rows fit."""
    import dbcheck
    sc = json.loads((ROOT / "scenarios/net/tcp-two-hosts.json").read_text())
    sc["record"]["packets"] = True
    sc["links"][0]["loss"] = 0.01
    _, db = run_scenario(sc, tmp_path)
    con = sqlite3.connect(db)
    before = con.execute("SELECT * FROM tcp_events WHERE event != 'tlp' "
                         "ORDER BY n").fetchall()
    n_tlp = con.execute("DELETE FROM tcp_events WHERE event = 'tlp'"
                        ).rowcount
    sql = con.execute("SELECT sql FROM sqlite_master WHERE name = "
                      "'tcp_events'").fetchone()[0]
    con.executescript(
        "DROP VIEW tcp_recovery_packets; DROP VIEW tcp_recovery; "
        "DROP INDEX tcp_events_by_conn; "
        "ALTER TABLE tcp_events RENAME TO t; "
        + sql.replace(", 'tlp'", "") + ";"
        "INSERT INTO tcp_events SELECT * FROM t; DROP TABLE t; "
        "CREATE INDEX tcp_events_by_conn ON tcp_events "
        "(run_id, host, local, remote, n); PRAGMA user_version = 17;")
    with pytest.raises(sqlite3.IntegrityError):
        con.execute("INSERT INTO tcp_events (run_id, n, t_ns, host, local, "
                    "remote, event) VALUES (1, 0, 0, 'a', 'x', 'y', 'tlp')")
    con.close()
    run_scenario(sc, tmp_path)                  # the same file, run 2
    con = sqlite3.connect(db)
    assert con.execute("PRAGMA user_version").fetchone() == (
        dbcheck.SCHEMA_VERSION,)
    assert con.execute("SELECT * FROM tcp_events WHERE run_id = 1 ORDER BY "
                       "n").fetchall() == before
    # Run 2 recorded the same events as run 1 (same seed), probes too.
    assert con.execute("SELECT count(*) FROM tcp_events WHERE run_id = 2"
                       ).fetchone()[0] == len(before) + n_tlp
    assert con.execute("SELECT count(*) FROM tcp_recovery WHERE run_id = 1"
                       ).fetchone()[0] > 0
    con.close()
