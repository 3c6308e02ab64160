"""The HTML report make run writes: one file, the run's facts in it."""
import re
import sys

from harness import ROOT, run

REPORT = ROOT / "reports" / "report.py"


def test_report_shows_the_run_its_cpus_and_counters(netsim, tmp_path):
    db, out = tmp_path / "r.db", tmp_path / "report.html"
    p = run([netsim, "run", ROOT / "scenarios" / "default.json", "--db", db,
             "--quiet"], check=0)
    fp = p.stdout.split()[-1]
    p = run([sys.executable, REPORT, "--db", db, "--out", out], check=0)
    assert f"run 1 (default, seed 1, ok) -> {out}" in p.stdout
    page = out.read_text()
    assert fp in page
    assert len(re.findall(r"<td class=l>box/cpu\d</td>", page)) == 4
    assert page.count("<polyline") == 4          # a series per CPU
    assert "<td class=l>counter.final</td>" in page
    assert "<script" not in page and "http://" not in page.replace(
        'xmlns="http://www.w3.org/2000/svg"', "")


def test_report_of_a_missing_run_says_so(netsim, tmp_path):
    db = tmp_path / "r.db"
    run([netsim, "run", ROOT / "scenarios" / "default.json", "--db", db,
         "--quiet"], check=0)
    p = run([sys.executable, REPORT, "--db", db, "--run", "7", "--out",
             tmp_path / "x.html"], check=1)
    assert "no run 7" in p.stderr
