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

static struct in_ifaddr *
in_ifaddr_find_locked(struct inet_brane *ib, struct in_addr a)
{
	KASSERT(rw_lock_held(&ib->ib_lock));
	for (struct in_ifaddr *ia = ib->ib_addrs; ia != NULL; ia = ia->ia_next)
		if (ia->ia_addr.s_addr == a.s_addr)
			return ia;
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
	for (struct in_ifaddr *ia = ib->ib_addrs; ia != NULL && !ours;
	    ia = ia->ia_next)
		ours = ia->ia_addr.s_addr == a.s_addr ||
		    (ia->ia_ifp == rcvif && ia->ia_broadcast.s_addr == a.s_addr);
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
	for (struct in_ifaddr *ia = ib->ib_addrs; ia != NULL && !bcast;
	    ia = ia->ia_next)
		bcast = ia->ia_ifp == ifp && ia->ia_broadcast.s_addr == a.s_addr;
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
