"""Traffic that means what it says (issue 12): sources send at their
scheduled times to the nanosecond, whatever the clock tick, and each
flow's latency means one documented thing."""
import json
import re
import sqlite3

from harness import run


def two_hosts(name, workload, hz=1000, rx_nic=None, record=True):
    """Hosts a (10.0.0.1) and b (10.0.0.2) on a 1 Gbit/s link with 10 us
    of delay, both at hz."""
    nic_b = {"name": "wm0", "addr": "10.0.0.2/24", **(rx_nic or {})}
    doc = {"name": name, "duration": "1s",
           "hosts": [{"name": "a", "cpus": 2, "hz": hz, "nics": [
                         {"name": "wm0", "addr": "10.0.0.1/24"}]},
                     {"name": "b", "cpus": 2, "hz": hz, "nics": [nic_b]}],
           "links": [{"name": "ab", "a": "a.wm0", "b": "b.wm0",
                      "rate": "1Gbit", "delay": "10us"}],
           "workload": workload}
    if record:
        doc["record"] = {"packets": True, "interval": "10ms"}
    return doc


def run_doc(netsim, tmp_path, doc, *args, check=0):
    sc = tmp_path / f"{doc['name']}.json"
    sc.write_text(json.dumps(doc))
    db = tmp_path / f"{doc['name']}.db"
    p = run([netsim, "run", sc, "--db", db, *args], check=check)
    return p, sqlite3.connect(db)


def flow(con, program):
    """flow_latency's row of the (only) flow of program, as a dict."""
    cur = con.execute("SELECT l.* FROM flow_latency l JOIN flows f USING "
                      "(run_id, flow_id) WHERE f.program = ?", (program,))
    rows = [dict(zip([d[0] for d in cur.description], r)) for r in cur]
    assert len(rows) == 1, rows
    return rows[0]


def test_a_50kpps_flow_has_the_same_latency_at_100_and_10000_hz(netsim,
                                                                 tmp_path):
    """2,000 datagrams at 50 kpps to a sink.  Paced to the nanosecond, the
    sender's datagrams leave at the same times whatever hz is; a sender
    paced by clock ticks sent 500 back to back every 10 ms at 100 Hz
    (p50 337 us and a third lost, against 22 us at 10000 Hz).  The
    receiver takes an interrupt per frame and never masks its line, so
    its receive path is not polled per tick either.

    Tolerance 5 us on p50 and p99: what is left of the tick is the
    stack's own per-tick work -- the socket's lazy-receive continuation
    is armed a tick ahead (SO_KCONT_DELAY_TICKS), and its timer's
    interrupt and soft interrupt, about 4 us of the receiving CPU, delay
    at most the one datagram that arrives during it, once a tick: at
    10000 Hz a fifth of the datagrams, so p99 may move by that much,
    never by a tick's burst."""
    lat = {}
    for hz in (100, 10000):
        doc = two_hosts(f"hz{hz}", [
            {"program": "udp_sink", "host": "b", "port": 9},
            {"program": "udp_send", "host": "a", "dst": "10.0.0.2",
             "port": 9, "rate": "50kpps", "count": 2000, "echo": False}],
            hz=hz, rx_nic={"intr_max": 0, "coalesce_frames": 1})
        _, con = run_doc(netsim, tmp_path, doc)
        lat[hz] = flow(con, "udp_send")
        # On schedule: datagram n is due n * 20 us after the first, and
        # leaves within 15 us after that (the timer's interrupt, wakeup
        # and switch back take 5.4 us; the CPU may be busy then, with the
        # stack's own work on a tick, or the first datagram's ARP).
        sends = [t for (t,) in con.execute(
            "SELECT t_ns FROM packet_stages WHERE stage = 'app_send' "
            "ORDER BY pkt_id")]
        late = [t - sends[0] - n * 20000 for n, t in enumerate(sends)]
        assert len(sends) == 2000 and 0 <= min(late) <= max(late) <= 15000, \
            (hz, min(late), max(late))
    slow, fast = lat[100], lat[10000]
    assert slow["delivered"] == fast["delivered"] == 2000
    for q in ("p50_ns", "p99_ns"):
        assert abs(slow[q] - fast[q]) <= 5000, (q, slow, fast)


def ping_times(out, lwp):
    """The round trips the ping program running as LWP lwp printed, in
    order of their sequence numbers."""
    got = re.findall(rf"^\[.*\] a/cpu\d+ {lwp}: ping: \d+ bytes from "
                     r"\S+: icmp_seq=(\d+) ttl=\d+ time=(\d+) ns$", out, re.M)
    return [int(t) for _, t in sorted(got, key=lambda g: int(g[0]))]


def nearest_rank(values, pct):
    v = sorted(values)
    return v[(len(v) * pct + 99) // 100 - 1]


def test_two_pings_on_one_host_each_get_their_own_round_trips(netsim,
                                                             tmp_path):
    """Two pings on host a: both raw sockets take every echo reply, so
    each reply is received by both programs.  Each receive belongs to its
    receiving program: a ping's flow times the replies it took itself,
    and the view gives exactly the round trips it printed (before, the
    view took the other program's receive: ping printed time=75712 ns
    where its flow's p50 said 94301)."""
    doc = two_hosts("two-pings", [
        {"program": "udp_echo", "host": "b", "port": 7},
        {"program": "ping", "host": "a", "dst": "10.0.0.2", "count": 5,
         "interval": "10ms", "timeout": "100ms"},
        {"program": "ping", "host": "a", "dst": "10.0.0.2", "count": 7,
         "interval": "3ms", "size": "200B", "timeout": "100ms"},
        {"program": "udp_send", "host": "a", "dst": "10.0.0.2", "port": 7,
         "rate": "5kpps", "count": 200, "timeout": "20ms"}])
    p, con = run_doc(netsim, tmp_path, doc)
    flows = dict(con.execute("SELECT flow_id, program FROM flows"))
    assert flows == {1: "udp_echo", 2: "ping", 3: "ping", 4: "udp_send"}
    for flow_id, lwp, count in ((2, "ping", 5), (3, "ping1", 7)):
        printed = ping_times(p.stdout, lwp)
        assert len(printed) == count
        (n, delivered, p50, p90, mx), = con.execute(
            "SELECT packets, delivered, p50_ns, p90_ns, max_ns FROM "
            "flow_latency WHERE flow_id = ?", (flow_id,))
        assert (n, delivered) == (count, count)
        assert (p50, p90, mx) == (nearest_rank(printed, 50),
                                  nearest_rank(printed, 90), max(printed))
        # Its own receives, and the other ping's while it ran, each
        # under the request's id.
        takers = dict(con.execute(
            "SELECT by_flow, count(*) FROM packet_stages WHERE pkt_id >> 32 "
            "= ? AND stage = 'app_recv' GROUP BY by_flow", (flow_id,)))
        assert takers[flow_id] == count and len(takers) == 2, takers
