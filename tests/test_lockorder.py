"""The lock-order checker (lockdep/WITNESS, sim/sys/ks_witness.c), as a
user meets it: a lock-order cycle or an interrupt-safety hazard is
reported with both acquisitions by file:line, the lock classes by their
init site, host, CPU and LWP, recorded in the database (violations, and
every edge in lock_edges), and fails the run with exit status 3 even
when the run never deadlocked -- while the run itself goes on unchanged.
"""
import json
import re
import sqlite3
import sys

from harness import ROOT, run

SCENARIOS = ROOT / "scenarios"
ABBA = SCENARIOS / "races" / "abba-deadlock.json"
PINNED = ROOT / "tests" / "fingerprints.tsv"


def abba(tmp_path, name, **changes):
    """abba-deadlock.json with some of its settings changed."""
    doc = json.loads(ABBA.read_text())
    prog = doc["workload"][0]
    for key in ("rounds", "order"):
        if key in changes:
            prog[key] = changes[key]
    if "hold" in changes:
        doc["hosts"][0]["cost"]["probes"]["abba:holding_one"] = changes["hold"]
    path = tmp_path / f"{name}.json"
    path.write_text(json.dumps(doc))
    return path


def reports(stderr, kind="lock order"):
    return re.findall(rf"^netsim: {kind}: (.*)$", stderr, re.M)


def assert_abba_cycle_report(stderr, seed):
    """Both acquisitions by file:line, both classes by init site, who."""
    (msg,) = reports(stderr)
    assert re.fullmatch(
        r"mutex stack/apps/abba.c:(\d+) taken at stack/apps/abba.c:(\d+) "
        r"while holding mutex stack/apps/abba.c:(\d+) \(taken at "
        r"stack/apps/abba.c:(\d+)\), but mutex stack/apps/abba.c:\3 was "
        r"taken at stack/apps/abba.c:\2 while holding mutex "
        r"stack/apps/abba.c:\1 \(taken at stack/apps/abba.c:\4\)", msg), msg
    assert re.search(rf"seed {seed}, virtual time \d+ ns, host box, cpu \d, "
                     r"lwp abba\.\d \(id \d\)", stderr)
    edges = re.findall(r"^    (mutex \S+) -> (mutex \S+)(  \(this "
                       r"acquisition\))?\n      held since (\S+), taken at "
                       r"(\S+); host box, cpu (\d), lwp (abba\.\d) \(id \d\)",
                       stderr, re.M)
    assert len(edges) == 2, stderr
    (a, b, _, _, _, cpu0, lwp0), (b2, a2, this, _, _, cpu1, lwp1) = edges
    assert (a, b) == (a2, b2) and a != b and this
    assert lwp0 != lwp1, "each direction by its own LWP"
    assert f"replay: netsim run " in stderr and f"--seed {seed}" in stderr


def test_reversed_abba_is_reported_at_seeds_that_never_deadlock(
        netsim, tmp_path):
    """abba-deadlock.json deadlocks at every seed as shipped (its LWPs
    hold one lock 2 us); held 1.9 us, some seeds finish.  Each of those
    reports the reversal and exits 3.  Before: exit 0, nothing said."""
    sc = abba(tmp_path, "abba-1900ns", hold="1900ns")
    finished = []
    for seed in range(1, 13):
        db = tmp_path / f"{seed}.db"
        p = run([netsim, "run", sc, "--seed", seed, "--db", db])
        if "no deadlock" not in p.stdout:
            assert p.returncode == 4, p.stderr
            continue
        finished.append(seed)
        assert p.returncode == 3, p.stderr
        assert "status violation" in p.stdout
        assert "deadlock:" not in p.stderr
        assert_abba_cycle_report(p.stderr, seed)
        con = sqlite3.connect(db)
        assert con.execute("SELECT status, exit_status FROM runs"
                           ).fetchall() == [("violation", 3)]
        (kind, file, line, msg), = con.execute(
            "SELECT kind, file, line, message FROM violations").fetchall()
        assert (kind, file) == ("lock order", "stack/apps/abba.c")
        assert msg == reports(p.stderr)[0]
        edges = con.execute("SELECT held_lock, held_at, taken_lock, taken_at, "
                            "host, lwp FROM lock_order ORDER BY t_ns"
                            ).fetchall()
        assert len(edges) == 2
        assert edges[0][0] == edges[1][2] and edges[0][2] == edges[1][0]
        assert {e[5] for e in edges} == {"abba.0", "abba.1"}
    assert len(finished) >= 3, "no seed of the variant finished"


