"""What `netsim run` tells its user beyond the results: a capture that
failed, the progress display, the warning about a recording out of
proportion, and the cap on how much a run may write to the database
(--db-max).

Nothing here depends on how fast the machine is: a test that needs a
long run uses one that cannot finish within the test and waits for what
it expects to see, then stops the run.
"""
import json
import re
import subprocess
import threading

import dbcheck
from harness import ROOT, run
from test_run_db import busy_scenario, long_scenario, read_until, verdict

SCENARIOS = ROOT / "scenarios"


# --- captures --------------------------------------------------------------

def test_a_capture_that_fills_the_disk_is_recorded_as_an_error(
        netsim, tmp_path, small_fs):
    db = tmp_path / "r.db"
    p = run([netsim, "run", SCENARIOS / "nic-dma-flood.json", "--pcap",
             small_fs / "caps", "--db", db], check=2)
    assert "No space left on device" in p.stderr, p.stderr
    status, code, msg = verdict(db, 1)
    assert (status, code) == ("error", 2), "the row agrees with the exit"
    assert f"pcap file {small_fs}/caps/l0.pcap: write failed" in msg
    dbcheck.check_db(db)


# --- progress on stderr ----------------------------------------------------

PROGRESS = re.compile(r"^netsim: \S+: [0-9.]+ of [0-9.]+ ms virtual")
PROGRESS_RATES = re.compile(
    r"^netsim: \S+: (?P<t>[0-9.]+) of (?P<total>[0-9.]+) ms virtual "
    r"\((?P<pct>[0-9.]+)%\), \d+ points \((?P<pps>[0-9.]+)( [kMGT])?/s\), "
    r"\d+ events \((?P<eps>[0-9.]+)( [kMGT])?/s\), (.* recorded, )?"
    r"(?P<elapsed>\d+) s, ETA (?P<eta>\d+ (h \d+ min|min \d+ s|s)) to "
    r"the duration$")


def test_progress_forced_on_goes_to_stderr_and_changes_nothing(netsim):
    sc = SCENARIOS / "default.json"
    plain = run([netsim, "run", sc, "--quiet"], check=0)
    p = run([netsim, "run", sc, "--quiet", "--progress"], check=0)
    assert p.stdout == plain.stdout
    lines = p.stderr.splitlines()
    assert lines and all(PROGRESS.match(s) for s in lines), p.stderr


def test_no_progress_and_quiet_keep_stderr_silent(netsim):
    for flags in (["--no-progress"], ["--quiet"]):
        p = run([netsim, "run", SCENARIOS / "default.json", *flags], check=0)
        assert p.stderr == "", (flags, p.stderr)


def test_a_long_run_shows_progress_even_when_stderr_is_a_pipe(netsim,
                                                             tmp_path):
    cmd = [str(c) for c in (netsim, "run", long_scenario(tmp_path))]
    p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL,
                         stderr=subprocess.PIPE, text=True)
    watchdog = threading.Timer(120, p.kill)
    watchdog.start()
    try:
        line = read_until(p.stderr, PROGRESS, "a progress line")[-1]
    finally:
        watchdog.cancel()
        p.kill()
        p.communicate()
    assert line.endswith("\n") and "\r" not in line, \
        "to a pipe, whole lines rather than a line redrawn in place"
    # How fast it goes, and how long it has to go to the duration.
    m = PROGRESS_RATES.search(line)
    assert m, line
    done, total, pct = float(m["t"]), float(m["total"]), float(m["pct"])
    assert 0 < done < total and abs(pct - 100 * done / total) <= 0.05
    assert float(m["pps"]) > 0 and float(m["eps"]) >= 0
    eta = sum(int(n) * {"h": 3600, "min": 60, "s": 1}[u] for n, u in
              re.findall(r"(\d+) (h|min|s)\b", m["eta"]))
    # At the pace so far: elapsed * (what is left) / (what is done).
    elapsed = int(m["elapsed"])
    assert abs(eta - elapsed * (total - done) / done) <= \
        2 + 0.02 * eta + (total - done) / done, (line, eta)


# --- a recording out of proportion, and the cap ------------------------------

def test_a_run_stops_at_the_database_cap_and_says_how_to_raise_it(
        netsim, tmp_path):
    db = tmp_path / "r.db"
    sc = busy_scenario(tmp_path)
    p = run([netsim, "run", sc, "--db", db, "--db-max", "1MiB"], check=5)
    assert re.search(r"netsim: limit: .*1MiB.*--db-max", p.stderr), p.stderr
    assert f"database: {db} (run 1)" in p.stdout
    status, code, msg = verdict(db, 1)
    assert (status, code) == ("limit", 5)
    assert "--db-max" in msg
    dbcheck.check_db(db)
    size = sum(f.stat().st_size for f in tmp_path.glob("r.db*"))
    assert size < 3 * 2**20, "the database grew about 1 MiB, not 3"
    # Raised, the same run finishes.
    run([netsim, "run", sc, "--db", db, "--db-max", "1GiB", "--quiet"],
        check=0)


def test_a_huge_recording_is_warned_about_before_the_run(netsim, tmp_path):
    doc = json.loads((SCENARIOS / "default.json").read_text())
    doc["record"] = {"interval": "1ns"}
    sc = tmp_path / "huge.json"
    sc.write_text(json.dumps(doc))
    p = run([netsim, "run", sc, "--db", tmp_path / "r.db", "--db-max",
             "1MiB", "--quiet"], check=5)
    first = p.stderr.splitlines()[0]
    assert first.startswith("netsim: warning: record.interval 1ns over a "
                            "duration of 1s asks for up to 1000000000 "
                            "samples"), p.stderr
    assert "--db-max" in p.stderr and "record.interval" in p.stderr


def test_shipped_scenarios_get_no_warning(netsim, tmp_path):
    for sc in ("default.json", "udp_echo.json", "net/two-hosts.json"):
        p = run([netsim, "run", SCENARIOS / sc, "--db", tmp_path / "r.db",
                 "--quiet", "--no-progress"])
        assert p.stderr == "", (sc, p.stderr)


def test_help_names_every_run_flag_and_its_default(netsim):
    text = run([netsim, "--help"], check=0).stdout
    for words in ("--db-max SIZE", "default 1GiB", "--db-wait TIME",
                  "default 60s", "--progress, --no-progress",
                  "--pcap DIR", "missing\n            parents"):
        assert words in text, words
    readme = (ROOT / "README.md").read_text()
    for flag in ("--db-max", "--db-wait", "--progress", "--no-progress"):
        assert flag in readme, flag


def test_db_max_and_db_wait_need_values(netsim):
    for flag, bad in (("--db-max", "lots"), ("--db-wait", "forever")):
        p = run([netsim, "run", SCENARIOS / "default.json", flag, bad],
                check=2)
        assert p.stderr.startswith(f"netsim: {flag} "), p.stderr
        assert p.stdout == ""
