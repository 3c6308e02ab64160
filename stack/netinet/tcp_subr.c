/*
 * tcp_subr.c -- TCP's per-brane state, connection blocks and their end,
 * and the socket entry points of the protosw row (tcp_var.h).
 *
 * A brane's TCP state is made by its first TCP socket, not by pr_init:
 * a brane that never uses TCP pays nothing (no table, no counters, no
 * draw from its ISN stream), so the runs of every scenario without TCP
 * are the runs they were.  It is published once with a compare-and-swap
 * and never changes until the brane goes.
 *
 * The end of a connection.  A tcpcb is never freed where it closes:
 * its socket's receive work may run in demux, which holds the PCB's
 * bucket lock, and its timers run in its own continuation, which may not
 * destroy itself.  tcp_close marks it closed (TCPS_CLOSED) and, once its
 * owner has closed the socket too (SS_NOFDREF), hands it to the brane's
 * reaper, a worker continuation, which takes the PCB out of the table,
 * waits out both continuations and frees tcpcb and socket.  A socket
 * whose connection closed under its owner (a reset) stays, CLOSED, until
 * the owner closes it.
 */
#include <sys/kern.h>
#include <sys/atomic.h>
#include <sys/kmem.h>
#include <sys/mutex.h>
#include <sys/race.h>

#include <kern/ksocket.h>
#include <kern/mbuf.h>
#include <kern/pcq.h>
#include <kern/protosw.h>

#include <string.h>

#include <net/brane.h>
#include <netinet/in.h>
#include <netinet/in_cksum.h>
#include <netinet/in_pcb.h>
#include <netinet/ip.h>
#include <netinet/ip_var.h>
#include <netinet/route.h>
#include <netinet/tcp.h>
#include <netinet/tcp_cc.h>
#include <netinet/tcp_syncache.h>
#include <netinet/tcp_var.h>

static const char *const tcpstat_names[TCPSTAT_N] = {
#define TCPSTAT_NAME_(n, d) #n,
	TCPSTAT_LIST(TCPSTAT_NAME_)
#undef TCPSTAT_NAME_
};

/* The defaults of a brane's TCP (short MSL: tests end quickly). */
static const struct tcp_conf tcp_conf_default = {
	.msl_ms = 500,
	.rto_min_ms = 200,
	.rto_max_ms = 60000,
	.rto_init_ms = 1000,
	.delack_ms = 40,
	.keepidle_ms = 7200000,
	.keepintvl_ms = 75000,
	.keepcnt = 8,
	.maxrexmits = 12,
	.synrexmits = 6,
	.cc_default = "newreno",
};

static void tcp_reaper(void *);

/* --- the brane's TCP -------------------------------------------------------- */

int
tcp_init(void *arg)
{
	struct brane *br = arg;

	/* Lazily, by the first socket: see the top of the file. */
	KASSERT(br->br_tcp == NULL);
	return 0;
}

static struct tcp_brane *
tcp_brane_create(struct brane *br)
{
	struct tcp_brane *tb = kmem_zalloc(sizeof(*tb), KM_SLEEP);
	cprng_stream_t isn;
	char name[40];

	tb->tb_brane = br;
	in_pcbtable_init(&tb->tb_table, TCP_PCBHASHSIZE);
	tb->tb_conf = tcp_conf_default;
	/* RFC 6528: a secret per brane, from a stream of its own. */
	brane_group(br, "tcp.isn.", name, sizeof(name));
	cprng_stream_init(&isn, name);
	tb->tb_secret = cprng_stream64(&isn);
	mutex_init(&tb->tb_reaplock, MUTEX_DEFAULT, IPL_NONE);
	kcont_init(&tb->tb_reaper, tcp_reaper, tb, KCONT_WORKER);
	CTASSERT(sizeof(tb->tb_group) >= sizeof("tcp.") + BRANE_NAMESZ - 1);
	brane_group(br, "tcp.", tb->tb_group, sizeof(tb->tb_group));
	for (u_int i = 0; i < TCPSTAT_N; i++)
		evcnt_attach_dynamic(&tb->tb_stat[i], EVCNT_TYPE_MISC, NULL,
		    tb->tb_group, tcpstat_names[i]);
	if (syncache_wanted(br))
		tb->tb_syncache = syncache_create(tb);
	return tb;
}

