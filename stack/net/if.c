/*
 * if.c -- interfaces: attach, interrupt mitigation, and the legacy input
 * queue.  (The Ethernet routines of the receive path -- <iftype>_defer,
 * _poll, _input -- are in if_ethersubr.c.)
 *
 * Per host (kern_globals()->kg_net): the list of interfaces and, for the
 * legacy model, one input queue drained by a SOFTNET soft interrupt under
 * the big network lock.  Never allocates on the receive path.
 */
#include <sys/kern.h>
#include <sys/atomic.h>
#include <sys/intr.h>
#include <sys/kernvar.h>
#include <sys/kmem.h>
#include <sys/mutex.h>
#include <sys/race.h>
#include <sys/sdt.h>

#include <kern/kcont.h>
#include <kern/mbuf.h>
#include <kern/protosw.h>

#include <string.h>

#include <net/if.h>
#include <net/if_ether.h>
#include <net/netsys.h>

/* The mitigation window: rates are judged over this much time. */
#define IF_WINDOW_NS    1000000ULL

struct net_sys *
net_sys(void)
{
	struct net_sys *ns = kern_globals()->kg_net;

	KASSERTMSG(ns != NULL, "network used before if_sysinit");
	return ns;
}

static void
if_legacy_softint(void *arg)
{
	struct net_sys *ns = arg;

	for (;;) {
		struct mbuf *m;
		struct ifnet *ifp;

		mutex_spin_enter(&ns->ns_inq_lock);
		if ((m = ns->ns_inq_head) != NULL) {
			ns->ns_inq_head = m->m_nextpkt;
			if (ns->ns_inq_head == NULL)
				ns->ns_inq_tail = NULL;
			ns->ns_inq_len--;
		}
		mutex_spin_exit(&ns->ns_inq_lock);
		if (m == NULL)
			return;
		m->m_nextpkt = NULL;
		ifp = m->m_pkthdr.rcvif;
		/* The big network lock: all protocol work, one CPU at a time. */
		mutex_enter(&ns->ns_biglock);
		(*ifp->if_input)(ifp, m);
		mutex_exit(&ns->ns_biglock);
	}
}

void
if_sysinit(void)
{
	struct kern_globals *kg = kern_globals();
	struct net_sys *ns;

	KASSERT(kg->kg_net == NULL);
	ns = kmem_zalloc(sizeof(*ns), KM_SLEEP);
	mutex_init(&ns->ns_biglock, MUTEX_DEFAULT, IPL_NONE);
	mutex_init(&ns->ns_inq_lock, MUTEX_SPIN, IPL_NET);
	ns->ns_inq_si = softint_establish(SOFTINT_NET | SOFTINT_MPSAFE,
	    if_legacy_softint, ns);
	evcnt_attach_dynamic(&ns->ns_ev_inq_drops, EVCNT_TYPE_MISC, NULL,
	    "ipintrq", "drops");
	evcnt_attach_dynamic(&ns->ns_ev_inq_peak, EVCNT_TYPE_MISC, NULL,
	    "ipintrq", "peak");
	kg->kg_net = ns;
}

struct ifnet *
if_first(void)
{
	return net_sys()->ns_ifnets;
}

void
if_initname(struct ifnet *ifp, const char *name)
{
	size_t n = MIN(strlen(name), sizeof(ifp->if_xname) - 1);

	memcpy(ifp->if_xname, name, n);
	ifp->if_xname[n] = '\0';
}

#define IF_COUNTER(ifp, ev, name) \
	evcnt_attach_dynamic(&(ifp)->ev, EVCNT_TYPE_MISC, NULL, (ifp)->if_xname, \
	    name)

