"""The wires: links, the learning switch, captures, the topology keys.

A user's claims checked here:
  * a frame arrives exactly when a hand calculation says: its wire time
    (frame + 4 FCS + 8 preamble + 12 gap bytes, padded to 60) at the
    link's rate, then the delay; back-to-back frames serialize, and at
    rates where a frame takes a fraction of a nanosecond the fractions
    never pile up;
  * frames over the MTU, lost frames and held-back (reordered) frames are
    counted, the loss rate is the configured one, and a seed replays the
    very same losses and reorderings;
  * the switch learns, forwards known unicast to one port, floods the
    rest in port order, forgets aged entries, and drops (and counts) what
    a full output queue cannot take;
  * a capture opens in tshark with every frame, its addresses and its
    arrival time to the nanosecond (virtual time from the epoch);
  * a scenario's NICs, switches and links become a topology whose
    counters reach the database, and `netsim run --pcap DIR` captures
    every link.

Frame sizes are written without the FCS, as the frames' bytes are: the
classic 64-, 512- and 1518-byte Ethernet frames are 60, 508 and 1514 here.
"""
import json
import math
import shutil
import sqlite3
import subprocess

import pytest

from harness import ROOT, run

GBIT = 10**9


@pytest.fixture
def wire(test_bin):
    exe = test_bin("test_wire")
    return lambda *args, check=0: run([exe, *map(str, args)], check=check)


def wire_ns(length, rate_bps):
    """Exact wire time of one frame, as a fraction of a nanosecond."""
    from fractions import Fraction
    return Fraction(8 * (max(length, 60) + 4 + 8 + 12) * 10**9, rate_bps)


def parse(out, kind):
    """Lines 'kind a b c ...' as tuples of ints (extra words dropped)."""
    rows = []
    for line in out.splitlines():
        w = line.split()
        if w and w[0] == kind:
            rows.append(tuple(int(x) for x in w[1:4]))
    return rows


def counters(out, prefix):
    """key=value pairs of the first line starting with prefix."""
    for line in out.splitlines():
        if line.startswith(prefix):
            return {k: int(v) for k, v in
                    (w.split("=") for w in line.split() if "=" in w)}
    raise AssertionError(f"no line {prefix!r} in:\n{out}")


# --- Links: timing ------------------------------------------------------------

def test_arrival_times_match_hand_calculation_at_1gbit(wire):
    # 1 Gbit/s is 8 ns a byte: 60 -> 84 wire bytes = 672 ns, 508 -> 532 =
    # 4256 ns, 1514 -> 1538 = 12304 ns; then 10 us of delay.  The first
    # three go back to back from t=0; the last is sent at 100 us.
    out = wire("link", "rate=1000000000", "delay=10000",
               "sizes=60,508,1514,1514", "at=0,0,0,100000").stdout
    assert parse(out, "recv") == [
        (0, 60, 672 + 10_000),
        (1, 508, 672 + 4256 + 10_000),
        (2, 1514, 672 + 4256 + 12_304 + 10_000),
        (3, 1514, 100_000 + 12_304 + 10_000)]
    assert parse(out, "sent") == [(0, 60, 0), (1, 508, 672), (2, 1514, 4928),
                                  (3, 1514, 100_000)], \
        "the second frame starts when the first one's last bit has left"
    assert int(out.split("ebusy ")[1].split()[0]) > 0, \
        "sending while the transmitter is busy is refused"
    c = counters(out, "counters l0 ab")
    assert (c["tx_frames"], c["rx_frames"], c["rx_bytes"]) == (
        4, 4, 60 + 508 + 1514 * 2)


@pytest.mark.parametrize("length", [60, 508, 1514])
def test_one_frame_of_each_size_against_the_formula(wire, length):
    out = wire("link", f"sizes={length}", "delay=10000").stdout
    [(seq, got_len, t)] = parse(out, "recv")
    assert (seq, got_len) == (0, length)
    assert t == 8 * (length + 24) + 10_000


def test_short_frames_are_padded_to_the_ethernet_minimum(wire):
    out = wire("link", "sizes=20", "delay=0").stdout
    assert parse(out, "recv") == [(0, 60, 672)]