static void
tcp_brane_destroy(struct tcp_brane *tb)
{
	syncache_destroy(tb->tb_syncache);
	for (u_int i = 0; i < TCPSTAT_N; i++)
		evcnt_detach(&tb->tb_stat[i]);
	kcont_halt(&tb->tb_reaper);
	KASSERT(tb->tb_reap == NULL);
	kcont_destroy(&tb->tb_reaper);
	mutex_destroy(&tb->tb_reaplock);
	in_pcbtable_fini(&tb->tb_table);
	kmem_free(tb, sizeof(*tb));
}

struct tcp_brane *
tcp_brane_peek(const struct brane *br)
{
	return atomic_load_acquire(&br->br_tcp);
}

struct tcp_brane *
tcp_brane(struct brane *br)
{
	struct tcp_brane *tb = tcp_brane_peek(br);

	if (tb != NULL)
		return tb;
	tb = tcp_brane_create(br);
	if (atomic_cas_ptr(&br->br_tcp, NULL, tb) != NULL) {
		tcp_brane_destroy(tb);          /* another socket won */
		tb = tcp_brane_peek(br);
	}
	return tb;
}

int
tcp_fini(void *arg)
{
	struct brane *br = arg;
	struct tcp_brane *tb = tcp_brane_peek(br);

	if (tb != NULL) {
		br->br_tcp = NULL;
		tcp_brane_destroy(tb);
	}
	return 0;
}

/* --- initial sequence numbers (RFC 6528) ------------------------------------ */

/* splitmix64's finaliser: a good 64-bit mix. */
static uint64_t
tcp_mix64(uint64_t x)
{
	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ull;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebull;
	x ^= x >> 31;
	return x;
}

tcp_seq
tcp_new_iss(struct tcp_brane *tb, struct in_addr laddr, in_port_t lport,
    struct in_addr faddr, in_port_t fport)
{
	uint64_t h;

	h = tcp_mix64(tb->tb_secret ^ ((uint64_t)laddr.s_addr << 32 |
	    faddr.s_addr));
	h = tcp_mix64(h ^ ((uint64_t)lport << 16 | fport));
	/* Plus a clock ticking every 4 us (RFC 9293 3.4.1). */
	return (tcp_seq)h + (tcp_seq)(getnanouptime() / 4000);
}

/* --- connection blocks ------------------------------------------------------ */

struct tcpcb *
tcp_newtcpcb(struct tcp_brane *tb, struct socket *so, struct inpcb *inp)
{
	struct tcpcb *tp = kmem_zalloc(sizeof(*tp), KM_SLEEP);

	tp->t_inp = inp;
	tp->t_so = so;
	tp->t_tb = tb;
	kcont_init(&tp->t_kc, tcp_timers_kcont, tp, KCONT_SOFTCLOCK);
	tp->t_cc = tcp_cc_lookup(tb->tb_conf.cc_default);
	KASSERTMSG(tp->t_cc != NULL, "tcp: no congestion control %s",
	    tb->tb_conf.cc_default);
	tp->t_state = TCPS_CLOSED;
	tp->t_maxseg = TCP_MSS_DEFAULT;
	tp->t_rto_ms = tb->tb_conf.rto_init_ms;
	tp->t_flags = TF_REQ_SCALE | TF_REQ_TSTMP | TF_REQ_SACK | TF_TLP;
	tp->snd_wnd = TCP_MAXWIN;
	return tp;
}

/* SACK's state, while a connection has some: small (README). */
CTASSERT(sizeof(struct tcp_sackcb) <= 160);

struct tcp_sackcb *
tcp_sack_get(struct tcpcb *tp)
{
	struct tcp_sackcb *sc = tp->t_sack;

	KASSERT(mutex_owned(&tp->t_so->so_lock));
	KASSERT(tp->t_flags & TF_SACK_PERMIT);
	if (sc != NULL)
		return sc;
	if ((sc = kmem_zalloc(sizeof(*sc), KM_NOSLEEP)) == NULL)
		return NULL;
	tcp_sack_rcv_init(&sc->sc_rcv);
	tcp_sack_sb_init(&sc->sc_sb);
	tp->t_sack = sc;
	return sc;
}

void
tcp_sack_free(struct tcpcb *tp)
{
	struct tcp_sackcb *sc = tp->t_sack;

	if (sc == NULL)
		return;
	KASSERT(!(tp->t_flags & TF_SACKRECOVERY));
	tp->t_sack = NULL;
	tcp_sack_sb_fini(&sc->sc_sb);
	kmem_free(sc, sizeof(*sc));
}