void
if_attach(struct ifnet *ifp, struct cpu_info *poll_cpu)
{
	struct net_sys *ns = net_sys();
	struct ifnet **pp;

	KASSERT(ifp->if_poll != NULL && ifp->if_transmit != NULL);
	kcont_init(&ifp->if_kc, ether_poll, ifp, KCONT_SOFTNET);
	kcont_bind(&ifp->if_kc, poll_cpu);
	IF_COUNTER(ifp, if_ev_ipackets, "rx_frames");
	IF_COUNTER(ifp, if_ev_ibytes, "rx_bytes");
	IF_COUNTER(ifp, if_ev_opackets, "tx_frames");
	IF_COUNTER(ifp, if_ev_obytes, "tx_bytes");
	IF_COUNTER(ifp, if_ev_iqdrops, "rx_drop_nombuf");
	IF_COUNTER(ifp, if_ev_oqdrops, "tx_drop_ring");
	IF_COUNTER(ifp, if_ev_intrs, "intrs");
	IF_COUNTER(ifp, if_ev_masked, "intr_masked");
	IF_COUNTER(ifp, if_ev_polls, "polls");
	IF_COUNTER(ifp, if_ev_noproto, "rx_noproto");
	IF_COUNTER(ifp, if_ev_sink, "rx_sink");
	IF_COUNTER(ifp, if_ev_ierrors, "rx_errors");
	for (pp = &ns->ns_ifnets; *pp != NULL; pp = &(*pp)->if_next)
		continue;
	*pp = ifp;
	/* Each domain's state for the interface (IPv4: its nexthop cache). */
	for (u_int d = 0; domains[d] != NULL; d++)
		if (domains[d]->dom_ifattach != NULL)
			(*domains[d]->dom_ifattach)(ifp);
	ifp->if_flags |= IFF_UP | IFF_RUNNING;
}

void
if_intr_count(struct ifnet *ifp)
{
	ifp->if_ev_intrs.ev_count++;
	/*
	 * The interrupt counts without the poll's level, so a count may
	 * land on a window if_intr_mitigate is resetting (on this machine
	 * only across its getnanouptime): the budget then lets one more
	 * interrupt through, which mitigation tolerates by design.
	 */
	data_race(ifp->if_window_intrs++, "a count lost to a window reset "
	    "only lets one more interrupt through");
}

/*
 * A budget per window: a window lasts IF_WINDOW_NS (longer when the
 * threshold allows less than one interrupt in that time) and may take
 * if_intr_max_per_s * window interrupts; once they are used up the line
 * stays masked, polled per tick, until the window ends.  Judging a whole
 * window after the fact instead lets a masked (so quiet) window unmask
 * the next one, and the rate then swings with the load; the budget holds
 * any window to at most its share plus the one interrupt that may arrive
 * between the window's end and the next call.
 */
bool
if_intr_mitigate(struct ifnet *ifp)
{
	uint64_t now, window_ns, max = ifp->if_intr_max_per_s;
	bool mitigate;

	if (max == 0)
		return false;
	now = getnanouptime();
	window_ns = MAX(IF_WINDOW_NS, (1000000000ULL + max - 1) / max);
	if (now - ifp->if_window_start >= window_ns) {
		ifp->if_window_start = now;
		ifp->if_window_intrs = 0;
	}
	mitigate = ifp->if_window_intrs * 1000000000ULL >= max * window_ns;
	if (mitigate)
		ifp->if_ev_masked.ev_count++;
	return mitigate;
}

void
if_legacy_enqueue(struct ifnet *ifp, struct mbuf *m)
{
	struct net_sys *ns = net_sys();
	bool drop;

	KASSERT(m->m_flags & M_PKTHDR);
	m->m_pkthdr.rcvif = ifp;
	mutex_spin_enter(&ns->ns_inq_lock);
	drop = ns->ns_inq_len >= NET_INQ_MAX;
	if (!drop) {
		m->m_nextpkt = NULL;
		if (ns->ns_inq_tail != NULL)
			ns->ns_inq_tail->m_nextpkt = m;
		else
			ns->ns_inq_head = m;
		ns->ns_inq_tail = m;
		if (++ns->ns_inq_len > ns->ns_ev_inq_peak.ev_count)
			ns->ns_ev_inq_peak.ev_count = ns->ns_inq_len;
	} else {
		ns->ns_ev_inq_drops.ev_count++;
	}
	mutex_spin_exit(&ns->ns_inq_lock);
	if (drop)
		m_freem(m);
	else
		softint_schedule(ns->ns_inq_si);
}
