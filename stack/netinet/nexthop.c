/*
 * nexthop.c -- per-interface IPv4 nexthop caches: entries with prebuilt
 * Ethernet headers, resolution by ARP, hold queues, retries and aging
 * (the life of an entry is drawn in nexthop.h).
 *
 * The one idea: the common case -- a REACHABLE, fresh neighbour -- is a
 * reader-locked exact-match lookup and a 14-byte copy; everything else is
 * rare and happens under the cache's lock as a writer.  Packets are never
 * transmitted, freed into ICMP, or handed to ARP with the lock held: the
 * locked part decides and collects, the unlocked part acts.
 *
 * Limits: NH_HOLD_MAX packets per unresolved entry (the oldest is dropped
 * for a newer one), NH_ENTRIES_MAX entries per interface (a failed or
 * stale entry is recycled for a new neighbour, else the new one is
 * refused), NH_ASK_MAX requests per resolution.  The retry continuation
 * runs only while some entry is asking, so a quiet host has no timer.
 * Aging is lazy: an entry past NH_REACHABLE_NS is noticed when used.
 */
#include <sys/kern.h>
#include <sys/evcnt.h>
#include <sys/kmem.h>
#include <sys/rwlock.h>

#include <kern/endian.h>
#include <kern/kcont.h>
#include <kern/mbuf.h>
#include <kern/ptree.h>
#include <kern/ptree_inet.h>

#include <string.h>

#include <net/brane.h>
#include <net/if.h>
#include <net/if_ether.h>
#include <netinet/in.h>
#include <netinet/in_var.h>
#include <netinet/ip_icmp.h>
#include <netinet/ip_var.h>
#include <netinet/nexthop.h>

/* Requests the retry continuation sends per run (the rest: next tick). */
#define NH_ASKS_PER_RUN 32

static const char *const nhstat_names[NHSTAT_N] = {
#define NHSTAT_NAME_(n, d) #n,
	NHSTAT_LIST(NHSTAT_NAME_)
#undef NHSTAT_NAME_
};

static void nh4_timer(void *);

void
nh4_attach(struct ifnet *ifp)
{
	struct nhcache *nc;
	size_t n = strlen(ifp->if_xname);

	KASSERT(ifp->if_nh4 == NULL);
	KASSERT(n < IFNAMSIZ);
	nc = kmem_zalloc(sizeof(*nc), KM_SLEEP);
	rw_init(&nc->nc_lock);
	ptree_in4_init(&nc->nc_tree, 0);
	nc->nc_ifp = ifp;
	kcont_init(&nc->nc_kc, nh4_timer, nc, KCONT_SOFTNET);
	memcpy(nc->nc_group, "arp.", 4);
	memcpy(nc->nc_group + 4, ifp->if_xname, n + 1);
	for (u_int i = 0; i < NHSTAT_N; i++)
		evcnt_attach_dynamic(&nc->nc_stat[i], EVCNT_TYPE_MISC, NULL,
		    nc->nc_group, nhstat_names[i]);
	ifp->if_nh4 = nc;
}

static struct nhentry *
ne_of(pt_in4_node_t *n)
{
	return n == NULL ? NULL : container_of(n, struct nhentry, ne_node);
}

static struct nhentry *
nh_find(struct nhcache *nc, struct in_addr a)
{
	KASSERT(rw_lock_held(&nc->nc_lock));
	return ne_of(ptree_in4_find(&nc->nc_tree, &a, 32));
}

/* dst, our address, ETHERTYPE_IP. */
static void
nh_build_header(const struct ifnet *ifp, const uint8_t *dst,
    uint8_t hdr[NH_LLHDR_LEN])
{
	memcpy(hdr, dst, ETHER_ADDR_LEN);
	memcpy(hdr + ETHER_ADDR_LEN, ifp->if_lladdr, ETHER_ADDR_LEN);
	be16enc(hdr + 2 * ETHER_ADDR_LEN, ETHERTYPE_IP);
}

