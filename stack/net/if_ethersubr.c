/*
 * if_ethersubr.c -- Ethernet's part of the receive path: <iftype>_defer
 * and <iftype>_poll (the interface's continuation), and ether_input, which
 * decodes the header and hands the frame to its protocol by table lookup
 * (the proposal's "protocol dispatch in <iftype>_input").
 *
 * The table is the protocols' own: each domain lists the Ethernet types
 * its protocols take (struct domain's dom_ether, kern/protosw.h), so this
 * file names no protocol and net/ needs nothing from netinet/.  The link
 * layer keeps one row of its own: frames of the IEEE local-experimental
 * type go to a counting sink, which is what raw traffic floods aim at.
 * Unknown types are counted and freed.  Malformed frames (shorter than a
 * header) are dropped and counted, never read past their end.  A
 * protocol's input gets the frame without its Ethernet header
 * (m_pkthdr.rcvif set, M_BCAST/M_MCAST as the destination said), as BSD's
 * ether_input hands packets on.
 */
#include <sys/kern.h>
#include <sys/sdt.h>

#include <kern/endian.h>
#include <kern/kcont.h>
#include <kern/mbuf.h>
#include <kern/protosw.h>

#include <string.h>

#include <net/if.h>
#include <net/if_ether.h>

static void
ether_sink(struct ifnet *ifp, struct mbuf *m)
{
	ifp->if_ev_sink.ev_count++;
	m_freem(m);
}

/* The link layer's own rows; the protocols' are their domains'. */
static const struct ether_proto ether_local[] = {
	{ ETHERTYPE_EXPERIMENTAL, ether_sink },
};

/* The row for frames of type, or NULL: no protocol takes them. */
static const struct ether_proto *
ether_lookup(uint16_t type)
{
	for (u_int i = 0; i < __arraycount(ether_local); i++)
		if (ether_local[i].ep_type == type)
			return &ether_local[i];
	for (u_int d = 0; domains[d] != NULL; d++) {
		const struct domain *dom = domains[d];

		KASSERT(dom->dom_nether == 0 || dom->dom_ether != NULL);
		for (u_int i = 0; i < dom->dom_nether; i++)
			if (dom->dom_ether[i].ep_type == type)
				return &dom->dom_ether[i];
	}
	return NULL;
}

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
	const struct ether_proto *ep;
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
	if ((ep = ether_lookup(type)) == NULL) {
		ifp->if_ev_noproto.ev_count++;
		m_freem(m);
		return;
	}
	KASSERT(ep->ep_input != NULL);
	m_adj(m, ETHER_HDR_LEN);
	(*ep->ep_input)(ifp, m);
}

void
ether_defer(struct ifnet *ifp)
{
	kcont_schedule(&ifp->if_kc, 0);
}

void
ether_defer_tick(struct ifnet *ifp)
{
	kcont_schedule(&ifp->if_kc, 1);
}

void
ether_poll(void *arg)
{
	struct ifnet *ifp = arg;

	ifp->if_ev_polls.ev_count++;
	if ((*ifp->if_poll)(ifp))
		kcont_schedule(&ifp->if_kc, 0);
}
