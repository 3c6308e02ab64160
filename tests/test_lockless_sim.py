"""The lockless queues under the simulated machine's race hunt
(tests/c/test_lockless_sim.c): PCQ and atomic-queue stress on 4 simulated
CPUs, 200 seeds each, a separate machine per seed; a PCQ whose producers
reserve without a CAS (compiled into the test program only) must be
caught on some of the same seeds; every seed replays exactly.

A failing seed prints its line and the command that replays it, e.g.
`bin/release/tests/test_lockless_sim pcq 8 17`.
"""
import re
import subprocess

import pytest

from harness import ROOT, VARIANT, binary, run

SEEDS = 200

SUMMARY = re.compile(
    r"^summary (?P<case>\S+) producers (?P<producers>\d+) seeds "
    r"(?P<first>\d+)\.\.(?P<last>\d+): (?P<ok>\d+) ok, (?P<failed>\d+) "
    r"failed \(lost (?P<lost>\d+), duplicated (?P<duplicated>\d+), out of "
    r"order (?P<misordered>\d+), stalled (?P<stalled>\d+), assertion "
    r"(?P<assertion>\d+), other (?P<other>\d+)\), first failed "
    r"(?P<first_failed>\S+), (?:fulls|reuse_waits) (?P<waits>\d+), "
    r"empties (?P<empties>\d+)$", re.M)


def stress(case, producers, first=1, nseeds=SEEDS):
    """Run seeds first .. first+nseeds-1; returns (process, summary)."""
    cmd = [binary("tests", "test_lockless_sim"), case, producers, first,
           nseeds]
    p = run(cmd)
    m = SUMMARY.search(p.stdout)
    assert m, (f"no summary line (exit {p.returncode})\n"
               f"replay: {' '.join(map(str, cmd))}\n{p.stderr[-4000:]}")
    s = {k: (v if k in ("case", "first_failed") else int(v))
         for k, v in m.groupdict().items()}
    return p, s


def failures(out, limit=10):
    """The first FAIL lines with their replay commands, for messages."""
    lines = out.splitlines()
    shown = [f"{line}\n{nxt}" for line, nxt in zip(lines, lines[1:] + [""])
             if " FAIL: " in line]
    return "\n".join(shown[:limit])


def fingerprints(out):
    return dict(re.findall(r"^seed (\d+) ok fingerprint (\w+)", out, re.M))


@pytest.mark.parametrize("producers", [4, 8])
def test_pcq_delivers_every_item_once_in_producer_order_on_200_seeds(
        producers):
    """Producers put without a lock and wake the consumer; a full queue
    puts them to sleep; the consumer takes items under its lock: nothing
    lost, nothing twice, each producer's items in order, on every seed."""
    p, s = stress("pcq", producers)
    assert p.returncode == 0 and s["ok"] == SEEDS, failures(p.stdout)
    assert s["waits"] > 0, "the stress never found the PCQ full"
    assert s["empties"] > 0, "the consumer never found the PCQ empty"


@pytest.mark.parametrize("producers", [4, 8])
def test_atomic_queue_keeps_its_documented_order_on_200_seeds(producers):
    """Head pushes LIFO, tail pushes FIFO, a head push ahead of every tail
    item, every item popped exactly once by the one remover."""
    p, s = stress("aq", producers)
    assert p.returncode == 0 and s["ok"] == SEEDS, failures(p.stdout)
    assert s["waits"] > 0, "producers never had to wait for a pool item"


@pytest.mark.parametrize("producers", [4, 8])
def test_pcq_reserving_without_cas_loses_items_on_some_seeds(producers):
    """The mutant (subr_pcq.c with PCQ_MUTANT_NO_CAS) on the seeds the real
    PCQ passes above: some seed must lose or duplicate an item."""
    p, s = stress("pcq-mutant", producers)
    assert p.returncode == 1 and s["failed"] >= 1, \
        f"the race hunt missed the CAS-less PCQ on all {SEEDS} seeds"
    assert s["lost"] + s["duplicated"] >= 1, failures(p.stdout)
    assert s["other"] == 0, failures(p.stdout)


def test_a_caught_mutant_seed_replays_the_same_failure():
    p, s = stress("pcq-mutant", 8)
    seed = int(s["first_failed"])
    line = re.search(rf"^seed {seed} FAIL: .*$", p.stdout, re.M).group(0)
    again, _ = stress("pcq-mutant", 8, seed, 1)
    assert again.returncode == 1
    assert line in again.stdout.splitlines()
    assert f"replay: {binary('tests', 'test_lockless_sim')} pcq-mutant 8 " \
        f"{seed}" in again.stdout


@pytest.mark.parametrize("case", ["pcq", "aq"])
def test_one_seed_run_twice_gives_the_same_fingerprint(case):
    first, _ = stress(case, 8, 17, 3)
    second, _ = stress(case, 8, 17, 3)
    a, b = fingerprints(first.stdout), fingerprints(second.stdout)
    assert len(a) == 3 and a == b
    assert len(set(a.values())) == 3, "different seeds ran the same way"


def test_the_mutant_is_compiled_into_the_test_program_only():
    """Neither bin/netsim nor the library holds the CAS-less copy, but for
    the private one of the race catalogue's pcq_stress program (its
    "producer": "load_store"): local symbols of pcq_stress.c alone, which
    nothing else can call."""
    test = binary("tests", "test_lockless_sim")
    netsim = binary("netsim")
    lib = ROOT / "build" / VARIANT / "lib.a"
    if not lib.exists():
        pytest.skip(f"{lib} is not built")

    def symbols(path):
        p = subprocess.run(["nm", "-A", str(path)], capture_output=True,
                           text=True, check=True)
        return p.stdout

    assert "mutant_pcq_put" in symbols(test)
    for path in (netsim, lib):
        for line in symbols(path).splitlines():
            if "mutant" not in line:
                continue
            assert re.search(r" t ps_mutant_[a-z]+$", line), \
                f"{path} holds the mutant outside pcq_stress: {line}"
            assert path == netsim or ":pcq_stress.c.o:" in line, line


@pytest.mark.parametrize("args", [["pcq"], ["fifo", "4", "1"],
                                  ["pcq", "17", "1"], ["aq", "4", "0"],
                                  ["pcq", "4", "1", "x"]])
def test_bad_arguments_get_the_usage_line(args):
    p = run([binary("tests", "test_lockless_sim"), *args], check=2)
    assert "usage: test_lockless_sim" in p.stderr
