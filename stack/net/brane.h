/*
 * brane.h -- one instance of a network stack (the proposal's "brane").
 *
 * A brane holds every piece of a network stack's state: routing tables,
 * the protocols' state and their PCB tables, counters, and the locks that
 * guard them.  Interfaces belong to exactly one brane; processes belong to
 * one brane and chbrane(2) moves one.  Nothing in stack/ is a mutable
 * global, so nothing is ever visible across branes: two branes on one host
 * may use the same addresses on different interfaces and never meet.
 *
 * Each protocol sets up its part of a new brane in its pr_init(brane)
 * (uipc_domain.c runs them in table order) and keeps it behind one of the
 * pointers below.  Legend: c = constant after brane_create.
 */
#ifndef _STACK_NET_BRANE_H_
#define _STACK_NET_BRANE_H_

#include <sys/kern.h>
#include <sys/evcnt.h>
#include <sys/rwlock.h>

#include <net/if.h>

struct inet_brane;      /* netinet/ip_var.h: IPv4 routes, addresses, stats */
struct udp_brane;       /* netinet/udp_var.h: UDP PCBs, stats */
struct rip_brane;       /* netinet/raw_ip.c: raw IP PCBs */
struct tcp_brane;       /* netinet/tcp_var.h: TCP PCBs, stats, reaper */

#define BRANE_NAMESZ    16

struct brane {
	char br_name[BRANE_NAMESZ];     /* c */
	krwlock_t br_lock;              /* its interface list */
	struct ifnet *br_ifnets;        /* br_lock: linked by if_brane_next */
	struct inet_brane *br_inet;     /* c */
	struct udp_brane *br_udp;       /* c */
	struct rip_brane *br_rip;       /* c */
	struct tcp_brane *br_tcp;       /* set once, atomically, by the
					   first TCP socket (tcp_brane) */
	struct brane *br_next;          /* c: the host's branes */
};

/* Create a brane and run every protocol's pr_init on it. */
struct brane *brane_create(const char *name);
/*
 * The counter group of a protocol's part of br: prefix, then br's name
 * ("udp." and "default": "udp.default").  => dst holds size bytes, room
 * for both (KASSERT)
 */
void	brane_group(const struct brane *, const char *prefix, char *dst,
	    size_t size);
/* The calling host's brane of that name, or NULL. */
struct brane *brane_lookup(const char *name);
/* The host's first brane ("default"). */
struct brane *brane_default(void);
/* Move an interface into a brane (configuration, not the data path). */
void	brane_attach_ifnet(struct brane *, struct ifnet *);

#endif /* _STACK_NET_BRANE_H_ */