def test_reversed_abba_with_one_round_never_meets_and_is_reported(
        netsim, tmp_path):
    """One round each: the second LWP starts after the first is done, so
    the two never contend at all -- and the order is still wrong."""
    sc = abba(tmp_path, "abba-1", rounds=1)
    p = run([netsim, "run", sc, "--seed", 3], check=3)
    assert "abba: 1 rounds each, no deadlock" in p.stdout
    assert_abba_cycle_report(p.stderr, 3)


def test_the_shipped_abba_reports_the_cycle_before_it_deadlocks(netsim):
    """The run goes on unchanged: same deadlock, exit 4, and the
    fingerprint pinned before the checker existed."""
    p = run([netsim, "run", ABBA], check=4)
    assert p.stderr.index("netsim: lock order:") < \
        p.stderr.index("netsim: deadlock:")
    assert_abba_cycle_report(p.stderr.split("netsim: deadlock:")[0], 1)
    pinned = next(line.split("\t") for line in PINNED.read_text().splitlines()
                  if line.startswith("scenarios/races/abba-deadlock.json\t1\t"))
    assert p.stdout.strip().endswith(f"fingerprint {pinned[3]}")


def test_consistent_abba_reports_nothing_over_many_seeds(netsim, tmp_path):
    sc = abba(tmp_path, "abba-consistent", order="consistent")
    for seed in range(1, 41):
        p = run([netsim, "run", sc, "--seed", seed, "--quiet"], check=0)
        assert "netsim:" not in p.stderr, (seed, p.stderr)
    db = tmp_path / "c.db"
    run([netsim, "run", sc, "--db", db, "--quiet"], check=0)
    con = sqlite3.connect(db)
    assert con.execute("SELECT count(*) FROM violations").fetchone() == (0,)
    (held, taken), = con.execute("SELECT held_at, taken_at FROM lock_order"
                                 ).fetchall()
    assert (held, taken) == ("stack/apps/abba.c:51", "stack/apps/abba.c:53")


def test_shipped_scenarios_report_nothing_at_their_pinned_seeds():
    """Every shipped scenario but the races is pinned at exit 0 for seeds
    1-20 (tests/test_fingerprints.py checks them), and a lock-order or
    interrupt-safety report would make that 3."""
    for line in PINNED.read_text().splitlines():
        if line.startswith("#") or not line.strip():
            continue
        scenario, seed, status, _ = line.split("\t")
        if "/races/" not in scenario:
            assert status == "0", line


def test_the_stack_s_own_lock_order_is_recorded(netsim, tmp_path):
    """Two hosts' stacks nest their locks (socket, PCB, routes, pools):
    every edge is in lock_edges, each class named once in lock_classes,
    and none closes a cycle."""
    db = tmp_path / "r.db"
    p = run([netsim, "run", SCENARIOS / "net" / "two-hosts.json", "--db", db,
             "--quiet"], check=0)
    assert "netsim:" not in p.stderr
    con = sqlite3.connect(db)
    assert con.execute("SELECT count(*) FROM violations").fetchone() == (0,)
    n, = con.execute("SELECT count(*) FROM lock_edges").fetchone()
    assert n >= 10
    assert con.execute("SELECT count(*) FROM lock_order").fetchone() == (n,)
    classes = con.execute("SELECT class, kind, file, line FROM lock_classes"
                          ).fetchall()
    assert len({c for c, *_ in classes}) == len(classes)
    assert ("rwlock", "stack/netinet/ip_input.c", 65) in \
        {tuple(c[1:]) for c in classes}
    # The order route.c documents: ib_rtlock before ib_lock.
    assert con.execute(
        "SELECT count(*) FROM lock_order WHERE held_lock = 'rwlock "
        "stack/netinet/ip_input.c:65' AND taken_lock = 'rwlock "
        "stack/netinet/ip_input.c:66'").fetchone() == (1,)


def selftest(tmp_path, netsim, fault, seed=5, check=3):
    sc = tmp_path / f"selftest-{fault}.json"
    sc.write_text(json.dumps({
        "name": f"selftest-{fault}", "hosts": [{"name": "h", "cpus": 2}],
        "workload": [{"program": "selftest", "fault": fault}]}))
    db = tmp_path / f"{fault}.db"
    p = run([netsim, "run", sc, "--seed", seed, "--db", db], check=check)
    return p, sqlite3.connect(db)


