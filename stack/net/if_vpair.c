/*
 * if_vpair.c -- virtual Ethernet pairs (see if_vpair.h).
 *
 * Each end has a PCQ of frames on their way to it; transmitting puts the
 * mbuf on the peer's PCQ and defers the peer's poll; polling takes up to a
 * batch and hands each to if_input.  No allocation after creation; a full
 * queue drops and counts (tx_drop_ring on the sender).
 */
#include <sys/kern.h>
#include <sys/kmem.h>
#include <sys/race.h>

#include <kern/mbuf.h>
#include <kern/pcq.h>

#include <string.h>

#include <net/if.h>
#include <net/if_ether.h>
#include <net/if_vpair.h>
#include <net/netsys.h>

#define VPAIR_QLEN      1024
#define VPAIR_BATCH     64

struct vpair_end {
	struct ifnet ve_if;
	pcq_t *ve_inq;                  /* frames on their way to this end */
	struct vpair_end *ve_peer;
};

static int
vpair_transmit(struct ifnet *ifp, struct mbuf *m)
{
	struct vpair_end *ve = ifp->if_softc, *peer = ve->ve_peer;
	int len = m->m_pkthdr.len;

	/*
	 * Any CPU may transmit on an end, lock-free: its counters are plain
	 * increments, racy by design (statistics; no scheduling point in
	 * them on this machine).
	 */
	if (!pcq_put(peer->ve_inq, m)) {
		data_race(ifp->if_ev_oqdrops.ev_count++, "statistics");
		m_freem(m);
		return ENOBUFS;
	}
	data_race(ifp->if_ev_opackets.ev_count++, "statistics");
	data_race(ifp->if_ev_obytes.ev_count += (uint64_t)len, "statistics");
	ether_defer(&peer->ve_if);
	return 0;
}

static bool
vpair_poll(struct ifnet *ifp)
{
	struct vpair_end *ve = ifp->if_softc;
	struct mbuf *m;

	for (u_int n = 0; n < VPAIR_BATCH; n++) {
		if ((m = pcq_get(ve->ve_inq)) == NULL)
			return false;
		ifp->if_ev_ipackets.ev_count++;
		ifp->if_ev_ibytes.ev_count += (uint64_t)m->m_pkthdr.len;
		m->m_pkthdr.rcvif = ifp;
		(*ifp->if_input)(ifp, m);
	}
	return true;            /* a full batch: more may wait */
}

static struct vpair_end *
vpair_end_create(const char *name, u_int pair, u_int side,
    struct cpu_info *ci)
{
	struct vpair_end *ve = kmem_zalloc(sizeof(*ve), KM_SLEEP);
	struct ifnet *ifp = &ve->ve_if;
	uint8_t mac[ETHER_ADDR_LEN] = { 0x02, 0x76, 0x70, 0,
	    (uint8_t)(pair >> 7), (uint8_t)((pair << 1 | side) & 0xff) };

	KASSERT(strlen(name) < IFNAMSIZ);
	if_initname(ifp, name);
	ifp->if_softc = ve;
	ifp->if_poll = vpair_poll;
	ifp->if_transmit = vpair_transmit;
	ve->ve_inq = pcq_create(VPAIR_QLEN, KM_SLEEP);
	if_attach(ifp, ci);
	ether_ifattach(ifp, mac);
	return ve;
}

int
vpair_create(const char *a, const char *b, struct cpu_info *ci,
    struct ifnet **ifa, struct ifnet **ifb)
{
	struct net_sys *ns = net_sys();
	u_int pair = ns->ns_vpairs++;
	struct vpair_end *ea, *eb;

	if (ci == NULL)
		ci = cpu_lookup(0);
	ea = vpair_end_create(a, pair, 0, ci);
	eb = vpair_end_create(b, pair, 1, ci);
	ea->ve_peer = eb;
	eb->ve_peer = ea;
	*ifa = &ea->ve_if;
	*ifb = &eb->ve_if;
	return 0;
}