def test_fractions_of_a_nanosecond_never_pile_up_at_10gbit(wire):
    # A 60-byte frame takes 67.2 ns at 10 Gbit/s.  Back to back, frame k's
    # last bit leaves at exactly (k+1) * 67.2 ns; events round that up.
    rate = 10 * GBIT
    out = wire("link", f"rate={rate}", "delay=500", "count=1000",
               "len=60").stdout
    got = parse(out, "recv")
    assert len(got) == 1000
    for seq, length, t in got:
        exact = (seq + 1) * wire_ns(60, rate)
        assert t == math.ceil(exact) + 500, (seq, t, exact)
    assert got[-1][2] == 67_200 + 500


def test_a_frames_end_is_an_event_only_when_a_sender_waits_for_it(wire):
    # Three frames 10 us apart: each is due (an event), arrives (one
    # more), and ends long before the next is offered -- no event for
    # the end.  Back to back: one due, three arrivals, and the ends of
    # the first two, which the sender found busy and waits for; the
    # last one's end nobody waits for.  The same times either way.
    spaced = wire("link", "rate=1000000000", "delay=0", "sizes=60,60,60",
                  "at=0,10000,20000").stdout
    assert parse(spaced, "recv") == [(0, 60, 672), (1, 60, 10_672),
                                     (2, 60, 20_672)]
    assert "end 20672 events 6\n" in spaced
    packed = wire("link", "rate=1000000000", "delay=0", "sizes=60,60,60",
                  "at=0,0,0").stdout
    assert parse(packed, "sent") == [(0, 60, 0), (1, 60, 672), (2, 60, 1344)]
    assert "end 2016 events 6\n" in packed
    assert "ebusy 2\n" in packed


@pytest.mark.parametrize("rate", [3 * GBIT, 2_500_000_000, 40 * GBIT])
def test_back_to_back_frames_average_exactly_the_line_rate(wire, rate):
    out = wire("link", f"rate={rate}", "delay=0", "count=777", "len=1514",
               "quiet=1").stdout
    end = int(out.split("end ")[1].split()[0])
    assert end == math.ceil(777 * wire_ns(1514, rate))


def test_a_device_sending_from_a_cpu_context_starts_at_the_cpus_clock(
        wire):
    out = wire("cpu").stdout
    t = int(out.split("cpu_send ")[1].split()[0])
    assert t >= 5000, "the CPU was charged 5 us before sending"
    assert parse(out, "recv") == [(0, 60, t + 672 + 10_000)]


def test_paced_generator_sends_at_its_rate(wire):
    out = wire("link", "count=10", "len=60", "pps=1000", "delay=0").stdout
    assert [t for _, _, t in parse(out, "recv")] == [
        k * 1_000_000 + 672 for k in range(10)]


# --- Links: drops, loss, reordering ------------------------------------------

def test_frames_over_the_mtu_are_dropped_and_counted(wire):
    out = wire("link", "mtu=1500", "sizes=1515,1514,9014,60",
               "delay=0").stdout
    assert [(s, n) for s, n, _ in parse(out, "recv")] == [(1, 1514), (3, 60)]
    c = counters(out, "counters l0 ab")
    assert (c["drops_mtu"], c["tx_frames"], c["rx_frames"]) == (2, 2, 2)
    # A dropped frame takes no wire time: the 1514 starts at once.
    assert parse(out, "recv")[0][2] == 12_304


LOSS_N = 20_000


def loss_run(wire, seed, p=0.1):
    out = wire("link", "count=%d" % LOSS_N, "len=60", f"loss={p}",
               f"seed={seed}").stdout
    got = [s for s, _, _ in parse(out, "recv")]
    return got, counters(out, "counters l0 ab"), out


def test_loss_rate_is_the_configured_probability(wire):
    got, c, _ = loss_run(wire, seed=1)
    lost = LOSS_N - len(got)
    # Binomial(20000, 0.1): sd = 42.4; allow 5 sd.
    assert abs(lost - 0.1 * LOSS_N) < 5 * math.sqrt(LOSS_N * 0.1 * 0.9), \
        f"{lost} lost of {LOSS_N} (seed 1: test_wire link count={LOSS_N} " \
        "len=60 loss=0.1 seed=1)"
    assert c["drops_loss"] == lost
    assert c["tx_frames"] == LOSS_N, "lost frames still took wire time"
    assert got == sorted(got), "loss alone never reorders"


