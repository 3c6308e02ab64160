/*
 * ip_var.h -- IPv4 in one brane: its state and the layer's entry points.
 *
 * Legend: c = constant after pr_init, r = ib_rtlock, l = ib_lock,
 * a = atomic, e = counter: plain increments from any CPU (the simulated
 * machine never schedules inside one, so none is lost; a real kernel
 * would keep them per CPU).
 *
 * Lock order: ib_rtlock, then ib_lock, then an interface's nexthop cache
 * lock (nexthop.h).  No packet is handed to an interface or a protocol
 * with any of them held.
 */
#ifndef _STACK_NETINET_IP_VAR_H_
#define _STACK_NETINET_IP_VAR_H_

#include <sys/kern.h>
#include <sys/evcnt.h>
#include <sys/race.h>
#include <sys/rwlock.h>

#include <kern/kcont.h>
#include <kern/ptree.h>

#include <netinet/in.h>

struct brane;
struct domain;
struct ifnet;
struct mbuf;
struct in_ifaddr;
struct protosw;
struct pcq;

/* Why an IPv4 packet was dropped: one counter each, "ip.<name>". */
#define IPSTAT_LIST(X)                                                  \
	X(received, "packets handed to ip_input")                      \
	X(delivered, "delivered to a protocol of this host")           \
	X(forwarded, "forwarded to another interface")                 \
	X(sent, "sent by this host")                                   \
	X(looped, "sent to one of this brane's own addresses: queued " \
	    "to come back in (received again)")                        \
	X(tooshort, "shorter than an IPv4 header (20 bytes)")         \
	X(badvers, "not version 4")                                    \
	X(badhlen, "header length below 20 or past the packet's end")  \
	X(badsum, "bad header checksum")                               \
	X(badlen, "length field below the header length or larger "   \
	    "than the packet")                                         \
	X(badaddr, "source a broadcast, multicast or loopback address") \
	X(fragment, "fragments (reassembly not supported)")            \
	X(noproto, "for us, no such protocol")                         \
	X(notforus, "not for us and not forwarding")                   \
	X(noroute, "forwarding: no route to the destination")          \
	X(timxceed, "forwarding: the TTL ran out")                     \
	X(toobig, "forwarding: larger than the outgoing MTU")          \
	X(out_noroute, "sending: no route (EHOSTUNREACH)")             \
	X(out_toobig, "sending: larger than the MTU (EMSGSIZE)")       \
	X(nobufs, "no mbuf, or the interface queue full")              \
	X(hostdown, "the next hop did not answer ARP")

enum ipstat_id {
#define IPSTAT_ENUM_(n, d) IPSTAT_##n,
	IPSTAT_LIST(IPSTAT_ENUM_)
#undef IPSTAT_ENUM_
	IPSTAT_N
};

#define ICMPSTAT_LIST(X)                                                \
	X(received, "messages handed to icmp_input")                   \
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
	X(bcastecho, "echo requests to a broadcast address, ignored")  \
	X(badquote, "errors whose quoted header is malformed")         \
	X(ratelim, "errors not sent: about an ICMP error, a broadcast, " \
	    "a fragment or an unspecified source")

enum icmpstat_id {
#define ICMPSTAT_ENUM_(n, d) ICMPSTAT_##n,
	ICMPSTAT_LIST(ICMPSTAT_ENUM_)
#undef ICMPSTAT_ENUM_
	ICMPSTAT_N
};

/*
 * Buckets of a brane's address hash (in.c): in_ours and in_broadcast
 * find an address in a bucket's short chain, not by walking every
 * address.  32 keep the struct in the 2 KiB block it took already.
 */
#define IB_AHASH_BITS   5
#define IB_AHASH        (1u << IB_AHASH_BITS)

/* IPv4 state of one brane. */
struct inet_brane {
	krwlock_t ib_rtlock;            /* the route tree */
	pt_tree_t ib_routes;            /* r: struct rtentry, LPM */
	krwlock_t ib_lock;              /* the address list */
	struct in_ifaddr *ib_addrs;     /* l */
	struct in_ifaddr *ib_deadaddrs; /* l: deleted, kept until ip_fini */
	bool ib_forwarding;             /* c: a router (set by net_boot) */
	volatile uint32_t ib_ip_id;     /* a: the next IP id */
	struct pcq *ib_loopq;           /* c: packets to our own addresses */
	kcont_t ib_loopkc;              /* hands them to ip_input */
	char ib_ipgroup[3 + 16];        /* c: "ip.<brane>" */
	char ib_icmpgroup[5 + 16];      /* c: "icmp.<brane>" */
	struct evcnt ib_ipstat[IPSTAT_N];       /* e */
	struct evcnt ib_icmpstat[ICMPSTAT_N];   /* e */
	/*
	 * l: the addresses and broadcasts by value (in.c's hash), on lines
	 * of their own: unaligned, its first line was shared with the
	 * counters' and cost 16 more L1 misses a datagram with 15 leaves.
	 */
	uintptr_t ib_ahash[IB_AHASH] __attribute__((__aligned__(64)));
};

/*
 * A brane's IP statistics are bumped by every CPU's input path without a
 * lock: racy by design (statistics, and no scheduling point inside the
 * ++ on this machine); exact per-CPU counters are the fix for hardware.
 */