void
tcp_sack_trim(struct tcpcb *tp)
{
	struct tcp_sackcb *sc = tp->t_sack;

	if (sc != NULL && sc->sc_rcv.nblk == 0 &&
	    tcp_sack_sb_empty(&sc->sc_sb) &&
	    !(tp->t_flags & TF_SACKRECOVERY))
		tcp_sack_free(tp);
}

/* The largest shift that a buffer of hiwat bytes needs (RFC 7323 2.3). */
uint8_t
tcp_rscale(u_int hiwat)
{
	uint8_t s = 0;

	while (s < TCP_MAX_WINSHIFT && ((uint32_t)TCP_MAXWIN << s) < hiwat)
		s++;
	return s;
}

/*
 * The segment size, once the peer's MSS option (or 0) is known: the
 * route's interface MTU less the headers, no more than the peer takes,
 * less the timestamp option if in use.
 */
void
tcp_mss_init(struct tcpcb *tp, uint16_t peermss)
{
	struct inpcb *inp = tp->t_inp;
	struct rtresult rr;
	uint32_t mss = TCP_MSS_DEFAULT;

	if (rt_lookup(tp->t_so->so_brane, inp->inp_faddr, &rr) == 0)
		mss = rr.rr_ifp->if_mtu - (uint32_t)(sizeof(struct ip) +
		    sizeof(struct tcphdr));
	tp->t_peermss = peermss;
	if (peermss != 0 && peermss < mss)
		mss = peermss;
	if (peermss == 0)
		mss = MIN(mss, TCP_MSS_DEFAULT);
	if (tp->t_flags & TF_RCVD_TSTMP)
		mss -= MIN(mss, 12u);   /* TCPOLEN_TIMESTAMP, padded */
	tp->t_maxseg = (uint16_t)MAX(mss, 64u);
}

/* What the route to the peer would let us receive: our MSS option. */
uint16_t tcp_mss_offer(struct tcpcb *);
uint16_t
tcp_mss_offer(struct tcpcb *tp)
{
	struct rtresult rr;

	if (rt_lookup(tp->t_so->so_brane, tp->t_inp->inp_faddr, &rr) != 0)
		return TCP_MSS_DEFAULT;
	return (uint16_t)(rr.rr_ifp->if_mtu - (sizeof(struct ip) +
	    sizeof(struct tcphdr)));
}

/* The handshake is done: the controller starts (RFC 5681 IW). */
void
tcp_established(struct tcpcb *tp)
{
	struct tcp_brane *tb = tp->t_tb;

	tp->t_state = TCPS_ESTABLISHED;
	tp->t_ccv.mss = tp->t_maxseg;
	tp->t_ccv.cwnd = tcp_cc_initial_window(tp->t_maxseg);
	tp->t_ccv.ssthresh = UINT32_MAX / 2;
	tp->t_ccv.now_ns = tp->t_estab_ns = getnanouptime();
	(*tp->t_cc->cc_init)(&tp->t_ccv);
	tcp_timer_disarm(tp, TCPT_KEEP);
	if (tp->t_so->so_options & SO_KEEPALIVE)
		tcp_timer_arm(tp, TCPT_KEEP, tcp_keepidle_ms(tp));
	TCPSTAT_INC(tb, connects);
	tp->t_so->so_state = (tp->t_so->so_state & ~SS_ISCONNECTING) |
	    SS_ISCONNECTED;
	so_wakeup(tp->t_so);
}

void
tcp_seterror(struct tcpcb *tp, int error)
{
	KASSERT(error > 0);
	atomic_swap_32(&tp->t_so->so_error, (uint32_t)error);
}

static void
tcp_reap(struct tcpcb *tp)
{
	struct tcp_brane *tb = tp->t_tb;

	KASSERT(tp->t_state == TCPS_CLOSED);
	if (tp->t_flags & TF_DEAD)
		return;
	tp->t_flags |= TF_DEAD;
	mutex_enter(&tb->tb_reaplock);
	tp->t_reapnext = tb->tb_reap;
	tb->tb_reap = tp;
	kcont_schedule(&tb->tb_reaper, 0);
	mutex_exit(&tb->tb_reaplock);
}

