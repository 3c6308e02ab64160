/*
 * tcp_timer.c -- a connection's timers: retransmission (RFC 6298, with
 * exponential backoff), persist, keepalive and connection establishment,
 * 2MSL, delayed ACK; and the tail-loss probe (RFC 8985 7).
 *
 * A connection has one kernel continuation (t_kc); each timer is a
 * deadline in clock ticks (t_timer[], 0 = off) and the continuation is
 * scheduled for the earliest.  Arming a timer is a store and, if it is
 * now earlier than the continuation is due (t_kcdue), a kcont_schedule;
 * disarming, or moving a deadline later, is a store: the continuation
 * then runs at its time for nothing and schedules itself for the
 * earliest deadline left.  So the retransmission timer, armed again by
 * every ACK that acknowledges data, costs a kcont_schedule about once
 * an RTO rather than once a segment (BSD's callouts do the same).  The
 * continuation takes the socket lock, so timers and segments are never
 * processed at once; a closed connection's (TF_DEAD) returns at once and
 * is never scheduled again.
 *
 * Tail-loss probes (TLP): a loss at the end of what was sent -- the
 * last segment of a transfer, a request -- brings no duplicate ACKs,
 * so without a probe only the RTO (at least 200 ms) repairs it.  While
 * a connection that uses SACK has data out and is not in recovery, the
 * retransmission timer first runs for a probe timeout, PTO = 2 SRTT
 * (plus the peer's delayed-ACK time, the brane's delack_ms, when one
 * segment is out, whose ACK may be delayed), at least TCP_TLP_MIN_MS
 * and less than the RTO, restarted by every ACK of new data as the RTO
 * is (TF_TLP_PTO says which it is).  When it expires, one probe goes:
 * a new segment if the windows allow one, else the last segment sent
 * again; then the RTO runs as usual.  One probe an episode: none more
 * until an ACK covers the probe (TF_TLP_OUT, t_tlp_high), a recovery
 * or a timeout ends it.  The probe either repairs the loss (a resent
 * last segment, and the ACK covers it) or shows it: the probe SACKed
 * while snd_una is not acked says what was sent before it is lost
 * (RACK's rule, RFC 8985 6.2, for the probe alone), and fast recovery
 * begins at once (tcp_tlp_una_lost).  Without DSACK the sender cannot
 * tell a resent probe that repaired a loss from one that was not
 * needed; as RFC 8985 7.4.2 says, it presumes a loss and reduces cwnd
 * as a fast recovery would.  Both count tlp_recoveries.  Needs SACK (as
 * Linux's does): a probe's duplicate ACK alone cannot say what arrived.
 * TCP_TLP turns it off per connection.
 */
#include <sys/kern.h>
#include <sys/mutex.h>

#include <kern/ksocket.h>
#include <kern/mbuf.h>

#include <netinet/in.h>
#include <netinet/in_pcb.h>
#include <netinet/tcp.h>
#include <netinet/tcp_var.h>

uint32_t
tcp_ts_now(void)
{
	return (uint32_t)(getnanouptime() / 1000);
}

uint32_t
tcp_rto_ms(const struct tcpcb *tp)
{
	uint64_t rto = (uint64_t)tp->t_rto_ms << tp->t_rxtshift;

	return (uint32_t)MIN(rto, (uint64_t)tp->t_tb->tb_conf.rto_max_ms);
}

uint32_t
tcp_keepidle_ms(const struct tcpcb *tp)
{
	return tp->t_keepidle_ms != 0 ? tp->t_keepidle_ms :
	    tp->t_tb->tb_conf.keepidle_ms;
}

uint32_t
tcp_keepintvl_ms(const struct tcpcb *tp)
{
	return tp->t_keepintvl_ms != 0 ? tp->t_keepintvl_ms :
	    tp->t_tb->tb_conf.keepintvl_ms;
}

/*
 * Schedule the continuation for the earliest deadline, unless it is due
 * by then already.  t_kcdue may name a tick later than the one it is
 * due at (never earlier): then it is only scheduled once more.
 * => so_lock held; now: getticks()
 */
