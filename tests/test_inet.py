"""IPv4 in branes: what a user of the stack relies on.

tests/c/test_inet runs each case as stack code on the simulated machine
and checks it from inside (ARP exchanges, echo replies byte by byte,
forwarding, ICMP errors, routes against a brute-force model, brane
isolation, a fuzz of if_input); these tests run the cases and read their
summaries.  A failing case prints the command that replays it.

The fuzz: the default suite sends 3 x 100,000 frames, half of them TCP
(about a second);
`make asan` (NETSIM_VARIANT=asan) sends 1,000,000 for seed 1 and 100,000
for the others, under AddressSanitizer and UBSan.
"""
import json
import re

import pytest

from harness import ROOT, VARIANT, ok_summary, run

FUZZ_SEEDS = [1, 2, 3]
FUZZ_FRAMES = 1_000_000 if VARIANT == "asan" else 100_000


def case(test_bin, *args, status=0):
    return run([test_bin("test_inet"), *map(str, args)], check=status)


def test_arp_resolves_once_and_echo_comes_back_with_its_id_seq_and_checksum(
        test_bin):
    # One request, one reply, both caches hold the right header; the echo
    # reply matches the request's id, sequence, data and checksums.
    s = ok_summary(case(test_bin, "arp"), "arp", ints=True)
    assert (s["req_out"], s["rep_in"], s["frames"]) == (1, 1, 4)


def test_router_forwards_and_reports_errors(test_bin):
    # TTL - 1 and a valid header checksum after the router; net
    # unreachable (no route), host unreachable (no ARP answer after
    # NH_ASK_MAX requests, then at once while the entry is down), time
    # exceeded (TTL 1), EMSGSIZE for an oversize send, needfrag with the
    # next-hop MTU for DF, a silent drop without DF, EHOSTUNREACH without
    # a route, sends to ourselves through the loop, broadcast echo ignored.
    s = ok_summary(case(test_bin, "route"), "route", ints=True)
    assert s == {"forwarded": 4, "noroute": 1, "hostdown": 2, "timxceed": 1,
                 "toobig": 2}


@pytest.mark.parametrize("seed", [1, 2, 3, 4, 5])
def test_pings_from_four_cpus_through_a_router_all_come_back(test_bin, seed):
    # 4 LWPs on 4 CPUs send 200 pings each; the pairs are polled on CPUs 1
    # and 2, so ip_input, the router and the nexthop caches run on several
    # CPUs at once.  Every echo is answered, ARP asked once per neighbour,
    # no mbuf is left.
    s = ok_summary(case(test_bin, "smp", seed, 200), "smp", ints=True)
    assert (s["pings"], s["forwarded"]) == (800, 1602)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_longest_prefix_match_in_any_insertion_order(test_bin, seed):
    # 11 overlapping prefixes inserted in 50 random orders, checked after
    # every insertion and deletion against a brute-force longest match;
    # duplicates refused, deletes exact; an address brings its connected
    # route and takes its routes with it when deleted.
    s = ok_summary(case(test_bin, "lpm", seed, 50), "lpm", ints=True)
    assert s["orders"] == 50


@pytest.mark.parametrize("seed", [1, 2])
def test_addresses_ours_and_broadcasts_after_any_adds_and_deletes(
        test_bin, seed):
    # 300 random adds and deletes of 96 candidate addresses (/8 to /32,
    # sharing subnets and broadcasts) on three interfaces of a brane; after
    # each, in_ours, in_broadcast and in_ifaddr_lookup on every interface
    # (and none) agree with a walk of every address added: the hash they
    # look in is kept in step with the list.
    s = ok_summary(case(test_bin, "addrs", seed, 300), "addrs", ints=True)
    assert s["rounds"] == 300 and s["adds"] > 100 and s["deletes"] > 100


def test_branes_with_the_same_addresses_never_meet(test_bin):
    s = ok_summary(case(test_bin, "isolation"), "isolation", ints=True)
    assert s["x"] > 0 and s["x2"] > 0


def test_same_seed_same_run(test_bin):
    fp = {re.search(r"fingerprint (\w+)", case(test_bin, "route").stdout)
          .group(1) for _ in range(2)}
    assert len(fp) == 1, fp


