"""TCP (issue 13): the bulk transfers of scenarios/net/tcp-*.json, each a
fraction of a second of virtual time: every byte delivered in order
exactly once (the client checks the seeded pattern of the echo), both
connection blocks freed (tcbfreed), both lazy receive paths and demux's
immediate ACK used, a reset for a connect to a closed port."""
import json
import shutil
import sqlite3
import subprocess

import pytest

from harness import ROOT, VARIANT, binary, mbufs_in_use, ok_summary, run

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
    """8 MiB through the router at 1 Gbit/s: no loss, so nothing is sent
    twice; the connection's times and goodput are in tcp_connections."""
    p, c = _run(tmp_path, "scenarios/net/tcp-router.json")
    con = sqlite3.connect(tmp_path / "r.db")
    (row,) = con.execute("SELECT host, program, connect_ns, transfer_ns, "
                         "bytes_out, ok, goodput_bps FROM tcp_connections")
    con.close()
    assert row[:2] == ("client", "tcp_client") and row[5] == 1
    assert row[2] == c[("client", "tcp_client.connect_ns")] > 0
    assert row[3] == c[("client", "tcp_client.transfer_ns")] > 0
    assert row[4] == 8 << 20
    assert row[6] == row[4] * 8e9 / row[3]
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


def _two_hosts(**link):
    sc = json.loads((ROOT / "scenarios/net/tcp-two-hosts.json").read_text())
    sc["duration"] = "20s"
    sc["links"][0].update(link)
    return sc


def _flap():
    sc = _two_hosts()
    sc["faults"] = [{"kind": "flap", "target": "ab", "start": "3ms",
                     "end": "6ms", "down": "1ms", "up": "1ms"}]
    return sc


def _duplicate(**link):
    sc = _two_hosts(**link)
    sc["faults"] = [{"kind": "duplicate", "target": "ab", "end": "20s",
                     "probability": 0.02}]
    return sc


FAULTY = {
    "loss": lambda: _two_hosts(loss=0.02),
    "reorder": lambda: _two_hosts(reorder=0.05),
    "loss+reorder": lambda: _two_hosts(loss=0.01, reorder=0.05),
    "flap": _flap,
    "duplicate": _duplicate,
    "duplicate+loss+reorder": lambda: _duplicate(loss=0.01, reorder=0.05),
}


@pytest.mark.parametrize("seed", [1, 2, 3])
@pytest.mark.parametrize("fault", sorted(FAULTY))
def test_echo_survives_faults(tmp_path, fault, seed):
    """Every byte back in order exactly once through loss (the handshake's
    included: seed 2 loses the SYN, then the handshake's ACK), reordering
    and a flapping link; nothing leaks."""
    p, c = _run(tmp_path, FAULTY[fault](), seed=seed)
    assert c[("a", "tcp_client.ok")] == 1, p.stdout
    assert c[("a", "tcp_client.bytes_in")] == 1 << 20
    assert c.get(("a", "tcp_client.mismatches"), 0) == 0
    assert c[("a", "tcp.default.tcbfreed")] == 1
    assert c[("b", "tcp.default.tcbfreed")] == 1
    for h in ("a", "b"):
        assert _sum(c, h, ["tcp.default.connattempt",
                           "tcp.default.accepts"]) == \
            _sum(c, h, ["tcp.default.connects", "tcp.default.conndrops"])
        # SACK is on by default: its recoveries are fast retransmits, its
        # resends are among the resends, and it reports no more blocks
        # than the peer sent (an ACK may be lost), or, where the link
        # duplicates frames, than twice that (a copied ACK's blocks are
        # read again).
        t = "tcp.default."
        assert c.get((h, t + "sack_recovery_episodes"), 0) <= \
            c.get((h, t + "fastrexmt"), 0)
        assert c.get((h, t + "sack_rexmits"), 0) <= \
            c.get((h, t + "sndrexmitpack"), 0)
        copies = 2 if "duplicate" in fault else 1
        assert c.get((h, t + "sack_blocks_rcvd"), 0) <= copies * \
            c.get(("b" if h == "a" else "a", t + "sack_blocks_sent"), 0)
    if "loss" in fault:
        assert _sum(c, "a", ["tcp.default.sack_blocks_sent"]) + \
            _sum(c, "b", ["tcp.default.sack_blocks_sent"]) > 0