#define IPSTAT_INC(ib, n)       ((void)data_race(                      \
	(ib)->ib_ipstat[IPSTAT_##n].ev_count++, "statistics; no point in ++"))
#define ICMPSTAT_INC(ib, n)     ((void)data_race(                      \
	(ib)->ib_icmpstat[ICMPSTAT_##n].ev_count++,                     \
	"statistics; no point in ++"))

/* Jump-table bits of every brane's route tree (a 6 KiB table). */
#define IP_RT_JUMPBITS  8
/* Packets to our own addresses waiting to come back in. */
#define IP_LOOPQ_LEN    256

/*
 * From the link layer (ETHERTYPE_IP, the Ethernet header stripped):
 * check, deliver to a protocol of this brane, forward, or drop and count.
 * Malformed packets are dropped and counted by reason, never read past
 * their end.  Every packet counted as "received" is counted once more, by
 * exactly one of: tooshort, badvers, badhlen, badsum, badlen, badaddr,
 * fragment, noproto, notforus, delivered, forwarded, noroute, timxceed,
 * toobig, nobufs.  A forwarded packet may later count "hostdown" (or
 * "nobufs", if no mbuf was left to prepend its Ethernet header) on top,
 * as packets this host sends do.
 *
 * Delivery: the pr_input of the inet protosw row whose pr_protocol is
 * ip_p (ip_proto()); failing that, the raw row's (rip_proto(), a
 * wildcard SOCK_RAW row with pr_protocol 0), which gets off = the header
 * length too; failing that, noproto and ICMP protocol unreachable.
 */
void	ip_input(struct ifnet *, struct mbuf *);

/*
 * Send m, which starts with an IPv4 header (20 bytes, no options,
 * contiguous in the first mbuf) whose ip_p, ip_src (INADDR_ANY: choose
 * one), ip_dst, ip_tos and ip_len the caller filled; of ip_off only the
 * IP_DF bit is kept, the rest is cleared (no fragments are sent).
 * ip_output routes, fills version, header length, id, TTL (ttl 0:
 * IPDEFTTL), checksum and transmits through the next hop's interface.
 * m_pkthdr.rcvif is cleared: the packet is this host's own.  Consumes m.
 * => 0 (sent, or held while ARP asks), EMSGSIZE (larger than the
 *    interface MTU: no fragmentation; "out_toobig"), EHOSTUNREACH (no
 *    route; "out_noroute"), EHOSTDOWN (the next hop did not answer ARP), ENOBUFS
 * => 0 <= ttl <= 255; any context but hardware interrupts
 */
int	ip_output(struct brane *, struct mbuf *m, int ttl);

/*
 * Send an ICMP error about the packet m (its IPv4 header first) back to
 * its source; consumes m.  Never about an ICMP error, a broadcast or
 * multicast, a fragment other than the first, or an unspecified source
 * ("ratelim").  The error quotes the header and 8 bytes of data.  Its
 * source is the packet's destination if that is ours, else the address
 * of the interface the packet came in on.
 */
void	icmp_error(struct brane *, struct mbuf *m, int type, int code,
	    uint16_t nextmtu);
/*
 * ICMP input (IPPROTO_ICMP), off = the IPv4 header's length.  Echo
 * requests are answered; errors go to the pr_ctlinput of the protocol
 * they quote (cmd PRC_*, the quoted destination as a sockaddr_in, hdr =
 * the quoted IPv4 header with its header length + 8 bytes contiguous; the
 * 8-byte ICMP header sits right before it, so for PRC_MSGSIZE the
 * next-hop MTU is be16dec((const uint8_t *)hdr - 2)); everything but echo
 * requests then goes to the raw row's pr_input, if there is one.
 */
void	icmp_input(struct ifnet *, struct mbuf *, int off);

/*
 * The inet protosw row that takes protocol p's packets (pr_input set,
 * pr_protocol p != 0), or NULL; the raw row (SOCK_RAW, pr_protocol 0,
 * pr_input set), or NULL.  Constant tables: any context.
 */
const struct protosw *ip_proto(int p);
const struct protosw *rip_proto(void);

/* The inet domain (in_proto.c). */
extern const struct domain inetdomain;

/*
 * Queue m, a packet ip_output sent to one of br's own addresses, to come
 * back into ip_input as if it had arrived on ifp (the interface holding
 * that address), from a continuation.  Consumes m.  => 0, or ENOBUFS
 */
int	ip_loop(struct brane *br, struct ifnet *ifp, struct mbuf *m);

/* pr_init / pr_fini of IPv4 (ip_input.c). */
int	ip_init(void *brane);
int	ip_fini(void *brane);

/*
 * Apply netconf() (sys/netconf.h) to this host (net_boot.c): the virtual
 * pairs, the branes, each interface's brane and IPv4 address, the static
 * routes, forwarding.  kern_boot calls it once, after config_attach_all.
 * A configuration naming an interface no driver attached is reported to
 * the run's log and skipped; anything else that fails to apply is a
 * panic (the scenario loader has checked it).
 */
void	net_boot(void);

#endif /* _STACK_NETINET_IP_VAR_H_ */
