/*
 * in_var.h -- IPv4 interface addresses.
 *
 * An address belongs to an interface, and so to that interface's brane.
 * Adding one also adds the connected route for its subnet.
 * Legend: c = constant once added, r = the brane's ib_lock.
 */
#ifndef _STACK_NETINET_IN_VAR_H_
#define _STACK_NETINET_IN_VAR_H_

#include <sys/kern.h>

#include <netinet/in.h>

struct brane;
struct ifnet;

struct in_ifaddr {
	struct ifnet *ia_ifp;           /* c */
	struct in_addr ia_addr;         /* c */
	struct in_addr ia_netmask;      /* c */
	struct in_addr ia_subnet;       /* c: addr & mask */
	struct in_addr ia_broadcast;    /* c */
	u_int ia_plen;                  /* c */
	struct in_ifaddr *ia_next;      /* r: the brane's list */
};

/* Give ifp (an interface of br) addr/plen, with its connected route. */
int	in_addr_add(struct brane *br, struct ifnet *ifp, struct in_addr addr,
	    u_int plen);
/* br's address equal to a, or NULL.  => any context */
struct in_ifaddr *in_ifaddr_lookup(struct brane *br, struct in_addr a);
/* Whether a is for us on br: one of its addresses or a broadcast. */
bool	in_ours(struct brane *br, struct ifnet *rcvif, struct in_addr a);
/* The interface's first address, or NULL. */
struct in_ifaddr *in_ifaddr_of(struct brane *br, const struct ifnet *ifp);

#endif /* _STACK_NETINET_IN_VAR_H_ */