def test_loss_is_exactly_reproducible_from_the_seed(wire):
    a, _, _ = loss_run(wire, seed=5)
    b, _, _ = loss_run(wire, seed=5)
    c, _, _ = loss_run(wire, seed=6)
    assert a == b, "the same seed loses the same frames"
    assert a != c, "another seed loses other frames"


def test_loss_one_loses_everything_and_zero_nothing(wire):
    out = wire("link", "count=50", "len=60", "loss=1").stdout
    assert parse(out, "recv") == []
    out = wire("link", "count=50", "len=60", "loss=0").stdout
    assert len(parse(out, "recv")) == 50


def reorder_run(wire, seed):
    out = wire("link", "count=3000", "len=60", "reorder=0.05",
               "reorder_delay=10000", "delay=1000", f"seed={seed}").stdout
    return parse(out, "recv"), counters(out, "counters l0 ab")


def test_reordering_holds_frames_back_exactly_and_is_reproducible(wire):
    got, c = reorder_run(wire, seed=3)
    seqs = [s for s, _, _ in got]
    assert sorted(seqs) == list(range(3000)), "nothing is lost"
    assert seqs != sorted(seqs), "some frames arrive out of order"
    held = [(s, t) for s, _, t in got if t != (s + 1) * 672 + 1000]
    assert len(held) == c["reordered"]
    assert abs(len(held) - 150) < 5 * math.sqrt(3000 * 0.05 * 0.95)
    for s, t in held:
        assert t == (s + 1) * 672 + 1000 + 10_000, \
            "a reordered frame arrives reorder_delay after its time"
    assert reorder_run(wire, seed=3) == (got, c)
    assert reorder_run(wire, seed=4)[0] != got


# --- The switch ----------------------------------------------------------------

def switch_deliveries(out):
    """{script step: [endpoints it reached, in delivery order]}."""
    d = {}
    for line in out.splitlines():
        w = line.split()
        if w[0] == "recv":
            d.setdefault(int(w[1]), []).append(w[4])
    return d


def test_switch_learns_floods_in_port_order_and_filters(wire):
    out = wire("switch").stdout
    d = switch_deliveries(out)
    # The script (tests/c/test_wire.c): who gets each step's frame.
    assert d == {
        0: ["E1", "E2", "E3"],  # E0 -> E1, nobody known: flood, port order
        1: ["E0"],              # E1 -> E0: E0 was learned from step 0
        2: ["E1"],              # E0 -> E1: learned from step 1, only E1
        3: ["E0", "E1", "E3"],  # broadcast from E2: everyone else
        4: ["E0", "E1", "E2"],  # multicast from E3: everyone else
        5: ["E2"],              # E0 -> E2: learned from step 3
        6: ["E1", "E2", "E3"],  # to a MAC never seen: flood
        7: ["E0"],              # E3 sends as E1 ...
        8: ["E3"],              # ... so E1's MAC is now behind port 3
        9: ["E3"],              # E0 sends as X (X behind port 0)
        10: ["E0"],             # E1 (back on port 1) -> X: port 0 only
        # 11: E0 -> X, behind the port it came in on: filtered
    }
    sw = counters(out, "switch ")
    assert sw == {"learned": 5, "moved": 2, "flooded": 4, "filtered": 1,
                  "drops_nobuf": 0, "table_full": 0}
    # Store and forward: 672 ns in, 1 us latency, 672 ns out, two 1 us
    # link delays.
    first = [line for line in out.splitlines() if line.startswith("recv 0 ")]
    assert {int(line.split()[3]) for line in first} == {672 * 2 + 3000}


def test_aged_entries_are_forgotten(wire):
    # E2 is learned at step 3 (300 us); at step 5 (500 us) it has been
    # quiet for 200 us: with aging 150 us the frame to it is flooded.
    assert switch_deliveries(wire("switch").stdout)[5] == ["E2"]
    d = switch_deliveries(wire("switch", "aging=150000").stdout)
    assert d[5] == ["E1", "E2", "E3"]
    assert d[2] == ["E1"], "100 us of quiet is within the aging time"


