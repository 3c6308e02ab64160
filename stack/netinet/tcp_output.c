/*
 * tcp_output.c -- what to send, and sending it (RFC 9293 3.8, RFC 5681,
 * RFC 7323 options).
 *
 * tcp_output looks at the connection and sends segments while there is
 * something worth a segment: data the windows (the peer's and the
 * controller's cwnd) allow, a SYN or FIN due, an ACK owed now, a window
 * update worth telling.  Nagle (RFC 896) holds back a small segment
 * while data is unacknowledged, unless TCP_NODELAY; a zero window with
 * data waiting arms the persist timer.  Data is never copied: a segment
 * shares its bytes with the send buffer (m_copym).
 *
 * SACK: a SYN offers it (TCP_SACK), an ACK carries the receiver's blocks
 * in the room its data would have had (a data segment shrinks by the
 * option's bytes, so a frame never outgrows the MSS).  In RFC 6675's
 * recovery (TF_SACKRECOVERY) tcp_sack_output picks each segment by
 * NextSeg and sends it through the one segment builder with a cap of
 * its bytes, snd_nxt pointed at it for the moment; snd_nxt rests at
 * snd_max.  After a timeout, resending from snd_una steps over what
 * the peer has SACKed since.  => so_lock held
 */
#include <sys/kern.h>
#include <sys/mutex.h>

#include <kern/ksocket.h>
#include <kern/mbuf.h>

#include <string.h>

#include <net/brane.h>
#include <netinet/in.h>
#include <netinet/in_cksum.h>
#include <netinet/in_pcb.h>
#include <netinet/ip.h>
#include <netinet/ip_var.h>
#include <netinet/tcp.h>
#include <netinet/tcp_var.h>

uint16_t tcp_mss_offer(struct tcpcb *);

static const uint8_t tcp_outflags[TCP_NSTATES] = {
	[TCPS_CLOSED] = TH_RST | TH_ACK,
	[TCPS_LISTEN] = 0,
	[TCPS_SYN_SENT] = TH_SYN,
	[TCPS_SYN_RECEIVED] = TH_SYN | TH_ACK,
	[TCPS_ESTABLISHED] = TH_ACK,
	[TCPS_CLOSE_WAIT] = TH_ACK,
	[TCPS_FIN_WAIT_1] = TH_FIN | TH_ACK,
	[TCPS_CLOSING] = TH_FIN | TH_ACK,
	[TCPS_LAST_ACK] = TH_FIN | TH_ACK,
	[TCPS_FIN_WAIT_2] = TH_ACK,
	[TCPS_TIME_WAIT] = TH_ACK,
};

static void
tcp_put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/*
 * Write the options a segment with these flags carries; their length.
 * *nsack: the SACK blocks among them (RFC 2018: on an ACK while data is
 * held out of order, the block of the latest segment first, as many
 * as the 40 option bytes hold).
 */
