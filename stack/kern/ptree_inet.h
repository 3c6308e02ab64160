/*
 * ptree_inet.h -- PATRICIA trees of IPv4 and IPv6 prefixes: the key ops
 * and a small typed API over ptree.h for route tables and nexthop caches.
 *
 * An object that goes into an inet tree embeds a pt_in4_node_t (or
 * pt_in6_node_t): the tree node followed by the address, network byte
 * order.  The insert helpers store the prefix with its host bits cleared,
 * so ptree_first/ptree_next walk the tree in (address, length) order:
 * 10.0.0.0/8 < 10.0.0.0/16 < 10.0.1.0/24 < 10.1.0.0/16.  Lookups take a
 * pointer to 4 (16) address bytes, network order, e.g. &ip->ip_dst.
 *
 *	struct rtentry {
 *		pt_in4_node_t	rt_key;		(first, or use container_of)
 *		...
 *	};
 *	ptree_in4_init(&brane->br_rt4, 16);
 *	if (ptree_in4_insert(&brane->br_rt4, &rt->rt_key, dst, plen)
 *	    != &rt->rt_key)
 *		return EEXIST;
 *	rt = (struct rtentry *)ptree_in4_lookup(&brane->br_rt4, &ip->ip_dst);
 *
 * The ops read the address bytes directly (ptto_direct), so a lookup
 * makes no indirect call.  Locking is the caller's, as for any ptree.
 */
#ifndef _STACK_KERN_PTREE_INET_H_
#define _STACK_KERN_PTREE_INET_H_

#include <kern/ptree.h>

typedef struct pt_in4_node {
	pt_node_t	pin4_node;	/* tree linkage (private) */
	uint8_t		pin4_addr[4];	/* prefix, network order (r) */
} pt_in4_node_t;

typedef struct pt_in6_node {
	pt_node_t	pin6_node;	/* tree linkage (private) */
	uint8_t		pin6_addr[16];	/* prefix, network order (r) */
} pt_in6_node_t;

/* The ops of inet trees; the key lives right after the pt_node_t. */
extern const pt_tree_ops_t ptree_in4_ops;
extern const pt_tree_ops_t ptree_in6_ops;

#define PT_IN4_NODE(n)	container_of((n), pt_in4_node_t, pin4_node)
#define PT_IN6_NODE(n)	container_of((n), pt_in6_node_t, pin6_node)

/*
 * Initialise an empty tree of IPv4 (IPv6) prefixes.
 * => jumpbits 0: no jump table, no allocation (nexthop caches, small
 *    tables); otherwise 1..PT_JUMPBITS_MAX, allocating 24 << jumpbits
 *    bytes once (a full routing table: 16 to 18)
 * => ptree_fini tears it down
 */
void	ptree_in4_init(pt_tree_t *t, u_int jumpbits);
void	ptree_in6_init(pt_tree_t *t, u_int jumpbits);

/*
 * Insert n as prefix addr/plen (host bits of addr are cleared in n).
 * => plen <= 32 (128); n is zero-filled or was removed from its tree
 * => returns n, or the node already holding addr/plen (n not inserted)
 * => never allocates
 */
pt_in4_node_t *ptree_in4_insert(pt_tree_t *t, pt_in4_node_t *n,
	    const void *addr, u_int plen);
pt_in6_node_t *ptree_in6_insert(pt_tree_t *t, pt_in6_node_t *n,
	    const void *addr, u_int plen);

/* Remove n.  => n is in t */
void	ptree_in4_remove(pt_tree_t *t, pt_in4_node_t *n);
void	ptree_in6_remove(pt_tree_t *t, pt_in6_node_t *n);

/* The node holding exactly addr/plen, or NULL.  => plen <= 32 (128) */
pt_in4_node_t *ptree_in4_find(const pt_tree_t *t, const void *addr,
	    u_int plen);
pt_in6_node_t *ptree_in6_find(const pt_tree_t *t, const void *addr,
	    u_int plen);

/*
 * Longest-prefix match of address addr: the longest prefix containing it
 * (that filter accepts, for the _filtered forms), or NULL.
 */
pt_in4_node_t *ptree_in4_lookup(const pt_tree_t *t, const void *addr);
pt_in6_node_t *ptree_in6_lookup(const pt_tree_t *t, const void *addr);
pt_in4_node_t *ptree_in4_lookup_filtered(const pt_tree_t *t,
	    const void *addr, pt_filter_t filter, void *arg);
pt_in6_node_t *ptree_in6_lookup_filtered(const pt_tree_t *t,
	    const void *addr, pt_filter_t filter, void *arg);

/* The prefix length of n.  => n is in a tree */
u_int	ptree_in4_plen(const pt_in4_node_t *n);
u_int	ptree_in6_plen(const pt_in6_node_t *n);

/* First and next node in (address, length) order; NULL at the end. */
pt_in4_node_t *ptree_in4_first(const pt_tree_t *t);
pt_in4_node_t *ptree_in4_next(const pt_tree_t *t, const pt_in4_node_t *n);
pt_in6_node_t *ptree_in6_first(const pt_tree_t *t);
pt_in6_node_t *ptree_in6_next(const pt_tree_t *t, const pt_in6_node_t *n);

#endif /* _STACK_KERN_PTREE_INET_H_ */
