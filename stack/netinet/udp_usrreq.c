/*
 * udp_usrreq.c -- UDP (RFC 768): demux, lazy receive work, output.
 *
 * udp_input is demux only: it checks the header and the length, finds the
 * PCB with one bucket lookup (in_pcblookup_deliver) and, with the bucket
 * still read-locked, hands the whole packet -- IPv4 header included, so
 * the sender's address travels with it -- to the socket's receive PCQ
 * (so_deliver).  It never takes a socket lock and never verifies the
 * checksum of a datagram a socket wants: that is receive work, done by
 * udp_rcvd (pr_rcvd) on the CPU of the LWP that reads the socket (lazy
 * receive) or of the socket's continuation.  A datagram nobody wants is
 * checked before a port unreachable is sent about it, so a corrupted one
 * is counted as badsum, not answered.
 *
 * Every piece of UDP state is per brane (struct udp_brane, set up by
 * udp_init as the protocol's pr_init): its PCB table and its counters,
 * "udp.<brane>.<name>" (udp_var.h says how they add up).
 *
 * Locking: the socket entry points run with so_lock held (uipc_socket.c);
 * PCB fields are written under the socket lock and the bucket's writer
 * lock, so either lock is enough to read them.  udp_input and
 * udp_ctlinput hold nothing but the bucket's reader lock when they reach
 * a socket.
 */
#include <sys/kern.h>
#include <sys/kmem.h>
#include <sys/mutex.h>
#include <sys/race.h>
#include <sys/sdt.h>

#include <kern/ksocket.h>
#include <kern/mbuf.h>
#include <kern/pcq.h>
#include <kern/protosw.h>

#include <string.h>

#include <net/brane.h>
#include <net/if.h>
#include <netinet/in.h>
#include <netinet/in_cksum.h>
#include <netinet/in_pcb.h>
#include <netinet/ip.h>
#include <netinet/ip_icmp.h>
#include <netinet/ip_var.h>
#include <netinet/route.h>
#include <netinet/udp.h>
#include <netinet/udp_var.h>

#define UDP_HDRS        ((int)(sizeof(struct ip) + sizeof(struct udphdr)))

static const char *const udpstat_names[UDPSTAT_N] = {
#define UDPSTAT_NAME_(n, d) #n,
	UDPSTAT_LIST(UDPSTAT_NAME_)
#undef UDPSTAT_NAME_
};

static struct udp_brane *
udp_brane(const struct brane *br)
{
	KASSERTMSG(br->br_udp != NULL, "brane %s has no UDP", br->br_name);
	return br->br_udp;
}

int
udp_init(void *arg)
{
	struct brane *br = arg;
	struct udp_brane *ub;

	KASSERT(br->br_udp == NULL);
	ub = kmem_zalloc(sizeof(*ub), KM_SLEEP);
	in_pcbtable_init(&ub->ub_table, UDP_PCBHASHSIZE);
	CTASSERT(sizeof(ub->ub_group) >= sizeof("udp.") + BRANE_NAMESZ - 1);
	brane_group(br, "udp.", ub->ub_group, sizeof(ub->ub_group));
	for (u_int i = 0; i < UDPSTAT_N; i++)
		evcnt_attach_dynamic(&ub->ub_stat[i], EVCNT_TYPE_MISC, NULL,
		    ub->ub_group, udpstat_names[i]);
	br->br_udp = ub;
	return 0;
}

int
udp_fini(void *arg)
{
	struct brane *br = arg;
	struct udp_brane *ub = udp_brane(br);

	for (u_int i = 0; i < UDPSTAT_N; i++)
		evcnt_detach(&ub->ub_stat[i]);
	in_pcbtable_fini(&ub->ub_table);
	br->br_udp = NULL;
	kmem_free(ub, sizeof(*ub));
	return 0;
}

/* --- demux ----------------------------------------------------------------- */

struct udp_delivery {
	struct mbuf *ud_m;
	bool ud_taken;
};

/* => the PCB's bucket read-locked: hand over, never block */
static void
udp_deliver(struct inpcb *inp, void *arg)
{
	struct udp_delivery *ud = arg;

	/* Before the put: once on the PCQ a reader may take it at once. */
	SDT_PROBE2(udp, demux, ud->ud_m->m_pkthdr.len, ud->ud_m->m_pkthdr.ph_id);
	ud->ud_taken = so_deliver(inp->inp_socket, ud->ud_m);
}