/*
 * Prepend the header and hand the frame to the driver.  Consumes m.
 * => ifp is in a brane (nh4_output and ARP input see to it)
 */
static int
nh_transmit(struct ifnet *ifp, struct mbuf *m, const uint8_t *hdr)
{
	KASSERT(ifp->if_brane != NULL);
	M_PREPEND(m, NH_LLHDR_LEN, M_DONTWAIT);
	if (m == NULL) {
		IPSTAT_INC(ifp->if_brane->br_inet, nobufs);
		return ENOBUFS;
	}
	memcpy(mtod(m, uint8_t *), hdr, NH_LLHDR_LEN);
	return (*ifp->if_transmit)(ifp, m);
}

/*
 * A packet whose neighbour did not answer: count it; if it was being
 * forwarded, tell its source (ICMP host unreachable).
 */
static void
nh_fail_packet(struct ifnet *ifp, struct mbuf *m)
{
	struct brane *br = ifp->if_brane;

	KASSERT(br != NULL);
	IPSTAT_INC(br->br_inet, hostdown);
	if (m->m_pkthdr.rcvif != NULL)
		icmp_error(br, m, ICMP_UNREACH, ICMP_UNREACH_HOST, 0);
	else
		m_freem(m);
}

/* Append m to ne's hold queue; returns the packet it pushed out, if any. */
static struct mbuf *
nh_hold(struct nhcache *nc, struct nhentry *ne, struct mbuf *m)
{
	struct mbuf *old = NULL;

	KASSERT(rw_write_held(&nc->nc_lock));
	if (ne->ne_nhold == NH_HOLD_MAX) {
		old = ne->ne_hold;
		ne->ne_hold = old->m_nextpkt;
		if (ne->ne_hold == NULL)
			ne->ne_holdtail = NULL;
		old->m_nextpkt = NULL;
		ne->ne_nhold--;
		NHSTAT_INC(nc, hold_drops);
	}
	m->m_nextpkt = NULL;
	if (ne->ne_holdtail != NULL)
		ne->ne_holdtail->m_nextpkt = m;
	else
		ne->ne_hold = m;
	ne->ne_holdtail = m;
	ne->ne_nhold++;
	NHSTAT_INC(nc, held);
	return old;
}

/* Take ne's whole hold queue (a list by m_nextpkt). */
static struct mbuf *
nh_take_held(struct nhentry *ne)
{
	struct mbuf *m = ne->ne_hold;

	ne->ne_hold = ne->ne_holdtail = NULL;
	ne->ne_nhold = 0;
	return m;
}

/* Whether ne may be recycled: nothing waits on it and it is of no use. */
static bool
nh_recyclable(const struct nhentry *ne, uint64_t now)
{
	if (ne->ne_nhold != 0)
		return false;
	if (ne->ne_state == NH_FAILED)
		return true;
	return ne->ne_state == NH_REACHABLE &&
	    now - ne->ne_when_ns >= NH_REACHABLE_NS;
}

/*
 * A new INCOMPLETE entry for a: a fresh one, or a recycled one when the
 * cache is full; NULL if neither (counted).  => nc_lock writer
 */
static struct nhentry *
nh_create(struct nhcache *nc, struct in_addr a, uint64_t now)
{
	struct nhentry *ne = NULL;
	pt_in4_node_t *n;

	KASSERT(rw_write_held(&nc->nc_lock));
	if (nc->nc_count >= NH_ENTRIES_MAX) {
		for (n = ptree_in4_first(&nc->nc_tree); n != NULL;
		    n = ptree_in4_next(&nc->nc_tree, n))
			if (nh_recyclable(ne_of(n), now))
				break;
		if (n == NULL) {
			NHSTAT_INC(nc, full);
			return NULL;
		}
		ne = ne_of(n);
		ptree_in4_remove(&nc->nc_tree, n);
		nc->nc_count--;
		NHSTAT_INC(nc, evicted);
		memset(ne, 0, sizeof(*ne));
	} else if ((ne = kmem_zalloc(sizeof(*ne), KM_NOSLEEP)) == NULL) {
		NHSTAT_INC(nc, full);
		return NULL;
	}
	ne->ne_state = NH_INCOMPLETE;
	n = ptree_in4_insert(&nc->nc_tree, &ne->ne_node, &a, 32);
	KASSERT(n == &ne->ne_node);
	nc->nc_count++;
	return ne;
}