/*
 * The connection is over: no more timers, its owner woken; freed once the
 * owner has closed the socket.  => so_lock held; never frees anything
 */
void
tcp_close(struct tcpcb *tp)
{
	struct socket *so = tp->t_so;

	KASSERT(mutex_owned(&so->so_lock));
	if (!TCPS_HAVEESTABLISHED(tp->t_state) && tp->t_state != TCPS_CLOSED &&
	    tp->t_state != TCPS_LISTEN)
		TCPSTAT_INC(tp->t_tb, conndrops);
	tp->t_state = TCPS_CLOSED;
	tcp_canceltimers(tp);
	tcp_embryos_free(tp);
	so->so_state = (so->so_state & ~(SS_ISCONNECTING | SS_ISCONNECTED)) |
	    SS_CANTRCVMORE | SS_CANTSENDMORE;
	so_wakeup(so);
	if (so->so_state & SS_NOFDREF)
		tcp_reap(tp);
}

/* Reset the peer (if synchronized) and close with error. */
void
tcp_drop(struct tcpcb *tp, int error)
{
	struct inpcb *inp = tp->t_inp;

	if (TCPS_HAVERCVDSYN(tp->t_state) && tp->t_state != TCPS_CLOSED)
		tcp_respond(tp->t_tb, inp->inp_laddr, inp->inp_lport,
		    inp->inp_faddr, inp->inp_fport, tp->snd_nxt, tp->rcv_nxt,
		    TH_RST | TH_ACK);
	if (error != 0)
		tcp_seterror(tp, error);
	tcp_close(tp);
}

/* The brane's reaper: frees closed connections whose owners are gone. */
static void
tcp_reaper(void *arg)
{
	struct tcp_brane *tb = arg;
	struct tcpcb *tp;
	struct socket *so;
	struct mbuf *m;
	u_int n;

	for (;;) {
		mutex_enter(&tb->tb_reaplock);
		if ((tp = tb->tb_reap) != NULL)
			tb->tb_reap = tp->t_reapnext;
		mutex_exit(&tb->tb_reaplock);
		if (tp == NULL)
			break;
		so = tp->t_so;
		mutex_enter(&so->so_lock);
		KASSERT(tp->t_flags & TF_DEAD);
		/* Out of the table first: then no demux can queue more. */
		in_pcbfree(tp->t_inp);
		so->so_pcb = NULL;
		n = so_rcvpcq_flush(so);
		TCPSTAT_ADD(tb, closed, n);
		tcp_canceltimers(tp);
		/* The reassembly queue: packets linked by m_nextpkt. */
		while ((m = tp->t_segq) != NULL) {
			tp->t_segq = m->m_nextpkt;
			m->m_nextpkt = NULL;
			m_freem(m);
		}
		tcp_embryos_free(tp);
		tp->t_flags &= ~TF_SACKRECOVERY;
		tcp_sack_free(tp);
		mutex_exit(&so->so_lock);
		kcont_halt(&tp->t_kc);
		kcont_destroy(&tp->t_kc);
		kmem_free(tp, sizeof(*tp));
		TCPSTAT_INC(tb, tcbfreed);
		sofree(so);
	}
}

/* --- replies outside a connection --------------------------------------- */

void
tcp_respond(struct tcp_brane *tb, struct in_addr laddr, in_port_t lport,
    struct in_addr faddr, in_port_t fport, tcp_seq seq, tcp_seq ack,
    int flags)
{
	const int hlen = (int)(sizeof(struct ip) + sizeof(struct tcphdr));
	struct mbuf *m;
	struct ip *ip;
	struct tcphdr *th;

	if ((m = m_gethdr(M_DONTWAIT, MT_HEADER)) == NULL)
		return;
	m_align(m, hlen);
	m->m_len = m->m_pkthdr.len = hlen;
	ip = mtod(m, struct ip *);
	memset(ip, 0, (size_t)hlen);
	ip->ip_vhl = IP_VHL(IPVERSION, sizeof(*ip));
	ip->ip_len = htons((uint16_t)hlen);
	ip->ip_p = IPPROTO_TCP;
	ip->ip_src = laddr;
	ip->ip_dst = faddr;
	th = (struct tcphdr *)(ip + 1);
	th->th_sport = lport;
	th->th_dport = fport;
	th->th_seq = htonl(seq);
	th->th_ack = htonl(ack);
	th->th_off = (sizeof(*th) >> 2) << 4;
	th->th_flags = (uint8_t)flags;
	th->th_sum = (uint16_t)in4_cksum(m, IPPROTO_TCP, sizeof(*ip),
	    (int)sizeof(*th));
	TCPSTAT_INC(tb, sndtotal);
	if (flags & TH_RST)
		TCPSTAT_INC(tb, sndrst);
	(void)ip_output(tb->tb_brane, m, 0);
}

