"""Many hosts in one run (issue 14, "Scale is where it breaks").

A scenario may have as many hosts, programs, switches and links as memory
allows (the loader's bounds are far past 10,000 hosts), and a host's
memory follows what it touches: receive clusters a NIC's ring holds but
no frame has landed in take no resident memory.  The 10,000-host figures
are `make bench BENCH=scale_` (bench/sim_scale.c); these runs are small.
"""
import json
import os
import re
import sqlite3
import sys

import pytest

from harness import ROOT, VARIANT, ok_summary, run

GEN = ROOT / "scripts" / "gen_scale.py"


def gen(tmp_path, n, *args):
    path = tmp_path / f"scale-{n}.json"
    run([sys.executable, GEN, n, "--out", path, *args], check=0)
    return path


def total(con, where):
    return con.execute("SELECT coalesce(sum(value), 0) FROM counter_last "
                       "WHERE " + where).fetchone()[0]


def test_300_hosts_run_and_the_books_add_up(netsim, tmp_path):
    """More hosts than the old limit of 256 (and more programs than its
    1,024... at 600 here, links 338): the run ends normally and every
    datagram sent is taken by a sink or counted as dropped."""
    path = gen(tmp_path, 300, "--total", "3000")
    sc = json.loads(path.read_text())
    assert len(sc["hosts"]) > 256
    db = tmp_path / "r.db"
    run([netsim, "run", path, "--db", db, "--quiet"], check=0)
    con = sqlite3.connect(db)
    sent = total(con, "name GLOB 'udp.*.sent'")
    taken = total(con, "name GLOB 'udp_sink*.received'")
    drops = total(con, "name GLOB 'udp.*.full*' OR name GLOB '*drop*'")
    assert sent == 3000
    assert sent == taken + drops
    assert taken > 0.99 * sent
    # Every host's sink took its neighbour's flow.
    hosts = con.execute("SELECT count(DISTINCT host) FROM counter_last "
                        "WHERE name GLOB 'udp_sink*.received' AND value > 0"
                        ).fetchone()[0]
    assert hosts == 300


def test_a_network_of_30000_hosts_loads_and_its_ends_are_checked(netsim,
                                                                 tmp_path):
    """A generated network of 30,000 end hosts (33,750 with the routers,
    37,500 links, 60,000 programs: 19 MB of JSON) loads like any other
    scenario.  Before, a file over 16 MiB was refused, and the loader found
    a host or switch by name, and the link that already uses an end, by
    walking every one before it: 38 s for this file.  A NIC given to two
    links at the far ends of the file is still refused, naming the first."""
    path = gen(tmp_path, 30000)
    assert path.stat().st_size > 16 << 20
    p = run([netsim, "validate", path], check=0)
    assert "33750 hosts, 60000 programs" in p.stdout
    sc = json.loads(path.read_text())
    last = len(sc["links"]) - 1
    sc["links"][last]["a"] = sc["links"][0]["a"]
    path.write_text(json.dumps(sc))
    p = run([netsim, "validate", path], check=2)
    assert (f"$.links[{last}].a: expected a NIC or switch port no other link "
            f"uses, got \"{sc['links'][0]['a']}\" (the a end of $.links[0], "
            f"{sc['links'][0]['name']}, too)") in p.stderr, p.stderr


def test_generator_is_deterministic(tmp_path):
    a = gen(tmp_path, 20).read_text()
    b = gen(tmp_path, 20).read_text()
    assert a == b
    sc = json.loads(a)
    # 20 hosts in domains of 8: three domains, three routers in a ring.
    assert [h["name"] for h in sc["hosts"][-3:]] == ["r0", "r1", "r2"]
    assert sum(p["program"] == "udp_send" for p in sc["workload"]) == 20


def test_generator_same_work_a_host_at_every_n(tmp_path):
    """--count and --rate (what the scale bench uses): every host sends
    the same datagrams at the same rate whatever N, so the model's work a
    datagram does not change with N; without them, --total/N a host."""
    for n in (10, 100):
        sc = json.loads(gen(tmp_path, n, "--count", "7", "--rate",
                            "50").read_text())
        sends = [p for p in sc["workload"] if p["program"] == "udp_send"]
        assert len(sends) == n
        assert {(p["count"], p["rate"]) for p in sends} == {(7, "50pps")}
    sc = json.loads(gen(tmp_path, 100, "--total", "1000").read_text())
    assert {p["count"] for p in sc["workload"]
            if p["program"] == "udp_send"} == {10}


def test_generator_staggers_the_senders(tmp_path):
    """--stagger (what the scale bench uses): the senders start evenly
    over one interval, host i at i/N of it, so they send out of step as
    independent hosts do; without it every host sends at the same
    instants, a burst of N datagrams at once."""
    def starts(*args):
        sc = json.loads(gen(tmp_path, 100, "--count", "7", "--rate", "50",
                            *args).read_text())
        return [p.get("start") for p in sc["workload"]
                if p["program"] == "udp_send"]

    assert starts("--stagger") == [f"{i * 200000}ns" for i in range(100)]
    assert starts() == [None] * 100


TIME = "/usr/bin/time"


def peak_rss_kb(cmd):
    """The peak resident set of cmd's process, as GNU time measures it:
    its parent is small, so the figure is cmd's own (a child forked from
    this Python would start with Python's)."""
    p = run([TIME, "-f", "maxrss %M", *cmd], check=0)
    return int(re.search(r"^maxrss (\d+)$", p.stderr, re.M).group(1))


