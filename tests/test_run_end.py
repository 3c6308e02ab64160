"""When a run ends: as soon as its workload is done, never stalled by
time arithmetic, never held up by a daemon sleeping on a timer."""
import json
import pathlib
import re
import sqlite3

import pytest

from harness import ROOT, run

# Two branes on one host joined by a virtual pair: a sender and a sink.
TWO_BRANES = {
    "name": "two-branes",
    "duration": "1s",
    "hosts": [
        {"name": "box", "cpus": 2,
         "vpairs": [{"a": {"name": "vp0a", "addr": "10.0.1.1/24",
                           "brane": "a"},
                     "b": {"name": "vp0b", "addr": "10.0.1.2/24",
                           "brane": "b"}}],
         "branes": [{"name": "a"}, {"name": "b"}]}],
    "workload": [],
}


def scenario(tmp_path, name, workload, **top):
    doc = json.loads(json.dumps(TWO_BRANES))
    doc["workload"] = workload
    doc.update(top)
    path = tmp_path / f"{name}.json"
    path.write_text(json.dumps(doc))
    return path


def printed_at_ms(out, pattern):
    """The virtual time (ms) of the log line matching pattern."""
    m = re.search(r"^\[\s*([0-9.]+) ms\] .*" + pattern, out, re.M)
    assert m, f"no line matching {pattern!r} in:\n{out[-3000:]}"
    return float(m.group(1))


def test_a_sender_faster_than_its_cpu_sends_flat_out_and_finishes(
        netsim, tmp_path):
    """20 Mpps is more than one CPU can send: the sender is always behind
    its schedule.  It must send as fast as its CPU goes, not compute a
    negative sleep that wraps to 2^31 ticks (24.8 virtual days) and stall
    until the duration ends the run with status 5."""
    sc = scenario(tmp_path, "fast", [
        {"program": "udp_sink", "brane": "b", "port": 9},
        {"program": "udp_send", "brane": "a", "dst": "10.0.1.2", "port": 9,
         "rate": "20Mpps", "count": 100000, "echo": False}])
    p = run([netsim, "run", sc], check=0)
    assert "100000 sent, 0 errors" in p.stdout
    # 100,000 datagrams at well under a microsecond of CPU each.
    assert printed_at_ms(p.stdout, r"udp_send .*100000 sent") < 100


# --- the end rule (README, "When a run ends") -------------------------------

NET = ROOT / "scenarios" / "net"


def run_db(netsim, sc, tmp_path, *args):
    """Run with a database: (stdout, the runs row's end_ns and status, a
    function giving a counter's last value on a host)."""
    db = tmp_path / f"{pathlib.Path(sc).stem}.db"
    p = run([netsim, "run", sc, "--db", db, *args], check=0)
    con = sqlite3.connect(db)
    end_ns, status = con.execute("SELECT end_ns, status FROM runs").fetchone()

    def last(host, name):
        row = con.execute("SELECT value FROM counter_last WHERE host IS ? "
                          "AND name = ?", (host, name)).fetchone()
        return row[0] if row else None
    return p.stdout, end_ns, status, last


@pytest.mark.parametrize("name", ["router", "two-hosts"])
def test_a_run_ends_when_its_workload_is_done(netsim, tmp_path, name):
    """router.json (duration 2 s) and two-hosts.json (1 s): their
    senders are done after about 100 ms (router's echo client some 20 ms
    later when a reply was lost: it waits out its timeout).  A batch
    reader asleep on a 5 ms timer (router's udp_sink), a neighbour's
    retry timer with nothing left to ask, must not keep the run going to
    its duration: it ends within 10 ms of the last program's last line."""
    out, end_ns, status, last = run_db(netsim, NET / f"{name}.json",
                                       tmp_path)
    assert status == "ok"
    done_ms = max(float(t) for t in re.findall(r"^\[\s*([\d.]+) ms\]", out,
                                               re.M))
    assert 95 <= done_ms <= 130, out
    assert end_ns <= (done_ms + 10) * 1_000_000, (
        f"{name} ended at {end_ns} ns; its workload was done at "
        f"{done_ms} ms")
    # In-flight work completed: every datagram is accounted for.
    if name == "router":
        assert last("server", "udp_sink.received") == 1000
        m = re.search(r"10000 sent, 0 errors, (\d+) received, (\d+) lost",
                      out)
        assert m and int(m[1]) + int(m[2]) == 10000, out
        # What was lost was dropped at the client's full receive ring.
        assert int(m[2]) == (last("client", "nic.wm0.drops_ring_full") or 0)
    else:
        assert "2000 sent, 0 errors, 2000 received, 0 lost" in out


def test_a_batch_reader_takes_what_arrived_after_the_workload_ended(
        netsim, tmp_path):
    """The sender exits while its last datagrams are still on a 2 ms
    link; the sink sleeps 5 ms between batches.  The run must not end
    while the sink sleeps with datagrams waiting for it: its nap, begun
    before they arrived, ends once more and the sink takes them.  Then
    nothing is left but its next nap, and the run ends."""
    doc = json.loads((NET / "two-hosts.json").read_text())
    doc["links"][0]["delay"] = "2ms"
    doc["workload"] = [
        {"program": "udp_sink", "host": "b", "port": 9, "interval": "5ms"},
        # ARP first: datagrams beyond ARP's hold queue would be dropped.
        {"program": "ping", "host": "a", "dst": "10.0.0.2", "count": 1},
        {"program": "udp_send", "host": "a", "dst": "10.0.0.2", "port": 9,
         "rate": "10kpps", "count": 100, "size": 100, "echo": False,
         "start": "20ms"}]
    doc.pop("record")
    sc = tmp_path / "batch.json"
    sc.write_text(json.dumps(doc))
    out, end_ns, status, last = run_db(netsim, sc, tmp_path)
    assert status == "ok"
    sent_ms = printed_at_ms(out, r"udp_send .*100 sent")
    assert last("b", "udp_sink.received") == 100
    assert last("b", "udp_sink.bytes") == 100 * 100
    # The last frames arrive 2 ms after the sender is done; the sink's
    # next batch is at most 5 ms later; then the run ends.
    assert end_ns <= (sent_ms + 2 + 5 + 1) * 1_000_000, (end_ns, sent_ms)


def test_protocol_timers_still_run_after_the_workload(netsim, tmp_path):
    """Datagrams to a neighbour that never answers wait for ARP; the
    sender is done at once, but the run goes on until ARP gives up
    (3 requests, 1 s apart) and the held datagrams are counted as
    dropped -- the stack's own timers are work, not naps."""
    doc = json.loads((NET / "two-hosts.json").read_text())
    doc["duration"] = "10s"
    doc["workload"] = [
        {"program": "udp_send", "host": "a", "dst": "10.0.0.9", "port": 9,
         "count": 3, "echo": False}]
    doc.pop("record")
    sc = tmp_path / "arp.json"
    sc.write_text(json.dumps(doc))
    out, end_ns, status, last = run_db(netsim, sc, tmp_path)
    assert status == "ok"
    assert last("a", "arp.wm0.req_out") == 3
    assert last("a", "arp.wm0.timeouts") == 1
    assert last("a", "ip.default.hostdown") == 3
    assert 3_000_000_000 <= end_ns < 3_100_000_000
