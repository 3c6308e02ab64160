/*
 * if_ethersubr.c -- Ethernet input: decode the header and hand the frame
 * to its protocol by table lookup (the proposal's "protocol dispatch in
 * <iftype>_input").
 *
 * Frames of the IEEE local-experimental type go to a counting sink, which
 * is what raw traffic floods aim at; unknown types are counted and freed.
 * Malformed frames (shorter than a header) are dropped and counted, never
 * read past their end.  A protocol's input gets the frame without its
 * Ethernet header (m_pkthdr.rcvif set, M_BCAST/M_MCAST as the destination
 * said), as BSD's ether_input hands packets on.
 */
#include <sys/kern.h>
#include <sys/sdt.h>

#include <kern/endian.h>
#include <kern/mbuf.h>

#include <string.h>

#include <net/if.h>
#include <net/if_ether.h>
#include <net/nexthop.h>
#include <netinet/ip_var.h>

static void
ether_sink(struct ifnet *ifp, struct mbuf *m)
{
	ifp->if_ev_sink.ev_count++;
	m_freem(m);
}

const struct ether_proto ether_protos[] = {
	{ ETHERTYPE_EXPERIMENTAL, ether_sink },
	{ ETHERTYPE_IP, ip_input },
	{ ETHERTYPE_ARP, arp_input },
	{ 0, NULL },
};

void
ether_ifattach(struct ifnet *ifp, const uint8_t *lla)
{
	memcpy(ifp->if_lladdr, lla, ETHER_ADDR_LEN);
	if (ifp->if_mtu == 0)
		ifp->if_mtu = ETHERMTU;
	ifp->if_input = ether_input;
}

void
ether_input(struct ifnet *ifp, struct mbuf *m)
{
	const struct ether_header *eh;
	uint16_t type;

	KASSERT(m->m_flags & M_PKTHDR);
	SDT_PROBE2(ether, input, m->m_pkthdr.len, m->m_pkthdr.ph_id);
	if (m->m_pkthdr.len < ETHER_HDR_LEN ||
	    (m->m_len < ETHER_HDR_LEN &&
	    (m = m_pullup(m, ETHER_HDR_LEN)) == NULL)) {
		ifp->if_ev_ierrors.ev_count++;
		if (m != NULL)
			m_freem(m);
		return;
	}
	eh = mtod(m, const struct ether_header *);
	type = ntohs(eh->ether_type);
	if (eh->ether_dhost[0] & 1)
		m->m_flags |= (eh->ether_dhost[0] == 0xff) ? M_BCAST : M_MCAST;
	m->m_pkthdr.rcvif = ifp;
	for (const struct ether_proto *ep = ether_protos; ep->ep_input; ep++) {
		if (ep->ep_type == type) {
			m_adj(m, ETHER_HDR_LEN);
			(*ep->ep_input)(ifp, m);
			return;
		}
	}
	ifp->if_ev_noproto.ev_count++;
	m_freem(m);
}