/* The checksum of the datagram at off (its header says how long) is good. */
static bool
udp_cksum_ok(struct mbuf *m, int off)
{
	const struct udphdr *uh = (const struct udphdr *)(mtod(m, char *) + off);

	if (uh->uh_sum == 0)
		return true;            /* the sender computed none */
	return in4_cksum(m, IPPROTO_UDP, off, ntohs(uh->uh_ulen)) == 0;
}

/* No socket wants the datagram: a port unreachable, unless broadcast. */
static void
udp_noport(struct brane *br, struct udp_brane *ub, struct mbuf *m, int off)
{
	const struct ip *ip = mtod(m, const struct ip *);

	if ((m->m_flags & (M_BCAST | M_MCAST)) != 0 ||
	    ip->ip_dst.s_addr == INADDR_BROADCAST ||
	    in_multicast(ip->ip_dst.s_addr)) {
		UDPSTAT_INC(ub, noportbcast);
		m_freem(m);
		return;
	}
	if (!udp_cksum_ok(m, off)) {
		UDPSTAT_INC(ub, badsum);
		m_freem(m);
		return;
	}
	UDPSTAT_INC(ub, noport);
	icmp_error(br, m, ICMP_UNREACH, ICMP_UNREACH_PORT, 0);
}

/*
 * The length checks: a whole header, and a UDP length that fits the IP
 * packet (a shorter one trims the packet to it).  Returns m, or NULL if
 * it was dropped (and counted).
 */
static struct mbuf *
udp_input_check(struct udp_brane *ub, struct mbuf *m, int off)
{
	const struct udphdr *uh;
	int avail, ulen;

	if (m->m_pkthdr.len < off + (int)sizeof(*uh)) {
		UDPSTAT_INC(ub, hdrops);
		m_freem(m);
		return NULL;
	}
	if (m->m_len < off + (int)sizeof(*uh) &&
	    (m = m_pullup(m, off + (int)sizeof(*uh))) == NULL) {
		UDPSTAT_INC(ub, hdrops);
		return NULL;
	}
	uh = (const struct udphdr *)(mtod(m, char *) + off);
	ulen = ntohs(uh->uh_ulen);
	avail = m->m_pkthdr.len - off;
	if (ulen < (int)sizeof(*uh) || ulen > avail) {
		UDPSTAT_INC(ub, badlen);
		m_freem(m);
		return NULL;
	}
	if (ulen < avail)
		m_adj(m, ulen - avail);
	return m;
}

void
udp_input(struct ifnet *ifp, struct mbuf *m, int off)
{
	struct brane *br = ifp->if_brane;
	struct udp_brane *ub = udp_brane(br);
	struct udp_delivery ud;
	const struct ip *ip;
	const struct udphdr *uh;

	KASSERT(m->m_flags & M_PKTHDR);
	KASSERT(off >= (int)sizeof(struct ip) && m->m_len >= off);
	UDPSTAT_INC(ub, received);
	SDT_PROBE2(udp, input, m->m_pkthdr.len, m->m_pkthdr.ph_id);
	if ((m = udp_input_check(ub, m, off)) == NULL)
		return;
	ip = mtod(m, const struct ip *);
	uh = (const struct udphdr *)(mtod(m, char *) + off);
	ud.ud_m = m;
	ud.ud_taken = false;
	if (!in_pcblookup_deliver(&ub->ub_table, ip->ip_src, uh->uh_sport,
	    ip->ip_dst, uh->uh_dport, udp_deliver, &ud)) {
		udp_noport(br, ub, m, off);
		return;
	}
	if (ud.ud_taken)
		UDPSTAT_INC(ub, delivered);
	else {
		UDPSTAT_INC(ub, fullpcq);
		m_freem(m);
	}
}

/* --- lazy receive ----------------------------------------------------------- */