static void
tcp_timer_resched(struct tcpcb *tp, int now)
{
	int first = 0, due;

	KASSERT(mutex_owned(&tp->t_so->so_lock));
	for (int i = 0; i < TCPT_NTIMERS; i++)
		if (tp->t_timer[i] != 0 &&
		    (first == 0 || tp->t_timer[i] - first < 0))
			first = tp->t_timer[i];
	if (first == 0 || (tp->t_flags & TF_DEAD))
		return;
	if (tp->t_kcdue != 0 && tp->t_kcdue - first <= 0)
		return;                 /* it runs first, and looks again */
	due = first - now > 0 ? first : now;
	(void)kcont_schedule(&tp->t_kc, due - now);
	tp->t_kcdue = due != 0 ? due : 1;      /* 0 says "not scheduled" */
}

void
tcp_timer_arm(struct tcpcb *tp, int which, uint32_t ms)
{
	int t = mstohz((int)MIN(ms, (uint32_t)INT32_MAX / 2)), now;

	KASSERT(which >= 0 && which < TCPT_NTIMERS);
	KASSERT(mutex_owned(&tp->t_so->so_lock));
	if (tp->t_flags & TF_DEAD)
		return;
	if (which == TCPT_REXMT)
		tp->t_flags &= ~TF_TLP_PTO;     /* tcp_rexmt_arm sets it */
	now = getticks();
	tp->t_timer[which] = now + MAX(t, 1);
	if (tp->t_timer[which] == 0)
		tp->t_timer[which] = 1;
	tcp_timer_resched(tp, now);
}

void
tcp_timer_disarm(struct tcpcb *tp, int which)
{
	KASSERT(which >= 0 && which < TCPT_NTIMERS);
	if (which == TCPT_REXMT)
		tp->t_flags &= ~TF_TLP_PTO;
	tp->t_timer[which] = 0;
}

void
tcp_canceltimers(struct tcpcb *tp)
{
	for (int i = 0; i < TCPT_NTIMERS; i++)
		tp->t_timer[i] = 0;
	(void)kcont_stop(&tp->t_kc);
	tp->t_kcdue = 0;
}

/* RFC 6298 2.2-2.4, on one RTT sample. */
void
tcp_xmit_timer(struct tcpcb *tp, uint64_t rtt)
{
	const struct tcp_conf *tc = &tp->t_tb->tb_conf;
	uint64_t srtt = tp->t_ccv.srtt_ns, delta, rto, g;

	if (rtt == 0)
		rtt = 1;
	if (srtt == 0) {
		srtt = rtt;
		tp->t_rttvar = rtt / 2;
	} else {
		delta = srtt > rtt ? srtt - rtt : rtt - srtt;
		tp->t_rttvar = (3 * tp->t_rttvar + delta) / 4;
		srtt = (7 * srtt + rtt) / 8;
	}
	tp->t_ccv.srtt_ns = srtt;
	if (tp->t_ccv.min_rtt_ns == 0 || rtt < tp->t_ccv.min_rtt_ns)
		tp->t_ccv.min_rtt_ns = rtt;
	g = 1000000000ull / (uint64_t)hz;       /* the clock's granularity */
	rto = srtt + MAX(g, 4 * tp->t_rttvar);
	rto = howmany(rto, 1000000);
	rto = MAX(rto, (uint64_t)tc->rto_min_ms);
	rto = MIN(rto, (uint64_t)tc->rto_max_ms);
	tp->t_rto_ms = (uint32_t)rto;
	tp->t_rxtshift = 0;
	TCPSTAT_INC(tp->t_tb, rttupdated);
}

/* The shortest probe timeout: a LAN's RTT of tens of us would else
   make a probe of every pause of a few hundred us. */
#define TCP_TLP_MIN_MS  10

/* RFC 8985 7.2: may a probe be scheduled now? */
static bool
tcp_tlp_may(const struct tcpcb *tp)
{
	return (tp->t_flags & (TF_TLP | TF_SACK_PERMIT)) ==
	    (TF_TLP | TF_SACK_PERMIT) &&
	    !(tp->t_flags & (TF_FASTRECOVERY | TF_RTORECOVERY | TF_TLP_OUT |
	    TF_DEAD)) &&
	    TCPS_HAVEESTABLISHED(tp->t_state) &&
	    tp->t_state != TCPS_TIME_WAIT && tp->t_rxtshift == 0 &&
	    tp->t_ccv.srtt_ns != 0 && tp->snd_max != tp->snd_una &&
	    tp->snd_nxt == tp->snd_max;
}

