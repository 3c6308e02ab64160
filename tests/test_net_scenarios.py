"""The network scenarios, end to end over NICs, links and the router:
what they deliver, what a hand calculation says the round trip is, what
the branes keep apart, and what the per-packet records show."""
import json
import re
import sqlite3

import pytest

from harness import ROOT, run

NET = ROOT / "scenarios" / "net"

# Every CPU cost, zeroed: only devices and wires take time.
ZERO_COSTS = {k: 0 for k in (
    "load_hit", "load_miss", "store_hit", "store_miss", "rmw_local",
    "rmw_remote", "membar", "spin", "call", "ctx_switch", "wakeup", "ipi",
    "kmem_alloc", "kmem_free", "lwp_create", "intr", "softint", "pio_read",
    "pio_write", "pio_byte", "dma_sync")}


def netsim_run(netsim, scenario, db, *args):
    p = run([netsim, "run", scenario, "--db", db, *args], check=0)
    return p.stdout


def last(db, host, name):
    con = sqlite3.connect(db)
    row = con.execute("SELECT value FROM counter_last WHERE host = ? AND "
                      "name = ?", (host, name)).fetchone()
    return row[0] if row else 0


def test_two_hosts_on_one_link(netsim, tmp_path):
    db = tmp_path / "r.db"
    out = netsim_run(netsim, NET / "two-hosts.json", db)
    assert "5 sent, 5 received, 0 unreachable" in out
    assert "2000 sent, 0 errors, 2000 received, 0 lost" in out
    assert last(db, "b", "udp_echo.echoed") == 2000


def test_ping_across_the_router_takes_the_hand_calculated_rtt(netsim,
                                                               tmp_path):
    """With every CPU cost zero and interrupts per frame, an echo's round
    trip is four hops, each a transmit DMA, the wire and the delay, and a
    receive DMA.  98-byte frames (56 bytes of data + ICMP 8 + IP 20 +
    Ethernet 14): a DMA is dma_latency + ceil(8 * 98 / 64 Gbit/s) =
    500 + 13 ns; the wire is ceil((98 + 4 + 8 + 12) * 8 / 10 Gbit/s) = 98
    ns; the delay is 5 us.  The first ping also waits for ARP."""
    doc = json.loads((NET / "router.json").read_text())
    for h in doc["hosts"]:
        h["cost"] = ZERO_COSTS
        for n in h["nics"]:
            n["coalesce_frames"] = 1
    doc["workload"] = [{"program": "ping", "host": "client",
                        "dst": "10.0.2.1", "count": 3, "interval": "1ms",
                        "timeout": "10ms"}]
    doc.pop("record")
    sc = tmp_path / "rtt.json"
    sc.write_text(json.dumps(doc))
    out = run([netsim, "run", sc], check=0).stdout
    rtts = [int(t) for t in re.findall(r"icmp_seq=[12] ttl=63 time=(\d+) ns",
                                       out)]
    dma = 500 + (8 * 98 * 10**9 + 64 * 10**9 - 1) // (64 * 10**9)
    wire = ((98 + 24) * 8 * 10**9 + 10**10 - 1) // 10**10
    assert rtts == [4 * (2 * dma + wire + 5000)] * 2


def test_router_scenario_forwards_and_reports_unreachables(netsim, tmp_path):
    db = tmp_path / "r.db"
    out = netsim_run(netsim, NET / "router.json", db)
    assert "ping 10.0.2.1: 5 sent, 5 received" in out
    # 100 kpps of echoes, polled at each 1 ms tick: a tick's replies
    # fill most of the client's 256-slot ring, and at some seeds one
    # burst overflows it.  Every datagram is accounted for either way.
    m = re.search(r"10000 sent, 0 errors, (\d+) received, (\d+) lost", out)
    assert m and int(m[1]) + int(m[2]) == 10000, out
    assert int(m[2]) <= 100
    assert int(m[2]) == last(db, "client", "nic.wm0.drops_ring_full")
    # An address the router has no route for: host unreachable from it.
    assert out.count("destination unreachable (code 1)") == 2
    assert "2 sent, 0 received, 2 unreachable" in out
    # A closed port: port unreachable for each datagram.
    assert "3 sent, 0 errors, 0 received, 3 lost, 3 unreachable" in out
    assert last(db, "router", "ip.default.forwarded") >= 2 * 10000
    assert last(db, "router", "ip.default.noroute") == 2
    assert last(db, "server", "udp.default.noport") == 3


