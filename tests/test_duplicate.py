"""Duplicated frames on the wire (issue 13, item 5: "every byte delivered
in order exactly once ... with loss, reordering, duplication and link
flaps"): a fault of kind duplicate copies frames of a link.

A user's claims checked here:
  * each copy is a real second frame: its own pcap record, byte for byte
    the original, arriving after it (by one serialisation time unless
    the fault gives a delay), and tshark reads them all;
  * the counts add up: datagrams sent + copies made = datagrams received,
    and the link's counter, the fault's row and its effects agree;
  * a duplicate fault is checked like any other key (file:line:col and
    JSON path), and a scenario without one runs as before (the pinned
    fingerprints say so).
The TCP cases (bulk transfer with duplication, with and without loss
and reordering) are in test_tcp.py beside the other faults.
"""
import json
import shutil
import sqlite3
import subprocess

import pytest

from harness import binary, run

NETSIM = binary("netsim")
SENT = 2000


def _scenario(tmp_path, fault, pcap=False):
    """udp_send on tx sends SENT datagrams to udp_sink on rx over l0."""
    link = {"name": "l0", "a": "tx.wm0", "b": "rx.wm0", "rate": "1Gbit",
            "delay": "10us"}
    if pcap:
        link["pcap"] = str(tmp_path / "l0.pcap")
    return {
        "name": "dup", "duration": "100ms",
        "hosts": [
            {"name": "tx", "cpus": 1,
             "nics": [{"name": "wm0", "addr": "10.0.0.1/24"}]},
            {"name": "rx", "cpus": 1,
             "nics": [{"name": "wm0", "addr": "10.0.0.2/24",
                       "rx_ring": 1024}]}],
        "links": [link],
        "workload": [
            {"program": "udp_sink", "host": "rx", "port": 9},
            {"program": "udp_send", "host": "tx", "dst": "10.0.0.2",
             "port": 9, "rate": "100kpps", "size": 100, "count": SENT,
             "echo": False, "start": "1ms"}],
        "faults": [fault],
    }


def _run(tmp_path, doc, seed=1):
    path = tmp_path / "s.json"
    path.write_text(json.dumps(doc))
    db = tmp_path / "s.db"
    run([NETSIM, "run", path, "--seed", seed, "--db", db, "--quiet"],
        check=0)
    con = sqlite3.connect(db)
    try:
        c = {(h, n): v for h, n, v in con.execute(
            "SELECT host, name, value FROM counter_last")}
        eff = dict(con.execute("SELECT name, value FROM fault_effects"))
        faults = con.execute("SELECT kind, target, parameters "
                             "FROM faults").fetchall()
    finally:
        con.close()
    return c, eff, faults


def test_udp_counts_add_up(tmp_path):
    """5% duplication tx to rx from 2 ms (after ARP, so every frame it
    judges is a datagram): rx receives every datagram, and one more for
    every copy; the link, the fault's effects and the sink agree."""
    c, eff, faults = _run(tmp_path, _scenario(tmp_path, {
        "kind": "duplicate", "target": "l0", "start": "2ms", "end": "1s",
        "probability": 0.05, "dir": "ab"}))
    dup = c[(None, "link.l0.ab.duplicated")]
    assert 60 <= dup <= 140, "about 5% of 2,000"
    assert c[("tx", "udp_send.sent")] == SENT
    # The first datagrams wait for ARP; what its hold queue drops never
    # reaches the wire.
    held = c[("tx", "arp.wm0.hold_drops")]
    assert c[("rx", "udp_sink.received")] == SENT - held + dup
    assert eff["duplicated"] == dup
    assert eff["frames"] == SENT - 100, "100 kpps: 100 sent before 2 ms"
    assert c.get((None, "link.l0.ab.drops_dup_nomem"), 0) == 0
    assert (None, "link.l0.ba.duplicated") not in c, "dir ab only"
    assert faults == [("duplicate", "l0", json.dumps(
        {"probability": 0.05, "dir": "ab", "delay_ns": 0}))]


