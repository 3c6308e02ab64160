/*
 * tcp_cc.h -- TCP congestion control behind a small ops table.
 *
 * A connection's congestion controller sees the connection only through
 * struct tcp_ccv: the windows it owns (cwnd, ssthresh), what TCP tells
 * it about the path (SMSS, bytes in flight, RTT, the virtual time), and
 * a few words of private state.  TCP calls the ops at fixed points:
 *
 *	connection established   -> cc_init
 *	an ACK that acks new data -> cc_ack_received(CC_ACK)
 *	a duplicate ACK           -> cc_ack_received(CC_DUPACK)
 *	loss detected             -> cc_cong_signal(CC_NDUPACK | CC_RTO)
 *	full ACK ends recovery    -> cc_post_recovery
 *	sending after an idle RTO -> cc_after_idle
 *
 * Fast-recovery bookkeeping (NewReno's partial ACKs, RFC 6582, and the
 * SACK pipe, RFC 6675) stays in TCP; the controller only says how big
 * the windows are.  Controllers are pure: no locks, no allocation, no
 * floating point (integer arithmetic only, so a fingerprint does not
 * depend on a libm), no clock but ccv->now_ns.  The tables are constant;
 * each brane names its default and a socket may choose another
 * (TCP_CONGESTION).
 */
#ifndef _STACK_NETINET_TCP_CC_H_
#define _STACK_NETINET_TCP_CC_H_

#include <sys/kern.h>

#define TCP_CC_NAME_MAX         16      /* bytes of a name, with its NUL */
#define TCP_CC_PRIV_WORDS       8       /* controller's own 64-bit words */
#define TCP_CC_MSS_MAX          65535   /* the largest SMSS a controller takes */

/* ccv->flags */
#define CCF_IN_RECOVERY         0x01    /* between cong_signal and post_recovery */
#define CCF_CWND_LIMITED        0x02    /* the last flight was limited by cwnd */
#define CCF_RTO                 0x04    /* the last signal was a timeout */

/* cc_ack_received types */
#define CC_ACK                  1       /* acks new data */
#define CC_DUPACK               2

/* cc_cong_signal types */
#define CC_NDUPACK              1       /* fast retransmit (3 dup ACKs, or SACK) */
#define CC_RTO                  2       /* retransmission timeout */

struct tcp_ccv {
	uint32_t cwnd;                  /* bytes; the controller writes it */
	uint32_t ssthresh;              /* bytes; the controller writes it */
	uint32_t mss;                   /* SMSS, bytes; > 0 */
	uint32_t flight;                /* bytes outstanding (or SACK pipe) */
	uint32_t bytes_acked;           /* newly acked by this ACK */
	uint32_t flags;                 /* CCF_* */
	uint64_t now_ns;                /* virtual time of the call */
	uint64_t srtt_ns;               /* smoothed RTT; 0 = no sample yet */
	uint64_t min_rtt_ns;            /* smallest RTT sample; 0 = none */
	uint64_t priv[TCP_CC_PRIV_WORDS]; /* the controller's own state */
};

struct tcp_cc_ops {
	const char *name;               /* "newreno", "cubic" */
	/* => ccv->mss set; cwnd and ssthresh set by TCP (RFC 5681 IW) */
	void	(*cc_init)(struct tcp_ccv *);
	void	(*cc_ack_received)(struct tcp_ccv *, int type);
	/* => sets ssthresh (and cwnd for CC_RTO); TCP sets CCF_IN_RECOVERY */
	void	(*cc_cong_signal)(struct tcp_ccv *, int type);
	/* => recovery ended by a full ACK: deflate cwnd */
	void	(*cc_post_recovery)(struct tcp_ccv *);
	/* => about to send after idle longer than an RTO (RFC 5681 4.1) */
	void	(*cc_after_idle)(struct tcp_ccv *);
};

extern const struct tcp_cc_ops tcp_cc_newreno;
extern const struct tcp_cc_ops tcp_cc_cubic;

/*
 * CUBIC's curve (tcp_cc_cubic.c), for the tests and for traces: with
 * W_max and the window at the start of the epoch in bytes,
 * tcp_cc_cubic_k_ns is K, the time the curve takes back to W_max, and
 * tcp_cc_cubic_window is W_cubic(t) in bytes, t ns into the epoch.
 * tcp_cc_cubic_wmax reads a CUBIC connection's W_max.
 */
uint64_t tcp_cc_cubic_k_ns(uint32_t w_max, uint32_t cwnd_epoch, uint32_t mss);
uint32_t tcp_cc_cubic_window(uint32_t w_max, uint32_t cwnd_epoch, uint32_t mss,
	    uint64_t t_ns);
uint32_t tcp_cc_cubic_wmax(const struct tcp_ccv *);

/*
 * tcp_cc_lookup(name) -- the controller called name, or NULL.
 */
const struct tcp_cc_ops *tcp_cc_lookup(const char *name);

/* RFC 5681's initial window for an SMSS (RFC 3390's rule). */
static inline uint32_t
tcp_cc_initial_window(uint32_t mss)
{
	KASSERT(mss > 0);
	if (mss > 2190)
		return 2 * mss;
	if (mss > 1095)
		return 3 * mss;
	return 4 * mss;
}

#endif /* _STACK_NETINET_TCP_CC_H_ */
