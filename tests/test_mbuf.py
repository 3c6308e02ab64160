"""mbufs and pool caches, as the stack's protocol code relies on them.

tests/c/test_mbuf runs each case as stack code on the simulated machine
(one CPU, or four for the pool cases) and checks it from inside; these
tests run the cases, read their summaries and check the reports of the
cases that must stop the run.  A failing case prints the command that
replays it.
"""
import re

import pytest

from harness import VARIANT, ok_summary, run

PROP_SEEDS = list(range(1, 21))


def case(test_bin, name, *args, status=0):
    return run([test_bin("test_mbuf"), name, *args], check=status)


@pytest.mark.parametrize("seed", PROP_SEEDS)
def test_random_chain_operations_match_a_flat_byte_model(test_bin, seed):
    # 5000 appends, prepends, adjusts, pullups, copies in and out, shared
    # copies written through m_copyback_cow, cats, dups; contents and
    # m_pkthdr.len checked after each, no mbuf or cluster left at the end.
    s = ok_summary(case(test_bin, "prop", seed, 5000), "prop")
    assert all(int(s[f"op{i}"]) > 0 for i in range(12)), s
    assert int(s["readonly"]) > 0, "no operation met a shared cluster"


def test_same_seed_same_run(test_bin):
    a = case(test_bin, "prop", 3, 2000).stdout
    b = case(test_bin, "prop", 3, 2000).stdout
    assert a == b


def test_pullup_of_a_short_chain_frees_it_and_returns_null(test_bin):
    ok_summary(case(test_bin, "pullup"), "pullup")


def test_copies_share_clusters_and_the_last_reference_frees_them(test_bin):
    ok_summary(case(test_bin, "share"), "share")


def test_prepend_uses_leading_space_or_a_new_first_mbuf(test_bin):
    ok_summary(case(test_bin, "prepend"), "prepend")


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_pool_caches_on_four_cpus_never_hand_out_an_object_twice(test_bin,
                                                                 seed):
    # 12 LWPs on 4 CPUs get, put, and pass objects and shared packet
    # copies to each other; the case checks owners, counters
    # (gets = puts + live), per-CPU hits and constructor/destructor calls.
    p = case(test_bin, "pool", seed, 1000)
    s = ok_summary(p, "pool")
    assert int(s["get"]) == int(s["put"]) + 7
    assert all(int(h) > 0 for h in s["hits"].split(","))
    assert int(s["refill"]) > 0 and int(s["flush"]) > 0


def test_pool_run_is_deterministic(test_bin):
    fp = {re.search(r"fingerprint (\w+)", case(test_bin, "pool", 5,
                                                  1000).stdout).group(1)
          for _ in range(3)}
    assert len(fp) == 1, fp


def test_hard_limit_makes_nowait_fail_and_counts_it(test_bin):
    p = case(test_bin, "limit")
    ok_summary(p, "limit")
    # Each pool warns once when it first hits its limit (then at most
    # once a minute), however many gets fail.
    for pool in ("ltest", "mbpl", "mclpl"):
        assert p.stdout.count(f"WARNING: {pool} limit reached") == 1, \
            p.stdout


def test_waitok_get_at_the_limit_sleeps_until_a_put(test_bin):
    ok_summary(case(test_bin, "limitwait"), "limitwait")


def test_waitok_get_with_nothing_coming_back_is_a_deadlock(test_bin):
    p = case(test_bin, "limitdeadlock", status=4)
    assert "deadlock" in p.stderr
    assert 'on condvar "dltest"' in p.stderr, p.stderr


def test_writing_into_a_shared_cluster_stops_the_run(test_bin):
    p = case(test_bin, "rocopyback", status=3)
    assert "m_copyback into read-only (shared) storage" in p.stderr
    assert "uipc_mbuf.c" in p.stderr


def test_use_after_free_is_caught_by_the_sanitizer_build(test_bin):
    if VARIANT != "asan":
        ok_summary(case(test_bin, "useafterfree"), "useafterfree")
        pytest.skip("only the AddressSanitizer build can catch it")
    p = run([test_bin("test_mbuf"), "useafterfree"])
    assert p.returncode != 0
    assert "use-after-poison" in p.stderr, p.stderr[-2000:]
