/*
 * tcp_cc.c -- the congestion controllers' table, and NewReno.
 *
 * NewReno's window rules are RFC 5681's: slow start below ssthresh
 * grows cwnd by the bytes acked, at most one SMSS per ACK (RFC 3465's
 * L = 1); congestion avoidance grows it by one SMSS per window's worth
 * of bytes acked (byte counting, RFC 5681 3.1's recommended way and
 * RFC 3465's: unlike SMSS * SMSS / cwnd per ACK it does not slow to
 * half with delayed ACKs, one ACK per two segments).  A loss signal sets
 * ssthresh to half the flight, at least two segments; a timeout also
 * drops cwnd to one segment (the loss window), and a timeout that
 * follows a timeout with no new data acked in between (the same
 * segment retransmitted again, backed off) holds ssthresh (RFC 5681
 * 3.1: the flight is one segment by then, and halving it would end
 * slow start at two segments).  Recovery's inflation
 * and partial ACKs (RFC 6582) are TCP's; when recovery ends, cwnd is
 * deflated to ssthresh, or to flight + SMSS if less is in flight.
 */
#include <sys/kern.h>

#include <netinet/tcp_cc.h>

#include <string.h>

/* ccv->priv[] */
#define NR_FLAGS        0
#define NR_F_RTO        0x1     /* a timeout, no new data acked since */
#define NR_ACKED        1       /* bytes acked in avoidance, < cwnd */

static void
newreno_init(struct tcp_ccv *ccv)
{
	KASSERT(ccv->mss > 0);
	KASSERT(ccv->cwnd >= ccv->mss);
	ccv->priv[NR_FLAGS] = 0;
	ccv->priv[NR_ACKED] = 0;
}

static void
newreno_ack_received(struct tcp_ccv *ccv, int type)
{
	uint32_t incr;

	KASSERT(type == CC_ACK || type == CC_DUPACK);
	if (type != CC_ACK || (ccv->flags & CCF_IN_RECOVERY) != 0)
		return;
	ccv->priv[NR_FLAGS] &= ~(uint64_t)NR_F_RTO;
	if ((ccv->flags & CCF_CWND_LIMITED) == 0)
		return;
	if (ccv->cwnd < ccv->ssthresh) {
		incr = MIN(ccv->bytes_acked, ccv->mss);
	} else {
		/* One SMSS per cwnd bytes acked (RFC 3465 2.1). */
		ccv->priv[NR_ACKED] += ccv->bytes_acked;
		if (ccv->priv[NR_ACKED] < ccv->cwnd)
			return;
		ccv->priv[NR_ACKED] = MIN(ccv->priv[NR_ACKED] - ccv->cwnd,
		    (uint64_t)ccv->cwnd - 1);
		incr = ccv->mss;
	}
	if (ccv->cwnd <= UINT32_MAX - incr)
		ccv->cwnd += incr;
	KASSERT(ccv->priv[NR_ACKED] < ccv->cwnd);
}

static void
newreno_cong_signal(struct tcp_ccv *ccv, int type)
{
	KASSERT(type == CC_NDUPACK || type == CC_RTO);
	ccv->priv[NR_ACKED] = 0;
	if (type != CC_RTO || (ccv->priv[NR_FLAGS] & NR_F_RTO) == 0)
		ccv->ssthresh = MAX(ccv->flight / 2, 2 * ccv->mss);
	if (type == CC_RTO) {
		ccv->cwnd = ccv->mss;
		ccv->priv[NR_FLAGS] |= NR_F_RTO;
	}
	KASSERT(ccv->ssthresh >= 2 * ccv->mss);
}

static void
newreno_post_recovery(struct tcp_ccv *ccv)
{
	ccv->cwnd = MAX(MIN(ccv->ssthresh, ccv->flight + ccv->mss),
	    ccv->mss);
	ccv->priv[NR_ACKED] = 0;
	KASSERT(ccv->cwnd >= ccv->mss);
}

static void
newreno_after_idle(struct tcp_ccv *ccv)
{
	ccv->cwnd = MIN(ccv->cwnd, tcp_cc_initial_window(ccv->mss));
	ccv->priv[NR_ACKED] = 0;
	KASSERT(ccv->cwnd >= ccv->mss);
}

const struct tcp_cc_ops tcp_cc_newreno = {
	.name = "newreno",
	.cc_init = newreno_init,
	.cc_ack_received = newreno_ack_received,
	.cc_cong_signal = newreno_cong_signal,
	.cc_post_recovery = newreno_post_recovery,
	.cc_after_idle = newreno_after_idle,
};

static const struct tcp_cc_ops *const tcp_cc_table[] = {
	&tcp_cc_newreno,
	&tcp_cc_cubic,
};

const struct tcp_cc_ops *
tcp_cc_lookup(const char *name)
{
	for (size_t i = 0; i < __arraycount(tcp_cc_table); i++) {
		if (strcmp(tcp_cc_table[i]->name, name) == 0)
			return tcp_cc_table[i];
	}
	return NULL;
}
