/*
 * ip_icmp.c -- ICMP (RFC 792): answering echo requests, sending errors,
 * and passing errors that come in up to the protocol they concern.
 *
 * The rules that keep ICMP from feeding on itself (RFC 1122 3.2.2, RFC
 * 1812 4.3.2.7): never an error about an ICMP error, about a broadcast or
 * multicast, about a fragment other than the first, or to a source that
 * names no single host.  Echo requests to a broadcast address are not
 * answered.  Errors that arrive go to the quoted protocol's pr_ctlinput
 * as a plain call down, never with a lock held.
 *
 * Everything is per brane: the counters ("icmp.<brane>.*"), and the
 * routes the replies take (ip_output).
 */
#include <sys/kern.h>
#include <sys/sdt.h>

#include <kern/endian.h>
#include <kern/ksocket.h>
#include <kern/mbuf.h>
#include <kern/protosw.h>

#include <string.h>

#include <net/brane.h>
#include <net/if.h>
#include <netinet/in.h>
#include <netinet/in_cksum.h>
#include <netinet/in_var.h>
#include <netinet/ip.h>
#include <netinet/ip_icmp.h>
#include <netinet/ip_var.h>

/* Bytes of the offending datagram an error quotes beyond its header. */
#define ICMP_QUOTE_DATA 8

/*
 * Whether an error may be sent about the packet m (header contiguous):
 * see the rules above.
 */
static bool
icmp_error_allowed(struct brane *br, const struct mbuf *m)
{
	const struct ip *ip = mtod(m, const struct ip *);
	in_addr_t src = ip->ip_src.s_addr;
	int hlen = IP_HL(ip);
	uint8_t type;

	if ((m->m_flags & (M_BCAST | M_MCAST)) != 0 ||
	    in_multicast(ip->ip_dst.s_addr) ||
	    in_broadcast(br, m->m_pkthdr.rcvif, ip->ip_dst))
		return false;
	if (src == INADDR_ANY || src == INADDR_BROADCAST ||
	    in_multicast(src) || in_loopback(src) ||
	    in_broadcast(br, m->m_pkthdr.rcvif, ip->ip_src))
		return false;
	if ((ntohs(ip->ip_off) & IP_OFFMASK) != 0)
		return false;
	if (ip->ip_p == IPPROTO_ICMP) {
		if (m->m_pkthdr.len < hlen + 1)
			return false;           /* not even a type: say nothing */
		m_copydata(m, hlen, 1, &type);
		if (ICMP_IS_ERROR(type))
			return false;
	}
	return true;
}

/* The source of an error about ip: its destination if ours, else ours. */
static struct in_addr
icmp_error_src(struct brane *br, const struct mbuf *m)
{
	const struct ip *ip = mtod(m, const struct ip *);
	struct in_addr any = { INADDR_ANY };
	struct in_ifaddr *ia;

	if (in_ifaddr_lookup(br, ip->ip_dst) != NULL)
		return ip->ip_dst;
	if (m->m_pkthdr.rcvif != NULL &&
	    (ia = in_ifaddr_for(br, m->m_pkthdr.rcvif, ip->ip_src)) != NULL)
		return ia->ia_addr;
	return any;                     /* ip_output chooses by route */
}