def two_hosts(tmp_path, ring):
    sc = {
        "name": f"ring-{ring}",
        "hosts": [
            {"name": "a", "nics": [{"name": "wm0", "addr": "10.0.0.1/24",
                                    "rx_ring": ring}]},
            {"name": "b", "nics": [{"name": "wm0", "addr": "10.0.0.2/24",
                                    "rx_ring": ring}]},
        ],
        "links": [{"name": "ab", "a": "a.wm0", "b": "b.wm0"}],
        "workload": [
            {"program": "udp_sink", "host": "b", "port": 9},
            {"program": "udp_send", "host": "a", "dst": "10.0.0.2",
             "port": 9, "count": 10, "rate": "1kpps", "echo": False},
        ],
    }
    path = tmp_path / f"ring-{ring}.json"
    path.write_text(json.dumps(sc))
    return path


@pytest.mark.skipif(VARIANT not in ("release", "clang"),
                    reason="sanitizer builds write shadow memory for every "
                    "block they hand out")
@pytest.mark.skipif(not os.access(TIME, os.X_OK), reason="no GNU time")
def test_untouched_receive_clusters_cost_no_memory(netsim, tmp_path):
    """Two hosts whose NICs post 4,096 receive clusters (8 MiB each) but
    take ten frames: the 3,840 descriptors more than a ring of 256 cost
    their descriptor, mbuf and DMA map (about 900 bytes), not their 2 KiB
    cluster too, which no frame has touched.  Before, every cluster was
    filled (0xa5 by kmem_alloc, then the pool's poison) at boot: about
    2,800 bytes a descriptor."""
    small = peak_rss_kb([netsim, "run", two_hosts(tmp_path, 256), "--quiet",
                         "--db", tmp_path / "s.db"])
    big = peak_rss_kb([netsim, "run", two_hosts(tmp_path, 4096), "--quiet",
                       "--db", tmp_path / "b.db"])
    per_descriptor = (big - small) * 1024 / (2 * (4096 - 256))
    assert per_descriptor < 1500, per_descriptor


@pytest.mark.skipif(VARIANT not in ("release", "clang"),
                    reason="sanitizer builds write shadow memory for every "
                    "block they hand out")
@pytest.mark.skipif(not os.access(TIME, os.X_OK), reason="no GNU time")
def test_a_booted_host_costs_what_it_touches(netsim, tmp_path):
    """A generated network of 96 hosts against one of 16 (one datagram a
    host, so the figure is what boot leaves): what a host adds to the
    resident set, its routers' share in.  Each still posts 256 receive
    descriptors with their clusters, mbufs and DMA maps, but what boot
    does not touch costs nothing: a DMA map of one segment is 64 bytes,
    not 256; a pool's slab records sit in its depot's block, not in a
    header on a page of the slab; slabs and rings are cut apart from the
    small objects, so an unused slab shares no page with a used one; a
    socket's pcq writes no slot until it is used; a NIC's trace arrays
    come when it traces.  Before: 578 KB a host; now about 330 KB."""
    def rss(n):
        path = gen(tmp_path, n, "--count", "1")
        hosts = len(json.loads(path.read_text())["hosts"])
        return hosts, peak_rss_kb([netsim, "run", path, "--quiet",
                                   "--db", tmp_path / f"c{n}.db"])

    (h0, small), (h1, big) = rss(16), rss(96)
    per_host = (big - small) * 1024 / (h1 - h0)
    assert per_host < 420 * 1024, per_host


def test_a_host_s_hot_state_lies_side_by_side(test_bin, tmp_path):
    """What every event on a host touches -- its simulated CPUs, its
    cache-line table, its small kernel objects (sockets, softc, PCBs,
    pool caches), its LWPs' structures -- lies in the machine's hot pool:
    each host's first blocks of it side by side (its CPUs, its line table
    and its first 64 KiB of small kernel memory: about 73 KiB), the hosts
    one after another in a few large mappings, not spread over malloc's
    heap among everything else and a mapping of its own a host.  Before:
    the CPUs and the line table in malloc's heap, the kernel memory in a
    mapping of its own, gigabytes apart."""
    path = gen(tmp_path, 16, "--count", "2")
    p = run([test_bin("test_scale"), "hot", path], check=0)
    ok = ok_summary(p, "hot", ints=True)
    assert ok["hosts"] == 18            # 16 and their two routers
    assert ok["span_max"] <= 96 * 1024, ok
    assert ok["outside"] == 0, ok


def test_hosts_priced_alike_read_one_probe_table(test_bin, tmp_path):
    """Every static probe a datagram passes reads its price from its
    host's probe table; hosts whose prices are the same read the same
    table, so a thousand hosts do not each keep one that a probe has to
    fetch from memory (bench/README.md, "Thousands of hosts, fourth
    pass": 13 fewer cache misses a datagram at 1,000 hosts).  A host
    priced otherwise keeps its own.  Before: one table a host."""
    path = gen(tmp_path, 16, "--count", "1")
    p = run([test_bin("test_scale"), "probes", path], check=0)
    ok = ok_summary(p, "probes", ints=True)
    assert ok == {"hosts": 18, "tables": 1}, ok
    sc = json.loads(path.read_text())
    sc["hosts"][5]["cost"] = {"probes": {"udp:output": "1ns"}}
    path.write_text(json.dumps(sc))
    p = run([test_bin("test_scale"), "probes", path], check=0)
    ok = ok_summary(p, "probes", ints=True)
    assert ok == {"hosts": 18, "tables": 2}, ok
