/*
 * tcp_cc_cubic.c -- CUBIC congestion control (RFC 9438) in integer
 * arithmetic.
 *
 * The idea.  After a loss at window W_max, CUBIC cuts the window to
 * beta * W_max (beta_cubic = 0.7) and grows it again along a cubic
 * curve of the time t since the growth began (the "epoch"):
 *
 *	W_cubic(t) = C * (t - K)^3 + W_max,  C = 0.4 segments / s^3,
 *	K = cbrt((W_max - cwnd_epoch) / C)  = cbrt(W_max * (1 - beta) / C)
 *	                                      after a plain reduction,
 *
 * concave up to W_max (reached at t = K: the window comes back fast,
 * then lingers where the last loss happened), convex beyond it (probing
 * for more).  The growth depends on real time, not on the ACK clock,
 * so flows with different RTTs grow alike.  Each ACK moves cwnd a
 * fraction (target - cwnd) / cwnd of the way to target =
 * W_cubic(t + RTT), target clamped to [cwnd, 1.5 cwnd].  So as not to
 * be slower than Reno where Reno does well (small RTT x bandwidth),
 * CUBIC also runs Reno's AIMD with the same beta, W_est, growing by
 * alpha_cubic = 3 (1 - beta) / (1 + beta) = 9/17 segments per RTT --
 * the alpha that makes an AIMD(alpha, beta) flow's average window
 * Reno's for the same loss rate -- and switching to alpha = 1 once
 * W_est passes the window before the last loss (RFC 9438 4.3); when
 * W_cubic(t) < W_est, cwnd = W_est (the "Reno-friendly region").
 * Fast convergence (4.7): a loss below the previous W_max means a new
 * flow is taking its share, so W_max is lowered further, to
 * cwnd (1 + beta) / 2.  A loss sets ssthresh = max(cwnd * beta, 2 SMSS)
 * (RFC 9438 4.6 allows cwnd instead of the flight because this
 * controller never grows cwnd when the flight did not fill it: the
 * core clears CCF_CWND_LIMITED then, RFC 9438 5.8); the window itself
 * comes down to ssthresh when TCP ends recovery (cc_post_recovery,
 * as NewReno: no more than the flight plus one segment).  A timeout
 * (4.8) reduces ssthresh and W_max the same way, once per loss episode
 * (not again while recovery or an earlier timeout is still being
 * repaired), and drops cwnd to one segment; slow start then climbs back
 * to ssthresh and a new epoch begins there.  Below ssthresh, slow start
 * is RFC 5681's (cwnd += min(acked, SMSS) per ACK, RFC 3465 L = 1).
 *
 * Idle and application-limited time (RFC 9438 5.8).  The curve is a
 * function of time, so time in which the window was not used must not
 * count: an ACK that arrives while the flight did not fill cwnd grows
 * nothing and shifts the epoch's start later by the time since the
 * previous ACK (the curve keeps its shape, shifted, as Linux does since
 * 2015).  cc_after_idle applies RFC 5681's restart window,
 * min(cwnd, IW); if that lowers cwnd the epoch is reset (slow start
 * climbs back to ssthresh and a new epoch starts there, K computed
 * from the remembered W_max), otherwise the epoch is shifted by the
 * idle time like the application-limited case.
 *
 * Fixed point and its limits.  Windows are bytes in 32 bits (the
 * controller's caps: cwnd, W_max <= 4 GiB - 1; SMSS <= TCP_CC_MSS_MAX).
 * Time on the curve is in units of 2^-10 s (0.98 ms): t_ns is clamped
 * to 2^53 ns (104 days) before conversion, so t is exact to a unit for
 * any run.  K = cbrt(x) with x = (W_max - cwnd_epoch) / SMSS * 2^30 / C
 * = diff_bytes * 2^30 / SMSS / 2 * 5, below 1.25 * 2^63 for any 32-bit
 * byte count and SMSS >= 1, so it fits 64 bits unsigned; the integer
 * cube root is exact (floor), so K is at most 1 unit (~1 ms) short:
 * W(0) overshoots cwnd_epoch by at most 3 C K^2 * 1 ms, e.g. 0.02
 * segment for W_max = 100 segments.  K <= cbrt(1.25 * 2^63) units =
 * 2^21.1 units (about 2200 s).  |t - K| is clamped to 2^21 units
 * (2048 s, 34 minutes) so its cube fits 63 bits; C * 2048^3 s^3 =
 * 3.4e9 segments, beyond any 32-bit byte window, so the clamp only
 * ever makes W_cubic saturate where it would anyway, at 4 GiB - 1
 * above W_max (or 0 below it).  The cube times C (* 2 / 5) is
 * segments * 2^30; it is multiplied by SMSS as segments * 2^20 split in
 * its integer part (< 2^33) and its fraction, so no product passes
 * 2^49, and the bytes saturate at 4 GiB - 1.  cwnd's per-ACK growth
 * (target - cwnd) * acked / cwnd and W_est's alpha * SMSS * acked /
 * cwnd keep 16 fractional bits (an accumulator, so a 1 GB window's
 * sub-byte steps add up: the error is below 2^-16 bytes per ACK);
 * acked is clamped to cwnd.  So: exact to a byte and a millisecond for
 * windows up to 4 GiB and epochs up to hours; saturating beyond.
 *
 * Sharing a bottleneck with NewReno (what the literature expects, and
 * what the TCP core should test).  RFC 9438 section 5.1 (and RFC 8312's
 * tables before it) compares the average windows the two response
 * functions give at a loss rate p: Reno 1.22 / sqrt(p) segments, CUBIC
 * (C (3 + beta) / (4 (1 - beta)))^(1/4) (RTT / p)^(3/4) = 1.054
 * (RTT/p)^(3/4) (RTT in s), and CUBIC uses the larger of the two.
 * CUBIC is in the Reno-friendly region, and the two shares are
 * near equal, when W * RTT^1.5 < ~1.65 (W in segments, RTT in s): at
 * RTT 2 ms, windows below ~18,000 segments; at RTT 10 ms below ~1,650;
 * at 100 ms below ~52.  Beyond that CUBIC takes the larger share, the
 * more so the larger the BDP (its window grows with cbrt of W_max per
 * epoch, Reno's only linearly in RTTs).  The CUBIC paper (Ha, Rhee and
 * Xu, "CUBIC: A New TCP-Friendly High-Speed TCP Variant", ACM SIGOPS
 * OSR 42(5), 2008, TCP-friendliness section) shows the same: with
 * short RTTs CUBIC and standard TCP share about equally; CUBIC's share
 * grows with the RTT, though less than the other high-speed TCPs'.
 * The test for the core, one NewReno and one CUBIC bulk flow through a
 * 1 Gbit/s bottleneck with a drop-tail buffer of one BDP, SMSS 1448,
 * measured over 60 s after 10 s: at RTT 1 ms (BDP 86 segments) the
 * goodput ratio CUBIC / NewReno lies in [0.6, 1.7]; at RTT 50 ms (BDP
 * 4,300 segments) CUBIC gets more than twice NewReno's goodput.
 * tests/c/test_tcp_cc.c's "share" case runs both controllers against a
 * fluid model of that bottleneck (synchronised losses) and
 * tests/test_tcp_cc.py pins these ranges for them (the model gives
 * 1.02 and 3.0).
 *
 * Random loss (the core's "1% loss" check).  Mathis et al. (CCR 1997):
 * throughput = SMSS / RTT * C / sqrt(p), C = sqrt(3/2) = 1.22, for
 * periodic loss and an ACK per segment; with delayed ACKs and
 * per-ACK growth C = sqrt(3/4), but this NewReno counts bytes, so
 * delayed ACKs do not change it.  Random (Bernoulli) loss at p = 1%
 * with SACK (a window's losses are one reduction) and no timeouts
 * gives 0.93 of the formula for NewReno and 1.06 for CUBIC (still
 * Reno-friendly at ~12 segments) in the "mathis" case of
 * test_tcp_cc.c.  A packet-level run adds what that model leaves out,
 * timeouts (a lost retransmission, too few segments for three
 * duplicate ACKs) and ACK clocking, which lower it: expect a NewReno +
 * SACK bulk flow with 1% random loss on data segments to reach 0.7 to
 * 1.1 of SMSS / RTT * 1.22 / sqrt(0.01), e.g. 10 to 16 Mbit/s at SMSS
 * 1448 and RTT 10 ms on a 1 Gbit/s link (far below its capacity, so
 * the RTT is the base RTT).  Measured (scenarios/net/tcp-loss.json, RTT
 * 20 ms, seeds 1 to 10): NewReno + SACK 0.90 to 1.10, CUBIC + SACK 1.00
 * to 1.17 (tests/test_tcp_loss.py).
 *
 * Must never: use floating point or a clock other than ccv->now_ns,
 * allocate, or keep state outside ccv->priv.
 */
