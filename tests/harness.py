"""How the tests run netsim's programs: a plain module, imported by the
test files (`from harness import ROOT, run`) and by conftest.py, which
only turns some of it into fixtures.

NETSIM_VARIANT selects the build under test (release, clang, asan, tsan):
`make test` runs the suite on release and a part of it on clang, `make
asan` and `make tsan` set it too.  NETSIM_BINDIR overrides the directory
outright (a build made with `make O=... B=...`).  Every C test program is
run through run(), so a failing test prints the command that replays it;
ok_summary reads the "ok CASE key=value ..." line of a case that passed.
A Python program is run with sys.executable, the interpreter running the
suite, never a path written here.
"""
import json
import os
import pathlib
import re
import subprocess

import pytest

ROOT = pathlib.Path(__file__).resolve().parent.parent
VARIANT = os.environ.get("NETSIM_VARIANT", "release")
BIN = pathlib.Path(os.environ.get("NETSIM_BINDIR", ROOT / "bin" / VARIANT))


def binary(*parts):
    path = BIN.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"{path} is not built for variant {VARIANT}")
    return path


def run(cmd, timeout=300, check=None, **kw):
    """Run a command, returning CompletedProcess with text output.

    check: an expected exit status; on mismatch the assertion message shows
    the command line (to replay) and both streams.
    """
    cmd = [str(c) for c in cmd]
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout,
                       cwd=kw.pop("cwd", ROOT), **kw)
    if check is not None:
        assert p.returncode == check, (
            f"exit {p.returncode}, expected {check}\n"
            f"replay: {' '.join(cmd)}\n"
            f"--- stdout\n{p.stdout[-4000:]}\n--- stderr\n{p.stderr[-4000:]}")
    return p


def ok_summary(p, name, ints=False):
    """The key=value words of the "ok NAME ..." line a C test case prints
    when it passes, as a dict of strings (ints: numbers as ints)."""
    m = re.search(rf"^ok {name}\b(.*)$", p.stdout, re.M)
    assert m, f"no 'ok {name}' line in:\n{p.stdout[-3000:]}"
    pairs = (kv.split("=", 1) for kv in m.group(1).split())
    return {k: int(v) if ints and v.isdigit() else v for k, v in pairs}


def line_of(path, text):
    """The number of the one line of path that holds text: for tests that
    expect a report to name a line, without pinning its number."""
    found = [n for n, line in enumerate(
        pathlib.Path(path).read_text().splitlines(), 1) if text in line]
    assert len(found) == 1, (path, text, found)
    return found[0]


def run_scenario(sc, where, name="s", args=()):
    """Write the scenario sc (a dict) to where/NAME.json and run it into
    where/NAME.db; it must exit 0 (else the assertion shows the replay).
    => (the CompletedProcess, the database's path)"""
    path = where / f"{name}.json"
    path.write_text(json.dumps(sc))
    db = where / f"{name}.db"
    p = run([binary("netsim"), "run", path, *args, "--db", db], check=0)
    return p, db

def host_counters(con):
    """A run's counters summed over CPUs, as {(host, name): value}."""
    return {(h, n): v for h, n, v in con.execute(
        "SELECT host, name, value FROM counter_last WHERE cpu IS NULL")}


def mbufs_in_use(con):
    """Per host and pool (mbpl, mclpl): gets - puts over every CPU at the
    end of the run, i.e. what is still allocated."""
    use = {}
    for h, n, v in con.execute(
            "SELECT host, name, value FROM counter_last WHERE "
            "name GLOB 'mbpl.*' OR name GLOB 'mclpl.*'"):
        pool, kind = n.split(".")
        if kind in ("get", "put"):
            use[(h, pool)] = use.get((h, pool), 0) + \
                (v if kind == "get" else -v)
    return use

# counter.c's deliberately racy plain load and store (method plain).
COUNTER_C = ROOT / "stack" / "apps" / "counter.c"
COUNTER_LOAD_LINE = line_of(COUNTER_C,
                            "kern_mem_point(&c->count, KERN_MEM_LOAD);")
COUNTER_STORE_LINE = line_of(COUNTER_C,
                             "kern_mem_point(&c->count, KERN_MEM_STORE);")