static int
tcp_opts_write(struct tcpcb *tp, int flags, uint8_t *cp, int *nsack)
{
	struct tcp_sack_block blk[TCP_SACK_OPT_MAX];
	int n = 0, nb = 0;
	uint16_t mss;
	bool sackok = (tp->t_flags & TF_REQ_SACK) && (!(flags & TH_ACK) ||
	    (tp->t_flags & TF_SACK_PERMIT));

	if (flags & TH_SYN) {
		mss = tcp_mss_offer(tp);
		cp[n++] = TCPOPT_MAXSEG;
		cp[n++] = TCPOLEN_MAXSEG;
		cp[n++] = (uint8_t)(mss >> 8);
		cp[n++] = (uint8_t)mss;
		if ((tp->t_flags & TF_REQ_SCALE) && (!(flags & TH_ACK) ||
		    (tp->t_flags & TF_RCVD_SCALE))) {
			cp[n++] = TCPOPT_NOP;
			cp[n++] = TCPOPT_WINDOW;
			cp[n++] = TCPOLEN_WINDOW;
			cp[n++] = tp->request_r_scale;
		}
	}
	if ((tp->t_flags & TF_REQ_TSTMP) && (((flags & (TH_SYN | TH_ACK)) ==
	    TH_SYN) || (tp->t_flags & TF_RCVD_TSTMP))) {
		/* SACK-permitted takes the two NOPs' place (as Linux). */
		if ((flags & TH_SYN) && sackok) {
			cp[n++] = TCPOPT_SACK_PERMITTED;
			cp[n++] = TCPOLEN_SACK_PERMITTED;
			sackok = false;
		} else {
			cp[n++] = TCPOPT_NOP;
			cp[n++] = TCPOPT_NOP;
		}
		cp[n++] = TCPOPT_TIMESTAMP;
		cp[n++] = TCPOLEN_TIMESTAMP;
		tcp_put32(cp + n, tcp_ts_now());
		tcp_put32(cp + n + 4, tp->ts_recent);
		n += 8;
	}
	if ((flags & TH_SYN) && sackok) {
		cp[n++] = TCPOPT_NOP;
		cp[n++] = TCPOPT_NOP;
		cp[n++] = TCPOPT_SACK_PERMITTED;
		cp[n++] = TCPOLEN_SACK_PERMITTED;
	}
	if (!(flags & TH_SYN) && (flags & TH_ACK) && tp->t_sack != NULL &&
	    (tp->t_flags & TF_SACK_PERMIT))
		nb = tcp_sack_rcv_blocks(&tp->t_sack->sc_rcv, tp->rcv_nxt, blk,
		    MIN((TCP_MAXOLEN - n - 4) / 8, TCP_SACK_OPT_MAX));
	if (nb > 0) {
		cp[n++] = TCPOPT_NOP;
		cp[n++] = TCPOPT_NOP;
		cp[n++] = TCPOPT_SACK;
		cp[n++] = (uint8_t)(2 + 8 * nb);
		for (int i = 0; i < nb; i++, n += 8) {
			tcp_put32(cp + n, blk[i].start);
			tcp_put32(cp + n + 4, blk[i].end);
		}
	}
	*nsack = nb;
	KASSERT(n <= TCP_MAXOLEN && n % 4 == 0);
	return n;
}

/* The window to advertise (bytes, before scaling). */
static uint32_t
tcp_rcvwin(const struct tcpcb *tp)
{
	const struct sockbuf *sb = &tp->t_so->so_rcv;
	uint32_t win = sb->sb_hiwat > sb->sb_cc ? sb->sb_hiwat - sb->sb_cc : 0;

	return MIN(win, (uint32_t)TCP_MAXWIN << tp->rcv_scale);
}

/*
 * Where to copy the send buffer's bytes [off, off + len) from: the mbuf
 * to hand to m_copym, *moffp the offset in it.  The sender's place
 * (t_sndptr: the mbuf that held the last segment's last byte, as
 * FreeBSD's sb_sndptr) saves walking the buffer from its head, some 40
 * mbufs when it holds 64 KiB, once a segment; a segment before the
 * place (a retransmission) walks from the head.  The place moves on to
 * the mbuf of byte off + len - 1.
 */
static struct mbuf *
tcp_sndptr(struct tcpcb *tp, struct sockbuf *sb, u_int off, u_int len,
    u_int *moffp)
{
	struct mbuf *from = sb->sb_head, *m;
	u_int base = 0;

	KASSERTMSG(len > 0 && off < sb->sb_cc && len <= sb->sb_cc - off,
	    "tcp_sndptr: [%u, +%u) of %u bytes", off, len, sb->sb_cc);
	KASSERT(tp->t_sndptr == NULL || tp->t_sndptroff < sb->sb_cc);
	if (tp->t_sndptr != NULL && off >= tp->t_sndptroff) {
		from = tp->t_sndptr;
		base = tp->t_sndptroff;
	}
	*moffp = off - base;
	for (m = from; base + (u_int)m->m_len < off + len; m = m->m_next) {
		base += (u_int)m->m_len;
		KASSERT(m->m_next != NULL);
	}
	tp->t_sndptr = m;
	tp->t_sndptroff = base;
	return from;
}

void
tcp_sbdrop(struct tcpcb *tp, u_int len)
{
	struct sockbuf *sb = &tp->t_so->so_snd;

	KASSERT(mutex_owned(&tp->t_so->so_lock));
	sbdrop(sb, len);
	/* The place stays if it starts at or after the cut (else it may
	   be freed). */
	if (tp->t_sndptr != NULL && tp->t_sndptroff >= len)
		tp->t_sndptroff -= len;
	else
		tp->t_sndptr = NULL;
	KASSERT(tp->t_sndptr == NULL || tp->t_sndptroff < sb->sb_cc);
}

/*
 * The len bytes of the send buffer from off, for a segment: shared with
 * the buffer (m_copym) when they lie in few mbufs, else copied into one
 * cluster, so a frame never needs more DMA segments than a NIC takes
 * (dmanicreg.h's DMANIC_TX_MAXSEGS is 8, the headers' mbuf included).
 */
