/*
 * tcp_input.c -- TCP's receive path: demux, then the state machine run
 * lazily (RFC 9293 3.10.7, RFC 5681/6582 for ACKs, RFC 7323).
 *
 * tcp_input is demux only, as udp_input: it checks that a whole header
 * and its options are in the segment (data offset within it), looks the
 * PCB up with one bucket read-locked and queues the whole segment on the
 * socket's receive PCQ (so_deliver), never waiting for the socket lock.
 * A segment no socket wants is checked and answered with a reset.  One
 * exception to laziness (SEED-NOTES "Fast protocol demultiplexing"): a
 * segment with data owes an ACK, so demux *tries* the socket lock and,
 * if it is free and the connection is synchronized, does the pending
 * work itself (counted demux_ack) so the ACK is not delayed by a reader
 * that is not there.  It never does a listener's work (that links new
 * PCBs, which would take the bucket lock demux holds).
 *
 * Everything else -- checksum, options, the state machine -- is
 * tcp_rcvd (pr_rcvd), on the CPU of the LWP waiting on the socket or of
 * its continuation, with the socket lock held.  Processing a batch of
 * segments sends one ACK for the batch at its end (tcp_output).
 *
 * A passive open: the listener answers a SYN from a small list of
 * embryonic connections of its own (struct tcp_embryo; no socket yet)
 * and only the handshake's ACK makes a socket, linked into the table
 * connected to its peer and put on the listener's accept queue.
 *
 * SACK (tcp_sack.h; both sides offered it, TF_SACK_PERMIT).  As a
 * receiver, an out-of-order segment's range goes into the connection's
 * blocks (tcp_output reports them).  As a sender, every ACK's blocks
 * feed the scoreboard; three duplicate ACKs or IsLost(snd_una) start
 * RFC 6675's recovery (tcp_sack_recovery), fewer earn a new segment
 * each (limited transmit); in recovery each ACK lets tcp_sack_output
 * send while cwnd - pipe >= SMSS, and the ACK of RecoveryPoint
 * (snd_recover) ends it in tcp_newack as NewReno's does.  Without
 * blocks (the peer did not offer SACK, or no memory for the state) the
 * recovery is NewReno's.  The SACK state lives in t_sack only while it
 * holds something: tcp_sack_trim after each batch of segments.
 */
#include <sys/kern.h>
#include <sys/atomic.h>
#include <sys/kmem.h>
#include <sys/mutex.h>

#include <kern/ksocket.h>
#include <kern/mbuf.h>

#include <string.h>

#include <net/brane.h>
#include <net/if.h>
#include <netinet/in.h>
#include <netinet/in_cksum.h>
#include <netinet/in_pcb.h>
#include <netinet/in_var.h>
#include <netinet/ip.h>
#include <netinet/ip_var.h>
#include <netinet/route.h>
#include <netinet/tcp.h>
#include <netinet/tcp_syncache.h>
#include <netinet/tcp_var.h>

/* Which context does the receive work (the counters). */
enum tcp_worker { TW_LWP, TW_KCONT, TW_DEMUX };

static void tcp_segment(struct tcpcb *, struct mbuf *);

/* --- demux ----------------------------------------------------------------- */

struct tcp_delivery {
	struct mbuf *td_m;
	struct tcp_brane *td_tb;
	bool td_taken;
	bool td_data;
};

static void tcp_rcvd_work(struct socket *, enum tcp_worker);

/*
 * Hand over; a segment with data, try to ACK now: if the socket lock is
 * free, do the work here, and then nobody need be told (so_rcvq_put).
 * => the PCB's bucket read-locked
 */
static void
tcp_deliver(struct inpcb *inp, void *arg)
{
	struct tcp_delivery *td = arg;
	struct socket *so = inp->inp_socket;
	struct tcpcb *tp;

	if (!td->td_data) {
		td->td_taken = so_deliver(so, td->td_m);
		return;
	}
	if (!(td->td_taken = so_rcvq_put(so, td->td_m)))
		return;
	if (mutex_tryenter(&so->so_lock)) {
		tp = inp->inp_ppcb;
		if (TCPS_HAVERCVDSYN(tp->t_state) &&
		    !(tp->t_flags & TF_DEAD)) {
			tcp_rcvd_work(so, TW_DEMUX);
			mutex_exit(&so->so_lock);
			return;
		}
		mutex_exit(&so->so_lock);
	}
	so_rcvq_notify(so);
}

static bool
tcp_cksum_ok(struct mbuf *m, int off)
{
	return in4_cksum(m, IPPROTO_TCP, off, m->m_pkthdr.len - off) == 0;
}

/* No connection: a reset (RFC 9293 3.10.7.1), unless it is one. */
static void
tcp_noport(struct brane *br, struct tcp_brane *tb, struct mbuf *m, int off)
{
	const struct ip *ip = mtod(m, const struct ip *);
	const struct tcphdr *th = (const struct tcphdr *)(mtod(m, char *) +
	    off);
	struct in_addr src = ip->ip_src, dst = ip->ip_dst;
	in_port_t sport = th->th_sport, dport = th->th_dport;
	tcp_seq seq = ntohl(th->th_seq), ack = ntohl(th->th_ack);
	int flags = th->th_flags;
	int tlen = m->m_pkthdr.len - off - TH_OFF(th);
	bool bcast;

	(void)br;
	if (!tcp_cksum_ok(m, off)) {
		TCPSTAT_INC(tb, badsum_noport);
		m_freem(m);
		return;
	}
	TCPSTAT_INC(tb, noport);
	bcast = (m->m_flags & (M_BCAST | M_MCAST)) != 0;
	m_freem(m);
	if ((flags & TH_RST) || bcast || dst.s_addr == INADDR_BROADCAST ||
	    in_multicast(dst.s_addr))
		return;
	if (flags & TH_ACK)
		tcp_respond(tb, dst, dport, src, sport, ack, 0, TH_RST);
	else
		tcp_respond(tb, dst, dport, src, sport, 0, seq + (uint32_t)tlen +
		    ((flags & TH_SYN) != 0) + ((flags & TH_FIN) != 0),
		    TH_RST | TH_ACK);
}

void
tcp_input(struct ifnet *ifp, struct mbuf *m, int off)
{
	struct brane *br = ifp->if_brane;
	struct tcp_brane *tb = tcp_brane_peek(br);
	struct tcp_delivery td;
	const struct ip *ip;
	const struct tcphdr *th;
	int thoff;

	KASSERT(m->m_flags & M_PKTHDR);
	KASSERT(off >= (int)sizeof(struct ip) && m->m_len >= off);
	if (tb == NULL) {
		/* No TCP socket was ever made in this brane: nobody to ask. */
		m_freem(m);
		return;
	}
	TCPSTAT_INC(tb, received);
	if (m->m_pkthdr.len < off + (int)sizeof(*th)) {
		TCPSTAT_INC(tb, hdrops);
		m_freem(m);
		return;
	}
	if (m->m_len < off + (int)sizeof(*th) &&
	    (m = m_pullup(m, off + (int)sizeof(*th))) == NULL) {
		TCPSTAT_INC(tb, hdrops);
		return;
	}
	th = (const struct tcphdr *)(mtod(m, char *) + off);
	thoff = TH_OFF(th);
	if (thoff < (int)sizeof(*th) || off + thoff > m->m_pkthdr.len) {
		TCPSTAT_INC(tb, badoff);
		m_freem(m);
		return;
	}
	if (m->m_len < off + thoff &&
	    (m = m_pullup(m, off + thoff)) == NULL) {
		TCPSTAT_INC(tb, hdrops);
		return;
	}
	ip = mtod(m, const struct ip *);
	th = (const struct tcphdr *)(mtod(m, char *) + off);
	td.td_m = m;
	td.td_tb = tb;
	td.td_taken = false;
	td.td_data = m->m_pkthdr.len > off + thoff ||
	    (th->th_flags & TH_FIN) != 0;
	if (!in_pcblookup_deliver(&tb->tb_table, ip->ip_src, th->th_sport,
	    ip->ip_dst, th->th_dport, tcp_deliver, &td)) {
		tcp_noport(br, tb, m, off);
		return;
	}
	if (td.td_taken)
		TCPSTAT_INC(tb, delivered);
	else {
		TCPSTAT_INC(tb, fullpcq);
		m_freem(m);
	}
}

