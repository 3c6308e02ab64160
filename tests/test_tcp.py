"""TCP (issue 13): the bulk transfers of scenarios/net/tcp-*.json, each a
fraction of a second of virtual time: every byte delivered in order
exactly once (the client checks the seeded pattern of the echo), both
connection blocks freed (tcbfreed), both lazy receive paths and demux's
immediate ACK used, a reset for a connect to a closed port."""
import json
import sqlite3

from harness import ROOT, run, binary

NETSIM = binary("netsim")


def _run(tmp_path, scenario, seed=1, name="s.json"):
    if isinstance(scenario, dict):
        path = tmp_path / name
        path.write_text(json.dumps(scenario))
    else:
        path = ROOT / scenario
    db = tmp_path / "r.db"
    p = run([NETSIM, "run", path, "--seed", seed, "--db", db], check=0)
    con = sqlite3.connect(db)
    rows = con.execute("SELECT host, name, value FROM counter_last")
    counters = {(h, n): v for h, n, v in rows}
    con.close()
    return p, counters


def _sum(counters, host, names):
    return sum(counters.get((host, n), 0) for n in names)


def test_echo_every_byte_once_in_order(tmp_path):
    p, c = _run(tmp_path, "scenarios/net/tcp-two-hosts.json")
    assert "tcp_client 10.0.0.2:5001: ok;" in p.stdout, p.stdout
    assert c[("a", "tcp_client.ok")] == 1
    assert c[("a", "tcp_client.bytes_in")] == 1 << 20
    assert c.get(("a", "tcp_client.mismatches"), 0) == 0
    for h in ("a", "b"):
        # Every connection block freed: nothing leaks at the end.
        assert c[(h, "tcp.default.tcbfreed")] == 1
        # The counters add up (tcp_var.h).
        assert c[(h, "tcp.default.delivered")] == _sum(
            c, h, ["tcp.default.lazy_lwp", "tcp.default.lazy_kcont",
                   "tcp.default.demux_ack", "tcp.default.closed"])
        assert c[(h, "tcp.default.received")] == _sum(
            c, h, ["tcp.default.hdrops", "tcp.default.badoff",
                   "tcp.default.noport", "tcp.default.badsum_noport",
                   "tcp.default.fullpcq", "tcp.default.delivered"])
    # Both lazy paths and demux's immediate ACK did receive work.
    assert _sum(c, "a", ["tcp.default.lazy_lwp"]) + \
        _sum(c, "b", ["tcp.default.lazy_lwp"]) > 0
    assert _sum(c, "a", ["tcp.default.lazy_kcont"]) + \
        _sum(c, "b", ["tcp.default.lazy_kcont"]) > 0
    assert c[("b", "tcp.default.demux_ack")] > 0


def test_router_bulk_clean_link_no_retransmission(tmp_path):
    p, c = _run(tmp_path, "scenarios/net/tcp-router.json")
    assert c[("client", "tcp_client.ok")] == 1
    assert c[("server", "tcp_server.bytes_in")] == 8 << 20
    assert c.get(("client", "tcp.default.sndrexmitpack"), 0) == 0
    assert c.get(("client", "tcp.default.rexmttimeo"), 0) == 0


def test_connect_to_closed_port_is_refused(tmp_path):
    sc = json.loads((ROOT / "scenarios/net/tcp-two-hosts.json").read_text())
    sc["workload"][1]["port"] = 5002       # nobody listens there
    p, c = _run(tmp_path, sc)
    assert "connect: error 111" in p.stdout, p.stdout      # ECONNREFUSED
    assert c[("b", "tcp.default.noport")] == 1
    assert c[("b", "tcp.default.sndrst")] == 1
    assert c[("a", "tcp.default.rcvrst")] == 1
    assert c[("a", "tcp.default.tcbfreed")] == 1
