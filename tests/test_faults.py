"""Faults in scenarios: storms, bursts, link loss and flaps, late DMA,
memory refused, busy CPUs.

A user's claims checked here:
  * an interrupt storm on a receiver's DMA NIC makes the poll-mode
    driver mask its line and poll the ring at each clock tick for as long
    as the storm lasts, holding interrupts to its intr_max, and normal
    interrupts resume after it -- all in the database: the counters over
    time and the fault's row with its window (scenarios/storm.json);
  * each kind of fault does what it says, in its window and not outside
    it: a burst arrives at line rate; a loss fault loses frames only in
    its window, Gilbert-Elliott loss matches its model's loss rate and
    burst lengths; a flapping link loses exactly the frames sent while it
    is down; late DMA completes each transfer exactly its delay later; a
    host whose memory refuses KM_NOSLEEP allocations drops and counts,
    and recovers after; a hog takes its CPU for its window;
  * every fault is a row of `faults`, and what it did rows of
    `fault_effects`;
  * a bad fault in a scenario is one error line naming file, line,
    column and JSON path, exit 2, as any other key.

Runs are small (tens of virtual milliseconds) and their numbers exact
for a seed; where a statistic is checked the tolerance is stated.
"""
import json
import sqlite3

import pytest

import dbcheck
from harness import ROOT, run


def db_rows(db, sql, *args):
    con = sqlite3.connect(db)
    try:
        return con.execute(sql, args).fetchall()
    finally:
        con.close()


def run_scenario(netsim, tmp_path, doc, name="s"):
    """Run doc (a dict or a scenario path) into a fresh database; return
    the database's path."""
    path = doc
    if isinstance(doc, dict):
        path = tmp_path / f"{name}.json"
        path.write_text(json.dumps(doc))
    db = tmp_path / f"{name}.db"
    run([netsim, "run", path, "--db", db, "--quiet"], check=0)
    return db


class Series:
    """A run's counters over time: a counter's value at t is that of its
    last sample at or before t (samples are written when values change)."""

    def __init__(self, db, host=None):
        self.rows = {}
        for name, h, t, v in db_rows(db, "SELECT name, host, t_ns, value "
                                     "FROM counters ORDER BY t_ns, rowid"):
            if host is None or h == host:
                self.rows.setdefault(name, []).append((t, v))

    def at(self, name, t_ns):
        v = 0
        for t, x in self.rows.get(name, []):
            if t > t_ns:
                break
            v = x
        return v

    def delta(self, name, t0, t1):
        return self.at(name, t1) - self.at(name, t0)

    def last_t(self, name):
        return self.rows[name][-1][0]


def effects(db, fault_id):
    return dict(db_rows(db, "SELECT name, value FROM fault_effects "
                        "WHERE fault_id = ?", fault_id))


MS = 1_000_000


# --- The storm: done when the database shows it ----------------------------

