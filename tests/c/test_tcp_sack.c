/*
 * test_tcp_sack.c -- the SACK module (stack/netinet/tcp_sack.c) against
 * brute force, on the simulated machine; tests/test_tcp_sack.py runs it.
 *
 *   test_tcp_sack board SEED STEPS WIN_MAX
 *	a sender and a lossy receiver exchange data and ACKs for STEPS
 *	random steps (sequence numbers start just below 2^32, so they
 *	wrap); the flight stays below WIN_MAX bytes (small: the board
 *	keeps every block; large: it must forget some).  Every ACK carries
 *	true SACK blocks (stale subsets too) and bogus ones.  After each,
 *	a byte map of what the board remembers is checked: it equals
 *	everything the receiver reported while nothing was forgotten, is
 *	a subset of it always, and the board's sacked count, HighSACK,
 *	IsLost for every byte, pipe and NextSeg (rules 1-4) equal RFC
 *	6675's definitions evaluated byte by byte on that map.  NextSeg's
 *	retransmissions never start below snd_una or reach snd_max, nor
 *	start on SACKed data.
 *	prints "ok board acks=.. bogus=.. forgotten=.. rule1=.. ..."
 *   test_tcp_sack bogus
 *	blocks below snd_una, across it, beyond snd_max, inverted, empty
 *	and wider than the window are ignored and counted
 *   test_tcp_sack rcv SEED STEPS SPAN
 *	out-of-order segments in random order over SPAN bytes above
 *	rcv_nxt (wrapping): the blocks are disjoint, above rcv_nxt, hold
 *	only received data, the first holds the latest segment, the rest
 *	follow in order of their latest arrival, at most the room given;
 *	while the receiver never held more blocks than it keeps, they are
 *	exactly the maximal runs of received data
 *   test_tcp_sack pool
 *	create/destroy from kmem, init/fini inline; a cleared board
 *
 * A failed check stops the run with a report naming the seed and step.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/sched/machine.h"
#include "sim/engine/rng.h"
#include "sim/world/testhook.h"
#include "tests/c/tcp_unit.h"
#include "stack/netinet/tcp_sack.h"

#define CHECK(e, ...)   do { if (!(e)) panic(__VA_ARGS__); } while (0)

#define WIN_CAP         20000   /* bytes the byte maps cover */
#define MSS             100

static uint32_t
rnd(uint64_t *s, uint32_t n)
{
	return n == 0 ? 0 : (uint32_t)(sim_splitmix64(s) % n);
}

/* ------------------------------------------------------------------ */
/* RFC 6675 by the byte: the reference                                 */

struct ref {
	uint32_t win;                   /* snd_max - snd_una */
	uint8_t s[WIN_CAP];             /* SACKed, by offset from snd_una */
	uint32_t above[WIN_CAP + 1];    /* SACKed bytes at offsets > b */
	uint32_t runs_above[WIN_CAP + 1]; /* runs starting at offsets > b */
};

static void
ref_prepare(struct ref *r)
{
	if (r->win == 0)
		return;
	r->above[r->win - 1] = 0;
	r->runs_above[r->win - 1] = 0;
	for (uint32_t b = r->win - 1; b-- > 0;) {
		bool starts = r->s[b + 1] && !r->s[b];

		r->above[b] = r->above[b + 1] + r->s[b + 1];
		r->runs_above[b] = r->runs_above[b + 1] + starts;
	}
}

static bool
ref_lost(const struct ref *r, uint32_t b, uint32_t mss)
{
	return r->runs_above[b] >= TCP_SACK_DUPTHRESH ||
	    r->above[b] > (TCP_SACK_DUPTHRESH - 1) * mss;
}

static uint32_t
ref_pipe(const struct ref *r, uint32_t h, uint32_t mss)
{
	uint32_t pipe = 0;

	for (uint32_t b = 0; b < r->win; b++) {
		if (r->s[b])
			continue;
		pipe += !ref_lost(r, b, mss);
		pipe += b < h;
	}
	return pipe;
}