/* --- lazy receive ----------------------------------------------------------- */

static void
tcp_rcvd_work(struct socket *so, enum tcp_worker who)
{
	struct inpcb *inp = so->so_pcb;
	struct tcpcb *tp;
	struct tcp_brane *tb;
	struct mbuf *m;

	KASSERT(mutex_owned(&so->so_lock));
	if (who == TW_DEMUX)
		(void)atomic_swap_32(&so->so_pending, 0);
	if (inp == NULL) {
		(void)so_rcvpcq_flush(so);
		return;
	}
	if (so->so_rcvpcq == NULL)      /* neither connected nor listening */
		return;
	tp = inp->inp_ppcb;
	tb = tp->t_tb;
	while ((m = so_rcvq_get(so)) != NULL) {
		if (who == TW_LWP)
			TCPSTAT_INC(tb, lazy_lwp);
		else if (who == TW_KCONT)
			TCPSTAT_INC(tb, lazy_kcont);
		else
			TCPSTAT_INC(tb, demux_ack);
		SDT_PROBE2(tcp, input, m->m_pkthdr.len, m->m_pkthdr.ph_id);
		tcp_segment(tp, m);
	}
	if (tp->t_state != TCPS_CLOSED && tp->t_state != TCPS_LISTEN &&
	    (tp->t_flags & TF_ACKNOW))
		(void)tcp_output(tp);
	tcp_sack_trim(tp);              /* an idle connection keeps none */
}

void
tcp_rcvd(struct socket *so, lwp_t *l)
{
	tcp_rcvd_work(so, l != NULL ? TW_LWP : TW_KCONT);
}

/* --- reassembly ----------------------------------------------------------- */

/*
 * Queue an out-of-order segment m (data only; seq in csum_data, FIN as
 * M_PROTO1), trimming what is already queued; then move what is now in
 * order to the socket.  Returns TH_FIN if the FIN is now in order.
 */
static int
tcp_reass(struct tcpcb *tp, struct mbuf *m, tcp_seq seq, int tlen, int fin)
{
	struct socket *so = tp->t_so;
	struct mbuf **pp, *q;
	tcp_seq qseq;
	int qlen, i, flags = 0;

	if (m != NULL) {
		m->m_pkthdr.csum_data = seq;
		m->m_pkthdr.len = tlen;
		if (fin)
			m->m_flags |= M_PROTO1;
		else
			m->m_flags &= ~M_PROTO1;
		/* Find the first segment that starts after seq. */
		for (pp = &tp->t_segq; (q = *pp) != NULL; pp = &q->m_nextpkt)
			if (SEQ_GT((tcp_seq)q->m_pkthdr.csum_data, seq))
				break;
		/* Trim against the one before (if it overlaps). */
		if (pp != &tp->t_segq) {
			struct mbuf *prev = container_of(pp, struct mbuf,
			    m_hdr.mh_nextpkt);

			qseq = (tcp_seq)prev->m_pkthdr.csum_data;
			i = (int)(qseq + (uint32_t)prev->m_pkthdr.len - seq);
			if (i > 0) {
				if (i >= tlen && !fin) {
					/* All duplicate: held already. */
					TCPSTAT_INC(tp->t_tb, rcvduppack);
					m_freem(m);
					goto present;
				}
				i = MIN(i, tlen);
				m_adj(m, i);
				tlen -= i;
				seq += (uint32_t)i;
				m->m_pkthdr.csum_data = seq;
				m->m_pkthdr.len = tlen;
			}
		}
		/* Trim (or drop) the ones after that it covers. */
		while ((q = *pp) != NULL) {
			qseq = (tcp_seq)q->m_pkthdr.csum_data;
			qlen = q->m_pkthdr.len;
			i = (int)(seq + (uint32_t)tlen - qseq);
			if (i <= 0)
				break;
			if (i < qlen) {
				m_adj(q, i);
				q->m_pkthdr.csum_data = qseq + (uint32_t)i;
				q->m_pkthdr.len = qlen - i;
				break;
			}
			*pp = q->m_nextpkt;
			q->m_nextpkt = NULL;
			if (q->m_flags & M_PROTO1)
				m->m_flags |= M_PROTO1;
			m_freem(q);
		}
		m->m_nextpkt = *pp;
		*pp = m;
		TCPSTAT_INC(tp->t_tb, rcvoopack);
	}
present:
	while ((q = tp->t_segq) != NULL &&
	    (tcp_seq)q->m_pkthdr.csum_data == tp->rcv_nxt) {
		tp->t_segq = q->m_nextpkt;
		q->m_nextpkt = NULL;
		qlen = q->m_pkthdr.len;
		tp->rcv_nxt += (uint32_t)qlen;
		TCPSTAT_ADD(tp->t_tb, rcvbyte, (uint64_t)qlen);
		if (q->m_flags & M_PROTO1)
			flags = TH_FIN;
		if (qlen > 0 && !(so->so_state & SS_CANTRCVMORE))
			sbappend_stream(&so->so_rcv, q);
		else
			m_freem(q);
	}
	/* Segments wholly before rcv_nxt cannot remain: trimmed above. */
	so_wakeup(so);
	return flags;
}

/* --- passive open ----------------------------------------------------------- */

static void
tcp_embryo_synack(struct tcpcb *lp, struct tcp_embryo *te)
{
	tcp_synack_output(lp->t_tb, te, lp->t_inp->inp_lport,
	    lp->request_r_scale, lp->t_so->so_rcv.sb_hiwat);
}

void
tcp_synack_output(struct tcp_brane *tb, const struct tcp_embryo *te,
    in_port_t lport, uint8_t rscale, u_int win)
{
	const int optmax = 20;
	const int hlen0 = (int)(sizeof(struct ip) + sizeof(struct tcphdr));
	struct mbuf *m;
	struct ip *ip;
	struct tcphdr *th;
	uint8_t *cp;
	int n = 0;
	uint32_t ts = tcp_ts_now();
	struct rtresult rr;
	uint16_t mss = TCP_MSS_DEFAULT;

	if (rt_lookup(tb->tb_brane, te->te_faddr, &rr) == 0)
		mss = (uint16_t)(rr.rr_ifp->if_mtu - (u_int)hlen0);
	if ((m = m_gethdr(M_DONTWAIT, MT_HEADER)) == NULL)
		return;
	m_align(m, hlen0 + optmax);
	ip = mtod(m, struct ip *);
	memset(ip, 0, (size_t)(hlen0 + optmax));
	th = (struct tcphdr *)(ip + 1);
	cp = (uint8_t *)(th + 1);
	cp[n++] = TCPOPT_MAXSEG;
	cp[n++] = TCPOLEN_MAXSEG;
	cp[n++] = (uint8_t)(mss >> 8);
	cp[n++] = (uint8_t)mss;
	if (te->te_wscale >= 0) {
		cp[n++] = TCPOPT_NOP;
		cp[n++] = TCPOPT_WINDOW;
		cp[n++] = TCPOLEN_WINDOW;
		cp[n++] = rscale;
	}
	if (te->te_sackok && !te->te_ts) {
		cp[n++] = TCPOPT_NOP;
		cp[n++] = TCPOPT_NOP;
		cp[n++] = TCPOPT_SACK_PERMITTED;
		cp[n++] = TCPOLEN_SACK_PERMITTED;
	}
	if (te->te_ts) {
		/* SACK-permitted in the two NOPs' place, as tcp_output. */
		cp[n++] = te->te_sackok ? TCPOPT_SACK_PERMITTED : TCPOPT_NOP;
		cp[n++] = te->te_sackok ? TCPOLEN_SACK_PERMITTED : TCPOPT_NOP;
		cp[n++] = TCPOPT_TIMESTAMP;
		cp[n++] = TCPOLEN_TIMESTAMP;
		for (int i = 0; i < 4; i++)
			cp[n++] = (uint8_t)(ts >> (24 - 8 * i));
		for (int i = 0; i < 4; i++)
			cp[n++] = (uint8_t)(te->te_tsrecent >> (24 - 8 * i));
	}
	KASSERT(n <= optmax && n % 4 == 0);
	m->m_len = m->m_pkthdr.len = hlen0 + n;
	ip->ip_vhl = IP_VHL(IPVERSION, sizeof(*ip));
	ip->ip_len = htons((uint16_t)(hlen0 + n));
	ip->ip_p = IPPROTO_TCP;
	ip->ip_src = te->te_laddr;
	ip->ip_dst = te->te_faddr;
	th->th_sport = lport;
	th->th_dport = te->te_fport;
	th->th_seq = htonl(te->te_iss);
	th->th_ack = htonl(te->te_irs + 1);
	th->th_off = (uint8_t)(((sizeof(*th) + (size_t)n) >> 2) << 4);
	th->th_flags = TH_SYN | TH_ACK;
	th->th_win = htons((uint16_t)MIN(win, (u_int)TCP_MAXWIN));
	th->th_sum = (uint16_t)in4_cksum(m, IPPROTO_TCP, sizeof(*ip),
	    (int)sizeof(*th) + n);
	TCPSTAT_INC(tb, sndtotal);
	(void)ip_output(tb->tb_brane, m, 0);
}