def test_full_output_queue_drops_the_tail_and_counts_it(wire):
    # Ten 1514-byte frames at 10 Gbit/s into a 1 Gbit/s port with a queue
    # of 4: one goes out at once, four wait, the other five arrive before
    # the first has left (1230.4 ns apart vs 12304 ns) and are dropped.
    out = wire("queue").stdout
    got = [(s, t) for s, _, t in parse(out, "recv") if s < 100]
    first = 100_000 + 1231 + 1000 + 12_304 + 1000
    assert got == [(k, first + k * 12_304) for k in range(5)]
    p1 = counters(out, "port 1 ")
    assert (p1["drops_queue"], p1["queue_hw"], p1["tx_frames"]) == (5, 4, 5)
    assert counters(out, "port 0 ")["rx_frames"] == 10


# --- Captures -----------------------------------------------------------------

def tshark(*args):
    exe = shutil.which("tshark")
    if exe is None:
        pytest.skip("tshark is not installed (scripts/setup-deps)")
    p = subprocess.run([exe, *map(str, args)], capture_output=True,
                       text=True, timeout=120)
    assert p.returncode == 0, p.stderr
    return p.stdout


def test_tshark_reads_every_frame_with_nanosecond_times(wire, tmp_path):
    out = wire("pcap", tmp_path).stdout
    rows = [line.split("\t") for line in tshark(
        "-r", tmp_path / "l0.pcap", "-T", "fields", "-e", "frame.time_epoch",
        "-e", "eth.src", "-e", "eth.dst", "-e", "frame.len").splitlines()]
    a, b = "02:00:00:00:00:01", "02:00:00:00:00:02"
    # a: five 60-byte frames back to back from 1 s, 672 ns each, 10 us
    # delay; b: three 1514-byte frames from 1 s + 500 ns, 1 ms apart.
    want = [(10**9 + 672 * (k + 1) + 10_000, a, b, 60) for k in range(5)]
    want += [(10**9 + 500 + k * 10**6 + 12_304 + 10_000, b, a, 1514)
             for k in range(3)]
    want.sort()
    assert [(r[0], r[1], r[2], int(r[3])) for r in rows] == [
        (f"{t // 10**9}.{t % 10**9:09d}", s, d, n) for t, s, d, n in want]
    assert rows[0][0] == "1.000010672"


def test_lost_frames_are_not_in_the_capture(wire, tmp_path):
    out = wire("pcap", tmp_path).stdout
    c = counters(out, "counters l1 ab")
    assert 0 < c["drops_loss"] < 100
    frames = tshark("-r", tmp_path / "l1.pcap", "-T", "fields",
                    "-e", "eth.dst").splitlines()
    assert len(frames) == c["rx_frames"] == 100 - c["drops_loss"]
    assert set(frames) == {"ff:ff:ff:ff:ff:ff"}
    malformed = tshark("-r", tmp_path / "l1.pcap", "-Y", "_ws.malformed")
    assert malformed == ""


def test_capture_header_is_pcap_with_nanoseconds_and_ethernet(wire,
                                                              tmp_path):
    wire("pcap", tmp_path, check=0)
    head = (tmp_path / "l0.pcap").read_bytes()[:24]
    magic, vmaj, vmin, _, _, snap, link = (
        int.from_bytes(head[0:4], "little"),
        int.from_bytes(head[4:6], "little"),
        int.from_bytes(head[6:8], "little"),
        head[8:12], head[12:16], int.from_bytes(head[16:20], "little"),
        int.from_bytes(head[20:24], "little"))
    assert (magic, vmaj, vmin, link) == (0xa1b23c4d, 2, 4, 1)
    assert snap >= 9234


def test_same_run_writes_the_same_capture_bytes(wire, tmp_path):
    wire("pcap", tmp_path / "x", check=0)
    wire("pcap", tmp_path / "y", check=0)
    for name in ("l0.pcap", "l1.pcap"):
        assert (tmp_path / "x" / name).read_bytes() == \
            (tmp_path / "y" / name).read_bytes()


# --- Scenarios: the topology, counters, netsim run --pcap ---------------------