def test_per_packet_records_show_each_stage_and_flow_percentiles(netsim,
                                                                  tmp_path):
    db = tmp_path / "r.db"
    netsim_run(netsim, NET / "router.json", db)
    con = sqlite3.connect(db)
    flows = dict(con.execute("SELECT flow_id, program FROM flows"))
    udp = next(f for f, p in flows.items() if p == "udp_send")
    (n, p50, p99, mx), = con.execute(
        "SELECT packets, p50_ns, p99_ns, max_ns FROM flow_latency "
        "WHERE flow_id = ? AND packets > 100", (udp,))
    assert n == 10000 and 0 < p50 <= p99 <= mx
    # Each datagram passes these stages, in this order, once per host
    # (the router's ip_input, nic_rx, intr, ether_input included).
    stages = [s for (s,) in con.execute(
        "SELECT stage FROM packet_stages WHERE pkt_id = ? ORDER BY t_ns, "
        "rowid", ((udp << 32) | 5000,))]
    assert stages[:2] == ["app_send", "ip_output"]
    assert stages.count("nic_rx") == 2 and stages.count("ip_input") == 2
    assert "ip_forward" in stages and stages[-1] == "app_recv"
    assert stages.index("demux") < stages.index("app_recv")
    # The echo server waits in soreceive: its LWP did the receive work.
    assert stages.index("demux") < stages.index("receive_lwp") < \
        stages.index("app_recv")
    # Lazy receive both ways, and the records agree with UDP's counters:
    # the batch reader sleeps, so its socket's continuation does the work.
    rows = dict(con.execute(
        "SELECT stage, count(*) FROM packet_stages WHERE host = 'server' "
        "AND stage IN ('receive_lwp', 'receive_kcont') GROUP BY stage"))
    assert rows["receive_kcont"] > 0 and rows["receive_lwp"] > 0
    assert rows["receive_kcont"] == last(db, "server",
                                         "udp.default.lazy_kcont")
    assert rows["receive_lwp"] == last(db, "server", "udp.default.lazy_lwp")
    sink = next(f for f, p in flows.items() if p == "udp_send" and f != udp
                and con.execute("SELECT count(*) FROM packet_stages WHERE "
                                "pkt_id >> 32 = ? AND stage = "
                                "'receive_kcont'", (f,)).fetchone()[0])
    assert last(db, "server", "udp_sink.received") == 1000
    assert sink == 7


def test_two_branes_with_one_address_never_meet(netsim, tmp_path):
    db = tmp_path / "r.db"
    out = netsim_run(netsim, NET / "same-address-branes.json", db)
    assert "300 sent, 0 errors, 300 received" in out
    assert "700 sent, 0 errors, 700 received" in out
    assert last(db, "redpeer", "udp_echo.echoed") == 300
    assert last(db, "bluepeer", "udp_echo1.echoed") == 700
    for br, n in (("red", 300), ("blue", 700)):
        assert last(db, "split", f"ip.{br}.received") == n
        assert last(db, "split", f"udp.{br}.delivered") == n
    # One ARP exchange per brane's interface, none across.
    assert last(db, "split", "arp.wm0.req_out") == 1
    assert last(db, "split", "arp.wm1.req_out") == 1


@pytest.mark.parametrize("name", ["two-hosts", "router",
                                  "same-address-branes"])
def test_network_scenarios_replay_their_fingerprint(netsim, name):
    fp = [run([netsim, "run", NET / f"{name}.json", "--quiet"],
              check=0).stdout for _ in range(2)]
    assert fp[0] == fp[1]


@pytest.mark.parametrize("name", ["udp-router.json", "udp-router15.json"])
def test_benchmark_floods_add_up_datagram_for_datagram(netsim, tmp_path,
                                                        name):
    """The udp_e2e benchmark's scenarios, as `make bench` runs them: every
    datagram a host's UDP sent is taken by a udp_sink or dropped under a
    counted reason (the sink's socket queue full, ARP's hold queue)."""
    db = tmp_path / "r.db"
    netsim_run(netsim, ROOT / "bench" / "scenarios" / name, db)
    con = sqlite3.connect(db)

    def total(where):
        return con.execute("SELECT coalesce(sum(value), 0) FROM counter_last "
                           "WHERE " + where).fetchone()[0]

    sent = total("name GLOB 'udp.*.sent'")
    taken = total("name GLOB 'udp_sink*.received'")
    drops = total("name GLOB 'udp.*.full*' OR name GLOB '*drop*'")
    count = sum(w.get("count", 0) for w in json.loads(
        (ROOT / "bench" / "scenarios" / name).read_text())["workload"])
    assert sent == count
    assert taken > 0.99 * sent
    assert sent == taken + drops
    # The sinks counted every byte of what they took: 64 a datagram.
    assert total("name GLOB 'udp_sink*.bytes'") == 64 * taken


