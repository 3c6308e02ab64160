/*
 * test_tcp_cc.c -- the congestion controllers (stack/netinet/tcp_cc*.c)
 * driven as TCP would drive them, on the simulated machine; the
 * expectations (hand calculations from RFC 5681 and RFC 9438) are in
 * tests/test_tcp_cc.py.
 *
 *   test_tcp_cc curve MSS WMAX EPOCH T_NS...
 *	prints "ok curve k_ns=K w0=W(T1) w1=W(T2) ..."
 *   test_tcp_cc run CC MSS CWND SSTHRESH OP...
 *	one connection, the ops applied in order; after each op a line
 *	"OP cwnd=.. ssthresh=.. wmax=.. t_ns=.." (wmax: CUBIC's W_max, 0
 *	for others), then "ok run".  OPs:
 *	  rtt=NS        the smoothed RTT from now on (default 100 ms)
 *	  rounds=N      N RTTs of a cwnd-limited bulk flow: each RTT, one
 *	                ACK of SMSS per SMSS of the window at its start,
 *	                spaced evenly over the RTT
 *	  trace=N       the same, with a line "round cwnd=.." per RTT
 *	  delack=N      N RTTs with an ACK of 2 SMSS per 2 SMSS (delayed)
 *	  app=N         N RTTs of ACKs that are not cwnd-limited
 *	  loss          a fast retransmit: cong_signal(CC_NDUPACK) with
 *	                the window in flight, one RTT of recovery (dup ACKs
 *	                only), then post_recovery
 *	  rto           cong_signal(CC_RTO)
 *	  idle=NS       NS of silence, then after_idle
 *	  dupack        one duplicate ACK
 *   test_tcp_cc share CAPACITY_BPS RTT_NS BUF_BYTES MSS SECONDS
 *	one NewReno and one CUBIC flow through a fluid drop-tail bottleneck
 *	(each round both send their window; the round lasts max(RTT,
 *	bytes / capacity); windows beyond BDP + buffer make both flows see
 *	a loss: synchronised drops); prints "ok share newreno=BYTES
 *	cubic=BYTES" delivered after the first tenth of the time
 *   test_tcp_cc mathis CC SEED LOSS_PPM MSS ROUNDS
 *	one flow, every segment lost with probability LOSS_PPM / 10^6 from
 *	a seeded stream; a window with losses is one loss event (SACK
 *	repairs it in an RTT); prints "ok mathis segs_per_rtt_x1000=.."
 *
 * A failed check stops the run with a report (exit 3).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/sched/machine.h"
#include "sim/engine/rng.h"
#include "sim/world/testhook.h"
#include "tests/c/tcp_unit.h"
#include "stack/netinet/tcp_cc.h"

#define FAIL(...)       panic(__VA_ARGS__)
#define CHECK(e, ...)   do { if (!(e)) FAIL(__VA_ARGS__); } while (0)

#define ROUND_ACKS_MAX  (1u << 24)

struct conn {
	const struct tcp_cc_ops *cc;
	struct tcp_ccv v;
	uint64_t rtt_ns;
};

static uint32_t
wmax_of(const struct conn *c)
{
	return c->cc == &tcp_cc_cubic ? tcp_cc_cubic_wmax(&c->v) : 0;
}

static void
show(const char *what, const struct conn *c)
{
	printf("%s cwnd=%" PRIu32 " ssthresh=%" PRIu32 " wmax=%" PRIu32
	    " t_ns=%" PRIu64 "\n", what, c->v.cwnd, c->v.ssthresh,
	    wmax_of(c), c->v.now_ns);
}

static void
conn_init(struct conn *c, const struct tcp_cc_ops *cc, uint32_t mss,
    uint32_t cwnd, uint32_t ssthresh)
{
	memset(c, 0, sizeof(*c));
	c->cc = cc;
	c->v.mss = mss;
	c->v.cwnd = cwnd;
	c->v.ssthresh = ssthresh;
	c->v.now_ns = 1000;     /* not zero: the epoch may start at 0 */
	c->rtt_ns = 100000000;
	c->v.srtt_ns = c->rtt_ns;
	c->v.min_rtt_ns = c->rtt_ns;
	cc->cc_init(&c->v);
	CHECK(c->v.cwnd == cwnd && c->v.ssthresh == ssthresh,
	    "cc_init changed the windows");
}