def test_storm_masks_interrupts_polls_per_tick_then_interrupts_resume(
        netsim, tmp_path):
    """scenarios/storm.json: 5 kpps of datagrams to rx; from 10 to 20 ms
    rx's NIC raises its line 200,000 times a second with nothing in its
    ring.  The driver's budget is 20,000 interrupts a second (20 a 1 ms
    window); past it the line stays masked and the ring is polled at the
    next clock tick (hz 1000)."""
    db = run_scenario(netsim, tmp_path, ROOT / "scenarios" / "storm.json")
    (row,) = db_rows(db, "SELECT fault_id, kind, target, start_ns, end_ns, "
                     "count, parameters FROM faults")
    assert row[:6] == (0, "intr_storm", "rx.wm0", 10 * MS, 20 * MS, None)
    assert json.loads(row[6]) == {"rate_pps": 200000, "frames": False,
                                  "size": 60}
    assert effects(db, 0) == {"raised": 2000, "first_ns": 10 * MS,
                              "last_ns": 20 * MS - 5000}
    assert db_rows(db, "SELECT start_ns, end_ns FROM fault_windows") == [
        (10 * MS, 20 * MS)]

    s = Series(db, host="rx")
    end = s.last_t("wm0.intrs")
    # Before: an interrupt a datagram (paced at 5 kpps: 50 in 10 ms, and
    # ARP's), never masked.
    assert s.at("wm0.intr_masked", 10 * MS) == 0
    before = s.delta("wm0.intrs", 0, 10 * MS)
    assert 50 <= before <= 53
    # During: masked and polled at the tick, about once a tick; the
    # interrupts held to the budget, a small part of what was raised.
    masked = s.delta("wm0.intr_masked", 10 * MS, 20 * MS)
    intrs = s.delta("wm0.intrs", 10 * MS, 20 * MS)
    polls = s.delta("wm0.polls", 10 * MS, 20 * MS)
    assert 8 <= masked <= 12
    assert 20 <= intrs <= 20 * 10 + 10, "intr_max: 20 a 1 ms window"
    assert intrs < 2000 / 10
    assert polls >= intrs + masked - 2, "a poll after every interrupt, " \
        "and one at every masked tick"
    assert [s.at("fault.0.active", t * MS) for t in (9, 10, 19, 20)] == \
        [0, 1, 1, 0]
    assert s.at("fault.0.raised", 20 * MS) == 2000
    # After: normal interrupts again, none masked.
    assert s.delta("wm0.intr_masked", 21 * MS, end) == 0
    after = s.delta("wm0.intrs", 21 * MS, 31 * MS)
    assert abs(after - before) <= 2
    assert s.at("wm0.rx_frames", end) == 201, "every datagram (and an ARP)"


# --- Each kind ----------------------------------------------------------------

def two_hosts(rate="1Gbit", hz=1000, rx_nic=None, duration="100ms"):
    """tx.wm0 -- l0 -- rx.wm0, DMA NICs with addresses."""
    rx_nic = rx_nic or {"name": "wm0", "addr": "10.0.0.2/24"}
    return {
        "name": "faults", "duration": duration,
        "hosts": [
            {"name": "tx", "cpus": 1, "hz": hz,
             "nics": [{"name": "wm0", "addr": "10.0.0.1/24",
                       "tx_ring": 1024}]},
            {"name": "rx", "cpus": 2, "hz": hz, "nics": [rx_nic]}],
        "links": [{"name": "l0", "a": "tx.wm0", "b": "rx.wm0",
                   "rate": rate}],
        "workload": [],
        "record": {"interval": "1ms"}}


def flood(count, rate):
    """Raw frames from tx to rx at a rate (a clock tick's worth at a time)."""
    return {"program": "rawsend", "host": "tx", "dev": "wm0",
            "dst": "rx.wm0", "size": 60, "count": count, "rate": rate}


def test_burst_arrives_at_line_rate(netsim, tmp_path):
    """1,000 frames of 60 bytes back to back at 1 Gbit/s: 672 ns apart
    (60 + 4 + 8 + 12 bytes), exactly; the stack counts them all."""
    doc = two_hosts(rx_nic={"name": "wm0", "addr": "10.0.0.2/24",
                            "rx_ring": 2048})
    doc["faults"] = [{"kind": "burst", "target": "rx.wm0", "start": "2ms",
                      "count": 1000}]
    db = run_scenario(netsim, tmp_path, doc)
    assert effects(db, 0) == {"frames": 1000, "dropped": 0,
                              "first_ns": 2 * MS,
                              "last_ns": 2 * MS + 999 * 672}
    (row,) = db_rows(db, "SELECT kind, target, start_ns, end_ns, count, "
                     "parameters FROM faults")
    assert row[:5] == ("burst", "rx.wm0", 2 * MS, None, 1000)
    assert json.loads(row[5])["line_rate_bps"] == 10**9
    s = Series(db, host="rx")
    end = s.last_t("wm0.rx_sink")
    assert s.at("nic.wm0.rx_frames", end) == 1000
    assert s.at("wm0.rx_sink", end) == 1000


