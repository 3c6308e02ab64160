/*
 * ip_input.c -- IPv4 input: check a packet, deliver it to a protocol of
 * this brane, forward it, or drop it and count why; and the per-brane set
 * up of IPv4 (ip_init, the IP row's pr_init).
 *
 * The one idea: a packet is trusted only as far as it has been checked.
 * Each check reads bytes a previous one proved present (m_pullup frees a
 * packet too short for what it asks), and every way out counts exactly
 * one reason, so the counters of a brane add up to what it received (see
 * ip_var.h).  Forwarding never fragments: a packet larger than the next
 * hop's MTU is dropped ("toobig"), with ICMP "fragmentation needed" when
 * it has DF set.
 *
 * No lock is held when a packet goes up to a protocol or out to an
 * interface; the routes and addresses are read under their brane's locks
 * inside rt_lookup and in_ours.
 */
#include <sys/kern.h>
#include <sys/evcnt.h>
#include <sys/kmem.h>
#include <sys/rwlock.h>
#include <sys/sdt.h>

#include <kern/kcont.h>
#include <kern/mbuf.h>
#include <kern/pcq.h>
#include <kern/protosw.h>
#include <kern/ptree_inet.h>

#include <string.h>

#include <net/brane.h>
#include <net/if.h>
#include <netinet/in.h>
#include <netinet/in_cksum.h>
#include <netinet/in_var.h>
#include <netinet/ip.h>
#include <netinet/ip_icmp.h>
#include <netinet/ip_var.h>
#include <netinet/nexthop.h>
#include <netinet/route.h>

static const char *const ipstat_names[IPSTAT_N] = {
#define IPSTAT_NAME_(n, d) #n,
	IPSTAT_LIST(IPSTAT_NAME_)
#undef IPSTAT_NAME_
};

static const char *const icmpstat_names[ICMPSTAT_N] = {
#define ICMPSTAT_NAME_(n, d) #n,
	ICMPSTAT_LIST(ICMPSTAT_NAME_)
#undef ICMPSTAT_NAME_
};

static void ip_loop_drain(void *);

int
ip_init(void *dsc)
{
	struct brane *br = dsc;
	struct inet_brane *ib;

	KASSERT(br != NULL && br->br_inet == NULL);
	ib = kmem_zalloc(sizeof(*ib), KM_SLEEP);
	rw_init(&ib->ib_rtlock);
	rw_init(&ib->ib_lock);
	ptree_in4_init(&ib->ib_routes, IP_RT_JUMPBITS);
	ib->ib_ip_id = 1;
	ib->ib_loopq = pcq_create(IP_LOOPQ_LEN, KM_SLEEP);
	kcont_init(&ib->ib_loopkc, ip_loop_drain, br, KCONT_SOFTNET);
	/* One CPU drains the queue: the PCQ has a single consumer. */
	kcont_bind(&ib->ib_loopkc, cpu_lookup(0));
	brane_group(br, "ip.", ib->ib_ipgroup, sizeof(ib->ib_ipgroup));
	brane_group(br, "icmp.", ib->ib_icmpgroup, sizeof(ib->ib_icmpgroup));
	for (u_int i = 0; i < IPSTAT_N; i++)
		evcnt_attach_dynamic(&ib->ib_ipstat[i], EVCNT_TYPE_MISC, NULL,
		    ib->ib_ipgroup, ipstat_names[i]);
	for (u_int i = 0; i < ICMPSTAT_N; i++)
		evcnt_attach_dynamic(&ib->ib_icmpstat[i], EVCNT_TYPE_MISC, NULL,
		    ib->ib_icmpgroup, icmpstat_names[i]);
	br->br_inet = ib;
	return 0;
}

static void
ip_free_addrs(struct in_ifaddr *ia)
{
	while (ia != NULL) {
		struct in_ifaddr *next = ia->ia_next;

		kmem_free(ia, sizeof(*ia));
		ia = next;
	}
}