#define TCP_SEG_MAXMBUFS        4

static struct mbuf *
tcp_segdata(struct tcpcb *tp, struct sockbuf *sb, int off, int len)
{
	struct mbuf *from, *m, *n;
	u_int moff;
	int k = 0;

	KASSERT(off >= 0 && len > 0);
	from = tcp_sndptr(tp, sb, (u_int)off, (u_int)len, &moff);
	m = m_copym(from, (int)moff, len, M_DONTWAIT);
	for (n = m; n != NULL; n = n->m_next)
		k++;
	if (m == NULL || k <= TCP_SEG_MAXMBUFS)
		return m;
	m_freem(m);
	if (len > MCLBYTES)
		return m_dup(from, (int)moff, len, M_DONTWAIT);
	if ((m = m_getcl(M_DONTWAIT, MT_DATA, 0)) == NULL)
		return NULL;
	m_copydata(from, (int)moff, len, mtod(m, void *));
	m->m_len = len;
	return m;
}

/* Arm the persist timer, backed off like the RTO. */
static void
tcp_setpersist(struct tcpcb *tp)
{
	uint32_t ms = tcp_rto_ms(tp);

	ms = MAX(ms, 500u);
	ms = MIN(ms, 60000u);
	tcp_timer_arm(tp, TCPT_PERSIST, ms);
}

/* Resending after a timeout: step over what the peer SACKed since. */
static void
tcp_skip_sacked(struct tcpcb *tp)
{
	const struct tcp_sack_sb *sb = &tp->t_sack->sc_sb;

	for (int i = 0; i < sb->nblk; i++) {
		if (SEQ_LEQ(sb->blk[i].start, tp->snd_nxt) &&
		    SEQ_LT(tp->snd_nxt, sb->blk[i].end))
			tp->snd_nxt = sb->blk[i].end;
	}
	KASSERT(SEQ_LEQ(tp->snd_nxt, tp->snd_max));
}

/*
 * Send one segment if one is due; *more if another may be.  cap >= 0:
 * SACK recovery's (tcp_sack_output) segment of at most cap data bytes
 * from snd_nxt, whatever the windows say.  => 0 or the error of
 * ip_output
 */
