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
	uintptr_t ia_hnext[2];          /* r: its two chains in the hash (in.c) */
};

/*
 * Give ifp (an interface of br) addr/plen, with its connected route
 * (unless another interface of br has that subnet already: the first
 * keeps it).
 * => 0; EINVAL (plen > 32, ifp not in br, addr zero, broadcast or
 *    multicast); EEXIST (br has addr already)
 * => configuration: may sleep
 */
int	in_addr_add(struct brane *br, struct ifnet *ifp, struct in_addr addr,
	    u_int plen);
/*
 * Take addr away from br, with every route whose source it was (its
 * connected route, and routes through a gateway on its subnet).  The
 * in_ifaddr stays allocated until the brane is torn down, so a pointer
 * from in_ifaddr_lookup never dangles.  => 0, or ENOENT
 */
int	in_addr_delete(struct brane *br, struct in_addr addr);
/*
 * br's address equal to a, or NULL.  => any context; the result stays
 * valid memory (see in_addr_delete)
 */
struct in_ifaddr *in_ifaddr_lookup(struct brane *br, struct in_addr a);
/*
 * Whether a is for us on br: one of its addresses (on any of its
 * interfaces: the weak host model), the limited broadcast, or the
 * directed broadcast of a subnet of rcvif (which may be NULL).
 */
bool	in_ours(struct brane *br, struct ifnet *rcvif, struct in_addr a);
/*
 * Whether a is a broadcast address on ifp: all ones, or the directed
 * broadcast of one of ifp's subnets (ifp NULL: all ones only).
 */
bool	in_broadcast(struct brane *br, const struct ifnet *ifp,
	    struct in_addr a);
/*
 * The address of ifp whose subnet holds a, else ifp's first address, or
 * NULL if ifp has none (the source for ARP and for ICMP errors).
 */
struct in_ifaddr *in_ifaddr_for(struct brane *br, const struct ifnet *ifp,
	    struct in_addr a);

#endif /* _STACK_NETINET_IN_VAR_H_ */
