"""The seeded stream tcp_client sends and checks (stack/apps/tcp_pattern.c).

Issue 13's check, "every byte delivered in order exactly once (clients
verify a seeded pattern)", holds only if the pattern depends on the seed
and on the offset: a segment delivered in the wrong place, twice, or a
byte short must not match.  tests/c/test_tcp_pattern makes and checks the
stream; a reference written here from tcp_pattern.c's definition says
what it must give, and every misplacement is counted byte for byte.
"""
import random

import pytest

from harness import run

SEEDS = [1, 2, 0xfffffffffffffff0]
BLOCK = 2048
MSS = 1448
M64 = (1 << 64) - 1


def mix(x):
    x &= M64
    x ^= x >> 33
    x = (x * 0xff51afd7ed558ccd) & M64
    x ^= x >> 33
    x = (x * 0xc4ceb9fe1a85ec53) & M64
    x ^= x >> 33
    return x


def reference(seed, pos, n):
    """tcp_pattern.c's definition: byte pos is table[pos % BLOCK] ^ byte
    pos % 8 of key(pos / BLOCK), the table's bytes those of mix(seed + i)
    and the keys mix(keyseed + j), little-endian."""
    table = b"".join(mix(seed + i).to_bytes(8, "little")
                     for i in range(BLOCK // 8))
    keyseed = mix(seed ^ 0x9e3779b97f4a7c15)
    out = bytearray(n)
    for i in range(n):
        p = pos + i
        key = mix(keyseed + p // BLOCK).to_bytes(8, "little")
        out[i] = table[p % BLOCK] ^ key[p % 8]
    return bytes(out)


def pattern(test_bin, lines):
    p = run([test_bin("test_tcp_pattern")], input="".join(
        line + "\n" for line in lines), check=0)
    out = p.stdout.splitlines()
    assert len(out) == len(lines), p.stderr
    return out


def fills(test_bin, cases):
    return [bytes.fromhex(h) for h in
            pattern(test_bin, [f"fill {s} {p} {n}" for s, p, n in cases])]


def checks(test_bin, cases):
    return [int(c) for c in pattern(
        test_bin, [f"check {s} {p} {b.hex()}" for s, p, b in cases])]


@pytest.mark.parametrize("seed", SEEDS)
def test_the_stream_is_the_seeded_pattern_wherever_it_is_cut(test_bin, seed):
    # Pieces that start and end anywhere in a word, a 64-byte step and a
    # block, cross blocks, and lie far into the stream (past 2^32 and
    # 2^40 bytes: the block number is 64 bits).
    rng = random.Random(seed)
    cases = [(seed, 0, 1), (seed, 0, BLOCK * 2 + 77), (seed, BLOCK - 3, 70),
             (seed, (1 << 32) - 5, 300), (seed, (1 << 40) + 13, MSS)]
    cases += [(seed, rng.randrange(1 << 20), rng.randrange(1, 3 * BLOCK))
              for _ in range(30)]
    for (s, p, n), got in zip(cases, fills(test_bin, cases)):
        assert got == reference(s, p, n), (s, p, n)


@pytest.mark.parametrize("seed", SEEDS)
def test_the_check_counts_exactly_the_bytes_that_differ(test_bin, seed):
    # The right bytes count 0; k bytes changed anywhere (a 64-byte
    # step's first and last, the tail's) count k.
    rng = random.Random(seed)
    cases, want = [], []
    for _ in range(30):
        p, n = rng.randrange(1 << 24), rng.randrange(1, 3 * BLOCK)
        b = bytearray(reference(seed, p, n))
        cases.append((seed, p, bytes(b)))
        want.append(0)
        hit = rng.sample(range(n), min(n, rng.choice([1, 2, 63, 64, 65])))
        for i in hit:
            b[i] ^= rng.randrange(1, 256)
        cases.append((seed, p, bytes(b)))
        want.append(len(hit))
    assert checks(test_bin, cases) == want


@pytest.mark.parametrize("seed", SEEDS)
def test_a_segment_out_of_place_or_a_byte_twice_fails_the_check(test_bin,
                                                                 seed):
    # A full segment's bytes checked at another offset -- a byte, a word,
    # a block, a send buffer (64 KiB), a megabyte, 2^32 away (a sequence
    # number wrap) -- or under another seed, or with one byte delivered
    # twice (the rest one late) or lost (the rest one early): most of its
    # bytes fail, and the count is the exact number that differ.
    rng = random.Random(seed)
    cases = []
    for _ in range(4):
        p = rng.randrange(1 << 30)
        seg = reference(seed, p, MSS)
        for d in (1, 7, 8, 64, BLOCK, 2 * BLOCK, 16384, 65536, 1 << 20,
                  1 << 32):
            cases.append((seed, p + d, seg))
            if p >= d:
                cases.append((seed, p - d, seg))
        cases.append((seed ^ 1, p, seg))
        k = rng.randrange(1, MSS // 2)
        cases.append((seed, p, seg[:k] + seg[k - 1:-1]))     # byte twice
        cases.append((seed, p, seg[:k] + seg[k + 1:] + b"\0"))  # one lost
    got = checks(test_bin, cases)
    for (s, p, b), bad in zip(cases, got):
        want = sum(x != y for x, y in zip(b, reference(s, p, len(b))))
        assert bad == want, (s, p)
    for (s, p, b), bad in zip(cases, got):
        assert bad >= len(b) // 4, (s, p, bad)