def test_100k_datagrams_across_the_router_add_up_in_counters_and_records(
        netsim, tmp_path):
    """100,000 datagrams at 1 Mpps from client to a udp_sink on the server,
    through the router over NICs and links, records on.  The first ones
    overflow ARP's hold queues (4 a neighbour) while the client and the
    router ask for the next hop; then the bursts that tick polling makes
    overrun receive rings on the router and the server, and at some
    seeds the sink's socket queue.  Every datagram
    is either taken by the sink or dropped under a counted reason; the
    latency view counts the same packets, says where each lost one was
    last seen, and times only the delivered ones."""
    doc = json.loads((NET / "router.json").read_text())
    doc["workload"] = [
        {"program": "udp_sink", "host": "server", "port": 9},
        {"program": "udp_send", "host": "client", "dst": "10.0.2.1",
         "port": 9, "rate": "1Mpps", "size": 64, "count": 100000,
         "echo": False}]
    doc["record"] = {"interval": "10ms", "packets": True}
    sc = tmp_path / "flood.json"
    sc.write_text(json.dumps(doc))
    db = tmp_path / "r.db"
    netsim_run(netsim, sc, db)
    con = sqlite3.connect(db)

    sent = last(db, "client", "udp_send.sent")
    taken = last(db, "server", "udp_sink.received")
    # A datagram ARP's hold queue pushed out counts in ip nobufs (its arp
    # hold_drops says why, and is not counted twice).
    drops = dict(con.execute(
        "SELECT host || '.' || name, value FROM counter_last WHERE value > 0 "
        "AND (name GLOB '*drop*' OR name GLOB '*full*' OR name GLOB "
        "'*nobufs' OR name GLOB '*errors' OR name GLOB 'udp.*.no*') "
        "AND name NOT GLOB 'arp.*.hold_drops'"))
    assert sent == 100000 and last(db, "client", "udp_send.errors") == 0
    assert 0 < taken < sent, "no drops: the test does not test accounting"
    assert sent == taken + sum(drops.values()), drops
    # Ring overruns, ARP's hold queues and (when the sink fell behind)
    # its socket queue only, each count says where.
    assert set(drops) - {"server.udp.default.fullpcq"} == {
        "router.nic.wm0.drops_ring_full", "server.nic.wm0.drops_ring_full",
        "client.ip.default.nobufs", "router.ip.default.nobufs"}
    for host, nic in (("client", "wm0"), ("router", "wm1")):
        assert drops[f"{host}.ip.default.nobufs"] == \
            last(db, host, f"arp.{nic}.hold_drops")

    (flow,), = con.execute("SELECT flow_id FROM flows WHERE program = "
                           "'udp_send'")
    (packets, delivered, p50, p99, mx), = con.execute(
        "SELECT packets, delivered, p50_ns, p99_ns, max_ns FROM flow_latency "
        "WHERE flow_id = ?", (flow,))
    assert (packets, delivered) == (sent, taken)
    lost_at = {(stage, host): n for stage, host, n in con.execute(
        "SELECT last_stage, last_host, packets FROM flow_losses "
        "WHERE flow_id = ?", (flow,))}
    # Dropped by a full receive ring: last seen reaching the card that
    # dropped it; by the client's or the router's ARP: last seen leaving
    # it; by the sink's full socket queue: at demux.
    want = {("wire_rx", "router"): drops["router.nic.wm0.drops_ring_full"],
            ("wire_rx", "server"): drops["server.nic.wm0.drops_ring_full"],
            ("ip_output", "client"): drops["client.ip.default.nobufs"],
            ("ip_forward", "router"): drops["router.ip.default.nobufs"],
            ("demux", "server"): drops.get("server.udp.default.fullpcq",
                                           0)}
    assert lost_at == {k: n for k, n in want.items() if n != 0}
    assert sum(lost_at.values()) == sent - taken
    # No datagram is faster than the wires and DMAs alone allow: two hops
    # of a transmit and a receive DMA (at least dma_latency 500 ns each),
    # the wire (130 bytes at 10 Gbit/s: 104 ns) and 5 us of delay.
    (fastest,), = con.execute("SELECT min(latency_ns) FROM packets WHERE "
                              "flow_id = ? AND delivered", (flow,))
    assert fastest >= 2 * (2 * 500 + 104 + 5000)
    assert fastest <= p50 <= p99 <= mx