static int
tcp_output_one(struct tcpcb *tp, bool *more, int32_t cap)
{
	struct socket *so = tp->t_so;
	struct inpcb *inp = tp->t_inp;
	struct tcp_brane *tb = tp->t_tb;
	struct sockbuf *sb = &so->so_snd;
	uint8_t opt[TCP_MAXOLEN];
	struct mbuf *m;
	struct ip *ip;
	struct tcphdr *th;
	int32_t off, len, sendwin, adv;
	uint32_t win, cwnd;
	int flags, optlen, hdrlen, nsack, maxlen;
	tcp_seq startseq;
	bool idle, sendalot = false, rexmit;

	*more = false;
	idle = tp->snd_max == tp->snd_una;
	flags = tcp_outflags[tp->t_state];
	if (tp->t_state == TCPS_CLOSED || tp->t_state == TCPS_LISTEN)
		return 0;
	if (cap < 0 && tp->t_sack != NULL && SEQ_LT(tp->snd_nxt, tp->snd_max))
		tcp_skip_sacked(tp);
	off = (int32_t)(tp->snd_nxt - tp->snd_una);
	cwnd = TCPS_HAVEESTABLISHED(tp->t_state) ? tp->t_ccv.cwnd : 0;
	sendwin = (int32_t)MIN(MIN(tp->snd_wnd, cwnd), (uint32_t)INT32_MAX);
	if ((tp->t_flags & TF_FORCE) && sendwin == 0)
		sendwin = 1;
	if (cap >= 0)
		sendwin = (int32_t)MIN((int64_t)off + cap, (int64_t)INT32_MAX);
	/* A SYN not yet acked: it takes the first number, no data rides. */
	if (flags & TH_SYN) {
		if (tp->snd_nxt != tp->iss)
			flags &= ~TH_SYN;
		len = 0;
	} else {
		len = (int32_t)MIN(sb->sb_cc, (u_int)sendwin) - off;
		if (len < 0) {
			len = 0;
			if (sendwin == 0 && off >= 0 && !(tp->t_flags &
			    TF_SENTFIN)) {
				/* The window closed: probe, don't resend. */
				tcp_timer_disarm(tp, TCPT_REXMT);
				tp->t_rxtshift = 0;
				tp->snd_nxt = tp->snd_una;
				off = 0;
				if (tp->t_timer[TCPT_PERSIST] == 0)
					tcp_setpersist(tp);
			}
		}
	}
	/* SACK blocks ride in the room the data would have had. */
	optlen = tcp_opts_write(tp, flags, opt, &nsack);
	maxlen = tp->t_maxseg - (nsack > 0 ? 4 + 8 * nsack : 0);
	KASSERT(maxlen > 0);
	if (len > maxlen) {
		len = maxlen;
		sendalot = cap < 0;
	}
	/* FIN only with (after) the last byte, and only once in sequence. */
	if ((flags & TH_FIN) && (off < 0 || (u_int)(off + len) != sb->sb_cc))
		flags &= ~TH_FIN;
	if (!TCPS_HAVEESTABLISHED(tp->t_state))
		flags &= ~TH_FIN;
	rexmit = SEQ_LT(tp->snd_nxt, tp->snd_max);

	if (len > 0) {
		if (len == maxlen)
			goto send;
		if ((idle || (tp->t_flags & TF_NODELAY)) &&
		    (u_int)(len + off) >= sb->sb_cc)
			goto send;
		if (tp->t_flags & TF_FORCE)
			goto send;
		if (tp->max_sndwnd > 0 && (uint32_t)len >= tp->max_sndwnd / 2)
			goto send;
		if (rexmit)
			goto send;
	}
	/*
	 * A window update alone, when the window opened by two segments
	 * (BSD) and what the peer was last told is down to half the buffer
	 * or less (as Linux): while the peer still has room, the next ACK
	 * tells it soon enough, and an update per read would double the
	 * ACKs of a bulk receiver that reads as data comes.
	 */
	if (TCPS_HAVERCVDSYN(tp->t_state)) {
		uint32_t told = tp->rcv_adv - tp->rcv_nxt;

		win = tcp_rcvwin(tp);
		adv = (int32_t)win - (int32_t)told;
		if (2 * told <= so->so_rcv.sb_hiwat &&
		    (adv >= 2 * (int32_t)tp->t_maxseg ||
		    (uint32_t)(2 * adv) >= so->so_rcv.sb_hiwat))
			goto send;
	}
	if (tp->t_flags & TF_ACKNOW)
		goto send;
	if (flags & (TH_SYN | TH_RST))
		goto send;
	if ((flags & TH_FIN) && (!(tp->t_flags & TF_SENTFIN) ||
	    tp->snd_nxt == tp->snd_una))
		goto send;
	/* Data waits and nothing will clock it out: probe the window. */
	if (sb->sb_cc > 0 && tp->t_timer[TCPT_REXMT] == 0 &&
	    tp->t_timer[TCPT_PERSIST] == 0) {
		tp->t_rxtshift = 0;
		tcp_setpersist(tp);
	}
	return 0;

send:
	hdrlen = (int)(sizeof(struct ip) + sizeof(struct tcphdr)) + optlen;
	if ((m = m_gethdr(M_DONTWAIT, MT_HEADER)) == NULL)
		return ENOBUFS;
	m_align(m, hdrlen);
	m->m_len = hdrlen;
	if (len > 0 && (m->m_next = tcp_segdata(tp, sb, off, len)) == NULL) {
		m_freem(m);
		return ENOBUFS;
	}
	m->m_pkthdr.len = hdrlen + len;
	/* Its packet id, for per-packet records (SO_PKTID; 0: none). */
	m->m_pkthdr.ph_id = so->so_pktid;
	if (so->so_pktid != 0)
		so->so_pktid++;
	ip = mtod(m, struct ip *);
	memset(ip, 0, (size_t)hdrlen);
	ip->ip_vhl = IP_VHL(IPVERSION, sizeof(*ip));
	ip->ip_len = htons((uint16_t)(hdrlen + len));
	ip->ip_p = IPPROTO_TCP;
	ip->ip_src = inp->inp_laddr;
	ip->ip_dst = inp->inp_faddr;
	th = (struct tcphdr *)(ip + 1);
	th->th_sport = inp->inp_lport;
	th->th_dport = inp->inp_fport;
	/* A resent FIN alone keeps its number; a pure ACK says snd_max. */
	if ((flags & TH_FIN) && (tp->t_flags & TF_SENTFIN) && len == 0 &&
	    tp->snd_nxt == tp->snd_max)
		startseq = tp->snd_max - 1;
	else if (len > 0 || (flags & (TH_SYN | TH_FIN)) ||
	    tp->t_timer[TCPT_PERSIST] != 0)
		startseq = tp->snd_nxt;
	else
		startseq = tp->snd_max;
	th->th_seq = htonl(startseq);
	th->th_ack = (flags & TH_ACK) ? htonl(tp->rcv_nxt) : 0;
	th->th_off = (uint8_t)(((sizeof(*th) + (size_t)optlen) >> 2) << 4);
	th->th_flags = (uint8_t)flags;
	win = TCPS_HAVERCVDSYN(tp->t_state) ? tcp_rcvwin(tp) :
	    MIN(so->so_rcv.sb_hiwat, (u_int)TCP_MAXWIN);
	/* Never shrink what was offered (RFC 9293 3.8.6). */
	if (TCPS_HAVERCVDSYN(tp->t_state) &&
	    SEQ_LT(tp->rcv_nxt + win, tp->rcv_adv))
		win = tp->rcv_adv - tp->rcv_nxt;
	th->th_win = htons((uint16_t)((flags & TH_SYN) ?
	    MIN(win, (uint32_t)TCP_MAXWIN) : MIN(win >> tp->rcv_scale,
	    (uint32_t)TCP_MAXWIN)));
	memcpy(th + 1, opt, (size_t)optlen);
	th->th_sum = 0;
	th->th_sum = (uint16_t)in4_cksum(m, IPPROTO_TCP, sizeof(*ip),
	    hdrlen - (int)sizeof(*ip) + len);

	/* Account, then send: ip_output may drop the lock-free copy. */
	TCPSTAT_INC(tb, sndtotal);
	TCPSTAT_ADD(tb, sack_blocks_sent, (uint64_t)nsack);
	if (len > 0 && rexmit) {
		TCPSTAT_INC(tb, sndrexmitpack);
		TCPSTAT_ADD(tb, sndrexmitbyte, (uint64_t)len);
		tp->t_nrexmits++;
	} else if (len > 0)
		TCPSTAT_ADD(tb, sndbyte, (uint64_t)len);
	else if ((flags & (TH_SYN | TH_FIN | TH_RST)) == 0)
		TCPSTAT_INC(tb, sndacks);
	if ((flags & (TH_SYN | TH_FIN)) || len > 0) {
		if (startseq == tp->snd_nxt) {
			if (flags & TH_SYN)
				tp->snd_nxt++;
			tp->snd_nxt += (uint32_t)len;
			if (flags & TH_FIN) {
				tp->snd_nxt++;
				tp->t_flags |= TF_SENTFIN;
			}
		}
		if (SEQ_GT(tp->snd_nxt, tp->snd_max)) {
			tp->snd_max = tp->snd_nxt;
			/* Karn: time only new data, one segment at a time. */
			if (tp->t_rtttime == 0) {
				tp->t_rtttime = getnanouptime();
				tp->t_rtseq = startseq;
			}
		}
		if (tp->t_timer[TCPT_REXMT] == 0 &&
		    tp->snd_nxt != tp->snd_una) {
			tcp_timer_disarm(tp, TCPT_PERSIST);
			tcp_rexmt_arm(tp);
		}
	}
	if (flags & TH_ACK) {
		tp->t_flags &= ~(TF_ACKNOW | TF_DELACK);
		tcp_timer_disarm(tp, TCPT_DELACK);
		tp->last_ack_sent = tp->rcv_nxt;
	}
	if (TCPS_HAVERCVDSYN(tp->t_state) &&
	    SEQ_GT(tp->rcv_nxt + win, tp->rcv_adv))
		tp->rcv_adv = tp->rcv_nxt + win;
	tp->rcv_wnd = win;
	*more = sendalot;
	SDT_PROBE4(tcp, output, m->m_pkthdr.len, m->m_pkthdr.ph_id,
	    len > 0 && rexmit, startseq);
	if (len > 0 && rexmit)
		SDT_PROBE4(tcp, rexmit, len, m->m_pkthdr.ph_id,
		    tcp_probe_ports(tp, startseq), tcp_probe_addrs(tp));
	return ip_output(so->so_brane, m, 0);
}

