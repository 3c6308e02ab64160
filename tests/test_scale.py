"""Many hosts in one run (issue 14, "Scale is where it breaks").

A scenario may have as many hosts, programs, switches and links as memory
allows (the loader's bounds are far past 10,000 hosts).  The 10,000-host figures
are `make bench BENCH=scale_` (bench/sim_scale.c); these runs are small.
"""
import json
import sqlite3
import sys

from harness import ROOT, run

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


def test_generator_is_deterministic(tmp_path):
    a = gen(tmp_path, 20).read_text()
    b = gen(tmp_path, 20).read_text()
    assert a == b
    sc = json.loads(a)
    # 20 hosts in domains of 8: three domains, three routers in a ring.
    assert [h["name"] for h in sc["hosts"][-3:]] == ["r0", "r1", "r2"]
    assert sum(p["program"] == "udp_send" for p in sc["workload"]) == 20
