"""The exploration build's race detector (sim/race/, `make explore`):
planted plain-memory races are reported with both sides by file:line,
and their correct twins -- the same code synchronised as the machine
interface says -- run clean, so the detector is neither blind nor noisy
(tests/c/test_race.c holds the cases).  The detector only observes: a
run that goes on past its races (--all-races) has the release build's
fingerprint.

These tests run bin/explore (built by `make explore` and by `make test`,
which both run them) and are skipped when it is not built.
"""
import re
import sqlite3

import pytest

from harness import ROOT, VARIANT, run

EXPLORE = ROOT / "bin" / "explore"
TEST_RACE = EXPLORE / "tests" / "test_race"
NETSIM = EXPLORE / "netsim"

SUMMARY = re.compile(
    r"^summary (?P<case>\S+) seeds (?P<first>\d+)\.\.(?P<last>\d+): "
    r"(?P<clean>\d+) clean, (?P<raced>\d+) raced, (?P<failed>\d+) failed, "
    r"first raced (?P<first_raced>\S+)$", re.M)

# Each correct use, its mutant, and the functions of the two accesses
# the mutant's report must name (the later one first).
PAIRS = [
    ("counter-mutex", "counter-plain", "ctr_worker", "ctr_worker"),
    ("counter-spin", "counter-plain", "ctr_worker", "ctr_worker"),
    ("counter-atomic", "counter-plain", "ctr_worker", "ctr_worker"),
    ("pcq", "pcq-mutant", "q_taker", "q_producer"),
    ("aq", "aq-mutant", "q_taker", "q_producer"),
    ("kcont", "kcont-mutant", "kc_fn", "kc_fn"),
    ("kcont-worker", "kcont-worker-mutant", "kc_fn", "kc_fn"),
    ("kcont-halt", "kcont-halt-mutant", "kc_halt", "kc_fn"),
    ("intr", "intr-mutant", "in_", "in_"),
    ("intr", "intr-lowspl", "in_", "in_"),
    ("softint", "softint-mutant", "in_", "in_"),
    ("rw", "rw-mutant", "rw_worker", "rw_worker"),
    ("fence", "fence-mutant", "fe_reader", "fe_writer"),
]


def explore_binary(path):
    if VARIANT not in ("release", "explore"):
        pytest.skip(f"the {VARIANT} suite leaves the exploration build to "
                    "the release one")
    if not path.exists():
        pytest.skip(f"{path} is not built (make explore)")
    return path


def race_case(case, first=1, nseeds=1, plain_ns=0, check=None):
    """Run a case of test_race; returns (process, summary dict)."""
    cmd = [explore_binary(TEST_RACE), case, first, nseeds, plain_ns]
    p = run(cmd, check=check)
    m = SUMMARY.search(p.stdout)
    assert m, (f"no summary (exit {p.returncode})\nreplay: "
               f"{' '.join(map(str, cmd))}\n{p.stderr[-3000:]}")
    return p, m.groupdict()


@pytest.mark.parametrize("correct,mutant,later,earlier", PAIRS,
                         ids=[f"{c}/{m}" for c, m, _, _ in PAIRS])
def test_correct_use_runs_clean_and_its_mutant_is_reported(
        correct, mutant, later, earlier):
    p, s = race_case(correct, 1, 3, check=0)
    assert s["clean"] == "3", p.stdout
    assert "data race" not in p.stderr
    # Every mutant but the PCQ's is caught whatever the interleaving;
    # the PCQ's needs two producers between a load and a store.
    p, s = race_case(mutant, 1, 20, check=3)
    assert s["raced"] == "1" and s["failed"] == "0", p.stdout
    m = re.search(r"^netsim: data race on host \S+, kmem\+0x[0-9a-f]+.*\n"
                  r"  (?:read|write) of \d bytes by .* on cpu \d at \d+ ns\n"
                  r"    at tests/c/test_race\.c:\d+ in (\w+).*\n"
                  r"  (?:read|write) of \d bytes by .* on cpu \d at \d+ ns, "
                  r"not ordered before it\n"
                  r"    at tests/c/test_race\.c:\d+ in (\w+)",
                  p.stderr, re.M)
    assert m, p.stderr[-3000:]
    assert m.group(1).startswith(later), p.stderr[-3000:]
    assert m.group(2).startswith(earlier), p.stderr[-3000:]
    # The run stops with the machine's standard report: seed and replay.
    assert re.search(r"^netsim: data race: .* races with an earlier .*\n"
                     r"  at tests/c/test_race\.c:\d+\n"
                     r"  seed \d+, virtual time \d+ ns, host host, cpu \d, ",
                     p.stderr, re.M), p.stderr[-3000:]
    assert f"replay: {TEST_RACE} {mutant} {s['first_raced']} 1 0" in p.stderr


def test_continuations_are_contexts_of_their_own():
    """Two worker continuations touching one field race even when one
    worker LWP ran both, one after the other: each run is its own
    context (kern_ctx_enter), named by its function and kcont."""
    p, _ = race_case("kcont-worker-mutant", check=3)
    assert re.search(r"by continuation kc_fn \(kcont at kmem\+0x[0-9a-f]+\)",
                     p.stderr), p.stderr


def test_plain_points_let_a_cpu_in_between_two_plain_accesses():
    """A plain ++ marked data_race() is never reported; it loses updates
    only when plain accesses are scheduling points of their own
    (interleaving.plain_points), which the explorer can then interleave."""
    p, s = race_case("lost-update", 1, 10, check=0)
    assert s["clean"] == "10"
    p, s = race_case("lost-update", 1, 10, 20, check=1)
    assert s["failed"] == "1" and s["raced"] == "0"
    assert "updates lost" in p.stderr and "data race" not in p.stderr