void
icmp_error(struct brane *br, struct mbuf *m, int type, int code,
    uint16_t nextmtu)
{
	struct inet_brane *ib = br->br_inet;
	const struct ip *oip;
	struct mbuf *n;
	struct ip *ip;
	struct icmp *icp;
	int quote, total;

	KASSERT(m->m_flags & M_PKTHDR);
	KASSERT(type == ICMP_UNREACH || type == ICMP_TIMXCEED);
	if (m->m_len < (int)sizeof(struct ip) &&
	    (m = m_pullup(m, sizeof(struct ip))) == NULL)
		return;
	oip = mtod(m, const struct ip *);
	if (!icmp_error_allowed(br, m)) {
		ICMPSTAT_INC(ib, ratelim);
		m_freem(m);
		return;
	}
	quote = MIN(m->m_pkthdr.len, IP_HL(oip) + ICMP_QUOTE_DATA);
	total = (int)sizeof(struct ip) + ICMP_MINLEN + quote;
	if ((n = m_gethdr(M_DONTWAIT, MT_HEADER)) == NULL) {
		IPSTAT_INC(ib, nobufs);
		m_freem(m);
		return;
	}
	KASSERT(total <= MHLEN);
	m_align(n, total);
	n->m_len = n->m_pkthdr.len = total;
	ip = mtod(n, struct ip *);
	memset(ip, 0, sizeof(*ip) + ICMP_MINLEN);
	ip->ip_len = htons((uint16_t)total);
	ip->ip_p = IPPROTO_ICMP;
	ip->ip_src = icmp_error_src(br, m);
	ip->ip_dst = oip->ip_src;
	icp = (struct icmp *)(ip + 1);
	icp->icmp_type = (uint8_t)type;
	icp->icmp_code = (uint8_t)code;
	if (type == ICMP_UNREACH && code == ICMP_UNREACH_NEEDFRAG)
		icp->icmp_nextmtu = htons(nextmtu);
	m_copydata(m, 0, quote, (uint8_t *)icp + ICMP_MINLEN);
	icp->icmp_cksum = (uint16_t)in4_cksum(n, 0, sizeof(struct ip),
	    ICMP_MINLEN + quote);
	m_freem(m);
	if (type == ICMP_UNREACH)
		ICMPSTAT_INC(ib, out_unreach);
	else
		ICMPSTAT_INC(ib, out_timxceed);
	(void)ip_output(br, n, 0);
}

/*
 * Answer an echo request in place: the ICMP message stays, its type
 * becomes a reply (checksum updated incrementally), and a fresh IP header
 * without options goes in front, from the address it was sent to.
 */
static void
icmp_echo(struct brane *br, struct mbuf *m, int off)
{
	struct inet_brane *ib = br->br_inet;
	const struct ip *oip = mtod(m, const struct ip *);
	struct in_addr src = oip->ip_dst, dst = oip->ip_src;
	int icmplen = m->m_pkthdr.len - off;
	uint16_t old, new;
	struct icmp *icp;
	struct ip *ip;

	if ((m->m_flags & (M_BCAST | M_MCAST)) != 0 ||
	    in_ifaddr_lookup(br, src) == NULL) {
		ICMPSTAT_INC(ib, bcastecho);
		m_freem(m);
		return;
	}
	m_adj(m, off);
	if (m_makewritable(&m, 0, ICMP_MINLEN, M_DONTWAIT) != 0 ||
	    (m->m_len < ICMP_MINLEN &&
	    (m = m_pullup(m, ICMP_MINLEN)) == NULL)) {
		IPSTAT_INC(ib, nobufs);
		m_freem(m);
		return;
	}
	icp = mtod(m, struct icmp *);
	memcpy(&old, &icp->icmp_type, sizeof(old));
	icp->icmp_type = ICMP_ECHOREPLY;
	memcpy(&new, &icp->icmp_type, sizeof(new));
	icp->icmp_cksum = in_cksum_fixup16(icp->icmp_cksum, old, new);
	/*
	 * RFC 1624's update gives +0 (0x0000) where a full sum gives -0
	 * (0xffff) when everything else summed is zero (an echo with id, seq
	 * and data all zero); only -0 checks then.  -0 is right whenever +0
	 * is, so always store it.
	 */
	if (icp->icmp_cksum == 0)
		icp->icmp_cksum = 0xffff;
	M_PREPEND(m, sizeof(struct ip), M_DONTWAIT);
	if (m == NULL) {
		IPSTAT_INC(ib, nobufs);
		return;
	}
	ip = mtod(m, struct ip *);
	memset(ip, 0, sizeof(*ip));
	ip->ip_len = htons((uint16_t)(sizeof(struct ip) + icmplen));
	ip->ip_p = IPPROTO_ICMP;
	ip->ip_src = src;
	ip->ip_dst = dst;
	ICMPSTAT_INC(ib, out_echoreply);
	(void)ip_output(br, m, 0);
}

