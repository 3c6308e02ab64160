/*
 * route.h -- IPv4 routes: a PATRICIA tree per brane, longest-prefix match.
 *
 * The routing table holds only routes -- connected subnets and static
 * routes through a gateway -- never ARP entries and never cloned host
 * routes: neighbours live in each interface's nexthop cache (nexthop.h).
 * Lookups take the brane's route lock as readers; adding and deleting take
 * it as writers.  A route's node is embedded in it: inserting never
 * allocates beyond the route itself.
 */
#ifndef _STACK_NETINET_ROUTE_H_
#define _STACK_NETINET_ROUTE_H_

#include <sys/kern.h>

#include <kern/ptree_inet.h>

#include <netinet/in.h>

struct brane;
struct ifnet;
struct in_ifaddr;

#define RTF_GATEWAY     0x01    /* through rt_gateway, else connected */
#define RTF_CONNECTED   0x02    /* the subnet of an interface address */

/* Legend: c = constant once inserted. */
struct rtentry {
	pt_in4_node_t rt_node;          /* c: key = destination prefix */
	struct in_addr rt_dst;          /* c */
	u_int rt_plen;                  /* c */
	struct in_addr rt_gateway;      /* c: RTF_GATEWAY only */
	struct ifnet *rt_ifp;           /* c: out this interface */
	struct in_ifaddr *rt_ifa;       /* c: source address for it */
	u_int rt_flags;                 /* c */
};

/* What a lookup gives: where to send and the next hop on the link. */
struct rtresult {
	struct ifnet *rr_ifp;
	struct in_addr rr_nexthop;      /* gateway, or the destination itself */
	struct in_addr rr_src;          /* source address to use */
	u_int rr_flags;
};

/*
 * Add a route: dst/plen (host bits of dst ignored) through gw, or, with gw
 * INADDR_ANY, straight out of ifp (flags RTF_CONNECTED for an address's
 * own subnet: in_addr_add does that).  With a gateway the interface is
 * the one of the connected subnet that holds gw (ifp, if given, must be
 * that subnet's).  The source address is that subnet's address, or for a
 * route straight out of ifp, ifp's address on dst's subnet, else its
 * first.
 * => 0; EINVAL (plen > 32, neither gw nor ifp); EEXIST if that prefix is
 *    already routed; ENETUNREACH if gw is on no connected subnet (of ifp);
 *    EADDRNOTAVAIL if ifp has no address
 * => configuration: may sleep
 */
int	rt_add(struct brane *, struct in_addr dst, u_int plen,
	    struct in_addr gw, struct ifnet *ifp, u_int flags);
/* => 0, or ESRCH if dst/plen is not routed */
int	rt_delete(struct brane *, struct in_addr dst, u_int plen);
/*
 * Longest-prefix match.  => 0, or EHOSTUNREACH when no route matches
 * => any context but hardware interrupts; copies the answer out, so no
 *    route is referenced after the lock is dropped
 */
int	rt_lookup(struct brane *, struct in_addr dst, struct rtresult *);
/* Delete every route whose source address is ia (in_addr_delete). */
void	rt_purge_ifa(struct brane *, const struct in_ifaddr *ia);

#endif /* _STACK_NETINET_ROUTE_H_ */