/* Whether some entry is asking (INCOMPLETE or PROBE).  => nc_lock writer */
static bool
nh_asking(struct nhcache *nc)
{
	pt_in4_node_t *n;

	KASSERT(rw_write_held(&nc->nc_lock));
	for (n = ptree_in4_first(&nc->nc_tree); n != NULL;
	    n = ptree_in4_next(&nc->nc_tree, n))
		if (ne_of(n)->ne_state == NH_INCOMPLETE ||
		    ne_of(n)->ne_state == NH_PROBE)
			return true;
	return false;
}

/* Run the retry continuation by the time an entry asked now is due. */
static void
nh_timer_arm(struct nhcache *nc)
{
	KASSERT(rw_write_held(&nc->nc_lock));
	if (!kcont_pending(&nc->nc_kc))
		kcont_schedule(&nc->nc_kc, mstohz(NH_ASK_INTERVAL_MS));
}

/* What the slow path decided, to act on once the lock is dropped. */
struct nh_plan {
	struct mbuf *send;              /* transmit with hdr */
	struct mbuf *drop;              /* pushed out of a hold queue */
	struct mbuf *fail;              /* EHOSTDOWN */
	bool ask;                       /* send an ARP request */
	uint8_t hdr[NH_LLHDR_LEN];
};

/*
 * Decide about m for neighbour a, whose entry is missing, incomplete,
 * stale, failed -- or was completed meanwhile by another CPU.
 * => nc_lock writer
 */
static void
nh_decide(struct nhcache *nc, struct in_addr a, struct mbuf *m,
    struct nh_plan *p)
{
	struct nhentry *ne = nh_find(nc, a);
	uint64_t now = getnanouptime();

	if (ne == NULL && (ne = nh_create(nc, a, now)) == NULL) {
		p->drop = m;
		return;
	}
	switch (ne->ne_state) {
	case NH_REACHABLE:
		if (now - ne->ne_when_ns >= NH_REACHABLE_NS) {
			/* Stale: still usable, but ask again. */
			NHSTAT_INC(nc, stale);
			ne->ne_state = NH_PROBE;
			ne->ne_asks = 0;
		}
		/* FALLTHROUGH */
	case NH_PROBE:
		memcpy(p->hdr, ne->ne_hdr, NH_LLHDR_LEN);
		p->send = m;
		break;
	case NH_FAILED:
		if (now - ne->ne_when_ns < NH_DOWN_NS) {
			p->fail = m;
			return;
		}
		ne->ne_state = NH_INCOMPLETE;
		ne->ne_asks = 0;
		/* FALLTHROUGH */
	case NH_INCOMPLETE:
		p->drop = nh_hold(nc, ne, m);
		break;
	}
	if (ne->ne_state != NH_REACHABLE && ne->ne_asks == 0) {
		ne->ne_asks = 1;
		ne->ne_when_ns = now;
		p->ask = true;
		nh_timer_arm(nc);
	}
}

