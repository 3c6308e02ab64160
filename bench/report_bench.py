#!/usr/bin/env python3
"""report_bench.py -- how long `netsim report` takes on a big run.

    bench report_1m_packets_s   `netsim report DB -o FILE` on a database
                                holding one run with 1,000,000 packet
                                records (packet_stages rows: 45,550
                                datagrams echoed between two hosts, 11
                                stages each way, and 20 pings) and its
                                counters; wall-clock seconds, 3 runs,
                                the median
    bench report_1m_packets_cpu_s   the same runs' CPU time (user and
                                system, the report's processes): what
                                the wall clock would show on an idle
                                machine, since the report is one thread
    bench report_3000_hosts_s   the same for a big network's run:
                                `scripts/gen_scale.py 3000` (3,375 hosts
                                with the routers, 3,000 UDP flows of
                                about 67 datagrams; some 600,000
                                counters), 3 runs, the median
    bench report_3000_hosts_cpu_s   its CPU time

The runs are real, not synthetic: scenarios/net/two-hosts.json with the
sender's count raised to 45,550 (and its duration to 5 s), and the
scale benchmark's generated network, so the report reads what a user's
run would hold.  Each is made once into build/bench/ (report-1m.db,
about 60 MB and 2 s of simulation; report-3000.db, about 50 MB and
10 s) and kept while the binary's version and the scenario stay the
same.

Takes the benchmark name prefix as its argument, as every benchmark
does (bench/run.py); prints nothing for a prefix that is not its own.
What the figure includes: starting Python, importing matplotlib, every
SQL query of the report (each view once for the run), drawing every
plot and the topology, writing the file.
"""
import json
import pathlib
import resource
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parent.parent
NETSIM = ROOT / "bin" / "release" / "netsim"
OUT = ROOT / "build" / "bench"
DATAGRAMS = 45550
RUNS = 3


def two_hosts():
    sc = json.loads((ROOT / "scenarios" / "net" / "two-hosts.json")
                    .read_text())
    sc["name"] = "report-1m"
    sc["duration"] = "5s"
    sc["workload"][1].update(count=20, interval="100ms")
    sc["workload"][2]["count"] = DATAGRAMS
    return json.dumps(sc, indent=1) + "\n"


def scale():
    return subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "gen_scale.py"), "3000"],
        capture_output=True, text=True, check=True).stdout


# name: (file stem, the scenario's text, what the database must hold:
# SQL giving a count, and its least)
CASES = {
    "report_1m_packets": ("report-1m", two_hosts,
                          "SELECT count(*) FROM packet_stages", 1000000),
    "report_3000_hosts": ("report-3000", scale,
                          "SELECT count(*) FROM counters", 500000),
}


def count(db, sql):
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        return con.execute(sql).fetchone()[0]
    finally:
        con.close()


def database(stem, text, sql, least):
    """A case's database, made if missing or out of date."""
    OUT.mkdir(parents=True, exist_ok=True)
    db, scf = OUT / f"{stem}.db", OUT / f"{stem}.json"
    version = subprocess.run([str(NETSIM), "--version"], capture_output=True,
                             text=True, check=True).stdout
    stamp = OUT / f"{stem}.stamp"
    want = text + version
    if db.exists() and stamp.exists() and stamp.read_text() == want:
        try:
            rows = count(db, sql)
            if rows >= least:
                return db, rows
        except sqlite3.Error:
            pass
    for p in (db, pathlib.Path(f"{db}-wal"), pathlib.Path(f"{db}-shm"),
              stamp):
        p.unlink(missing_ok=True)
    scf.write_text(text)
    subprocess.run([str(NETSIM), "run", str(scf), "--db", str(db),
                    "--quiet"], check=True, stdout=subprocess.DEVNULL)
    rows = count(db, sql)
    assert rows >= least, f"{stem}: {rows} rows of `{sql}`, expected " \
        f"{least} or more"
    stamp.write_text(want)
    return db, rows


def main():
    prefix = sys.argv[1] if len(sys.argv) > 1 else ""
    for name, (stem, make, sql, least) in CASES.items():
        if not f"{name}_s".startswith(prefix) and \
                not f"{name}_cpu_s".startswith(prefix):
            continue
        db, rows = database(stem, make(), sql, least)
        times, cpu = [], []
        with tempfile.TemporaryDirectory() as d:
            out = pathlib.Path(d) / "report.html"
            for _ in range(RUNS):
                r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
                t = time.monotonic()
                subprocess.run([str(NETSIM), "report", str(db), "-o",
                                str(out)], check=True,
                               stdout=subprocess.DEVNULL)
                times.append(time.monotonic() - t)
                r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
                cpu.append(r1.ru_utime - r0.ru_utime + r1.ru_stime -
                           r0.ru_stime)
        print(f"# {name}: {rows} rows of `{sql}` in {db.name}")
        for fig, v in ((f"{name}_s", times), (f"{name}_cpu_s", cpu)):
            print(f"bench {fig} {statistics.median(v):.2f} s "
                  f"min={min(v):.2f} max={max(v):.2f} runs={RUNS}",
                  flush=True)


if __name__ == "__main__":
    main()
