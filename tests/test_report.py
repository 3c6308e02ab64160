"""The report a user reads (`netsim report`, `netsim runs`, `make run`)
and the views it is made of, which a user queries with sqlite3 alike.

The runs are small (two-hosts and router: every packet recorded); one
comparison report of two runs is parsed strictly, and opened in a real
headless Chromium.
"""
import collections
import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import xml.etree.ElementTree as ET

import pytest

from harness import ROOT, run

NET = ROOT / "scenarios" / "net"
REPORT = ROOT / "reports" / "report.py"


def _run(netsim, scenario, db, *extra):
    p = run([netsim, "run", scenario, "--db", db, "--quiet", *extra],
            check=0)
    return p.stdout.split()[-1]


@pytest.fixture(scope="module")
def two_runs(tmp_path_factory):
    """Run 1: two-hosts; run 2: the same with 30 us of wire delay, not 10."""
    from harness import binary
    netsim = binary("netsim")
    d = tmp_path_factory.mktemp("report")
    db = d / "r.db"
    _run(netsim, NET / "two-hosts.json", db)
    slow = json.loads((NET / "two-hosts.json").read_text())
    slow["links"][0]["delay"] = "30us"
    (d / "slow.json").write_text(json.dumps(slow))
    _run(netsim, d / "slow.json", db)
    return netsim, db


@pytest.fixture(scope="module")
def comparison(two_runs, tmp_path_factory):
    netsim, db = two_runs
    out = tmp_path_factory.mktemp("cmp") / "cmp.html"
    p = run([netsim, "report", db, "--run", "1", "--run", "2", "-o", out],
            check=0)
    assert p.stdout == f"report: runs 1, 2 -> {out}\n"
    return out


def test_stage_breakdown_adds_up_to_every_packets_latency(netsim, tmp_path):
    """For every delivered packet, its ns over packet_breakdown add up to
    its latency_ns in packets, exactly; a lost one has no breakdown; and
    a flow's mean per segment adds up to its mean latency."""
    db = tmp_path / "r.db"
    _run(netsim, NET / "two-hosts.json", db)
    _run(netsim, NET / "router.json", db)
    con = sqlite3.connect(db)
    bad = con.execute(
        "SELECT p.run_id, p.pkt_id, p.latency_ns, b.ns FROM packets p "
        "LEFT JOIN (SELECT run_id, pkt_id, sum(ns) AS ns FROM "
        "packet_breakdown GROUP BY run_id, pkt_id) b USING (run_id, pkt_id) "
        "WHERE p.delivered AND b.ns IS NOT p.latency_ns").fetchall()
    assert bad == []
    counts = dict(con.execute(
        "SELECT run_id, count(*) FROM packets WHERE delivered GROUP BY 1"))
    assert counts[1] > 4000 and counts[2] > 20000
    assert con.execute(
        "SELECT count(*) FROM packet_breakdown b JOIN packets p "
        "USING (run_id, pkt_id) WHERE NOT p.delivered").fetchone() == (0,)
    # Every segment of the issue is there, and nothing is "other".
    assert {s for (s,) in con.execute(
        "SELECT DISTINCT segment FROM packet_breakdown")} == {
        "wire", "NIC and DMA", "interrupt", "poll", "IP", "demux",
        "socket queue", "application"}
    # (Against the packets view: a request flow's flow_latency is the
    # program's own measure, a few ns off its stages'.)
    for run_id, flow, n, mean, seg_n, seg_sum in con.execute(
            "SELECT l.run_id, l.flow_id, l.delivered, l.mean_ns, "
            "min(b.packets), sum(b.mean_ns) FROM (SELECT run_id, flow_id, "
            "count(*) AS delivered, avg(latency_ns) AS mean_ns FROM packets "
            "WHERE delivered GROUP BY 1, 2) l "
            "JOIN flow_breakdown b USING (run_id, flow_id) "
            "GROUP BY l.run_id, l.flow_id"):
        assert seg_n == n and seg_sum == pytest.approx(mean, rel=1e-9), \
            (run_id, flow)
    # The wire is the wire: 130 bytes at 1 Gbit/s and 10 us of delay.
    assert con.execute(
        "SELECT min(ns), max(ns) FROM packet_breakdown WHERE run_id = 1 "
        "AND stage = 'wire_rx' AND flow_id = 3").fetchone() == (11040, 11040)