void
tcp_embryos_free(struct tcpcb *lp)
{
	struct tcp_embryo *te;

	TCPSTAT_ADD(lp->t_tb, conndrops, lp->t_nembryos);
	while ((te = lp->t_embryos) != NULL) {
		lp->t_embryos = te->te_next;
		kmem_free(te, sizeof(*te));
	}
	lp->t_nembryos = 0;
}

/* The listener's timer: resend SYN-ACKs, give up on the silent. */
void
tcp_embryos_timer(struct tcpcb *lp)
{
	const struct tcp_conf *tc = &lp->t_tb->tb_conf;
	struct tcp_embryo **pp, *te;
	int now = getticks(), next = 0;

	for (pp = &lp->t_embryos; (te = *pp) != NULL; ) {
		if (te->te_deadline - now <= 0) {
			if (++te->te_rexmits > tc->synrexmits) {
				*pp = te->te_next;
				lp->t_nembryos--;
				TCPSTAT_INC(lp->t_tb, conndrops);
				kmem_free(te, sizeof(*te));
				continue;
			}
			TCPSTAT_INC(lp->t_tb, sndrexmitpack);
			tcp_embryo_synack(lp, te);
			te->te_deadline = now + mstohz((int)(tc->rto_init_ms <<
			    te->te_rexmits));
		}
		if (next == 0 || te->te_deadline - next < 0)
			next = te->te_deadline;
		pp = &te->te_next;
	}
	if (next != 0)
		tcp_timer_arm(lp, TCPT_REXMT, (uint32_t)hztoms(MAX(next - now,
		    1)));
}

/* The handshake's ACK: make the connection's socket, queue it. */
void
tcp_embryo_complete(struct tcpcb *lp, const struct tcp_embryo *te,
    struct mbuf *m, const struct tcp_seg *sg)
{
	struct socket *head = lp->t_so, *so;
	struct tcp_brane *tb = lp->t_tb;
	struct inpcb *inp;
	struct tcpcb *tp;

	so = so_newconn(head);
	inp = in_pcballoc(&tb->tb_table, so);
	tp = tcp_newtcpcb(tb, so, inp);
	inp->inp_ppcb = tp;
	so->so_pcb = inp;
	tp->t_cc = lp->t_cc;
	tp->t_flags |= lp->t_flags & TF_NODELAY;
	tp->t_flags &= ~(TF_REQ_SACK | TF_TLP);
	tp->t_flags |= lp->t_flags & (TF_REQ_SACK | TF_TLP);
	if (te->te_sackok && (tp->t_flags & TF_REQ_SACK))
		tp->t_flags |= TF_SACK_PERMIT;
	tp->t_keepidle_ms = lp->t_keepidle_ms;
	tp->t_keepintvl_ms = lp->t_keepintvl_ms;
	/* Not yet reachable: set up without its lock (one class at once). */
	inp->inp_laddr = te->te_laddr;
	inp->inp_faddr = te->te_faddr;
	inp->inp_fport = te->te_fport;
	inp->inp_lport = lp->t_inp->inp_lport;
	tp->iss = te->te_iss;
	tp->irs = te->te_irs;
	tp->snd_una = tp->snd_nxt = tp->snd_max = tp->snd_recover =
	    te->te_iss + 1;
	tp->rcv_nxt = tp->last_ack_sent = te->te_irs + 1;
	/* What the SYN-ACK offered (unscaled). */
	tp->rcv_adv = tp->rcv_nxt + MIN(head->so_rcv.sb_hiwat,
	    (u_int)TCP_MAXWIN);
	tp->snd_wl1 = sg->seq - 1;
	tp->snd_wl2 = sg->ack;
	if (te->te_wscale >= 0) {
		tp->t_flags |= TF_RCVD_SCALE;
		tp->snd_scale = (uint8_t)te->te_wscale;
		tp->rcv_scale = tp->request_r_scale = lp->request_r_scale;
	} else
		tp->t_flags &= ~TF_REQ_SCALE;
	if (te->te_ts) {
		tp->t_flags |= TF_RCVD_TSTMP;
		tp->ts_recent = sg->to.to_ts ? sg->to.to_tsval :
		    te->te_tsrecent;
	} else
		tp->t_flags &= ~TF_REQ_TSTMP;
	tp->snd_wnd = sg->win << tp->snd_scale;
	tp->max_sndwnd = tp->snd_wnd;
	tp->t_idle_ticks = (uint32_t)getticks();
	/* The peer's MSS, and ours. */
	tcp_mss_init(tp, te->te_mss);
	if (lp->t_peermss != 0 && lp->t_peermss < tp->t_maxseg)
		tp->t_maxseg = lp->t_peermss;
	tp->t_state = TCPS_ESTABLISHED;
	tp->t_ccv.mss = tp->t_maxseg;
	tp->t_ccv.cwnd = tcp_cc_initial_window(tp->t_maxseg);
	tp->t_ccv.ssthresh = UINT32_MAX / 2;
	tp->t_ccv.now_ns = tp->t_estab_ns = getnanouptime();
	(*tp->t_cc->cc_init)(&tp->t_ccv);
	so->so_state |= SS_ISCONNECTED;
	{
		/* Link: from here demux finds it (and may run its work). */
		struct in_addr la = inp->inp_laddr, fa = inp->inp_faddr;
		in_port_t lport = inp->inp_lport, fport = inp->inp_fport;

		inp->inp_laddr.s_addr = inp->inp_faddr.s_addr = INADDR_ANY;
		inp->inp_lport = inp->inp_fport = 0;
		if (in_pcbconnect_accepted(inp, la, lport, fa, fport) != 0) {
			/* The four-tuple is taken: give the ACK a reset. */
			inp->inp_laddr = la;
			inp->inp_faddr = fa;
			inp->inp_lport = lport;
			inp->inp_fport = fport;
			tcp_respond(tb, la, lport, fa, fport, sg->ack, 0,
			    TH_RST);
			TCPSTAT_INC(tb, conndrops);
			m_freem(m);
			/* Never reachable: free it here. */
			in_pcbfree(inp);
			so->so_pcb = NULL;
			kcont_destroy(&tp->t_kc);
			kmem_free(tp, sizeof(*tp));
			so->so_state |= SS_NOFDREF;
			sofree(so);
			return;
		}
	}
	TCPSTAT_INC(tb, connects);
	/* Data or a FIN with the ACK: the new socket's own work. */
	if (sg->tlen > 0 || (sg->flags & TH_FIN)) {
		if (so_deliver(so, m)) {
			/* Counted as if it came again (tcp_var.h). */
			TCPSTAT_INC(tb, received);
			TCPSTAT_INC(tb, delivered);
		} else
			m_freem(m);
	} else
		m_freem(m);
	so_enqueue(head, so);
}