/* The pr_ctlinput command an error means, or 0 for none. */
static int
icmp_prc(const struct icmp *icp)
{
	if (icp->icmp_type == ICMP_TIMXCEED)
		return icp->icmp_code == ICMP_TIMXCEED_INTRANS ?
		    PRC_TIMXCEED_INTRANS : 0;
	switch (icp->icmp_code) {
	case ICMP_UNREACH_PROTOCOL:
	case ICMP_UNREACH_PORT:
		return PRC_UNREACH_PORT;
	case ICMP_UNREACH_NEEDFRAG:
		return PRC_MSGSIZE;
	default:
		return PRC_UNREACH_HOST;
	}
}

/*
 * An error came in: check the header it quotes and tell that header's
 * protocol.  Returns the packet (for raw sockets) or NULL if it was
 * freed by a failed m_pullup.
 */
static struct mbuf *
icmp_notify(struct brane *br, struct mbuf *m, int off)
{
	struct inet_brane *ib = br->br_inet;
	const struct protosw *pr;
	const struct icmp *icp;
	const struct ip *qip;
	struct sockaddr_in sin;
	int qoff = off + ICMP_MINLEN, qhlen, cmd;

	if (m->m_pkthdr.len < qoff + (int)sizeof(struct ip))
		goto bad;
	if ((m = m_pullup(m, qoff + sizeof(struct ip))) == NULL)
		return NULL;
	qip = (const struct ip *)(mtod(m, const uint8_t *) + qoff);
	qhlen = IP_HL(qip);
	if (IP_V(qip) != IPVERSION || qhlen < (int)sizeof(struct ip) ||
	    m->m_pkthdr.len < qoff + qhlen + ICMP_QUOTE_DATA)
		goto bad;
	if ((m = m_pullup(m, qoff + qhlen + ICMP_QUOTE_DATA)) == NULL)
		return NULL;
	icp = (const struct icmp *)(mtod(m, const uint8_t *) + off);
	qip = (const struct ip *)(mtod(m, const uint8_t *) + qoff);
	cmd = icmp_prc(icp);
	pr = ip_proto(qip->ip_p);
	if (cmd != 0 && pr != NULL && pr->pr_ctlinput != NULL) {
		sockaddr_in_init(&sin, qip->ip_dst, 0);
		(*pr->pr_ctlinput)(br, cmd, (const struct sockaddr *)&sin, qip);
	}
	return m;
bad:
	ICMPSTAT_INC(ib, badquote);
	return m;
}

void
icmp_input(struct ifnet *ifp, struct mbuf *m, int off)
{
	struct brane *br = ifp->if_brane;
	struct inet_brane *ib = br->br_inet;
	const struct protosw *raw;
	const struct icmp *icp;
	int icmplen = m->m_pkthdr.len - off;

	KASSERT(off >= (int)sizeof(struct ip) && off <= m->m_len);
	ICMPSTAT_INC(ib, received);
	SDT_PROBE2(icmp, input, m->m_pkthdr.len, m->m_pkthdr.ph_id);
	if (icmplen < ICMP_MINLEN) {
		ICMPSTAT_INC(ib, badlen);
		m_freem(m);
		return;
	}
	if (in4_cksum(m, 0, off, icmplen) != 0) {
		ICMPSTAT_INC(ib, badsum);
		m_freem(m);
		return;
	}
	if ((m = m_pullup(m, off + ICMP_MINLEN)) == NULL) {
		IPSTAT_INC(ib, nobufs);
		return;
	}
	icp = (const struct icmp *)(mtod(m, const uint8_t *) + off);
	switch (icp->icmp_type) {
	case ICMP_ECHO:
		ICMPSTAT_INC(ib, in_echo);
		icmp_echo(br, m, off);
		return;
	case ICMP_ECHOREPLY:
		ICMPSTAT_INC(ib, in_echoreply);
		break;
	case ICMP_UNREACH:
		ICMPSTAT_INC(ib, in_unreach);
		m = icmp_notify(br, m, off);
		break;
	case ICMP_TIMXCEED:
		ICMPSTAT_INC(ib, in_timxceed);
		m = icmp_notify(br, m, off);
		break;
	default:
		ICMPSTAT_INC(ib, unknown);
		break;
	}
	if (m == NULL)
		return;
	if ((raw = rip_proto()) != NULL)
		(*raw->pr_input)(ifp, m, off);
	else
		m_freem(m);
}