def topology_scenario(tmp_path, **link_extra):
    sc = {
        "name": "wires",
        "duration": "10ms",
        "hosts": [{"name": "a", "nics": [{"name": "wm0"}]},
                  {"name": "b", "nics": [{"name": "wm0"}]},
                  {"name": "c.lab", "nics": [{"name": "em0"}]}],
        "switches": [{"name": "sw0", "ports": 4, "latency": "1us"}],
        "links": [
            dict({"name": "l0", "a": "a.wm0", "b": "sw0.0", "rate": "10Gbit",
                  "delay": "10us"}, **link_extra),
            {"name": "l1", "a": "b.wm0", "b": "sw0.1"},
            {"name": "l2", "a": "c.lab.em0", "b": "sw0.3"}],
        "record": {"interval": "100us"},
    }
    path = tmp_path / "wires.json"
    path.write_text(json.dumps(sc, indent=1))
    return path


def last(db, name):
    con = sqlite3.connect(db)
    try:
        row = con.execute("SELECT value FROM counter_last WHERE name = ?",
                          (name,)).fetchone()
    finally:
        con.close()
    assert row is not None, f"no counter {name}"
    return row[0]


def test_scenario_topology_forwards_and_records_counters(wire, tmp_path):
    # a sends 100 frames to b, 10 us apart; b sends one to a at the start,
    # so the switch knows b before a's first frame is processed: a's
    # frames reach b only, b's single frame (to a, unknown) is flooded.
    sc = topology_scenario(tmp_path)
    db = tmp_path / "r.db"
    p = wire("scenario", sc, "--db", db, "gen=a.wm0:b.wm0:100:60:100000",
             "gen=b.wm0:a.wm0:1:60:0", check=0)
    assert p.stdout.startswith("fingerprint ")
    assert last(db, "gen.b.wm0.rx_frames") == 100
    assert last(db, "gen.a.wm0.rx_frames") == 1
    assert last(db, "gen.c.lab.em0.rx_frames") == 1
    assert last(db, "link.l0.ab.tx_frames") == 100
    assert last(db, "link.l0.ab.tx_bytes") == 6000
    assert last(db, "link.l1.ba.rx_frames") == 100
    assert last(db, "switch.sw0.0.rx_frames") == 100
    assert last(db, "switch.sw0.1.tx_frames") == 100
    assert last(db, "switch.sw0.flooded") == 1
    assert last(db, "switch.sw0.learned") == 2
    assert last(db, "frames.in_use") == 0
    con = sqlite3.connect(db)
    series = [v for (v,) in con.execute(
        "SELECT value FROM counters WHERE name = 'link.l0.ab.tx_frames' "
        "ORDER BY t_ns, rowid")]
    times = [t for (t,) in con.execute(
        "SELECT t_ns FROM counters WHERE name = 'link.l0.ab.tx_frames' "
        "ORDER BY t_ns, rowid")]
    con.close()
    # Frame k leaves at k * 10 us: 10 by 100 us (k = 0..9; the sample is
    # taken before anything due at 100 us), 20 by 200 us, ...
    assert times[:10] == [100_000 * k for k in range(1, 11)], \
        "sampled every record interval"
    assert series[:10] == [10 * k for k in range(1, 11)]
    assert series[-1] == 100


def test_scenario_run_is_deterministic_with_loss_and_reordering(wire,
                                                                tmp_path):
    sc = topology_scenario(tmp_path, loss=0.2, reorder=0.2,
                           pcap=str(tmp_path / "l0.pcap"))
    runs = []
    for i in range(2):
        p = wire("scenario", sc, "gen=a.wm0:b.wm0:500:200:0", check=0)
        runs.append((p.stdout, (tmp_path / "l0.pcap").read_bytes()))
    assert runs[0] == runs[1]
    other = wire("scenario", sc, "gen=a.wm0:b.wm0:500:200:0",
                 check=0).stdout
    assert other == runs[0][0], "the scenario's seed, not the wall clock"


def test_netsim_run_pcap_dir_captures_every_link(netsim, tmp_path):
    sc = topology_scenario(tmp_path, pcap=str(tmp_path / "own.pcap"))
    out = tmp_path / "caps"
    run([netsim, "run", sc, "--pcap", out, "--quiet"], check=0)
    assert sorted(p.name for p in out.iterdir()) == [
        "l0.pcap", "l1.pcap", "l2.pcap"]
    assert not (tmp_path / "own.pcap").exists(), \
        "--pcap DIR replaces the links' own files"
    assert tshark("-r", out / "l0.pcap") == "", "no traffic yet: no frames"


