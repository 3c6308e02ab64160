"""Kernel continuations: delays in virtual time, CPU binding, stop before
and during a run, sleepable workers, and many scheduled from a hardware
interrupt without allocating (tests/c/test_kcont.c)."""
import re

import pytest

from harness import run

TICK = 1_000_000            # hz = 1000


def case(test_bin, name, *args, check=0):
    p = run([test_bin("test_kcont"), name, *args], check=check)
    return p.stdout


def probes(out, name):
    return [dict(runs=int(m[0]), ran_at=int(m[1]), cpu=int(m[2]), lwp=m[3])
            for m in re.findall(rf"^{name} runs (\d+) ran_at (\d+) cpu (\d+) "
                                r"lwp (\S+)$", out, re.M)]


def test_delay_runs_at_the_tick_boundary_plus_interrupt_and_softint(test_bin):
    """Only call (1 ns), intr (1000 ns) and softint (100 ns) cost anything:
    a continuation scheduled for k ticks at time t runs at
    (t // tick + k) * tick + 1000 + 100 plus a few calls."""
    out = case(test_bin, "delay")
    sched = [(int(k), int(t)) for k, t in
             re.findall(r"ticks (\d+) scheduled_at (\d+)", out)]
    runs = probes(out, "delay")
    assert len(sched) == len(runs) == 4
    for (k, t), p in zip(sched, runs):
        due = (t // TICK + k) * TICK
        assert p["runs"] == 1
        assert 1100 <= p["ran_at"] - due <= 1110, (k, t, p)
        assert p["lwp"] == "softclock/0"


def test_delay_with_default_costs_is_late_by_a_few_microseconds(test_bin):
    out = case(test_bin, "delay_default_costs")
    sched = re.findall(r"ticks (\d+) scheduled_at (\d+)", out)
    for (k, t), p in zip(sched, probes(out, "delay")):
        due = (int(t) // TICK + int(k)) * TICK
        assert 0 < p["ran_at"] - due < 10_000


def test_bound_continuations_run_on_their_cpu(test_bin):
    out = case(test_bin, "bind")
    (now,), (later,), (unbound,) = (probes(out, n) for n in
                                    ("bound_now", "bound_later",
                                     "unbound_from3"))
    assert (now["runs"], now["cpu"], now["lwp"]) == (1, 2, "softnet/2")
    assert (later["runs"], later["cpu"]) == (1, 2)
    assert later["ran_at"] >= 3 * TICK
    assert (unbound["runs"], unbound["cpu"]) == (1, 3), \
        "an unbound continuation runs where it was scheduled"


def test_stop_before_it_runs_cancels_it(test_bin):
    out = case(test_bin, "stop_before")
    assert "stop_timed 1 pending_after 0 stop_immediate 1 stop_again 0" in out
    assert probes(out, "timed")[0]["runs"] == 0
    assert probes(out, "immediate")[0]["runs"] == 0


def test_stop_during_a_run_does_not_wait_but_halt_does(test_bin):
    out = case(test_bin, "stop_during")
    assert "stop 0 running_after_stop 1 running_after_halt 0" in out
    ended, halted = map(int, re.search(
        r"func_ended_at (\d+) halt_returned_at (\d+)", out).groups())
    assert halted >= ended
    (p,) = probes(out, "during")
    assert (p["runs"], p["cpu"]) == (1, 1)


def test_worker_continuations_may_sleep(test_bin):
    out = case(test_bin, "worker")
    m = re.search(r"worker_lwp (\S+) slept_ns (\d+) stage (\d+)", out)
    assert m.group(1).startswith("kcontwk/")
    assert int(m.group(2)) >= 2 * TICK          # kpause(3) from mid-tick
    assert m.group(3) == "2"


def test_sleeping_at_soft_interrupt_level_is_a_violation(test_bin):
    p = run([test_bin("test_kcont"), "soft_sleep"], check=3)
    assert "sleeps in a soft interrupt" in p.stderr


def test_many_scheduled_from_a_hardware_interrupt_without_allocating(test_bin):
    out = case(test_bin, "many")
    m = re.search(r"many (\d+) in_intr (\d) allocs_during (\d+) ran_once "
                  r"(\d+) on_cpu (\d+) on_time (\d+)", out)
    n, in_intr, allocs, once, on_cpu, on_time = map(int, m.groups())
    assert in_intr == 1
    assert allocs == 0
    assert once == on_cpu == on_time == n


def test_many_replays_from_its_seed(test_bin):
    fp = [re.search(r"fingerprint (\w+)", case(test_bin, "many", s)).group(1)
          for s in ("1", "1", "2")]
    assert fp[0] == fp[1] != fp[2]


def test_rescheduling_moves_a_pending_continuation(test_bin):
    out = case(test_bin, "reschedule")
    (later,), (earlier,), (periodic,) = (probes(out, n) for n in
                                         ("later", "earlier", "periodic"))
    assert later["runs"] == 1 and 7 * TICK <= later["ran_at"] < 8 * TICK
    assert earlier["runs"] == 1 and 4 * TICK <= earlier["ran_at"] < 5 * TICK
    assert periodic["runs"] == 5 and 15 * TICK <= periodic["ran_at"] < 16 * TICK


@pytest.mark.parametrize("name,lwp", [("twice", "softnet/1"),
                                      ("twice_worker", "kcontwk/")])
def test_scheduled_again_while_it_runs_it_never_runs_on_two_cpus(
        test_bin, name, lwp):
    """Scheduled from CPU 1 while it runs on CPU 0 (a soft interrupt's),
    or by itself halfway through its run with the other CPU's worker idle
    (a worker's): it runs again, after the run in progress.  Before: the
    second run began on the other CPU while the first still ran."""
    out = case(test_bin, name)
    m = re.search(r"first_ended_at (\d+) inside_max (\d+)", out)
    ended, inside_max = int(m[1]), int(m[2])
    (p,) = probes(out, "twice")
    assert p["runs"] == 2
    assert inside_max == 1
    assert p["ran_at"] >= ended
    assert p["lwp"].startswith(lwp)


def test_kcont_halt_in_its_own_function_is_a_violation(test_bin):
    """It would wait for itself for ever.  Before: the worker slept for
    good, unseen (a daemon), and the run ended 'ok'."""
    p = run([test_bin("test_kcont"), "halt_self"], check=3)
    assert "panic: kcont_halt in the continuation's own function would " \
        "wait for itself for ever" in p.stderr
    assert "lwp kcontwk/" in p.stderr


def test_halt_returns_with_no_run_in_progress_even_one_asked_elsewhere(
        test_bin):
    """Halted after CPU 1 scheduled it again mid-run: halt cancels that
    run and returns once the run in progress is over.  Before: CPU 1's
    run had begun, the first run's end cleared 'running', and halt
    returned with CPU 1's run still going."""
    out = case(test_bin, "twice_halt")
    assert "inside_at_halt 0" in out
    (p,) = probes(out, "twice")
    assert p["runs"] == 1
