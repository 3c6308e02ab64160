/*
 * nexthop.h -- per-interface nexthop caches (the proposal's replacement
 * for ARP entries in the routing table).
 *
 * Each interface has, per address family, a PATRICIA tree of neighbours;
 * each entry holds the prebuilt datalink header needed to reach the
 * neighbour, so sending is a lookup and a copy.  ARP (if_arp.c) fills the
 * IPv4 cache: a request when an entry is missing (the packet waits, a few
 * per entry, bounded), retries on a continuation, the reply completes the
 * entry and sends what waited; entries age out and are asked for again.
 * Nothing here is per brane: an interface belongs to one brane, so its
 * caches do too.
 *
 * An entry's life (nexthop.c):
 *
 *   (none) --use--> INCOMPLETE --reply--> REACHABLE --NH_REACHABLE_NS--+
 *                     |   ^ asks every NH_ASK_INTERVAL_MS,            |
 *                     |   | NH_ASK_MAX in all                         v
 *                     |   +----------- (after NH_DOWN_NS) ------ (stale: next
 *                     v                                           use sends on
 *                   FAILED: held packets dropped ("hostdown";     the old header
 *                   forwarded ones get ICMP host unreachable);    and asks again:
 *                   sends fail with EHOSTDOWN for NH_DOWN_NS      PROBE)
 *
 * A PROBE entry that gets no answer after NH_ASK_MAX requests becomes
 * FAILED too.  No timer runs unless some entry is INCOMPLETE or PROBE: a
 * host at rest schedules nothing, so a run can end.
 *
 * Locking: the cache's nc_lock (a reader/writer lock) guards the tree and
 * every entry.  Sending to a REACHABLE entry takes it as a reader and
 * copies the header out; everything else (creating, holding, completing,
 * aging, the retry continuation) takes it as a writer.  Packets are never
 * transmitted with nc_lock held.  nc_lock comes after the brane's route
 * and address locks and takes neither.
 */
#ifndef _STACK_NET_NEXTHOP_H_
#define _STACK_NET_NEXTHOP_H_

#include <sys/kern.h>
#include <sys/evcnt.h>
#include <sys/rwlock.h>

#include <kern/kcont.h>
#include <kern/ptree.h>
#include <kern/ptree_inet.h>

#include <net/if.h>
#include <netinet/in.h>

struct mbuf;

#define NH_HOLD_MAX     4       /* packets waiting for one resolution */
#define NH_ASK_MAX      3       /* ARP requests before giving up */
#define NH_ASK_INTERVAL_MS 1000 /* between two requests for one entry */
#define NH_ENTRIES_MAX  512     /* neighbours per interface */
#define NH_REACHABLE_NS (20ULL * 60 * 1000000000)      /* 20 minutes */
#define NH_DOWN_NS      (20ULL * 1000000000)           /* failed: 20 s */
#define NH_LLHDR_LEN    14      /* the prebuilt Ethernet header */

/* Counters of one interface's cache and ARP, "arp.<xname>.<name>". */
#define NHSTAT_LIST(X)                                                  \
	X(req_out, "ARP requests sent")                                \
	X(rep_out, "ARP replies sent")                                 \
	X(req_in, "ARP requests received (well formed)")               \
	X(rep_in, "ARP replies received (well formed)")                \
	X(bad, "ARP packets dropped: short, not Ethernet/IPv4, or a "  \
	    "bad sender (ours, multicast)")                            \
	X(dup, "ARP packets from another host claiming our address")   \
	X(notours, "requests for an address not on this interface")    \
	X(resolved, "entries completed by a reply")                    \
	X(timeouts, "resolutions given up after NH_ASK_MAX requests")  \
	X(held, "packets held while their neighbour was resolved")     \
	X(hold_drops, "held packets dropped: the hold queue was full")  \
	X(full, "new neighbours refused: the cache was full")          \
	X(evicted, "failed or stale entries recycled for new ones")    \
	X(stale, "entries past NH_REACHABLE_NS asked for again")