/* NextSeg by the byte; returns the rule (0 none), *x and *len. */
static int
ref_nextseg(const struct ref *r, uint32_t h, uint32_t mss, bool new_ok,
    bool rescue_ok, uint32_t rp, uint32_t *x, uint32_t *len)
{
	int64_t hs = -1;                /* highest SACKed offset */

	for (uint32_t b = 0; b < r->win; b++)
		if (r->s[b])
			hs = b;
	for (int rule = 1; rule <= 4; rule++) {
		if (rule == 2) {
			if (new_ok)
				return 2;
			continue;
		}
		if (rule == 4) {
			/* the last unSACKed byte below the recovery point */
			int64_t b = (int64_t)MIN(r->win, rp) - 1;

			if (!rescue_ok)
				return 0;
			while (b >= 0 && r->s[b])
				b--;
			if (b < 0)
				return 0;
			*len = 1;
			while (*len < mss && b - (int64_t)*len >= 0 &&
			    !r->s[b - *len])
				(*len)++;
			*x = (uint32_t)(b + 1 - *len);
			return 4;
		}
		for (uint32_t b = h; (int64_t)b < hs; b++) {
			if (r->s[b] || (rule == 1 && !ref_lost(r, b, mss)))
				continue;
			*x = b;
			*len = 0;
			while (*len < mss && b + *len < r->win &&
			    !r->s[b + *len])
				(*len)++;
			return rule;
		}
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* The board against the reference                                     */

struct sim {
	uint64_t rng;
	tcp_seq una, max, high_rxt, rescue_rxt, recovery_point;
	bool in_recovery, rescue_valid;
	uint8_t rcvd[WIN_CAP];          /* the receiver holds, by offset */
	uint8_t told[WIN_CAP];          /* reported in a valid block */
	struct tcp_sack_sb sb;
	uint64_t acks, bogus, rules[5], lossy_acks;
};

/* Move the window start by k bytes. */
static void
sim_shift(struct sim *m, uint32_t k)
{
	uint32_t win = m->max - m->una;

	CHECK(k <= win, "shift past snd_max");
	memmove(m->rcvd, m->rcvd + k, win - k);
	memmove(m->told, m->told + k, win - k);
	memset(m->rcvd + win - k, 0, k);
	memset(m->told + win - k, 0, k);
	m->una += k;
}

/* A true block: part of a run the receiver holds above the cum ack. */
static bool
sim_true_block(struct sim *m, uint32_t cum, struct tcp_sack_block *b)
{
	uint32_t win = m->max - m->una, s, e;

	for (int tries = 0; tries < 8; tries++) {
		uint32_t p = cum + rnd(&m->rng, win - cum);

		if (!m->rcvd[p])
			continue;
		s = p;
		e = p + 1;
		while (s > cum && m->rcvd[s - 1])
			s--;
		while (e < win && m->rcvd[e])
			e++;
		/* stale: an older, smaller report of the same run */
		if (rnd(&m->rng, 4) == 0) {
			uint32_t a = s + rnd(&m->rng, e - s);

			e = a + 1 + rnd(&m->rng, e - a);
			s = a;
		}
		b->start = m->una + s;
		b->end = m->una + e;
		return true;
	}
	return false;
}

static void
sim_bogus_block(struct sim *m, struct tcp_sack_block *b)
{
	uint32_t win = m->max - m->una;

	switch (rnd(&m->rng, 6)) {
	case 0:                         /* D-SACK: below snd_una */
		b->start = m->una - 1 - rnd(&m->rng, 3000);
		b->end = b->start + 1 + rnd(&m->rng, 200);
		if (SEQ_GT(b->end, m->una))
			b->end = m->una;
		break;
	case 1:                         /* across snd_una */
		b->start = m->una - 1 - rnd(&m->rng, 100);
		b->end = m->una + 1 + rnd(&m->rng, win + 1);
		break;
	case 2:                         /* beyond snd_max */
		b->start = m->una + rnd(&m->rng, win + 1);
		b->end = m->max + 1 + rnd(&m->rng, 5000);
		break;
	case 3:                         /* inverted */
		b->end = m->una + rnd(&m->rng, win + 1);
		b->start = b->end + 1 + rnd(&m->rng, 300);
		break;
	case 4:                         /* empty */
		b->start = b->end = m->una + rnd(&m->rng, win + 1);
		break;
	default:                        /* garbage */
		b->start = (tcp_seq)sim_splitmix64(&m->rng);
		b->end = (tcp_seq)sim_splitmix64(&m->rng);
		if (SEQ_GEQ(b->start, m->una) && SEQ_LT(b->start, b->end) &&
		    SEQ_LEQ(b->end, m->max))
			b->start = b->end;      /* valid by chance: empty it */
		break;
	}
}

/* The map of what the board remembers, checked against what was told. */
static void
sim_board_map(struct sim *m, struct ref *r)
{
	uint32_t n = 0;
	int64_t hs = -1;

	r->win = m->max - m->una;
	for (uint32_t b = 0; b < r->win; b++) {
		r->s[b] = tcp_sack_sb_is_sacked(&m->sb, m->una, m->una + b);
		CHECK(!r->s[b] || m->told[b], "step %" PRIu64 ": board says "
		    "offset %u is SACKed; no valid block said so", m->acks, b);
		CHECK(m->sb.forgotten > 0 || r->s[b] == m->told[b],
		    "step %" PRIu64 ": offset %u told but not on the board",
		    m->acks, b);
		CHECK(!r->s[b] || m->rcvd[b], "SACKed data not received");
		n += r->s[b];
		if (r->s[b])
			hs = b;
	}
	CHECK(n == tcp_sack_sb_sacked(&m->sb), "sacked %u, map %u",
	    tcp_sack_sb_sacked(&m->sb), n);
	CHECK(tcp_sack_sb_high(&m->sb, m->una) - m->una ==
	    (uint32_t)(hs + 1), "HighSACK");
	ref_prepare(r);
}

static void
sim_check(struct sim *m, struct ref *r)
{
	struct tcp_sack_sendstate st;
	struct tcp_sack_seg seg;
	uint32_t h, x = 0, len = 0, win = m->max - m->una;
	bool rescue_ok;
	int rule;

	sim_board_map(m, r);
	for (uint32_t b = 0; b < win; b++)
		CHECK(tcp_sack_is_lost(&m->sb, m->una, m->una + b, MSS) ==
		    ref_lost(r, b, MSS), "step %" PRIu64 ": IsLost(%u)",
		    m->acks, b);
	h = SEQ_LT(m->high_rxt, m->una) ? 0 : m->high_rxt - m->una;
	CHECK(tcp_sack_pipe(&m->sb, m->una, m->max, m->high_rxt, MSS) ==
	    ref_pipe(r, h, MSS), "step %" PRIu64 ": pipe %u, brute force %u",
	    m->acks, tcp_sack_pipe(&m->sb, m->una, m->max, m->high_rxt, MSS),
	    ref_pipe(r, h, MSS));
	memset(&st, 0, sizeof(st));
	st.snd_una = m->una;
	st.snd_max = m->max;
	st.high_rxt = m->high_rxt;
	st.rescue_rxt = m->rescue_rxt;
	st.rescue_valid = m->rescue_valid;
	st.recovery_point = m->recovery_point;
	st.mss = MSS;
	st.new_ok = rnd(&m->rng, 3) == 0 ? 1 + rnd(&m->rng, 2 * MSS) : 0;
	tcp_sack_nextseg(&m->sb, &st, &seg);
	rescue_ok = !m->rescue_valid || SEQ_GT(m->una, m->rescue_rxt);
	rule = ref_nextseg(r, h, MSS, st.new_ok > 0, rescue_ok,
	    SEQ_GT(m->recovery_point, m->una) ? m->recovery_point - m->una : 0,
	    &x, &len);
	CHECK(seg.rule == rule, "step %" PRIu64 ": NextSeg rule %d, brute "
	    "force %d", m->acks, seg.rule, rule);
	m->rules[rule]++;
	if (rule == 2) {
		CHECK(seg.what == TCP_SACK_NEW && seg.seq == m->max &&
		    seg.len == MIN(MSS, st.new_ok), "rule 2's segment");
		return;
	}
	if (rule == 0) {
		CHECK(seg.what == TCP_SACK_NONE, "rule 0");
		return;
	}
	/* A retransmission: inside [snd_una, snd_max), on unSACKed data. */
	CHECK(seg.seq - m->una == x && seg.len == len, "step %" PRIu64
	    ": NextSeg [%u +%u), brute force [%u +%u)", m->acks,
	    seg.seq - m->una, seg.len, x, len);
	CHECK(SEQ_GEQ(seg.seq, m->una) && SEQ_LEQ(seg.seq + seg.len, m->max) &&
	    seg.len > 0, "a retransmission outside the window");
	for (uint32_t b = x; b < x + len; b++)
		CHECK(!r->s[b], "a retransmission of SACKed data");
	if (seg.what == TCP_SACK_RXT) {
		m->high_rxt = seg.seq + seg.len;
	} else {
		CHECK(seg.what == TCP_SACK_RESCUE, "rule 4's kind");
		CHECK(SEQ_LEQ(seg.seq + seg.len, m->recovery_point),
		    "step %" PRIu64 ": a rescue at or above the recovery "
		    "point", m->acks);
		m->rescue_rxt = m->recovery_point;
		m->rescue_valid = true;
	}
	/* the retransmission gets through, sometimes */
	if (rnd(&m->rng, 2) == 0)
		memset(m->rcvd + x, 1, len);
}

/* One ACK from the receiver: its cum ack and up to 4 blocks. */
static void
sim_ack(struct sim *m, struct ref *r)
{
	struct tcp_sack_block blk[TCP_SACK_OPT_MAX];
	uint32_t win = m->max - m->una, cum = 0;
	int n = 0, nb = 0, room = 3 + rnd(&m->rng, 2);

	while (cum < win && m->rcvd[cum])
		cum++;
	/* sometimes a late ACK: the cum ack is behind the receiver's */
	if (cum > 0 && rnd(&m->rng, 5) == 0)
		cum = rnd(&m->rng, cum);
	if (cum > 0)
		sim_shift(m, cum);
	while (n < room) {
		if (rnd(&m->rng, 6) == 0) {
			sim_bogus_block(m, &blk[n++]);
			nb++;
		} else if (rnd(&m->rng, 3) != 0 &&
		    sim_true_block(m, 0, &blk[n])) {
			n++;
		} else {
			break;
		}
	}
	for (int i = 0; i < n; i++) {
		uint32_t s = blk[i].start - m->una, e = blk[i].end - m->una;

		if (s < e && e <= m->max - m->una)
			memset(m->told + s, 1, e - s);
	}
	{
		int bogus = -1;

		tcp_sack_sb_update(&m->sb, m->una, m->max, blk, n, &bogus);
		CHECK(bogus == nb, "step %" PRIu64 ": %d bogus blocks, board "
		    "counted %d", m->acks, nb, bogus);
		m->bogus += (uint64_t)bogus;
	}
	m->acks++;
	if (m->in_recovery && SEQ_GEQ(m->una, m->recovery_point))
		m->in_recovery = false;
	if (!m->in_recovery && m->max != m->una &&
	    tcp_sack_is_lost(&m->sb, m->una, m->una, MSS)) {
		m->in_recovery = true;
		m->high_rxt = m->una;
		m->recovery_point = m->max;
		m->rescue_valid = false;
	}
	if (m->sb.forgotten > 0)
		m->lossy_acks++;
	sim_check(m, r);
}

static void
case_board(int argc, char **argv)
{
	static struct sim m;
	static struct ref r;
	uint64_t seed, steps, limit = TCP_SACK_SB_LIMIT;
	uint32_t win_max;
	u_int cap_max = 0;

	CHECK(argc == 5 || argc == 6, "board SEED STEPS WIN_MAX [LIMIT]");
	seed = tcp_unit_num(argv[2]);
	steps = tcp_unit_num(argv[3]);
	win_max = (uint32_t)tcp_unit_num(argv[4]);
	if (argc == 6)
		limit = tcp_unit_num(argv[5]);
	CHECK(win_max >= MSS && win_max <= WIN_CAP, "WIN_MAX");
	CHECK(limit >= TCP_SACK_SB_MAX && limit <= TCP_SACK_SB_LIMIT, "LIMIT");
	memset(&m, 0, sizeof(m));
	m.rng = seed;
	m.una = m.max = (tcp_seq)(0u - 1u - rnd(&m.rng, 4 * win_max));
	m.high_rxt = m.una;
	tcp_sack_sb_init(&m.sb);
	tcp_sack_sb_set_limit(&m.sb, (u_int)limit);
	for (uint64_t i = 0; i < steps; i++) {
		uint32_t win = m.max - m.una;

		if (rnd(&m.rng, 3) != 0 && win + MSS <= win_max) {
			/* send a segment: the network loses a fifth */
			uint32_t len = rnd(&m.rng, 4) == 0 ?
			    1 + rnd(&m.rng, MSS) : MSS;

			if (rnd(&m.rng, 5) != 0)
				memset(m.rcvd + win, 1, len);
			m.max += len;
		} else if (win > 0) {
			sim_ack(&m, &r);
		}
		/* Its array from kmem only while the blocks need it. */
		CHECK((m.sb.blk == m.sb.inl) == (m.sb.cap == TCP_SACK_SB_MAX) &&
		    m.sb.cap <= limit && m.sb.nblk <= m.sb.cap, "step %" PRIu64
		    ": room %u for %u blocks", i, m.sb.cap, m.sb.nblk);
		cap_max = MAX(cap_max, (u_int)m.sb.cap);
		if (rnd(&m.rng, 200) == 0 && win > 0) {
			/* a timeout: everything is sent again */
			tcp_sack_sb_clear(&m.sb);
			memset(m.told, 0, sizeof(m.told));
			memset(m.rcvd, 1, m.max - m.una);
			m.in_recovery = false;
			m.high_rxt = m.una;
		}
	}
	printf("ok board acks=%" PRIu64 " bogus=%" PRIu64 " forgotten=%" PRIu32
	    " lossy_acks=%" PRIu64 " rule0=%" PRIu64 " rule1=%" PRIu64
	    " rule2=%" PRIu64 " rule3=%" PRIu64 " rule4=%" PRIu64
	    " cap_max=%u\n", m.acks, m.bogus, m.sb.forgotten, m.lossy_acks,
	    m.rules[0], m.rules[1], m.rules[2], m.rules[3], m.rules[4], cap_max);
	tcp_sack_sb_fini(&m.sb);
	CHECK(m.sb.blk == m.sb.inl, "fini gives the array back");
}

/* ------------------------------------------------------------------ */
/* Fixed cases                                                          */

static void
case_bogus(int argc, char **argv)
{
	struct tcp_sack_sb sb;
	tcp_seq una = 0xfffffe00u, max = una + 1000;  /* wraps at 512 */
	struct tcp_sack_block bad[] = {
		{ una - 100, una - 50 },        /* D-SACK below snd_una */
		{ una - 10, una + 100 },        /* across snd_una */
		{ una + 900, max + 1 },         /* beyond snd_max */
		{ una + 300, una + 200 },       /* inverted */
		{ una + 400, una + 400 },       /* empty */
		{ una + 10, una + 5 },          /* inverted, a huge span */
		{ max + 10, max + 20 },         /* unsent */
		{ una - 0x40000000u, una + 10 }, /* wider than any window */
	};
	struct tcp_sack_block good[] = {
		{ una + 500, una + 600 },       /* across the wrap */
		{ una + 900, max },             /* up to snd_max */
	};
	int nb = -1, total = 0;

	(void)argc;
	(void)argv;
	tcp_sack_sb_init(&sb);
	for (size_t i = 0; i < __arraycount(bad); i++) {
		CHECK(tcp_sack_sb_update(&sb, una, max, &bad[i], 1, &nb) == 0,
		    "bogus block %zu learnt", i);
		CHECK(nb == 1 && tcp_sack_sb_empty(&sb), "bogus block %zu", i);
		total += nb;
	}
	CHECK(tcp_sack_sb_update(&sb, una, max, good, 2, &nb) == 200 &&
	    nb == 0, "good blocks");
	CHECK(tcp_sack_sb_sacked(&sb) == 200 &&
	    tcp_sack_sb_high(&sb, una) == max, "good blocks' bytes");
	CHECK(tcp_sack_sb_update(&sb, una, max, bad, 4, &nb) == 0 && nb == 4 &&
	    tcp_sack_sb_sacked(&sb) == 200, "bogus after good");
	total += nb;
	/* the cumulative ack passes one block and reaches into the other */
	CHECK(tcp_sack_sb_update(&sb, una + 950, max, NULL, 0, &nb) == 0 &&
	    tcp_sack_sb_sacked(&sb) == 50, "pruned");
	CHECK(tcp_sack_sb_update(&sb, max, max, NULL, 0, &nb) == 0 &&
	    tcp_sack_sb_empty(&sb), "all acked");
	tcp_sack_sb_fini(&sb);
	printf("ok bogus ignored=%d\n", total);
}

static void
case_pool(int argc, char **argv)
{
	struct tcp_sack_sb *sb = tcp_sack_sb_create(KM_SLEEP);
	struct tcp_sack_block b = { 100, 200 };
	struct tcp_sack_sendstate st;
	struct tcp_sack_seg seg;

	(void)argc;
	(void)argv;
	CHECK(sb != NULL && tcp_sack_sb_empty(sb), "create");
	tcp_sack_sb_update(sb, 0, 1000, &b, 1, NULL);
	CHECK(tcp_sack_sb_sacked(sb) == 100, "update");
	tcp_sack_sb_clear(sb);
	CHECK(tcp_sack_sb_empty(sb) && tcp_sack_sb_sacked(sb) == 0, "clear");
	memset(&st, 0, sizeof(st));
	st.snd_max = 1000;
	st.mss = MSS;
	st.rescue_valid = true;
	tcp_sack_nextseg(sb, &st, &seg);
	CHECK(seg.what == TCP_SACK_NONE, "nothing to do on an empty board");
	tcp_sack_sb_destroy(sb);
	tcp_sack_sb_destroy(NULL);
	printf("ok pool sb_bytes=%zu rcv_bytes=%zu\n",
	    sizeof(struct tcp_sack_sb), sizeof(struct tcp_sack_rcv));
}

/* ------------------------------------------------------------------ */
/* The receiver                                                         */

static void
case_rcv(int argc, char **argv)
{
	static uint8_t have[WIN_CAP];
	static uint64_t stamp[WIN_CAP]; /* arrival step of each byte */
	struct tcp_sack_rcv r;
	struct tcp_sack_block out[TCP_SACK_OPT_MAX];
	uint64_t rng, steps, exact = 0, runs_max = 0;
	uint32_t span;
	tcp_seq nxt;
	bool overflowed = false;

	CHECK(argc == 5, "rcv SEED STEPS SPAN");
	rng = tcp_unit_num(argv[2]);
	steps = tcp_unit_num(argv[3]);
	span = (uint32_t)tcp_unit_num(argv[4]);
	CHECK(span >= 2 * MSS && span <= WIN_CAP, "SPAN");
	memset(have, 0, sizeof(have));
	nxt = (tcp_seq)(0u - rnd(&rng, 3 * span));
	tcp_sack_rcv_init(&r);
	for (uint64_t i = 1; i <= steps; i++) {
		uint32_t s = rnd(&rng, 8) == 0 ? 0 :
		    1 + rnd(&rng, span - MSS - 1);
		uint32_t len = 1 + rnd(&rng, MSS);
		uint32_t adv = 0, runs = 0;
		int room = 1 + rnd(&rng, TCP_SACK_OPT_MAX), n;

		if (s == 0) {
			/* in order: rcv_nxt advances over what is queued */
			for (uint32_t b = 0; b < len; b++)
				have[b] = 1;
			while (adv < span && have[adv])
				adv++;
			memmove(have, have + adv, span - adv);
			memmove(stamp, stamp + adv,
			    (span - adv) * sizeof(stamp[0]));
			memset(have + span - adv, 0, adv);
			nxt += adv;
			tcp_sack_rcv_update(&r, nxt);
		} else {
			tcp_sack_rcv_add(&r, nxt, nxt + s, nxt + s + len);
			for (uint32_t b = s; b < s + len; b++) {
				have[b] = 1;
				stamp[b] = i;
			}
		}
		for (uint32_t b = 1; b < span; b++)
			runs += have[b] && !have[b - 1];
		runs_max = MAX(runs_max, runs);
		/* in step again once nothing is out of order */
		if (runs == 0)
			overflowed = false;
		overflowed |= runs > TCP_SACK_RCV_MAX;
		n = tcp_sack_rcv_blocks(&r, nxt, out, room);
		CHECK(n == MIN(room, (int)MIN(runs, TCP_SACK_RCV_MAX)) ||
		    overflowed, "step %" PRIu64 ": %d blocks for %u runs", i,
		    n, runs);
		CHECK(n <= room, "more blocks than room");
		for (int k = 0; k < n; k++) {
			uint32_t bs = out[k].start - nxt, be = out[k].end - nxt;
			uint64_t latest = 0;

			CHECK(bs > 0 && bs < be && be <= span, "step %" PRIu64
			    ": block %d [%u, %u) not above rcv_nxt", i, k, bs,
			    be);
			for (uint32_t b = bs; b < be; b++) {
				CHECK(have[b], "block %d holds unreceived %u",
				    k, b);
				latest = MAX(latest, stamp[b]);
			}
			/* maximal while nothing was forgotten */
			CHECK(overflowed || (!have[bs - 1] &&
			    (be == span || !have[be])), "step %" PRIu64
			    ": block %d not a whole run", i, k);
			if (k == 0 && s != 0)
				CHECK(bs <= s && s + len <= be, "step %" PRIu64
				    ": first block misses the latest segment",
				    i);
			for (int j = 0; j < k; j++) {
				uint32_t js = out[j].start - nxt;
				uint32_t je = out[j].end - nxt;
				uint64_t jl = 0;

				CHECK(be < js || bs > je, "blocks %d and %d "
				    "touch", j, k);
				for (uint32_t b = js; b < je; b++)
					jl = MAX(jl, stamp[b]);
				CHECK(overflowed || jl > latest, "step %"
				    PRIu64 ": block %d older than %d", i, j,
				    k);
			}
		}
		exact += !overflowed;
	}
	printf("ok rcv exact_steps=%" PRIu64 " runs_max=%" PRIu64 "\n", exact,
	    runs_max);
}

static const struct tcp_unit_case cases[] = {
	{ "board", case_board },
	{ "bogus", case_bogus },
	{ "rcv", case_rcv },
	{ "pool", case_pool },
};

int
main(int argc, char **argv)
{
	return tcp_unit_main(argc, argv, "test_tcp_sack", cases,
	    __arraycount(cases));
}