def test_cpu_time_and_counter_rates_account_for_every_ns(two_runs):
    """Each interval of cpu_time is interrupt + soft interrupt +
    continuation + thread + idle exactly; continuations (two-hosts runs
    its receive work in them) are a part of their own, not inside soft
    interrupt or thread time."""
    _, db = two_runs
    con = sqlite3.connect(db)
    kcont = {}
    for host, cpu, busy, parts, span, bad, whole, kc in con.execute(
            "SELECT host, cpu, (SELECT value FROM counter_last l WHERE "
            "l.run_id = 1 AND l.name = 'cpu.busy_ns' AND l.host = t.host "
            "AND l.cpu = t.cpu), "
            "sum(intr_ns + softint_ns + kcont_ns + thread_ns), "
            "sum(interval_ns), sum(idle_ns < 0 OR thread_ns < 0 OR "
            "softint_ns < 0 OR kcont_ns < 0), sum(intr_ns + softint_ns + "
            "kcont_ns + thread_ns + idle_ns = interval_ns), sum(kcont_ns) "
            "FROM cpu_time t WHERE run_id = 1 GROUP BY host, cpu"):
        assert parts == busy and bad == 0, (host, cpu)
        assert span <= 101002339
        kcont[host, cpu] = kc
    assert con.execute("SELECT count(*) FROM cpu_time WHERE intr_ns + "
                       "softint_ns + kcont_ns + thread_ns + idle_ns != "
                       "interval_ns").fetchone() == (0,)
    # Where the machine counted it: the counter's last value.
    assert kcont == {(h, c): v for h, c, v in con.execute(
        "SELECT c.host, c.cpu, coalesce(l.value, 0) FROM (SELECT DISTINCT "
        "host, cpu FROM cpu_time WHERE run_id = 1) c LEFT JOIN counter_last "
        "l ON l.run_id = 1 AND l.name = 'cpu.kcont_ns' AND l.host = c.host "
        "AND l.cpu = c.cpu")}
    assert kcont["b", 0] > 0, kcont
    # A rate's rises add up to the counter's last value.
    assert con.execute(
        "SELECT r.name, r.host, sum(r.delta), l.value FROM counter_rates r "
        "JOIN counter_last l ON l.run_id = r.run_id AND l.name = r.name "
        "AND l.host IS r.host AND l.cpu IS r.cpu WHERE r.run_id = 1 "
        "GROUP BY r.name, r.host, r.cpu HAVING sum(r.delta) != l.value"
    ).fetchall() == []
    (per_s,), = con.execute(
        "SELECT max(per_s) FROM counter_rates WHERE run_id = 1 AND host = "
        "'b' AND name = 'udp_echo.received'")
    assert per_s == pytest.approx(20000, rel=0.01)     # the 20 kpps sender


def test_the_plotted_rates_are_each_kinds_counters_that_rose(
        two_runs, monkeypatch):
    """What the report plots for interrupts, polls and drops is every
    counter_rates row of every counter of that kind that rose, in order,
    for one run or two -- whether the names are asked for all at once or
    one at a time (views.NAMES_MAX)."""
    _, db = two_runs
    sys.path.insert(0, str(ROOT / "reports"))
    import views
    d = views.Db(db)
    for ids in ([1], [2], [1, 2]):
        want = {}
        for kind, (where, _) in views.RATE_KINDS.items():
            rose = collections.defaultdict(list)
            for r in d.rows(
                    "SELECT run_id, name, host, cpu, from_ns, to_ns, delta, "
                    f"per_s FROM (SELECT *, {views.TAIL} AS tail FROM "
                    "counter_rates WHERE run_id IN "
                    f"({', '.join(map(str, ids))})) WHERE {where} "
                    "ORDER BY run_id, name, host, cpu, to_ns"):
                rose[r["run_id"], r["name"], r["host"], r["cpu"]].append(r)
            want[kind] = {}
            for (run_id, *_), rows in rose.items():
                if max(r["delta"] for r in rows) > 0:
                    want[kind].setdefault(run_id, []).extend(rows)
        assert sorted(want["interrupts"]) == sorted(want["polls"]) == ids
        assert views.rates(d, ids) == want
        monkeypatch.setattr(views, "NAMES_MAX", 1)
        assert views.rates(d, ids) == want
        monkeypatch.undo()


