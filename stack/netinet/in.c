/*
 * in.c -- IPv4 interface addresses of a brane, and what they make ours.
 *
 * A brane's addresses are a short list in the order they were added,
 * read under ib_lock as readers on every packet (in_ours) and changed
 * under it as writers by configuration.  Adding an address adds the
 * connected route of its subnet; deleting one takes away every route it
 * was the source of.  A deleted address is never freed before its brane
 * (it moves to ib_deadaddrs), so a pointer a reader got stays valid
 * memory.
 *
 * The host model is weak (RFC 1122 3.3.4.2): a packet for any of the
 * brane's addresses is ours whichever of its interfaces it came in on.
 * Broadcasts are ours only on the interface whose subnet they belong to.
 *
 * Every packet asks whether its destination is ours (in_ours) and every
 * next hop whether it is a broadcast (in_broadcast), so besides the list
 * the addresses are hashed by value, under the same lock: a router with
 * fifteen interfaces answers in one bucket's chain, not fifteen steps.
 * Each address is in the hash twice -- by its address (an IN_AH_ADDR
 * entry) and by its directed broadcast (IN_AH_BCAST; not the limited
 * broadcast, which both questions answer before looking) -- so a chain
 * holds entries of both kinds: a link is the in_ifaddr's pointer with
 * the kind in its low bit, and the entry's next link is ia_hnext[kind].
 * The buckets are a fixed IB_AHASH (ip_var.h): chains stay about one
 * entry long up to some IB_AHASH / 2 addresses a brane and grow as the
 * addresses over IB_AHASH beyond.  The hash is of the address's value,
 * and what it answers is a yes or no (or the one address equal to a
 * key), so the chains' order decides nothing.
 */
#include <sys/kern.h>
#include <sys/kmem.h>
#include <sys/rwlock.h>

#include <net/brane.h>
#include <net/if.h>
#include <netinet/in.h>
#include <netinet/in_var.h>
#include <netinet/ip_var.h>
#include <netinet/route.h>

static bool
in_subnet_holds(const struct in_ifaddr *ia, struct in_addr a)
{
	return (a.s_addr & ia->ia_netmask.s_addr) == ia->ia_subnet.s_addr;
}

/*
 * The buckets must not move the brane to a larger kmem block (every
 * later block's place, and the pinned fingerprints with it, would move).
 */
CTASSERT(sizeof(struct inet_brane) <= 2048);

/* The kinds of hash entry: the low bit of a link. */
#define IN_AH_ADDR      0u
#define IN_AH_BCAST     1u

static inline u_int
in_ahash(in_addr_t key)
{
	return (u_int)(((uint32_t)key * 0x9e3779b1u) >> (32 - IB_AHASH_BITS));
}

static inline struct in_ifaddr *
in_ah_ia(uintptr_t link)
{
	return (struct in_ifaddr *)(link & ~(uintptr_t)1);
}

/* Whether ia has an entry of kind k (a directed broadcast to hash). */
static bool
in_ah_has(const struct in_ifaddr *ia, u_int k)
{
	return k == IN_AH_ADDR || ia->ia_broadcast.s_addr != INADDR_BROADCAST;
}

/* => ib_lock held as writer */
static void
in_ah_insert(struct inet_brane *ib, struct in_ifaddr *ia, u_int k)
{
	in_addr_t key = k == IN_AH_ADDR ? ia->ia_addr.s_addr :
	    ia->ia_broadcast.s_addr;
	uintptr_t *b = &ib->ib_ahash[in_ahash(key)];

	KASSERT(((uintptr_t)ia & 1) == 0 && in_ah_has(ia, k));
	ia->ia_hnext[k] = *b;
	*b = (uintptr_t)ia | k;
}

/* => ib_lock held as writer; ia's entry of kind k is in the hash */
static void
in_ah_remove(struct inet_brane *ib, struct in_ifaddr *ia, u_int k)
{
	in_addr_t key = k == IN_AH_ADDR ? ia->ia_addr.s_addr :
	    ia->ia_broadcast.s_addr;
	uintptr_t *pp = &ib->ib_ahash[in_ahash(key)];

	while (*pp != ((uintptr_t)ia | k)) {
		KASSERTMSG(*pp != 0, "address not in its hash chain");
		pp = &in_ah_ia(*pp)->ia_hnext[*pp & 1];
	}
	*pp = ia->ia_hnext[k];
	ia->ia_hnext[k] = 0;
}

/* The chain a key's entries are on.  => ib_lock held */
static inline uintptr_t
in_ah_chain(const struct inet_brane *ib, in_addr_t key)
{
	return ib->ib_ahash[in_ahash(key)];
}

static struct in_ifaddr *
in_ifaddr_find_locked(struct inet_brane *ib, struct in_addr a)
{
	KASSERT(rw_lock_held(&ib->ib_lock));
	for (uintptr_t l = in_ah_chain(ib, a.s_addr); l != 0;
	    l = in_ah_ia(l)->ia_hnext[l & 1])
		if ((l & 1) == IN_AH_ADDR && in_ah_ia(l)->ia_addr.s_addr ==
		    a.s_addr)
			return in_ah_ia(l);
	return NULL;
}

