/*
 * tcp_syncache.c -- the brane's syncache and SYN cookies (tcp_syncache.h
 * says what and when; FreeBSD's tcp_syncache.c is the model).
 *
 * An entry is a struct tcp_embryo (the core's own half-open record:
 * addresses, ports, ISS/IRS, the peer's MSS, window scale and timestamp)
 * plus what the SYN-ACK needs without the listener -- its port, the shift
 * and window offered -- and whether the peer offered SACK: well under
 * SYNCACHE_ENTRY_MAX bytes.  Entries hang in SYNCACHE_HASHSIZE buckets,
 * chosen by a keyed hash of the four-tuple with the brane's secret (never
 * by a pointer), each bucket with its own lock and continuation: the
 * continuation runs at the bucket's earliest deadline, resends what is
 * due with the core's backoff (rto_init << tries) and frees entries
 * after tcp_conf.synrexmits tries.
 *
 * A SYN cookie (RFC 4987 3.6, Bernstein's layout) is the ISS of a SYN-ACK
 * sent with no state kept:
 *
 *	bits 31..27  t mod 32, t = virtual time / SC_COOKIE_PERIOD_NS
 *	bits 26..24  an index into sc_msstab: the largest MSS <= the peer's
 *	bits 23..0   24 bits of a keyed hash of (laddr, faddr, lport, fport,
 *	             the peer's ISN, t, the MSS index) with the brane's secret
 *
 * An ACK that matches no entry is checked as a cookie: ack - 1 must have
 * a t of now or the period before and the right hash for its own fields;
 * then the connection is made from the ACK alone (no window scaling, no
 * timestamps, no SACK: the cookie has no room for them, as in the
 * original).  The keyed hash is SipHash-2-4 (Aumasson and Bernstein,
 * 2012) over whole 64-bit words, written here from the paper's
 * description: netsim links no crypto library.
 *
 * Never: a pointer, the clock of the real machine, or a table's iteration
 * order in a decision; a send or a socket made under a bucket lock.
 */
#include <sys/kern.h>
#include <sys/atomic.h>
#include <sys/evcnt.h>
#include <sys/kmem.h>
#include <sys/mutex.h>
#include <sys/netconf.h>

#include <kern/kcont.h>
#include <kern/ksocket.h>
#include <kern/mbuf.h>

#include <string.h>

#include <net/brane.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <netinet/tcp_syncache.h>
#include <netinet/tcp_var.h>

#define SCSTAT_LIST(X)                                                  \
	X(syns, "SYNs to a listener")                                  \
	X(added, "entries made")                                       \
	X(dupsyn, "a SYN again for an entry: its SYN-ACK resent")      \
	X(cookies_sent, "SYNs answered with a cookie (table or bucket " \
	    "full, or no memory)")                                     \
	X(qfull, "SYNs dropped: the accept queue was full")            \
	X(rexmit, "SYN-ACKs resent by a bucket's continuation")        \
	X(completed, "entries whose ACK made a connection")            \
	X(expired, "entries given up: unanswered after synrexmits")    \
	X(dropped, "entries removed by a reset or with the brane")     \
	X(acks, "ACKs to a listener (no SYN, no RST)")                 \
	X(badack, "ACKs for an entry with the wrong numbers: reset")   \
	X(cookies_ok, "ACKs with a valid cookie: a connection made")   \
	X(cookies_bad, "ACKs for no entry and no valid cookie: reset") \
	X(ackqfull, "ACKs dropped: the accept queue was full (the "     \
	    "entry stays)")                                            \
	X(entries, "entries in the table now (a gauge)")

enum scstat_id {
#define SCSTAT_ENUM_(n, d) SCSTAT_##n,
	SCSTAT_LIST(SCSTAT_ENUM_)
#undef SCSTAT_ENUM_
	SCSTAT_N
};

static const char *const scstat_names[SCSTAT_N] = {
#define SCSTAT_NAME_(n, d) "sc_" #n,
	SCSTAT_LIST(SCSTAT_NAME_)
#undef SCSTAT_NAME_
};

/* Cookies: a period, and the MSS values an index names. */
#define SC_COOKIE_PERIOD_NS     (16ull * 1000 * 1000 * 1000)
static const uint16_t sc_msstab[8] = {
	216, 536, 1200, 1360, 1400, 1440, 1452, 1460
};

