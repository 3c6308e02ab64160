"""An idle TCP connection's kernel memory (issue 13's "<= 2 KiB an
established idle connection"), from the hosts' own accounting: each
host's kmem.inuse_bytes (its arena's blocks out) before any connection
and once all are established and idle, for K1 and K2 connections of a
tcp_client (rr, one request, then linger) to its own tcp_server, through
a router -- the growth from K1 to K2 over the K2 - K1 connections more,
so that one-off costs (ARP, the first connection's tables) drop out.
bench/sim_tcp.c's tcp_idle_conn_bytes is the same measure at K = 32 and
128."""
import json
import sqlite3

import pytest

from harness import binary, run

NETSIM = binary("netsim")
T0_NS = 10_000_000          # every program started, no connection yet
T1_NS = 100_000_000         # every connection established and idle
K1, K2 = 8, 40
LIMIT = 2048


def _scenario(k):
    host = lambda name, nics, **kw: dict(name=name, cpus=2, nics=nics, **kw)
    nic = lambda name, addr: {"name": name, "type": "dma", "addr": addr}
    via = lambda gw: [{"name": "default", "routes": [
        {"dst": "0.0.0.0/0", "via": gw}]}]
    work = [{"program": "tcp_server", "host": "server", "port": 6000 + i,
             "mode": "rr"} for i in range(k)]
    # The first alone (ARP holds one packet a destination: SYNs all at
    # once would be lost and sent again only a second later), the rest
    # 10 us apart.
    work += [{"program": "tcp_client", "host": "client", "dst": "10.0.2.1",
              "port": 6000 + i, "mode": "rr", "count": 1, "linger": "100ms",
              "start": f"{11000 if i == 0 else 12000 + 200 * i}us"}
             for i in range(k)]
    return {
        "name": "tcp-idle", "duration": "300ms",
        "record": {"interval": "10ms"},
        "hosts": [
            host("client", [nic("wm0", "10.0.1.1/24")],
                 branes=via("10.0.1.254")),
            host("router", [nic("wm0", "10.0.1.254/24"),
                            nic("wm1", "10.0.2.254/24")],
                 branes=[{"name": "default", "forwarding": True}]),
            host("server", [nic("wm0", "10.0.2.1/24")],
                 branes=via("10.0.2.254"))],
        "links": [
            {"name": "l1", "a": "client.wm0", "b": "router.wm0",
             "rate": "1Gbit", "delay": "5us"},
            {"name": "l2", "a": "router.wm1", "b": "server.wm0",
             "rate": "1Gbit", "delay": "5us"}],
        "workload": work}


def _held(tmp_path, k):
    """{host: arena bytes at T1 - at T0} for k idle connections."""
    path = tmp_path / f"idle{k}.json"
    path.write_text(json.dumps(_scenario(k)))
    db = tmp_path / f"idle{k}.db"
    run([NETSIM, "run", path, "--db", db, "--no-progress"], check=0)
    con = sqlite3.connect(db)
    at = lambda host, t: con.execute(
        "SELECT value FROM counters WHERE name = 'kmem.inuse_bytes' AND "
        "host = ? AND t_ns <= ? ORDER BY t_ns DESC LIMIT 1",
        (host, t)).fetchone()[0]
    answered = con.execute(
        "SELECT SUM(value) FROM counter_last WHERE host = 'server' AND "
        "name GLOB 'tcp_server*.responses'").fetchone()[0]
    held = {h: at(h, T1_NS) - at(h, T0_NS) for h in ("client", "server")}
    con.close()
    assert answered == k, f"{answered} of {k} requests answered"
    return held


def test_an_idle_connection_holds_at_most_2_kib_on_each_side(tmp_path):
    a, b = _held(tmp_path, K1), _held(tmp_path, K2)
    for side in ("client", "server"):
        per_conn = (b[side] - a[side]) / (K2 - K1)
        assert 0 < per_conn <= LIMIT, (
            f"{side}: {per_conn:.0f} bytes of kernel memory an idle "
            f"connection ({a[side]} B for {K1}, {b[side]} B for {K2})")