#include <sys/kern.h>

#include <netinet/tcp_cc.h>

/* beta_cubic = 7/10; (1 + beta) / 2 = 17/20; alpha_cubic = 9/17. */
#define CUBIC_BETA_NUM          7
#define CUBIC_BETA_DEN          10
#define CUBIC_FC_NUM            17
#define CUBIC_FC_DEN            20
#define CUBIC_ALPHA_NUM         9
#define CUBIC_ALPHA_DEN         17

#define CUBIC_TU_SHIFT          10              /* curve time: 2^-10 s */
#define CUBIC_T_NS_MAX          (UINT64_C(1) << 53)
#define CUBIC_OFFS_MAX          (UINT64_C(1) << 21) /* 2048 s */
#define CUBIC_FRAC_SHIFT        16              /* cwnd/W_est fractions */
#define NS_PER_S                UINT64_C(1000000000)

/* ccv->priv[] */
#define P_WMAX          0       /* bytes: window before the last loss,
				   lowered by fast convergence */
#define P_EPOCH_NS      1       /* start of the epoch (P_F_EPOCH) */
#define P_K             2       /* K, curve time units */
#define P_WEST          3       /* W_est, bytes << CUBIC_FRAC_SHIFT */
#define P_PRIOR         4       /* bytes: cwnd when the last loss came */
#define P_ACC           5       /* cwnd's growth not yet a byte (frac) */
#define P_FLAGS         6
#define P_LAST_NS       7       /* time of the previous ACK */

