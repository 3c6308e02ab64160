/*
 * route.c -- a brane's IPv4 routes: a PATRICIA tree of prefixes, longest
 * match wins.
 *
 * Each struct rtentry carries its own tree node, so adding a route
 * allocates only the route and deleting frees only it.  Lookups hold
 * ib_rtlock as readers and copy the answer out (struct rtresult): no
 * pointer into the tree escapes the lock, so a writer may free a route
 * as soon as it has the lock.  Gateways are resolved once, when a route is
 * added: the connected route holding the gateway gives the interface and
 * the source address (a filtered longest-prefix match in the same tree).
 *
 * Lock order: ib_rtlock before ib_lock (rt_add reads addresses under it).
 */
#include <sys/kern.h>
#include <sys/kmem.h>
#include <sys/rwlock.h>

#include <kern/ptree.h>
#include <kern/ptree_inet.h>

#include <net/brane.h>
#include <net/if.h>
#include <netinet/in.h>
#include <netinet/in_var.h>
#include <netinet/ip_var.h>
#include <netinet/route.h>

static struct rtentry *
rt_of(pt_in4_node_t *n)
{
	return n == NULL ? NULL : container_of(n, struct rtentry, rt_node);
}

/* Filter: connected routes (of arg's interface, if arg is not NULL). */
static bool
rt_connected_filter(void *arg, const pt_node_t *node)
{
	const struct rtentry *rt = container_of(PT_IN4_NODE(node),
	    const struct rtentry, rt_node);
	const struct ifnet *ifp = arg;

	return (rt->rt_flags & RTF_CONNECTED) != 0 &&
	    (ifp == NULL || rt->rt_ifp == ifp);
}

/* Fill in where rt goes: interface and source.  => ib_rtlock writer */
static int
rt_resolve(struct brane *br, struct rtentry *rt, struct in_addr gw,
    struct ifnet *ifp)
{
	struct inet_brane *ib = br->br_inet;
	struct rtentry *via;

	KASSERT(rw_write_held(&ib->ib_rtlock));
	if (gw.s_addr != INADDR_ANY) {
		via = rt_of(ptree_in4_lookup_filtered(&ib->ib_routes, &gw,
		    rt_connected_filter, ifp));
		if (via == NULL)
			return ENETUNREACH;
		rt->rt_gateway = gw;
		rt->rt_ifp = via->rt_ifp;
		rt->rt_ifa = via->rt_ifa;
		rt->rt_flags |= RTF_GATEWAY;
		return 0;
	}
	if (ifp == NULL)
		return EINVAL;
	rt->rt_ifp = ifp;
	rt->rt_ifa = in_ifaddr_for(br, ifp, rt->rt_dst);
	return rt->rt_ifa == NULL ? EADDRNOTAVAIL : 0;
}

int
rt_add(struct brane *br, struct in_addr dst, u_int plen, struct in_addr gw,
    struct ifnet *ifp, u_int flags)
{
	struct inet_brane *ib = br->br_inet;
	struct rtentry *rt;
	int error;

	if (plen > 32)
		return EINVAL;
	KASSERT((flags & ~RTF_CONNECTED) == 0);
	KASSERT(ifp == NULL || ifp->if_brane == br);
	rt = kmem_zalloc(sizeof(*rt), KM_SLEEP);
	rt->rt_dst.s_addr = dst.s_addr & in_plen2mask(plen);
	rt->rt_plen = plen;
	rt->rt_flags = flags;
	rw_enter(&ib->ib_rtlock, RW_WRITER);
	if (ptree_in4_find(&ib->ib_routes, &rt->rt_dst, plen) != NULL)
		error = EEXIST;
	else if ((error = rt_resolve(br, rt, gw, ifp)) == 0) {
		pt_in4_node_t *n = ptree_in4_insert(&ib->ib_routes,
		    &rt->rt_node, &rt->rt_dst, plen);

		KASSERT(n == &rt->rt_node);
	}
	rw_exit(&ib->ib_rtlock);
	if (error != 0)
		kmem_free(rt, sizeof(*rt));
	return error;
}

int
rt_delete(struct brane *br, struct in_addr dst, u_int plen)
{
	struct inet_brane *ib = br->br_inet;
	struct rtentry *rt;

	if (plen > 32)
		return ESRCH;
	dst.s_addr &= in_plen2mask(plen);
	rw_enter(&ib->ib_rtlock, RW_WRITER);
	rt = rt_of(ptree_in4_find(&ib->ib_routes, &dst, plen));
	if (rt != NULL)
		ptree_in4_remove(&ib->ib_routes, &rt->rt_node);
	rw_exit(&ib->ib_rtlock);
	if (rt == NULL)
		return ESRCH;
	kmem_free(rt, sizeof(*rt));
	return 0;
}

int
rt_lookup(struct brane *br, struct in_addr dst, struct rtresult *rr)
{
	struct inet_brane *ib = br->br_inet;
	struct rtentry *rt;

	rw_enter(&ib->ib_rtlock, RW_READER);
	rt = rt_of(ptree_in4_lookup(&ib->ib_routes, &dst));
	if (rt != NULL) {
		rr->rr_ifp = rt->rt_ifp;
		rr->rr_nexthop = (rt->rt_flags & RTF_GATEWAY) ? rt->rt_gateway :
		    dst;
		rr->rr_src = rt->rt_ifa->ia_addr;
		rr->rr_flags = rt->rt_flags;
	}
	rw_exit(&ib->ib_rtlock);
	return rt == NULL ? EHOSTUNREACH : 0;
}

void
rt_purge_ifa(struct brane *br, const struct in_ifaddr *ia)
{
	struct inet_brane *ib = br->br_inet;
	pt_in4_node_t *n, *next;

	rw_enter(&ib->ib_rtlock, RW_WRITER);
	for (n = ptree_in4_first(&ib->ib_routes); n != NULL; n = next) {
		struct rtentry *rt = rt_of(n);

		next = ptree_in4_next(&ib->ib_routes, n);
		if (rt->rt_ifa != ia)
			continue;
		ptree_in4_remove(&ib->ib_routes, n);
		kmem_free(rt, sizeof(*rt));
	}
	rw_exit(&ib->ib_rtlock);
}
