"""TCP's loss recovery in the records (issue 13: "recovery episodes are
visible per packet in the records"): with record.packets on, each episode
is a tcp_recovery row (fast retransmit or timeout, to the ACK of its
recovery point), every segment TCP resends is a packet with a tcp_rexmit
stage, listed by tcp_recovery_packets under its episode, and the counts
agree with TCP's own counters.  tcp-two-hosts.json's 1 MiB echo, each a
few ms to 0.6 s of virtual time."""
import json
import sqlite3

import dbcheck
from harness import ROOT, binary, run

NETSIM = binary("netsim")


def _scenario(tmp_path, faults=(), link=None):
    sc = json.loads((ROOT / "scenarios/net/tcp-two-hosts.json").read_text())
    sc["record"]["packets"] = True
    sc["faults"] = list(faults)
    if link:
        sc["links"][0].update(link)
    path = tmp_path / "s.json"
    path.write_text(json.dumps(sc))
    return path


def _run(tmp_path, **kw):
    db = tmp_path / "r.db"
    p = run([NETSIM, "run", _scenario(tmp_path, **kw), "--seed", 1,
             "--db", db], check=0)
    assert "tcp_client 10.0.0.2:5001: ok;" in p.stdout, p.stdout
    return db


def _q(db, sql, *args):
    con = sqlite3.connect(db)
    try:
        return con.execute(sql, args).fetchall()
    finally:
        con.close()


def _counter(db, host, name):
    rows = _q(db, "SELECT value FROM counter_last WHERE host = ? AND "
              "name = ?", host, name)
    return rows[0][0] if rows else 0