#define P_F_EPOCH       0x1     /* an epoch is running */
#define P_F_REDUCED     0x2     /* this loss episode's reduction is done */

/* Floor of the cube root of x (digit by digit, three bits at a time). */
static uint64_t
cubic_cbrt(uint64_t x)
{
	uint64_t y = 0, b;

	for (int s = 63; s >= 0; s -= 3) {
		y += y;
		b = 3 * y * (y + 1) + 1;
		if ((x >> s) >= b) {
			x -= b << s;
			y++;
		}
	}
	KASSERT(y < (UINT64_C(1) << 22));
	return y;
}

/* ns to curve time units, clamped (see the essay). */
static uint64_t
cubic_tu(uint64_t ns)
{
	ns = MIN(ns, CUBIC_T_NS_MAX);
	return (ns << CUBIC_TU_SHIFT) / NS_PER_S;
}

/*
 * cubic_k(w_max, cwnd_epoch, mss) -- K in curve time units.
 * => K = 0 when the epoch starts at or above W_max
 */
static uint64_t
cubic_k(uint32_t w_max, uint32_t cwnd_epoch, uint32_t mss)
{
	uint64_t diff, x;

	KASSERT(mss > 0 && mss <= TCP_CC_MSS_MAX);
	if (cwnd_epoch >= w_max)
		return 0;
	diff = w_max - cwnd_epoch;
	/* segments * 2^30 / C, C = 2/5: below 1.25 * 2^63 */
	x = ((diff << 30) / mss) / 2 * 5;
	return cubic_cbrt(x);
}