struct tcp_handoff {
	struct inpcb *th_listener;
	struct mbuf *th_m;
	bool th_found, th_taken;
};

/* => the PCB's bucket read-locked (in_pcblookup_deliver) */
static void
tcp_handoff_deliver(struct inpcb *inp, void *arg)
{
	struct tcp_handoff *th = arg;

	if (inp == th->th_listener || inp->inp_faddr.s_addr == INADDR_ANY)
		return;                 /* the listener, or unconnected */
	th->th_found = true;
	th->th_taken = so_deliver(inp->inp_socket, th->th_m);
}

/*
 * A segment demux queued on the listener while the handshake's ACK,
 * ahead of it, was making its connection: give it to that connection,
 * counted as processed here and received and delivered again there
 * (tcp_var.h).  Returns false (m not taken) if there is none.
 * => the listener's so_lock (not demux: a bucket read lock is ours)
 */
bool
tcp_listen_handoff(struct tcpcb *lp, struct mbuf *m, const struct tcp_seg *sg)
{
	struct tcp_handoff th = { lp->t_inp, m, false, false };

	KASSERT(mutex_owned(&lp->t_so->so_lock));
	(void)in_pcblookup_deliver(&lp->t_tb->tb_table, sg->src, sg->sport,
	    sg->dst, sg->dport, tcp_handoff_deliver, &th);
	if (!th.th_found)
		return false;
	if (th.th_taken) {
		TCPSTAT_INC(lp->t_tb, processed);
		TCPSTAT_INC(lp->t_tb, received);
		TCPSTAT_INC(lp->t_tb, delivered);
	} else {
		TCPSTAT_INC(lp->t_tb, dropped); /* its PCQ is full */
		m_freem(m);
	}
	return true;
}

/*
 * A segment to a listener.  m still has its headers (the deliver path
 * needs them for the new socket).
 */
static void
tcp_listen_segment(struct tcpcb *lp, struct mbuf *m, const struct tcp_seg *sg)
{
	struct socket *head = lp->t_so;
	struct tcp_brane *tb = lp->t_tb;
	struct tcp_embryo **pp, *te;

	/*
	 * From no address, or to or from a broadcast or multicast one (as
	 * the link or the address says, or a subnet's directed broadcast
	 * on the interface it came in by, which IP takes as ours even when
	 * sent to our link address): no connection, with the syncache or
	 * without (RFC 1122 4.2.3.10).  One from 0.0.0.0 would be linked as
	 * if unconnected and take every segment to the listener's port.
	 */
	if (sg->src.s_addr == INADDR_ANY ||
	    in_multicast(sg->src.s_addr) || in_multicast(sg->dst.s_addr) ||
	    (m->m_flags & (M_BCAST | M_MCAST)) != 0 ||
	    in_broadcast(tb->tb_brane, m->m_pkthdr.rcvif, sg->dst) ||
	    in_broadcast(tb->tb_brane, m->m_pkthdr.rcvif, sg->src)) {
		TCPSTAT_INC(tb, listenbcast);
		goto drop;
	}
	if (tb->tb_syncache != NULL) {  /* the brane's syncache instead */
		syncache_segment(tb->tb_syncache, lp, m, sg);
		return;
	}
	for (pp = &lp->t_embryos; (te = *pp) != NULL; pp = &te->te_next)
		if (te->te_faddr.s_addr == sg->src.s_addr &&
		    te->te_fport == sg->sport &&
		    te->te_laddr.s_addr == sg->dst.s_addr)
			break;
	if (sg->flags & TH_RST) {
		if (te != NULL && sg->seq == te->te_irs + 1) {
			*pp = te->te_next;
			lp->t_nembryos--;
			TCPSTAT_INC(tb, conndrops);
			kmem_free(te, sizeof(*te));
		}
		goto drop;
	}
	if ((sg->flags & TH_ACK) && te == NULL &&
	    tcp_listen_handoff(lp, m, sg))
		return;
	if (sg->flags & TH_ACK) {
		/*
		 * It acks our SYN-ACK: the handshake is done, even if the
		 * handshake's own ACK was lost and this one carries data
		 * from further on (the new socket reassembles it).
		 */
		if (te == NULL || sg->ack != te->te_iss + 1 ||
		    (sg->flags & TH_SYN) || SEQ_LT(sg->seq, te->te_irs + 1) ||
		    SEQ_GT(sg->seq, te->te_irs + 1 +
		    MIN(head->so_rcv.sb_hiwat, (u_int)TCP_MAXWIN))) {
			tcp_respond(tb, sg->dst, sg->dport, sg->src, sg->sport,
			    sg->ack, 0, TH_RST);
			goto drop;
		}
		if (head->so_qlen >= head->so_qlimit) {
			TCPSTAT_INC(tb, listendrop);
			goto drop;      /* the peer resends; maybe room then */
		}
		*pp = te->te_next;
		lp->t_nembryos--;
		TCPSTAT_INC(tb, processed);
		tcp_embryo_complete(lp, te, m, sg);
		kmem_free(te, sizeof(*te));
		return;
	}
	if (!(sg->flags & TH_SYN))
		goto drop;
	if (te != NULL) {               /* the SYN again: answer again */
		tcp_embryo_synack(lp, te);
		goto drop;
	}
	if (lp->t_nembryos >= MIN(head->so_qlimit, TCP_EMBRYOS_MAX) ||
	    head->so_qlen >= head->so_qlimit) {
		TCPSTAT_INC(tb, listendrop);
		goto drop;
	}
	te = kmem_zalloc(sizeof(*te), KM_NOSLEEP);
	if (te == NULL)
		goto drop;
	te->te_laddr = sg->dst;
	te->te_faddr = sg->src;
	te->te_fport = sg->sport;
	te->te_irs = sg->seq;
	te->te_iss = tcp_new_iss(tb, sg->dst, sg->dport, sg->src, sg->sport);
	te->te_mss = sg->to.to_mss;
	te->te_wscale = sg->to.to_wscale;
	te->te_ts = sg->to.to_ts;
	te->te_sackok = sg->to.to_sackok && (lp->t_flags & TF_REQ_SACK);
	te->te_tsrecent = sg->to.to_tsval;
	te->te_win = sg->win;
	te->te_deadline = getticks() + mstohz((int)tb->tb_conf.rto_init_ms);
	te->te_next = lp->t_embryos;
	lp->t_embryos = te;
	lp->t_nembryos++;
	lp->request_r_scale = tcp_rscale(head->so_rcv.sb_hiwat);
	TCPSTAT_INC(tb, accepts);
	TCPSTAT_INC(tb, processed);
	tcp_embryo_synack(lp, te);
	if (lp->t_timer[TCPT_REXMT] == 0)
		tcp_timer_arm(lp, TCPT_REXMT, tb->tb_conf.rto_init_ms);
	m_freem(m);
	return;
drop:
	TCPSTAT_INC(tb, dropped);
	m_freem(m);
}

/* --- the state machine ------------------------------------------------------ */

/*
 * The RTT, in microseconds, that the peer's echo tsecr of a segment that
 * acks new data gives, or UINT32_MAX if the echo cannot be one of ours
 * (RFC 7323 4.3; FreeBSD's and Linux's practice): from the future, or
 * older than the connection's establishment -- every segment sent since
 * carries a later TSval, and the peer echoes the TSval of the last one
 * in order.  A peer echoing garbage would otherwise set the RTO to its
 * ceiling; the caller falls back to the timed segment's sample.
 * => tsecr != 0; tp established
 */
static uint32_t
tcp_tsecr_rtt(const struct tcpcb *tp, uint32_t tsecr)
{
	uint64_t now = getnanouptime();
	uint32_t rtt = (uint32_t)(now / 1000) - tsecr;

	KASSERT(tsecr != 0 && tp->t_estab_ns != 0 && now >= tp->t_estab_ns);
	/* One microsecond of slop: both ends of the age are truncated. */
	if ((int32_t)rtt < 0 || rtt > (now - tp->t_estab_ns) / 1000 + 1)
		return UINT32_MAX;
	return rtt;
}

