"""Selective acknowledgments (stack/netinet/tcp_sack.c): the receiver's
blocks (RFC 2018) and the sender's scoreboard (RFC 6675).

tests/c/test_tcp_sack plays a sender against a lossy receiver from a
seed, with sequence numbers that wrap past 2^32, and checks the board
after every ACK against RFC 6675's definitions evaluated byte by byte
(IsLost for every byte, SetPipe, NextSeg's four rules); these tests run
it and read its summaries.  A failure names the seed and the step.
"""
import pytest

from harness import host_counters, ok_summary, run

SEEDS = [1, 2, 3, 4]
STEPS = 5000


def sack(test_bin, *args):
    return run([test_bin("test_tcp_sack"), *map(str, args)], check=0)


@pytest.mark.parametrize("seed", SEEDS)
def test_scoreboard_agrees_with_rfc_6675_byte_by_byte(test_bin, seed):
    # A flight of at most 20 segments: the board never needs to forget,
    # and must equal every valid block ever reported; its pipe, IsLost
    # and NextSeg equal the byte-by-byte definitions at every ACK, and
    # NextSeg used every rule.
    s = ok_summary(sack(test_bin, "board", seed, STEPS, 2000), "board",
                   ints=True)
    assert s["forgotten"] == 0 and s["acks"] > STEPS // 3
    assert s["bogus"] > 0
    for rule in (0, 1, 2, 3, 4):
        assert s[f"rule{rule}"] > 0, rule


@pytest.mark.parametrize("seed", SEEDS)
def test_a_full_scoreboard_forgets_without_losing_data(test_bin, seed):
    # A flight of 120 segments with a fifth lost, the board limited to
    # its 8 inline blocks: more holes than it keeps.  What it remembers
    # stays a subset of what was reported (never unreceived data as
    # SACKed), its answers stay RFC 6675's on what it remembers, and no
    # retransmission it offers starts below snd_una, reaches snd_max or
    # repeats SACKed data.
    s = ok_summary(sack(test_bin, "board", seed, STEPS, 12000, 8), "board",
                   ints=True)
    assert s["forgotten"] > 0 and s["lossy_acks"] > s["acks"] // 2
    assert s["rule1"] > 0 and s["rule3"] > 0
    assert s["cap_max"] == 8


@pytest.mark.parametrize("seed", SEEDS)
def test_a_board_with_many_holes_grows_and_forgets_nothing(test_bin, seed):
    # The same flight with the board's own limit (1024 blocks): it
    # takes room from kmem for the holes, forgets none, and is exact at
    # every ACK (every valid block ever reported, RFC 6675's answers
    # byte by byte); back inline once its blocks fit again.
    s = ok_summary(sack(test_bin, "board", seed, STEPS, 12000), "board",
                   ints=True)
    assert s["forgotten"] == 0 and s["lossy_acks"] == 0
    assert s["cap_max"] > 8 and s["rule1"] > 0 and s["rule3"] > 0


def test_bogus_blocks_are_ignored_and_counted(test_bin):
    # D-SACK below snd_una, a block across it, beyond snd_max, inverted,
    # empty, unsent, wider than any window; then good blocks across the
    # 2^32 wrap are learnt, and the cumulative ack prunes them.
    s = ok_summary(sack(test_bin, "bogus"), "bogus", ints=True)
    assert s["ignored"] == 12


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("span", [800, 5000])
def test_receiver_reports_the_latest_block_first_then_the_most_recent(
        test_bin, seed, span):
    # Out-of-order segments in random order over a span above rcv_nxt
    # (which wraps), in-order ones now and then; every outgoing option
    # (room 1 to 4) is checked.  Over 800 bytes the receiver rarely
    # holds more blocks than it keeps (6), and then reports exactly the
    # runs it holds; over 5000 it must forget the oldest and still
    # reports only data it holds, above rcv_nxt, latest first.
    s = ok_summary(sack(test_bin, "rcv", seed, STEPS, span), "rcv",
                   ints=True)
    if span == 800:
        assert s["exact_steps"] > 100
    else:
        assert s["runs_max"] > 6


def test_both_halves_are_small_enough_to_keep_inline(test_bin):
    # An idle connection has at most 2 KiB: the board fits 128 bytes,
    # the receiver's blocks 64; the board also comes from kmem for a
    # core that keeps it only while SACK blocks are outstanding.
    s = ok_summary(sack(test_bin, "pool"), "pool", ints=True)
    assert s["sb_bytes"] <= 128 and s["rcv_bytes"] <= 64


def test_an_episode_with_many_holes_resends_only_what_was_lost(tmp_path):
    # A 4 MiB bulk transfer with 1 MiB buffers over a 1 ms link (the
    # window ~170 segments); from 30 to 32 ms a third of a's frames are
    # lost: one recovery episode with dozens of holes, more than the
    # board's 8 inline blocks.  Each lost segment is resent exactly once
    # and the receiver never gets a segment it already held (counted
    # rcvduppack, out of order or not); before the board grew, each new
    # hole beyond the eighth made it forget a SACKed block, and about as
    # many segments the receiver held were resent as were lost.
    import json
    import sqlite3
    from harness import ROOT, binary
    sc = json.loads((ROOT / "scenarios/net/tcp-two-hosts.json").read_text())
    sc["links"][0]["delay"] = "1ms"
    for h in sc["hosts"]:               # no drops but the fault's
        h["nics"][0]["tx_ring"] = 4096
    sc["workload"] = [
        {"program": "tcp_server", "host": "b", "mode": "discard",
         "rcvbuf": "1MiB"},
        {"program": "tcp_client", "host": "a", "dst": "10.0.0.2",
         "bytes": "4MiB", "verify": "none", "sndbuf": "1MiB",
         "start": "1ms"}]
    sc["faults"] = [{"kind": "loss", "target": "ab", "dir": "ab",
                     "start": "30ms", "end": "32ms", "loss": 0.34}]
    path = tmp_path / "s.json"
    path.write_text(json.dumps(sc))
    db = tmp_path / "r.db"
    run([binary("netsim"), "run", path, "--db", db])
    con = sqlite3.connect(db)
    c = host_counters(con)
    (lost,) = con.execute("SELECT value FROM fault_effects WHERE name = "
                          "'lost'").fetchone()
    con.close()
    assert c[("a", "tcp_client.ok")] == 1
    assert c[("b", "tcp_server.bytes_in")] == 4 << 20
    assert lost > 3 * 8                 # holes beyond the inline blocks
    assert c[("a", "tcp.default.fastrexmt")] == 1
    assert c.get(("a", "tcp.default.rexmttimeo"), 0) == 0
    assert c[("a", "tcp.default.sndrexmitpack")] == lost
    assert c.get(("b", "tcp.default.rcvduppack"), 0) == 0