/* --- options ----------------------------------------------------------- */

/*
 * Parse len bytes of options at cp.  Every length is checked against
 * what is left before a byte is read; MSS, window scale and
 * SACK-permitted count only on a SYN, SACK blocks only on any other
 * segment (the first SACK option's; a SACK option's length must be
 * 2 + 8n, n = 1..4).  => 0, or EINVAL (malformed: the segment is
 * dropped)
 */
int
tcp_opts_parse(const uint8_t *cp, int len, bool syn, struct tcp_opts *to)
{
	int optlen;

	memset(to, 0, sizeof(*to));
	to->to_wscale = -1;
	for (; len > 0; cp += optlen, len -= optlen) {
		if (cp[0] == TCPOPT_EOL)
			break;
		if (cp[0] == TCPOPT_NOP) {
			optlen = 1;
			continue;
		}
		if (len < 2)
			return EINVAL;
		optlen = cp[1];
		if (optlen < 2 || optlen > len)
			return EINVAL;
		switch (cp[0]) {
		case TCPOPT_MAXSEG:
			if (optlen != TCPOLEN_MAXSEG)
				return EINVAL;
			if (syn)
				to->to_mss = (uint16_t)(cp[2] << 8 | cp[3]);
			break;
		case TCPOPT_WINDOW:
			if (optlen != TCPOLEN_WINDOW)
				return EINVAL;
			if (syn)
				to->to_wscale = (int8_t)MIN(cp[2],
				    TCP_MAX_WINSHIFT);
			break;
		case TCPOPT_TIMESTAMP:
			if (optlen != TCPOLEN_TIMESTAMP)
				return EINVAL;
			to->to_ts = true;
			to->to_tsval = (uint32_t)cp[2] << 24 |
			    (uint32_t)cp[3] << 16 | (uint32_t)cp[4] << 8 | cp[5];
			to->to_tsecr = (uint32_t)cp[6] << 24 |
			    (uint32_t)cp[7] << 16 | (uint32_t)cp[8] << 8 | cp[9];
			break;
		case TCPOPT_SACK_PERMITTED:
			if (optlen != TCPOLEN_SACK_PERMITTED)
				return EINVAL;
			if (syn)
				to->to_sackok = true;
			break;
		case TCPOPT_SACK:
			if (optlen < 2 + 8 || (optlen - 2) % 8 != 0)
				return EINVAL;
			CTASSERT((TCP_MAXOLEN - 2) / 8 == TCP_SACK_OPT_MAX);
			KASSERT((optlen - 2) / 8 <= TCP_SACK_OPT_MAX);
			if (syn || to->to_nsack != 0)
				break;
			for (int i = 0; i < (optlen - 2) / 8; i++) {
				const uint8_t *b = cp + 2 + 8 * i;

				to->to_sack[i].start = (uint32_t)b[0] << 24 |
				    (uint32_t)b[1] << 16 |
				    (uint32_t)b[2] << 8 | b[3];
				to->to_sack[i].end = (uint32_t)b[4] << 24 |
				    (uint32_t)b[5] << 16 |
				    (uint32_t)b[6] << 8 | b[7];
			}
			to->to_nsack = (uint8_t)((optlen - 2) / 8);
			break;
		default:
			break;          /* the rest: skipped */
		}
	}
	return 0;
}

/* --- the socket's entry points ------------------------------------------- */

static struct tcpcb *
tcp_pcb(const struct socket *so)
{
	const struct inpcb *inp;

	KASSERT(mutex_owned(&so->so_lock));
	KASSERT(so->so_pcb != NULL);
	inp = so->so_pcb;
	return inp->inp_ppcb;
}

int
tcp_attach(struct socket *so, int proto)
{
	struct tcp_brane *tb = tcp_brane(so->so_brane);
	struct inpcb *inp;

	KASSERT(so->so_pcb == NULL);
	(void)proto;
	inp = in_pcballoc(&tb->tb_table, so);
	inp->inp_ppcb = tcp_newtcpcb(tb, so, inp);
	so->so_pcb = inp;
	return 0;
}

