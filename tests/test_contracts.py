"""The kernel services' contracts, checked in every build (README, "Lock
order and the kernel services' contracts"): each misuse the selftest
program commits on demand stops the run at once with exit status 3 and a
report that says what broke and names the line of the stack's code that
broke it -- not a line of the machine.
"""
import json
import re
import sqlite3

import pytest

from harness import ROOT, VARIANT, run

SELFTEST = (ROOT / "stack" / "apps" / "selftest.c").read_text().splitlines()


def line_of(text, nth=1):
    """The line number of the nth line of selftest.c holding text."""
    found = [n for n, line in enumerate(SELFTEST, 1) if text in line]
    assert len(found) >= nth, text
    return found[nth - 1]


def selftest(tmp_path, netsim, fault, seed=5, check=3):
    sc = tmp_path / f"selftest-{fault}.json"
    sc.write_text(json.dumps({
        "name": f"selftest-{fault}", "hosts": [{"name": "h", "cpus": 2}],
        "workload": [{"program": "selftest", "fault": fault}]}))
    db = tmp_path / "r.db"
    p = run([netsim, "run", sc, "--seed", seed, "--db", db], check=check)
    con = sqlite3.connect(db)
    (status, code), = con.execute("SELECT status, exit_status FROM runs")
    assert (status, code) == ("violation", 3)
    (n,) = con.execute("SELECT count(*) FROM violations").fetchone()
    assert n == 1
    return p


# (fault, what the report says (<N>: a number), the selftest.c line it
# names, the lines the message names)
CASES = [
    ("unheld_exit", "panic: mutex_exit of a mutex not held by lwp selftest "
     "(initialised at stack/apps/selftest.c:{init}, held by nobody)",
     ("mutex_exit(&st->m);", 1), {"init": ("mutex_init(&st->m,", 1)}),
    ("rw_unheld_exit", "panic: rw_exit by lwp selftest of the rwlock "
     "initialised at stack/apps/selftest.c:{init}, which it does not hold "
     "(read-held by others)", ("rw_exit(&st->rw);", 2),
     {"init": ("rw_init(&st->rw);", 1)}),
    ("rw_recurse", "panic: lwp selftest takes the rwlock initialised at "
     "stack/apps/selftest.c:{init}, which it already holds (taken at "
     "stack/apps/selftest.c:{first})", ("rw_enter(&st->rw, RW_READER);", 3),
     {"init": ("rw_init(&st->rw);", 1),
      "first": ("rw_enter(&st->rw, RW_READER);", 2)}),
    ("exit_holding", "panic: lwp keeper exits holding 1 lock, the innermost "
     "taken here", ("mutex_enter(&st->m);", 1), {}),
    ("exit_spl", "panic: lwp raiser exits at spl 5: a splraise without its "
     "splx", None, {}),
    ("splx_spin", "panic: splx(0) gives up the level of the spin mutex "
     "initialised at stack/apps/selftest.c:{init} (IPL_VM), which lwp "
     "selftest holds (taken here)", ("mutex_spin_enter(&st->spin);", 1),
     {"init": ("mutex_init(&st->spin,", 1)}),
    ("free_held", "panic: kmem_free of <N> bytes holding a mutex that lwp "
     "selftest holds (taken here)", ("mutex_enter(&st->m);", 3), {}),
    ("handler_holding", "panic: softnet handler returned holding 1 lock, "
     "the innermost taken here", ("mutex_enter(&st->m);", 2), {}),
    ("sleep_spin", "panic: lwp selftest sleeps holding a spin mutex (taken "
     "here)", ("mutex_enter(&st->spin);", 1), {}),
    # Checked before this work too; here so every contract has its case.
    ("intr_sleep", "panic: lwp intr-sched/0 sleeps in a hardware interrupt "
     "handler", None, {}),
]


@pytest.mark.parametrize("fault,says,at,lines", CASES,
                         ids=[c[0] for c in CASES])