/* Broadcast and multicast destinations need no ARP. */
static int
nh_output_group(struct ifnet *ifp, struct mbuf *m, struct in_addr nh)
{
	uint8_t dst[ETHER_ADDR_LEN], hdr[NH_LLHDR_LEN];
	uint32_t a = ntohl(nh.s_addr);

	if (in_multicast(nh.s_addr)) {
		/* RFC 1112: 01:00:5e and the group's low 23 bits. */
		dst[0] = 0x01;
		dst[1] = 0x00;
		dst[2] = 0x5e;
		dst[3] = (uint8_t)((a >> 16) & 0x7f);
		dst[4] = (uint8_t)(a >> 8);
		dst[5] = (uint8_t)a;
	} else
		memset(dst, 0xff, sizeof(dst));
	nh_build_header(ifp, dst, hdr);
	return nh_transmit(ifp, m, hdr);
}

int
nh4_output(struct ifnet *ifp, struct mbuf *m, struct in_addr nh)
{
	struct nhcache *nc = ifp->if_nh4;
	struct nh_plan p;
	struct nhentry *ne;
	uint64_t now;
	int error = 0;

	KASSERT(nc != NULL && ifp->if_brane != NULL);
	KASSERT(m->m_flags & M_PKTHDR);
	if (in_multicast(nh.s_addr) || in_broadcast(ifp->if_brane, ifp, nh))
		return nh_output_group(ifp, m, nh);
	now = getnanouptime();
	rw_enter(&nc->nc_lock, RW_READER);
	ne = nh_find(nc, nh);
	if (ne != NULL && ne->ne_state == NH_REACHABLE &&
	    now - ne->ne_when_ns < NH_REACHABLE_NS) {
		memcpy(p.hdr, ne->ne_hdr, NH_LLHDR_LEN);
		rw_exit(&nc->nc_lock);
		return nh_transmit(ifp, m, p.hdr);
	}
	rw_exit(&nc->nc_lock);

	memset(&p, 0, sizeof(p));
	rw_enter(&nc->nc_lock, RW_WRITER);
	nh_decide(nc, nh, m, &p);
	rw_exit(&nc->nc_lock);
	if (p.ask)
		arp_request(ifp, nh);
	if (p.send != NULL)
		error = nh_transmit(ifp, p.send, p.hdr);
	if (p.fail != NULL) {
		nh_fail_packet(ifp, p.fail);
		error = EHOSTDOWN;
	}
	if (p.drop != NULL) {
		/* A full cache, or the hold queue's oldest packet. */
		if (p.drop == m)
			error = ENOBUFS;
		IPSTAT_INC(ifp->if_brane->br_inet, nobufs);
		m_freem(p.drop);
	}
	return error;
}

void
nh4_learn(struct ifnet *ifp, struct in_addr a, const uint8_t *lladdr,
    bool create)
{
	struct nhcache *nc = ifp->if_nh4;
	struct nhentry *ne;
	struct mbuf *held = NULL, *next;
	uint8_t hdr[NH_LLHDR_LEN];
	uint64_t now = getnanouptime();
	bool asked;

	KASSERT(nc != NULL);
	rw_enter(&nc->nc_lock, RW_WRITER);
	ne = nh_find(nc, a);
	if (ne == NULL && create)
		ne = nh_create(nc, a, now);
	if (ne == NULL) {
		rw_exit(&nc->nc_lock);
		return;
	}
	asked = ne->ne_state == NH_INCOMPLETE || ne->ne_state == NH_PROBE;
	if (asked)
		NHSTAT_INC(nc, resolved);
	nh_build_header(ifp, lladdr, ne->ne_hdr);
	memcpy(hdr, ne->ne_hdr, NH_LLHDR_LEN);
	ne->ne_state = NH_REACHABLE;
	ne->ne_when_ns = now;
	ne->ne_asks = 0;
	held = nh_take_held(ne);
	/* The last answer: no retry is due, no timer keeps the host busy. */
	if (asked && !nh_asking(nc))
		(void)kcont_stop(&nc->nc_kc);
	rw_exit(&nc->nc_lock);
	for (; held != NULL; held = next) {
		next = held->m_nextpkt;
		held->m_nextpkt = NULL;
		(void)nh_transmit(ifp, held, hdr);
	}
}