/*
 * cubic_w(w_max, k, mss, t) -- W_cubic(t) in bytes, t and k in curve
 * time units.
 * => saturates at 0 and UINT32_MAX
 */
static uint32_t
cubic_w(uint32_t w_max, uint64_t k, uint32_t mss, uint64_t t)
{
	uint64_t offs, seg_fp, bytes;

	KASSERT(mss > 0 && mss <= TCP_CC_MSS_MAX);
	offs = t >= k ? t - k : k - t;
	offs = MIN(offs, CUBIC_OFFS_MAX);
	/* C * offs^3: segments * 2^30 (< 2^63), then * 2^20 (< 2^53) */
	seg_fp = (offs * offs * offs / 5 * 2) >> 10;
	/* times SMSS in two halves: (< 2^33) * 2^16 and (< 2^20) * 2^16 */
	bytes = (seg_fp >> 20) * mss + ((seg_fp & ((1u << 20) - 1)) * mss >>
	    20);
	bytes = MIN(bytes, (uint64_t)UINT32_MAX);
	if (t < k)
		return bytes >= w_max ? 0 : w_max - (uint32_t)bytes;
	return (uint32_t)MIN((uint64_t)w_max + bytes, (uint64_t)UINT32_MAX);
}

uint64_t
tcp_cc_cubic_k_ns(uint32_t w_max, uint32_t cwnd_epoch, uint32_t mss)
{
	return cubic_k(w_max, cwnd_epoch, mss) * NS_PER_S >> CUBIC_TU_SHIFT;
}

uint32_t
tcp_cc_cubic_window(uint32_t w_max, uint32_t cwnd_epoch, uint32_t mss,
    uint64_t t_ns)
{
	uint32_t origin = MAX(w_max, cwnd_epoch);

	return cubic_w(origin, cubic_k(w_max, cwnd_epoch, mss), mss,
	    cubic_tu(t_ns));
}

uint32_t
tcp_cc_cubic_wmax(const struct tcp_ccv *ccv)
{
	return (uint32_t)ccv->priv[P_WMAX];
}

/* a * b * 2^16 / c without overflow for a, b < 2^32 (drops fractions
 * only when a * b >= 2^48, i.e. the result is > 2^16 * ... bytes). */
static uint64_t
cubic_muldiv_frac(uint64_t a, uint64_t b, uint64_t c)
{
	uint64_t q = a * b;

	KASSERT(c > 0 && a <= UINT32_MAX && b <= UINT32_MAX);
	if (q < (UINT64_C(1) << 48))
		return (q << CUBIC_FRAC_SHIFT) / c;
	return q / c << CUBIC_FRAC_SHIFT;
}

static void
cubic_init(struct tcp_ccv *ccv)
{
	KASSERT(ccv->mss > 0 && ccv->mss <= TCP_CC_MSS_MAX);
	KASSERT(ccv->cwnd >= ccv->mss);
	for (int i = 0; i < TCP_CC_PRIV_WORDS; i++)
		ccv->priv[i] = 0;
	ccv->priv[P_LAST_NS] = ccv->now_ns;
}

