"""Recording observes, never steers: no recording setting changes a run.

Every shipped scenario (but the benchmarks') is run at two seeds under every recording
setting -- record.interval 0, odd intervals (5us, 37us) and the
scenario's own; counters off; per-packet records on; pcap capture on; a
database or none -- and every setting must end with the same exit status
and fingerprint.  A sample boundary once made the running CPU yield and
draw a fresh tiebreak, so 14 of 20 scenarios got another fingerprint at
"37us" than at the default.

Samples must also show the values at their time: a sample at t holds what
happened before t, never what happened after it.
"""
import json
import re
import sqlite3
import struct
import sys

import pytest

from harness import ROOT, run

sys.path.insert(0, str(ROOT / "scripts"))
import fingerprints  # noqa: E402

SEEDS = (1, 2)

# name -> (record overrides or None, with a database, with --pcap)
SETTINGS = {
    "interval 0": ({"interval": 0}, False, False),
    "interval 5us": ({"interval": "5us"}, False, False),
    "interval 37us": ({"interval": "37us"}, False, False),
    "interval 37us, database": ({"interval": "37us"}, True, False),
    "own record, database": (None, True, False),
    "counters off, database": ({"counters": False}, True, False),
    "packets, database": ({"packets": True}, True, False),
    "pcap": (None, False, True),
}
# The benchmarks' scenarios (bench/scenarios) are left out: they take
# seconds a run and write hundreds of megabytes of records, and the code
# that kept the schedule from moving is the same for every scenario.


CUT_ABOVE, CUT_TO = "10s", "1s"
UNITS_NS = {"ns": 1, "us": 10**3, "ms": 10**6, "s": 10**9}


def duration_ns(text):
    """A scenario duration ("110s", "300ms", or integer ns) in ns."""
    if isinstance(text, int):
        return text
    m = re.fullmatch(r"([\d.]+)\s*(ns|us|ms|s)", text)
    assert m, f"a duration this test cannot read: {text!r}"
    return float(m[1]) * UNITS_NS[m[2]]


def outcome(netsim, path, seed, db=None, pcap=None, extra=()):
    """(exit status, fingerprint) of one run."""
    cmd = [netsim, "run", path, "--seed", seed, "--quiet", *extra]
    if db is not None:
        cmd += ["--db", db]
    if pcap is not None:
        cmd += ["--pcap", pcap]
    p = run(cmd, timeout=600)
    fp = p.stdout.strip().splitlines()[-1]
    assert fp.startswith("fingerprint "), (
        f"exit {p.returncode}, no fingerprint: {' '.join(map(str, cmd))}\n"
        f"{p.stderr[-2000:]}")
    return p.returncode, fp.split()[1]


@pytest.mark.parametrize("scenario", [
    s for s in fingerprints.scenarios() if not s.startswith("bench/")])
def test_no_recording_setting_changes_the_run(netsim, tmp_path, scenario):
    settings = SETTINGS
    doc = json.loads((ROOT / scenario).read_text())
    # A sweep's points are runs like any: one point (each path at its
    # last value), not the whole campaign, under every setting.
    # (A value that is not a string goes as JSON: true, not Python's True.)
    extra = [a for path, values in doc.get("sweep", {}).items()
             if path != "seeds" for a in ("--set", f"{path}=" + (
                 values[-1] if isinstance(values[-1], str)
                 else json.dumps(values[-1])))]
    # A scenario of minutes is cut to its first CUT_TO of virtual time,
    # with and without recording alike: sampled every 37 us for minutes,
    # its database would reach the --db-max cap and stop the run (a cap
    # is a different outcome by design, not recording moving the
    # schedule), and the test would take minutes.
    if duration_ns(doc.get("duration", "1s")) > duration_ns(CUT_ABOVE):
        extra += ["--set", f"duration={CUT_TO}"]
    differ = []
    for seed in SEEDS:
        want = outcome(netsim, ROOT / scenario, seed, extra=extra)
        for name, (record, with_db, with_pcap) in settings.items():
            tag = f"{seed}-{name.replace(' ', '_').replace(',', '')}"
            path = ROOT / scenario
            if record is not None:
                d = json.loads(json.dumps(doc))
                d.setdefault("record", {}).update(record)
                path = tmp_path / f"{tag}.json"
                path.write_text(json.dumps(d))
            got = outcome(netsim, path, seed,
                          db=tmp_path / f"{tag}.db" if with_db else None,
                          pcap=tmp_path / f"{tag}.pcap" if with_pcap
                          else None, extra=extra)
            if got != want:
                differ.append(f"seed {seed}, {name}: exit {got[0]} "
                              f"fingerprint {got[1]}, without recording "
                              f"exit {want[0]} fingerprint {want[1]}")
    assert not differ, f"{scenario}:\n" + "\n".join(differ)


def pcap_times_ns(path):
    """The arrival time (ns) of every frame in a nanosecond pcap file."""
    data = path.read_bytes()
    magic, = struct.unpack_from("<I", data, 0)
    assert magic == 0xa1b23c4d, f"{path}: not a nanosecond pcap"
    times, off = [], 24
    while off < len(data):
        sec, nsec, incl, _ = struct.unpack_from("<IIII", data, off)
        times.append(sec * 1_000_000_000 + nsec)
        off += 16 + incl
    return times


def test_a_sample_holds_the_values_of_its_time(netsim, tmp_path):
    """A ping over a link with 5 ms of delay, counters sampled every 1 ms:
    the link's rx_frames sampled at t counts exactly the frames that
    arrived before t (their times from the link's capture).  When nothing
    ran between two boundaries but an event after them, the samples at
    the later boundaries once showed that event's effects early: a frame
    arriving at 5 ms was counted at 2 ms."""
    doc = json.loads((ROOT / "scenarios/net/two-hosts.json").read_text())
    doc["workload"] = [{"program": "ping", "host": "a", "dst": "10.0.0.2",
                        "count": 2, "interval": "10ms", "timeout": "50ms"}]
    doc["links"][0]["delay"] = "5ms"
    doc["record"] = {"interval": "1ms"}
    sc = tmp_path / "ping.json"
    sc.write_text(json.dumps(doc))
    db = tmp_path / "r.db"
    run([netsim, "run", sc, "--db", db, "--pcap", tmp_path / "pcap",
         "--quiet"], check=0)
    arrived = pcap_times_ns(tmp_path / "pcap" / "ab.pcap")
    assert len(arrived) >= 6        # ARP both ways, two echoes both ways
    con = sqlite3.connect(db)
    samples = con.execute(
        "SELECT t_ns, sum(value) FROM counters WHERE name IN "
        "('link.ab.ab.rx_frames', 'link.ab.ba.rx_frames') "
        "GROUP BY t_ns ORDER BY t_ns").fetchall()
    assert len(samples) > 20
    wrong = [(t, v, sum(1 for a in arrived if a < t)) for t, v in samples
             if v != sum(1 for a in arrived if a < t)]
    assert not wrong, ("(t_ns, sampled rx_frames, frames arrived before "
                       f"t_ns): {wrong[:10]}; arrivals {arrived}")