/* One datagram from the PCQ: check it, strip it, queue it.  => so_lock held */
static void
udp_rcvd_one(struct socket *so, struct udp_brane *ub, struct mbuf *m)
{
	const struct ip *ip = mtod(m, const struct ip *);
	int off = IP_HL(ip);
	const struct udphdr *uh = (const struct udphdr *)(mtod(m, char *) + off);
	struct sockaddr_in from;

	/* Demux made the headers contiguous; nothing changed them since. */
	KASSERT(m->m_len >= off + (int)sizeof(*uh));
	if (!udp_cksum_ok(m, off)) {
		UDPSTAT_INC(ub, badsum);
		m_freem(m);
		return;
	}
	sockaddr_in_init(&from, ip->ip_src, uh->uh_sport);
	m_adj(m, off + (int)sizeof(*uh));
	if (sbappend_dgram(so, (const struct sockaddr *)&from, m))
		UDPSTAT_INC(ub, queued);
	else
		UDPSTAT_INC(ub, fullsock);
}

void
udp_rcvd(struct socket *so, lwp_t *l)
{
	struct udp_brane *ub = udp_brane(so->so_brane);
	struct mbuf *m;

	KASSERT(mutex_owned(&so->so_lock));
	while ((m = pcq_get(so->so_rcvpcq)) != NULL) {
		if (l != NULL)
			UDPSTAT_INC(ub, lazy_lwp);
		else
			UDPSTAT_INC(ub, lazy_kcont);
		udp_rcvd_one(so, ub, m);
	}
}

/* --- the socket's entry points --------------------------------------------- */

static struct inpcb *
udp_pcb(const struct socket *so)
{
	KASSERT(mutex_owned(&so->so_lock));
	KASSERT(so->so_pcb != NULL);
	return so->so_pcb;
}

int
udp_attach(struct socket *so, int proto)
{
	struct udp_brane *ub = udp_brane(so->so_brane);

	KASSERT(mutex_owned(&so->so_lock));
	KASSERT(so->so_pcb == NULL);
	(void)proto;
	so->so_pcb = in_pcballoc(&ub->ub_table, so);
	return 0;
}

void
udp_detach(struct socket *so)
{
	struct udp_brane *ub = udp_brane(so->so_brane);
	u_int n;

	/* Out of the table first: then no demux can queue anything more. */
	in_pcbfree(udp_pcb(so));
	so->so_pcb = NULL;
	n = so_rcvpcq_flush(so);
	data_race(ub->ub_stat[UDPSTAT_closed].ev_count += n,
	    "statistics; no point in +=");
}

int
udp_bind(struct socket *so, const struct sockaddr *nam)
{
	const struct sockaddr_in *sin;
	int error;

	if ((error = sockaddr_in_check(nam, &sin)) != 0)
		return error;
	return in_pcbbind(udp_pcb(so), so->so_brane, sin);
}

int
udp_connect(struct socket *so, const struct sockaddr *nam)
{
	const struct sockaddr_in *sin;
	int error;

	if ((error = sockaddr_in_check(nam, &sin)) != 0)
		return error;
	return in_pcbconnect(udp_pcb(so), so->so_brane, sin);
}

int
udp_disconnect(struct socket *so)
{
	struct inpcb *inp = udp_pcb(so);

	if (inp->inp_faddr.s_addr == INADDR_ANY)
		return ENOTCONN;
	in_pcbdisconnect(inp);
	return 0;
}

/*
 * Where a datagram goes and where it comes from: the destination given or
 * the connected peer; the bound address or the route's source.  Binds an
 * unbound socket to an ephemeral port.  => inp is so's PCB (udp_pcb)
 */
static int
udp_endpoints(struct socket *so, struct inpcb *inp, const struct sockaddr *to,
    struct in_addr *src, struct in_addr *dst, in_port_t *dport)
{
	const struct sockaddr_in *sin;
	struct rtresult rr;
	int error;

	if (to != NULL) {
		if ((error = sockaddr_in_check(to, &sin)) != 0)
			return error;
		if (inp->inp_faddr.s_addr != INADDR_ANY)
			return EISCONN;
		if (sin->sin_port == 0 || sin->sin_addr.s_addr == INADDR_ANY)
			return EADDRNOTAVAIL;
		*dst = sin->sin_addr;
		*dport = sin->sin_port;
	} else {
		if (inp->inp_faddr.s_addr == INADDR_ANY)
			return ENOTCONN;
		*dst = inp->inp_faddr;
		*dport = inp->inp_fport;
	}
	if (inp->inp_lport == 0 &&
	    (error = in_pcbbind(inp, so->so_brane, NULL)) != 0)
		return error;
	*src = inp->inp_laddr;
	if (src->s_addr == INADDR_ANY) {
		/* The pseudo-header needs the source before ip_output. */
		if ((error = rt_lookup(so->so_brane, *dst, &rr)) != 0)
			return error;
		*src = rr.rr_src;
	}
	return 0;
}