def test_loss_strikes_only_in_its_window(netsim, tmp_path):
    """Bernoulli loss of 0.5 from 5 to 10 ms on a link carrying 100,000
    frames a second: the link counts losses only in those 5 ms, and the
    fault judged exactly the frames sent then."""
    doc = two_hosts(hz=10000)
    doc["workload"] = [flood(2000, "100kpps")]
    doc["faults"] = [{"kind": "loss", "target": "l0", "start": "5ms",
                      "end": "10ms", "loss": 0.5, "dir": "ab"}]
    db = run_scenario(netsim, tmp_path, doc)
    e = effects(db, 0)
    assert e["frames"] == 500, "100 kpps for 5 ms"
    assert 200 <= e["lost"] <= 300
    s = Series(db)
    drops = "link.l0.ab.drops_fault"
    assert s.at(drops, 5 * MS) == 0
    assert s.delta(drops, 5 * MS, 10 * MS) == e["lost"]
    assert s.delta(drops, 10 * MS, s.last_t(drops)) == 0
    assert "link.l0.ba.drops_fault" not in s.rows, "dir ab only"
    assert s.at("link.l0.ab.drops_loss", 10**12) == 0
    rx = Series(db, host="rx")
    assert rx.at("wm0.rx_sink", 10**12) == 2000 - e["lost"]


@pytest.mark.parametrize("seed", [1, 2])
def test_gilbert_elliott_loss_matches_its_model(netsim, tmp_path, seed):
    """Gilbert's model (to_bad 0.02, to_good 0.25, loss 0 when good, 1
    when bad) over 100,000 frames: it loses to_bad / (to_bad + to_good) =
    7.41% of them, in runs of 1 / to_good = 4 frames on average.  With
    this chain's correlation three standard deviations are about 8.5% of
    the loss rate and 6% of the mean run, so both must be within 10%.
    The same seed gives the same losses (the fingerprint check pins it)."""
    doc = two_hosts(rate="10Gbit", hz=10000)
    doc["seed"] = seed
    doc["workload"] = [flood(100000, "2Mpps")]
    doc["faults"] = [{"kind": "loss", "target": "l0", "model": "gilbert",
                      "to_bad": 0.02, "to_good": 0.25, "dir": "ab",
                      "count": 100000}]
    db = run_scenario(netsim, tmp_path, doc)
    e = effects(db, 0)
    assert e["frames"] == 100000
    rate = e["lost"] / e["frames"]
    want = 0.02 / (0.02 + 0.25)
    assert abs(rate - want) <= 0.10 * want, (rate, want)
    mean_run = e["lost"] / e["runs"]
    assert abs(mean_run - 4.0) <= 0.4, mean_run
    assert e["longest_run"] >= 10, "geometric runs have a long tail"
    (params,) = db_rows(db, "SELECT parameters FROM faults")
    assert json.loads(params[0])["loss_rate"] == pytest.approx(want)
    s = Series(db)
    assert s.at("link.l0.ab.drops_fault", 10**12) == e["lost"]