static void
conn_ack(struct conn *c, int type, uint32_t bytes, bool limited)
{
	uint32_t before = c->v.cwnd;

	c->v.bytes_acked = type == CC_ACK ? bytes : 0;
	c->v.flags &= ~(uint32_t)CCF_CWND_LIMITED;
	if (limited)
		c->v.flags |= CCF_CWND_LIMITED;
	c->v.flight = c->v.cwnd;
	c->cc->cc_ack_received(&c->v, type);
	/* Outside recovery, an ACK never shrinks the window, and a window
	 * that was not used never grows. */
	CHECK(c->v.cwnd >= before, "%s: an ACK shrank cwnd %u -> %u",
	    c->cc->name, before, c->v.cwnd);
	CHECK(limited || type != CC_ACK || c->v.cwnd == before,
	    "%s: cwnd grew while not cwnd-limited", c->cc->name);
}

/* One RTT of a bulk flow whose window limits it (limited) or not; an
 * ACK for every segs segments (2: delayed ACKs). */
static void
conn_round_acks(struct conn *c, bool limited, uint32_t segs)
{
	uint64_t start = c->v.now_ns;
	uint32_t n = MAX(c->v.cwnd / c->v.mss / segs, 1u);

	CHECK(n <= ROUND_ACKS_MAX, "window too large for a round");
	for (uint32_t i = 1; i <= n; i++) {
		c->v.now_ns = start + c->rtt_ns * i / n;
		conn_ack(c, CC_ACK, segs * c->v.mss, limited);
	}
}

static void
conn_round(struct conn *c, bool limited)
{
	conn_round_acks(c, limited, 1);
}

static void
conn_loss(struct conn *c)
{
	uint32_t flight = c->v.cwnd;

	c->v.flight = flight;
	c->cc->cc_cong_signal(&c->v, CC_NDUPACK);
	c->v.flags |= CCF_IN_RECOVERY;
	CHECK(c->v.ssthresh < flight || flight <= 2 * c->v.mss,
	    "loss did not lower ssthresh");
	c->v.now_ns += c->rtt_ns;
	conn_ack(c, CC_DUPACK, 0, true);
	c->v.flight = flight;
	c->cc->cc_post_recovery(&c->v);
	c->v.flags &= ~(uint32_t)CCF_IN_RECOVERY;
}

static void
case_run(int argc, char **argv)
{
	struct conn c;
	const struct tcp_cc_ops *cc;

	CHECK(argc >= 6, "run CC MSS CWND SSTHRESH OP...");
	cc = tcp_cc_lookup(argv[2]);
	CHECK(cc != NULL, "no controller \"%s\"", argv[2]);
	conn_init(&c, cc, (uint32_t)tcp_unit_num(argv[3]),
	    (uint32_t)tcp_unit_num(argv[4]), (uint32_t)tcp_unit_num(argv[5]));
	for (int i = 6; i < argc; i++) {
		char *op = argv[i], *eq = strchr(op, '='), name[32];
		uint64_t arg = eq != NULL ? tcp_unit_num(eq + 1) : 0;

		if (strncmp(op, "rtt=", 4) == 0) {
			c.rtt_ns = arg;
			c.v.srtt_ns = arg;
			c.v.min_rtt_ns = arg;
		} else if (strncmp(op, "rounds=", 7) == 0) {
			for (uint64_t r = 0; r < arg; r++)
				conn_round(&c, true);
		} else if (strncmp(op, "trace=", 6) == 0) {
			for (uint64_t r = 0; r < arg; r++) {
				conn_round(&c, true);
				show("round", &c);
			}
		} else if (strncmp(op, "delack=", 7) == 0) {
			for (uint64_t r = 0; r < arg; r++)
				conn_round_acks(&c, true, 2);
		} else if (strncmp(op, "app=", 4) == 0) {
			for (uint64_t r = 0; r < arg; r++)
				conn_round(&c, false);
		} else if (strcmp(op, "loss") == 0) {
			conn_loss(&c);
		} else if (strcmp(op, "rto") == 0) {
			c.v.flight = c.v.cwnd;
			c.cc->cc_cong_signal(&c.v, CC_RTO);
			CHECK(c.v.cwnd == c.v.mss, "RTO: cwnd %u", c.v.cwnd);
			c.v.flags |= CCF_RTO;
		} else if (strncmp(op, "idle=", 5) == 0) {
			c.v.now_ns += arg;
			c.cc->cc_after_idle(&c.v);
		} else if (strcmp(op, "dupack") == 0) {
			conn_ack(&c, CC_DUPACK, 0, true);
		} else {
			FAIL("unknown op \"%s\"", op);
		}
		snprintf(name, sizeof(name), "%.*s",
		    (int)(eq != NULL ? eq - op : (long)strlen(op)), op);
		show(name, &c);
		if (strcmp(op, "rto") != 0)
			c.v.flags &= ~(uint32_t)CCF_RTO;
	}
	printf("ok run\n");
}