/* An entry.  Legend: b = its bucket's lock. */
struct syncache_entry {
	struct tcp_embryo sce_te;       /* b; te_next links the bucket */
	u_int sce_win;                  /* the window the SYN-ACK offers */
	in_port_t sce_lport;            /* the listener's port */
	uint8_t sce_rscale;             /* the shift the SYN-ACK offers */
};
CTASSERT(sizeof(struct syncache_entry) <= SYNCACHE_ENTRY_MAX);

/* Legend: c = constant after create, b = scb_lock. */
struct syncache_bucket {
	kmutex_t scb_lock;
	struct syncache_entry *scb_head;        /* b: newest first */
	u_int scb_count;                        /* b */
	int scb_next;                   /* b: ticks the continuation is due,
					   0: not scheduled */
	kcont_t scb_kc;                 /* b (scheduling): the timer */
	struct syncache *scb_sc;        /* c */
};

/* Legend: c = constant after create, a = atomic. */
struct syncache {
	struct tcp_brane *sc_tb;                /* c */
	uint64_t sc_key[2];                     /* c: the brane's secret */
	struct evcnt sc_stat[SCSTAT_N];         /* a */
	struct syncache_bucket sc_bucket[SYNCACHE_HASHSIZE];
};

#define SCSTAT_ADD(sc, n, v)    atomic_add_64_nv(                       \
	&(sc)->sc_stat[SCSTAT_##n].ev_count, (int64_t)(v))
#define SCSTAT_INC(sc, n)       ((void)SCSTAT_ADD(sc, n, 1))

/* --- the keyed hash ----------------------------------------------------- */

#define SC_ROTL(x, b)   (((x) << (b)) | ((x) >> (64 - (b))))

static void
sc_sipround(uint64_t v[4])
{
	v[0] += v[1]; v[1] = SC_ROTL(v[1], 13); v[1] ^= v[0];
	v[0] = SC_ROTL(v[0], 32);
	v[2] += v[3]; v[3] = SC_ROTL(v[3], 16); v[3] ^= v[2];
	v[0] += v[3]; v[3] = SC_ROTL(v[3], 21); v[3] ^= v[0];
	v[2] += v[1]; v[1] = SC_ROTL(v[1], 17); v[1] ^= v[2];
	v[2] = SC_ROTL(v[2], 32);
}

/* SipHash-2-4 of n 64-bit words under key k. */
static uint64_t
sc_siphash(const uint64_t k[2], const uint64_t *w, u_int n)
{
	uint64_t v[4] = {
		k[0] ^ 0x736f6d6570736575ull, k[1] ^ 0x646f72616e646f6dull,
		k[0] ^ 0x6c7967656e657261ull, k[1] ^ 0x7465646279746573ull,
	};
	uint64_t b = (uint64_t)(8 * n) << 56;

	KASSERT(n <= 31);
	for (u_int i = 0; i < n; i++) {
		v[3] ^= w[i];
		sc_sipround(v);
		sc_sipround(v);
		v[0] ^= w[i];
	}
	v[3] ^= b;
	sc_sipround(v);
	sc_sipround(v);
	v[0] ^= b;
	v[2] ^= 0xff;
	for (int i = 0; i < 4; i++)
		sc_sipround(v);
	return v[0] ^ v[1] ^ v[2] ^ v[3];
}

static struct syncache_bucket *
sc_bucket(struct syncache *sc, struct in_addr laddr, in_port_t lport,
    struct in_addr faddr, in_port_t fport)
{
	uint64_t w[2] = {
		(uint64_t)laddr.s_addr << 32 | faddr.s_addr,
		(uint64_t)lport << 16 | fport,          /* word 2's top: 0 */
	};

	return &sc->sc_bucket[sc_siphash(sc->sc_key, w, 2) &
	    (SYNCACHE_HASHSIZE - 1)];
}

/* 24 bits of the cookie's hash. */
static uint32_t
sc_cookie_hash(const struct syncache *sc, const struct tcp_seg *sg,
    tcp_seq irs, uint64_t t, u_int mssidx)
{
	uint64_t w[3] = {
		(uint64_t)sg->dst.s_addr << 32 | sg->src.s_addr,
		(uint64_t)1 << 63 | (uint64_t)sg->dport << 48 |
		    (uint64_t)sg->sport << 32 | irs,
		t << 3 | mssidx,
	};

	return (uint32_t)sc_siphash(sc->sc_key, w, 3) & 0xffffff;
}

static tcp_seq
sc_cookie_make(const struct syncache *sc, const struct tcp_seg *sg,
    u_int mssidx)
{
	uint64_t t = getnanouptime() / SC_COOKIE_PERIOD_NS;

	KASSERT(mssidx < __arraycount(sc_msstab));
	return (tcp_seq)((t & 31) << 27 | (uint64_t)mssidx << 24 |
	    sc_cookie_hash(sc, sg, sg->seq, t, mssidx));
}

/*
 * Is ack - 1 a cookie of ours for this segment (its ISN seq - 1), made
 * this period or the one before?
 * => true with *mssidx set
 */
static bool
sc_cookie_check(const struct syncache *sc, const struct tcp_seg *sg,
    u_int *mssidx)
{
	tcp_seq cookie = sg->ack - 1;
	uint64_t now = getnanouptime() / SC_COOKIE_PERIOD_NS, t;
	u_int idx = (cookie >> 24) & 7;

	for (uint64_t age = 0; age <= 1 && age <= now; age++) {
		t = now - age;
		if ((t & 31) != cookie >> 27)
			continue;
		if (sc_cookie_hash(sc, sg, sg->seq - 1, t, idx) ==
		    (cookie & 0xffffff)) {
			*mssidx = idx;
			return true;
		}
	}
	return false;
}

static u_int
sc_mss_index(uint16_t peermss)
{
	u_int i = __arraycount(sc_msstab) - 1;

	if (peermss == 0)
		peermss = TCP_MSS_DEFAULT;
	while (i > 0 && sc_msstab[i] > peermss)
		i--;
	return i;
}

/* --- set up and tear down ------------------------------------------------- */

bool
syncache_wanted(const struct brane *br)
{
	const struct netconf *nc = netconf();

	for (u_int i = 0; i < nc->nc_nbranes; i++)
		if (strcmp(nc->nc_branes[i].nb_name, br->br_name) == 0)
			return nc->nc_branes[i].nb_syncache;
	return false;
}

static void syncache_timer(void *);

struct syncache *
syncache_create(struct tcp_brane *tb)
{
	struct syncache *sc = kmem_zalloc(sizeof(*sc), KM_SLEEP);
	cprng_stream_t rng;
	char name[40];

	sc->sc_tb = tb;
	brane_group(tb->tb_brane, "tcp.sc.", name, sizeof(name));
	cprng_stream_init(&rng, name);
	sc->sc_key[0] = cprng_stream64(&rng);
	sc->sc_key[1] = cprng_stream64(&rng);
	for (u_int i = 0; i < SYNCACHE_HASHSIZE; i++) {
		struct syncache_bucket *b = &sc->sc_bucket[i];

		mutex_init(&b->scb_lock, MUTEX_DEFAULT, IPL_NONE);
		kcont_init(&b->scb_kc, syncache_timer, b, KCONT_SOFTCLOCK);
		b->scb_sc = sc;
	}
	for (u_int i = 0; i < SCSTAT_N; i++)
		evcnt_attach_dynamic(&sc->sc_stat[i], EVCNT_TYPE_MISC, NULL,
		    tb->tb_group, scstat_names[i]);
	return sc;
}

void
syncache_destroy(struct syncache *sc)
{
	struct syncache_entry *sce;

	if (sc == NULL)
		return;
	for (u_int i = 0; i < SYNCACHE_HASHSIZE; i++) {
		struct syncache_bucket *b = &sc->sc_bucket[i];

		kcont_halt(&b->scb_kc);
		mutex_enter(&b->scb_lock);
		while ((sce = b->scb_head) != NULL) {
			b->scb_head = (struct syncache_entry *)sce->sce_te.te_next;
			b->scb_count--;
			SCSTAT_INC(sc, dropped);
			SCSTAT_ADD(sc, entries, -1);
			kmem_free(sce, sizeof(*sce));
		}
		KASSERT(b->scb_count == 0);
		mutex_exit(&b->scb_lock);
		kcont_destroy(&b->scb_kc);
		mutex_destroy(&b->scb_lock);
	}
	KASSERTMSG(sc->sc_stat[SCSTAT_entries].ev_count == 0,
	    "syncache: %llu entries left", (unsigned long long)
	    sc->sc_stat[SCSTAT_entries].ev_count);
	for (u_int i = 0; i < SCSTAT_N; i++)
		evcnt_detach(&sc->sc_stat[i]);
	kmem_free(sc, sizeof(*sc));
}

/* --- the bucket's timer ----------------------------------------------------- */

static void
sc_send(struct syncache *sc, const struct syncache_entry *sce)
{
	tcp_synack_output(sc->sc_tb, &sce->sce_te, sce->sce_lport,
	    sce->sce_rscale, sce->sce_win);
}

/* Run the continuation at deadline (ticks) if nothing is due sooner. */
static void
sc_timer_at(struct syncache_bucket *b, int deadline)
{
	KASSERT(mutex_owned(&b->scb_lock));
	if (b->scb_next != 0 && b->scb_next - deadline <= 0)
		return;
	b->scb_next = deadline;
	(void)kcont_schedule(&b->scb_kc, MAX(deadline - getticks(), 1));
}

/* Resend what is due, give up on the silent; SYN-ACKs sent unlocked. */
static void
syncache_timer(void *arg)
{
	struct syncache_bucket *b = arg;
	struct syncache *sc = b->scb_sc;
	const struct tcp_conf *tc = &sc->sc_tb->tb_conf;
	struct syncache_entry resend[SYNCACHE_BUCKETLIMIT], *sce, **pp;
	u_int nresend = 0;
	int now = getticks(), next = 0;

	mutex_enter(&b->scb_lock);
	b->scb_next = 0;
	for (pp = &b->scb_head; (sce = *pp) != NULL; ) {
		struct tcp_embryo *te = &sce->sce_te;

		if (te->te_deadline - now <= 0) {
			if (++te->te_rexmits > tc->synrexmits) {
				*pp = (struct syncache_entry *)te->te_next;
				b->scb_count--;
				SCSTAT_INC(sc, expired);
				SCSTAT_ADD(sc, entries, -1);
				TCPSTAT_INC(sc->sc_tb, conndrops);
				kmem_free(sce, sizeof(*sce));
				continue;
			}
			KASSERT(nresend < __arraycount(resend));
			resend[nresend++] = *sce;
			te->te_deadline = now + mstohz((int)(tc->rto_init_ms <<
			    te->te_rexmits));
		}
		if (next == 0 || te->te_deadline - next < 0)
			next = te->te_deadline;
		pp = (struct syncache_entry **)&te->te_next;
	}
	if (next != 0)
		sc_timer_at(b, next);
	mutex_exit(&b->scb_lock);
	for (u_int i = 0; i < nresend; i++) {
		SCSTAT_INC(sc, rexmit);
		TCPSTAT_INC(sc->sc_tb, sndrexmitpack);
		sc_send(sc, &resend[i]);
	}
}

/* --- segments to a listener ------------------------------------------------ */

/* => b's lock held; returns the entry and where it hangs, or NULL */
static struct syncache_entry *
sc_lookup(struct syncache_bucket *b, const struct tcp_seg *sg,
    struct syncache_entry ***ppp)
{
	struct syncache_entry **pp, *sce;

	KASSERT(mutex_owned(&b->scb_lock));
	for (pp = &b->scb_head; (sce = *pp) != NULL;
	    pp = (struct syncache_entry **)&sce->sce_te.te_next) {
		const struct tcp_embryo *te = &sce->sce_te;

		if (te->te_faddr.s_addr == sg->src.s_addr &&
		    te->te_fport == sg->sport &&
		    te->te_laddr.s_addr == sg->dst.s_addr &&
		    sce->sce_lport == sg->dport)
			break;
	}
	*ppp = pp;
	return sce;
}

static void
sc_reset(struct tcp_brane *tb, const struct tcp_seg *sg)
{
	tcp_respond(tb, sg->dst, sg->dport, sg->src, sg->sport, sg->ack, 0,
	    TH_RST);
}

/* The handshake's ACK: from an entry, or from a cookie. */
static void
sc_ack(struct syncache *sc, struct syncache_bucket *b, struct tcpcb *lp,
    struct mbuf *m, const struct tcp_seg *sg)
{
	struct tcp_brane *tb = sc->sc_tb;
	struct socket *head = lp->t_so;
	struct syncache_entry *sce, **pp;
	struct tcp_embryo te;
	u_int mssidx;

	SCSTAT_INC(sc, acks);
	mutex_enter(&b->scb_lock);
	if ((sce = sc_lookup(b, sg, &pp)) != NULL) {
		if (sg->ack != sce->sce_te.te_iss + 1 ||
		    sg->seq != sce->sce_te.te_irs + 1) {
			mutex_exit(&b->scb_lock);
			SCSTAT_INC(sc, badack);
			sc_reset(tb, sg);
			goto drop;
		}
		if (head->so_qlen >= head->so_qlimit) {
			mutex_exit(&b->scb_lock);
			SCSTAT_INC(sc, ackqfull);
			TCPSTAT_INC(tb, listendrop);
			goto drop;      /* the peer resends; maybe room then */
		}
		*pp = (struct syncache_entry *)sce->sce_te.te_next;
		b->scb_count--;
		mutex_exit(&b->scb_lock);
		te = sce->sce_te;
		kmem_free(sce, sizeof(*sce));
		SCSTAT_INC(sc, completed);
		SCSTAT_ADD(sc, entries, -1);
		TCPSTAT_INC(tb, processed);
		tcp_embryo_complete(lp, &te, m, sg);
		return;
	}
	mutex_exit(&b->scb_lock);
	if (!sc_cookie_check(sc, sg, &mssidx)) {
		SCSTAT_INC(sc, cookies_bad);
		sc_reset(tb, sg);
		goto drop;
	}
	if (head->so_qlen >= head->so_qlimit) {
		SCSTAT_INC(sc, ackqfull);
		TCPSTAT_INC(tb, listendrop);
		goto drop;
	}
	memset(&te, 0, sizeof(te));
	te.te_laddr = sg->dst;
	te.te_faddr = sg->src;
	te.te_fport = sg->sport;
	te.te_iss = sg->ack - 1;
	te.te_irs = sg->seq - 1;
	te.te_mss = sc_msstab[mssidx];
	te.te_win = sg->win;
	te.te_wscale = -1;
	te.te_ts = false;
	SCSTAT_INC(sc, cookies_ok);
	TCPSTAT_INC(tb, accepts);
	TCPSTAT_INC(tb, processed);
	tcp_embryo_complete(lp, &te, m, sg);
	return;
drop:
	TCPSTAT_INC(tb, dropped);
	m_freem(m);
}

/* A SYN: an entry and its SYN-ACK, or a cookie. */
static void
sc_syn(struct syncache *sc, struct syncache_bucket *b, struct tcpcb *lp,
    const struct tcp_seg *sg)
{
	struct tcp_brane *tb = sc->sc_tb;
	struct socket *head = lp->t_so;
	struct syncache_entry *sce, *nsce, **pp, copy;
	struct tcp_embryo cte;
	uint64_t n;

	SCSTAT_INC(sc, syns);
	if (head->so_qlen >= head->so_qlimit) {
		SCSTAT_INC(sc, qfull);
		TCPSTAT_INC(tb, listendrop);
		TCPSTAT_INC(tb, dropped);
		return;
	}
	lp->request_r_scale = tcp_rscale(head->so_rcv.sb_hiwat);
	nsce = kmem_zalloc(sizeof(*nsce), KM_NOSLEEP);
	mutex_enter(&b->scb_lock);
	if ((sce = sc_lookup(b, sg, &pp)) != NULL) {
		/* The SYN again (ours was lost?): answer again. */
		copy = *sce;
		mutex_exit(&b->scb_lock);
		if (nsce != NULL)
			kmem_free(nsce, sizeof(*nsce));
		SCSTAT_INC(sc, dupsyn);
		sc_send(sc, &copy);
		TCPSTAT_INC(tb, dropped);
		return;
	}
	n = SCSTAT_ADD(sc, entries, 1);
	if (nsce == NULL || b->scb_count >= SYNCACHE_BUCKETLIMIT ||
	    n > SYNCACHE_LIMIT) {
		/* Full (or no memory): a cookie, no state. */
		mutex_exit(&b->scb_lock);
		SCSTAT_ADD(sc, entries, -1);
		if (nsce != NULL)
			kmem_free(nsce, sizeof(*nsce));
		memset(&cte, 0, sizeof(cte));
		cte.te_laddr = sg->dst;
		cte.te_faddr = sg->src;
		cte.te_fport = sg->sport;
		cte.te_irs = sg->seq;
		cte.te_iss = sc_cookie_make(sc, sg, sc_mss_index(sg->to.to_mss));
		cte.te_wscale = -1;
		SCSTAT_INC(sc, cookies_sent);
		TCPSTAT_INC(tb, processed);
		tcp_synack_output(tb, &cte, sg->dport, 0,
		    head->so_rcv.sb_hiwat);
		return;
	}
	nsce->sce_te.te_laddr = sg->dst;
	nsce->sce_te.te_faddr = sg->src;
	nsce->sce_te.te_fport = sg->sport;
	nsce->sce_te.te_irs = sg->seq;
	nsce->sce_te.te_iss = tcp_new_iss(tb, sg->dst, sg->dport, sg->src,
	    sg->sport);
	nsce->sce_te.te_mss = sg->to.to_mss;
	nsce->sce_te.te_wscale = sg->to.to_wscale;
	nsce->sce_te.te_ts = sg->to.to_ts;
	nsce->sce_te.te_tsrecent = sg->to.to_tsval;
	nsce->sce_te.te_win = sg->win;
	nsce->sce_te.te_deadline = getticks() +
	    mstohz((int)tb->tb_conf.rto_init_ms);
	nsce->sce_lport = sg->dport;
	nsce->sce_rscale = lp->request_r_scale;
	nsce->sce_win = head->so_rcv.sb_hiwat;
	nsce->sce_te.te_sackok = sg->to.to_sackok &&
	    (lp->t_flags & TF_REQ_SACK);
	nsce->sce_te.te_next = (struct tcp_embryo *)b->scb_head;
	b->scb_head = nsce;
	b->scb_count++;
	sc_timer_at(b, nsce->sce_te.te_deadline);
	copy = *nsce;
	mutex_exit(&b->scb_lock);
	SCSTAT_INC(sc, added);
	TCPSTAT_INC(tb, accepts);
	TCPSTAT_INC(tb, processed);
	sc_send(sc, &copy);
}

void
syncache_segment(struct syncache *sc, struct tcpcb *lp, struct mbuf *m,
    const struct tcp_seg *sg)
{
	struct tcp_brane *tb = sc->sc_tb;
	struct syncache_bucket *b = sc_bucket(sc, sg->dst, sg->dport, sg->src,
	    sg->sport);
	struct syncache_entry *sce, **pp;

	KASSERT(mutex_owned(&lp->t_so->so_lock));
	KASSERT(lp->t_state == TCPS_LISTEN);
	if (sg->flags & TH_RST) {
		mutex_enter(&b->scb_lock);
		sce = sc_lookup(b, sg, &pp);
		if (sce != NULL && sg->seq == sce->sce_te.te_irs + 1) {
			*pp = (struct syncache_entry *)sce->sce_te.te_next;
			b->scb_count--;
		} else
			sce = NULL;
		mutex_exit(&b->scb_lock);
		if (sce != NULL) {
			kmem_free(sce, sizeof(*sce));
			SCSTAT_INC(sc, dropped);
			SCSTAT_ADD(sc, entries, -1);
			TCPSTAT_INC(tb, conndrops);
		}
		goto drop;
	}
	if ((sg->flags & (TH_ACK | TH_SYN)) == (TH_ACK | TH_SYN)) {
		sc_reset(tb, sg);
		goto drop;
	}
	if ((sg->flags & TH_ACK) && tcp_listen_handoff(lp, m, sg))
		return;
	if (sg->flags & TH_ACK) {
		sc_ack(sc, b, lp, m, sg);
		return;
	}
	if (!(sg->flags & TH_SYN))
		goto drop;
	sc_syn(sc, b, lp, sg);
	m_freem(m);
	return;
drop:
	TCPSTAT_INC(tb, dropped);
	m_freem(m);
}