def test_bernoulli_loss_is_binomial_and_gilbert_runs_are_longer(netsim,
                                                               tmp_path):
    """Bernoulli and Gilbert-Elliott loss at the same mean (7.41%), one a
    direction, over 100,000 frames each: Bernoulli loses a binomial
    number, within three standard deviations (+-248 of 7,407) of n * p,
    in runs of 1 / (1 - p) = 1.08 frames on average; Gilbert loses as
    many (within 10%, as above) in runs at least three times longer."""
    doc = two_hosts(rate="10Gbit", hz=10000)
    doc["hosts"][1]["nics"][0]["tx_ring"] = 1024
    p = 0.02 / (0.02 + 0.25)
    n = 100000
    doc["workload"] = [
        flood(n, "2Mpps"),
        {"program": "rawsend", "host": "rx", "dev": "wm0", "dst": "tx.wm0",
         "size": 60, "count": n, "rate": "2Mpps"}]
    doc["faults"] = [
        {"kind": "loss", "target": "l0", "model": "gilbert",
         "to_bad": 0.02, "to_good": 0.25, "dir": "ab", "count": n},
        {"kind": "loss", "target": "l0", "loss": p, "dir": "ba",
         "count": n}]
    db = run_scenario(netsim, tmp_path, doc)
    ge, be = effects(db, 0), effects(db, 1)
    assert ge["frames"] == be["frames"] == n
    sd = (n * p * (1 - p)) ** 0.5
    assert abs(be["lost"] - n * p) <= 3 * sd, (be["lost"], n * p, sd)
    assert abs(ge["lost"] - n * p) <= 0.10 * n * p, (ge["lost"], n * p)
    be_run = be["lost"] / be["runs"]
    ge_run = ge["lost"] / ge["runs"]
    assert abs(be_run - 1 / (1 - p)) <= 0.05, be_run
    assert ge_run >= 3 * be_run, (ge_run, be_run)
    assert ge["longest_run"] > be["longest_run"]
    s = Series(db)
    assert s.at("link.l0.ba.drops_fault", 10**12) == be["lost"]
    assert Series(db, host="tx").at("wm0.rx_sink", 10**12) == n - be["lost"]


def test_flap_loses_what_is_sent_while_down(netsim, tmp_path):
    """Down 2 ms from 10 ms, up 3 ms, twice: down 10-12 and 15-17 ms.  At
    10,000 frames a second 40 frames are lost, each while down."""
    doc = two_hosts(hz=10000)
    doc["workload"] = [flood(400, "10kpps")]
    doc["faults"] = [{"kind": "flap", "target": "l0", "start": "10ms",
                      "down": "2ms", "up": "3ms", "count": 2}]
    db = run_scenario(netsim, tmp_path, doc)
    e = effects(db, 0)
    assert e["downs"] == 2 and e["lost"] == 40 and e["runs"] == 2
    assert e["longest_run"] == 20
    s = Series(db)
    d = "link.l0.ab.drops_fault"
    assert [s.delta(d, a * MS, b * MS) for a, b in
            ((0, 10), (10, 12), (12, 15), (15, 17), (17, 40))] == \
        [0, 20, 0, 20, 0]
    assert [s.at("fault.0.active", t * MS) for t in (9, 10, 11, 12, 15,
                                                     17, 20)] == \
        [0, 1, 1, 0, 1, 0, 0]


def test_dma_delay_completes_each_transfer_its_delay_later(netsim, tmp_path):
    """Datagrams paced at 5 kpps, each alone on the wire; from 10 to 20 ms
    each receive transfer of rx's NIC completes 25 us late.  From the
    packet records: ip_output on tx to nic_rx on rx takes one time for
    every packet outside the window and exactly 25,000 ns longer for every
    packet in it."""
    doc = two_hosts()
    doc["workload"] = [
        {"program": "udp_sink", "host": "rx", "port": 9},
        {"program": "udp_send", "host": "tx", "dst": "10.0.0.2", "port": 9,
         "rate": "5kpps", "count": 150, "echo": False}]
    doc["faults"] = [{"kind": "dma_delay", "target": "rx.wm0",
                      "start": "10ms", "end": "20ms", "delay": "25us"}]
    doc["record"]["packets"] = True
    db = run_scenario(netsim, tmp_path, doc)
    assert effects(db, 0) == {"delayed": 50}
    rows = db_rows(db, "SELECT a.t_ns, b.t_ns - a.t_ns FROM packet_stages a "
                   "JOIN packet_stages b ON b.run_id = a.run_id AND "
                   "b.pkt_id = a.pkt_id AND b.stage = 'nic_rx' "
                   "WHERE a.stage = 'ip_output' AND a.t_ns >= 2000000 "
                   "ORDER BY a.t_ns")
    inside = sorted({d for t, d in rows if 10 * MS <= t < 20 * MS})
    outside = sorted({d for t, d in rows if not 10 * MS <= t < 20 * MS})
    assert len(outside) == 1 and len(rows) == 150 - 10
    assert inside == [d + 25000 for d in outside]