/*
 * The owner closes.  The connection goes on (a FIN to send and have
 * acked, TIME_WAIT) or, if it never got going, ends now; either way
 * the socket is the reaper's to free.
 */
void
tcp_detach(struct socket *so)
{
	struct tcpcb *tp = tcp_pcb(so);

	so->so_state |= SS_NOFDREF;
	switch (tp->t_state) {
	case TCPS_CLOSED:
	case TCPS_LISTEN:
	case TCPS_SYN_SENT:
		tcp_close(tp);
		break;
	default:
		if (so->so_rcv.sb_cc > 0) {
			/* Unread data: reset (RFC 9293 3.10.4, BSD). */
			tcp_drop(tp, 0);
			break;
		}
		(void)tcp_shutdown(so);
		if (tp->t_state == TCPS_FIN_WAIT_2)
			tcp_timer_arm(tp, TCPT_2MSL,
			    2 * tp->t_tb->tb_conf.msl_ms);
		break;
	}
}

int
tcp_bind(struct socket *so, const struct sockaddr *nam)
{
	const struct sockaddr_in *sin;
	int error;

	if ((error = sockaddr_in_check(nam, &sin)) != 0)
		return error;
	if (tcp_pcb(so)->t_state != TCPS_CLOSED)
		return EINVAL;
	return in_pcbbind(so->so_pcb, so->so_brane, sin);
}

int
tcp_listen(struct socket *so, int backlog)
{
	struct tcpcb *tp = tcp_pcb(so);
	struct inpcb *inp = so->so_pcb;
	int error;

	(void)backlog;
	if (tp->t_state != TCPS_CLOSED && tp->t_state != TCPS_LISTEN)
		return EINVAL;
	if (inp->inp_lport == 0 &&
	    (error = in_pcbbind(inp, so->so_brane, NULL)) != 0)
		return error;
	tp->t_state = TCPS_LISTEN;
	return 0;
}

int
tcp_connect(struct socket *so, const struct sockaddr *nam)
{
	struct tcpcb *tp = tcp_pcb(so);
	struct inpcb *inp = so->so_pcb;
	struct tcp_brane *tb = tp->t_tb;
	const struct sockaddr_in *sin;
	int error;

	if ((error = sockaddr_in_check(nam, &sin)) != 0)
		return error;
	if (tp->t_state != TCPS_CLOSED || (so->so_state & SS_NOFDREF) ||
	    inp->inp_faddr.s_addr != INADDR_ANY)
		return EISCONN;
	if ((error = in_pcbconnect(inp, so->so_brane, sin)) != 0)
		return error;
	tp->request_r_scale = tcp_rscale(so->so_rcv.sb_hiwat);
	tp->iss = tcp_new_iss(tb, inp->inp_laddr, inp->inp_lport,
	    inp->inp_faddr, inp->inp_fport);
	tp->snd_una = tp->snd_nxt = tp->snd_max = tp->snd_recover = tp->iss;
	tp->t_state = TCPS_SYN_SENT;
	so->so_state |= SS_ISCONNECTING;
	TCPSTAT_INC(tb, connattempt);
	tcp_timer_arm(tp, TCPT_KEEP, tb->tb_conf.rto_init_ms *
	    ((1u << tb->tb_conf.synrexmits) - 1) + tb->tb_conf.rto_init_ms);
	return tcp_output(tp);
}

int
tcp_disconnect(struct socket *so)
{
	(void)so;
	return EOPNOTSUPP;
}

/* Queue the owner's bytes and send what the windows allow. */
int
tcp_send(struct socket *so, struct mbuf *m, const struct sockaddr *to)
{
	struct tcpcb *tp = tcp_pcb(so);

	if (to != NULL) {
		m_freem(m);
		return EISCONN;
	}
	if (tp->t_state != TCPS_ESTABLISHED &&
	    tp->t_state != TCPS_CLOSE_WAIT) {
		m_freem(m);
		return tp->t_state == TCPS_CLOSED ? ECONNRESET : EPIPE;
	}
	sbappend_stream(&so->so_snd, m);
	return tcp_output(tp);
}

