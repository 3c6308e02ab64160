"""The Internet checksum over mbuf chains (stack/netinet/in_cksum.c).

tests/c/test_cksum runs in_cksum / in4_cksum / in_cksum_fixup* as stack
code on the simulated machine, over chains cut where these tests say; a
reference written here from RFC 1071 and RFC 1624 says what they must
give.  Every case is generated from a seed, so a failure names the seed
and the case to replay.
"""
import random

import pytest

from harness import run

SEEDS = [1, 2, 3, 4]


def ref_cksum(data):
    """RFC 1071: the one's complement of the one's-complement sum of the
    big-endian 16-bit words, an odd last byte padded with zero."""
    if len(data) % 2:
        data += b"\0"
    s = sum(int.from_bytes(data[i:i + 2], "big")
            for i in range(0, len(data), 2))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return (~s & 0xffff).to_bytes(2, "big").hex()


def pseudo(ip_header, proto, length):
    return ip_header[12:20] + bytes([0, proto]) + length.to_bytes(2, "big")


def cut(rng, n, first_min=0):
    """Random segments totalling n: "len@lead" with odd and even sizes,
    empty mbufs, odd leading room, some too long for an mbuf's own
    storage (clusters)."""
    segs, done = [], 0
    while done < n or not segs:
        left = n - done
        size = min(left, rng.choice([0, 1, 2, 3, 7, 64, 183, 215, 500,
                                     1499, 2000]))
        if rng.random() < 0.5:
            size = min(left, rng.randint(0, 2048))
        if not segs:
            size = min(left, max(size, first_min))
        lead = rng.randint(0, min(63, 2048 - size))
        segs.append(f"{size}@{lead}")
        done += size
    return ",".join(segs)


def run_cases(test_bin, cases):
    """Feed "op args..." lines to test_cksum; returns its answers."""
    exe = test_bin("test_cksum")
    p = run([exe], input="".join(c + "\n" for c in cases), check=0)
    out = p.stdout.split()
    assert len(out) == len(cases), p.stdout[-2000:]
    return out


def hexdata(b):
    return b.hex() if b else "-"


def test_rfc1071_worked_example_split_at_an_odd_byte(test_bin):
    # RFC 1071 section 3: the sum of 0001 f203 f4f5 f6f7 is ddf2.
    data = bytes.fromhex("0001f203f4f5f6f7")
    assert run_cases(test_bin, [f"cksum 0 0 8 {data.hex()} 3@1,5@0",
                                f"cksum 0 0 8 {data.hex()} 1@0,1@1,6@2"]) \
        == ["220d", "220d"]


@pytest.mark.parametrize("seed", SEEDS)
def test_checksum_of_random_chains_matches_rfc1071(test_bin, seed):
    rng = random.Random(seed)
    cases, want = [], []
    for _ in range(300):
        n = rng.choice([0, 1, 2, 3, 19, 20, 21, rng.randint(0, 6000)])
        data = rng.randbytes(n)
        length = rng.randint(0, n)
        cases.append(f"cksum 0 0 {length} {hexdata(data)} {cut(rng, n)}")
        want.append(ref_cksum(data[:length]))
    got = run_cases(test_bin, cases)
    for i, (g, w) in enumerate(zip(got, want)):
        assert g == w, f"seed {seed}, case {i}: {cases[i][:200]}"


@pytest.mark.parametrize("seed", SEEDS)
def test_pseudo_header_checksum_matches_rfc1071(test_bin, seed):
    rng = random.Random(seed)
    cases, want = [], []
    for _ in range(300):
        n = rng.randint(20, 6000)
        data = bytearray(rng.randbytes(n))
        data[0] = 0x45
        off = rng.choice([20, 20, rng.randint(0, n)])
        length = min(n - off, 0xffff)
        proto = rng.choice([6, 17, rng.randint(1, 255)])
        cases.append(f"cksum {proto} {off} {length} {data.hex()} "
                     f"{cut(rng, n, first_min=20)}")
        want.append(ref_cksum(pseudo(data, proto, length) +
                              bytes(data[off:off + length])))
    got = run_cases(test_bin, cases)
    for i, (g, w) in enumerate(zip(got, want)):
        assert g == w, f"seed {seed}, case {i}: {cases[i][:200]}"