def test_mbuf_exhaustion_is_counted_by_the_stack_and_recovered(netsim,
                                                              tmp_path):
    """rx's memory refuses KM_NOSLEEP allocations for the first 20 ms,
    while a batch reader (every 5 ms) lets 20,000 datagrams a second
    queue: the mbuf pools cannot grow, gets fail (pool counters), the
    driver drops and counts (rx_drop_nombuf).  After the window the pools
    grow and nothing more is dropped."""
    doc = two_hosts()
    doc["hosts"][1]["cpus"] = 1
    doc["workload"] = [
        {"program": "udp_sink", "host": "rx", "port": 9, "interval": "5ms"},
        {"program": "udp_send", "host": "tx", "dst": "10.0.0.2", "port": 9,
         "rate": "20kpps", "count": 1000, "echo": False}]
    doc["faults"] = [{"kind": "mbuf_exhaustion", "target": "rx",
                      "end": "20ms"}]
    db = run_scenario(netsim, tmp_path, doc)
    e = effects(db, 0)
    assert e["refused"] == e["asked"] > 0
    s = Series(db, host="rx")
    end = s.last_t("wm0.rx_frames")
    for name in ("wm0.rx_drop_nombuf", "mbpl.fail"):
        assert s.delta(name, 0, 20 * MS) > 0
        assert s.delta(name, 20 * MS, end) == 0, name
    assert s.at("fault.0.refused", 20 * MS) == e["refused"]
    last = dict(db_rows(db, "SELECT name, value FROM counter_last WHERE "
                        "host = 'rx'"))
    assert last["udp_sink.received"] + last["wm0.rx_drop_nombuf"] + \
        last.get("udp.default.fullsock", 0) == 1000, "each one counted"
    assert s.delta("udp_sink.received", 25 * MS, 10**12) > 500, "recovered"


def test_cpu_hog_takes_its_cpu_for_its_window(netsim, tmp_path):
    """A hog on rx's otherwise idle CPU 1 from 5 to 15 ms: the CPU is busy
    those 10 ms -- the 2 us context switch that puts the hog on it, then
    the hog's own work -- and idle before and after."""
    doc = two_hosts()
    doc["workload"] = [flood(100, "10kpps")]
    doc["faults"] = [{"kind": "cpu_hog", "target": "rx.cpu1",
                      "start": "5ms", "end": "15ms"}]
    db = run_scenario(netsim, tmp_path, doc)
    assert effects(db, 0) == {"busy_ns": 10 * MS - 2000}
    busy = {t: v for t, v in db_rows(
        db, "SELECT t_ns, value FROM counters WHERE host = 'rx' AND "
        "cpu = 1 AND name = 'cpu.busy_ns'")}
    at = lambda t: max([v for u, v in busy.items() if u <= t] + [0])
    assert at(5 * MS) == 0
    assert at(15 * MS) - at(5 * MS) >= 10 * MS
    assert at(max(busy)) == at(16 * MS), "idle after its window"
    assert db_rows(db, "SELECT kind, target, start_ns, end_ns, parameters "
                   "FROM faults") == [("cpu_hog", "rx.cpu1", 5 * MS,
                                       15 * MS, '{"cpu": 1}')]