def _strict_parse(page):
    """The page parses as HTML5 without one parse error (html5lib,
    strict) and as XML; its ids are unique.  Returns the XML tree."""
    html5lib = pytest.importorskip(
        "html5lib", reason="python3-html5lib is not installed "
        "(scripts/setup-deps installs it)")
    parser = html5lib.HTMLParser(strict=True)
    parser.parse(page)
    with pytest.raises(html5lib.html5parser.ParseError):
        parser.parse("<!DOCTYPE html><p><div></p>")     # the check checks
    root = ET.fromstring(page.split("\n", 1)[1])
    ids = collections.Counter(e.get("id") for e in root.iter() if e.get("id"))
    assert [i for i, n in ids.items() if n > 1] == []
    return root


def test_report_compares_two_runs_and_parses_strictly(comparison, two_runs):
    page = comparison.read_text()
    con = sqlite3.connect(two_runs[1])
    (p50a,), (p50b,) = con.execute(
        "SELECT p50_ns FROM flow_latency WHERE flow_id = 1 ORDER BY run_id")
    (fp,) = con.execute("SELECT fingerprint FROM runs WHERE id = 1").fetchone()
    root = _strict_parse(page)
    figures = [f for f in root.iter("figure") if f.get("class") == "plot"]
    # Side by side: CDFs and breakdown; then each run: topology, CDF,
    # histogram, breakdown, CPU time, interrupts, polls (no drops).
    assert len(figures) == 2 + 2 * 7
    assert all(f.find("{http://www.w3.org/2000/svg}svg") is not None
               for f in figures)
    # 30 us of delay instead of 10: every latency percentile is worse.
    text = ET.tostring(root, encoding="unicode")
    assert p50b > p50a
    assert f'class="worse">+{(p50b - p50a) * 100 / p50a:.1f}%<' in text
    assert "class=\"better\"" not in text
    for word in (fp, "host a (2 CPU, poll)",
                 "Where the microseconds went", "socket queue",
                 "interrupts per second", "polls per second",
                 "continuation ms", "cpu.kcont_ns"):
        assert word in page, word
    assert "No per-packet records" not in page
    # Folded away: the counters that never changed.
    assert "counters never changed (every sample 0)</summary>" in page
    # Nothing fetched, nothing run.
    assert "<script" not in page and "<link" not in page
    assert "src=" not in page and "@import" not in page
    bare = re.sub(r'xmlns(:\w+)?="[^"]*"', "", page)
    assert "http://" not in bare and "https://" not in bare


def test_report_opens_in_a_real_browser(comparison, tmp_path):
    """Headless Chromium renders the page: every plot region has pixels
    drawn, the console stays silent, and nothing is fetched."""
    chromium = shutil.which("chromium")
    if chromium is None:
        pytest.skip("chromium is not installed (scripts/setup-deps "
                    "installs Debian's chromium)")
    image = pytest.importorskip("PIL.Image", reason="python3-pil is not "
                                "installed (python3-matplotlib brings it)")
    flags = [chromium, "--headless", "--no-sandbox", "--disable-gpu",
             "--disable-quic", "--no-first-run",
             "--disable-background-networking", "--disable-component-update",
             "--disable-sync", "--hide-scrollbars", "--enable-logging=stderr",
             "--v=0"]
    # 1. Where each plot is: a copy of the page with a probe script
    # (which also logs one console message, to show logging reaches us).
    probe = tmp_path / "probe.html"
    probe.write_text(comparison.read_text().replace("</body>", """<script>
console.error("netsim-console-probe");
var r = [];
document.querySelectorAll("figure.plot svg").forEach(function (e) {
  var b = e.getBoundingClientRect();
  r.push([b.left + scrollX, b.top + scrollY, b.width, b.height]);
});
var p = document.createElement("pre"); p.id = "rects";
p.textContent = JSON.stringify({rects: r,
  height: document.documentElement.scrollHeight});
document.body.appendChild(p);
</script></body>"""))
    p = run(flags + [f"--user-data-dir={tmp_path / 'u1'}",
                     "--window-size=1000,800", "--dump-dom",
                     probe.as_uri()], timeout=120, check=0)
    assert "netsim-console-probe" in p.stderr, p.stderr[-2000:]
    got = json.loads(p.stdout.split('<pre id="rects">', 1)[1]
                     .split("</pre>", 1)[0])
    assert len(got["rects"]) == 16
    # 2. The page itself, whole, as pixels.
    png = tmp_path / "page.png"
    p = run(flags + [f"--user-data-dir={tmp_path / 'u2'}",
                     f"--window-size=1000,{got['height']}",
                     f"--screenshot={png}", comparison.as_uri()],
            timeout=120, check=0)
    console = [line for line in p.stderr.splitlines() if ":CONSOLE" in line
               or "net::ERR" in line or "Uncaught" in line]
    assert console == [], "\n".join(console)
    im = image.open(png).convert("L")
    assert im.size == (1000, got["height"])
    for x, y, w, h in got["rects"]:
        assert w > 200 and h > 100, (x, y, w, h)
        region = im.crop((int(x), int(y), int(x + w), int(y + h)))
        hist = region.histogram()
        inked = sum(hist[:200])      # pixels darker than light grey
        assert inked > 0.01 * w * h, f"plot at {x},{y} is blank"
        assert len([v for v in hist if v]) > 8   # more than a flat fill


