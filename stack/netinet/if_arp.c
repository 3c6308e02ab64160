/*
 * if_arp.c -- ARP (RFC 826) for IPv4 over Ethernet: requests, replies,
 * and what they teach the nexthop cache.
 *
 * ARP here is only the wire protocol; the entries, hold queues and
 * retries are the nexthop cache's (nexthop.c).  Input follows RFC 826's
 * merge rule: a packet from a sender we have an entry for refreshes it;
 * one addressed to us also creates the sender's entry, and a request
 * addressed to us is answered.  "Us" is an address of the receiving
 * interface (in its brane): a brane never answers for another brane's
 * addresses, and an interface not for another interface's.
 *
 * Every ARP frame that arrives counts exactly one of bad, dup, req_in,
 * rep_in (arp.<xname>.*); nothing is read before its length is checked.
 */
#include <sys/kern.h>
#include <sys/sdt.h>

#include <kern/endian.h>
#include <kern/mbuf.h>

#include <string.h>

#include <net/brane.h>
#include <net/if.h>
#include <net/if_ether.h>
#include <netinet/in.h>
#include <netinet/in_var.h>
#include <netinet/nexthop.h>
#include <netinet/ip_var.h>

#define ARPHRD_ETHER    1
#define ARPOP_REQUEST   1
#define ARPOP_REPLY     2

/* An ARP packet for IPv4 over Ethernet: 28 bytes, no padding. */
struct ether_arp {
	uint16_t ar_hrd;                /* ARPHRD_ETHER */
	uint16_t ar_pro;                /* ETHERTYPE_IP */
	uint8_t ar_hln;                 /* 6 */
	uint8_t ar_pln;                 /* 4 */
	uint16_t ar_op;
	uint8_t ar_sha[ETHER_ADDR_LEN];
	uint8_t ar_spa[4];
	uint8_t ar_tha[ETHER_ADDR_LEN];
	uint8_t ar_tpa[4];
} __packed;

CTASSERT(sizeof(struct ether_arp) == 28);

static void
arp_fill(struct ether_arp *ea, int op, const uint8_t *sha, struct in_addr spa,
    const uint8_t *tha, struct in_addr tpa)
{
	ea->ar_hrd = htons(ARPHRD_ETHER);
	ea->ar_pro = htons(ETHERTYPE_IP);
	ea->ar_hln = ETHER_ADDR_LEN;
	ea->ar_pln = 4;
	ea->ar_op = htons((uint16_t)op);
	memcpy(ea->ar_sha, sha, ETHER_ADDR_LEN);
	memcpy(ea->ar_spa, &spa, 4);
	memcpy(ea->ar_tha, tha, ETHER_ADDR_LEN);
	memcpy(ea->ar_tpa, &tpa, 4);
}

/* Prepend an Ethernet header to dst and transmit.  Consumes m. */
static void
arp_send(struct ifnet *ifp, struct mbuf *m, const uint8_t *dst)
{
	struct ether_header *eh;

	M_PREPEND(m, ETHER_HDR_LEN, M_DONTWAIT);
	if (m == NULL)
		return;
	eh = mtod(m, struct ether_header *);
	memcpy(eh->ether_dhost, dst, ETHER_ADDR_LEN);
	memcpy(eh->ether_shost, ifp->if_lladdr, ETHER_ADDR_LEN);
	eh->ether_type = htons(ETHERTYPE_ARP);
	(void)(*ifp->if_transmit)(ifp, m);
}