def test_storm_with_frames_on_a_pio_nic(netsim, tmp_path):
    """A PIO NIC's line follows its FIFO: a storm with frames is frames
    arriving at the rate, each read by the driver."""
    doc = two_hosts(rx_nic={"name": "pio0", "type": "pio",
                            "addr": "10.0.0.2/24"})
    doc["links"][0]["b"] = "rx.pio0"
    doc["faults"] = [{"kind": "intr_storm", "target": "rx.pio0",
                      "start": "1ms", "end": "3ms", "rate": "50kpps",
                      "frames": True}]
    db = run_scenario(netsim, tmp_path, doc)
    assert effects(db, 0) == {"raised": 100, "frames": 100, "dropped": 0,
                              "first_ns": 1 * MS,
                              "last_ns": 3 * MS - 20000}
    s = Series(db, host="rx")
    assert s.at("pio0.rx_sink", 10**12) == 100


def test_storm_with_frames_on_a_dma_nic_drives_the_receive_path(netsim,
                                                                tmp_path):
    """With frames, a DMA NIC's storm is frames arriving at the rate: each
    is transferred into the ring, interrupts (or polls) take it up, and
    the stack counts every one in the interface's rx_sink."""
    doc = two_hosts()
    doc["faults"] = [{"kind": "intr_storm", "target": "rx.wm0",
                      "start": "1ms", "end": "3ms", "rate": "50kpps",
                      "frames": True}]
    db = run_scenario(netsim, tmp_path, doc)
    assert effects(db, 0) == {"raised": 100, "frames": 100, "dropped": 0,
                              "first_ns": 1 * MS,
                              "last_ns": 3 * MS - 20000}
    s = Series(db, host="rx")
    assert s.at("nic.wm0.dma_transfers", 10**12) == 100
    assert s.at("wm0.rx_sink", 10**12) == 100
    assert s.delta("wm0.intrs", 1 * MS, 4 * MS) > 0
    assert s.at("wm0.intrs", 1 * MS) == 0


def test_faults_after_the_workload_are_seen_through(netsim, tmp_path):
    """The workload (10 frames) is done at 1 ms; a storm below the
    driver's budget from 50 to 60 ms and a hog from 70 to 80 ms still
    strike: the run lasts until the hog is done, every raise of the storm
    is an interrupt (100 in its 10 ms, none in the 10 ms before), and
    the hog has its CPU."""
    doc = two_hosts(duration="1s")
    doc["workload"] = [flood(10, "10kpps")]
    doc["faults"] = [
        {"kind": "intr_storm", "target": "rx.wm0", "start": "50ms",
         "end": "60ms", "rate": "10kpps"},
        {"kind": "cpu_hog", "target": "rx.cpu1", "start": "70ms",
         "end": "80ms"}]
    db = run_scenario(netsim, tmp_path, doc)
    ((end, status),) = db_rows(db, "SELECT end_ns, status FROM runs")
    assert status == "ok" and 80 * MS <= end < 81 * MS
    assert effects(db, 0)["raised"] == 100
    assert effects(db, 1) == {"busy_ns": 10 * MS - 2000}
    s = Series(db, host="rx")
    assert s.delta("wm0.intrs", 40 * MS, 50 * MS) == 0
    assert s.delta("wm0.intrs", 50 * MS, 60 * MS) == 100
    assert s.delta("wm0.intr_masked", 0, 10**12) == 0


def test_a_scenario_without_faults_has_no_fault_rows(netsim, tmp_path):
    db = run_scenario(netsim, tmp_path, ROOT / "scenarios" / "default.json")
    assert db_rows(db, "SELECT count(*) FROM faults") == [(0,)]
    assert db_rows(db, "SELECT count(*) FROM counters WHERE name LIKE "
                   "'fault.%' OR name LIKE '%drops_fault'") == [(0,)]


# --- The format ---------------------------------------------------------------

BASE = {"name": "f",
        "hosts": [{"name": "a", "cpus": 2, "nics": [{"name": "wm0"}]},
                  {"name": "b", "nics": [{"name": "wm0", "type": "pio"},
                                         {"name": "wm1"}]}],
        "links": [{"name": "l0", "a": "a.wm0", "b": "b.wm0"}]}