def test_a_spin_mutex_below_its_interrupt_s_level_is_reported(netsim,
                                                              tmp_path):
    """The clock interrupt (IPL_SCHED) takes a spin mutex initialised at
    IPL_SOFTNET; a thread holds it at IPL_SOFTNET, the clock enabled.
    Nothing deadlocks in this run; it is reported and fails."""
    p, con = selftest(tmp_path, netsim, "irq_unsafe")
    (msg,) = reports(p.stderr, "interrupt safety")
    m = re.fullmatch(r"spin mutex stack/apps/selftest.c:(\d+) is taken in "
                     r"interrupt context at IPL_SCHED \(at "
                     r"stack/apps/selftest.c:(\d+)\) and held with that "
                     r"interrupt enabled, at IPL_SOFTNET \(at "
                     r"stack/apps/selftest.c:(\d+)\): .*", msg)
    assert m, msg
    assert m[2] != m[3]
    assert re.search(r"taken in interrupt context: .*; host h, cpu 0, lwp "
                     r"intr-sched/0 \(id \d+\), \d+ ns", p.stderr)
    assert re.search(r"held at IPL_SOFTNET, that interrupt enabled: .*; "
                     r"host h, cpu 0, lwp selftest \(id 1\)", p.stderr)
    assert con.execute("SELECT kind, file, line FROM violations").fetchall() \
        == [("interrupt safety", "stack/apps/selftest.c", int(m[3]))]
    assert con.execute("SELECT status FROM runs").fetchone() == ("violation",)


def test_a_chain_from_an_interrupt_s_lock_to_an_unsafe_one_is_reported(
        netsim, tmp_path):
    """The clock's lock (right for the clock) is held while a spin mutex
    at IPL_VM is taken, and that one is held elsewhere at IPL_VM: the
    clock may spin on the first while its holder waits for the second,
    whose holder is the interrupted CPU."""
    p, _ = selftest(tmp_path, netsim, "irq_unsafe_chain")
    (msg,) = reports(p.stderr, "interrupt safety")
    assert re.fullmatch(r"spin mutex stack/apps/selftest.c:(\d+) is taken in "
                        r"interrupt context at IPL_SCHED \(at \S+\), and "
                        r"while it is held spin mutex stack/apps/selftest.c:"
                        r"(\d+) is taken, which is held with that interrupt "
                        r"enabled, at IPL_VM \(at \S+\)", msg), msg
    assert re.search(r"while it is held \(->: taken while holding\):\n    "
                     r"spin mutex \S+ -> spin mutex \S+\n      held since "
                     r"stack/apps/selftest.c:\d+, taken at "
                     r"stack/apps/selftest.c:\d+; host h", p.stderr)


LOCKGRAPH = ROOT / "reports" / "lockgraph.py"


def test_the_lock_order_graph_is_drawn_with_its_cycle_in_red(netsim,
                                                             tmp_path):
    db, svg = tmp_path / "r.db", tmp_path / "abba.svg"
    run([netsim, "run", abba(tmp_path, "abba-1", rounds=1), "--db", db,
         "--quiet"], check=3)
    run([netsim, "run", SCENARIOS / "net" / "two-hosts.json", "--db", db,
         "--quiet"], check=0)
    p = run([sys.executable, LOCKGRAPH, "--db", db, "--run", "1", "--out",
             svg], check=0)
    assert p.stdout == f"run 1 (abba-deadlock, seed 1): 2 lock classes, " \
        f"2 edges -> {svg}\n"
    page = svg.read_text()
    assert page.startswith("<?xml") and "<svg" in page
    assert page.count("mutex stack/apps/abba.c:") == 2
    # Both edges of the cycle red, with their lines.
    assert len(re.findall(r'<path fill="none" stroke="red"', page)) == 2
    assert "stack/apps/abba.c:51" in page and "stack/apps/abba.c:53" in page
    # The stack's own order: edges, none red; the newest run by default.
    other = tmp_path / "two.svg"
    p = run([sys.executable, LOCKGRAPH, "--db", db, "--out", other], check=0)
    assert p.stdout.startswith("run 2 (two-hosts, seed 1): ")
    page = other.read_text()
    assert page.count("class=\"edge\"") >= 10
    assert 'stroke="red"' not in page


def test_the_lock_order_graph_marks_an_interrupt_safety_finding(netsim,
                                                                tmp_path):
    _, _ = selftest(tmp_path, netsim, "irq_unsafe_chain")
    db = tmp_path / "irq_unsafe_chain.db"
    run([sys.executable, LOCKGRAPH, "--db", db, "--format", "dot", "--out",
         tmp_path / "g.dot"], check=0)
    dot = (tmp_path / "g.dot").read_text()
    assert len(re.findall(r"color=darkorange", dot)) == 2, dot
    assert "color=red" not in dot


def test_the_lock_order_graph_of_a_missing_run_says_so(netsim, tmp_path):
    db = tmp_path / "r.db"
    run([netsim, "run", SCENARIOS / "default.json", "--db", db, "--quiet"],
        check=0)
    p = run([sys.executable, LOCKGRAPH, "--db", db, "--run", "7"], check=1)
    assert "no run 7" in p.stderr