/*
 * One segment of at most [seq, seq + len) from SACK recovery; the
 * sequence numbers it took (0: none, Nagle said no).
 * => snd_nxt == snd_max, and so after
 */
uint32_t
tcp_sack_send(struct tcpcb *tp, tcp_seq seq, uint32_t len)
{
	uint32_t sent;
	bool more;

	KASSERT(SEQ_LEQ(tp->snd_una, seq) && SEQ_LEQ(seq, tp->snd_max));
	KASSERT(tp->snd_nxt == tp->snd_max);
	KASSERT(len > 0 && len <= tp->t_maxseg);
	tp->snd_nxt = seq;
	(void)tcp_output_one(tp, &more, (int32_t)len);
	/* snd_nxt moved over what was sent; an ACK alone does not move it. */
	sent = tp->snd_nxt - seq;
	KASSERT(sent <= len + 1);
	tp->snd_nxt = tp->snd_max;
	return sent;
}

/*
 * RFC 6675 section 5, steps (C): while cwnd - pipe >= SMSS, NextSeg's
 * segment; a retransmission moves HighRxt, the rescue RescueRxt.
 * Bounded: each segment sent grows pipe (the rescue, which does not, is
 * once per recovery), and TCP_SACK_SEND_MAX in any case.
 */
#define TCP_SACK_SEND_MAX       256

