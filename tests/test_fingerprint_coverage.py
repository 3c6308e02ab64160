"""The fingerprint covers what a run computes, not only when things
happened: every frame's bytes as it crosses a wire, what programs report
(their printed lines) and the final value of every counter.

UDP payloads of 16, 17 and 18 bytes all make minimal 60-byte frames, so
every time, CPU and kind in the run is the same; only the bytes differ.
The fingerprint used to see times and ids only, and gave all three the
same value while 88 counter samples differed.
"""
import json

import pytest

from harness import ROOT, run

SIZES = (16, 17, 18)


def two_hosts(size):
    """A sends 200 datagrams over a link to an echo on b."""
    doc = json.loads((ROOT / "scenarios/net/two-hosts.json").read_text())
    doc["workload"] = [
        {"program": "udp_echo", "host": "b", "port": 7},
        {"program": "udp_send", "host": "a", "dst": "10.0.0.2", "port": 7,
         "rate": "20kpps", "size": size, "count": 200, "timeout": "20ms"}]
    return doc


def two_branes(size):
    """One host, brane a sends to a udp_sink in brane b over a virtual
    pair (no wire: the sink's byte counter tells the sizes apart)."""
    return {
        "name": "two-branes", "duration": "1s",
        "hosts": [{"name": "box", "cpus": 2,
                   "vpairs": [{"a": {"name": "vp0a", "addr": "10.0.1.1/24",
                                     "brane": "a"},
                               "b": {"name": "vp0b", "addr": "10.0.1.2/24",
                                     "brane": "b"}}],
                   "branes": [{"name": "a"}, {"name": "b"}]}],
        "workload": [
            {"program": "udp_sink", "brane": "b", "port": 9},
            {"program": "udp_send", "brane": "a", "dst": "10.0.1.2",
             "port": 9, "size": size, "count": 200, "echo": False}]}


def fingerprint(netsim, path):
    p = run([netsim, "run", path, "--quiet"], check=0)
    return p.stdout.split()[-1]


@pytest.mark.parametrize("make", [two_hosts, two_branes],
                         ids=["over a wire", "between branes"])
def test_payload_sizes_16_17_18_give_three_fingerprints(netsim, tmp_path,
                                                        make):
    fps = {}
    for size in SIZES:
        path = tmp_path / f"udp{size}.json"
        path.write_text(json.dumps(make(size)))
        fps[size] = fingerprint(netsim, path)
        # The same run, the same fingerprint, every time.
        assert fingerprint(netsim, path) == fps[size]
    assert len(set(fps.values())) == len(SIZES), fps


def test_folded_bytes_tell_apart_bits_words_and_lengths(test_bin):
    """sim_fp_mix_bytes at every length from 0 to 300 and 1514: a flipped
    bit, two words swapped or one more zero byte changes the value; the
    same bytes anywhere in memory give the same (tests/c/test_fingerprint.c)."""
    p = run([test_bin("test_fingerprint")], check=0)
    assert p.stdout == "ok\n"