enum nhstat_id {
#define NHSTAT_ENUM_(n, d) NHSTAT_##n,
	NHSTAT_LIST(NHSTAT_ENUM_)
#undef NHSTAT_ENUM_
	NHSTAT_N
};

enum nh_state {
	NH_INCOMPLETE,          /* asked, no answer yet; packets wait */
	NH_REACHABLE,           /* header valid and confirmed */
	NH_PROBE,               /* header valid but stale; asked again */
	NH_FAILED,              /* no answer: sends fail for NH_DOWN_NS */
};

/* Legend: c = constant after nh4_attach, w = nc_lock as writer. */
struct nhentry {
	pt_in4_node_t ne_node;          /* w: key = the neighbour's address */
	enum nh_state ne_state;         /* w */
	uint8_t ne_hdr[NH_LLHDR_LEN];   /* w: dst, src, ETHERTYPE_IP */
	uint64_t ne_when_ns;            /* w: confirmed (REACHABLE), last
					   asked (INCOMPLETE, PROBE), failed
					   (FAILED) */
	u_int ne_asks;                  /* w: requests sent this round */
	u_int ne_nhold;                 /* w */
	struct mbuf *ne_hold;           /* w: waiting packets, m_nextpkt */
	struct mbuf *ne_holdtail;       /* w */
};

struct nhcache {
	krwlock_t nc_lock;
	pt_tree_t nc_tree;              /* w: struct nhentry, exact match */
	u_int nc_count;                 /* w: entries in the tree */
	struct ifnet *nc_ifp;           /* c */
	kcont_t nc_kc;                  /* retries, while any entry asks */
	char nc_group[4 + IFNAMSIZ];    /* c: "arp.<xname>" */
	struct evcnt nc_stat[NHSTAT_N]; /* plain increments */
};

#define NHSTAT_INC(nc, n)       ((nc)->nc_stat[NHSTAT_##n].ev_count++)

/*
 * Set up ifp's IPv4 cache and its counters: the inet domain's
 * dom_ifattach, which if_attach runs.
 */
void	nh4_attach(struct ifnet *);

/*
 * Send m (starting with its IPv4 header) to neighbour nh on ifp: prepend
 * the prebuilt Ethernet header and transmit, or hold it and ask.  A
 * broadcast nh (all ones, or the directed broadcast of one of ifp's
 * subnets) goes to the Ethernet broadcast address, a multicast one to its
 * mapped group address, without asking.  Consumes m.
 * => 0 (sent, or held), ENOBUFS, or EHOSTDOWN when the neighbour did not
 *    answer before (FAILED); a forwarded packet (m_pkthdr.rcvif set)
 *    that fails so gets ICMP host unreachable back
 * => never called with nc_lock held; may sleep on it (not in hardware
 *    interrupt context)
 */
int	nh4_output(struct ifnet *, struct mbuf *m, struct in_addr nh);

/* ARP input (ETHERTYPE_ARP frames, the Ethernet header stripped). */
void	arp_input(struct ifnet *, struct mbuf *);

/*
 * What the cache says about neighbour a, for tests and tools: false if
 * there is no entry; else its state and, if hdr is not NULL, its header.
 */
bool	nh4_query(struct ifnet *, struct in_addr a, enum nh_state *state,
	    uint8_t hdr[NH_LLHDR_LEN]);
/* Entries in ifp's IPv4 cache. */
u_int	nh4_count(struct ifnet *);

/* --- between the cache (nexthop.c) and ARP (if_arp.c) --------------- */

/*
 * ARP heard that a is at lladdr on ifp: complete or refresh a's entry,
 * creating it if create (the request was for us), and send what waited.
 * => nc_lock not held
 */
void	nh4_learn(struct ifnet *, struct in_addr a, const uint8_t *lladdr,
	    bool create);
/* Broadcast an ARP request for a on ifp.  => nc_lock not held */
void	arp_request(struct ifnet *, struct in_addr a);

#endif /* _STACK_NET_NEXTHOP_H_ */