/* The first ACK of congestion avoidance: the curve's origin. */
static void
cubic_epoch_start(struct tcp_ccv *ccv)
{
	uint64_t *p = ccv->priv;
	uint32_t w_max = (uint32_t)p[P_WMAX];

	p[P_EPOCH_NS] = ccv->now_ns;
	p[P_FLAGS] |= P_F_EPOCH;
	/* No loss yet, or a window already above it: the curve starts
	 * convex from here (K = 0, origin cwnd). */
	if (w_max < ccv->cwnd)
		p[P_WMAX] = ccv->cwnd;
	p[P_K] = cubic_k((uint32_t)p[P_WMAX], ccv->cwnd, ccv->mss);
	p[P_WEST] = (uint64_t)ccv->cwnd << CUBIC_FRAC_SHIFT;
	p[P_ACC] = 0;
}

/* Congestion avoidance: one ACK of acked bytes. */
static void
cubic_avoid(struct tcp_ccv *ccv, uint32_t acked)
{
	uint64_t *p = ccv->priv;
	uint64_t t, rtt_ns, target, hi, incr;
	uint32_t w_t, w_est, cwnd = ccv->cwnd;

	if ((p[P_FLAGS] & P_F_EPOCH) == 0)
		cubic_epoch_start(ccv);
	KASSERT(ccv->now_ns >= p[P_EPOCH_NS]);
	t = cubic_tu(ccv->now_ns - p[P_EPOCH_NS]);
	rtt_ns = ccv->srtt_ns != 0 ? ccv->srtt_ns : ccv->min_rtt_ns;

	/* W_est: alpha_cubic segments per RTT, 1 once past cwnd_prior. */
	incr = cubic_muldiv_frac(ccv->mss, acked, cwnd);
	if ((p[P_WEST] >> CUBIC_FRAC_SHIFT) < p[P_PRIOR])
		incr = incr * CUBIC_ALPHA_NUM / CUBIC_ALPHA_DEN;
	p[P_WEST] = MIN(p[P_WEST] + incr,
	    (uint64_t)UINT32_MAX << CUBIC_FRAC_SHIFT);
	w_est = (uint32_t)(p[P_WEST] >> CUBIC_FRAC_SHIFT);

	w_t = cubic_w((uint32_t)p[P_WMAX], p[P_K], ccv->mss, t);
	if (w_t < w_est) {
		/* Reno-friendly region (RFC 9438 4.3). */
		ccv->cwnd = MAX(cwnd, w_est);
		p[P_ACC] = 0;
		return;
	}
	/* Concave and convex regions (4.4, 4.5). */
	target = cubic_w((uint32_t)p[P_WMAX], p[P_K], ccv->mss,
	    t + cubic_tu(rtt_ns));
	hi = MIN((uint64_t)cwnd + cwnd / 2, (uint64_t)UINT32_MAX);
	target = MIN(MAX(target, (uint64_t)cwnd), hi);
	p[P_ACC] += cubic_muldiv_frac(target - cwnd, acked, cwnd);
	incr = p[P_ACC] >> CUBIC_FRAC_SHIFT;
	p[P_ACC] &= (UINT64_C(1) << CUBIC_FRAC_SHIFT) - 1;
	ccv->cwnd = (uint32_t)MIN((uint64_t)cwnd + incr, hi);
	KASSERT(ccv->cwnd >= cwnd);
}

static void
cubic_ack_received(struct tcp_ccv *ccv, int type)
{
	uint64_t *p = ccv->priv;
	uint64_t since;
	uint32_t acked;

	KASSERT(type == CC_ACK || type == CC_DUPACK);
	KASSERT(ccv->mss > 0 && ccv->cwnd > 0);
	since = ccv->now_ns >= p[P_LAST_NS] ? ccv->now_ns - p[P_LAST_NS] : 0;
	p[P_LAST_NS] = ccv->now_ns;
	if (type != CC_ACK || (ccv->flags & CCF_IN_RECOVERY) != 0)
		return;
	p[P_FLAGS] &= ~(uint64_t)P_F_REDUCED;
	if ((ccv->flags & CCF_CWND_LIMITED) == 0) {
		/* Application-limited: the curve waits (RFC 9438 5.8). */
		if ((p[P_FLAGS] & P_F_EPOCH) != 0)
			p[P_EPOCH_NS] = MIN(p[P_EPOCH_NS] + since, ccv->now_ns);
		return;
	}
	acked = MIN(ccv->bytes_acked, ccv->cwnd);
	if (ccv->cwnd < ccv->ssthresh) {
		ccv->cwnd = (uint32_t)MIN((uint64_t)ccv->cwnd +
		    MIN(acked, ccv->mss), (uint64_t)UINT32_MAX);
		return;
	}
	cubic_avoid(ccv, acked);
}