/* RFC 8985 7.2: the probe timeout, ms. */
static uint64_t
tcp_tlp_pto_ms(const struct tcpcb *tp)
{
	uint64_t pto = 2 * tp->t_ccv.srtt_ns;

	if (tp->snd_max - tp->snd_una <= tp->t_maxseg)
		pto += (uint64_t)tp->t_tb->tb_conf.delack_ms * 1000000;
	return MAX(howmany(pto, 1000000), (uint64_t)TCP_TLP_MIN_MS);
}

void
tcp_rexmt_arm(struct tcpcb *tp)
{
	uint32_t rto = tcp_rto_ms(tp);
	uint64_t pto;

	KASSERT(mutex_owned(&tp->t_so->so_lock));
	if (tcp_tlp_may(tp) && (pto = tcp_tlp_pto_ms(tp)) < rto) {
		tcp_timer_arm(tp, TCPT_REXMT, (uint32_t)pto);
		tp->t_flags |= TF_TLP_PTO;
		return;
	}
	tcp_timer_arm(tp, TCPT_REXMT, rto);
}

/*
 * The probe timeout expired (RFC 8985 7.3): a new segment if the
 * windows allow one, else the last segment sent again (its FIN with
 * it, if sent); then the RTO, due when it would have been without the
 * probe (as Linux's): nothing that moves PTO's inputs (an ACK, a send)
 * came since it was armed, so that was rto - pto ago.
 */
static void
tcp_timer_tlp(struct tcpcb *tp)
{
	struct sockbuf *sb = &tp->t_so->so_snd;
	uint32_t flight = tp->snd_max - tp->snd_una, mss = tp->t_maxseg;
	uint32_t data, len, sent, end, rto = tcp_rto_ms(tp);
	uint64_t pto;
	tcp_seq seq;

	if (tp->t_state == TCPS_CLOSED || flight == 0)
		return;
	if (!tcp_tlp_may(tp) || (pto = tcp_tlp_pto_ms(tp)) >= rto) {
		tcp_timer_arm(tp, TCPT_REXMT, rto);
		return;
	}
	data = (tp->t_flags & TF_SENTFIN) ? 0 : MIN(sb->sb_cc, tp->snd_wnd);
	sent = 0;
	if (data > flight) {
		seq = tp->snd_max;
		sent = tcp_sack_send(tp, seq, MIN(mss, data - flight));
	}
	if (sent == 0) {                /* none new, or Nagle held it */
		end = flight - ((tp->t_flags & TF_SENTFIN) ? 1 : 0);
		len = MIN(mss, end);
		seq = tp->snd_una + (end - len);
		if (len == 0)
			len = 1;        /* the FIN alone */
		KASSERT(len > 0 && len <= mss);
		sent = tcp_sack_send(tp, seq, len);
	}
	if (sent > 0) {
		TCPSTAT_INC(tp->t_tb, tlp_probes);
		SDT_PROBE4(tcp, tlp, SEQ_LT(seq, tp->snd_una + flight),
		    tcp_probe_addrs(tp), tcp_probe_ports(tp, seq),
		    (uint64_t)tp->snd_una << 32 | tp->snd_max);
		tp->t_flags |= TF_TLP_OUT;
		if (SEQ_LT(seq, tp->snd_una + flight))
			tp->t_flags |= TF_TLP_RXT;
		else
			tp->t_flags &= ~TF_TLP_RXT;
		tp->t_tlp_high = seq + sent;
	}
	tcp_timer_arm(tp, TCPT_REXMT, rto - (uint32_t)pto);
}

bool
tcp_tlp_una_lost(const struct tcpcb *tp)
{
	const struct tcp_sackcb *sc = tp->t_sack;

	if (!(tp->t_flags & TF_TLP_OUT) || sc == NULL ||
	    tcp_sack_sb_empty(&sc->sc_sb) ||
	    !SEQ_LT(tp->snd_una, sc->sc_sb.blk[0].start))
		return false;
	/* The probe's last byte SACKed (a FIN's number never is). */
	return SEQ_GEQ(tcp_sack_sb_high(&sc->sc_sb, tp->snd_una) + 1,
	    tp->t_tlp_high);
}

void
tcp_tlp_recovered(struct tcpcb *tp)
{
	if (!(tp->t_flags & TF_TLP_OUT))
		return;
	tp->t_flags &= ~(TF_TLP_OUT | TF_TLP_RXT);
	TCPSTAT_INC(tp->t_tb, tlp_recoveries);
}