static void
case_curve(int argc, char **argv)
{
	uint32_t mss, wmax, epoch;

	CHECK(argc >= 5, "curve MSS WMAX EPOCH T_NS...");
	mss = (uint32_t)tcp_unit_num(argv[2]);
	wmax = (uint32_t)tcp_unit_num(argv[3]);
	epoch = (uint32_t)tcp_unit_num(argv[4]);
	printf("ok curve k_ns=%" PRIu64, tcp_cc_cubic_k_ns(wmax, epoch, mss));
	for (int i = 5; i < argc; i++)
		printf(" w%d=%" PRIu32, i - 5,
		    tcp_cc_cubic_window(wmax, epoch, mss,
		    tcp_unit_num(argv[i])));
	printf("\n");
}

/*
 * Two flows, one bottleneck: a fluid round model.  Each round both
 * flows send their windows; the queue holds what exceeds the BDP, the
 * round lasts the RTT plus the queue's drain time; beyond BDP + buffer
 * both flows lose (drop-tail overflow hits both: synchronised).
 */
static void
case_share(int argc, char **argv)
{
	struct conn f[2];
	uint64_t cap_bps, rtt_ns, buf, secs, bdp, end_ns, warm_ns;
	uint64_t got[2] = { 0, 0 };
	uint32_t mss;

	CHECK(argc == 7, "share CAPACITY_BPS RTT_NS BUF_BYTES MSS SECONDS");
	cap_bps = tcp_unit_num(argv[2]);
	rtt_ns = tcp_unit_num(argv[3]);
	buf = tcp_unit_num(argv[4]);
	mss = (uint32_t)tcp_unit_num(argv[5]);
	secs = tcp_unit_num(argv[6]);
	bdp = cap_bps / 8 * rtt_ns / 1000000000;
	end_ns = secs * 1000000000;
	warm_ns = end_ns / 10;
	conn_init(&f[0], &tcp_cc_newreno, mss, 10 * mss, UINT32_MAX);
	conn_init(&f[1], &tcp_cc_cubic, mss, 10 * mss, UINT32_MAX);
	while (f[0].v.now_ns < end_ns) {
		uint64_t sum = (uint64_t)f[0].v.cwnd + f[1].v.cwnd;
		uint64_t dur = MAX(rtt_ns, sum * 8 * 1000000000 / cap_bps);
		bool lost = sum > bdp + buf;

		for (int i = 0; i < 2; i++) {
			if (f[i].v.now_ns >= warm_ns)
				got[i] += f[i].v.cwnd;
			f[i].rtt_ns = dur;
			f[i].v.srtt_ns = dur;
			f[i].v.min_rtt_ns = rtt_ns;
			if (lost) {
				conn_loss(&f[i]);
			} else {
				conn_round(&f[i], true);
			}
			CHECK(f[i].v.now_ns == f[0].v.now_ns, "rounds apart");
		}
	}
	printf("ok share newreno=%" PRIu64 " cubic=%" PRIu64 "\n", got[0],
	    got[1]);
}

/*
 * Random loss at rate p: the Mathis model's world.  A window with any
 * loss is one loss event (SACK recovery repairs it within an RTT,
 * delivering the window less its losses); timeouts are not modelled.
 */
static void
case_mathis(int argc, char **argv)
{
	struct conn c;
	const struct tcp_cc_ops *cc;
	uint64_t rng, ppm, rounds, segs = 0;
	uint32_t mss;

	CHECK(argc == 7, "mathis CC SEED LOSS_PPM MSS ROUNDS");
	cc = tcp_cc_lookup(argv[2]);
	CHECK(cc != NULL, "no controller \"%s\"", argv[2]);
	rng = tcp_unit_num(argv[3]);
	ppm = tcp_unit_num(argv[4]);
	mss = (uint32_t)tcp_unit_num(argv[5]);
	rounds = tcp_unit_num(argv[6]);
	conn_init(&c, cc, mss, 4 * mss, UINT32_MAX);
	c.rtt_ns = c.v.srtt_ns = c.v.min_rtt_ns = 10000000;
	for (uint64_t r = 0; r < rounds; r++) {
		uint32_t n = MAX(c.v.cwnd / mss, 1u), lost = 0;

		for (uint32_t i = 0; i < n; i++)
			lost += sim_splitmix64(&rng) % 1000000 < ppm;
		if (r >= rounds / 10)
			segs += n - lost;
		if (lost > 0)
			conn_loss(&c);
		else
			conn_round(&c, true);
	}
	rounds -= rounds / 10;
	printf("ok mathis segs_per_rtt_x1000=%" PRIu64 "\n",
	    segs * 1000 / rounds);
}

static const struct tcp_unit_case cases[] = {
	{ "run", case_run },
	{ "curve", case_curve },
	{ "share", case_share },
	{ "mathis", case_mathis },
};

int
main(int argc, char **argv)
{
	return tcp_unit_main(argc, argv, "test_tcp_cc", cases,
	    __arraycount(cases));
}