@pytest.mark.parametrize("fault", ["duplicate", "duplicate+loss+reorder"])
def test_duplicates_are_seen_and_dropped_by_tcp(tmp_path, fault):
    """2% of the frames both ways arrive twice: TCP counts the copies of
    data it already has (rcvduppack) and the
    copies of ACKs as duplicate ACKs, and delivers each byte once (the
    echo test above checks the pattern)."""
    p, c = _run(tmp_path, FAULTY[fault]())
    assert c[("a", "tcp_client.ok")] == 1, p.stdout
    dups = c[(None, "link.ab.ab.duplicated")] + \
        c[(None, "link.ab.ba.duplicated")]
    assert dups > 10
    assert _sum(c, "a", ["tcp.default.rcvduppack"]) + \
        _sum(c, "b", ["tcp.default.rcvduppack"]) > 0
    assert _sum(c, "a", ["tcp.default.rcvdupack"]) + \
        _sum(c, "b", ["tcp.default.rcvdupack"]) > 0


def test_syn_retransmission_backs_off(tmp_path):
    """RFC 6298 5.5: the SYN's RTO starts at 1 s and doubles.  Every frame
    a sends is lost from 5 ms to 5 s (ARP resolved before by a ping), so
    the SYNs at 10 ms, 1.01 s and 3.01 s are lost and the one at 7.01 s
    connects: connect takes 1 + 2 + 4 = 7 s plus a round trip (the timers
    fire on 1 ms clock ticks)."""
    sc = _two_hosts()
    sc["workload"][1]["start"] = "10ms"
    sc["workload"].insert(1, {"program": "ping", "host": "a",
                              "dst": "10.0.0.2", "count": 1,
                              "timeout": "4ms"})
    sc["faults"] = [{"kind": "loss", "target": "ab", "start": "5ms",
                     "end": "5s", "loss": 1, "dir": "ab"}]
    p, c = _run(tmp_path, sc)
    assert c[("a", "tcp_client.ok")] == 1, p.stdout
    assert c[("a", "tcp.default.rexmttimeo")] == 3
    assert 7_000_000_000 <= c[("a", "tcp_client.connect_ns")] < 7_002_000_000


def _mbufs_in_use(tmp_path, scenario):
    """What each host's mbuf pools still hold at the end of the run."""
    _run(tmp_path, scenario)
    con = sqlite3.connect(tmp_path / "r.db")
    use = mbufs_in_use(con)
    con.close()
    return use


def test_no_mbuf_left_after_the_connection(tmp_path):
    """Every mbuf and cluster TCP took is back at the end: what is in use
    is what an idle run of the same hosts holds (the receive rings)."""
    sc = json.loads((ROOT / "scenarios/net/tcp-two-hosts.json").read_text())
    idle = json.loads(json.dumps(sc))
    idle["workload"] = [{"program": "ping", "host": "a",
                         "dst": "10.0.0.2", "count": 1}]
    (tmp_path / "idle").mkdir()
    (tmp_path / "tcp").mkdir()
    base = _mbufs_in_use(tmp_path / "idle", idle)
    after = _mbufs_in_use(tmp_path / "tcp", sc)
    assert after == base


def test_tshark_finds_good_checksums_and_no_retransmission(tmp_path):
    exe = shutil.which("tshark")
    if exe is None:
        pytest.skip("tshark is not installed (scripts/setup-deps)")
    db = tmp_path / "r.db"
    run([NETSIM, "run", ROOT / "scenarios/net/tcp-two-hosts.json",
         "--seed", 1, "--db", db, "--pcap", tmp_path], check=0)

    def count(flt):
        p = subprocess.run([exe, "-r", tmp_path / "ab.pcap", "-o",
                            "tcp.check_checksum:TRUE", "-Y", flt],
                           capture_output=True, text=True, timeout=120)
        assert p.returncode == 0, p.stderr
        return len(p.stdout.splitlines())

    assert count("tcp") > 1000
    assert count("tcp.checksum.status == 1") == count("tcp")
    assert count("tcp.analysis.retransmission || "
                 "tcp.analysis.fast_retransmission || "
                 "tcp.analysis.spurious_retransmission || "
                 "tcp.analysis.out_of_order || "
                 "tcp.analysis.lost_segment || "
                 "tcp.analysis.zero_window") == 0
    # The handshake offered and took window scaling and timestamps.
    assert count("tcp.flags.syn == 1 && tcp.options.wscale.shift && "
                 "tcp.options.timestamp.tsval") == 2