def test_the_same_seed_duplicates_the_same_frames(tmp_path):
    doc = _scenario(tmp_path, {"kind": "duplicate", "target": "l0",
                               "count": 500, "probability": 0.1})
    runs = [_run(tmp_path, doc, seed)[1] for seed in (1, 1, 2)]
    assert runs[0] == runs[1]
    assert runs[0]["frames"] == 501, "count 500 on ab; ba's one ARP reply"
    assert runs[0] != runs[2]


def _tshark(*args):
    exe = shutil.which("tshark")
    if exe is None:
        pytest.skip("tshark is not installed (scripts/setup-deps)")
    return subprocess.run([exe, *map(str, args)], check=True,
                          capture_output=True, text=True).stdout


@pytest.mark.parametrize("delay,want_ns", [(None, 1328), ("3us", 3000)])
def test_tshark_sees_each_copy_after_its_original(tmp_path, delay, want_ns):
    """A 100-byte datagram is a 142-byte frame, 1,328 ns of wire at
    1 Gbit/s (142 + 4 + 8 + 12 bytes): the copy is its own capture record
    with the same bytes, that long (or the fault's delay) later."""
    fault = {"kind": "duplicate", "target": "l0", "start": "2ms",
             "end": "1s", "probability": 0.05, "dir": "ab"}
    if delay is not None:
        fault["delay"] = delay
    c, eff, _ = _run(tmp_path, _scenario(tmp_path, fault, pcap=True))
    rows = [line.split("\t") for line in _tshark(
        "-r", tmp_path / "l0.pcap", "-d", "udp.port==9,data", "-Y",
        "udp.dstport == 9", "-T",
        "fields", "-e", "frame.time_epoch", "-e", "ip.id",
        "-e", "frame.len", "-e", "data.data").splitlines()]
    held = c[("tx", "arp.wm0.hold_drops")]
    assert len(rows) == SENT - held + eff["duplicated"]
    seen = {}
    copies = 0
    for t, ipid, length, data in rows:
        t_ns = round(float(t) * 1e9)
        if ipid in seen:
            copies += 1
            assert abs(t_ns - seen[ipid][0] - want_ns) <= 100, \
                "float seconds: within 100 ns"
            assert data == seen[ipid][1], "the same bytes"
        else:
            seen[ipid] = (t_ns, data)
        assert length == "142" and data
    assert copies == eff["duplicated"] == c[(None, "link.l0.ab.duplicated")]


BAD = [
    ({"kind": "duplicate", "target": "l0", "end": "1ms"},
     "$.faults[0]", '{"kind"', ['missing required key "probability"']),
    ({"kind": "duplicate", "target": "l0", "end": "1ms", "probability": 2},
     "$.faults[0].probability", "2}",
     ["expected a probability from 0 to 1"]),
    ({"kind": "duplicate", "target": "l9", "end": "1ms",
      "probability": 0.1}, "$.faults[0].target", '"l9"',
     ["expected a link's name (one of l0)"]),
    ({"kind": "duplicate", "target": "l0", "end": "1ms",
      "probability": 0.1, "loss": 0.1}, "$.faults[0].loss", '"loss"',
     ['key "loss" does not apply to a fault of kind duplicate']),
]


@pytest.mark.parametrize("fault,path,at,words", BAD)
def test_a_bad_duplicate_fault_names_its_position(tmp_path, fault, path, at,
                                                  words):
    doc = _scenario(tmp_path, fault)
    text = json.dumps(doc)
    f = tmp_path / "bad.json"
    f.write_text(text)
    p = run([NETSIM, "validate", f], check=2)
    off = text.index(at, text.index('"faults"'))
    (line,) = p.stderr.splitlines()
    assert line.startswith(f"{f}:1:{off + 1}: at {path}: "), line
    for w in words:
        assert w in line, line