/* The owner took data: a window update may be due. */
void
tcp_usrread(struct socket *so)
{
	struct tcpcb *tp = tcp_pcb(so);

	if (TCPS_HAVEESTABLISHED(tp->t_state) && tp->t_state != TCPS_CLOSED)
		(void)tcp_output(tp);
}

/* The sending side is done: a FIN after the data (RFC 9293 3.10.4). */
int
tcp_shutdown(struct socket *so)
{
	struct tcpcb *tp = tcp_pcb(so);

	so->so_state |= SS_CANTSENDMORE;
	switch (tp->t_state) {
	case TCPS_CLOSED:
	case TCPS_LISTEN:
	case TCPS_SYN_SENT:
		tcp_close(tp);
		return 0;
	case TCPS_SYN_RECEIVED:
	case TCPS_ESTABLISHED:
		tp->t_state = TCPS_FIN_WAIT_1;
		break;
	case TCPS_CLOSE_WAIT:
		tp->t_state = TCPS_LAST_ACK;
		break;
	default:
		return 0;               /* the FIN is on its way */
	}
	tp->t_flags |= TF_WANTFIN;
	return tcp_output(tp);
}

int
tcp_sockaddr(struct socket *so, struct sockaddr *sa, bool peer)
{
	struct inpcb *inp = so->so_pcb;

	KASSERT(mutex_owned(&so->so_lock));
	if (inp == NULL)
		return EINVAL;
	if (peer)
		sockaddr_in_init((struct sockaddr_in *)(void *)sa,
		    inp->inp_faddr, inp->inp_fport);
	else
		sockaddr_in_init((struct sockaddr_in *)(void *)sa,
		    inp->inp_laddr, inp->inp_lport);
	return 0;
}

static int
tcp_optint(const struct sockopt *sopt, int *v)
{
	if (sopt->sopt_data == NULL || sopt->sopt_size != sizeof(int))
		return EINVAL;
	memcpy(v, sopt->sopt_data, sizeof(int));
	return 0;
}

int
tcp_setopt(struct socket *so, struct sockopt *sopt)
{
	struct tcpcb *tp = tcp_pcb(so);
	const struct tcp_cc_ops *cc;
	char name[TCP_CC_NAME_MAX];
	int error, v;

	if (sopt->sopt_level != IPPROTO_TCP)
		return ENOPROTOOPT;
	switch (sopt->sopt_name) {
	case TCP_NODELAY:
		if ((error = tcp_optint(sopt, &v)) != 0)
			return error;
		if (v)
			tp->t_flags |= TF_NODELAY;
		else
			tp->t_flags &= ~TF_NODELAY;
		return 0;
	case TCP_MAXSEG:
		if ((error = tcp_optint(sopt, &v)) != 0)
			return error;
		if (v < 64 || v > 65535 - 40)
			return EINVAL;
		if (TCPS_HAVEESTABLISHED(tp->t_state)) {
			if ((uint32_t)v < tp->t_maxseg)
				tp->t_maxseg = (uint16_t)v;
		} else
			tp->t_peermss = (uint16_t)v;    /* caps the MSS later */
		return 0;
	case TCP_SACK:
		if ((error = tcp_optint(sopt, &v)) != 0)
			return error;
		if (tp->t_state != TCPS_CLOSED)
			return EISCONN;         /* the SYN said already */
		if (v)
			tp->t_flags |= TF_REQ_SACK;
		else
			tp->t_flags &= ~TF_REQ_SACK;
		return 0;
	case TCP_TLP:
		if ((error = tcp_optint(sopt, &v)) != 0)
			return error;
		if (v)
			tp->t_flags |= TF_TLP;
		else
			tp->t_flags &= ~TF_TLP;
		return 0;
	case TCP_KEEPIDLE:
	case TCP_KEEPINTVL:
		if ((error = tcp_optint(sopt, &v)) != 0)
			return error;
		if (v < 1 || v > 86400)
			return EINVAL;
		if (sopt->sopt_name == TCP_KEEPIDLE)
			tp->t_keepidle_ms = (uint32_t)v * 1000;
		else
			tp->t_keepintvl_ms = (uint32_t)v * 1000;
		return 0;
	case TCP_CONGESTION:
		if (sopt->sopt_data == NULL || sopt->sopt_size == 0 ||
		    sopt->sopt_size > sizeof(name))
			return EINVAL;
		memset(name, 0, sizeof(name));
		memcpy(name, sopt->sopt_data, sopt->sopt_size);
		name[sizeof(name) - 1] = '\0';
		if ((cc = tcp_cc_lookup(name)) == NULL)
			return ENOENT;          /* no such controller */
		if (TCPS_HAVEESTABLISHED(tp->t_state) && cc != tp->t_cc) {
			tp->t_cc = cc;
			memset(tp->t_ccv.priv, 0, sizeof(tp->t_ccv.priv));
			(*cc->cc_init)(&tp->t_ccv);
		}
		tp->t_cc = cc;
		return 0;
	default:
		return ENOPROTOOPT;
	}
}

