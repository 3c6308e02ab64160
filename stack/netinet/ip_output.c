/*
 * ip_output.c -- sending this host's own IPv4 packets.
 *
 * ip_output finishes a header its caller started (ip_var.h says which
 * fields are whose), finds the route, and hands the packet to the next
 * hop's nexthop cache, which prepends the Ethernet header or holds the
 * packet while ARP asks.  It never fragments: a packet larger than the
 * interface's MTU fails with EMSGSIZE.  A packet for one of the brane's
 * own addresses never reaches a wire: it comes back in through ip_loop.
 *
 * Nothing here keeps state between calls except the brane's IP id
 * counter (atomic); no lock is held when the packet leaves.
 */
#include <sys/kern.h>
#include <sys/atomic.h>
#include <sys/sdt.h>

#include <kern/mbuf.h>

#include <net/brane.h>
#include <net/if.h>
#include <netinet/in.h>
#include <netinet/in_cksum.h>
#include <netinet/in_var.h>
#include <netinet/ip.h>
#include <netinet/ip_var.h>
#include <netinet/nexthop.h>
#include <netinet/route.h>

/*
 * Where the limited broadcast goes: out of the interface of the source
 * address if the caller chose one, else out of the brane's first address.
 */
static int
ip_route_bcast(struct brane *br, struct in_addr src, struct rtresult *rr)
{
	struct inet_brane *ib = br->br_inet;
	struct in_ifaddr *ia;

	if (src.s_addr != INADDR_ANY)
		ia = in_ifaddr_lookup(br, src);
	else {
		rw_enter(&ib->ib_lock, RW_READER);
		ia = ib->ib_addrs;
		rw_exit(&ib->ib_lock);
	}
	if (ia == NULL)
		return EHOSTUNREACH;
	rr->rr_ifp = ia->ia_ifp;
	rr->rr_nexthop.s_addr = INADDR_BROADCAST;
	rr->rr_src = ia->ia_addr;
	rr->rr_flags = 0;
	return 0;
}

/* Version, header length, id, TTL, flags and checksum. */
static void
ip_finish_header(struct inet_brane *ib, struct mbuf *m, int ttl)
{
	struct ip *ip = mtod(m, struct ip *);
	uint16_t id = (uint16_t)atomic_add_32_nv(&ib->ib_ip_id, 1);

	ip->ip_vhl = IP_VHL(IPVERSION, sizeof(struct ip));
	ip->ip_off &= htons(IP_DF);
	ip->ip_ttl = (uint8_t)(ttl != 0 ? ttl : IPDEFTTL);
	ip->ip_id = htons(id);
	ip->ip_sum = 0;
	ip->ip_sum = (uint16_t)in_cksum(m, sizeof(struct ip));
}

int
ip_output(struct brane *br, struct mbuf *m, int ttl)
{
	struct inet_brane *ib = br->br_inet;
	struct in_ifaddr *self;
	struct rtresult rr;
	struct ip *ip;
	int len, error;

	KASSERT(m->m_flags & M_PKTHDR);
	KASSERT(m->m_len >= (int)sizeof(struct ip));
	KASSERT(ttl >= 0 && ttl <= 255);
	ip = mtod(m, struct ip *);
	len = m->m_pkthdr.len;
	if (len > IP_MAXPACKET) {
		IPSTAT_INC(ib, out_toobig);
		m_freem(m);
		return EMSGSIZE;
	}
	KASSERTMSG(ntohs(ip->ip_len) == len, "ip_output: ip_len %u, packet "
	    "%d bytes", ntohs(ip->ip_len), len);
	m->m_pkthdr.rcvif = NULL;
	if (ip->ip_dst.s_addr == INADDR_BROADCAST)
		error = ip_route_bcast(br, ip->ip_src, &rr);
	else
		error = rt_lookup(br, ip->ip_dst, &rr);
	if (error != 0) {
		IPSTAT_INC(ib, out_noroute);
		m_freem(m);
		return EHOSTUNREACH;
	}
	if (ip->ip_src.s_addr == INADDR_ANY)
		ip->ip_src = rr.rr_src;
	if ((u_int)len > rr.rr_ifp->if_mtu) {
		IPSTAT_INC(ib, out_toobig);
		m_freem(m);
		return EMSGSIZE;
	}
	ip_finish_header(ib, m, ttl);
	IPSTAT_INC(ib, sent);
	SDT_PROBE2(ip, output, len, m->m_pkthdr.ph_id);
	if ((self = in_ifaddr_lookup(br, ip->ip_dst)) != NULL)
		return ip_loop(br, self->ia_ifp, m);
	return nh4_output(rr.rr_ifp, m, rr.rr_nexthop);
}
