"""kpause_until, the machine's high-resolution timed wait: a sleeper wakes
at its deadline to the nanosecond, not at the next clock tick, and its
CPU pays a timer interrupt and a wakeup for it (tests/c/test_ktime.c).
Only call (1 ns), intr (1000), wakeup (100) and ctx_switch (10) cost
anything there."""
import re

from harness import run

INTR, CALL, WAKEUP, SWITCH = 1000, 1, 100, 10


def case(test_bin, name):
    return run([test_bin("test_ktime"), name], check=0).stdout


def test_a_sleeper_wakes_at_its_deadline_between_ticks(test_bin):
    """The deadlines fall between ticks of hz 1000; each sleeper runs again
    the timer interrupt, its handler's call, the wakeup and the switch
    after its deadline (then its getnanouptime call): no tick rounding."""
    out = case(test_bin, "until")
    sleeps = [tuple(map(int, m)) for m in
              re.findall(r"^until (\d+) woke (\d+) ret (\d+)$", out, re.M)]
    assert len(sleeps) == 4
    for until, woke, ret in sleeps:
        assert ret != 0                     # EWOULDBLOCK: the time came
        assert woke - until == INTR + CALL + WAKEUP + SWITCH + CALL
    # The CPU's interrupt time holds the timer's interrupts, 4 of them.
    assert f"intr_ns {4 * (INTR + CALL + WAKEUP)}" in out


def test_a_deadline_already_past_returns_at_once(test_bin):
    out = case(test_bin, "until")
    assert re.search(rf"^past ret 0 took {2 * CALL}$", out, re.M)


def test_the_mutex_is_released_while_asleep_and_held_after(test_bin):
    out = case(test_bin, "mutex")
    m = re.search(r"other_took (\d+) sleeper_back (\d+) held_after (\d)",
                  out)
    other, back, held = map(int, m.groups())
    assert other < 500000 < back and held == 1
