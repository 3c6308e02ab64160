"""The PATRICIA tree (stack/kern/subr_ptree.c) on the real machine.

Each test runs bin/<variant>/native/test_ptree, which checks the tree
against a brute-force reference and prints the command that replays a
failure (the seed is on that line).  The names contain "native" so
`make tsan` runs them too.
"""
import os

import pytest

from harness import run

SEED_V4 = 20260101
SEED_V6 = 20260102
# The tree is single-threaded code: under ThreadSanitizer (10x slower)
# the long runs are shortened; release and asan run them in full.
LONG = "20000" if os.environ.get("NETSIM_VARIANT") == "tsan" else "100000"


def ptree(native_bin, *args):
    return run([native_bin("test_ptree"), *args], timeout=120, check=0)


def test_native_ptree_random_ipv4_prefixes_agree_with_brute_force(native_bin):
    # 100,000 inserts, removes, exact finds and (filtered) longest-prefix
    # matches on nested IPv4 prefixes; jump table on the top 16 bits.
    p = ptree(native_bin, "random", "v4", "16", "direct", SEED_V4, LONG)
    assert f"{LONG} ops" in p.stdout


def test_native_ptree_random_ipv6_prefixes_agree_with_brute_force(native_bin):
    p = ptree(native_bin, "random", "v6", "16", "direct", SEED_V6, LONG)
    assert f"{LONG} ops" in p.stdout


@pytest.mark.parametrize("family,jumpbits,mode", [
    ("v4", "0", "direct"),
    ("v4", "0", "ops"),        # the inet ops called through the table
    ("v4", "8", "naive"),      # an independent bit-by-bit ops table
    ("v6", "0", "ops"),
    ("v6", "12", "naivedirect"),
    ("k13", "0", "naive"),     # keys of 13 bits, not a whole byte count
    ("k13", "5", "direct"),
])
def test_native_ptree_every_key_access_mode_agrees_with_brute_force(
        native_bin, family, jumpbits, mode):
    p = ptree(native_bin, "random", family, jumpbits, mode, "7", "20000")
    assert "20000 ops" in p.stdout


def test_native_ptree_shorter_prefix_inserted_last_still_matches(native_bin):
    # NetBSD's ptree: insert 10.1.0.0/16, then 10.0.0.0/8, and a lookup of
    # 10.2.3.4 finds nothing.  Here: that case, its mirror images, and
    # every insertion and removal order of /0, /8, /16, /24.
    p = ptree(native_bin, "netbsd")
    assert "ok" in p.stdout


def test_native_ptree_insert_and_remove_never_allocate(native_bin):
    p = ptree(native_bin, "noalloc")
    assert "0 allocations" in p.stdout


def test_native_ptree_portable_clz_matches_builtin(native_bin):
    p = ptree(native_bin, "clz")
    assert "agree" in p.stdout


def test_native_ptree_inet_helpers_clear_host_bits_and_match(native_bin):
    p = ptree(native_bin, "inet")
    assert "ok" in p.stdout