/* The peer acked new data (RFC 5681, RFC 6582 NewReno). */
static void
tcp_newack(struct tcpcb *tp, const struct tcp_seg *sg, uint32_t acked)
{
	struct tcp_ccv *ccv = &tp->t_ccv;
	uint32_t flight = tp->snd_max - tp->snd_una;

	ccv->now_ns = getnanouptime();
	/* After a timeout: over when what was out then is acked. */
	if ((tp->t_flags & TF_RTORECOVERY) &&
	    SEQ_GEQ(sg->ack, tp->snd_recover)) {
		tp->t_flags &= ~TF_RTORECOVERY;
		tcp_recovery_exit(tp, TCP_RECOVERY_FULLACK, sg->ack);
	}
	if (tp->t_flags & TF_FASTRECOVERY) {
		/* A partial ACK: tcp_segment resends the next hole. */
		if (SEQ_LT(sg->ack, tp->snd_recover))
			return;
		/* Full ACK: recovery is over. */
		tp->t_flags &= ~(TF_FASTRECOVERY | TF_SACKRECOVERY);
		tcp_recovery_exit(tp, TCP_RECOVERY_FULLACK, sg->ack);
		ccv->flags &= ~CCF_IN_RECOVERY;
		ccv->flight = flight - MIN(acked, flight);
		(*tp->t_cc->cc_post_recovery)(ccv);
		tp->t_dupacks = 0;
		return;
	}
	tp->t_dupacks = 0;
	ccv->bytes_acked = acked;
	ccv->flight = flight;
	if (flight + tp->t_maxseg >= ccv->cwnd)
		ccv->flags |= CCF_CWND_LIMITED;
	else
		ccv->flags &= ~CCF_CWND_LIMITED;
	ccv->flags &= ~CCF_RTO;
	(*tp->t_cc->cc_ack_received)(ccv, CC_ACK);
}

/*
 * An ACK with SACK blocks, or any while the scoreboard holds some: the
 * board learns them (RFC 6675 "update"), and forgets what sg->ack,
 * snd_una from now, covers.  => snd_una <= sg->ack <= snd_max
 */
static void
tcp_sack_ack(struct tcpcb *tp, const struct tcp_seg *sg)
{
	struct tcp_sackcb *sc = tp->t_sack;

	KASSERT(tp->t_flags & TF_SACK_PERMIT);
	KASSERT(SEQ_LEQ(tp->snd_una, sg->ack) &&
	    SEQ_LEQ(sg->ack, tp->snd_max));
	if (sg->to.to_nsack > 0) {
		TCPSTAT_ADD(tp->t_tb, sack_blocks_rcvd,
		    (uint64_t)sg->to.to_nsack);
		if (sc == NULL)
			sc = tcp_sack_get(tp);
	}
	if (sc == NULL)
		return;
	(void)tcp_sack_sb_update(&sc->sc_sb, sg->ack, tp->snd_max,
	    sg->to.to_sack, sg->to.to_nsack, NULL);
}

/* RFC 6675 IsLost(HighACK + 1): the scoreboard says snd_una is lost. */
static bool
tcp_sack_una_lost(const struct tcpcb *tp)
{
	const struct tcp_sackcb *sc = tp->t_sack;

	return sc != NULL && !tcp_sack_sb_empty(&sc->sc_sb) &&
	    tcp_sack_is_lost(&sc->sc_sb, tp->snd_una, tp->snd_una,
	    tp->t_maxseg);
}

/*
 * Loss recovery by RFC 6675 (section 5, steps 4.1-4.4): RecoveryPoint
 * is snd_recover, cwnd drops to the ssthresh the controller chose, the
 * first unSACKed segment goes now whatever pipe says, then
 * tcp_sack_output sends while the pipe allows, on this and every later
 * ACK, until one acks RecoveryPoint (tcp_newack).  No inflation: pipe
 * counts what the SACKs say has left the network.
 */
static void
tcp_sack_recovery(struct tcpcb *tp)
{
	struct tcp_sackcb *sc = tp->t_sack;
	const struct tcp_sack_sb *sb = &sc->sc_sb;
	uint32_t len = tp->t_maxseg, sent;

	KASSERT(sb->nblk > 0 && SEQ_LT(tp->snd_una, sb->blk[0].start));
	TCPSTAT_INC(tp->t_tb, sack_recovery_episodes);
	tp->t_flags |= TF_SACKRECOVERY;
	sc->sc_high_rxt = tp->snd_una;
	sc->sc_rescue_valid = false;
	tp->t_ccv.cwnd = tp->t_ccv.ssthresh;
	tp->snd_nxt = tp->snd_max;      /* all below was sent once */
	sc->sc_rxt_fence = tp->snd_max;
	len = MIN(len, sb->blk[0].start - tp->snd_una);
	if ((sent = tcp_sack_send(tp, tp->snd_una, len)) > 0) {
		TCPSTAT_INC(tp->t_tb, sack_rexmits);
		sc->sc_high_rxt = tp->snd_una + sent;
	}
	(void)tcp_output(tp);
}

/*
 * A lost retransmission, which RFC 6675 leaves to the timeout: in SACK
 * recovery snd_una's segment was sent again, yet DupThresh segments
 * sent after it (above sc_rxt_fence, snd_max then) have been SACKed
 * while it has not arrived (as Linux's lost-retransmit marking, without
 * RACK's clock).  Sent once more, with a new fence; the window was
 * reduced once for the episode and is not reduced again.
 */
static void
tcp_sack_rxt_lost(struct tcpcb *tp)
{
	struct tcp_sackcb *sc = tp->t_sack;
	const struct tcp_sack_sb *sb = &sc->sc_sb;
	uint32_t len = tp->t_maxseg, sent;

	KASSERT(tp->t_flags & TF_SACKRECOVERY);
	if (sb->nblk == 0 || !SEQ_LT(tp->snd_una, sb->blk[0].start) ||
	    !SEQ_GT(sc->sc_high_rxt, tp->snd_una) ||
	    tp->snd_nxt != tp->snd_max ||
	    SEQ_LT(tcp_sack_sb_high(sb, tp->snd_una), sc->sc_rxt_fence +
	    TCP_SACK_DUPTHRESH * tp->t_maxseg))
		return;
	sc->sc_rxt_fence = tp->snd_max;
	len = MIN(len, sb->blk[0].start - tp->snd_una);
	if ((sent = tcp_sack_send(tp, tp->snd_una, len)) > 0)
		TCPSTAT_INC(tp->t_tb, sack_rexmits);
}

/*
 * Three duplicate ACKs, or the scoreboard's IsLost: fast retransmit,
 * enter recovery -- RFC 6675's when the peer SACKs, else NewReno's
 * (RFC 6582 3.2).
 */
static void
tcp_fastrexmt(struct tcpcb *tp, const struct tcp_seg *sg)
{
	struct tcp_ccv *ccv = &tp->t_ccv;
	tcp_seq onxt = tp->snd_nxt;
	bool sack = tp->t_sack != NULL && !tcp_sack_sb_empty(
	    &tp->t_sack->sc_sb) && SEQ_LT(tp->snd_una,
	    tp->t_sack->sc_sb.blk[0].start);

	/*
	 * A new episode only beyond the last one's recovery point: past
	 * it for NewReno (RFC 6582 3.2 step 2), at it or past for SACK
	 * (RFC 6675 5: HighACK >= RecoveryPoint; the SACK blocks tell a
	 * new hole from the old episode's duplicates).
	 */
	if ((sack ? SEQ_LT(sg->ack, tp->snd_recover) : SEQ_LEQ(sg->ack,
	    tp->snd_recover)) && tp->snd_recover != tp->iss &&
	    tp->t_ntimeouts + tp->t_nrexmits > 0) {
		tp->t_dupacks = 0;      /* still in the last episode */
		return;
	}
	TCPSTAT_INC(tp->t_tb, fastrexmt);
	tcp_tlp_recovered(tp);
	tp->snd_recover = tp->snd_max;
	ccv->flight = tp->snd_max - tp->snd_una;
	ccv->now_ns = getnanouptime();
	(*tp->t_cc->cc_cong_signal)(ccv, CC_NDUPACK);
	tp->t_flags |= TF_FASTRECOVERY;
	ccv->flags |= CCF_IN_RECOVERY;
	tcp_recovery_enter(tp, TCP_RECOVERY_FAST);
	tcp_timer_disarm(tp, TCPT_REXMT);
	tp->t_rtttime = 0;
	if (sack) {
		tcp_sack_recovery(tp);
		return;
	}
	tp->snd_nxt = sg->ack;
	ccv->cwnd = tp->t_maxseg;
	(void)tcp_output(tp);
	ccv->cwnd = ccv->ssthresh + 3u * tp->t_maxseg;
	if (SEQ_GT(onxt, tp->snd_nxt))
		tp->snd_nxt = onxt;
}

