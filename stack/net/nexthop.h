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
 */
#ifndef _STACK_NET_NEXTHOP_H_
#define _STACK_NET_NEXTHOP_H_

#include <sys/kern.h>

#include <net/if.h>
#include <netinet/in.h>

struct mbuf;

#define NH_HOLD_MAX     4       /* packets waiting for one resolution */
#define NH_ASK_MAX      3       /* ARP requests before giving up */

/* Set up and tear down ifp's IPv4 cache (if_attach time). */
void	nh4_attach(struct ifnet *);
/*
 * Send m (starting with its IPv4 header) to neighbour nh on ifp: prepend
 * the prebuilt Ethernet header and transmit, or hold it and ask.  Consumes
 * m.  => 0, or EHOSTDOWN when the neighbour did not answer before
 */
int	nh4_output(struct ifnet *, struct mbuf *m, struct in_addr nh);
/* ARP input (ETHERTYPE_ARP frames). */
void	arp_input(struct ifnet *, struct mbuf *);

#endif /* _STACK_NET_NEXTHOP_H_ */
