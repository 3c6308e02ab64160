"""Sockets, UDP, raw IP and the network programs, as a user relies on them.

tests/c/test_sock runs each case as stack code on one simulated host whose
branes are joined by virtual Ethernet pairs (see its header for the
topologies) and checks what it can from inside; these tests read its
"ok" line, the programs' own lines and the host's counters, and check the
claims that need arithmetic.  A failing case prints the command that
replays it.
"""
import re
import sqlite3

from harness import ROOT, ok_summary, run


def case(test_bin, name, *args, status=0):
    return run([test_bin("test_sock"), name, *map(str, args)], check=status)


def counters(p):
    """Every counter the host had at the end: {"udp.b.queued": 3, ...}."""
    out = {}
    for name, value in re.findall(r"^counter (\S+) (\d+)$", p.stdout, re.M):
        out[name] = out.get(name, 0) + int(value)
    return out


def fingerprint(p):
    return re.search(r"^fingerprint (\w+)", p.stdout, re.M).group(1)


def test_udp_datagrams_arrive_intact_with_their_sender(test_bin):
    # Sizes 0 to 1472 (the most a 1500-byte MTU carries) from 10.0.0.1:5000
    # in brane a to *:7 in brane b: contents, lengths and sender checked
    # inside; 1473 bytes and 65508 bytes are EMSGSIZE.
    s = ok_summary(case(test_bin, "udp"), "udp")
    assert s["sizes"] == "14"
    assert s["binds"] == "ok" and s["nonblocking"] == "ok"
    assert s["ephemeral"] == "49152,49153"
    assert s["noport"] == "0"
    # SO_RCVBUF 200: one 100-byte datagram (and its 16-byte address) fits,
    # the next two are dropped and counted; to its own address: looped.
    assert s["rcvbuf_drops"] == "2" and s["loop"] == "ok"


