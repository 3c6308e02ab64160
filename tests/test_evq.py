"""The event queue pops the least (time, seq) first, equal times least seq first.

Drives bin/<variant>/tests/test_evq, which checks every pop against an
oracle (times and seqs remembered by push; pops increasing but for a push
below the one just popped, which must come next; each event out exactly
once) and, in most cases, a reference binary heap on (time, seq).  Seqs
come in push order (the engine's one counter), or out of it: scrambled,
or owner << 44 | the owner's count (the lookahead scheduler's).  A failure
prints the case, the seed and the replay line.
"""
import pytest

from harness import binary, run

CASES = ["empty", "fifo", "front", "hold_exp", "hold_equal", "hold_twopoint", "wide"]

# Seqs pushed out of order: equal times must still leave least seq first.
UNORDERED_CASES = ["fifo_scrambled", "fifo_owner", "front_scrambled", "front_owner",
                   "hold_twopoint_scrambled", "wide_scrambled", "now_below", "one_time",
                   "far_equal"]


@pytest.mark.parametrize("case", CASES)
def test_evq_pops_least_time_first_and_equal_times_in_push_order(case):
    run([binary("tests", "test_evq"), case, 1], check=0)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_evq_random_interleavings_match_sorted_reference(seed):
    run([binary("tests", "test_evq"), "random", seed], check=0)


@pytest.mark.parametrize("case", UNORDERED_CASES)
def test_evq_equal_times_leave_least_seq_first_whatever_the_push_order(case):
    run([binary("tests", "test_evq"), case, 1], check=0)


@pytest.mark.parametrize("case", ["random_scrambled", "random_owner"])
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_evq_random_interleavings_of_unordered_seqs_match_reference(case, seed):
    run([binary("tests", "test_evq"), case, seed], check=0)


def test_evq_rejects_unknown_case_with_usage():
    p = run([binary("tests", "test_evq"), "nosuchcase", 1], check=2)
    assert "usage: test_evq CASE SEED" in p.stderr
    assert "hold_twopoint" in p.stderr
    assert "one_time" in p.stderr