# (the fault, JSON path, the text the position points at, words)
BAD = [
    ({"kind": "intr_strom", "target": "a.wm0", "end": "1ms"},
     "$.faults[0].kind", '"intr_strom"', ['did you mean "intr_storm"?']),
    ({"kind": "intr_storm", "target": "a.wm0", "end": "1ms"},
     "$.faults[0]", '{"kind"', ['missing required key "rate"']),
    ({"kind": "intr_storm", "target": "a.wm0", "end": "1ms", "rate": 5,
      "model": "gilbert"}, "$.faults[0].model", '"model"',
     ['key "model" does not apply to a fault of kind intr_storm',
      "expected one of kind, target, start, end, count, rate, frames, size"]),
    ({"kind": "intr_storm", "target": "b.wm0", "end": "1ms", "rate": 5},
     "$.faults[0].target", '"b.wm0"',
     ['expected a DMA NIC for a storm without frames', '"frames": true']),
    ({"kind": "intr_storm", "target": "c.wm0", "end": "1ms", "rate": 5},
     "$.faults[0].target", '"c.wm0"', ['no host is named "c"']),
    ({"kind": "burst", "target": "a.wm9", "count": 5},
     "$.faults[0].target", '"a.wm9"',
     ["expected a NIC of host a (one of a.wm0)", 'did you mean "a.wm0"?']),
    ({"kind": "burst", "target": "b.wm1", "count": 5},
     "$.faults[0].target", '"b.wm1"', ["which is on no link",
                                        'give the burst a "rate"']),
    ({"kind": "loss", "target": "l1", "count": 5, "loss": 0.1},
     "$.faults[0].target", '"l1"', ['expected a link\'s name (one of l0)',
                                     'did you mean "l0"?']),
    ({"kind": "loss", "target": "l0", "loss": 0.1},
     "$.faults[0]", '{"kind"', ['missing key "end" or "count"']),
    ({"kind": "loss", "target": "l0", "start": "2ms", "end": "1ms",
      "loss": 0.1}, "$.faults[0].end", '"1ms"',
     ["expected an end after the start (2ms), got 1ms"]),
    ({"kind": "loss", "target": "l0", "count": 5, "loss": 1.5},
     "$.faults[0].loss", "1.5", ["expected a probability from 0 to 1"]),
    ({"kind": "loss", "target": "l0", "count": 5, "loss": 0.1,
      "to_bad": 0.1}, "$.faults[0].to_bad", '"to_bad"',
     ['give "model": "gilbert" for two']),
    ({"kind": "loss", "target": "l0", "count": 5, "model": "gilbert",
      "to_bad": 0.1}, "$.faults[0]", '{"kind"',
     ['missing required key "to_good"']),
    ({"kind": "flap", "target": "l0", "end": "1ms"},
     "$.faults[0]", '{"kind"', ['missing required key "down"']),
    ({"kind": "dma_delay", "target": "b.wm0", "count": 5, "delay": "1us"},
     "$.faults[0].target", '"b.wm0"', ["expected a DMA NIC (type dma)"]),
    ({"kind": "mbuf_exhaustion", "target": "x", "end": "1ms"},
     "$.faults[0].target", '"x"', ["no host is named"]),
    ({"kind": "cpu_hog", "target": "a.cpu2", "end": "1ms"},
     "$.faults[0].target", '"a.cpu2"',
     ["expected a CPU of host a (a.cpu0 to a.cpu1)"]),
    ({"kind": "cpu_hog", "target": "a.cpu1", "count": 3},
     "$.faults[0].count", '"count"',
     ['key "count" does not apply to a fault of kind cpu_hog']),
    ({"target": "l0", "end": "1ms"}, "$.faults[0]", '{"target"',
     ['missing required key "kind" (one of intr_storm, burst, loss']),
    ({"kind": "mbuf_exhaustion", "target": "a", "end": "1ms", "fail": 2},
     "$.faults[0].fail", "2}", ["expected a probability from 0 to 1"]),
    ({"kind": "flap", "target": "l0", "end": "5ms", "down": "0ns"},
     "$.faults[0].down", '"0ns"', ["expected a duration from 1ns"]),
]


