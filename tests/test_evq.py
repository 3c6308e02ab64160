"""The event queue pops the least (time, seq) first, equal times in push order.

Drives bin/<variant>/tests/test_evq, which checks every pop against an
oracle (times remembered by seq; pops strictly increasing; each event out
exactly once) and, where the queue stays small, a reference array sorted
by (time, seq).  A failure prints the case, the seed and the replay line.
"""
import pytest

from harness import binary, run

CASES = ["empty", "fifo", "front", "hold_exp", "hold_equal", "hold_twopoint", "wide"]


@pytest.mark.parametrize("case", CASES)
def test_evq_pops_least_time_first_and_equal_times_in_push_order(case):
    run([binary("tests", "test_evq"), case, 1], check=0)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_evq_random_interleavings_match_sorted_reference(seed):
    run([binary("tests", "test_evq"), "random", seed], check=0)


def test_evq_rejects_unknown_case_with_usage():
    p = run([binary("tests", "test_evq"), "nosuchcase", 1], check=2)
    assert "usage: test_evq CASE SEED" in p.stderr
    assert "hold_twopoint" in p.stderr