def test_netsim_runs_lists_runs_and_campaigns(two_runs, tmp_path):
    netsim, db = two_runs
    p = run([netsim, "runs", db], check=0)
    lines = p.stdout.splitlines()
    assert lines[0].split() == ["id", "scenario", "seed", "policy",
                                "status", "exit", "virtual", "ms",
                                "fingerprint"]
    assert lines[1].split() == ["1", "two-hosts", "1", "time", "ok", "0",
                                "101.002339", "58aee1afaa62eeb1"]
    assert len(lines) == 3
    # What a sweep adds shows when it is there.
    copy = tmp_path / "c.db"
    shutil.copy(db, copy)
    con = sqlite3.connect(copy)
    con.executescript(
        "INSERT INTO campaigns (id, scenario, command, points) VALUES (1, "
        "'two-hosts', 'netsim run two-hosts.json', 1); "
        "UPDATE runs SET campaign_id = 1;")
    con.close()
    p = run([netsim, "runs", copy], check=0)
    assert p.stdout.splitlines()[0].split()[:2] == ["id", "campaign"]
    assert p.stdout.splitlines()[-3:] == [
        "campaigns:",
        "id  scenario   points  status      fingerprint  command",
        " 1  two-hosts       1  unfinished               netsim run "
        "two-hosts.json"]
    p = run([netsim, "runs", tmp_path / "none.db"], check=2)
    assert "none.db: No such file or directory" in p.stderr


def test_report_of_a_campaign_plots_the_sweep(two_runs, tmp_path):
    """With campaigns and run_params (what a sweep writes), a campaign's
    report draws throughput and latency against the swept load, a line
    an arm, and sets the arms side by side."""
    netsim, db = two_runs
    copy = tmp_path / "c.db"
    shutil.copy(db, copy)
    # Runs 3 and 4: runs 1 and 2 at half the rate.
    for delay in ("10us", "30us"):
        sc = json.loads((NET / "two-hosts.json").read_text())
        sc["links"][0]["delay"] = delay
        sc["workload"][2]["rate"] = "10kpps"
        (tmp_path / "s.json").write_text(json.dumps(sc))
        _run(netsim, tmp_path / "s.json", copy)
    con = sqlite3.connect(copy)
    con.execute("INSERT INTO campaigns (id, scenario, points) VALUES (7, "
                "'two-hosts', 4)")
    con.execute("UPDATE runs SET campaign_id = 7")
    for run_id, rate, delay in ((1, "20kpps", "10us"), (2, "20kpps", "30us"),
                                (3, "10kpps", "10us"), (4, "10kpps", "30us")):
        con.execute("INSERT INTO run_params VALUES (?, 7, "
                    "'workload[2].rate', ?), (?, 7, 'links[0].delay', ?)",
                    (run_id, rate, run_id, delay))
    con.commit()
    con.close()
    out = tmp_path / "c.html"
    p = run([netsim, "report", copy, "--campaign", "7", "-o", out], check=0)
    assert p.stdout == f"report: campaign 7 (4 runs) -> {out}\n"
    page = out.read_text()
    _strict_parse(page)
    assert "Throughput against offered load" in page
    assert "Latency against offered load" in page
    assert "The two arms side by side" in page
    assert page.count('<figure class="plot"') == 2     # no router: no
    # forwarded rate; the runs are points of the sweep: no run's plots
    assert "links[0].delay=10us" in page and "links[0].delay=30us" in page
    p = run([netsim, "report", copy, "--campaign", "8", "-o", out], check=2)
    assert p.stderr == f"report: no campaign 8 in {copy}\n"