def test_netsim_run_writes_a_links_own_pcap(netsim, tmp_path):
    sc = topology_scenario(tmp_path, pcap=str(tmp_path / "own.pcap"))
    run([netsim, "run", sc, "--quiet"], check=0)
    assert (tmp_path / "own.pcap").read_bytes()[:4] == \
        (0xa1b23c4d).to_bytes(4, "little")


def test_netsim_run_records_link_and_switch_counters(netsim, tmp_path):
    sc = topology_scenario(tmp_path)
    db = tmp_path / "r.db"
    run([netsim, "run", sc, "--db", db, "--quiet"], check=0)
    con = sqlite3.connect(db)
    names = {n for (n,) in con.execute("SELECT DISTINCT name FROM counters")}
    con.close()
    for n in ("link.l0.ab.tx_frames", "link.l2.ba.drops_loss",
              "link.l1.ab.drops_mtu", "switch.sw0.3.drops_queue",
              "switch.sw0.learned", "frames.in_use"):
        assert n in names, n


def test_pcap_creates_the_missing_parents_of_its_directory(netsim, tmp_path):
    out = tmp_path / "a" / "b"
    run([netsim, "run", ROOT / "scenarios" / "net" / "two-hosts.json", "--pcap", out,
         "--quiet"], check=0)
    assert (out / "ab.pcap").read_bytes()[:4] == \
        (0xa1b23c4d).to_bytes(4, "little")


def test_pcap_directory_behind_a_file_is_refused_before_the_run(netsim,
                                                                tmp_path):
    (tmp_path / "f").write_text("a file, not a directory\n")
    db = tmp_path / "r.db"
    p = run([netsim, "run", ROOT / "scenarios" / "net" / "two-hosts.json", "--pcap",
             tmp_path / "f" / "caps", "--db", db], check=2)
    assert p.stderr == (f"netsim: pcap directory {tmp_path}/f/caps: cannot "
                        f"create {tmp_path}/f: a file of that name is in "
                        "the way\n")
    assert p.stdout == ""
    con = sqlite3.connect(db)
    assert con.execute("SELECT count(*) FROM runs").fetchone() == (0,)
    con.close()


def test_a_scenarios_relative_pcap_is_beside_the_scenario(netsim, tmp_path):
    doc = json.loads((ROOT / "scenarios" / "net" / "two-hosts.json").read_text())
    doc["links"][0]["pcap"] = "caps/ab.pcap"
    sub = tmp_path / "sub"
    (sub / "caps").mkdir(parents=True)
    sc = sub / "two.json"
    sc.write_text(json.dumps(doc))
    cwd = tmp_path / "elsewhere"
    (cwd / "caps").mkdir(parents=True)
    run([netsim, "run", sc, "--quiet"], check=0, cwd=cwd)
    assert (sub / "caps" / "ab.pcap").stat().st_size > 24
    assert not (cwd / "caps" / "ab.pcap").exists()
    # Given relative to the cwd, the scenario's path still counts from it.
    run([netsim, "run", "../sub/two.json", "--quiet"], check=0, cwd=cwd)
    assert not (cwd / "caps" / "ab.pcap").exists()


def test_capture_file_that_cannot_be_made_is_refused_before_the_run(
        netsim, tmp_path):
    sc = topology_scenario(tmp_path, pcap=str(tmp_path / "nodir" / "l0.pcap"))
    p = run([netsim, "run", sc, "--quiet"], check=2)
    assert p.stderr == (f"netsim: pcap file {tmp_path}/nodir/l0.pcap: cannot "
                        "open: No such file or directory\n")
    assert p.stdout == ""


def test_capture_that_cannot_be_written_fails_the_exit_status(netsim,
                                                              tmp_path):
    sc = topology_scenario(tmp_path, pcap="/dev/full")
    p = run([netsim, "run", sc, "--quiet"], check=2)
    assert "netsim: pcap file /dev/full: write failed: No space left" \
        in p.stderr
    assert p.stdout.startswith("fingerprint ")


def test_help_mentions_pcap(netsim):
    assert "--pcap DIR" in run([netsim, "--help"], check=0).stdout
