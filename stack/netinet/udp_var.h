/*
 * udp_var.h -- UDP in one brane.
 */
#ifndef _STACK_NETINET_UDP_VAR_H_
#define _STACK_NETINET_UDP_VAR_H_

#include <sys/kern.h>
#include <sys/evcnt.h>

#include <netinet/in_pcb.h>

struct ifnet;
struct mbuf;

#define UDPSTAT_LIST(X)                                                 \
	X(received, "datagrams handed to udp_input")                   \
	X(delivered, "queued to a socket's receive PCQ")               \
	X(sent, "datagrams sent")                                      \
	X(hdrops, "shorter than a UDP header")                         \
	X(badlen, "length field wrong for the IP packet")              \
	X(badsum, "bad checksum")                                      \
	X(noport, "no socket: port unreachable sent")                  \
	X(noportbcast, "no socket, broadcast: dropped")                \
	X(fullsock, "the socket's receive queue or buffer was full")   \
	X(lazy_lwp, "received by the waiting LWP (lazy receive)")      \
	X(lazy_kcont, "received by the socket's continuation")

enum udpstat_id {
#define UDPSTAT_ENUM_(n, d) UDPSTAT_##n,
	UDPSTAT_LIST(UDPSTAT_ENUM_)
#undef UDPSTAT_ENUM_
	UDPSTAT_N
};

struct udp_brane {
	struct inpcbtable ub_table;
	struct evcnt ub_stat[UDPSTAT_N];
};

void	udp_input(struct ifnet *, struct mbuf *, int off);

#endif /* _STACK_NETINET_UDP_VAR_H_ */
