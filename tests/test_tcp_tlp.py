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