void
tcp_tlp_ack(struct tcpcb *tp, tcp_seq ack)
{
	struct tcp_ccv *ccv = &tp->t_ccv;
	uint32_t flight = tp->snd_max - tp->snd_una;

	if (!(tp->t_flags & TF_TLP_OUT) || SEQ_LT(ack, tp->t_tlp_high))
		return;
	/* The episode ends (RFC 8985 7.4); a new probe may go. */
	if (!(tp->t_flags & TF_TLP_RXT)) {
		tp->t_flags &= ~TF_TLP_OUT;
		return;
	}
	/* A resent probe acked, no DSACK to say it was not needed. */
	tcp_tlp_recovered(tp);
	ccv->flight = flight;
	ccv->now_ns = getnanouptime();
	(*tp->t_cc->cc_cong_signal)(ccv, CC_NDUPACK);
	ccv->flight = flight - MIN(flight, ack - tp->snd_una);
	(*tp->t_cc->cc_post_recovery)(ccv);
}

/* The timer expired with data out (tcp:rto, sdt_probes.h). */
static void
tcp_rto_probe(const struct tcpcb *tp)
{
	SDT_PROBE4(tcp, rto, 1, tcp_probe_addrs(tp),
	    tcp_probe_ports(tp, tp->t_rxtshift),
	    (uint64_t)tp->snd_una << 32 | tp->snd_max);
}

/* RFC 6298 5.5-5.7: back off, go back to snd_una, tell the controller. */
static void
tcp_timer_rexmt(struct tcpcb *tp)
{
	struct tcp_brane *tb = tp->t_tb;
	const struct tcp_conf *tc = &tb->tb_conf;
	uint32_t limit = TCPS_HAVEESTABLISHED(tp->t_state) ? tc->maxrexmits :
	    tc->synrexmits;

	if (tp->t_state == TCPS_CLOSED || tp->snd_una == tp->snd_max)
		return;
	tp->t_flags &= ~(TF_TLP_OUT | TF_TLP_RXT);     /* it did not help */
	TCPSTAT_INC(tb, rexmttimeo);
	tp->t_ntimeouts++;
	if (++tp->t_rxtshift > limit) {
		TCPSTAT_INC(tb, timeoutdrop);
		tcp_rto_probe(tp);
		if (tp->t_flags & (TF_FASTRECOVERY | TF_RTORECOVERY))
			tcp_recovery_exit(tp, TCP_RECOVERY_DROPPED,
			    tp->snd_una);
		tcp_drop(tp, ETIMEDOUT);
		return;
	}
	if (TCPS_HAVEESTABLISHED(tp->t_state)) {
		tp->t_ccv.flight = tp->snd_max - tp->snd_una;
		tp->t_ccv.now_ns = getnanouptime();
		tp->t_ccv.flags = (tp->t_ccv.flags & ~CCF_IN_RECOVERY) | CCF_RTO;
		(*tp->t_cc->cc_cong_signal)(&tp->t_ccv, CC_RTO);
	}
	if (tp->t_flags & TF_FASTRECOVERY)
		tcp_recovery_exit(tp, TCP_RECOVERY_TIMEOUT, tp->snd_una);
	/*
	 * RFC 6675 5.1: the recovery ends, and the scoreboard is cleared
	 * (the receiver may have reneged); blocks that come during the
	 * slow start after it are used again (tcp_output steps over them).
	 */
	tp->t_flags &= ~(TF_FASTRECOVERY | TF_SACKRECOVERY);
	if (tp->t_sack != NULL) {
		tcp_sack_sb_clear(&tp->t_sack->sc_sb);
		tcp_sack_trim(tp);
	}
	tp->snd_recover = tp->snd_max;
	/* One episode from the first timeout to the ACK of snd_recover. */
	if (TCPS_HAVEESTABLISHED(tp->t_state) &&
	    !(tp->t_flags & TF_RTORECOVERY)) {
		tp->t_flags |= TF_RTORECOVERY;
		tcp_recovery_enter(tp, TCP_RECOVERY_RTO);
	}
	tcp_rto_probe(tp);              /* in the episode it began */
	tp->snd_nxt = tp->snd_una;
	tp->t_rtttime = 0;              /* Karn: no sample from a resend */
	tp->t_dupacks = 0;
	(void)tcp_output(tp);
}

