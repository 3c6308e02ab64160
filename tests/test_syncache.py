"""The syncache and SYN cookies (issue 13 item 3; stack/netinet/
tcp_syncache.c) and the SYN-flood study, scenarios/net/syn-flood.json:
a client making a short connection every 2 ms to a server whose
listener is flooded with 20k spoofed SYNs a second, through a router.

Without a syncache the flood holds the listener's backlog of half-open
connections and the client's SYNs are dropped: its connections fail.
With one the flood's half-open connections fill the table, then get
cookies, and the client's connections complete at their offered rate
(each through a cookie).  A forged cookie is refused and counted; the
counters add up as tcp_syncache.h and tcp_var.h say; nothing is left
once the half-open entries have expired; the campaign's report shows
the two points side by side.
"""
import html.parser
import json
import sqlite3

from harness import ROOT, run, binary

NETSIM = binary("netsim")
SCENARIO = ROOT / "scenarios/net/syn-flood.json"
SYNCACHE = "hosts[3].branes[0].syncache"
OFFERED = 100                   # the client's connections (the scenario)


def _run(tmp_path, *sets, name="r.db", seed=1):
    db = tmp_path / name
    args = [NETSIM, "run", SCENARIO, "--seed", seed, "--db", db]
    for s in sets:
        args += ["--set", s]
    p = run(args, check=0)
    con = sqlite3.connect(db)
    c = {(h, n): v for h, n, v in con.execute(
        "SELECT host, name, value FROM counter_last")}
    conns = con.execute("SELECT offered, ok, failed, missed, connect_p50_ns, "
                        "connect_p99_ns FROM tcp_conns").fetchone()
    kmem = con.execute("SELECT min_bytes, peak_bytes, last_bytes FROM "
                       "kmem_usage WHERE host = 'server'").fetchone()
    # Mbufs out at the end, per host (the pool's counters are per CPU).
    c.update({(h, "mbufs_out"): v for h, v in con.execute(
        "SELECT host, sum(CASE name WHEN 'mbpl.get' THEN value ELSE -value "
        "END) FROM counter_last WHERE name IN ('mbpl.get', 'mbpl.put') "
        "GROUP BY host")})
    con.close()
    return p, c, conns, kmem


def _sc(c, name):
    return c.get(("server", f"tcp.default.sc_{name}"), 0)


def _tcp(c, host, name):
    return c.get((host, f"tcp.default.{name}"), 0)


def test_without_a_flood_every_short_connection_completes(tmp_path):
    # No flood (one SYN), no syncache: the core's listener.  The client
    # sends its request right after connect returns, so the handshake's
    # ACK and the request both reach the listener's queue before its
    # receive work runs; the request must go to the new connection (the
    # listener once answered it with a reset: every connection failed).
    p, c, conns, _ = _run(tmp_path, f"{SYNCACHE}=false",
                          "workload[1].count=1")
    assert p.returncode == 0, p.stdout + p.stderr
    assert conns[:4] == (OFFERED, OFFERED, 0, 0)
    assert conns[5] < 1_000_000         # p99: a round trip, no timeout
    assert c[("server", "tcp_server.responses")] == OFFERED
    assert _tcp(c, "client", "rcvrst") == 0


def test_without_syncache_the_flood_starves_legitimate_connections(tmp_path):
    p, c, conns, kmem = _run(tmp_path, f"{SYNCACHE}=false")
    assert p.returncode == 0, p.stdout + p.stderr
    offered, ok, failed, missed, p50, p99 = conns
    assert offered == OFFERED
    # The backlog (16) is full of the flood's half-open connections for
    # the whole run (each lives 63 s of SYN-ACK retries): the client's
    # SYNs are dropped, its connects time out, the rest are missed.
    assert ok <= OFFERED // 10, conns
    assert failed >= 1 and failed + missed >= OFFERED * 9 // 10
    assert _tcp(c, "server", "listendrop") > 4000
    assert not any(n.startswith("tcp.default.sc_") for _, n in c)


def test_with_syncache_legitimate_connections_complete(tmp_path):
    p, c, conns, kmem = _run(tmp_path, f"{SYNCACHE}=true")
    assert p.returncode == 0, p.stdout + p.stderr
    offered, ok, failed, missed, p50, p99 = conns
    assert (offered, ok, failed, missed) == (OFFERED, OFFERED, 0, 0)
    # Connects take a round trip plus the listener's batching (the
    # continuation runs a tick after the first SYN queued: 1 ms at hz
    # 1000), never a SYN retransmission (1 s).
    assert p99 < 5_000_000, conns
    assert c[("server", "tcp_server.accepted")] == OFFERED
    # The table filled, then the flood got cookies: so did the client
    # (its first connections may have come in while there was room).
    assert _sc(c, "entries") == 512
    assert _sc(c, "cookies_sent") > 4000
    assert _sc(c, "cookies_ok") > OFFERED // 2
    assert _sc(c, "completed") + _sc(c, "cookies_ok") == OFFERED
    assert _sc(c, "cookies_bad") == 0
    # The entries cost kernel memory the listener's few did not.
    _, _, kmem_off = _run(tmp_path, f"{SYNCACHE}=false", name="off.db")[1:]
    assert kmem[1] > kmem_off[1] + 32 * 1024