void
arp_request(struct ifnet *ifp, struct in_addr target)
{
	static const uint8_t bcast[ETHER_ADDR_LEN] =
	    { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	static const uint8_t zero[ETHER_ADDR_LEN];
	struct in_addr spa = { INADDR_ANY };
	struct in_ifaddr *ia;
	struct mbuf *m;

	KASSERT(ifp->if_brane != NULL);
	if ((ia = in_ifaddr_for(ifp->if_brane, ifp, target)) != NULL)
		spa = ia->ia_addr;
	if ((m = m_gethdr(M_DONTWAIT, MT_DATA)) == NULL) {
		IPSTAT_INC(ifp->if_brane->br_inet, nobufs);
		return;
	}
	m_align(m, sizeof(struct ether_arp));
	m->m_len = m->m_pkthdr.len = sizeof(struct ether_arp);
	arp_fill(mtod(m, struct ether_arp *), ARPOP_REQUEST, ifp->if_lladdr,
	    spa, zero, target);
	NHSTAT_INC(ifp->if_nh4, req_out);
	arp_send(ifp, m, bcast);
}

/* Answer a request for tpa (ours) from sha/spa, reusing its mbuf. */
static void
arp_reply(struct ifnet *ifp, struct mbuf *m, struct in_addr tpa,
    const uint8_t *sha, struct in_addr spa)
{
	uint8_t dst[ETHER_ADDR_LEN];

	memcpy(dst, sha, ETHER_ADDR_LEN);
	m_adj(m, (int)sizeof(struct ether_arp) - m->m_pkthdr.len); /* padding */
	if (m_makewritable(&m, 0, sizeof(struct ether_arp), M_DONTWAIT) != 0 ||
	    (m->m_len < (int)sizeof(struct ether_arp) &&
	    (m = m_pullup(m, sizeof(struct ether_arp))) == NULL)) {
		m_freem(m);
		return;
	}
	m->m_flags &= ~(M_BCAST | M_MCAST);
	arp_fill(mtod(m, struct ether_arp *), ARPOP_REPLY, ifp->if_lladdr, tpa,
	    dst, spa);
	NHSTAT_INC(ifp->if_nh4, rep_out);
	arp_send(ifp, m, dst);
}

/* A sender address no host may have. */
static bool
arp_bad_sender(const struct ifnet *ifp, const struct ether_arp *ea)
{
	static const uint8_t zero[ETHER_ADDR_LEN];
	struct in_addr spa;

	memcpy(&spa, ea->ar_spa, 4);
	return (ea->ar_sha[0] & 1) != 0 ||
	    memcmp(ea->ar_sha, zero, ETHER_ADDR_LEN) == 0 ||
	    memcmp(ea->ar_sha, ifp->if_lladdr, ETHER_ADDR_LEN) == 0 ||
	    spa.s_addr == INADDR_BROADCAST || in_multicast(spa.s_addr) ||
	    in_loopback(spa.s_addr);
}

/* The well-formedness checks; returns the op, or 0 for a bad packet. */
static int
arp_check(const struct ifnet *ifp, const struct ether_arp *ea)
{
	int op = ntohs(ea->ar_op);

	if (ntohs(ea->ar_hrd) != ARPHRD_ETHER ||
	    ntohs(ea->ar_pro) != ETHERTYPE_IP ||
	    ea->ar_hln != ETHER_ADDR_LEN || ea->ar_pln != 4 ||
	    (op != ARPOP_REQUEST && op != ARPOP_REPLY) ||
	    arp_bad_sender(ifp, ea))
		return 0;
	return op;
}

void
arp_input(struct ifnet *ifp, struct mbuf *m)
{
	struct brane *br = ifp->if_brane;
	struct nhcache *nc = ifp->if_nh4;
	const struct ether_arp *ea;
	struct in_ifaddr *ia;
	struct in_addr spa, tpa;
	uint8_t sha[ETHER_ADDR_LEN];
	int op;

	KASSERT(m->m_flags & M_PKTHDR);
	SDT_PROBE2(arp, input, m->m_pkthdr.len, m->m_pkthdr.ph_id);
	if (br == NULL || nc == NULL) {
		ifp->if_ev_noproto.ev_count++;
		m_freem(m);
		return;
	}
	if (m->m_pkthdr.len < (int)sizeof(struct ether_arp)) {
		NHSTAT_INC(nc, bad);
		m_freem(m);
		return;
	}
	if ((m = m_pullup(m, sizeof(struct ether_arp))) == NULL) {
		NHSTAT_INC(nc, bad);
		return;
	}
	ea = mtod(m, const struct ether_arp *);
	if ((op = arp_check(ifp, ea)) == 0) {
		NHSTAT_INC(nc, bad);
		m_freem(m);
		return;
	}
	memcpy(sha, ea->ar_sha, ETHER_ADDR_LEN);
	memcpy(&spa, ea->ar_spa, 4);
	memcpy(&tpa, ea->ar_tpa, 4);
	if (spa.s_addr != INADDR_ANY && in_ifaddr_lookup(br, spa) != NULL) {
		/* Someone else claims one of our addresses. */
		NHSTAT_INC(nc, dup);
		m_freem(m);
		return;
	}
	if (op == ARPOP_REQUEST)
		NHSTAT_INC(nc, req_in);
	else
		NHSTAT_INC(nc, rep_in);
	ia = in_ifaddr_lookup(br, tpa);
	if (ia != NULL && ia->ia_ifp != ifp)
		ia = NULL;
	if (spa.s_addr != INADDR_ANY)
		nh4_learn(ifp, spa, sha, ia != NULL);
	if (op == ARPOP_REQUEST && ia != NULL) {
		arp_reply(ifp, m, tpa, sha, spa);
		return;
	}
	if (op == ARPOP_REQUEST)
		NHSTAT_INC(nc, notours);
	m_freem(m);
}