/*
 * One pass over the asking entries: ask again those that are due, give
 * up on those asked NH_ASK_MAX times.  => nc_lock writer; returns the
 * packets of the entries given up (m_nextpkt list), and the addresses to
 * ask for in ask[] (*nask of them).
 */
static struct mbuf *
nh_timer_pass(struct nhcache *nc, uint64_t now, struct in_addr *ask,
    u_int *nask, uint64_t *next_due)
{
	struct mbuf *dead = NULL, *m, *last;
	pt_in4_node_t *n;

	for (n = ptree_in4_first(&nc->nc_tree); n != NULL;
	    n = ptree_in4_next(&nc->nc_tree, n)) {
		struct nhentry *ne = ne_of(n);
		uint64_t due = ne->ne_when_ns + NH_ASK_INTERVAL_MS * 1000000ULL;

		if (ne->ne_state != NH_INCOMPLETE && ne->ne_state != NH_PROBE)
			continue;
		if (now < due || (ne->ne_asks < NH_ASK_MAX &&
		    *nask == NH_ASKS_PER_RUN)) {
			*next_due = MIN(*next_due, MAX(due, now + 1));
			continue;
		}
		if (ne->ne_asks >= NH_ASK_MAX) {
			NHSTAT_INC(nc, timeouts);
			ne->ne_state = NH_FAILED;
			ne->ne_when_ns = now;
			if ((m = nh_take_held(ne)) != NULL) {
				for (last = m; last->m_nextpkt; last = last->m_nextpkt)
					continue;
				last->m_nextpkt = dead;
				dead = m;
			}
			continue;
		}
		ne->ne_asks++;
		ne->ne_when_ns = now;
		memcpy(&ask[(*nask)++], ne->ne_node.pin4_addr, 4);
		*next_due = MIN(*next_due,
		    now + NH_ASK_INTERVAL_MS * 1000000ULL);
	}
	return dead;
}

/* The retry continuation (runs only while some entry asks). */
static void
nh4_timer(void *arg)
{
	struct nhcache *nc = arg;
	struct in_addr ask[NH_ASKS_PER_RUN];
	uint64_t now = getnanouptime(), next_due = UINT64_MAX;
	struct mbuf *dead, *next;
	u_int nask = 0;

	rw_enter(&nc->nc_lock, RW_WRITER);
	dead = nh_timer_pass(nc, now, ask, &nask, &next_due);
	if (next_due != UINT64_MAX) {
		uint64_t ms = howmany(next_due - now, 1000000ULL);

		kcont_schedule(&nc->nc_kc, mstohz((int)MAX(ms, 1)));
	}
	rw_exit(&nc->nc_lock);
	for (u_int i = 0; i < nask; i++)
		arp_request(nc->nc_ifp, ask[i]);
	for (; dead != NULL; dead = next) {
		next = dead->m_nextpkt;
		dead->m_nextpkt = NULL;
		nh_fail_packet(nc->nc_ifp, dead);
	}
}

bool
nh4_query(struct ifnet *ifp, struct in_addr a, enum nh_state *state,
    uint8_t hdr[NH_LLHDR_LEN])
{
	struct nhcache *nc = ifp->if_nh4;
	struct nhentry *ne;

	KASSERT(nc != NULL);
	rw_enter(&nc->nc_lock, RW_READER);
	if ((ne = nh_find(nc, a)) != NULL) {
		*state = ne->ne_state;
		if (hdr != NULL)
			memcpy(hdr, ne->ne_hdr, NH_LLHDR_LEN);
	}
	rw_exit(&nc->nc_lock);
	return ne != NULL;
}

u_int
nh4_count(struct ifnet *ifp)
{
	struct nhcache *nc = ifp->if_nh4;
	u_int n;

	KASSERT(nc != NULL);
	rw_enter(&nc->nc_lock, RW_READER);
	n = nc->nc_count;
	rw_exit(&nc->nc_lock);
	return n;
}