def test_receive_timeout_ends_on_the_clock_tick_after_it(test_bin):
    # SO_RCVTIMEO 5 ms from 300 us into a tick: EWOULDBLOCK when the tick
    # that ends the wait comes (timeouts run on ticks, as callouts do),
    # plus the wake-up's price (a context switch, 2 us by default).
    s = ok_summary(case(test_bin, "udp"), "udp")
    start, end, tick = (int(s[k]) for k in ("timeout_start", "timeout_end",
                                            "timeout_tick"))
    assert start % 1_000_000 >= 300_000
    assert tick == -(-(start + 5_000_000) // 1_000_000) * 1_000_000
    assert tick <= end < tick + 20_000


def test_corrupted_and_malformed_datagrams_are_dropped_and_counted(test_bin):
    # By hand through a raw socket: good, corrupted, no checksum, a length
    # past the packet, half a header, trailing bytes past the UDP length.
    s = ok_summary(case(test_bin, "badsum"), "badsum")
    assert s == {"received": "6", "queued": "3", "badsum": "1",
                 "badlen": "1", "hdrops": "1"}


def test_port_unreachable_reaches_a_connected_socket_as_econnrefused(
        test_bin):
    s = ok_summary(case(test_bin, "refused"), "refused")
    assert s["noport"] == "5" and s["in_unreach"] == "5"


def test_lazy_receive_by_the_waiting_lwp_then_by_the_continuation(test_bin):
    # 20 datagrams each wake the LWP blocked in soreceive, which checks
    # and queues it on its own CPU; 30 arrive while nobody waits and the
    # socket's continuation does the work a tick later.
    s = ok_summary(case(test_bin, "lazy"), "lazy")
    assert int(s["lazy_lwp"]) == 20
    assert int(s["lazy_kcont"]) == 30
    assert int(s["lazy_lwp"]) + int(s["lazy_kcont"]) == int(s["delivered"])
    assert int(s["queued"]) == 50
    # The 20 checksums (1008 bytes at 10 ns a byte) were paid by the
    # reader's CPU, not by the CPU that ran demux.
    assert int(s["reader_cpu_busy_ns"]) >= int(s["cksum_ns"])
    assert int(s["demux_cpu_busy_ns"]) < int(s["cksum_ns"])


def test_demux_never_waits_for_the_socket_lock(test_bin):
    s = ok_summary(case(test_bin, "nolock"), "nolock")
    assert s["delivered_while_locked"] == "10"


def test_a_burst_into_a_locked_stream_is_queued_whole(test_bin):
    """A Linux peer sends a window of segments back to back while the
    server's LWP holds the socket lock (echoing): demux queues every one
    of a 64-segment run -- 2 in the stream's PCQ, the rest in the list
    behind it -- and the reader then gets every byte in order, nothing
    sent again (the C case checks fullpcq, order and retransmissions)."""
    s = ok_summary(case(test_bin, "tcpburst"), "tcpburst", ints=True)
    assert s["queued_while_locked"] >= 64
    assert s["pcq"] == 2 and s["overflow"] == s["queued_while_locked"] - 2
    assert s["bytes"] == 6400


def test_branes_with_the_same_addresses_never_meet(test_bin):
    s = ok_summary(case(test_bin, "branes"), "branes")
    assert s == {"b1_queued": "4", "b2_queued": "4"}


DROPS_UDP = ("hdrops", "badlen", "badsum", "noport", "noportbcast",
             "fullpcq", "fullsock", "closed")
DROPS_IP = ("tooshort", "badvers", "badhlen", "badsum", "badlen", "badaddr",
            "fragment", "noproto", "notforus", "noroute", "timxceed",
            "toobig", "nobufs", "hostdown", "noif")
DROPS_IF = ("tx_drop_ring", "rx_drop_nombuf")


def udp_send_line(p, instance=""):
    m = re.search(r"udp_send \S+: (\d+) sent, (\d+) errors, (\d+) received, "
                  r"(\d+) lost, (\d+) unreachable, (\d+) bad", p.stdout)
    assert m, f"no udp_send summary in:\n{p.stdout[-3000:]}"
    keys = ("sent", "errors", "received", "lost", "unreachable", "bad")
    return dict(zip(keys, map(int, m.groups())))


def test_100k_datagrams_across_a_router_every_one_accounted_for(test_bin):
    # udp_send in brane a -> router brane r -> udp_echo in brane b and
    # back, 100,000 datagrams at 1 Mpps while receive work costs 3 us a
    # datagram: the echo server falls behind and datagrams are dropped.
    # Every one the sender sent either came back or was counted by
    # exactly one drop counter somewhere on the way (a datagram ARP's
    # hold queue pushed out counts in ip nobufs; its arp hold_drops says
    # why, and is not counted again); one the sender's full interface
    # queue refused is an error to the sender, and counted there too
    # (tx_drop_ring).
    p = case(test_bin, "flood", 1, 100000, 1000000)
    us = udp_send_line(p)
    c = counters(p)
    assert us["sent"] + us["errors"] == 100000
    assert us["received"] + us["lost"] == us["sent"]
    assert us["bad"] == 0
    drops = {k: v for k, v in c.items() if v and (
        (k.startswith("udp.") and k.split(".")[-1] in DROPS_UDP) or
        (k.startswith("ip.") and k.split(".")[-1] in DROPS_IP) or
        k.split(".")[-1] in DROPS_IF or k == "udp_echo.errors")}
    assert us["lost"] > 0, "no drops: the test does not test accounting"
    assert sum(drops.values()) == us["lost"] + us["errors"], (us, drops)
    # Each UDP's own books balance (udp_var.h).
    for br in ("a", "b"):
        u = {k.split(".")[-1]: v for k, v in c.items()
             if k.startswith(f"udp.{br}.")}
        assert u["received"] == sum(u[k] for k in DROPS_UDP) + u["queued"]
        assert u["delivered"] == u["lazy_lwp"] + u["lazy_kcont"] + u["closed"]
    assert c["udp_echo.received"] == c["udp.b.queued"]
    assert c["udp_echo.echoed"] == c["udp.b.sent"]


def test_flood_run_is_deterministic(test_bin):
    a = case(test_bin, "flood", 7, 5000, 1000000)
    b = case(test_bin, "flood", 7, 5000, 1000000)
    assert fingerprint(a) == fingerprint(b)
    assert udp_send_line(a) == udp_send_line(b)


def ping_costs(p):
    return {k: int(v) for k, v in
            re.findall(r"^cost (\S+) (\d+)$", p.stdout, re.M)}


def test_ping_rtt_matches_hand_calculation(test_bin):
    # Only probes cost anything, so a round trip is the sum of the probes
    # the request and its reply fire, on whichever CPU: ping's socket send
    # and ip_output on a; ip_input and ip_forward on r; ip_input, ICMP
    # input and ip_output of the echo reply on b; r again; then on a
    # ip_input, icmp_input, rip_input, raw demux onto the socket's PCQ,
    # the reader's wake-up, its receive work and its receive.
    p = case(test_bin, "ping")
    c = ping_costs(p)
    want = (c["sock:send"] + 2 * c["ip:output"] + 4 * c["ip:input"] +
            2 * c["ip:forward"] + 2 * c["icmp:input"] + c["rip:input"] +
            c["rip:demux"] + c["sock:wake"] + c["sock:rcvd"] +
            c["sock:recv"])
    times = [int(t) for t in re.findall(
        r"from 10\.0\.2\.1: icmp_seq=\d+ ttl=63 time=(\d+) ns", p.stdout)]
    assert times == [want] * 4, f"rtts {times}, hand calculation {want}"
    assert "ping 10.0.2.1: 4 sent, 4 received, 0 unreachable" in p.stdout


def test_ping_to_an_unrouted_address_is_unreachable(test_bin):
    p = case(test_bin, "ping")
    # The router has no route: it answers with ICMP unreachable.
    assert "ping 192.168.7.7: 2 sent, 0 received, 2 unreachable, " \
        "0 timed out" in p.stdout
    # A brane with no route at all: the send fails at once.
    assert p.stdout.count("not sent: error 113") == 2
    assert "ping 10.0.2.1: 2 sent, 0 received, 2 unreachable" in p.stdout


def test_udp_to_a_closed_port_is_port_unreachable(test_bin):
    p = case(test_bin, "ping")
    us = udp_send_line(p)
    assert us["sent"] == 5 and us["received"] == 0
    assert us["unreachable"] >= 1
    assert counters(p)["udp.b.noport"] == 5


def run_scenario(netsim, tmp_path, name):
    db = tmp_path / "r.db"
    p = run([netsim, "run", ROOT / "scenarios" / f"{name}.json", "--db", db],
            check=0)
    with sqlite3.connect(db) as c:
        last = dict(c.execute("SELECT name, sum(value) FROM counter_last "
                              "GROUP BY name"))
    return p, last


def test_scenario_runs_the_network_programs_in_their_branes(netsim,
                                                            tmp_path):
    # scenarios/udp_echo.json: udp_send (brane a) -> router r -> udp_echo
    # (brane b), ping alongside, a second udp_send to a closed port.
    p, c = run_scenario(netsim, tmp_path, "udp_echo")
    assert c["udp_send.sent"] == 20000
    assert c["udp_send.received"] + c.get("udp_send.lost", 0) == 20000
    assert c["udp_echo.received"] == c["udp.b.queued"]
    assert c["ping.sent"] == 5 and c["ping.received"] == 5
    assert c["udp_send1.unreachable"] >= 1 and c["udp.b.noport"] == 5
    # Each brane's UDP books balance; all its receive work was lazy.
    for br in ("a", "b"):
        u = {k.split(".")[-1]: v for k, v in c.items()
             if k.startswith(f"udp.{br}.")}
        assert u["received"] == sum(u.get(k, 0) for k in DROPS_UDP) + \
            u["queued"]
        assert u["delivered"] == u.get("lazy_lwp", 0) + \
            u.get("lazy_kcont", 0) + u.get("closed", 0)
    # The router's sockets saw nothing: no socket lives there.
    assert c.get("udp.r.received", 0) == 0
    (tmp_path / "again").mkdir()
    p2, _ = run_scenario(netsim, tmp_path / "again", "udp_echo")
    assert fingerprint_line(p) == fingerprint_line(p2)


def fingerprint_line(p):
    return re.search(r"^fingerprint (\w+)$", p.stdout, re.M).group(1)