def test_report_is_in_the_database_and_ends_the_run(tmp_path):
    """scenarios/races/lost-update.json (counter, method plain): exit 3,
    both accesses by file:line and function with host, CPU, LWP and
    virtual time, the object, the seed and the replay line, on stderr and
    in the races table; the violation's kind is 'data race'."""
    db = tmp_path / "r.db"
    p = run([explore_binary(NETSIM), "run",
             "scenarios/races/lost-update.json", "--seed", "5", "--db", db,
             "--quiet"], check=3)
    assert re.search(
        r"^netsim: data race on host box, kmem\+0x[0-9a-f]+: \+0x[0-9a-f]+ "
        r"in the block of \d+ bytes at kmem\+0x[0-9a-f]+ allocated at "
        r"stack/apps/counter\.c:\d+ in counter_main by lwp counter \(id 1\)",
        p.stderr, re.M), p.stderr
    assert re.search(r"seed 5, virtual time \d+ ns, host box, cpu \d, "
                     r"lwp counter\.\d", p.stderr), p.stderr
    con = sqlite3.connect(db)
    row = con.execute(
        "SELECT r.seed, r.status, r.exit_status, x.host, x.object, x.access,"
        " x.cpu, x.context, x.file, x.line, x.func, x.t_ns, x.prev_access,"
        " x.prev_cpu, x.prev_context, x.prev_file, x.prev_line, x.prev_func,"
        " x.prev_t_ns, x.replay, x.offset FROM races x JOIN runs r ON"
        " r.id = x.run_id").fetchall()
    kinds = con.execute("SELECT kind FROM violations").fetchall()
    con.close()
    assert kinds == [("data race",)]
    assert len(row) == 1
    (seed, status, exit_status, host, obj, access, cpu, ctx, file, line,
     func, t, prev_access, prev_cpu, prev_ctx, prev_file, prev_line,
     prev_func, prev_t, replay, offset) = row[0]
    assert (seed, status, exit_status, host) == (5, "violation", 3, "box")
    assert obj.startswith("kmem+0x") and offset > 0
    assert {access, prev_access} <= {"read of 8 bytes", "write of 8 bytes"}
    assert "write of 8 bytes" in (access, prev_access)
    assert (file, func, prev_file, prev_func) == (
        "stack/apps/counter.c", "counter_worker", "stack/apps/counter.c",
        "counter_worker")
    assert line > 0 and prev_line > 0
    assert ctx.startswith("lwp counter.") and prev_ctx.startswith(
        "lwp counter.") and ctx != prev_ctx
    assert cpu != prev_cpu and prev_t <= t
    assert replay == "netsim run scenarios/races/lost-update.json --seed 5"


# (scenario, seed): quick ones, with and without races of their own.
SAME = [("scenarios/default.json", 1), ("scenarios/udp_echo.json", 2),
        ("scenarios/races/abba-deadlock.json", 1),
        ("scenarios/races/lost-update.json", 3),
        ("scenarios/contention.json", 1), ("scenarios/nic-dma-flood.json", 1),
        ("scenarios/nic-pio-prealloc.json", 1),
        ("scenarios/net/two-hosts.json", 1),
        # make hunt found rpc_server's counters and rpc_client's requests
        # shared by LWPs without synchronisation (fixed: atomics).
        ("scenarios/net/rpc.json", 1)]
# The one shipped scenario with a data race: the planted one.
RACY = {"scenarios/races/lost-update.json"}


def pinned(scenario, seed):
    for line in (ROOT / "tests" / "fingerprints.tsv").read_text().splitlines():
        f = line.split("\t")
        if len(f) == 4 and f[0] == scenario and f[1] == str(seed):
            return int(f[2]), f[3]
    pytest.fail(f"{scenario} seed {seed} is not pinned")


@pytest.mark.parametrize("scenario,seed", SAME)
def test_the_detector_only_observes(scenario, seed):
    """Going on past every race (--all-races), the exploration build runs
    the release build's schedule: the pinned fingerprint, whatever the
    detector found (exit 3 if anything).  And the stack itself is clean:
    no race but the planted one (the ones the detector found in the
    stack are fixed or marked data_race() with the reason;
    bench/README.md lists them)."""
    status, fp = pinned(scenario, seed)
    p = run([explore_binary(NETSIM), "run", scenario, "--seed", seed,
             "--quiet", "--all-races"])
    assert p.stdout.strip().endswith(f"fingerprint {fp}"), p.stdout
    races = "data races (--all-races" in p.stderr or \
        "data race (--all-races" in p.stderr
    assert p.returncode == (3 if races else status), p.stderr[-2000:]
    assert races == (scenario in RACY), p.stderr[-3000:]


def test_dma_descriptor_hand_off_is_race_free():
    """The card's DMA (its reads of transmit descriptors and buffers, its
    writes of received frames and descriptors, DD last) is checked as a
    context of its own; the driver hands descriptors over with
    bus_dmamap_sync and reads DD with an acquire load, so no race names
    the card."""
    p = run([explore_binary(NETSIM), "run", "scenarios/nic-dma-flood.json",
             "--quiet", "--all-races"])
    assert p.returncode in (0, 3), p.stderr[-2000:]
    assert "sim/nic/nic_dma.c" not in p.stderr
    assert "(DMA)" not in p.stderr


def test_all_races_needs_the_exploration_build():
    p = run([ROOT / "bin" / "release" / "netsim", "run",
             "scenarios/default.json", "--all-races"], check=2)
    assert "--all-races needs the exploration build" in p.stderr
