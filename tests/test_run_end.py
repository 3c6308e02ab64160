"""When a run ends: as soon as its workload is done, never stalled by
time arithmetic, never held up by a daemon sleeping on a timer."""
import json
import re

from conftest import run

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