@pytest.mark.parametrize("seed", FUZZ_SEEDS)
def test_fuzzed_frames_are_all_counted_and_nothing_leaks(test_bin, seed):
    # Random bytes, short frames, unknown types, IPv4 with option soup and
    # every header field mutated, ICMP errors quoting junk, ARP garbage,
    # cut into random mbuf chains.  Inside: frames in = the sum of the
    # link, ARP and IP outcomes (IP and ICMP outcomes add up to what each
    # received), no mbuf is left once the queues drain, and nothing reads
    # out of bounds (the asan build checks that).
    #
    # Half the frames are TCP: random segments, segments to the listener
    # and to the connections the fuzzer opened to it (in and out of their
    # windows, every flag, every option well and badly formed), mutated
    # ones, and the fuzzer's own handshakes (tcphs); the checksums right
    # but for a share.  Inside, TCP's counters add up (tcp_var.h), and
    # once everything is closed and timed out no PCB, tcpcb or mbuf is
    # left.
    n = FUZZ_FRAMES if seed == FUZZ_SEEDS[0] else 100_000
    s = ok_summary(case(test_bin, "fuzz", seed, n), "fuzz", ints=True)
    assert s["frames"] == n + s["kind.tcphs"]
    # Every kind of frame and the main outcomes occurred.
    for k in ("random", "short", "type", "ip", "ipmut", "arp", "arpmut",
              "tcp", "tcplisten", "tcpmut"):
        assert s[f"kind.{k}"] > n // 40, k
    assert s["kind.tcpconn"] > 1000 and s["tcp.accepted"] > 20
    for k in ("hdrops", "badoff", "noport", "badsum_noport", "badsum",
              "badopt", "dropped", "processed", "rcvbyte", "rcvoopack",
              "rcvduppack", "rcvrst", "pawsdrop", "sndrst",
              "rexmttimeo", "conndrops", "sack_blocks_rcvd",
              "sack_blocks_sent"):
        assert s[f"tcp.{k}"] > 0, f"no segment counted tcp.{k}"
    for k in ("tooshort", "badvers", "badhlen", "badsum", "badlen",
              "badaddr", "fragment", "notforus", "delivered",
              "forwarded", "noroute", "timxceed", "toobig"):
        assert s[f"ip.{k}"] > 0, f"no packet counted ip.{k}"
    # With a raw IP row, every protocol has a taker: rip_input decides.
    assert (s["ip.noproto"] > 0) == (s["raw"] == 0)
    for k in ("in_echo", "in_unreach", "badsum", "badlen", "unknown",
              "ratelim", "badquote"):
        assert s[f"icmp.{k}"] > 0, f"no message counted icmp.{k}"
    for k in ("bad", "dup", "req_in", "rep_in", "rep_out"):
        assert s[f"arp.{k}"] > 0, f"no ARP packet counted arp.{k}"


def test_tcp_frames_the_fuzz_found_bugs_with(test_bin):
    # The frames the TCP fuzz found bugs with, one case each: the
    # handshake's ACK with data is queued again to the new socket and
    # counted again (received, delivered); two out-of-order segments still
    # queued when a reset ends the connection are both freed; an embryo
    # taken back by a reset, and one freed with its listener, count as
    # conndrops; SYNs from 0.0.0.0 or to the broadcast address make no
    # embryo, nor SYNs to or from the subnet's directed broadcast, with or
    # without the syncache (each counted in listenbcast); an MSS option of 5 with timestamps gives 64-byte segments
    # (not 5 - 12 wrapped); a connection whose peer shut its window and
    # fell silent is dropped once its owner closed it; a peer acking new
    # data with a TSecr from the future, or from before the connection
    # began, gives no RTT sample: the RTO stays at its 200 ms floor (it
    # was 60 s, the ceiling, after the first).  The case's end checks the
    # counters add up and nothing is left.
    s = ok_summary(case(test_bin, "tcpregress"), "tcpregress", ints=True)
    assert (s["rcvbyte"], s["conndrops"], s["rcvoopack"]) == (100, 2, 2)
    assert s["mss"] == 64
    assert (s["rto_future"], s["rto_past"]) == (200, 200)
    assert s["listenbcast"] == 3


def test_neighbour_limits_failure_hold_down_and_aging(test_bin):
    # NH_HOLD_MAX packets wait per unresolved neighbour (the oldest are
    # dropped); NH_ASK_MAX requests, then the held packets count
    # "hostdown" and sends fail with EHOSTDOWN for NH_DOWN_NS, after which
    # the neighbour is asked for again; an entry older than
    # NH_REACHABLE_NS is used once more and confirmed again; a full cache
    # refuses new neighbours until failed entries can be recycled.
    s = ok_summary(case(test_bin, "nhlimits"), "nhlimits", ints=True)
    assert (s["hold_drops"], s["stale"], s["evicted"]) == (2, 1, 21)


SCENARIO = ROOT / "scenarios" / "branes.json"


def test_scenario_keys_configure_branes_addresses_routes_and_programs(
        test_bin):
    # net_boot applies hosts[].vpairs, .branes (routes, forwarding),
    # .nics[]/vpair ends' addr and brane; a program's process lives in its
    # workload entry's brane; and a packet crosses the configured router.
    out = case(test_bin, "scenario", SCENARIO).stdout
    assert "brane r forwarding=1\n  if vp0b\n  if vp1a\n" in out
    assert "  addr 10.0.1.1/24 vp0a\n" in out
    assert "  route 0.0.0.0/0 10.0.1.254 vp0a\n" in out
    assert "  route 10.0.2.0/24 connected vp1a\n" in out
    assert "brane default forwarding=0\nbrane a" in out, \
        "the implied default brane comes first, with nothing in it"
    for b in ("default", "a", "r", "b"):
        assert f"app brane {b} -> {b}\n" in out
    assert "app brane (none) -> default\n" in out
    assert "ping a->b 10.0.2.1 echo=1 reply=1\n" in out


def test_netsim_run_names_counters_by_brane_and_interface(netsim, tmp_path):
    import sqlite3
    db = tmp_path / "r.db"
    run([netsim, "run", SCENARIO, "--db", db, "--quiet"], check=0)
    con = sqlite3.connect(db)
    names = {r[0] for r in con.execute("SELECT name FROM counter_last")}
    for b in ("default", "a", "r", "b"):
        assert f"ip.{b}.received" in names and f"icmp.{b}.in_echo" in names
    for i in ("vp0a", "vp0b", "vp1a", "vp1b"):
        assert f"arp.{i}.req_out" in names