def test_a_broken_contract_stops_the_run_naming_the_line(netsim, tmp_path,
                                                         fault, says, at,
                                                         lines):
    p = selftest(tmp_path, netsim, fault)
    want = re.escape(says.format(**{k: line_of(*v) for k, v in
                                    lines.items()})).replace("<N>", r"\d+")
    assert re.search(rf"^netsim: {want}$", p.stderr, re.M), p.stderr
    if at is not None:
        assert f"  at stack/apps/selftest.c:{line_of(*at)}\n" in p.stderr
    assert re.search(r"seed 5, virtual time \d+ ns, host h, cpu 0, lwp "
                     r"\S+ \(id \d+\)", p.stderr)
    assert "replay: netsim run " in p.stderr


def test_two_consumers_of_one_pcq_are_caught_naming_both(netsim, tmp_path):
    """Two LWPs put and take on one pcq.  Before: caught only laps later,
    if at all, by a stamp that did not fit ("concurrent consumers?"),
    naming neither; now at the first overlap, naming both."""
    p = selftest(tmp_path, netsim, "pcq_two_consumers")
    m = re.search(r"^netsim: panic: pcq_get by lwp (consumer\.\d) while lwp "
                  r"(consumer\.\d) takes from the same pcq: a pcq has one "
                  r"consumer at a time$", p.stderr, re.M)
    assert m and m[1] != m[2], p.stderr
    t = int(re.search(r"virtual time (\d+) ns", p.stderr)[1])
    assert t < 100_000, "at the first overlap"


# The memory's misuses: the message, and whether AddressSanitizer (which
# marks freed pool objects unaddressable) stops the sanitizer build first.
MEMORY = [
    ("mbuf_double_free", r"m_free: mbuf freed twice or used after free, "
     r"type -?\d+", "uipc_mbuf.c", True),
    ("mbuf_use_after_free", r"m_copydata: mbuf freed twice or used after "
     r"free, type -?\d+", "uipc_mbuf.c", True),
    ("mbuf_write_after_free", r"pool_cache_get\(mbpl\): object written "
     r"after it was freed \(a use after free\): byte \d+ of 256 is 0x78, "
     r"not the poison 0xdb", "subr_pool.c", True),
    ("pool_double_put", r"pool_cache_put\(selftest\): object freed twice "
     r"\(it is still poisoned from the first time\)", "subr_pool.c", False),
    # Before: all zero passed for "never used", and this went unseen.
    ("pool_zero_after_free", r"pool_cache_get\(selftest\): object written "
     r"after it was freed \(a use after free\): byte 0 of 64 is 0, not the "
     r"poison 0xdb", "subr_pool.c", True),
]


@pytest.mark.parametrize("fault,says,where,sanitizer", MEMORY,
                         ids=[m[0] for m in MEMORY])
def test_freed_memory_used_again_is_caught_in_every_build(
        netsim, tmp_path, fault, says, where, sanitizer):
    """Free pool objects are poisoned (subr_pool.c) and mbuf routines
    refuse a freed mbuf.  Before: the use after free read the old
    contents, the write after free went into the next user's mbuf, both
    silently (exit 0); an object put back twice through the depot was
    seen only at pool_cache_destroy, as "4294967295 of its 63 objects
    were never put back"."""
    if VARIANT == "asan" and sanitizer:
        sc = tmp_path / "s.json"
        sc.write_text(json.dumps({
            "name": "s", "hosts": [{"name": "h", "cpus": 2}],
            "workload": [{"program": "selftest", "fault": fault}]}))
        p = run([netsim, "run", sc])
        assert p.returncode != 0
        assert "AddressSanitizer: use-after-poison" in p.stderr, p.stderr
        return
    p = selftest(tmp_path, netsim, fault)
    assert re.search(rf"^netsim: panic: {says}$", p.stderr, re.M), p.stderr
    assert re.search(rf"^  at stack/kern/{where}:\d+$", p.stderr, re.M)
