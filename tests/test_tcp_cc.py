"""TCP congestion control: NewReno (RFC 5681) and CUBIC (RFC 9438).

tests/c/test_tcp_cc drives the controllers of stack/netinet/tcp_cc*.c as
TCP would (ACKs spaced over an RTT, loss signals, recovery's end, idle)
and prints the windows; the expectations here are hand calculations
from the RFCs' formulas, in floating point.  The controllers compute in
integers (fixed point), so comparisons allow for a millisecond of
curve time and a few bytes.
"""
import math
import re

import pytest

from harness import run, ok_summary

MSS = 1000
C = 0.4
BETA = 0.7
ALPHA = 3 * (1 - BETA) / (1 + BETA)
U32 = 2**32 - 1


def cc(test_bin, *args):
    return run([test_bin("test_tcp_cc"), *map(str, args)], check=0)


def steps(test_bin, name, mss, cwnd, ssthresh, *ops):
    """The controller's state after each op: a list of dicts."""
    out = cc(test_bin, "run", name, mss, cwnd, ssthresh, *ops).stdout
    assert "ok run" in out
    rows = []
    for line in out.splitlines():
        m = re.match(r"(\w+) cwnd=(\d+) ssthresh=(\d+) wmax=(\d+) "
                     r"t_ns=(\d+)$", line)
        if m:
            rows.append(dict(op=m.group(1), cwnd=int(m.group(2)),
                             ssthresh=int(m.group(3)),
                             wmax=int(m.group(4)), t_ns=int(m.group(5))))
    return rows


def k_s(wmax, epoch, mss):
    """RFC 9438 eq. 2: K = cbrt((W_max - cwnd_epoch) / C), segments."""
    return ((wmax - epoch) / mss / C) ** (1 / 3)


def w_cubic(wmax, epoch, mss, t):
    """RFC 9438 eq. 1 in bytes: C (t - K)^3 + W_max."""
    return C * mss * (t - k_s(wmax, epoch, mss)) ** 3 + wmax


# --- CUBIC's curve ------------------------------------------------------

@pytest.mark.parametrize("mss,wmax_seg", [(1000, 100), (1448, 10),
                                          (1448, 1000), (536, 5000),
                                          (1448, 700_000)])
def test_cubic_k_and_the_curve_at_0_k_and_2k_follow_rfc_9438(
        test_bin, mss, wmax_seg):
    # After a reduction to beta W_max: K = cbrt(W_max (1 - beta) / C);
    # W(0) = beta W_max, W(K) = W_max, W(2K) = (2 - beta) W_max, and
    # W(K/2) = W_max - C (K/2)^3 (concave below W_max).
    wmax = wmax_seg * mss
    epoch = int(wmax * BETA)
    k = k_s(wmax, epoch, mss)
    assert k == pytest.approx((wmax_seg * (1 - BETA) / C) ** (1 / 3),
                              rel=1e-3)
    ts = [0, k / 2, k, 2 * k]
    s = ok_summary(cc(test_bin, "curve", mss, wmax, epoch,
                      *(int(t * 1e9) for t in ts)), "curve")
    assert abs(int(s["k_ns"]) / 1e9 - k) < 0.002, (s["k_ns"], k)
    for i, t in enumerate(ts):
        want = min(w_cubic(wmax, epoch, mss, t), U32)
        # a millisecond of curve time at the slope there, and a byte
        slope = 3 * C * mss * (t - k) ** 2
        assert abs(int(s[f"w{i}"]) - want) <= slope * 0.002 + 2, (i, t)
    assert int(s["w2"]) == wmax