def test_simultaneous_open_and_close(tmp_path):
    """Two clients bound to each other's port connect at the same moment
    (RFC 9293 3.5, figure 8: SYN_SENT -> SYN_RECEIVED -> ESTABLISHED on
    both sides), exchange 200 KiB each way and close together; both
    connections end and are freed."""
    sc = json.loads((ROOT / "scenarios/net/tcp-two-hosts.json").read_text())
    sc["workload"] = [
        {"program": "ping", "host": "a", "dst": "10.0.0.2", "count": 1},
        {"program": "tcp_client", "host": "a", "dst": "10.0.0.2",
         "port": 6002, "sport": 6001, "bytes": "200KiB", "verify": "none",
         "start": "5ms"},
        {"program": "tcp_client", "host": "b", "dst": "10.0.0.1",
         "port": 6001, "sport": 6002, "bytes": "200KiB", "verify": "none",
         "start": "5ms"}]
    p, c = _run(tmp_path, sc)
    assert c[("a", "tcp_client.ok")] == 1, p.stdout
    assert c[("b", "tcp_client1.ok")] == 1, p.stdout
    for h in ("a", "b"):
        assert c[(h, "tcp.default.connattempt")] == 1      # both active
        assert c[(h, "tcp.default.connects")] == 1
        assert c.get((h, "tcp.default.dropped"), 0) == 0
        assert c[(h, "tcp.default.tcbfreed")] == 1


def test_stream_and_request_response(tmp_path):
    """tcp_stream sends for its duration, then closes; tcp_client rr makes
    its requests at the rate asked, each answered in full."""
    sc = json.loads((ROOT / "scenarios/net/tcp-router.json").read_text())
    sc["workload"] = [
        {"program": "tcp_server", "host": "server", "port": 5001,
         "mode": "discard"},
        {"program": "tcp_server", "host": "server", "port": 5002,
         "mode": "rr", "request": 64, "response": "1KiB"},
        {"program": "tcp_stream", "host": "client", "dst": "10.0.2.1",
         "duration": "20ms", "start": "1ms"},
        {"program": "tcp_client", "host": "client", "dst": "10.0.2.1",
         "port": 5002, "mode": "rr", "count": 50, "rate": "5kpps",
         "request": 64, "response": "1KiB", "nodelay": True,
         "start": "1ms"}]
    p, c = _run(tmp_path, sc)
    assert c[("client", "tcp_stream.ok")] == 1, p.stdout
    assert 20_000_000 <= c[("client", "tcp_stream.transfer_ns")] < 30_000_000
    assert c[("server", "tcp_server.bytes_in")] == \
        c[("client", "tcp_stream.bytes_out")] > 0
    assert c[("client", "tcp_client.ok")] == 1, p.stdout
    assert c[("client", "tcp_client.requests")] == 50
    assert c[("client", "tcp_client.bytes_in")] == 50 * 1024
    assert c[("server", "tcp_server1.responses")] == 50
    # 50 requests at 5,000 a second: the last is sent 9.8 ms in.
    assert c[("client", "tcp_client.transfer_ns")] >= 9_800_000
    assert 0 < c[("client", "tcp_client.latency_min_ns")] <= \
        c[("client", "tcp_client.latency_avg_ns")] <= \
        c[("client", "tcp_client.latency_max_ns")]
    con = sqlite3.connect(tmp_path / "r.db")
    progs = sorted(r[0] for r in con.execute(
        "SELECT program FROM tcp_connections WHERE ok = 1"))
    con.close()
    assert progs == ["tcp_client", "tcp_stream"]