int
ip_fini(void *dsc)
{
	struct brane *br = dsc;
	struct inet_brane *ib = br->br_inet;
	pt_in4_node_t *n;
	struct mbuf *m;

	KASSERT(ib != NULL);
	kcont_halt(&ib->ib_loopkc);
	kcont_destroy(&ib->ib_loopkc);
	while ((m = pcq_get(ib->ib_loopq)) != NULL)
		m_freem(m);
	pcq_destroy(ib->ib_loopq);
	while ((n = ptree_in4_first(&ib->ib_routes)) != NULL) {
		struct rtentry *rt = container_of(n, struct rtentry, rt_node);

		ptree_in4_remove(&ib->ib_routes, n);
		kmem_free(rt, sizeof(*rt));
	}
	ptree_fini(&ib->ib_routes);
	ip_free_addrs(ib->ib_addrs);
	ip_free_addrs(ib->ib_deadaddrs);
	for (u_int i = 0; i < IPSTAT_N; i++)
		evcnt_detach(&ib->ib_ipstat[i]);
	for (u_int i = 0; i < ICMPSTAT_N; i++)
		evcnt_detach(&ib->ib_icmpstat[i]);
	rw_destroy(&ib->ib_rtlock);
	rw_destroy(&ib->ib_lock);
	br->br_inet = NULL;
	kmem_free(ib, sizeof(*ib));
	return 0;
}

/*
 * Packets ip_output sent to one of the brane's own addresses come back
 * in here, from a continuation, as if they had arrived on the interface
 * holding that address (m_pkthdr.rcvif): never by a nested call, so no
 * lock of the sender is held while the protocol takes them.
 */
static void
ip_loop_drain(void *arg)
{
	struct brane *br = arg;
	struct mbuf *m;

	while ((m = pcq_get(br->br_inet->ib_loopq)) != NULL)
		ip_input(m->m_pkthdr.rcvif, m);
}

/* Hand a packet for one of our addresses to the loop (ip_output). */
int
ip_loop(struct brane *br, struct ifnet *ifp, struct mbuf *m)
{
	struct inet_brane *ib = br->br_inet;

	m->m_pkthdr.rcvif = ifp;
	m->m_flags &= ~(M_BCAST | M_MCAST);
	if (!pcq_put(ib->ib_loopq, m)) {
		IPSTAT_INC(ib, nobufs);
		m_freem(m);
		return ENOBUFS;
	}
	IPSTAT_INC(ib, looped);
	kcont_schedule(&ib->ib_loopkc, 0);
	return 0;
}

/*
 * The packet is for us: hand it to its protocol.  Fragments are not
 * reassembled; a protocol nobody takes gets "protocol unreachable".
 */
static void
ip_deliver(struct brane *br, struct ifnet *ifp, struct mbuf *m, int hlen)
{
	struct inet_brane *ib = br->br_inet;
	const struct ip *ip = mtod(m, const struct ip *);
	const struct protosw *pr;

	if (ntohs(ip->ip_off) & (IP_MF | IP_OFFMASK)) {
		IPSTAT_INC(ib, fragment);
		m_freem(m);
		return;
	}
	if ((pr = ip_proto(ip->ip_p)) == NULL && (pr = rip_proto()) == NULL) {
		IPSTAT_INC(ib, noproto);
		icmp_error(br, m, ICMP_UNREACH, ICMP_UNREACH_PROTOCOL, 0);
		return;
	}
	IPSTAT_INC(ib, delivered);
	(*pr->pr_input)(ifp, m, hlen);
}

/*
 * Not for us, and this brane is a router.  ICMP errors are sent about
 * the packet as it came in, before the TTL is touched.
 */
static void
ip_forward(struct brane *br, struct mbuf *m, int hlen)
{
	struct inet_brane *ib = br->br_inet;
	struct ip *ip = mtod(m, struct ip *);
	struct rtresult rr;
	uint16_t old, new;
	int len = ntohs(ip->ip_len);

	if (ip->ip_ttl <= 1) {
		IPSTAT_INC(ib, timxceed);
		icmp_error(br, m, ICMP_TIMXCEED, ICMP_TIMXCEED_INTRANS, 0);
		return;
	}
	if (rt_lookup(br, ip->ip_dst, &rr) != 0) {
		IPSTAT_INC(ib, noroute);
		/* As NetBSD's ip_forward: no route is "host unreachable". */
		icmp_error(br, m, ICMP_UNREACH, ICMP_UNREACH_HOST, 0);
		return;
	}
	if ((u_int)len > rr.rr_ifp->if_mtu) {
		IPSTAT_INC(ib, toobig);
		if (ntohs(ip->ip_off) & IP_DF)
			icmp_error(br, m, ICMP_UNREACH, ICMP_UNREACH_NEEDFRAG,
			    (uint16_t)rr.rr_ifp->if_mtu);
		else
			m_freem(m);
		return;
	}
	/* The header may sit in a cluster shared with its sender. */
	if (m_makewritable(&m, 0, hlen, M_DONTWAIT) != 0 ||
	    (m->m_len < hlen && (m = m_pullup(m, hlen)) == NULL)) {
		IPSTAT_INC(ib, nobufs);
		m_freem(m);
		return;
	}
	ip = mtod(m, struct ip *);
	/* TTL and protocol share a 16-bit word of the checksum (RFC 1624). */
	memcpy(&old, &ip->ip_ttl, sizeof(old));
	ip->ip_ttl--;
	memcpy(&new, &ip->ip_ttl, sizeof(new));
	ip->ip_sum = in_cksum_fixup16(ip->ip_sum, old, new);
	IPSTAT_INC(ib, forwarded);
	SDT_PROBE2(ip, forward, m->m_pkthdr.len, m->m_pkthdr.ph_id);
	/* rcvif stays set: a neighbour that never answers means ICMP back. */
	(void)nh4_output(rr.rr_ifp, m, rr.rr_nexthop);
}