/* A probe into a zero window, then wait longer (backed off like an RTO). */
static void
tcp_timer_persist(struct tcpcb *tp)
{
	const struct tcp_conf *tc = &tp->t_tb->tb_conf;
	uint32_t idle_ms = (uint32_t)hztoms(getticks() -
	    (int)tp->t_idle_ticks);

	/*
	 * Probes a peer answers keep the connection however long its window
	 * stays shut (RFC 9293 3.8.6.1); a peer silent for as long as
	 * maxrexmits timeouts at the longest RTO is gone (BSD's
	 * tcp_maxpersistidle).  Without this, a zero window and silence
	 * kept even a connection its owner had closed forever.
	 */
	if ((uint64_t)idle_ms >= (uint64_t)tc->rto_max_ms * tc->maxrexmits) {
		TCPSTAT_INC(tp->t_tb, timeoutdrop);
		tcp_drop(tp, ETIMEDOUT);
		return;
	}
	TCPSTAT_INC(tp->t_tb, persisttimeo);
	if (tp->t_rxtshift < TCP_MAX_WINSHIFT)
		tp->t_rxtshift++;
	tp->t_flags |= TF_FORCE;
	(void)tcp_output(tp);
	tp->t_flags &= ~TF_FORCE;
}

static void
tcp_timer_keep(struct tcpcb *tp)
{
	struct tcp_brane *tb = tp->t_tb;
	const struct tcp_conf *tc = &tb->tb_conf;
	struct inpcb *inp = tp->t_inp;
	uint32_t idle_ms;

	if (!TCPS_HAVEESTABLISHED(tp->t_state)) {
		tcp_drop(tp, ETIMEDOUT);        /* the handshake never ended */
		return;
	}
	if ((tp->t_so->so_options & SO_KEEPALIVE) == 0 ||
	    tp->t_state > TCPS_CLOSE_WAIT)
		return;
	idle_ms = (uint32_t)hztoms(getticks() - (int)tp->t_idle_ticks);
	if (idle_ms + 1 < tcp_keepidle_ms(tp) && tp->t_keepcnt == 0) {
		tcp_timer_arm(tp, TCPT_KEEP, tcp_keepidle_ms(tp) - idle_ms);
		return;
	}
	if (tp->t_keepcnt >= tc->keepcnt) {
		TCPSTAT_INC(tb, keepdrops);
		tcp_drop(tp, ETIMEDOUT);
		return;
	}
	/* An old byte: the peer must answer with an ACK (RFC 9293 3.8.4). */
	TCPSTAT_INC(tb, keepprobe);
	tp->t_keepcnt++;
	tcp_respond(tb, inp->inp_laddr, inp->inp_lport, inp->inp_faddr,
	    inp->inp_fport, tp->snd_una - 1, tp->rcv_nxt, TH_ACK);
	tcp_timer_arm(tp, TCPT_KEEP, tcp_keepintvl_ms(tp));
}

void
tcp_timers_kcont(void *arg)
{
	struct tcpcb *tp = arg;
	struct socket *so = tp->t_so;
	int now;

	mutex_enter(&so->so_lock);
	/* Not scheduled now (unless again since it began: resched says). */
	tp->t_kcdue = 0;
	if (tp->t_flags & TF_DEAD)
		goto out;
	now = getticks();
	for (int i = 0; i < TCPT_NTIMERS && !(tp->t_flags & TF_DEAD); i++) {
		if (tp->t_timer[i] == 0 || tp->t_timer[i] - now > 0)
			continue;
		tp->t_timer[i] = 0;
		switch (i) {
		case TCPT_REXMT:
			if (tp->t_state == TCPS_LISTEN)
				tcp_embryos_timer(tp);
			else if (tp->t_flags & TF_TLP_PTO) {
				tp->t_flags &= ~TF_TLP_PTO;
				tcp_timer_tlp(tp);
			} else
				tcp_timer_rexmt(tp);
			break;
		case TCPT_PERSIST:
			tcp_timer_persist(tp);
			break;
		case TCPT_KEEP:
			tcp_timer_keep(tp);
			break;
		case TCPT_2MSL:
			if (tp->t_state == TCPS_TIME_WAIT ||
			    tp->t_state == TCPS_FIN_WAIT_2)
				tcp_close(tp);
			break;
		case TCPT_DELACK:
			if (tp->t_flags & TF_DELACK) {
				tp->t_flags = (tp->t_flags & ~TF_DELACK) |
				    TF_ACKNOW;
				TCPSTAT_INC(tp->t_tb, delack);
				(void)tcp_output(tp);
			}
			break;
		}
	}
	tcp_timer_resched(tp, getticks());
out:
	mutex_exit(&so->so_lock);
}