static void
tcp_seg_parse(struct mbuf *m, struct tcp_seg *sg, int *offp, int *thoffp)
{
	const struct ip *ip = mtod(m, const struct ip *);
	int off = IP_HL(ip);
	const struct tcphdr *th = (const struct tcphdr *)(mtod(m, char *) +
	    off);

	sg->src = ip->ip_src;
	sg->dst = ip->ip_dst;
	sg->sport = th->th_sport;
	sg->dport = th->th_dport;
	sg->seq = ntohl(th->th_seq);
	sg->ack = ntohl(th->th_ack);
	sg->win = ntohs(th->th_win);
	sg->flags = th->th_flags;
	*offp = off;
	*thoffp = TH_OFF(th);
	sg->tlen = m->m_pkthdr.len - off - *thoffp;
}

/* Answer a segment on a closed connection as if there were none. */
static void
tcp_closed_reply(struct tcpcb *tp, const struct tcp_seg *sg)
{
	if (sg->flags & TH_RST)
		return;
	if (sg->flags & TH_ACK)
		tcp_respond(tp->t_tb, sg->dst, sg->dport, sg->src, sg->sport,
		    sg->ack, 0, TH_RST);
	else
		tcp_respond(tp->t_tb, sg->dst, sg->dport, sg->src, sg->sport,
		    0, sg->seq + (uint32_t)sg->tlen + ((sg->flags & TH_SYN) !=
		    0) + ((sg->flags & TH_FIN) != 0), TH_RST | TH_ACK);
}

/* SYN_SENT (RFC 9293 3.10.7.3). */
static void
tcp_synsent(struct tcpcb *tp, struct mbuf *m, const struct tcp_seg *sg)
{
	struct tcp_brane *tb = tp->t_tb;

	if ((sg->flags & TH_ACK) && (SEQ_LEQ(sg->ack, tp->iss) ||
	    SEQ_GT(sg->ack, tp->snd_max))) {
		if (!(sg->flags & TH_RST))
			tcp_respond(tb, sg->dst, sg->dport, sg->src, sg->sport,
			    sg->ack, 0, TH_RST);
		goto drop;
	}
	if (sg->flags & TH_RST) {
		if (sg->flags & TH_ACK) {
			TCPSTAT_INC(tb, rcvrst);
			tcp_drop(tp, ECONNREFUSED);
		}
		goto drop;
	}
	if (!(sg->flags & TH_SYN))
		goto drop;
	tp->irs = sg->seq;
	tp->rcv_nxt = tp->rcv_adv = tp->last_ack_sent = sg->seq + 1;
	if (sg->to.to_wscale >= 0 && (tp->t_flags & TF_REQ_SCALE)) {
		tp->t_flags |= TF_RCVD_SCALE;
		tp->snd_scale = (uint8_t)sg->to.to_wscale;
		tp->rcv_scale = tp->request_r_scale;
	} else
		tp->t_flags &= ~TF_REQ_SCALE;
	if (sg->to.to_ts && (tp->t_flags & TF_REQ_TSTMP)) {
		tp->t_flags |= TF_RCVD_TSTMP;
		tp->ts_recent = sg->to.to_tsval;
	} else
		tp->t_flags &= ~TF_REQ_TSTMP;
	if (sg->to.to_sackok && (tp->t_flags & TF_REQ_SACK))
		tp->t_flags |= TF_SACK_PERMIT;
	{
		uint16_t cap = tp->t_peermss;

		tcp_mss_init(tp, sg->to.to_mss);
		if (cap != 0 && cap < tp->t_maxseg)
			tp->t_maxseg = cap;
	}
	tp->snd_wnd = sg->win;          /* a SYN's window is not scaled */
	tp->max_sndwnd = tp->snd_wnd;
	tp->snd_wl1 = sg->seq;
	tp->snd_wl2 = sg->ack;
	tp->t_flags |= TF_ACKNOW;
	if (sg->flags & TH_ACK) {
		tp->snd_una = sg->ack;
		if (SEQ_LT(tp->snd_nxt, tp->snd_una))
			tp->snd_nxt = tp->snd_una;
		if (tp->t_rtttime != 0 && tp->t_rxtshift == 0)
			tcp_xmit_timer(tp, getnanouptime() - tp->t_rtttime);
		tp->t_rtttime = 0;
		tcp_timer_disarm(tp, TCPT_REXMT);
		tp->t_rxtshift = 0;
		tcp_established(tp);
	} else {
		/* Simultaneous open: our SYN again, with an ACK. */
		tp->t_state = TCPS_SYN_RECEIVED;
		tp->snd_nxt = tp->iss;
		tcp_timer_disarm(tp, TCPT_REXMT);
	}
	TCPSTAT_INC(tb, processed);
	m_freem(m);
	(void)tcp_output(tp);
	return;
drop:
	TCPSTAT_INC(tb, dropped);
	m_freem(m);
}

/* The peer's FIN is in order (RFC 9293 3.10.7.4, eighth check). */
static void
tcp_seg_fin(struct tcpcb *tp)
{
	struct socket *so = tp->t_so;
	uint32_t twoms = 2 * tp->t_tb->tb_conf.msl_ms;

	if (!TCPS_HAVERCVDFIN(tp->t_state)) {
		so->so_state |= SS_CANTRCVMORE;
		tp->rcv_nxt++;
		so_wakeup(so);
	}
	tp->t_flags |= TF_ACKNOW;
	switch (tp->t_state) {
	case TCPS_SYN_RECEIVED:
	case TCPS_ESTABLISHED:
		tp->t_state = TCPS_CLOSE_WAIT;
		break;
	case TCPS_FIN_WAIT_1:
		tp->t_state = TCPS_CLOSING;
		break;
	case TCPS_FIN_WAIT_2:
		tp->t_state = TCPS_TIME_WAIT;
		tcp_canceltimers(tp);
		tcp_timer_arm(tp, TCPT_2MSL, twoms);
		break;
	case TCPS_TIME_WAIT:
		tcp_timer_arm(tp, TCPT_2MSL, twoms);
		break;
	}
}