int
in_addr_add(struct brane *br, struct ifnet *ifp, struct in_addr addr,
    u_int plen)
{
	struct inet_brane *ib = br->br_inet;
	struct in_ifaddr *ia, **pp;
	int error;

	if (plen > 32 || ifp->if_brane != br || addr.s_addr == INADDR_ANY ||
	    addr.s_addr == INADDR_BROADCAST || in_multicast(addr.s_addr))
		return EINVAL;
	ia = kmem_zalloc(sizeof(*ia), KM_SLEEP);
	ia->ia_ifp = ifp;
	ia->ia_addr = addr;
	ia->ia_plen = plen;
	ia->ia_netmask.s_addr = in_plen2mask(plen);
	ia->ia_subnet.s_addr = addr.s_addr & ia->ia_netmask.s_addr;
	/* /31 and /32 have no broadcast of their own (RFC 3021). */
	ia->ia_broadcast.s_addr = plen >= 31 ? INADDR_BROADCAST :
	    (ia->ia_subnet.s_addr | ~ia->ia_netmask.s_addr);
	rw_enter(&ib->ib_lock, RW_WRITER);
	if (in_ifaddr_find_locked(ib, addr) != NULL) {
		rw_exit(&ib->ib_lock);
		kmem_free(ia, sizeof(*ia));
		return EEXIST;
	}
	for (pp = &ib->ib_addrs; *pp != NULL; pp = &(*pp)->ia_next)
		continue;
	*pp = ia;
	for (u_int k = IN_AH_ADDR; k <= IN_AH_BCAST; k++)
		if (in_ah_has(ia, k))
			in_ah_insert(ib, ia, k);
	rw_exit(&ib->ib_lock);
	error = rt_add(br, ia->ia_subnet, plen, (struct in_addr){ INADDR_ANY },
	    ifp, RTF_CONNECTED);
	KASSERTMSG(error == 0 || error == EEXIST, "connected route: error %d",
	    error);
	return 0;
}

int
in_addr_delete(struct brane *br, struct in_addr addr)
{
	struct inet_brane *ib = br->br_inet;
	struct in_ifaddr *ia, **pp;

	rw_enter(&ib->ib_lock, RW_WRITER);
	for (pp = &ib->ib_addrs; (ia = *pp) != NULL; pp = &ia->ia_next)
		if (ia->ia_addr.s_addr == addr.s_addr)
			break;
	if (ia == NULL) {
		rw_exit(&ib->ib_lock);
		return ENOENT;
	}
	*pp = ia->ia_next;
	for (u_int k = IN_AH_ADDR; k <= IN_AH_BCAST; k++)
		if (in_ah_has(ia, k))
			in_ah_remove(ib, ia, k);
	ia->ia_next = ib->ib_deadaddrs;
	ib->ib_deadaddrs = ia;
	rw_exit(&ib->ib_lock);
	rt_purge_ifa(br, ia);
	/* Another interface on the same subnet takes the connected route. */
	rw_enter(&ib->ib_lock, RW_READER);
	for (ia = ib->ib_addrs; ia != NULL; ia = ia->ia_next) {
		struct in_addr sub = ia->ia_subnet, any = { INADDR_ANY };
		struct ifnet *ifp = ia->ia_ifp;
		u_int plen = ia->ia_plen;

		/* rt_add takes ib_rtlock, which comes before ib_lock. */
		rw_exit(&ib->ib_lock);
		(void)rt_add(br, sub, plen, any, ifp, RTF_CONNECTED);
		rw_enter(&ib->ib_lock, RW_READER);
	}
	rw_exit(&ib->ib_lock);
	return 0;
}

struct in_ifaddr *
in_ifaddr_lookup(struct brane *br, struct in_addr a)
{
	struct inet_brane *ib = br->br_inet;
	struct in_ifaddr *ia;

	rw_enter(&ib->ib_lock, RW_READER);
	ia = in_ifaddr_find_locked(ib, a);
	rw_exit(&ib->ib_lock);
	return ia;
}

bool
in_ours(struct brane *br, struct ifnet *rcvif, struct in_addr a)
{
	struct inet_brane *ib = br->br_inet;
	bool ours = a.s_addr == INADDR_BROADCAST;

	rw_enter(&ib->ib_lock, RW_READER);
	for (uintptr_t l = ours ? 0 : in_ah_chain(ib, a.s_addr); l != 0 && !ours;
	    l = in_ah_ia(l)->ia_hnext[l & 1]) {
		const struct in_ifaddr *ia = in_ah_ia(l);

		ours = (l & 1) == IN_AH_ADDR ? ia->ia_addr.s_addr == a.s_addr :
		    ia->ia_ifp == rcvif && ia->ia_broadcast.s_addr == a.s_addr;
	}
	rw_exit(&ib->ib_lock);
	return ours;
}

bool
in_broadcast(struct brane *br, const struct ifnet *ifp, struct in_addr a)
{
	struct inet_brane *ib = br->br_inet;
	bool bcast = a.s_addr == INADDR_BROADCAST;

	if (bcast || ifp == NULL)
		return bcast;
	rw_enter(&ib->ib_lock, RW_READER);
	for (uintptr_t l = in_ah_chain(ib, a.s_addr); l != 0 && !bcast;
	    l = in_ah_ia(l)->ia_hnext[l & 1]) {
		const struct in_ifaddr *ia = in_ah_ia(l);

		bcast = (l & 1) == IN_AH_BCAST && ia->ia_ifp == ifp &&
		    ia->ia_broadcast.s_addr == a.s_addr;
	}
	rw_exit(&ib->ib_lock);
	return bcast;
}

struct in_ifaddr *
in_ifaddr_for(struct brane *br, const struct ifnet *ifp, struct in_addr a)
{
	struct inet_brane *ib = br->br_inet;
	struct in_ifaddr *ia, *first = NULL;

	rw_enter(&ib->ib_lock, RW_READER);
	for (ia = ib->ib_addrs; ia != NULL; ia = ia->ia_next) {
		if (ia->ia_ifp != ifp)
			continue;
		if (in_subnet_holds(ia, a))
			break;
		if (first == NULL)
			first = ia;
	}
	rw_exit(&ib->ib_lock);
	return ia != NULL ? ia : first;
}