def test_report_errors_name_what_is_wrong(two_runs, tmp_path):
    netsim, db = two_runs
    p = run([netsim, "report", db, "--run", "7", "-o", tmp_path / "x.html"],
            check=2)
    assert p.stderr == f"report: no run 7 in {db}\n"
    assert not (tmp_path / "x.html").exists()
    p = run([netsim, "report", tmp_path / "none.db"], check=2)
    assert "none.db: no such file" in p.stderr
    p = run([netsim, "report", db, "--campaign", "1"], check=2)
    assert "holds no campaigns" in p.stderr


def test_report_py_runs_without_netsim_and_reports_the_newest_run(
        two_runs, tmp_path):
    _, db = two_runs
    out = tmp_path / "r.html"
    p = run([sys.executable, REPORT, db, "-o", out], check=0)
    assert p.stdout == f"report: run 2 (two-hosts, seed 1, ok) -> {out}\n"
    assert "netsim run 2: two-hosts, seed 1" in out.read_text()


def test_netsim_report_is_found_from_another_directory(two_runs, tmp_path):
    """bin/netsim finds reports/ beside its tree, wherever it is run."""
    netsim, db = two_runs
    env = dict(os.environ)
    env.pop("NETSIM_REPORTS", None)
    p = subprocess.run([str(ROOT / "bin" / "netsim"), "report", str(db),
                        "--run", "1", "-o", "r.html"], cwd=tmp_path,
                       capture_output=True, text=True, env=env, timeout=300)
    assert p.returncode == 0, p.stderr
    assert (tmp_path / "r.html").exists()
    env["NETSIM_REPORTS"] = str(tmp_path / "nowhere")
    p = subprocess.run([str(netsim), "report", str(db)], cwd=tmp_path,
                       capture_output=True, text=True, env=env, timeout=60)
    assert p.returncode == 2
    assert "cannot find reports/report.py (looked at " in p.stderr


def test_a_fault_is_listed_and_its_window_shaded(netsim, tmp_path):
    """scenarios/storm.json: the report lists the storm with its window
    (fault_windows) and shades it on the plots over time."""
    db = tmp_path / "r.db"
    _run(netsim, ROOT / "scenarios" / "storm.json", db)
    out = tmp_path / "storm.html"
    run([netsim, "report", db, "-o", out], check=0)
    page = out.read_text()
    root = _strict_parse(page)
    rows = [[(c.text or "") for c in tr] for tr in root.iter("tr")]
    assert ["0", "intr_storm", "rx.wm0", "10.000", "20.000",
            '{"rate_pps": 200000, "frames": false, "size": 60}'] in rows
    assert page.count("fault windows shaded") == 2    # CPU time, rates


def test_a_report_of_hundreds_of_hosts_is_one_a_reader_can_use(netsim,
                                                               tmp_path):
    """A generated network of 300 end hosts (338 with the routers, some
    175 counters a host): the page draws no topology (more than 256
    hosts) and says why, shows the 64 busiest CPUs in the table and 16 on
    the plot, and the counters a row a kind ("udp_sink#.received" over
    the 300 sinks), not 59,000 rows; it parses strictly.  Before, sorting
    the counters compared every row with every changed one (10 s at 225
    hosts, more than 10 minutes at 1,125), and dot drew every host."""
    path = tmp_path / "big.json"
    run([sys.executable, ROOT / "scripts" / "gen_scale.py", "300",
         "--count", "5", "--out", path], check=0)
    db = tmp_path / "big.db"
    _run(netsim, path, db)
    out = tmp_path / "big.html"
    run([netsim, "report", db, "-o", out], check=0)
    page = out.read_text()
    _strict_parse(page)
    text = re.sub(r"<[^>]+>", " ", page)
    assert "No drawing: 338 hosts, 38 switches and 376 links are more " \
        "than a drawing can show (256 hosts at most)" in text
    assert "The 64 busiest of 338 CPUs" in text
    assert "the 16 busiest of 338 CPUs" in text
    con = sqlite3.connect(db)
    taken = con.execute("SELECT sum(value), count(*) FROM counter_last "
                        "WHERE name GLOB 'udp_sink*.received'").fetchone()
    assert taken == (1500, 300)
    row = re.search(r"<td[^>]*>udp_sink#\.received</td>((?:<td[^>]*>[^<]*"
                    r"</td>){2})", page)
    assert row, "no row for the kind udp_sink#.received"
    assert re.findall(r">([^<]*)</td>", row.group(1)) == ["300", "1,500"]
    counters = page[page.index(">Counters<"):]
    assert counters.count("<tr") < 500

