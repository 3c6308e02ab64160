"""tcp_server serves many connections at once (issue 13): K clients
against one server are served side by side, each by a worker of its own,
so each client's transfer takes about what one client's alone does (in
virtual time, from the run's counters), not K times; with `conns` 1 they
queue behind each other as before.  Every byte is checked (the echo
clients verify the seeded pattern), every connection closed and freed,
and no mbuf is left."""
import json
import sqlite3

from harness import ROOT, host_counters, mbufs_in_use, run_scenario

K = 4


def _scenario(conns=None, k=K):
    sc = json.loads((ROOT / "scenarios/net/tcp-two-hosts.json").read_text())
    sc["duration"] = "5s"
    for h in sc["hosts"]:       # room for K windows at once: no drops
        h["nics"][0]["tx_ring"] = 1024
    echo = {"program": "tcp_server", "host": "b", "port": 5001,
            "mode": "echo"}
    rr = {"program": "tcp_server", "host": "b", "port": 5002, "mode": "rr",
          "request": 64, "response": "1KiB"}
    if conns is not None:
        echo["conns"] = rr["conns"] = conns
    # A ping first: ARP holds one packet a destination, so SYNs sent
    # all at once to an unresolved address would mostly be lost.
    sc["workload"] = [echo, rr, {"program": "ping", "host": "a",
                                 "dst": "10.0.0.2", "count": 1}]
    for i in range(k):
        start = "%dus" % (1000 + 10 * i)
        sc["workload"].append(
            {"program": "tcp_client", "host": "a", "dst": "10.0.0.2",
             "port": 5001, "bytes": "256KiB", "start": start})
        sc["workload"].append(
            {"program": "tcp_client", "host": "a", "dst": "10.0.0.2",
             "port": 5002, "mode": "rr", "count": 20, "rate": "2kpps",
             "request": 64, "response": "1KiB", "nodelay": True,
             "start": start})
    return sc


def _run(tmp_path, sc):
    p, db = run_scenario(sc, tmp_path)
    con = sqlite3.connect(db)
    c = host_counters(con)
    rows = con.execute("SELECT program, transfer_ns, bytes_in, requests, "
                       "ok FROM tcp_connections ORDER BY program").fetchall()
    con.close()
    bulk = {r[0]: r for r in rows if not r[3]}
    rr = {r[0]: r for r in rows if r[3]}
    return p, c, bulk, rr


def test_clients_are_served_at_once(tmp_path):
    p, c, bulk, rr = _run(tmp_path, _scenario())
    assert len(bulk) == len(rr) == K
    # Every byte back, in order, checked by each client.
    for prog, (_, t, bytes_in, _, ok) in bulk.items():
        assert ok == 1 and bytes_in == 256 << 10, (prog, p.stdout)
        assert c.get(("a", prog + ".mismatches"), 0) == 0
    for prog, (_, t, bytes_in, reqs, ok) in rr.items():
        assert ok == 1 and reqs == 20 and bytes_in == 20 * 1024, prog
    # Side by side: the slowest of K takes about what the fastest does
    # (one at a time, the k-th would take k times as long).
    for group in (bulk, rr):
        times = [r[1] for r in group.values()]
        assert max(times) < 1.5 * min(times), times
    # 20 requests at 2,000 a second: the last sent 9.5 ms in; each
    # answered at once, not after the other clients' 10 ms each.
    assert max(r[1] for r in rr.values()) < 12_000_000
    assert max(c[("a", prog + ".latency_max_ns")] for prog in rr) < \
        5_000_000
    for srv in ("tcp_server", "tcp_server1"):
        assert c[("b", srv + ".accepted")] == K
        assert c[("b", srv + ".closed")] == K
        assert c[("b", srv + ".workers")] == K
        assert c.get(("b", srv + ".errors"), 0) == 0
    assert c[("b", "tcp_server1.responses")] == K * 20
    for h in ("a", "b"):
        assert c[(h, "tcp.default.tcbfreed")] == 2 * K


def test_conns_limits_connections_in_service(tmp_path):
    """`conns` 1: one connection at a time; the others wait in the
    listener's queue, so the k-th client's transfer takes about k
    times one's."""
    p, c, bulk, rr = _run(tmp_path, _scenario(conns=1))
    assert all(r[4] == 1 for r in list(bulk.values()) + list(rr.values()))
    times = sorted(r[1] for r in bulk.values())
    assert times[-1] > 2.5 * times[0], times
    # A queued rr client's first request waits for the client before
    # it to finish (its 20 requests take 9.5 ms).
    assert max(c[("a", prog + ".latency_max_ns")] for prog in rr) > \
        10_000_000
    for srv in ("tcp_server", "tcp_server1"):
        assert c[("b", srv + ".workers")] == 1
        assert c[("b", srv + ".closed")] == K


def _mbufs_in_use(tmp_path, sc):
    _, db = run_scenario(sc, tmp_path)
    con = sqlite3.connect(db)
    use = mbufs_in_use(con)
    con.close()
    return use


def test_no_mbuf_left_after_many_connections(tmp_path):
    sc = _scenario(k=2)
    idle = json.loads(json.dumps(sc))
    idle["workload"] = [{"program": "ping", "host": "a",
                         "dst": "10.0.0.2", "count": 1}]
    (tmp_path / "idle").mkdir()
    (tmp_path / "tcp").mkdir()
    assert _mbufs_in_use(tmp_path / "tcp", sc) == \
        _mbufs_in_use(tmp_path / "idle", idle)