@pytest.mark.parametrize("fault,path,at,words", BAD,
                         ids=[f"{i}-{b[0].get('kind', 'nokind')}"
                              for i, b in enumerate(BAD)])
def test_a_bad_fault_gets_one_line_with_its_position(netsim, tmp_path, fault,
                                                     path, at, words):
    doc = dict(BASE, faults=[fault])
    text = json.dumps(doc)
    f = tmp_path / "bad.json"
    f.write_text(text)
    p = run([netsim, "validate", f], check=2)
    off = text.index(at, text.index('"faults"'))
    head = f"{f}:1:{off + 1}: at {path}: "
    (line,) = p.stderr.splitlines()
    assert line.startswith(head), line
    for w in words:
        assert w in line, line


def test_a_fault_list_that_is_not_one_is_refused(netsim, tmp_path):
    """Not an array, or an element that is not an object: one line with
    its position, exit 2, and `netsim run` writes no database."""
    for faults, path in ((5, "$.faults"), ([5], "$.faults[0]")):
        text = json.dumps(dict(BASE, faults=faults))
        f = tmp_path / "bad.json"
        f.write_text(text)
        db = tmp_path / "bad.db"
        p = run([netsim, "run", f, "--db", db, "--quiet"], check=2)
        off = text.index("5", text.index('"faults"'))
        (line,) = p.stderr.splitlines()
        assert line.startswith(f"{f}:1:{off + 1}: at {path}: expected "), \
            line
        assert not db.exists()


def test_a_good_fault_list_loads_with_its_defaults(test_bin, tmp_path):
    doc = dict(BASE, faults=[
        {"kind": "loss", "target": "l0", "model": "gilbert", "to_bad": 0.01,
         "to_good": 0.3, "count": 1000},
        {"kind": "flap", "target": "l0", "start": "1ms", "end": "9ms",
         "down": "1ms"},
        {"kind": "cpu_hog", "target": "a.cpu1", "end": "5ms"},
        {"kind": "intr_storm", "target": "b.wm0", "end": "5ms",
         "rate": "1kpps", "frames": True}])
    f = tmp_path / "ok.json"
    f.write_text(json.dumps(doc))
    d = json.loads(run([test_bin("test_scenario_load"), f], check=0).stdout)
    loss, flap, hog, storm = d["faults"]
    assert (loss["model"], loss["loss_good"], loss["loss_bad"],
            loss["dir"], loss["end_ns"], loss["link"]) == \
        ("gilbert", 0, 1, "both", None, 0)
    assert (flap["down_ns"], flap["up_ns"]) == (10**6, 10**6), "up: as down"
    assert (hog["host"], hog["sub"], hog["start_ns"]) == (0, 1, 0)
    assert (storm["host"], storm["sub"], storm["size"]) == (1, 0, 60)


def test_a_version_7_database_gets_the_fault_tables(netsim, tmp_path):
    """Schema version 8 added faults, fault_effects and fault_windows; a
    version 7 file keeps its runs and gets them when opened."""
    db = run_scenario(netsim, tmp_path, ROOT / "scenarios" / "default.json")
    con = sqlite3.connect(db)
    con.executescript("DROP VIEW fault_windows; DROP TABLE fault_effects; "
                      "DROP TABLE faults; PRAGMA user_version = 7;")
    runs = con.execute("SELECT * FROM runs").fetchall()
    con.close()
    run([netsim, "run", ROOT / "scenarios" / "storm.json", "--db", db,
         "--quiet"], check=0)
    assert db_rows(db, "PRAGMA user_version") == [(dbcheck.SCHEMA_VERSION,)]
    assert db_rows(db, "SELECT * FROM runs WHERE id = 1") == runs
    assert db_rows(db, "SELECT run_id, kind FROM fault_windows") == [
        (2, "intr_storm")]