void
tcp_sack_output(struct tcpcb *tp)
{
	struct tcp_sackcb *sc = tp->t_sack;
	struct sockbuf *sb = &tp->t_so->so_snd;
	struct tcp_sack_sendstate st;
	struct tcp_sack_seg seg;
	uint32_t mss = tp->t_maxseg, pipe, flight, sent, data;

	KASSERT(mutex_owned(&tp->t_so->so_lock));
	KASSERT((tp->t_flags & TF_SACKRECOVERY) && sc != NULL);
	for (int n = 0; n < TCP_SACK_SEND_MAX; n++) {
		/* A zero window's probing took snd_nxt back: that waits. */
		if (tp->snd_nxt != tp->snd_max)
			break;
		if (SEQ_LT(sc->sc_high_rxt, tp->snd_una))
			sc->sc_high_rxt = tp->snd_una;
		pipe = tcp_sack_pipe(&sc->sc_sb, tp->snd_una, tp->snd_max,
		    sc->sc_high_rxt, mss);
		if (pipe + mss > tp->t_ccv.cwnd)
			break;
		flight = tp->snd_max - tp->snd_una;
		data = (tp->t_flags & TF_SENTFIN) ? 0 :
		    MIN(sb->sb_cc, tp->snd_wnd);
		st.snd_una = tp->snd_una;
		st.snd_max = tp->snd_max;
		st.high_rxt = sc->sc_high_rxt;
		st.rescue_rxt = sc->sc_rescue_rxt;
		st.recovery_point = tp->snd_recover;
		st.rescue_valid = sc->sc_rescue_valid;
		st.mss = mss;
		st.new_ok = data > flight ? data - flight : 0;
		tcp_sack_nextseg(&sc->sc_sb, &st, &seg);
		if (seg.what == TCP_SACK_NONE)
			break;
		sent = tcp_sack_send(tp, seg.seq, seg.len);
		if (sent == 0)
			break;
		if (seg.what == TCP_SACK_NEW)
			continue;
		TCPSTAT_INC(tp->t_tb, sack_rexmits);
		/*
		 * This segment may be snd_una's after a partial ACK: its
		 * loss shows only by what is sent from now on being SACKed
		 * (tcp_sack_rxt_lost), not what was sent before it.
		 */
		sc->sc_rxt_fence = tp->snd_max;
		if (seg.what == TCP_SACK_RESCUE) {
			sc->sc_rescue_rxt = tp->snd_recover;
			sc->sc_rescue_valid = true;
		} else if (SEQ_GT(seg.seq + sent, sc->sc_high_rxt))
			sc->sc_high_rxt = seg.seq + sent;
	}
}

int
tcp_output(struct tcpcb *tp)
{
	bool more;
	int error, n = 0;

	KASSERT(mutex_owned(&tp->t_so->so_lock));
	if ((tp->t_flags & TF_SACKRECOVERY) && tp->t_state != TCPS_CLOSED)
		tcp_sack_output(tp);
	do {
		error = tcp_output_one(tp, &more, -1);
	} while (error == 0 && more && ++n < 1024);
	/* A packet held for ARP or lost to a full queue is resent later. */
	return error == ENOBUFS || error == EHOSTDOWN ? 0 : error;
}