def test_zero_window_is_probed_until_it_opens(tmp_path):
    """A server that reads nothing for 1 s: its window closes, the client
    probes it (persist timer, RFC 9293 3.8.6.1) instead of retransmitting,
    and when the server reads the transfer completes."""
    sc = json.loads((ROOT / "scenarios/net/tcp-two-hosts.json").read_text())
    sc["duration"] = "10s"
    sc["workload"][0].update(mode="discard", delay="1s")
    sc["workload"][1].update(verify="none")
    p, c = _run(tmp_path, sc)
    assert c[("a", "tcp_client.ok")] == 1, p.stdout
    assert c[("b", "tcp_server.bytes_in")] == 1 << 20
    assert c[("a", "tcp.default.persisttimeo")] >= 1
    assert c.get(("a", "tcp.default.rexmttimeo"), 0) == 0
    assert c[("a", "tcp_client.transfer_ns")] > 1_000_000_000


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_malformed_segments_are_dropped_and_counted(test_bin, seed):
    """tests/c/test_inet tcp: segments too short, with a data offset out
    of the segment, malformed options (a length of 0, past the header, an
    MSS of the wrong length) or a bad checksum, to a listener and to a
    closed port, each counted by its reason; then random headers and
    option soups with valid checksums (1,000,000 under make asan): every
    one counted, the counters add up, no mbuf left once the listener is
    closed."""
    n = 1_000_000 if VARIANT == "asan" and seed == 1 else 20_000
    p = run([test_bin("test_inet"), "tcp", seed, n], check=0)
    s = ok_summary(p, "tcp", ints=True)
    assert s["segments"] == n + 9
    for k in ("badoff", "badopt", "noport", "dropped"):
        assert s[k] > n // 100, k
    assert s["tcbfreed"] == 1


def _keepalive(linger, faults=()):
    sc = json.loads((ROOT / "scenarios/net/tcp-two-hosts.json").read_text())
    sc["duration"] = "30s"
    sc["workload"][0].update(mode="rr")
    sc["workload"][1].update(mode="rr", count=3, keepidle="1s",
                             linger=linger)
    sc["faults"] = list(faults)
    return sc


def test_keepalive_probes_an_idle_peer(tmp_path):
    """SO_KEEPALIVE, TCP_KEEPIDLE = TCP_KEEPINTVL = 1 s: a client idle for
    3.5 s after its requests probes its peer at 1, 2 and 3 s; the peer
    answers each and the connection closes normally."""
    p, c = _run(tmp_path, _keepalive("3500ms"))
    assert c[("a", "tcp_client.ok")] == 1, p.stdout
    assert c[("a", "tcp.default.keepprobe")] == 3
    assert c.get(("a", "tcp.default.keepdrops"), 0) == 0


def test_keepalive_drops_a_vanished_peer(tmp_path):
    """The link loses everything from 100 ms on: after 1 s idle and the
    brane's 8 unanswered probes a second apart, the connection is
    dropped (ETIMEDOUT) and freed."""
    p, c = _run(tmp_path, _keepalive("12s", [
        {"kind": "loss", "target": "ab", "start": "100ms", "end": "30s",
         "loss": 1}]))
    assert c[("a", "tcp.default.keepprobe")] == 8
    assert c[("a", "tcp.default.keepdrops")] == 1
    assert c[("a", "tcp_client.ok")] == 0
    assert c[("a", "tcp.default.tcbfreed")] == 1


@pytest.mark.parametrize("nodelay", [False, True])
def test_small_writes_nagle_and_nodelay(tmp_path, nodelay):
    """100 KiB in writes of 100 bytes: with Nagle the small writes wait
    for the ACK and leave in full segments (about 100 KiB / 1448); with
    TCP_NODELAY many go out small.  Either way every frame fits the NIC
    (the send buffer keeps small writes together, a segment spans few
    mbufs) and every byte arrives."""
    sc = json.loads((ROOT / "scenarios/net/tcp-two-hosts.json").read_text())
    sc["workload"][0]["mode"] = "discard"
    sc["workload"][1].update(bytes="100KiB", chunk=100, verify="none",
                             nodelay=nodelay)
    p, c = _run(tmp_path, sc)
    assert c[("a", "tcp_client.ok")] == 1, p.stdout
    assert c[("b", "tcp_server.bytes_in")] == 100 * 1024
    assert c.get(("a", "wm0.tx_errors"), 0) == 0
    segs = c[("a", "tcp.default.sndtotal")]
    if nodelay:
        assert segs > 100
    else:
        assert segs < 80