def test_a_correct_checksum_sums_to_zero(test_bin):
    rng = random.Random(7)
    data = bytearray(rng.randbytes(1001))
    data[10:12] = b"\0\0"
    data[10:12] = bytes.fromhex(ref_cksum(bytes(data)))
    assert run_cases(test_bin, [
        f"cksum 0 0 1001 {data.hex()} {cut(rng, 1001)}"]) == ["0000"]


def test_a_chain_shorter_than_asked_gives_minus_one(test_bin):
    rng = random.Random(5)
    data = rng.randbytes(100)
    assert run_cases(test_bin, [
        f"cksum 0 0 101 {data.hex()} 40@3,60@0",
        f"cksum 0 60 41 {data.hex()} 40@3,60@0",
        f"cksum 0 101 0 {data.hex()} 100@0",
        f"cksum 0 0 1 - 0@0",
        f"cksum 0 100 0 {data.hex()} 100@0",
    ]) == ["-1", "-1", "-1", "-1", "ffff"]


def ipv4_header(rng):
    h = bytearray(rng.randbytes(20))
    h[0] = 0x45
    h[8] = rng.randint(1, 255)                  # TTL
    h[10:12] = b"\0\0"
    h[10:12] = bytes.fromhex(ref_cksum(bytes(h)))
    return h


@pytest.mark.parametrize("seed", SEEDS)
def test_incremental_update_equals_recomputing(test_bin, seed):
    rng = random.Random(seed)
    cases, want = [], []
    for _ in range(400):
        h = ipv4_header(rng)
        new = bytearray(h)
        if rng.random() < 0.5:
            new[8] -= 1                         # a router's TTL decrement
            case = f"fix16 {h[10:12].hex()} {h[8:10].hex()} {new[8:10].hex()}"
        else:
            at = rng.choice([12, 16])           # NAT rewrites an address
            new[at:at + 4] = rng.randbytes(4)
            case = (f"fix32 {h[10:12].hex()} {h[at:at + 4].hex()} "
                    f"{new[at:at + 4].hex()}")
        new[10:12] = b"\0\0"
        cases.append(case)
        want.append(ref_cksum(bytes(new)))
    got = run_cases(test_bin, cases)
    for i, (g, w) in enumerate(zip(got, want)):
        assert g == w, f"seed {seed}, case {i}: {cases[i]}"


def test_one_mbuf_every_length_and_alignment_and_all_carries(test_bin):
    # The region in one mbuf is summed straight (in_cksum.c's common
    # case), 32 bytes a turn and then 16, 8, 4, 2 and 1 by the bits of
    # what is left: every length from 0 to 100 and a few past the turns'
    # ends, at every alignment of the first byte, over random bytes and
    # over all-0xff bytes (every add carries out of bit 63), and the same
    # all-0xff data cut at odd bytes (the parts' end-around carries).
    rng = random.Random(11)
    cases, want = [], []
    for n in list(range(101)) + [127, 128, 129, 255, 256, 257, 1471, 1500]:
        for lead in range(8):
            for data in (rng.randbytes(n), b"\xff" * n):
                cases.append(f"cksum 0 0 {n} {hexdata(data)} {n}@{lead}")
                want.append(ref_cksum(data))
        ones = b"\xff" * n
        cases.append(f"cksum 0 0 {n} {hexdata(ones)} {cut(rng, n)}")
        want.append(ref_cksum(ones))
        if n >= 20:
            # With the pseudo-header, from an offset in the one mbuf.
            hdr = bytearray(b"\xff" * n)
            hdr[0] = 0x45
            off = rng.choice([20, min(21, n), n // 2])
            cases.append(f"cksum 17 {off} {n - off} {hdr.hex()} "
                         f"{n}@{rng.randint(0, 7)}")
            want.append(ref_cksum(pseudo(hdr, 17, n - off) +
                                  bytes(hdr[off:])))
    got = run_cases(test_bin, cases)
    for i, (g, w) in enumerate(zip(got, want)):
        assert g == w, f"case {i}: {cases[i][:200]}"