/* One segment from the PCQ.  => so_lock held */
static void
tcp_segment(struct tcpcb *tp, struct mbuf *m)
{
	struct socket *so = tp->t_so;
	struct tcp_brane *tb = tp->t_tb;
	struct tcp_seg sg;
	struct tcp_sackcb *sc;
	uint32_t tiwin, acked, rcvwin, rtt_us;
	int off, thoff, todrop, fin;
	bool ourfinisacked, needoutput = false;
	tcp_seq onxt;

	KASSERT(mutex_owned(&so->so_lock));
	tcp_seg_parse(m, &sg, &off, &thoff);
	/* Demux made the header and options contiguous. */
	KASSERT(m->m_len >= off + thoff);
	if (!tcp_cksum_ok(m, off)) {
		TCPSTAT_INC(tb, badsum);
		m_freem(m);
		return;
	}
	if (tcp_opts_parse(mtod(m, uint8_t *) + off + sizeof(struct tcphdr),
	    thoff - (int)sizeof(struct tcphdr), (sg.flags & TH_SYN) != 0,
	    &sg.to) != 0) {
		TCPSTAT_INC(tb, badopt);
		m_freem(m);
		return;
	}
	if (tp->t_state == TCPS_LISTEN) {
		tcp_listen_segment(tp, m, &sg);
		return;
	}
	if (tp->t_state == TCPS_CLOSED) {
		tcp_closed_reply(tp, &sg);
		goto drop;
	}
	m_adj(m, off + thoff);          /* the data only, from here */
	tp->t_idle_ticks = (uint32_t)getticks();
	tp->t_keepcnt = 0;
	/*
	 * SO_KEEPALIVE set after the handshake, or inherited from a
	 * listener (whose new connection is armed by its first segment):
	 * its timer starts now.
	 */
	if ((so->so_options & SO_KEEPALIVE) && tp->t_timer[TCPT_KEEP] == 0 &&
	    TCPS_HAVEESTABLISHED(tp->t_state) &&
	    tp->t_state <= TCPS_CLOSE_WAIT)
		tcp_timer_arm(tp, TCPT_KEEP, tcp_keepidle_ms(tp));
	if (tp->t_state == TCPS_SYN_SENT) {
		tcp_synsent(tp, m, &sg);
		return;
	}
	tiwin = (sg.flags & TH_SYN) ? sg.win : sg.win << tp->snd_scale;

	/* PAWS (RFC 7323 5.3). */
	if ((tp->t_flags & TF_RCVD_TSTMP) && sg.to.to_ts &&
	    !(sg.flags & TH_RST) && SEQ_LT(sg.to.to_tsval, tp->ts_recent)) {
		TCPSTAT_INC(tb, pawsdrop);
		tp->t_flags |= TF_ACKNOW;
		goto drop;
	}
	/* Trim to the window (RFC 9293 3.10.7.4, first check). */
	todrop = (int)(tp->rcv_nxt - sg.seq);
	if ((sg.flags & TH_SYN) && sg.seq == tp->irs) {
		/*
		 * Their SYN again (a SYN-ACK crossing ours in a simultaneous
		 * open, or a resend): the SYN is old, trim it off and take
		 * the rest -- its ACK -- as any segment.
		 */
		sg.flags &= ~TH_SYN;
		sg.seq++;
		todrop--;
		tp->t_flags |= TF_ACKNOW;
	}
	if (sg.flags & TH_SYN) {
		/* RFC 5961 4.2: a challenge ACK, not a reset. */
		tp->t_flags |= TF_ACKNOW;
		goto drop;
	}
	if (todrop > 0) {
		if (todrop > sg.tlen || (todrop == sg.tlen &&
		    !(sg.flags & TH_FIN))) {
			/* All old: ACK it (a lost ACK, or a keepalive). */
			if (sg.tlen > 0 || (sg.flags & TH_FIN))
				TCPSTAT_INC(tb, rcvduppack);
			sg.flags &= ~TH_FIN;
			tp->t_flags |= TF_ACKNOW;
			todrop = sg.tlen;
		}
		m_adj(m, todrop);
		sg.seq += (uint32_t)todrop;
		sg.tlen -= todrop;
	}
	rcvwin = so->so_rcv.sb_hiwat > so->so_rcv.sb_cc ?
	    so->so_rcv.sb_hiwat - so->so_rcv.sb_cc : 0;
	rcvwin = MAX(rcvwin, tp->rcv_adv - tp->rcv_nxt);
	todrop = (int)(sg.seq + (uint32_t)sg.tlen - (tp->rcv_nxt + rcvwin));
	if (todrop > 0) {
		if (todrop >= sg.tlen) {
			/* A zero-window probe, or beyond the window. */
			tp->t_flags |= TF_ACKNOW;
			if (!(rcvwin == 0 && sg.seq == tp->rcv_nxt))
				goto drop_ack;
		}
		m_adj(m, -todrop);
		sg.tlen -= MIN(todrop, sg.tlen);
		sg.flags &= ~(TH_PUSH | TH_FIN);
	}
	/* The timestamp to echo (RFC 7323 4.3). */
	if (sg.to.to_ts && SEQ_LEQ(sg.seq, tp->last_ack_sent) &&
	    SEQ_LEQ(tp->last_ack_sent, sg.seq + (uint32_t)sg.tlen +
	    ((sg.flags & TH_FIN) != 0)))
		tp->ts_recent = sg.to.to_tsval;

	if (sg.flags & TH_RST) {
		/* RFC 5961 3.2: only the exact number resets. */
		if (sg.seq != tp->rcv_nxt) {
			tp->t_flags |= TF_ACKNOW;
			goto drop;
		}
		TCPSTAT_INC(tb, rcvrst);
		switch (tp->t_state) {
		case TCPS_SYN_RECEIVED:
			tcp_seterror(tp, ECONNREFUSED);
			break;
		case TCPS_ESTABLISHED:
		case TCPS_FIN_WAIT_1:
		case TCPS_FIN_WAIT_2:
		case TCPS_CLOSE_WAIT:
			tcp_seterror(tp, ECONNRESET);
			break;
		default:
			break;
		}
		tcp_close(tp);
		goto drop;
	}
	if (!(sg.flags & TH_ACK))
		goto drop;

	/* ACK processing (RFC 9293 3.10.7.4, fifth check). */
	if (tp->t_state == TCPS_SYN_RECEIVED) {
		if (SEQ_GT(tp->snd_una, sg.ack) ||
		    SEQ_GT(sg.ack, tp->snd_max)) {
			tcp_respond(tb, sg.dst, sg.dport, sg.src, sg.sport,
			    sg.ack, 0, TH_RST);
			goto drop;
		}
		tcp_established(tp);
		tp->snd_wl1 = sg.seq - 1;
	}
	if ((tp->t_flags & TF_SACK_PERMIT) && SEQ_GEQ(sg.ack, tp->snd_una) &&
	    SEQ_LEQ(sg.ack, tp->snd_max))
		tcp_sack_ack(tp, &sg);
	if (SEQ_LEQ(sg.ack, tp->snd_una)) {
		if (sg.tlen == 0 && tiwin == tp->snd_wnd &&
		    sg.ack == tp->snd_una && tp->snd_max != tp->snd_una &&
		    !(sg.flags & TH_FIN)) {
			TCPSTAT_INC(tb, rcvdupack);
			tp->t_ccv.now_ns = getnanouptime();
			(*tp->t_cc->cc_ack_received)(&tp->t_ccv, CC_DUPACK);
			if (tp->t_flags & TF_SACKRECOVERY) {
				/* RFC 6675 (C): send as pipe allows. */
				tcp_sack_rxt_lost(tp);
				needoutput = true;
			} else if (tp->t_flags & TF_FASTRECOVERY) {
				/* RFC 6582 3.2 step 4: inflate, send. */
				tp->t_ccv.cwnd += tp->t_maxseg;
				needoutput = true;
			} else if (++tp->t_dupacks == 3 ||
			    tcp_sack_una_lost(tp))
				tcp_fastrexmt(tp, &sg);
			else if ((tp->t_flags & TF_SACK_PERMIT) &&
			    tp->t_dupacks < 3) {
				/*
				 * Limited transmit (RFC 3042, RFC 6675 5
				 * (1)-(2)): a new segment on each of the
				 * first two, to make the third.
				 */
				uint32_t cwnd = tp->t_ccv.cwnd;

				tp->t_ccv.cwnd += tp->t_dupacks * tp->t_maxseg;
				(void)tcp_output(tp);
				tp->t_ccv.cwnd = cwnd;
			}
		} else {
			if (sg.tlen == 0 && tiwin != tp->snd_wnd)
				tp->t_dupacks = 0;
			/*
			 * Not a duplicate ACK by RFC 5681's count (it
			 * carries data, or a new window), yet its SACK
			 * blocks are as good a sign of loss: a peer
			 * sending too (an echo) ACKs with its own data,
			 * and counting only pure ACKs left a hole to the
			 * RTO (issue 13's 200 ms stall).  RFC 6675 5's
			 * IsLost(HighACK + 1) reads the scoreboard,
			 * which every ACK updates (tcp_sack_ack).
			 */
			if (sg.to.to_nsack > 0 && sg.ack == tp->snd_una &&
			    tp->snd_max != tp->snd_una) {
				if (tp->t_flags & TF_SACKRECOVERY) {
					tcp_sack_rxt_lost(tp);
					needoutput = true;
				} else if (!(tp->t_flags & TF_FASTRECOVERY) &&
				    tcp_sack_una_lost(tp))
					tcp_fastrexmt(tp, &sg);
			}
		}
		/* A tail-loss probe SACKed, snd_una not: recover now. */
		if (!(tp->t_flags & TF_FASTRECOVERY) && tcp_tlp_una_lost(tp))
			tcp_fastrexmt(tp, &sg);
		goto step6;
	}
	if (SEQ_GT(sg.ack, tp->snd_max)) {
		tp->t_flags |= TF_ACKNOW;       /* acks what we never sent */
		goto drop;
	}
	acked = sg.ack - tp->snd_una;
	/* The RTT (RFC 6298; RFC 7323 with timestamps). */
	if ((tp->t_flags & TF_RCVD_TSTMP) && sg.to.to_ts &&
	    sg.to.to_tsecr != 0 && !(tp->t_flags & TF_FASTRECOVERY) &&
	    (rtt_us = tcp_tsecr_rtt(tp, sg.to.to_tsecr)) != UINT32_MAX)
		tcp_xmit_timer(tp, (uint64_t)rtt_us * 1000);
	else if (tp->t_rtttime != 0 && SEQ_GT(sg.ack, tp->t_rtseq))
		tcp_xmit_timer(tp, getnanouptime() - tp->t_rtttime);
	if (tp->t_rtttime != 0 && SEQ_GT(sg.ack, tp->t_rtseq))
		tp->t_rtttime = 0;
	tcp_tlp_ack(tp, sg.ack);
	tcp_newack(tp, &sg, acked);
	if (sg.ack == tp->snd_max)
		tcp_timer_disarm(tp, TCPT_REXMT);
	else if (!(tp->t_flags & TF_FASTRECOVERY) ||
	    tp->t_timer[TCPT_REXMT] != 0)
		tcp_rexmt_arm(tp);
	if (acked > so->so_snd.sb_cc) {
		tcp_sbdrop(tp, so->so_snd.sb_cc);
		ourfinisacked = (tp->t_flags & TF_SENTFIN) != 0;
	} else {
		tcp_sbdrop(tp, acked);
		ourfinisacked = false;
	}
	tp->snd_una = sg.ack;
	/* A tail-loss probe SACKed, snd_una not: recover now. */
	if (!(tp->t_flags & TF_FASTRECOVERY) && tcp_tlp_una_lost(tp))
		tcp_fastrexmt(tp, &sg);
	/* SACK recovery: tcp_output sends what pipe allows (needoutput). */
	if ((tp->t_flags & (TF_FASTRECOVERY | TF_SACKRECOVERY)) ==
	    TF_FASTRECOVERY) {
		/*
		 * A partial ACK (RFC 6582 3.2 step 5): resend the first
		 * unacked segment now, deflate cwnd by what was acked and
		 * add one segment back.
		 */
		uint32_t cwnd = tp->t_ccv.cwnd;

		onxt = tp->snd_nxt;
		if (SEQ_LT(onxt, tp->snd_una))
			onxt = tp->snd_una;
		tp->snd_nxt = tp->snd_una;
		tp->t_ccv.cwnd = tp->t_maxseg;
		(void)tcp_output(tp);
		if (SEQ_GT(onxt, tp->snd_nxt))
			tp->snd_nxt = onxt;
		tp->t_ccv.cwnd = (cwnd > acked ? cwnd - acked : 0) +
		    tp->t_maxseg;
		tcp_timer_arm(tp, TCPT_REXMT, tcp_rto_ms(tp));
	}
	if (SEQ_LT(tp->snd_nxt, tp->snd_una))
		tp->snd_nxt = tp->snd_una;
	tp->t_rxtshift = 0;
	needoutput = true;
	so_wakeup(so);
	switch (tp->t_state) {
	case TCPS_FIN_WAIT_1:
		if (ourfinisacked) {
			tp->t_state = TCPS_FIN_WAIT_2;
			if (so->so_state & SS_NOFDREF)
				tcp_timer_arm(tp, TCPT_2MSL,
				    2 * tb->tb_conf.msl_ms);
		}
		break;
	case TCPS_CLOSING:
		if (ourfinisacked) {
			tp->t_state = TCPS_TIME_WAIT;
			tcp_canceltimers(tp);
			tcp_timer_arm(tp, TCPT_2MSL, 2 * tb->tb_conf.msl_ms);
		}
		break;
	case TCPS_LAST_ACK:
		if (ourfinisacked) {
			tcp_close(tp);
			goto drop_quiet;
		}
		break;
	case TCPS_TIME_WAIT:
		tcp_timer_arm(tp, TCPT_2MSL, 2 * tb->tb_conf.msl_ms);
		break;
	}

step6:
	/* The send window (RFC 9293 3.10.7.4, SND.WL1/WL2). */
	if (SEQ_LT(tp->snd_wl1, sg.seq) || (tp->snd_wl1 == sg.seq &&
	    (SEQ_LT(tp->snd_wl2, sg.ack) || (tp->snd_wl2 == sg.ack &&
	    tiwin > tp->snd_wnd)))) {
		if (tiwin > tp->snd_wnd)
			needoutput = true;
		tp->snd_wnd = tiwin;
		tp->snd_wl1 = sg.seq;
		tp->snd_wl2 = sg.ack;
		if (tp->snd_wnd > tp->max_sndwnd)
			tp->max_sndwnd = tp->snd_wnd;
		if (tp->snd_wnd > 0)
			tcp_timer_disarm(tp, TCPT_PERSIST);
	}

	/* Data and FIN (sixth to eighth checks). */
	fin = sg.flags & TH_FIN;
	if ((sg.tlen > 0 || fin) && !TCPS_HAVERCVDFIN(tp->t_state)) {
		if (sg.seq == tp->rcv_nxt && tp->t_segq == NULL) {
			if (tp->t_flags & TF_DELACK)
				tp->t_flags |= TF_ACKNOW;
			else if (sg.tlen > 0) {
				tp->t_flags |= TF_DELACK;
				tcp_timer_arm(tp, TCPT_DELACK,
				    tb->tb_conf.delack_ms);
			}
			tp->rcv_nxt += (uint32_t)sg.tlen;
			TCPSTAT_ADD(tb, rcvbyte, (uint64_t)sg.tlen);
			if (sg.tlen > 0 && !(so->so_state & SS_CANTRCVMORE)) {
				sbappend_stream(&so->so_rcv, m);
				m = NULL;
			}
			so_wakeup(so);
		} else {
			/*
			 * Out of order: queue it; a duplicate ACK now, with
			 * its block first (RFC 2018 4).
			 */
			if ((tp->t_flags & TF_SACK_PERMIT) && sg.tlen > 0 &&
			    SEQ_GT(sg.seq, tp->rcv_nxt) &&
			    (sc = tcp_sack_get(tp)) != NULL)
				tcp_sack_rcv_add(&sc->sc_rcv, tp->rcv_nxt,
				    sg.seq, sg.seq + (uint32_t)sg.tlen);
			fin = tcp_reass(tp, m, sg.seq, sg.tlen, fin);
			m = NULL;
			tp->t_flags |= TF_ACKNOW;
		}
		if (fin)
			tcp_seg_fin(tp);
		if (tp->t_sack != NULL)
			tcp_sack_rcv_update(&tp->t_sack->sc_rcv, tp->rcv_nxt);
	} else if (fin && tp->t_state == TCPS_TIME_WAIT) {
		tp->t_flags |= TF_ACKNOW;       /* their FIN again */
		tcp_timer_arm(tp, TCPT_2MSL, 2 * tb->tb_conf.msl_ms);
	}
	TCPSTAT_INC(tb, processed);
	m_freem(m);
	if (needoutput || (tp->t_flags & TF_ACKNOW))
		(void)tcp_output(tp);
	return;
drop_ack:
drop:
	TCPSTAT_INC(tb, dropped);
	m_freem(m);
	return;
drop_quiet:
	TCPSTAT_INC(tb, processed);
	m_freem(m);
}