/* Send m (the payload) to `to` or the peer.  Consumes m. */
int
udp_send(struct socket *so, struct mbuf *m, const struct sockaddr *to)
{
	struct udp_brane *ub = udp_brane(so->so_brane);
	struct inpcb *inp = udp_pcb(so);
	struct in_addr src, dst;
	in_port_t dport;
	struct ip *ip;
	struct udphdr *uh;
	uint16_t sum;
	int error, len = m->m_pkthdr.len;

	KASSERT(len >= 0 && len <= SO_SEND_MAX);
	if ((error = udp_endpoints(so, inp, to, &src, &dst, &dport)) != 0) {
		m_freem(m);
		return error;
	}
	M_PREPEND(m, UDP_HDRS, M_DONTWAIT);
	if (m == NULL)
		return ENOBUFS;
	KASSERT(m->m_len >= UDP_HDRS);
	ip = mtod(m, struct ip *);
	memset(ip, 0, sizeof(*ip));
	ip->ip_vhl = IP_VHL(IPVERSION, sizeof(*ip));
	ip->ip_len = htons((uint16_t)(UDP_HDRS + len));
	ip->ip_p = IPPROTO_UDP;
	ip->ip_src = src;
	ip->ip_dst = dst;
	uh = (struct udphdr *)(ip + 1);
	uh->uh_sport = inp->inp_lport;
	uh->uh_dport = dport;
	uh->uh_ulen = htons((uint16_t)(sizeof(*uh) + (size_t)len));
	uh->uh_sum = 0;
	sum = (uint16_t)in4_cksum(m, IPPROTO_UDP, sizeof(*ip),
	    (int)sizeof(*uh) + len);
	if (sum == 0)
		sum = 0xffff;   /* 0 would mean "no checksum" */
	memcpy(&uh->uh_sum, &sum, sizeof(sum));
	UDPSTAT_INC(ub, sent);
	SDT_PROBE2(udp, output, m->m_pkthdr.len, m->m_pkthdr.ph_id);
	return ip_output(so->so_brane, m, 0);
}

/* --- ICMP errors about what we sent ----------------------------------------- */

struct udp_ctlarg {
	struct in_addr faddr;
	in_port_t fport;
	int error;
};

/* => the PCB's bucket read-locked */
static void
udp_ctlnotify(struct inpcb *inp, void *arg)
{
	const struct udp_ctlarg *ua = arg;

	/* Only a socket connected to that peer hears of it (as in BSD). */
	if (inp->inp_faddr.s_addr == ua->faddr.s_addr &&
	    inp->inp_fport == ua->fport)
		so_seterror(inp->inp_socket, ua->error);
}

static int
udp_ctlerror(int cmd)
{
	switch (cmd) {
	case PRC_UNREACH_PORT:
		return ECONNREFUSED;
	case PRC_UNREACH_HOST:
	case PRC_TIMXCEED_INTRANS:
		return EHOSTUNREACH;
	case PRC_MSGSIZE:
		return EMSGSIZE;
	default:
		return 0;
	}
}

/*
 * hdr is the IPv4 header we sent, quoted by the error, with its header
 * length + 8 bytes (our UDP header) contiguous.
 */
void
udp_ctlinput(struct brane *br, int cmd, const struct sockaddr *sa,
    const void *hdr)
{
	const struct ip *ip = hdr;
	const struct udphdr *uh;
	struct udp_ctlarg ua;

	(void)sa;               /* the quoted header says the same */
	if (ip == NULL || (ua.error = udp_ctlerror(cmd)) == 0)
		return;
	uh = (const struct udphdr *)((const char *)ip + IP_HL(ip));
	ua.faddr = ip->ip_dst;
	ua.fport = uh->uh_dport;
	/* Looked up as if the peer had sent to us: its port, our port. */
	(void)in_pcblookup_deliver(&udp_brane(br)->ub_table, ip->ip_dst,
	    uh->uh_dport, ip->ip_src, uh->uh_sport, udp_ctlnotify, &ua);
}