static void
cubic_cong_signal(struct tcp_ccv *ccv, int type)
{
	uint64_t *p = ccv->priv;
	uint32_t cwnd = ccv->cwnd;

	KASSERT(type == CC_NDUPACK || type == CC_RTO);
	KASSERT(ccv->mss > 0 && cwnd > 0);
	p[P_FLAGS] &= ~(uint64_t)P_F_EPOCH;
	p[P_ACC] = 0;
	if ((p[P_FLAGS] & P_F_REDUCED) == 0 &&
	    (ccv->flags & CCF_IN_RECOVERY) == 0) {
		p[P_PRIOR] = cwnd;
		/* Fast convergence (RFC 9438 4.7). */
		if (cwnd < p[P_WMAX])
			p[P_WMAX] = (uint64_t)cwnd * CUBIC_FC_NUM /
			    CUBIC_FC_DEN;
		else
			p[P_WMAX] = cwnd;
		ccv->ssthresh = (uint32_t)MAX((uint64_t)cwnd *
		    CUBIC_BETA_NUM / CUBIC_BETA_DEN, 2 * (uint64_t)ccv->mss);
		p[P_FLAGS] |= P_F_REDUCED;
		KASSERT(ccv->ssthresh >= 2 * ccv->mss);
		KASSERT(p[P_WMAX] <= cwnd);
	}
	if (type == CC_RTO)
		ccv->cwnd = ccv->mss;
	KASSERT((p[P_FLAGS] & P_F_EPOCH) == 0);
}

static void
cubic_post_recovery(struct tcp_ccv *ccv)
{
	KASSERT(ccv->mss > 0);
	ccv->cwnd = MAX(MIN(ccv->ssthresh, ccv->flight + ccv->mss),
	    ccv->mss);
	ccv->priv[P_FLAGS] &= ~(uint64_t)(P_F_EPOCH | P_F_REDUCED);
	KASSERT(ccv->cwnd <= MAX(ccv->ssthresh, ccv->mss));
}

static void
cubic_after_idle(struct tcp_ccv *ccv)
{
	uint64_t *p = ccv->priv;
	uint32_t iw = tcp_cc_initial_window(ccv->mss), cwnd = ccv->cwnd;

	if (ccv->cwnd > iw) {
		ccv->cwnd = iw;
		p[P_FLAGS] &= ~(uint64_t)P_F_EPOCH;
	} else if ((p[P_FLAGS] & P_F_EPOCH) != 0 &&
	    ccv->now_ns > p[P_LAST_NS]) {
		p[P_EPOCH_NS] = MIN(p[P_EPOCH_NS] +
		    (ccv->now_ns - p[P_LAST_NS]), ccv->now_ns);
	}
	p[P_LAST_NS] = ccv->now_ns;
	KASSERT(ccv->cwnd == MIN(cwnd, iw));
	KASSERT((p[P_FLAGS] & P_F_EPOCH) == 0 || p[P_EPOCH_NS] <= ccv->now_ns);
}

const struct tcp_cc_ops tcp_cc_cubic = {
	.name = "cubic",
	.cc_init = cubic_init,
	.cc_ack_received = cubic_ack_received,
	.cc_cong_signal = cubic_cong_signal,
	.cc_post_recovery = cubic_post_recovery,
	.cc_after_idle = cubic_after_idle,
};