def _check_rexmits_marked(db):
    """Every resent segment is marked per packet and in an episode, and
    as many as TCP counted (sndrexmitpack) on each host."""
    for host in ("a", "b"):
        sent = _counter(db, host, "tcp.default.sndrexmitpack")
        events = _q(db, "SELECT pkt_id FROM tcp_events WHERE host = ? AND "
                    "event = 'rexmit' ORDER BY n", host)
        assert len(events) == sent
        # Each is a packet of its own with a tcp_rexmit stage on host.
        for (pkt,) in events:
            stages = [s for (s,) in _q(
                db, "SELECT stage FROM packet_stages WHERE pkt_id = ? "
                "ORDER BY t_ns, rowid", pkt)]
            assert stages[:3] == ["tcp_output", "tcp_rexmit", "ip_output"]
    # The same segments, by stage and by episode.  A resend may fall
    # outside every episode: when the peer's window closes, tcp_output
    # goes back to snd_una (as BSD's does) and what was in flight is
    # sent again when it opens (README, "TCP recovery") -- a few at most.
    marked = _q(db, "SELECT count(*) FROM packet_stages WHERE stage = "
                "'tcp_rexmit'")[0][0]
    in_episodes = _q(db, "SELECT count(*) FROM tcp_recovery_packets")[0][0]
    outside = _q(db, "SELECT count(*) FROM tcp_events WHERE event = "
                 "'rexmit' AND n NOT IN (SELECT n FROM "
                 "tcp_recovery_packets)")[0][0]
    assert marked == in_episodes + outside == sum(
        _counter(db, h, "tcp.default.sndrexmitpack") for h in ("a", "b"))
    assert outside <= max(3, marked // 5), (outside, marked)
    assert _q(db, "SELECT sum(rexmits) FROM tcp_recovery")[0][0] == \
        in_episodes


def test_one_lost_segment_is_one_fast_episode(tmp_path):
    """The first frame a sends after 3.01 ms (a data segment of the bulk
    transfer; the time is picked so: a lost pure ACK would change
    nothing) is lost: three duplicate ACKs, one fast retransmit, one
    episode on a ended by the full ACK.  It resends exactly the hole at
    snd_una, and then RFC 6675's rescue (NextSeg rule 4): b's 64 KiB
    window stops new data (rule 2) and nothing unSACKed is left below
    HighSACK (rule 3), so once per recovery the last segment below the
    recovery point goes again -- never data at or above the recovery
    point, which was first sent in this recovery and is in flight, not
    lost.  Both resent segments are delivered to b's connection."""
    db = _run(tmp_path, faults=[{"kind": "loss", "target": "ab",
                                 "start": "3010us", "loss": 1, "count": 1,
                                 "dir": "ab"}])
    assert _counter(db, "a", "tcp.default.fastrexmt") == 1
    assert _counter(db, "a", "tcp.default.rexmttimeo") == 0
    (ep,) = _q(db, "SELECT episode, host, local, remote, kind, start_ns, "
               "end_ns, snd_una, recover, rexmits, timeouts, ended "
               "FROM tcp_recovery")
    episode, host, local, remote, kind, start, end, una, rec, n, to, how = ep
    assert (host, local, remote, kind) == (
        "a", "10.0.0.1:49152", "10.0.0.2:5001", "fast")
    assert 3_010_000 < start < end and (n, to, how) == (2, 0, "ack")
    assert (rec - una) % (1 << 32) > 0          # data was outstanding
    # The episode's packets, with one query: the first resent at snd_una,
    # taken by the connection on b.
    rows = _q(db, "SELECT s.stage, s.host FROM tcp_recovery_packets k "
              "JOIN packet_stages s ON s.run_id = k.run_id AND "
              "s.pkt_id = k.pkt_id WHERE k.episode = ? ORDER BY s.t_ns, "
              "s.rowid", episode)
    assert rows[0] == ("tcp_output", "a") and rows[1] == ("tcp_rexmit", "a")
    assert rows[-1] == ("tcp_input", "b")
    mss = 1448                                  # 1460 less timestamps
    assert _q(db, "SELECT seq FROM tcp_recovery_packets ORDER BY pkt_id"
              ) == [(una,), ((rec - mss) % (1 << 32),)]
    # Delivered, in the packet views: a segment's receive is tcp_input.
    assert _q(db, "SELECT count(*) FROM packets WHERE NOT delivered") == [
        (1,)]                                   # the one lost on the wire
    _check_rexmits_marked(db)


def test_an_outage_longer_than_the_rto_is_an_rto_episode(tmp_path):
    """The link is down from 3 ms to 303 ms: both ends time out at about
    203 ms (RTO 200 ms), resend into the outage, time out again at 603 ms
    and recover: one rto episode each, two timeouts in it, ended by the
    ACK of what was out at the first timeout."""
    db = _run(tmp_path, faults=[{"kind": "flap", "target": "ab",
                                 "start": "3ms", "end": "304ms",
                                 "down": "300ms", "up": "1s"}])
    eps = _q(db, "SELECT host, kind, timeouts, ended, start_ns, end_ns "
             "FROM tcp_recovery ORDER BY host")
    assert [e[:4] for e in eps] == [("a", "rto", 2, "ack"),
                                    ("b", "rto", 2, "ack")]
    for host, _, _, _, start, end in eps:
        assert 203_000_000 <= start < 204_000_000
        assert 603_000_000 <= end < 700_000_000
        assert _counter(db, host, "tcp.default.rexmttimeo") == 2
    _check_rexmits_marked(db)


def test_random_loss_episodes_add_up(tmp_path):
    """2% loss each way: many episodes on both ends, of both kinds here;
    fast episodes match TCP's fast retransmits, every resent segment is in
    exactly one episode."""
    db = _run(tmp_path, link={"loss": 0.02})
    kinds = dict(_q(db, "SELECT kind, count(*) FROM tcp_recovery GROUP BY "
                    "kind"))
    assert kinds["fast"] == sum(_counter(db, h, "tcp.default.fastrexmt")
                                for h in ("a", "b")) > 5
    assert _q(db, "SELECT count(*) FROM tcp_recovery WHERE ended = "
              "'open'") == [(0,)]
    _check_rexmits_marked(db)
    # Episodes of one connection do not overlap.
    assert _q(db, "SELECT count(*) FROM tcp_recovery x JOIN tcp_recovery "
              "y ON x.run_id = y.run_id AND x.host = y.host AND "
              "x.local = y.local AND x.episode < y.episode AND "
              "y.episode < x.end_n") == [(0,)]


def test_a_clean_run_has_no_episode_and_every_segment_delivered(tmp_path):
    db = _run(tmp_path)
    assert _q(db, "SELECT count(*) FROM tcp_events") == [(0,)]
    assert _q(db, "SELECT count(*) FROM tcp_recovery") == [(0,)]
    assert _q(db, "SELECT count(*) FROM packet_stages WHERE stage = "
              "'tcp_rexmit'") == [(0,)]
    # The segments of both flows, each taken by its peer's connection.
    rows = _q(db, "SELECT flow_id, packets, delivered FROM flow_latency "
              "ORDER BY flow_id")
    assert len(rows) == 2 and all(p == d > 700 for _, p, d in rows), rows


def test_a_version_15_database_gains_the_tables(tmp_path):
    """A file of schema version 15 keeps its runs and gets tcp_events and
    the views when a netsim of version 16 opens it."""
    db = _run(tmp_path)
    con = sqlite3.connect(db)
    con.executescript("DROP VIEW tcp_recovery_packets; DROP VIEW "
                      "tcp_recovery; DROP TABLE tcp_events; "
                      "PRAGMA user_version = 15;")
    con.close()
    run([NETSIM, "run", _scenario(tmp_path), "--seed", 1, "--db", db])
    assert _q(db, "PRAGMA user_version") == [(dbcheck.SCHEMA_VERSION,)]
    assert _q(db, "SELECT count(*) FROM runs") == [(2,)]
    assert _q(db, "SELECT count(*) FROM tcp_recovery") == [(0,)]


def test_the_report_has_a_tcp_recovery_section(tmp_path):
    db = _run(tmp_path, link={"loss": 0.02})
    out = tmp_path / "r.html"
    run([NETSIM, "report", db, "-o", out])
    html = out.read_text()
    assert "TCP recovery</h3>" in html
    assert "recovery episode" in html           # the plot's shading
    clean = _run(tmp_path)
    run([NETSIM, "report", clean, "-o", out])
    assert "TCP recovery</h3>" not in out.read_text()