def test_cubic_curve_saturates_instead_of_overflowing(test_bin):
    # W_max 1 GB, SMSS 1: hours into the epoch the curve is at the
    # 32-bit ceiling, never wrapped; far below K it is 0, never negative.
    gb = 1 << 30
    hour = 3600 * 10**9
    s = ok_summary(cc(test_bin, "curve", 1, gb, 0, 0, hour, 10 * hour,
                      1000 * hour), "curve")
    assert int(s["k_ns"]) / 1e9 == pytest.approx(k_s(gb, 0, 1), rel=1e-3)
    # C K^3 = W_max: 0, within the millisecond K is rounded to
    assert int(s["w0"]) <= 3 * C * k_s(gb, 0, 1) ** 2 * 0.001
    assert int(s["w1"]) == U32 and int(s["w2"]) == U32
    assert int(s["w3"]) == U32
    # the largest SMSS: C (t - K)^3 * SMSS is past 2^64, saturated
    s = ok_summary(cc(test_bin, "curve", 65535, 2 * gb, 0, hour, 400 * hour),
                   "curve")
    assert int(s["w0"]) == U32 and int(s["w1"]) == U32
    s = ok_summary(cc(test_bin, "curve", 1448, gb, gb // 2, 60 * 10**9),
                   "curve")
    assert int(s["w0"]) == pytest.approx(
        w_cubic(gb, gb // 2, 1448, 60), rel=1e-4)


# --- CUBIC as TCP drives it ----------------------------------------------

def test_cubic_window_one_rtt_after_loss_is_beta_times_wmax(test_bin):
    r = steps(test_bin, "cubic", MSS, 100 * MSS, 100 * MSS, "rounds=3",
              "loss")
    before, after = r[0], r[1]
    assert after["wmax"] == before["cwnd"]
    assert after["ssthresh"] == before["cwnd"] * 7 // 10
    assert after["cwnd"] == after["ssthresh"]
    assert after["t_ns"] - before["t_ns"] == 100_000_000


def test_cubic_grows_concave_then_convex_along_the_curve(test_bin):
    # W_max 1000 segments, RTT 100 ms: K = cbrt(750) = 9.1 s = 91 RTTs,
    # far above W_est's 0.53 segment per RTT: the cubic region.
    wmax = 1000 * MSS
    r = steps(test_bin, "cubic", MSS, wmax, wmax, "loss", "trace=200")
    loss, rounds = r[0], [x for x in r if x["op"] == "round"]
    assert loss["cwnd"] == 700 * MSS and len(rounds) == 200
    t0 = loss["t_ns"]
    k = k_s(wmax, 700 * MSS, MSS)
    for row in rounds:
        t = (row["t_ns"] - t0) / 1e9
        # cwnd chases W(t + RTT) one ACK at a time, so it sits between
        # W(t) and W(t + RTT), within a segment.
        lo = w_cubic(wmax, 700 * MSS, MSS, t) - 2 * MSS
        hi = w_cubic(wmax, 700 * MSS, MSS, t + 0.1) + 2 * MSS
        assert lo <= row["cwnd"] <= hi, (t, row["cwnd"], lo, hi)
    cw = [row["cwnd"] for row in rounds]
    inc = [b - a for a, b in zip(cw, cw[1:])]
    ik = int(k / 0.1)
    # concave: growth slows towards K; plateau at W_max; convex after
    assert inc[2] > inc[ik // 2] > inc[ik - 2] >= 0
    assert abs(cw[ik] - wmax) < 2 * MSS
    assert inc[ik + 2] < inc[int(1.5 * ik)] < inc[-1]


def reno_friendly_w_est(epoch, prior, mss, rtts):
    """RFC 9438 4.3: W_est grows alpha_cubic segments per RTT while below
    cwnd_prior, one segment per RTT above it."""
    w = epoch
    for _ in range(rtts):
        w += (ALPHA if w < prior else 1) * mss
    return w


def test_reno_friendly_region_rules_at_small_rtt_and_window(test_bin):
    # W_max 20 segments, RTT 1 ms, 1 s after the loss: W_cubic(1 s) is
    # still below W_max (K = 2.5 s), W_est has grown by ~1000 segments.
    r = steps(test_bin, "cubic", MSS, 20 * MSS, 20 * MSS, "rtt=1000000",
              "loss", "rounds=10", "rounds=990")
    # alpha_cubic = 9/17 segment per RTT while below the window at loss
    assert r[2]["cwnd"] == pytest.approx(
        reno_friendly_w_est(14 * MSS, 20 * MSS, MSS, 10), abs=MSS // 2)
    cwnd = r[-1]["cwnd"]
    w_est = reno_friendly_w_est(14 * MSS, 20 * MSS, MSS, 1000)
    assert w_cubic(20 * MSS, 14 * MSS, MSS, 1.0) < 20 * MSS
    assert cwnd == pytest.approx(w_est, rel=0.03)


def test_cubic_region_rules_at_large_rtt_and_window(test_bin):
    # W_max 10,000 segments, RTT 100 ms, 10 s after the loss: W_est has
    # grown ~53 segments, W_cubic ~2,650.
    wmax = 10_000 * MSS
    r = steps(test_bin, "cubic", MSS, wmax, wmax, "loss", "rounds=100")
    cwnd = r[-1]["cwnd"]
    t = (r[-1]["t_ns"] - r[0]["t_ns"]) / 1e9
    w_est = reno_friendly_w_est(7000 * MSS, wmax, MSS, 100)
    assert w_est < 7100 * MSS
    assert cwnd == pytest.approx(w_cubic(wmax, 7000 * MSS, MSS, t),
                                 rel=0.01)
    assert cwnd > w_est + 2000 * MSS


def test_cubic_grows_at_most_half_the_window_per_rtt(test_bin):
    # RTT 2 s, no loss yet (the curve starts convex at cwnd): W(t + RTT)
    # runs away from cwnd, and the target is clamped to 1.5 cwnd.
    r = steps(test_bin, "cubic", MSS, 20 * MSS, 20 * MSS,
              "rtt=2000000000", "trace=8")
    cw = [x["cwnd"] for x in r if x["op"] == "round"]
    ratios = [b / a for a, b in zip(cw, cw[1:])]
    assert max(ratios) <= 1.5
    assert min(ratios[1:]) >= 1.45


def test_fast_convergence_lowers_wmax_below_the_window_at_loss(test_bin):
    # A second loss below the last W_max: W_max = cwnd (1 + beta) / 2.
    r = steps(test_bin, "cubic", MSS, 100 * MSS, 100 * MSS, "loss",
              "rounds=5", "loss", "rounds=200", "loss")
    first, grown, second, regrown, third = r
    assert first["wmax"] == 100 * MSS
    assert grown["cwnd"] < first["wmax"]
    assert second["wmax"] == grown["cwnd"] * 17 // 20
    assert second["ssthresh"] == grown["cwnd"] * 7 // 10
    # above W_max at a loss: W_max is that window
    assert regrown["cwnd"] > second["wmax"]
    assert third["wmax"] == regrown["cwnd"]


@pytest.mark.parametrize("name", ["newreno", "cubic"])
def test_slow_start_below_ssthresh_doubles_per_rtt(test_bin, name):
    r = steps(test_bin, name, MSS, 10 * MSS, 100 * MSS, "rounds=1",
              "rounds=1", "rounds=1", "rounds=1")
    assert [x["cwnd"] for x in r] == [20 * MSS, 40 * MSS, 80 * MSS,
                                       r[3]["cwnd"]]
    # the fourth RTT crosses ssthresh: 20 more segments by slow start,
    # then congestion avoidance's small steps
    assert 100 * MSS <= r[3]["cwnd"] < 110 * MSS


@pytest.mark.parametrize("name", ["newreno", "cubic"])
def test_rto_drops_to_one_segment_and_slow_start_climbs_back(test_bin,
                                                             name):
    r = steps(test_bin, name, MSS, 100 * MSS, 50 * MSS, "rounds=2", "rto",
              "rto", "rounds=5")
    grown, rto, rto2, back = r
    want = grown["cwnd"] * (7 // 1) // 10 if name == "cubic" else \
        grown["cwnd"] // 2
    assert rto["cwnd"] == MSS and rto["ssthresh"] == want
    # a backed-off second timeout with nothing acked in between
    assert rto2["cwnd"] == MSS
    if name == "cubic":
        assert rto2["ssthresh"] == want and rto2["wmax"] == rto["wmax"]
    # 1, 2, 4, 8, 16, 32 segments after five RTTs
    assert back["cwnd"] == 32 * MSS


def test_cubic_after_idle_restarts_the_window_and_resets_the_epoch(
        test_bin):
    iw = 4 * MSS if MSS <= 1095 else 3 * MSS
    r = steps(test_bin, "cubic", MSS, 100 * MSS, 100 * MSS, "loss",
              "rounds=10", "idle=5000000000", "rounds=1")
    assert r[2]["cwnd"] == iw
    assert r[2]["ssthresh"] == r[0]["ssthresh"]
    assert r[3]["cwnd"] == 2 * iw               # slow start again


def test_cubic_curve_waits_while_the_application_limits_the_flow(
        test_bin):
    # 30 RTTs, 50 RTTs application-limited, 30 RTTs: the same window as
    # 60 RTTs without the pause (the epoch is shifted, RFC 9438 5.8).
    wmax = 1000 * MSS
    a = steps(test_bin, "cubic", MSS, wmax, wmax, "loss", "rounds=30",
              "app=50", "rounds=30")
    b = steps(test_bin, "cubic", MSS, wmax, wmax, "loss", "rounds=60")
    assert a[2]["cwnd"] == a[1]["cwnd"]
    assert a[3]["cwnd"] == pytest.approx(b[1]["cwnd"], abs=2 * MSS)


# --- NewReno ---------------------------------------------------------------

def test_newreno_avoidance_adds_about_one_segment_per_rtt(test_bin):
    r = steps(test_bin, "newreno", MSS, 100 * MSS, 50 * MSS, "rounds=10")
    assert 109 * MSS <= r[0]["cwnd"] <= 110 * MSS


@pytest.mark.parametrize("name", ["newreno", "cubic"])
def test_delayed_acks_do_not_slow_avoidance(test_bin, name):
    # One ACK per two segments: byte counting still adds one SMSS per
    # RTT (RFC 5681 3.1, RFC 3465), where SMSS^2/cwnd per ACK would add
    # half; CUBIC's growth is per byte acked, so delayed ACKs do not
    # change it either.
    a = steps(test_bin, name, MSS, 100 * MSS, 50 * MSS, "rounds=10")
    b = steps(test_bin, name, MSS, 100 * MSS, 50 * MSS, "delack=10")
    assert b[0]["cwnd"] == pytest.approx(a[0]["cwnd"], abs=MSS)
    if name == "newreno":
        assert 109 * MSS <= b[0]["cwnd"] <= 110 * MSS
    else:
        # and in the cubic region, 0.5 s after a loss at 1000 segments
        a = steps(test_bin, name, MSS, 1000 * MSS, MSS, "loss",
                  "rounds=5")
        b = steps(test_bin, name, MSS, 1000 * MSS, MSS, "loss",
                  "delack=5")
        assert a[1]["cwnd"] > 740 * MSS
        assert b[1]["cwnd"] == pytest.approx(a[1]["cwnd"], rel=0.003)


def test_newreno_halves_on_loss_and_restarts_after_idle(test_bin):
    r = steps(test_bin, "newreno", MSS, 100 * MSS, 50 * MSS, "loss",
              "rounds=1", "idle=5000000000")
    assert r[0]["ssthresh"] == 50 * MSS and r[0]["cwnd"] == 50 * MSS
    assert 50 * MSS < r[1]["cwnd"] <= 51 * MSS
    assert r[2]["cwnd"] == 4 * MSS              # RFC 3390 IW, SMSS 1000
    assert r[2]["ssthresh"] == 50 * MSS


# --- What the TCP core should see -----------------------------------------

@pytest.mark.parametrize("rtt_ms,lo,hi", [(1, 0.6, 1.7), (50, 2.0, 10.0)])
def test_newreno_and_cubic_share_a_bottleneck_as_rfc_9438_says(
        test_bin, rtt_ms, lo, hi):
    # 1 Gbit/s, one BDP of drop-tail buffer, SMSS 1448, 70 s (the first
    # 7 s not counted), synchronised losses.  At 1 ms (BDP 86 segments)
    # CUBIC is in its Reno-friendly region and the two share about
    # equally; at 50 ms (4,300 segments) CUBIC's curve takes more.
    bdp = 10**9 // 8 * rtt_ms // 1000
    s = ok_summary(cc(test_bin, "share", 10**9, rtt_ms * 10**6, bdp, 1448,
                      70), "share", ints=True)
    ratio = s["cubic"] / s["newreno"]
    assert lo <= ratio <= hi, ratio


@pytest.mark.parametrize("name,lo,hi", [("newreno", 0.85, 1.1),
                                        ("cubic", 0.9, 1.2)])
def test_one_percent_loss_matches_mathis_within_the_model_factor(
        test_bin, name, lo, hi):
    # Mathis et al.: W = C / sqrt(p), C = sqrt(3/2), segments per RTT,
    # for periodic loss, no delayed ACKs.  Random loss at 1% with SACK
    # (a window's losses are one event) lands near it.
    p = 0.01
    s = ok_summary(cc(test_bin, "mathis", name, 1, int(p * 1e6), 1448,
                      100_000), "mathis", ints=True)
    factor = s["segs_per_rtt_x1000"] / 1000 / (math.sqrt(1.5) / math.sqrt(p))
    assert lo <= factor <= hi, factor
