/*
 * ip_var.h -- IPv4 in one brane: its state and the layer's entry points.
 *
 * Legend: c = constant after pr_init, r = ib_rtlock, l = ib_lock,
 * a = atomic, e = counter (plain increments where one CPU owns the path,
 * else atomic).
 */
#ifndef _STACK_NETINET_IP_VAR_H_
#define _STACK_NETINET_IP_VAR_H_

#include <sys/kern.h>
#include <sys/evcnt.h>
#include <sys/ptree.h>
#include <sys/rwlock.h>

#include <netinet/in.h>

struct brane;
struct ifnet;
struct mbuf;
struct in_ifaddr;

/* Why an IPv4 packet was dropped: one counter each, "ip.<name>". */
#define IPSTAT_LIST(X)                                                  \
	X(received, "packets handed to ip_input")                      \
	X(delivered, "delivered to a protocol of this host")           \
	X(forwarded, "forwarded to another interface")                 \
	X(sent, "sent by this host")                                   \
	X(tooshort, "shorter than an IPv4 header or its length field") \
	X(badvers, "not version 4")                                    \
	X(badhlen, "header length out of range")                       \
	X(badsum, "bad header checksum")                               \
	X(badlen, "length field larger than the packet")               \
	X(fragment, "fragments (reassembly not supported)")            \
	X(noproto, "for us, no such protocol")                         \
	X(notforus, "not for us and not forwarding")                   \
	X(noroute, "no route to the destination")                      \
	X(timxceed, "TTL ran out while forwarding")                    \
	X(toobig, "larger than the outgoing MTU (DF or sending)")      \
	X(nobufs, "no mbuf, or the interface queue full")              \
	X(hostdown, "the next hop did not answer ARP")

enum ipstat_id {
#define IPSTAT_ENUM_(n, d) IPSTAT_##n,
	IPSTAT_LIST(IPSTAT_ENUM_)
#undef IPSTAT_ENUM_
	IPSTAT_N
};

#define ICMPSTAT_LIST(X)                                                \
	X(in_echo, "echo requests received")                           \
	X(out_echoreply, "echo replies sent")                          \
	X(in_echoreply, "echo replies received")                       \
	X(out_unreach, "destination unreachable sent")                 \
	X(in_unreach, "destination unreachable received")              \
	X(out_timxceed, "time exceeded sent")                          \
	X(in_timxceed, "time exceeded received")                       \
	X(badlen, "shorter than an ICMP header")                       \
	X(badsum, "bad checksum")                                      \
	X(unknown, "types not handled")                                \
	X(ratelim, "errors not sent: about an ICMP error or a broadcast")

enum icmpstat_id {
#define ICMPSTAT_ENUM_(n, d) ICMPSTAT_##n,
	ICMPSTAT_LIST(ICMPSTAT_ENUM_)
#undef ICMPSTAT_ENUM_
	ICMPSTAT_N
};

/* IPv4 state of one brane. */
struct inet_brane {
	krwlock_t ib_rtlock;            /* the route tree */
	pt_tree_t ib_routes;            /* r: struct rtentry, LPM */
	krwlock_t ib_lock;              /* the address list */
	struct in_ifaddr *ib_addrs;     /* l */
	bool ib_forwarding;             /* c: a router */
	volatile uint32_t ib_ip_id;     /* a: the next IP id */
	struct evcnt ib_ipstat[IPSTAT_N];       /* e */
	struct evcnt ib_icmpstat[ICMPSTAT_N];   /* e */
};

#define IPSTAT_INC(ib, n)       ((ib)->ib_ipstat[IPSTAT_##n].ev_count++)
#define ICMPSTAT_INC(ib, n)     ((ib)->ib_icmpstat[ICMPSTAT_##n].ev_count++)

/*
 * From the link layer (ETHERTYPE_IP): check, deliver to a protocol of this
 * brane, forward, or drop and count.  Malformed packets are dropped and
 * counted by reason, never read past their end.
 */
void	ip_input(struct ifnet *, struct mbuf *);

/*
 * Send m, which starts with an IPv4 header whose ip_p, ip_src (INADDR_ANY:
 * choose one), ip_dst, ip_tos and ip_len the caller filled; ip_output
 * routes, fills version, header length, id, TTL (ttl 0: IPDEFTTL),
 * checksum and transmits through the next hop's interface.  Consumes m.
 * => 0, EMSGSIZE (larger than the interface MTU: no fragmentation),
 *    EHOSTUNREACH / ENETUNREACH (no route), EHOSTDOWN, ENOBUFS
 */
int	ip_output(struct brane *, struct mbuf *m, int ttl);

/*
 * Send an ICMP error about the packet m (its IPv4 header first) back to
 * its source; consumes m.  Never about an ICMP error, a broadcast or a
 * fragment.
 */
void	icmp_error(struct brane *, struct mbuf *m, int type, int code,
	    uint16_t nextmtu);
/* ICMP input (IPPROTO_ICMP), off = the IPv4 header's length. */
void	icmp_input(struct ifnet *, struct mbuf *, int off);

/* pr_init / pr_fini of IPv4 (ip_input.c) and ICMP (ip_icmp.c). */
int	ip_init(void *brane);
int	ip_fini(void *brane);

#endif /* _STACK_NETINET_IP_VAR_H_ */
