/*
 * if.h -- network interfaces: struct ifnet and the poll-mode driver model.
 *
 * The proposal's receive path, which every driver here follows:
 *
 *   interrupt --> <iftype>_defer(ifp)        schedules the interface's
 *                                             continuation (no allocation)
 *   continuation --> <iftype>_poll(ifp) --> (*ifp->if_poll)(ifp)
 *                                             services the device; returns
 *                                             true to be called again at once
 *   received frames --> (*ifp->if_input)(ifp, m)
 *                                             decodes the datalink header and
 *                                             dispatches by table to the
 *                                             protocol: no ipintrq
 *
 * Interrupt mitigation: a driver asks if_intr_mitigate() whether its line
 * has used up the interrupts the interface's threshold allows in the
 * current window (if_intr_max_per_s * 1 ms); if so it leaves the line
 * masked and polls again at the next clock tick (ether_defer_tick)
 * instead of unmasking.  So interrupts stay under the threshold (plus
 * one a window) whatever the load, provided hz is high enough for the
 * ring to hold a tick's worth of frames.
 *
 * The legacy model (a host's "rx_model": "legacy"), kept to compare: the
 * interrupt handler does the receive work itself and queues frames on the
 * host's input queue; a soft interrupt drains it under one big network
 * lock and calls if_input, as BSD stacks did.
 *
 * Lock order (outermost first): the big network lock (legacy only), an
 * interface's if_lock, the input queue's lock.
 */
#ifndef _STACK_NET_IF_H_
#define _STACK_NET_IF_H_

#include <sys/kern.h>
#include <sys/evcnt.h>
#include <sys/mutex.h>

#include <kern/kcont.h>

struct mbuf;
struct brane;
struct nhcache;

#define IFNAMSIZ        16
#define ETHER_ADDR_LEN  6

/* if_flags */
#define IFF_UP          0x0001
#define IFF_RUNNING     0x0040
#define IFF_LEGACY      0x1000  /* netsim: the host runs the legacy rx model */

/*
 * Legend: c = constant after attach, d = the driver's (its own locking),
 * a = atomic or single-writer counter, k = the poll continuation's.
 */
struct ifnet {
	char if_xname[IFNAMSIZ];                /* c */
	void *if_softc;                         /* c: the driver's */
	struct brane *if_brane;                 /* c: its network stack */
	uint8_t if_lladdr[ETHER_ADDR_LEN];      /* c */
	u_int if_mtu;                           /* c */
	u_int if_flags;                         /* d */
	uint64_t if_intr_max_per_s;             /* c: mitigation threshold */

	/* The driver's methods. */
	bool	(*if_poll)(struct ifnet *);
	int	(*if_transmit)(struct ifnet *, struct mbuf *);
	/* Set by the link layer (ether_ifattach). */
	void	(*if_input)(struct ifnet *, struct mbuf *);

	kcont_t if_kc;                          /* runs <iftype>_poll */
	uint64_t if_window_start;               /* k: mitigation window, ns */
	uint64_t if_window_intrs;               /* a: interrupts in it */

	struct evcnt if_ev_ipackets;            /* frames received */
	struct evcnt if_ev_ibytes;
	struct evcnt if_ev_opackets;            /* frames sent */
	struct evcnt if_ev_obytes;
	struct evcnt if_ev_iqdrops;             /* received, dropped: no mbuf */
	struct evcnt if_ev_oqdrops;             /* sent, dropped: tx ring full */
	struct evcnt if_ev_intrs;               /* interrupts taken */
	struct evcnt if_ev_masked;              /* stayed masked (mitigation) */
	struct evcnt if_ev_polls;               /* poll passes */
	struct evcnt if_ev_noproto;             /* no protocol for the type */
	struct evcnt if_ev_sink;                /* taken by the counting sink */
	struct evcnt if_ev_ierrors;             /* malformed frames */

	struct ifnet *if_next;                  /* c: host's list */
	struct ifnet *if_brane_next;            /* its brane's list */
	struct nhcache *if_nh4;                 /* IPv4 neighbours (set by the
						   inet domain's dom_ifattach:
						   netinet/nexthop.h) */
};

/* if_xname = name, cut to IFNAMSIZ - 1 characters (before if_attach). */
void	if_initname(struct ifnet *, const char *name);
/*
 * Attach an interface: counters "<xname>.<counter>", the poll continuation
 * (ether_poll), and each domain's per-interface state (dom_ifattach).
 */
void	if_attach(struct ifnet *, struct cpu_info *poll_cpu);

/*
 * Count an interrupt (from the handler), and say whether the line should
 * stay masked and be polled per tick: true when the current window's
 * interrupts have reached its budget, if_intr_max_per_s * the window
 * (1 ms, or longer for thresholds under 1000/s).  Called by the poll
 * routine when it is done.
 */
bool	if_intr_mitigate(struct ifnet *);
void	if_intr_count(struct ifnet *);

/* The legacy model: queue a received frame for the netisr softint. */
void	if_legacy_enqueue(struct ifnet *, struct mbuf *);

/* Per-host interface state, set up at boot. */
void	if_sysinit(void);
/* The calling host's interfaces, in attach order. */
struct ifnet *if_first(void);

#endif /* _STACK_NET_IF_H_ */