/*
 * The header checks, in order: length, version, header length, checksum,
 * total length.  Returns the packet with its header contiguous and its
 * length trimmed to ip_len, or NULL (dropped and counted).
 */
static struct mbuf *
ip_check(struct inet_brane *ib, struct mbuf *m, int *hlenp)
{
	const struct ip *ip;
	int hlen, len;

	if (m->m_pkthdr.len < (int)sizeof(struct ip)) {
		IPSTAT_INC(ib, tooshort);
		goto drop;
	}
	if (m->m_len < (int)sizeof(struct ip) &&
	    (m = m_pullup(m, sizeof(struct ip))) == NULL) {
		IPSTAT_INC(ib, nobufs);
		return NULL;
	}
	ip = mtod(m, const struct ip *);
	if (IP_V(ip) != IPVERSION) {
		IPSTAT_INC(ib, badvers);
		goto drop;
	}
	hlen = IP_HL(ip);
	if (hlen < (int)sizeof(struct ip) || hlen > m->m_pkthdr.len) {
		IPSTAT_INC(ib, badhlen);
		goto drop;
	}
	if (m->m_len < hlen && (m = m_pullup(m, hlen)) == NULL) {
		IPSTAT_INC(ib, nobufs);
		return NULL;
	}
	ip = mtod(m, const struct ip *);
	if (in_cksum(m, hlen) != 0) {
		IPSTAT_INC(ib, badsum);
		goto drop;
	}
	len = ntohs(ip->ip_len);
	if (len < hlen || len > m->m_pkthdr.len) {
		IPSTAT_INC(ib, badlen);
		goto drop;
	}
	if (m->m_pkthdr.len > len)              /* link-level padding */
		m_adj(m, len - m->m_pkthdr.len);
	*hlenp = hlen;
	return m;
drop:
	m_freem(m);
	return NULL;
}

/* Addresses that never come from, or go to, a wire. */
static bool
ip_martian(const struct ip *ip)
{
	in_addr_t src = ip->ip_src.s_addr, dst = ip->ip_dst.s_addr;

	return src == INADDR_BROADCAST || in_multicast(src) ||
	    in_loopback(src) || in_loopback(dst);
}

void
ip_input(struct ifnet *ifp, struct mbuf *m)
{
	struct brane *br = ifp->if_brane;
	struct inet_brane *ib;
	const struct ip *ip;
	int hlen = 0;

	KASSERT(m->m_flags & M_PKTHDR);
	if (br == NULL) {
		/* Not configured (yet): nobody here speaks IP. */
		ifp->if_ev_noproto.ev_count++;
		m_freem(m);
		return;
	}
	ib = br->br_inet;
	IPSTAT_INC(ib, received);
	SDT_PROBE2(ip, input, m->m_pkthdr.len, m->m_pkthdr.ph_id);
	if ((m = ip_check(ib, m, &hlen)) == NULL)
		return;
	ip = mtod(m, const struct ip *);
	if (ip_martian(ip)) {
		IPSTAT_INC(ib, badaddr);
		m_freem(m);
		return;
	}
	if (in_ours(br, ifp, ip->ip_dst)) {
		ip_deliver(br, ifp, m, hlen);
		return;
	}
	if (!ib->ib_forwarding || in_multicast(ip->ip_dst.s_addr) ||
	    (m->m_flags & (M_BCAST | M_MCAST)) != 0) {
		IPSTAT_INC(ib, notforus);
		m_freem(m);
		return;
	}
	ip_forward(br, m, hlen);
}
