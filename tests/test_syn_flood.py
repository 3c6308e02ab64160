"""The SYN-flood source (stack/apps/syn_flood.c): what the target of a
SYN-flood study receives must be SYNs a real TCP would take -- checksums
right, an MSS option, from the spoofed range asked for -- paced at the
rate asked for, and the same SYNs from the same seed.

The attacker floods through a router, as the study's scenario does; the
capture of the attacker's link holds every SYN (the router's ARP for
the server may hold back a first few on the far side).
"""
import json
import ipaddress

from harness import run
from test_wire import tshark

COUNT = 1000
RATE_GAP_NS = 10_000                    # 100 kpps
PI_CHAT = 0x00200000                    # Wireshark's expert severities


def scenario(tmp_path, **flood):
    doc = {
        "name": "syn-flood-wire", "duration": "50ms",
        "hosts": [
            {"name": "attacker", "cpus": 1,
             "nics": [{"name": "wm0", "addr": "10.0.1.1/24"}]},
            {"name": "router", "cpus": 2,
             "nics": [{"name": "wm0", "addr": "10.0.1.254/24"},
                      {"name": "wm1", "addr": "10.0.2.254/24"}],
             "branes": [{"name": "default", "forwarding": True}]},
            {"name": "server", "cpus": 1,
             "nics": [{"name": "wm0", "addr": "10.0.2.1/24"}]}],
        "links": [
            {"name": "attacker-router", "a": "attacker.wm0",
             "b": "router.wm0", "rate": "10Gbit", "delay": "5us"},
            {"name": "router-server", "a": "router.wm1", "b": "server.wm0",
             "rate": "10Gbit", "delay": "5us"}],
        "workload": [dict({
            "program": "syn_flood", "host": "attacker", "dev": "wm0",
            "gw": "router.wm0", "dst": "10.0.2.1", "port": 80,
            "rate": "100kpps", "count": COUNT, "sources": 256}, **flood)]}
    path = tmp_path / "flood.json"
    path.write_text(json.dumps(doc))
    return path


def flood(netsim, tmp_path, seed=1, **kw):
    pcap = tmp_path / f"pcap{seed}"
    p = run([netsim, "run", scenario(tmp_path, **kw), "--seed", seed,
             "--pcap", pcap, "--db", tmp_path / f"r{seed}.db"], check=0)
    rows = [r.split("\t") for r in tshark(
        "-r", pcap / "attacker-router.pcap",
        "-o", "tcp.check_checksum:TRUE", "-o", "ip.check_checksum:TRUE",
        "-Y", "tcp", "-T", "fields", "-e", "frame.time_epoch",
        "-e", "ip.src", "-e", "ip.dst", "-e", "tcp.dstport",
        "-e", "tcp.flags", "-e", "tcp.options.mss_val",
        "-e", "ip.checksum.status", "-e", "tcp.checksum.status",
        "-e", "_ws.expert.severity").splitlines()]
    fp = p.stdout.split("fingerprint ")[1].split()[0]
    return p.stdout, rows, fp


def test_every_syn_is_a_valid_segment_from_the_spoofed_range(netsim,
                                                             tmp_path):
    out, rows, _ = flood(netsim, tmp_path)
    assert f"{COUNT} SYNs sent to port 80, 0 refused" in out
    assert len(rows) == COUNT
    lo = int(ipaddress.IPv4Address("198.18.0.0"))
    srcs = set()
    for t, src, dst, port, flags, mss, ipsum, tcpsum, sev in rows:
        assert (dst, port, int(flags, 16), mss) == ("10.0.2.1", "80", 0x002,
                                                    "1460")
        assert (ipsum, tcpsum) == ("1", "1"), "checksums verified good"
        # Expert info up to "chat" (a SYN is a connection request), no
        # note, warning or error.
        assert max(map(int, sev.split(",") if sev else [0])) <= PI_CHAT

        a = int(ipaddress.IPv4Address(src))
        assert lo <= a < lo + 256
        srcs.add(a)
    # 1,000 uniform draws from 256 addresses miss about 5 of them.
    assert len(srcs) > 240


def test_syns_are_paced_at_the_rate(netsim, tmp_path):
    _, rows, _ = flood(netsim, tmp_path)
    ns = [round(float(r[0]) * 1e9) for r in rows]
    # Frame k is due at k gaps from the first due time; it leaves once
    # built and sent (the CPU's timer wake-up and the frame's cost).
    for k, t in enumerate(ns):
        assert 0 <= t - k * RATE_GAP_NS <= 20_000, (k, t)
    mean = (ns[-1] - ns[0]) / (len(ns) - 1)
    assert abs(mean - RATE_GAP_NS) < RATE_GAP_NS * 0.001


def test_same_seed_same_syns_other_seed_other_sources(netsim, tmp_path):
    _, a, fa = flood(netsim, tmp_path, seed=1)
    _, b, fb = flood(netsim, tmp_path / ".." / tmp_path.name, seed=1)
    _, c, fc = flood(netsim, tmp_path, seed=2)
    assert fa == fb and a == b
    assert fc != fa
    assert [r[1] for r in c] != [r[1] for r in a]


def test_refused_syns_are_counted_not_lost(netsim, tmp_path):
    # Back to back, a one-CPU attacker builds SYNs faster than nothing:
    # whatever the ring refuses is counted, and the two add up.
    out, rows, _ = flood(netsim, tmp_path, pattern="flood", count=5000)
    line = [ln for ln in out.splitlines() if "SYNs sent" in ln][0]
    sent = int(line.split("wm0: ")[1].split()[0])
    refused = int(line.split(", ")[-1].split()[0])
    assert sent + refused == 5000
    assert len(rows) == sent