def _identities(c):
    syns = _sc(c, "added") + _sc(c, "dupsyn") + _sc(c, "cookies_sent") + \
        _sc(c, "qfull")
    assert _sc(c, "syns") == syns
    assert _sc(c, "added") == _sc(c, "completed") + _sc(c, "expired") + \
        _sc(c, "dropped") + _sc(c, "entries")
    assert _sc(c, "acks") == _sc(c, "completed") + _sc(c, "badack") + \
        _sc(c, "cookies_ok") + _sc(c, "cookies_bad") + _sc(c, "ackqfull")
    assert _sc(c, "entries") <= 512
    for h in ("server", "client"):
        t = lambda n: _tcp(c, h, n)     # noqa: E731
        assert t("received") == sum(t(n) for n in (
            "hdrops", "badoff", "noport", "badsum_noport", "fullpcq",
            "delivered"))
        assert t("delivered") >= t("lazy_lwp") + t("lazy_kcont") + \
            t("demux_ack") + t("closed")
        assert t("lazy_lwp") + t("lazy_kcont") + t("demux_ack") == sum(
            t(n) for n in ("badsum", "badopt", "dropped", "processed"))


def test_counters_add_up(tmp_path):
    _, c, _, _ = _run(tmp_path, f"{SYNCACHE}=true")
    _identities(c)


def test_forged_cookie_acks_are_refused(tmp_path):
    # The attacker sends 2000 forged handshake ACKs (random ack numbers)
    # after its SYNs have filled the table: none is a cookie of the
    # server's, each is counted and answered with a reset, and no
    # connection is made from them.  The ACKs come at 20 kpps, a rate
    # the listener's receive PCQ (sized to its buffer, as every stream
    # socket's) keeps up with, so every one reaches the syncache; the
    # SYNs at 100 kpps overflow it a little (fullpcq).
    sc = json.loads(SCENARIO.read_text())
    flood = sc["workload"][1]
    sc["workload"][1] = dict(flood, count=1000, rate="100kpps")
    sc["workload"].append(dict(flood, count=2000, rate="20kpps",
                               flags="ack", start="100ms"))
    sc["workload"][2]["count"] = 20
    del sc["sweep"]
    sc["hosts"][3]["branes"][0]["syncache"] = True
    path = tmp_path / "forged.json"
    path.write_text(json.dumps(sc))
    db = tmp_path / "forged.db"
    p = run([NETSIM, "run", path, "--db", db], check=0)
    assert p.returncode == 0, p.stdout + p.stderr
    assert "2000 ACKs sent to port 80, 0 refused" in p.stdout
    con = sqlite3.connect(db)
    c = {(h, n): v for h, n, v in con.execute(
        "SELECT host, name, value FROM counter_last")}
    assert _sc(c, "cookies_bad") == 2000
    assert _sc(c, "cookies_ok") == 20           # the client's, genuine
    assert c[("server", "tcp_server.accepted")] == 20
    assert _tcp(c, "server", "sndrst") >= 2000
    _identities(c)


def test_entries_expire_and_nothing_leaks(tmp_path):
    # A short flood, then quiet until every entry has had its SYN-ACK
    # retries (1 + 2 + ... + 64 s: 127 s) and expired: the table is
    # empty, every connection block freed, and the mbufs in use are
    # those of a run without the flood.
    common = ["duration=130s", "record.interval=1s", "workload[2].count=20",
              f"{SYNCACHE}=true"]
    _, c, conns, _ = _run(tmp_path, *common, "workload[1].count=2000")
    assert conns[1] == 20
    # The flood's 512 entries expired; the client's completed.
    assert _sc(c, "entries") == 0
    assert _sc(c, "added") == 512 + _sc(c, "completed")
    assert _sc(c, "expired") == 512
    assert _sc(c, "rexmit") == 512 * 6
    _identities(c)
    for h, n in (("server", "tcp_server.accepted"), ("client",
                                                      "tcp_client.connects")):
        assert c[(h, n)] == 20
    assert _tcp(c, "server", "tcbfreed") == 20
    assert _tcp(c, "client", "tcbfreed") == 20
    _, quiet, _, _ = _run(tmp_path, *common, "workload[1].count=1",
                          name="quiet.db")
    for h in ("server", "client", "router"):
        assert c[(h, "mbufs_out")] == quiet[(h, "mbufs_out")], h


class _Report(html.parser.HTMLParser):
    """The connections section: its table's rows and its figures."""

    def __init__(self):
        super().__init__()
        self.inside = False
        self.rows, self.row, self.cell = [], None, None
        self.figures = 0

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "h2":
            self.inside = a.get("id") == "connections"
        elif self.inside and tag == "tr":
            self.row = []
        elif self.inside and tag in ("td", "th") and self.row is not None:
            self.cell = ""
        elif self.inside and tag == "figure":
            self.figures += 1

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self.cell is not None:
            self.row.append(self.cell.strip())
            self.cell = None
        elif tag == "tr" and self.row is not None:
            self.rows.append(self.row)
            self.row = None

    def handle_data(self, data):
        if self.cell is not None:
            self.cell += data


def test_campaign_report_compares_the_two_points(tmp_path):
    db = tmp_path / "camp.db"
    p = run([NETSIM, "run", SCENARIO, "--db", db, "--jobs", "2",
             "--no-progress"], check=0)
    assert p.returncode == 0, p.stdout + p.stderr
    assert "2 points: 2 ok, 0 failed" in p.stdout
    out = tmp_path / "camp.html"
    run([NETSIM, "report", db, "--campaign", "1", "-o", out])
    r = _Report()
    r.feed(out.read_text())
    head, *rows = r.rows
    assert head[:4] == ["run", "point", "offered/s", "completed/s"]
    by_point = {row[1]: dict(zip(head, row)) for row in rows}
    off, on = by_point["syncache=false"], by_point["syncache=true"]
    assert float(off["completed/s"]) < float(on["completed/s"]) / 10
    assert float(on["completed/s"]) == float(on["offered/s"])
    assert off["connect p50 µs"] == "" and on["connect p50 µs"] != ""
    assert int(on["server kmem peak KiB"].replace(",", "")) > \
        int(off["server kmem peak KiB"].replace(",", ""))
    assert r.figures == 3