int
tcp_getopt(struct socket *so, struct sockopt *sopt)
{
	struct tcpcb *tp = tcp_pcb(so);
	struct tcp_info ti;
	int v;

	if (sopt->sopt_level != IPPROTO_TCP)
		return ENOPROTOOPT;
	switch (sopt->sopt_name) {
	case TCP_NODELAY:
	case TCP_MAXSEG:
	case TCP_KEEPIDLE:
	case TCP_KEEPINTVL:
	case TCP_SACK:
	case TCP_TLP:
		if (sopt->sopt_data == NULL || sopt->sopt_size != sizeof(int))
			return EINVAL;
		if (sopt->sopt_name == TCP_NODELAY)
			v = (tp->t_flags & TF_NODELAY) != 0;
		else if (sopt->sopt_name == TCP_SACK)
			v = (tp->t_flags & TF_REQ_SACK) != 0;
		else if (sopt->sopt_name == TCP_TLP)
			v = (tp->t_flags & TF_TLP) != 0;
		else if (sopt->sopt_name == TCP_MAXSEG)
			v = tp->t_maxseg;
		else if (sopt->sopt_name == TCP_KEEPIDLE)
			v = (int)(tcp_keepidle_ms(tp) / 1000);
		else
			v = (int)(tcp_keepintvl_ms(tp) / 1000);
		memcpy(sopt->sopt_data, &v, sizeof(v));
		return 0;
	case TCP_CONGESTION:
		if (sopt->sopt_data == NULL ||
		    sopt->sopt_size < strlen(tp->t_cc->name) + 1)
			return EINVAL;
		sopt->sopt_size = strlen(tp->t_cc->name) + 1;
		memcpy(sopt->sopt_data, tp->t_cc->name, sopt->sopt_size);
		return 0;
	case TCP_INFO:
		if (sopt->sopt_data == NULL || sopt->sopt_size != sizeof(ti))
			return EINVAL;
		memset(&ti, 0, sizeof(ti));
		ti.tcpi_state = tp->t_state;
		ti.tcpi_snd_mss = tp->t_maxseg;
		ti.tcpi_snd_cwnd = tp->t_ccv.cwnd;
		ti.tcpi_snd_ssthresh = tp->t_ccv.ssthresh;
		ti.tcpi_rto_us = tcp_rto_ms(tp) * 1000;
		ti.tcpi_rtt_us = (uint32_t)(tp->t_ccv.srtt_ns / 1000);
		ti.tcpi_rttvar_us = (uint32_t)(tp->t_rttvar / 1000);
		ti.tcpi_snd_wscale = tp->snd_scale;
		ti.tcpi_rcv_wscale = tp->rcv_scale;
		if (tp->t_flags & TF_RCVD_TSTMP)
			ti.tcpi_options |= TCPI_OPT_TIMESTAMPS;
		if (tp->t_flags & TF_RCVD_SCALE)
			ti.tcpi_options |= TCPI_OPT_WSCALE;
		if (tp->t_flags & TF_SACK_PERMIT)
			ti.tcpi_options |= TCPI_OPT_SACK;
		ti.tcpi_rexmits = tp->t_nrexmits;
		ti.tcpi_timeouts = tp->t_ntimeouts;
		memcpy(sopt->sopt_data, &ti, sizeof(ti));
		return 0;
	default:
		return ENOPROTOOPT;
	}
}

/* ICMP errors: a connection being set up hears of an unreachable peer. */
void
tcp_ctlinput(struct brane *br, int cmd, const struct sockaddr *sa,
    const void *hdr)
{
	(void)br;
	(void)cmd;
	(void)sa;
	(void)hdr;
	/* Soft errors only (RFC 5461): TCP's own timers decide. */
}
